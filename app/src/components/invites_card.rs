//! Invite links (`SWITCHBOARD_REGISTRATION=invite`): make one for one person
//! or several, valid for a while; list them with the uses left, when they
//! expire and their state; revoke. The server keeps only a hash of each
//! token, so a link is shown when it is made (and stays in this page's list
//! until it is reloaded), like an API key.

use std::collections::HashMap;

use leptos::{ev::SubmitEvent, prelude::*};

use super::announce_form::wall;
use crate::client::{http, zones};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Invite, InviteId, InviteState, MAX_INVITE_USES};

/// The lifetimes the form offers, in hours.
const LIFETIMES: [u32; 4] = [1, 24, 7 * 24, 30 * 24];

fn lifetime_label(l: Locale, hours: u32) -> String {
    match hours {
        1 => td_string!(l, admin.invites.hour_1),
        24 => td_string!(l, admin.invites.day_1),
        168 => td_string!(l, admin.invites.days_7),
        _ => td_string!(l, admin.invites.days_30),
    }
    .to_string()
}

fn state_label(l: Locale, state: InviteState) -> String {
    match state {
        InviteState::Valid => td_string!(l, admin.invites.states.active),
        InviteState::Expired => td_string!(l, admin.invites.states.expired),
        InviteState::UsedUp => td_string!(l, admin.invites.states.used),
        InviteState::Revoked => td_string!(l, admin.invites.states.revoked),
        InviteState::Unknown => td_string!(l, admin.invites.states.unknown),
    }
    .to_string()
}

#[component]
pub fn InvitesCard() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let invites = RwSignal::new(None::<Result<Vec<Invite>, String>>);
    // Links made in this page view, by invite: the only time they are known.
    let links = RwSignal::new(HashMap::<InviteId, String>::new());
    let fresh = RwSignal::new(None::<String>);
    let uses = RwSignal::new("1".to_owned());
    let hours = RwSignal::new(24u32);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let reload = move || {
        leptos::task::spawn_local(async move {
            invites.set(Some(
                http::invites().await.map_err(|e| error_text(lang, &e)),
            ));
        });
    };
    Effect::new(move |_| reload());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let wanted = match uses.get_untracked().trim().parse::<u32>() {
            Ok(n) if (1..=MAX_INVITE_USES).contains(&n) => n,
            _ => {
                problem.set(Some(
                    td_string!(lang.get(), admin.invites.bad_uses, max = MAX_INVITE_USES)
                        .to_string(),
                ));
                return;
            }
        };
        busy.set(true);
        problem.set(None);
        let lifetime = hours.get_untracked();
        leptos::task::spawn_local(async move {
            match http::create_invite(wanted, lifetime).await {
                Ok(made) => {
                    let link = format!("{}{}", crate::client::browser::origin(), made.link);
                    links.update(|l| {
                        l.insert(made.invite.id, link.clone());
                    });
                    fresh.set(Some(link));
                    reload();
                }
                Err(e) => problem.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };

    let revoke = move |id: InviteId| {
        leptos::task::spawn_local(async move {
            match http::revoke_invite(id).await {
                Ok(_) => reload(),
                Err(e) => {
                    let error = error_text(lang, &e);
                    problem.set(Some(
                        td_string!(lang.get(), admin.invites.revoke_failed, id, error).to_string(),
                    ))
                }
            }
        });
    };

    let when = move |t: chrono::DateTime<chrono::Utc>| {
        zones::in_zone(t, &zones::browser_zone())
            .map(|t| wall(i18n.get_locale(), t))
            .unwrap_or_else(|| t.to_rfc3339())
    };

    view! {
        <section class="card admin-card" aria-labelledby="invites-title">
            <h1 id="invites-title">{tr(i18n, |l| td_string!(l, admin.invites.title))}</h1>
            <p class="muted">{tr(i18n, |l| td_string!(l, admin.invites.lead))}</p>
            <form class="inline-form invite-form" on:submit=on_submit>
                <label for="invite-uses">{tr(i18n, |l| td_string!(l, admin.invites.uses))}</label>
                <input id="invite-uses" type="number" min="1" max=MAX_INVITE_USES.to_string() class="invite-uses"
                    prop:value=move || uses.get() on:input=move |ev| uses.set(event_target_value(&ev))/>
                <label for="invite-expiry">{tr(i18n, |l| td_string!(l, admin.invites.expires_in))}</label>
                <select id="invite-expiry"
                    on:change=move |ev| {
                        if let Ok(h) = event_target_value(&ev).parse() {
                            hours.set(h);
                        }
                    }
                    prop:value=move || hours.get().to_string()
                >
                    {LIFETIMES.into_iter().map(|h| view! {
                        <option value=h.to_string() selected=move || hours.get() == h>
                            {move || lifetime_label(i18n.get_locale(), h)}
                        </option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button primary" disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, admin.invites.create))}</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || fresh.get().map(|link| view! {
                <div class="new-key" role="status">
                    <p><strong>{tr(i18n, |l| td_string!(l, admin.invites.created))}</strong>{tr(i18n, |l| td_string!(l, admin.invites.copy_now))}</p>
                    <input class="invite-link" type="text" readonly=true
                        aria-label=tr(i18n, |l| td_string!(l, admin.invites.new_link)) prop:value=link/>
                </div>
            })}
            {move || match invites.get() {
                None => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.invites.loading))}</p> }.into_any(),
                Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.invites.empty))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table invite-table">
                        <thead>
                            <tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.invites.link))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.invites.uses_left))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.invites.expires))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.invites.state))}</th>
                                <th scope="col"><span class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.invites.actions))}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|i| {
                                let id = i.id;
                                let link = links.with_untracked(|l| l.get(&id).cloned());
                                let left = (i.max_uses - i.uses).max(0);
                                let active = i.state == InviteState::Valid;
                                view! {
                                    <tr class:revoked=!active data-invite=id.to_string()>
                                        <td class="small">{match link {
                                            Some(link) => view! { <code class="invite-link-cell">{link}</code> }.into_any(),
                                            None => {
                                                let by = i.created_by.clone();
                                                view! { <span class="muted">{move || {
                                                    let name = by.clone().unwrap_or_else(|| t_string!(i18n, admin.invites.removed_admin).to_string());
                                                    t_string!(i18n, admin.invites.made_by, id, name).to_string()
                                                }}</span> }.into_any()
                                            }
                                        }}</td>
                                        <td>{t!(i18n, admin.invites.left_of, left, max = i.max_uses)}</td>
                                        <td class="small">{move || when(i.expires_at)}</td>
                                        <td class="small invite-state">{move || state_label(i18n.get_locale(), i.state)}</td>
                                        <td>
                                            {active.then(|| view! {
                                                <button type="button" class="button small subtle danger-text"
                                                    aria-label=move || t_string!(i18n, admin.invites.revoke_label, id).to_string()
                                                    on:click=move |_| revoke(id)>{tr(i18n, |l| td_string!(l, admin.invites.revoke))}</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}
