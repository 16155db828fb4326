//! `/admin`: every account with a role picker, and who may create accounts:
//! invite links when registration is by invite, and an admin's "create
//! account" form. Only admins get the cards; the server checks again on
//! every call (`GET /api/users`, `PATCH /api/users/{id}`, `/api/invites`…).

use leptos::prelude::*;

use crate::client::http;
use crate::components::{
    admin_gate::{AdminGate, Me},
    admin_header::AdminHeader,
    create_account_card::CreateAccountCard,
    invites_card::InvitesCard,
};
use crate::protocol::{RegistrationPolicy, Role, User, UserId};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <main class="admin-page">
            <AdminHeader current="/admin"/>
            <AdminGate>
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
                "Registration: " <strong>{p.as_str()}</strong>
                {match p {
                    RegistrationPolicy::Open => " — anyone who reaches this server can create an account.",
                    RegistrationPolicy::Invite => " — people need an invite link from an admin.",
                    RegistrationPolicy::Closed => " — only admins create accounts.",
                }}
                " (SWITCHBOARD_REGISTRATION)"
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
    let Me(me) = expect_context::<Me>();
    let users = RwSignal::new(None::<Result<Vec<User>, String>>);
    Effect::new(move |_| {
        created.track();
        leptos::task::spawn_local(async move {
            let answer = http::users().await.map(|mut list| {
                list.sort_by_key(|u| u.username.to_lowercase());
                list
            });
            users.set(Some(answer.map_err(|e| e.to_string())));
        });
    });

    view! {
        <section class="card admin-card" aria-labelledby="admin-title">
            <h1 id="admin-title">"Users and roles"</h1>
            <p class="muted">
                "Members chat. Agents are staff accounts. Admins can also delete any message and manage roles."
            </p>
            {move || match users.get() {
                None => view! { <p class="muted">"Loading users…"</p> }.into_any(),
                Some(Err(message)) => view! {
                    <p class="form-error" role="alert">{message}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="user-table">
                        <thead>
                            <tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col"><span class="visually-hidden">"Status"</span></th></tr>
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
    let id: UserId = user.id;
    let role = RwSignal::new(user.role);
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let select_id = format!("role-{id}");
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
                    status.set(Some(Ok(format!("Saved: {}", updated.role.as_str()))));
                }
                Err(e) => {
                    role.set(before);
                    status.set(Some(Err(e.to_string())));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <tr>
            <td>
                <label for=select_id.clone() class="user-cell">
                    <span class="avatar small" aria-hidden="true">
                        {user.username.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default()}
                    </span>
                    <span>{user.username.clone()}</span>
                    {move || is_me().then_some(view! { <span class="muted small">" (you)"</span> })}
                </label>
            </td>
            <td>
                <select
                    id=select_id
                    aria-label=format!("Role for {}", user.username)
                    disabled=move || busy.get()
                    on:change=on_change
                    prop:value=move || role.get().as_str()
                >
                    {[Role::Member, Role::Agent, Role::Admin]
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{r.as_str()}</option> })
                        .collect_view()}
                </select>
            </td>
            <td aria-live="polite">
                {move || match status.get() {
                    Some(Ok(m)) => view! { <span class="ok small">{m}</span> }.into_any(),
                    Some(Err(m)) => view! { <span class="field-error">{m}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </td>
        </tr>
    }
    .into_any()
}
