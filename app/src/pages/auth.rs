//! `/login` and `/register`: one form, two modes. Input is checked with the
//! shared `validate` rules before anything is sent, and the server's own error
//! message is shown when it refuses. On success the session cookie is set by
//! the server's answer and we go to the chat.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::http;
use crate::protocol::Credentials;
use crate::validate::{Password, Username};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    Login,
    Register,
}

#[component]
pub fn AuthPage(mode: AuthMode) -> impl IntoView {
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let username_error = RwSignal::new(None::<String>);
    let password_error = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Someone already logged in has no business on this form.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                if http::me().await.is_ok() {
                    navigate(
                        "/",
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
            });
        });
    }

    let (title, lead, submit, busy_label, autocomplete) = match mode {
        AuthMode::Login => (
            "Log in",
            "Welcome back. Log in to your workspace.",
            "Log in",
            "Logging in…",
            "current-password",
        ),
        AuthMode::Register => (
            "Create your account",
            "Pick a username and a password of at least 8 characters.",
            "Create account",
            "Creating account…",
            "new-password",
        ),
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let user = Username::parse(&username.get_untracked());
        let typed = password.get_untracked();
        let pass = match mode {
            // Logging in checks only that something was typed: the rules may
            // have changed since the account was made.
            AuthMode::Login if typed.is_empty() => Err("Enter your password.".to_owned()),
            AuthMode::Login => Ok(()),
            AuthMode::Register => Password::parse(&typed)
                .map(|_| ())
                .map_err(|e| format!("Password {}.", e.problem)),
        };
        username_error.set(
            user.as_ref()
                .err()
                .map(|e| format!("Username {}.", e.problem)),
        );
        password_error.set(pass.as_ref().err().cloned());
        let (Ok(user), Ok(_)) = (user, pass) else {
            return;
        };
        let credentials = Credentials {
            username: user.as_str().to_owned(),
            password: typed,
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = match mode {
                AuthMode::Login => http::login(&credentials).await,
                AuthMode::Register => http::register(&credentials).await,
            };
            busy.set(false);
            match result {
                Ok(_) => navigate("/", NavigateOptions::default()),
                Err(e) => form_error.set(Some(e.to_string())),
            }
        });
    };

    view! {
        <main class="auth-page">
            <div class="auth-card">
                <div class="brand brand-large">
                    <img src="/favicon.svg" alt="" width="40" height="40"/>
                    <span>"Switchboard"</span>
                </div>
                <h1>{title}</h1>
                <p class="muted">{lead}</p>
                <form on:submit=on_submit novalidate=true>
                    <div class="field">
                        <label for="username">"Username"</label>
                        <input
                            id="username"
                            name="username"
                            type="text"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            required=true
                            aria-invalid=move || username_error.with(Option::is_some).to_string()
                            aria-describedby="username-error"
                            prop:value=move || username.get()
                            on:input=move |ev| {
                                username.set(event_target_value(&ev));
                                username_error.set(None);
                            }
                        />
                        <p id="username-error" class="field-error" aria-live="polite">
                            {move || username_error.get()}
                        </p>
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete=autocomplete
                            required=true
                            aria-invalid=move || password_error.with(Option::is_some).to_string()
                            aria-describedby="password-error"
                            prop:value=move || password.get()
                            on:input=move |ev| {
                                password.set(event_target_value(&ev));
                                password_error.set(None);
                            }
                        />
                        <p id="password-error" class="field-error" aria-live="polite">
                            {move || password_error.get()}
                        </p>
                    </div>
                    <Show when=move || form_error.with(Option::is_some)>
                        <p class="form-error" role="alert">{move || form_error.get()}</p>
                    </Show>
                    <button class="button primary wide" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { busy_label } else { submit }}
                    </button>
                </form>
                {match mode {
                    AuthMode::Login => view! {
                        <p class="switch-mode">"New here? " <a href="/register">"Create an account"</a></p>
                    },
                    AuthMode::Register => view! {
                        <p class="switch-mode">"Already have an account? " <a href="/login">"Log in"</a></p>
                    },
                }}
            </div>
        </main>
    }
    .into_any()
}
