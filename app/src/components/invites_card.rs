//! Invite links (`SWITCHBOARD_REGISTRATION=invite`): make one for one person
//! or several, valid for a while; list them with the uses left, when they
//! expire and their state; revoke. The server keeps only a hash of each
//! token, so a link is shown when it is made (and stays in this page's list
//! until it is reloaded), like an API key.

use std::collections::HashMap;

use leptos::{ev::SubmitEvent, prelude::*};

use super::announce_form::wall;
use crate::client::{http, zones};
use crate::protocol::{Invite, InviteId, InviteState, MAX_INVITE_USES};

/// The lifetimes the form offers: (hours, label).
const LIFETIMES: [(u32, &str); 4] = [
    (1, "1 hour"),
    (24, "1 day"),
    (7 * 24, "7 days"),
    (30 * 24, "30 days"),
];

fn state_label(state: InviteState) -> &'static str {
    match state {
        InviteState::Valid => "active",
        InviteState::Expired => "expired",
        InviteState::UsedUp => "used",
        InviteState::Revoked => "revoked",
        InviteState::Unknown => "unknown",
    }
}

#[component]
pub fn InvitesCard() -> impl IntoView {
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
            invites.set(Some(http::invites().await.map_err(|e| e.to_string())));
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
                problem.set(Some(format!("Uses: a number from 1 to {MAX_INVITE_USES}.")));
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
                Err(e) => problem.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    let revoke = move |id: InviteId| {
        leptos::task::spawn_local(async move {
            match http::revoke_invite(id).await {
                Ok(_) => reload(),
                Err(e) => problem.set(Some(format!("Revoking invite {id}: {e}"))),
            }
        });
    };

    let when = |t: chrono::DateTime<chrono::Utc>| {
        zones::in_zone(t, &zones::browser_zone())
            .map(wall)
            .unwrap_or_else(|| t.to_rfc3339())
    };

    view! {
        <section class="card admin-card" aria-labelledby="invites-title">
            <h1 id="invites-title">"Invite links"</h1>
            <p class="muted">
                "Registration on this server needs an invite. Make a link for one person or several and send it to them; it stops working when it expires, is used up or is revoked."
            </p>
            <form class="inline-form invite-form" on:submit=on_submit>
                <label for="invite-uses">"Uses"</label>
                <input id="invite-uses" type="number" min="1" max=MAX_INVITE_USES.to_string() class="invite-uses"
                    prop:value=move || uses.get() on:input=move |ev| uses.set(event_target_value(&ev))/>
                <label for="invite-expiry">"Expires in"</label>
                <select id="invite-expiry"
                    on:change=move |ev| {
                        if let Ok(h) = event_target_value(&ev).parse() {
                            hours.set(h);
                        }
                    }
                    prop:value=move || hours.get().to_string()
                >
                    {LIFETIMES.into_iter().map(|(h, label)| view! {
                        <option value=h.to_string() selected=move || hours.get() == h>{label}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="button primary" disabled=move || busy.get()>"Create invite"</button>
            </form>
            {move || problem.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || fresh.get().map(|link| view! {
                <div class="new-key" role="status">
                    <p><strong>"Invite created."</strong>" Copy the link now: it will not be shown again after you leave this page."</p>
                    <input class="invite-link" type="text" readonly=true aria-label="New invite link" prop:value=link/>
                </div>
            })}
            {move || match invites.get() {
                None => view! { <p class="muted">"Loading invites…"</p> }.into_any(),
                Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No invites yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table invite-table">
                        <thead>
                            <tr>
                                <th scope="col">"Link"</th>
                                <th scope="col">"Uses left"</th>
                                <th scope="col">"Expires"</th>
                                <th scope="col">"State"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
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
                                            None => view! { <span class="muted">{format!("#{id}, by {}", i.created_by.clone().unwrap_or_else(|| "a removed admin".into()))}</span> }.into_any(),
                                        }}</td>
                                        <td>{format!("{left} of {}", i.max_uses)}</td>
                                        <td class="small">{when(i.expires_at)}</td>
                                        <td class="small invite-state">{state_label(i.state)}</td>
                                        <td>
                                            {active.then(|| view! {
                                                <button type="button" class="button small subtle danger-text"
                                                    aria-label=format!("Revoke invite {id}")
                                                    on:click=move |_| revoke(id)>"Revoke"</button>
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
