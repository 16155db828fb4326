//! `/reset?token=…`: the one-time link an admin made for a forgotten
//! password. The page first asks whose password the link sets (so a dead
//! link says so before anyone types), then sets the new one, which logs the
//! person in here and out everywhere else, and goes to the chat.

use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::client::http::{self, ApiError};
use crate::i18n::*;
use crate::language::{error_text, tr, Lang};
use crate::pages::auth::password_problem;
use crate::protocol::{ErrorCode, PasswordResetInfo};
use crate::validate::Password;

/// What the link turned out to be.
#[derive(Clone, Debug)]
enum Link {
    Checking,
    Live(PasswordResetInfo),
    /// Used, replaced, expired or unknown.
    Gone,
}

fn gone(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Server {
            code: ErrorCode::NotFound,
            ..
        }
    )
}

#[component]
pub fn ResetPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    let link = RwSignal::new(Link::Checking);
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    {
        let token = token.clone();
        Effect::new(move |_| {
            let token = token.clone();
            leptos::task::spawn_local(async move {
                match http::password_reset(&token).await {
                    Ok(info) => link.set(Link::Live(info)),
                    Err(e) => {
                        if !gone(&e) {
                            problem.set(Some(error_text(lang, &e)));
                        }
                        link.set(Link::Gone);
                    }
                }
            });
        });
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let l = lang.get();
        let fresh = password.get_untracked();
        if let Err(e) = Password::parse(&fresh) {
            problem.set(Some(password_problem(l, &e)));
            return;
        }
        if fresh != again.get_untracked() {
            problem.set(Some(td_string!(l, auth.reset.mismatch).to_string()));
            return;
        }
        problem.set(None);
        busy.set(true);
        let (token, navigate) = (token.clone(), navigate.clone());
        leptos::task::spawn_local(async move {
            match http::use_password_reset(&token, fresh).await {
                Ok(_) => navigate("/", NavigateOptions::default()),
                Err(e) if gone(&e) => link.set(Link::Gone),
                Err(e) => problem.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };
    let field =
        move |id: &'static str, label: fn(Locale) -> &'static str, value: RwSignal<String>| {
            view! {
                <div class="field">
                    <label for=id>{tr(i18n, label)}</label>
                    <input id=id type="password" autocomplete="new-password" required=true
                        prop:value=move || value.get()
                        on:input=move |ev| {
                            value.set(event_target_value(&ev));
                            problem.set(None);
                        }/>
                </div>
            }
        };
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <div class="brand brand-large">
                    <img src="/favicon.svg" alt="" width="40" height="40"/>
                    <span>"Switchboard"</span>
                </div>
                <h1>{tr(i18n, |l| td_string!(l, auth.reset.title))}</h1>
                {move || match link.get() {
                    Link::Checking => EitherOf3::A(view! {
                        <p class="muted auth-notice">{tr(i18n, |l| td_string!(l, auth.reset.checking))}</p>
                    }),
                    Link::Gone => EitherOf3::B(view! {
                        <p class="auth-notice blocked" role="alert">{tr(i18n, |l| td_string!(l, auth.reset.gone))}</p>
                    }),
                    Link::Live(info) => EitherOf3::C(view! {
                        <p class="muted">
                            {move || t_string!(i18n, auth.reset.lead_for, name = info.username.clone()).to_string()}
                        </p>
                    }),
                }}
                <form on:submit=submit novalidate=true hidden=move || !matches!(link.get(), Link::Live(_))>
                    {field("reset-password", |l| td_string!(l, auth.password), password)}
                    {field("reset-password-again", |l| td_string!(l, auth.reset.again), again)}
                    <p class="form-error" role="alert">{move || problem.get()}</p>
                    <button class="button primary wide" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() {
                            t_string!(i18n, auth.reset.busy)
                        } else {
                            t_string!(i18n, auth.reset.submit)
                        }.to_string()}
                    </button>
                </form>
                <p class="switch-mode">
                    <a href="/login">{tr(i18n, |l| td_string!(l, auth.switch.log_in))}</a>
                </p>
            </div>
        </main>
    }
}
