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
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{
    Credentials, InviteState, Registration, RegistrationInfo, RegistrationPolicy,
};
use crate::validate::{Invalid, Password, Username};

// Why the register page says what it says, in English: the gate carries
// these (and the invite's own `InviteState::problem`), and `gate_text` words
// them in the UI's language.
const FIRST_NEEDS_SETUP: &str = "This server has no account yet. To create the first (admin) account, open the setup link printed in the server's log.";
const FIRST_IS_ADMIN: &str = "No account exists yet: this one will be the admin.";
const CLOSED: &str =
    "Registration is closed on this server. Ask an admin to create an account for you.";
const INVITE_ONLY: &str =
    "Registration on this server is by invitation. Ask an admin for an invite link.";
const INVITED: &str = "You were invited. Pick a username and a password.";

/// A register-page note (one of the texts above, or an invite's problem) in
/// the UI's language.
fn gate_text(l: Locale, english: &'static str) -> String {
    let invite = |state: InviteState| state.problem() == Some(english);
    match english {
        FIRST_NEEDS_SETUP => td_string!(l, auth.gate.first_needs_setup),
        FIRST_IS_ADMIN => td_string!(l, auth.gate.first_is_admin),
        CLOSED => td_string!(l, auth.gate.closed),
        INVITE_ONLY => td_string!(l, auth.gate.invite_only),
        INVITED => td_string!(l, auth.gate.invited),
        _ if invite(InviteState::Expired) => td_string!(l, auth.gate.invite_expired),
        _ if invite(InviteState::UsedUp) => td_string!(l, auth.gate.invite_used_up),
        _ if invite(InviteState::Revoked) => td_string!(l, auth.gate.invite_revoked),
        _ if invite(InviteState::Unknown) => td_string!(l, auth.gate.invite_unknown),
        _ => return english.to_owned(),
    }
    .to_string()
}

/// What is wrong with a username, as a sentence: "Username must be 3 to 32
/// characters." The shared rules word their problems in English (the server
/// says the same to API clients); the known ones have their own text here.
pub fn username_problem(l: Locale, e: &Invalid) -> String {
    match e.problem.as_str() {
        "must be 3 to 32 characters" => td_string!(l, auth.invalid.username_length),
        "may contain only letters, digits, '_', '-' and '.'" => {
            td_string!(l, auth.invalid.username_chars)
        }
        problem => {
            return td_string!(l, auth.invalid.username_other, problem = problem.to_owned())
                .to_string()
        }
    }
    .to_string()
}

