//! An admin makes an account with an initial password and a role
//! (`POST /api/users`): the way in when registration is closed, and handy in
//! any policy. The person changes nothing else; they log in with what the
//! admin hands them.

use leptos::{ev::SubmitEvent, prelude::*};

use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::pages::auth::{password_problem, username_problem};
use crate::protocol::{CreateAccount, Role};
use crate::validate::{Password, Username};

/// A role as the admin pages name it ("agent", "客服"); the value sent stays
/// `Role::as_str`.
pub fn role_name(l: Locale, role: Role) -> String {
    match role {
        Role::Member => td_string!(l, admin.roles.member),
        Role::Agent => td_string!(l, admin.roles.agent),
        Role::Admin => td_string!(l, admin.roles.admin),
    }
    .to_string()
}

#[component]
pub fn CreateAccountCard(
    /// Bumped after an account is made, so the users list reloads.
    created: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Member);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = match Username::parse(&username.get_untracked()) {
            Ok(n) => n,
            Err(e) => return outcome.set(Some(Err(username_problem(lang.get(), &e)))),
        };
        let typed = password.get_untracked();
        if let Err(e) = Password::parse(&typed) {
            return outcome.set(Some(Err(password_problem(lang.get(), &e))));
        }
        let account = CreateAccount {
            username: name.as_str().to_owned(),
            password: typed,
            role: role.get_untracked(),
        };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            match http::create_account(&account).await {
                Ok(user) => {
                    let l = lang.get();
                    let role = role_name(l, user.role);
                    outcome.set(Some(Ok(td_string!(
                        l,
                        admin.create_account.created,
                        name = user.username,
                        role
                    )
                    .to_string())));
                    username.set(String::new());
                    password.set(String::new());
                    created.update(|n| *n += 1);
                }
                Err(e) => outcome.set(Some(Err(error_text(lang, &e)))),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card admin-card" aria-labelledby="create-account-title">
            <h1 id="create-account-title">{tr(i18n, |l| td_string!(l, admin.create_account.title))}</h1>
            <p class="muted">{tr(i18n, |l| td_string!(l, admin.create_account.lead))}</p>
            <form class="inline-form create-account-form" on:submit=on_submit novalidate=true>
                <label for="new-username">{tr(i18n, |l| td_string!(l, admin.create_account.username))}</label>
                <input id="new-username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                    prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                <label for="new-password">{tr(i18n, |l| td_string!(l, admin.create_account.password))}</label>
                <input id="new-password" type="text" autocomplete="new-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                <label for="new-role">{tr(i18n, |l| td_string!(l, admin.create_account.role))}</label>
                <select id="new-role"
                    on:change=move |ev| {
                        if let Some(r) = Role::parse(&event_target_value(&ev)) {
                            role.set(r);
                        }
                    }
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
                <button type="submit" class="button primary" disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, admin.create_account.submit))}</button>
            </form>
            <p aria-live="polite">
                {move || match outcome.get() {
                    Some(Ok(m)) => view! { <span class="ok small">{m}</span> }.into_any(),
                    Some(Err(m)) => view! { <span class="form-error">{m}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </p>
        </section>
    }
    .into_any()
}
