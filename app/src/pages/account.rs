//! `/account`: the signed-in person's own account. For now, changing the
//! password (`POST /api/me/password`): the current one is asked for, the new
//! one is checked with the shared rules before it is sent, and every other
//! session of the account ends at once (this one stays).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::http::{self, ApiError};
use crate::i18n::*;
use crate::language::{error_text, tr, Lang};
use crate::protocol::{ErrorCode, User};
use crate::validate::Password;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let me = RwSignal::new(None::<User>);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::me().await {
                Ok(user) => me.set(Some(user)),
                Err(e) if e.is_unauthorized() => navigate(
                    "/login",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(_) => {}
            }
        });
    });
    view! {
        <Title text=tr(i18n, |l| td_string!(l, common.account_page.title))/>
        <main class="admin-page account-page">
            <header class="admin-header">
                <h1>{tr(i18n, |l| td_string!(l, common.account_page.title))}</h1>
                <span class="muted">{move || me.get().map(|u| u.username)}</span>
                <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, common.inbox.back))}</a>
            </header>
            <PasswordCard lang/>
        </main>
    }
}

#[component]
fn PasswordCard(lang: Lang) -> impl IntoView {
    let i18n = use_i18n();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let status = RwSignal::new(None::<Result<String, String>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get();
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if let Err(e) = Password::parse(&fresh) {
            status.set(Some(Err(crate::pages::auth::password_problem(l, &e))));
            return;
        }
        if fresh != again.get_untracked() {
            status.set(Some(Err(
                td_string!(l, common.account_page.mismatch).to_string()
            )));
            return;
        }
        busy.set(true);
        status.set(None);
        leptos::task::spawn_local(async move {
            let outcome = match http::change_password(old, fresh).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    Ok(td_string!(l, common.account_page.changed).to_string())
                }
                Err(ApiError::Server {
                    code: ErrorCode::Forbidden,
                    ..
                }) => Err(td_string!(l, common.account_page.wrong_current).to_string()),
                Err(e) => Err(error_text(lang, &e)),
            };
            status.set(Some(outcome));
            busy.set(false);
        });
    };
    let field = move |id: &'static str,
                      label: fn(Locale) -> &'static str,
                      value: RwSignal<String>,
                      autocomplete: &'static str| {
        let label = tr(i18n, label);
        view! {
            <label class="field" for=id>
                <span>{label}</span>
                <input id=id type="password" required autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <section class="admin-card card" aria-labelledby="password-heading">
            <h2 id="password-heading">{tr(i18n, |l| td_string!(l, common.account_page.password_heading))}</h2>
            <p class="muted small">{tr(i18n, |l| td_string!(l, common.account_page.password_lead))}</p>
            <form class="stack" on:submit=submit>
                {field("current-password", |l| td_string!(l, common.account_page.current), current, "current-password")}
                {field("new-password", |l| td_string!(l, common.account_page.new), new, "new-password")}
                {field("new-password-again", |l| td_string!(l, common.account_page.again), again, "new-password")}
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {tr(i18n, |l| td_string!(l, common.account_page.submit))}
                </button>
            </form>
            <p class="small" aria-live="polite">
                {move || status.get().map(|s| match s {
                    Ok(m) => view! { <span class="ok">{m}</span> },
                    Err(m) => view! { <span class="field-error">{m}</span> },
                })}
            </p>
        </section>
    }
}