/// What is wrong with a password, as a sentence (see [`username_problem`]).
pub fn password_problem(l: Locale, e: &Invalid) -> String {
    match e.problem.as_str() {
        "must be at least 8 characters" => td_string!(l, auth.invalid.password_short),
        "must be at most 256 characters" => td_string!(l, auth.invalid.password_long),
        problem => {
            return td_string!(l, auth.invalid.password_other, problem = problem.to_owned())
                .to_string()
        }
    }
    .to_string()
}

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
            RegisterGate::Blocked(FIRST_NEEDS_SETUP)
        } else {
            RegisterGate::Form(Some(FIRST_IS_ADMIN))
        };
    }
    match info.policy {
        RegistrationPolicy::Open => RegisterGate::Form(None),
        RegistrationPolicy::Closed => RegisterGate::Blocked(CLOSED),
        RegistrationPolicy::Invite if !has_invite => RegisterGate::Blocked(INVITE_ONLY),
        RegistrationPolicy::Invite => match info.invite.and_then(|s| s.problem()) {
            Some(problem) => RegisterGate::Blocked(problem),
            None => RegisterGate::Form(Some(INVITED)),
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
    let i18n = use_i18n();
    let lang = Lang::here();
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

    let autocomplete = match mode {
        AuthMode::Login => "current-password",
        AuthMode::Register => "new-password",
    };
    let title = move || match mode {
        AuthMode::Login => t_string!(i18n, auth.login.title),
        AuthMode::Register => t_string!(i18n, auth.register.title),
    };
    let lead = move || match mode {
        AuthMode::Login => t_string!(i18n, auth.login.lead),
        AuthMode::Register => t_string!(i18n, auth.register.lead),
    };
    let button = move || match (mode, busy.get()) {
        (AuthMode::Login, false) => t_string!(i18n, auth.login.submit),
        (AuthMode::Login, true) => t_string!(i18n, auth.login.busy),
        (AuthMode::Register, false) => t_string!(i18n, auth.register.submit),
        (AuthMode::Register, true) => t_string!(i18n, auth.register.busy),
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        let user = Username::parse(&username.get_untracked());
        let typed = password.get_untracked();
        let l = lang.get();
        let pass = match mode {
            // Logging in checks only that something was typed: the rules may
            // have changed since the account was made.
            AuthMode::Login if typed.is_empty() => {
                Err(td_string!(l, auth.enter_password).to_string())
            }
            AuthMode::Login => Ok(()),
            AuthMode::Register => Password::parse(&typed)
                .map(|_| ())
                .map_err(|e| password_problem(l, &e)),
        };
        username_error.set(user.as_ref().err().map(|e| username_problem(l, e)));
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
                Err(e) => form_error.set(Some(error_text(lang, &e))),
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
                <h1>{move || title().to_string()}</h1>
                <p class="muted">{move || lead().to_string()}</p>
                {move || match gate.get() {
                    RegisterGate::Checking => view! {
                        <p class="muted auth-notice">{tr(i18n, |l| td_string!(l, auth.gate.checking))}</p>
                    }.into_any(),
                    RegisterGate::Form(Some(note)) => view! {
                        <p class="auth-notice" role="status">{move || gate_text(i18n.get_locale(), note)}</p>
                    }.into_any(),
                    RegisterGate::Blocked(why) => view! {
                        <p class="auth-notice blocked" role="alert">{move || gate_text(i18n.get_locale(), why)}</p>
                    }.into_any(),
                    RegisterGate::Form(None) => ().into_any(),
                }}
                <form
                    on:submit=on_submit
                    novalidate=true
                    hidden=move || !matches!(gate.get(), RegisterGate::Form(_))
                >
                    <div class="field">
                        <label for="username">{tr(i18n, |l| td_string!(l, auth.username))}</label>
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
                        <label for="password">{tr(i18n, |l| td_string!(l, auth.password))}</label>
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
                        {move || button().to_string()}
                    </button>
                </form>
                {move || match mode {
                    AuthMode::Login => login_switch(i18n, policy.get().flatten()),
                    AuthMode::Register => view! {
                        <p class="switch-mode">
                            {tr(i18n, |l| td_string!(l, auth.switch.have_account))}
                            <a href="/login">{tr(i18n, |l| td_string!(l, auth.switch.log_in))}</a>
                        </p>
                    }.into_any(),
                }}
            </div>
        </main>
    }
    .into_any()
}

/// The login page's way to an account, as the policy allows one.
fn login_switch(i18n: leptos_i18n::I18nContext<Locale>, info: Option<RegistrationInfo>) -> AnyView {
    let policy = info.as_ref().map(|i| i.policy);
    match (info.as_ref().is_some_and(|i| i.first_account), policy) {
        (true, _) => view! {
            <p class="switch-mode">
                {tr(i18n, |l| td_string!(l, auth.switch.no_account_yet))}
                <a href="/register">{tr(i18n, |l| td_string!(l, auth.switch.create_first))}</a>
            </p>
        }
        .into_any(),
        (false, Some(RegistrationPolicy::Invite)) => view! {
            <p class="switch-mode">{tr(i18n, |l| td_string!(l, auth.switch.new_invite))}</p>
        }
        .into_any(),
        (false, Some(RegistrationPolicy::Closed)) => view! {
            <p class="switch-mode">{tr(i18n, |l| td_string!(l, auth.switch.new_closed))}</p>
        }
        .into_any(),
        _ => view! {
            <p class="switch-mode">
                {tr(i18n, |l| td_string!(l, auth.switch.new_here))}
                <a href="/register">{tr(i18n, |l| td_string!(l, auth.switch.create_account))}</a>
            </p>
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

    /// The register page's notes read the same in English as before, and each
    /// has a Chinese text (a note `gate_text` does not know stays English).
    #[test]
    fn every_register_note_is_translated() {
        let invites = [
            InviteState::Expired,
            InviteState::UsedUp,
            InviteState::Revoked,
            InviteState::Unknown,
        ]
        .map(|s| s.problem().unwrap());
        let ours = [
            FIRST_NEEDS_SETUP,
            FIRST_IS_ADMIN,
            CLOSED,
            INVITE_ONLY,
            INVITED,
        ];
        for note in ours.into_iter().chain(invites) {
            assert_eq!(gate_text(Locale::en, note), note);
            assert_ne!(gate_text(Locale::zh_CN, note), note);
        }
    }

    /// The shared rules' problems, worded as before in English and in Chinese
    /// without the English phrase.
    #[test]
    fn username_and_password_problems_are_translated() {
        for typed in ["ab", "no spaces"] {
            let e = Username::parse(typed).unwrap_err();
            let english = format!("Username {}.", e.problem);
            assert_eq!(username_problem(Locale::en, &e), english);
            assert!(!username_problem(Locale::zh_CN, &e).contains(&e.problem));
        }
        for typed in ["short".to_owned(), "x".repeat(300)] {
            let e = Password::parse(&typed).unwrap_err();
            let english = format!("Password {}.", e.problem);
            assert_eq!(password_problem(Locale::en, &e), english);
            assert!(!password_problem(Locale::zh_CN, &e).contains(&e.problem));
        }
    }
}
