//! `/login` and `/register`: one form, two modes. Input is checked with the
//! shared `validate` rules before anything is sent, and the server's own error
//! message is shown when it refuses. On success the session cookie is set by
//! the server's answer and we go to the chat.
//!
//! Both pages ask the server's registration policy (`GET /api/auth/policy`):
//! the register page shows its form only when an account can be made — with
//! the invite (`?invite=`) or setup token (`?setup=`) from its link — and
//! otherwise says why; the login page links to it only where that helps.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::client::http;
use crate::protocol::{Credentials, Registration, RegistrationInfo, RegistrationPolicy};
use crate::validate::{Password, Username};

/// What the register page shows, from the policy and the link's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RegisterGate {
    /// The policy is not known yet.
    Checking,
    /// The form, with a line of context when there is something to say.
    Form(Option<&'static str>),
    /// No form: why no account can be made here.
    Blocked(&'static str),
}

/// The register page's gate. `info` is `None` when the policy could not be
/// read: the form is shown and the server has the last word.
fn register_gate(
    info: Option<&RegistrationInfo>,
    has_setup: bool,
    has_invite: bool,
) -> RegisterGate {
    let Some(info) = info else {
        return RegisterGate::Form(None);
    };
    if info.first_account {
        return if info.setup_required && !has_setup {
            RegisterGate::Blocked(
                "This server has no account yet. To create the first (admin) account, open the setup link printed in the server's log.",
            )
        } else {
            RegisterGate::Form(Some("No account exists yet: this one will be the admin."))
        };
    }
    match info.policy {
        RegistrationPolicy::Open => RegisterGate::Form(None),
        RegistrationPolicy::Closed => RegisterGate::Blocked(
            "Registration is closed on this server. Ask an admin to create an account for you.",
        ),
        RegistrationPolicy::Invite if !has_invite => RegisterGate::Blocked(
            "Registration on this server is by invitation. Ask an admin for an invite link.",
        ),
        RegistrationPolicy::Invite => match info.invite.and_then(|s| s.problem()) {
            Some(problem) => RegisterGate::Blocked(problem),
            None => RegisterGate::Form(Some("You were invited. Pick a username and a password.")),
        },
    }
}

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
    // The tokens a link brought: `/register?invite=…` or `/register?setup=…`.
    let query = use_query_map();
    let token = move |name: &str| {
        query
            .with_untracked(|q| q.get(name))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let invite = token("invite");
    let setup = token("setup");
    // `None` while loading; `Some(None)` when the policy could not be read.
    let policy = RwSignal::new(None::<Option<RegistrationInfo>>);
    {
        let invite = invite.clone();
        Effect::new(move |_| {
            let invite = invite.clone();
            leptos::task::spawn_local(async move {
                let info = http::registration_policy(invite.as_deref()).await.ok();
                policy.set(Some(info));
            });
        });
    }
    let (has_setup, has_invite) = (setup.is_some(), invite.is_some());
    let gate = Memo::new(move |_| match (mode, policy.get()) {
        (AuthMode::Login, _) => RegisterGate::Form(None),
        (AuthMode::Register, None) => RegisterGate::Checking,
        (AuthMode::Register, Some(info)) => register_gate(info.as_ref(), has_setup, has_invite),
    });

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
        let registration = Registration {
            username: user.as_str().to_owned(),
            password: typed,
            invite: invite.clone(),
            setup: setup.clone(),
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = match mode {
                AuthMode::Login => {
                    let credentials = Credentials {
                        username: registration.username,
                        password: registration.password,
                    };
                    http::login(&credentials).await
                }
                AuthMode::Register => http::register(&registration).await,
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
                {move || match gate.get() {
                    RegisterGate::Checking => view! {
                        <p class="muted auth-notice">"Checking who may register…"</p>
                    }.into_any(),
                    RegisterGate::Form(Some(note)) => view! {
                        <p class="auth-notice" role="status">{note}</p>
                    }.into_any(),
                    RegisterGate::Blocked(why) => view! {
                        <p class="auth-notice blocked" role="alert">{why}</p>
                    }.into_any(),
                    RegisterGate::Form(None) => ().into_any(),
                }}
                <form
                    on:submit=on_submit
                    novalidate=true
                    hidden=move || !matches!(gate.get(), RegisterGate::Form(_))
                >
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
                {move || match mode {
                    AuthMode::Login => login_switch(policy.get().flatten()),
                    AuthMode::Register => view! {
                        <p class="switch-mode">"Already have an account? " <a href="/login">"Log in"</a></p>
                    }.into_any(),
                }}
            </div>
        </main>
    }
    .into_any()
}

/// The login page's way to an account, as the policy allows one.
fn login_switch(info: Option<RegistrationInfo>) -> AnyView {
    let policy = info.as_ref().map(|i| i.policy);
    match (info.as_ref().is_some_and(|i| i.first_account), policy) {
        (true, _) => view! {
            <p class="switch-mode">"No account yet? " <a href="/register">"Create the first one"</a></p>
        }
        .into_any(),
        (false, Some(RegistrationPolicy::Invite)) => view! {
            <p class="switch-mode">"New here? Open the invite link an admin sent you."</p>
        }
        .into_any(),
        (false, Some(RegistrationPolicy::Closed)) => view! {
            <p class="switch-mode">"New here? Ask an admin to create an account for you."</p>
        }
        .into_any(),
        _ => view! {
            <p class="switch-mode">"New here? " <a href="/register">"Create an account"</a></p>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::InviteState;

    fn info(
        policy: RegistrationPolicy,
        first: bool,
        setup: bool,
        invite: Option<InviteState>,
    ) -> RegistrationInfo {
        RegistrationInfo {
            policy,
            first_account: first,
            setup_required: setup,
            invite,
        }
    }

    #[test]
    fn the_register_form_shows_only_where_an_account_can_be_made() {
        use RegistrationPolicy::*;
        let form = |g: RegisterGate| matches!(g, RegisterGate::Form(_));
        assert!(form(register_gate(
            Some(&info(Open, false, false, None)),
            false,
            false
        )));
        assert!(!form(register_gate(
            Some(&info(Closed, false, false, None)),
            false,
            false
        )));
        assert!(!form(register_gate(
            Some(&info(Invite, false, false, None)),
            false,
            false
        )));
        let used = info(Invite, false, false, Some(InviteState::UsedUp));
        assert_eq!(
            register_gate(Some(&used), false, true),
            RegisterGate::Blocked(InviteState::UsedUp.problem().unwrap())
        );
        let valid = info(Invite, false, false, Some(InviteState::Valid));
        assert!(form(register_gate(Some(&valid), false, true)));
        // The first account: any policy, but off loopback only with the setup link.
        assert!(form(register_gate(
            Some(&info(Closed, true, false, None)),
            false,
            false
        )));
        assert!(!form(register_gate(
            Some(&info(Open, true, true, None)),
            false,
            false
        )));
        assert!(form(register_gate(
            Some(&info(Open, true, true, None)),
            true,
            false
        )));
        // Unknown policy: the server decides.
        assert!(form(register_gate(None, false, false)));
    }
}
