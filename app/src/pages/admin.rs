//! `/admin`: every account with a role picker. Only admins get the table; the
//! server checks again on every call (`GET /api/users`, `PATCH /api/users/{id}`).

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::http;
use crate::protocol::{Role, User, UserId};

/// Where the page is.
#[derive(Clone, Debug, PartialEq)]
enum Load {
    Loading,
    NotAdmin,
    Failed(String),
    Ready,
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let navigate = use_navigate();
    let state = RwSignal::new(Load::Loading);
    let users = RwSignal::new(Vec::<User>::new());
    let me = RwSignal::new(None::<User>);

    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let user = match http::me().await {
                Ok(user) => user,
                Err(e) if e.is_unauthorized() => {
                    navigate(
                        "/login",
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                    return;
                }
                Err(e) => {
                    state.set(Load::Failed(e.to_string()));
                    return;
                }
            };
            let admin = user.role == Role::Admin;
            me.set(Some(user));
            if !admin {
                state.set(Load::NotAdmin);
                return;
            }
            match http::users().await {
                Ok(mut list) => {
                    list.sort_by_key(|u| u.username.to_lowercase());
                    users.set(list);
                    state.set(Load::Ready);
                }
                Err(e) => state.set(Load::Failed(e.to_string())),
            }
        });
    });

    view! {
        <main class="admin-page">
            <header class="admin-header">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="24" height="24"/>
                    <span>"Switchboard"</span>
                </a>
                <a class="button subtle small" href="/">"← Back to chat"</a>
            </header>
            <section class="card admin-card" aria-labelledby="admin-title">
                <h1 id="admin-title">"Users and roles"</h1>
                <p class="muted">
                    "Members chat. Agents are staff accounts. Admins can also delete any message and manage roles."
                </p>
                {move || match state.get() {
                    Load::Loading => view! { <p class="muted">"Loading users…"</p> }.into_any(),
                    Load::NotAdmin => view! {
                        <p class="form-error" role="alert">"Only admins can manage users."</p>
                    }.into_any(),
                    Load::Failed(message) => view! {
                        <p class="form-error" role="alert">{message}</p>
                    }.into_any(),
                    Load::Ready => view! {
                        <table class="user-table">
                            <thead>
                                <tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col"><span class="visually-hidden">"Status"</span></th></tr>
                            </thead>
                            <tbody>
                                <For
                                    each=move || users.get()
                                    key=|u| u.id
                                    children=move |user| view! { <UserRow user me/> }
                                />
                            </tbody>
                        </table>
                    }.into_any(),
                }}
            </section>
        </main>
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
