//! `/admin`: every account with a role picker, and who may create accounts:
//! invite links when registration is by invite, and an admin's "create
//! account" form. Only admins get the cards; the server checks again on
//! every call (`GET /api/users`, `PATCH /api/users/{id}`, `/api/invites`…).

use leptos::prelude::*;

use crate::client::http;
use crate::components::{
    admin_gate::{AdminGate, Me},
    admin_header::AdminHeader,
    create_account_card::{role_name, CreateAccountCard},
    invites_card::InvitesCard,
};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{RegistrationPolicy, Role, User, UserId};

fn policy_name(l: Locale, policy: RegistrationPolicy) -> String {
    match policy {
        RegistrationPolicy::Open => td_string!(l, admin.policy.open),
        RegistrationPolicy::Invite => td_string!(l, admin.policy.invite),
        RegistrationPolicy::Closed => td_string!(l, admin.policy.closed),
    }
    .to_string()
}

/// What the policy means, after its name.
fn policy_text(l: Locale, policy: RegistrationPolicy) -> String {
    match policy {
        RegistrationPolicy::Open => td_string!(l, admin.policy.open_text),
        RegistrationPolicy::Invite => td_string!(l, admin.policy.invite_text),
        RegistrationPolicy::Closed => td_string!(l, admin.policy.closed_text),
    }
    .to_string()
}

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <main class="admin-page">
            // The admin tabs only for admins: a member is turned away, not
            // shown the way in.
            <AdminGate>
                <AdminHeader current="/admin"/>
                <AdminCards/>
            </AdminGate>
        </main>
    }
    .into_any()
}

/// The cards, once the gate has let an admin in: the invite card only when
/// registration is by invite (elsewhere invites admit nobody).
#[component]
fn AdminCards() -> impl IntoView {
    let i18n = use_i18n();
    let created = RwSignal::new(0u32);
    let policy = RwSignal::new(None::<RegistrationPolicy>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(info) = http::registration_policy(None).await {
                policy.set(Some(info.policy));
            }
        });
    });
    view! {
        <UsersCard created/>
        {move || policy.get().map(|p| view! {
            <p class="muted admin-card registration-policy">
                {tr(i18n, |l| td_string!(l, admin.policy.label))} <strong>{move || policy_name(i18n.get_locale(), p)}</strong>
                {move || policy_text(i18n.get_locale(), p)}
                {tr(i18n, |l| td_string!(l, admin.policy.setting))}
            </p>
        })}
        {move || (policy.get() == Some(RegistrationPolicy::Invite)).then(|| view! { <InvitesCard/> })}
        <CreateAccountCard created/>
    }
    .into_any()
}

