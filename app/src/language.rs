//! The language the UI speaks, for text made outside a view: a notice the
//! state sets when a request fails, a browser notification's title. Views
//! use `t!(i18n, …)` directly; state code keeps a [`Lang`] taken when it was
//! created (inside the page, where the i18n context exists) and asks it for
//! the locale at the moment the text is made.

use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::i18n::Locale;

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
