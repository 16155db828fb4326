//! The language the UI speaks, for text made outside a view: a notice the
//! state sets when a request fails, a browser notification's title. Views
//! use [`tr`] (and `t!` for texts with arguments); state code keeps a [`Lang`] taken when it was
//! created (inside the page, where the i18n context exists) and asks it for
//! the locale at the moment the text is made.

use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::i18n::Locale;

/// A UI text that follows the language, as a view or an attribute value:
/// `{tr(i18n, |l| td_string!(l, chat.sidebar.rooms))}`.
///
/// Why not `t!(i18n, …)`: each `t!` is a closure of its own type, and the
/// renderer's code is compiled again for every such type, a few hundred
/// bytes of WASM per call site. Here the closure is one type for every text
/// of the app; the per-text part is a plain function picking a `&str`.
pub fn tr(
    i18n: I18nContext<Locale>,
    key: fn(Locale) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || key(i18n.get_locale())
}

/// The cookie that keeps the chosen language, read by the server's render
/// (before Accept-Language) and by the csr build: the language provider is
/// given this name, and [`crate::client::browser::remember_language`] writes it.
pub const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

/// How long a chosen language is kept: a year, renewed by each choice.
pub const LANGUAGE_COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The language provider's cookie options: read the cookie, never write it.
/// Left to itself the library writes the language it *detected* into a
/// session cookie on every render, with the page's directory as its path,
/// which pins Accept-Language's answer and shadows the user's choice under
/// `/admin`. Only an explicit choice writes it, through
/// [`crate::client::browser::remember_language`], for the whole site.
/// (A hydrated page has no cookie code: there the options are unused.)
pub fn cookie_options() -> leptos_i18n::context::CookieOptions<Locale> {
    leptos_i18n::context::CookieOptions::default().readonly(true)
}

#[derive(Clone, Copy)]
pub struct Lang(Option<I18nContext<Locale>>);

impl Lang {
    /// The page's language; English where there is no i18n context (unit
    /// tests build state without a page).
    pub fn here() -> Lang {
        Lang(use_context::<I18nContext<Locale>>())
    }

    /// The locale now (untracked: the text is made once, when needed).
    pub fn get(self) -> Locale {
        self.0.map(|c| c.get_locale_untracked()).unwrap_or_default()
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::here()
    }
}

/// What the UI says about a failed request, in the UI's language. The
/// server's messages are stable English for API clients; English readers get
/// them as they are (they name the exact problem), other languages a text
/// chosen by the error's code, with the server's detail where only it knows
/// which value was wrong.
pub fn error_text(lang: Lang, error: &crate::client::http::ApiError) -> String {
    use crate::client::http::ApiError;
    use crate::i18n::*;
    match error {
        ApiError::Network(_) => td_string!(lang.get(), common.errors.network).to_string(),
        ApiError::Server { code, message, .. } => refusal_text(lang, *code, message),
    }
}

/// An `error` frame or an HTTP error by its code, in the UI's language:
/// `detail` is the server's English message (shown as is to English readers).
pub fn refusal_text(lang: Lang, code: crate::protocol::ErrorCode, detail: &str) -> String {
    use crate::i18n::*;
    use crate::protocol::ErrorCode as C;
    let l = lang.get();
    if l == Locale::en {
        return detail.to_owned();
    }
    match code {
        C::BadFrame => td_string!(l, common.errors.bad_frame).to_string(),
        C::UnknownType => td_string!(l, common.errors.unknown_type).to_string(),
        C::FrameTooLarge => td_string!(l, common.errors.frame_too_large).to_string(),
        C::Invalid => td_string!(l, common.errors.invalid, detail).to_string(),
        C::RateLimited => td_string!(l, common.errors.rate_limited).to_string(),
        C::Unauthorized => td_string!(l, common.errors.unauthorized).to_string(),
        C::Forbidden => td_string!(l, common.errors.forbidden).to_string(),
        C::NotFound => td_string!(l, common.errors.not_found).to_string(),
        C::NotJoined => td_string!(l, common.errors.not_joined).to_string(),
        C::Conflict => td_string!(l, common.errors.conflict).to_string(),
        C::BadSignature => td_string!(l, common.errors.bad_signature).to_string(),
        C::Internal => td_string!(l, common.errors.internal).to_string(),
        C::Unavailable => td_string!(l, common.errors.unavailable).to_string(),
        C::RegistrationClosed => td_string!(l, common.errors.registration_closed).to_string(),
        C::InviteRequired => td_string!(l, common.errors.invite_required).to_string(),
        C::InviteInvalid => td_string!(l, common.errors.invite_invalid, detail).to_string(),
        C::SetupRequired => td_string!(l, common.errors.setup_required).to_string(),
        C::PayloadTooLarge => td_string!(l, common.errors.payload_too_large).to_string(),
        C::AccountDeactivated => td_string!(l, common.errors.account_deactivated).to_string(),
        C::RoomArchived => td_string!(l, common.errors.room_archived).to_string(),
        C::Muted => td_string!(l, common.errors.muted).to_string(),
        C::UnsupportedType => td_string!(l, common.errors.unsupported_type, detail).to_string(),
    }
}