/// Every account with its role; loaded once the gate has let an admin in,
/// and again whenever `created` moves.
#[component]
fn UsersCard(created: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let Me(me) = expect_context::<Me>();
    let users = RwSignal::new(None::<Result<Vec<User>, String>>);
    Effect::new(move |_| {
        created.track();
        leptos::task::spawn_local(async move {
            let answer = http::users().await.map(|mut list| {
                list.sort_by_key(|u| u.username.to_lowercase());
                list
            });
            users.set(Some(answer.map_err(|e| error_text(lang, &e))));
        });
    });

    view! {
        <section class="card admin-card" aria-labelledby="admin-title">
            <h1 id="admin-title">{tr(i18n, |l| td_string!(l, admin.users.title))}</h1>
            <p class="muted">{tr(i18n, |l| td_string!(l, admin.users.lead))}</p>
            {move || match users.get() {
                None => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.users.loading))}</p> }.into_any(),
                Some(Err(message)) => view! {
                    <p class="form-error" role="alert">{message}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table">
                        <thead>
                            <tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.users.user))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, admin.users.role))}</th>
                                <th scope="col"><span class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.users.account))}</span></th>
                                <th scope="col"><span class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.users.status))}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            <For
                                each=move || list.clone()
                                key=|u| u.id
                                children=move |user| view! { <UserRow user me/> }
                            />
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// One account's row: changing the role PATCHes it at once and says how it went.
#[component]
fn UserRow(user: User, me: RwSignal<Option<User>>) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let id: UserId = user.id;
    let role = RwSignal::new(user.role);
    let active = RwSignal::new(user.active);
    let asking = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let select_id = format!("role-{id}");
    let name = user.username.clone();
    let is_me = move || me.with(|m| m.as_ref().is_some_and(|u| u.id == id));

    let on_change = move |ev: leptos::ev::Event| {
        let Some(wanted) = Role::parse(&event_target_value(&ev)) else {
            return;
        };
        let before = role.get_untracked();
        if wanted == before {
            return;
        }
        role.set(wanted);
        busy.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            match http::set_role(id, wanted).await {
                Ok(updated) => {
                    role.set(updated.role);
                    let l = lang.get();
                    let role_text = role_name(l, updated.role);
                    status.set(Some(Ok(
                        td_string!(l, admin.users.saved, role = role_text).to_string()
                    )));
                }
                Err(e) => {
                    role.set(before);
                    status.set(Some(Err(error_text(lang, &e))));
                }
            }
            busy.set(false);
        });
    };

    // Deactivation asks first (it logs the person out everywhere);
    // reactivation does not.
    let set_active = move |wanted: bool| {
        asking.set(false);
        busy.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            let change = crate::protocol::UpdateUser {
                active: Some(wanted),
                ..Default::default()
            };
            match http::update_user(id, change).await {
                Ok(updated) => {
                    active.set(updated.active);
                    let l = lang.get();
                    status.set(Some(Ok(if updated.active {
                        td_string!(l, admin.users.done_reactivated).to_string()
                    } else {
                        td_string!(l, admin.users.done_deactivated).to_string()
                    })));
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            busy.set(false);
        });
    };
    let ask_name = user.username.clone();
    // A reset link is shown once, here, for the admin to hand over.
    let reset = RwSignal::new(None::<String>);
    let make_reset = move |_| {
        busy.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            match http::create_password_reset(id).await {
                Ok(made) => {
                    reset.set(Some(format!(
                        "{}{}",
                        crate::client::browser::origin(),
                        made.link
                    )));
                    let l = lang.get();
                    status.set(Some(Ok(td_string!(l, admin.users.reset_made).to_string())));
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
            busy.set(false);
        });
    };
    let reset_name = user.username.clone();

    view! {
        <tr class:deactivated=move || !active.get()>
            <td>
                <label for=select_id.clone() class="user-cell">
                    <span class="avatar small" aria-hidden="true">
                        {user.username.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                    </span>
                    <span>{user.username.clone()}</span>
                    {move || is_me().then_some(view! { <span class="muted small">{tr(i18n, |l| td_string!(l, admin.users.you))}</span> })}
                    {move || (!active.get()).then_some(view! { <span class="status-badge status-cancelled">{tr(i18n, |l| td_string!(l, admin.users.deactivated))}</span> })}
                </label>
            </td>
            <td>
                <select
                    id=select_id
                    aria-label=move || t_string!(i18n, admin.users.role_for, name = name.clone()).to_string()
                    disabled=move || busy.get()
                    on:change=on_change
                    prop:value=move || role.get().as_str()
                >
                    {[Role::Member, Role::Agent, Role::Admin]
                        .into_iter()
                        .map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>
                                {move || role_name(i18n.get_locale(), r)}
                            </option>
                        })
                        .collect_view()}
                </select>
            </td>
            <td class="row-actions-cell"><div class="row-actions">
                {move || match (is_me(), active.get(), asking.get()) {
                    (true, _, _) => ().into_any(),
                    (false, true, true) => {
                        let name = ask_name.clone();
                        view! {
                            <div class="row-confirm" role="group">
                                <span class="small">{move || t_string!(i18n, admin.users.ask_deactivate, name = name.clone()).to_string()}</span>
                                <button type="button" class="button small primary danger" disabled=move || busy.get()
                                    on:click=move |_| set_active(false)>{tr(i18n, |l| td_string!(l, admin.users.yes_deactivate))}</button>
                                <button type="button" class="button small subtle" on:click=move |_| asking.set(false)>{tr(i18n, |l| td_string!(l, admin.users.keep))}</button>
                            </div>
                        }.into_any()
                    }
                    (false, true, false) => view! {
                        <button type="button" class="button small subtle" disabled=move || busy.get()
                            on:click=make_reset>{tr(i18n, |l| td_string!(l, admin.users.reset))}</button>
                        <button type="button" class="button small subtle danger-text" disabled=move || busy.get()
                            on:click=move |_| asking.set(true)>{tr(i18n, |l| td_string!(l, admin.users.deactivate))}</button>
                    }.into_any(),
                    (false, false, _) => view! {
                        <button type="button" class="button small" disabled=move || busy.get()
                            on:click=move |_| set_active(true)>{tr(i18n, |l| td_string!(l, admin.users.reactivate))}</button>
                    }.into_any(),
                }}
            </div></td>
            <td aria-live="polite">
                {move || match status.get() {
                    Some(Ok(m)) => view! { <span class="ok small">{m}</span> }.into_any(),
                    Some(Err(m)) => view! { <span class="field-error">{m}</span> }.into_any(),
                    None => ().into_any(),
                }}
                {move || reset.get().map(|url| {
                    let name = reset_name.clone();
                    view! {
                        <input class="invite-link reset-link" type="text" readonly=true
                            aria-label=move || t_string!(i18n, admin.users.reset_link_for, name = name.clone()).to_string()
                            prop:value=url/>
                    }
                })}
            </td>
        </tr>
    }
    .into_any()
}
