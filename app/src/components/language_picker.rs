//! The language switcher (account menu, visitor page): English or 简体中文.
//! The choice is kept in a cookie, so the next page renders in it on the
//! server; without one the browser's Accept-Language decides.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::tr;

#[component]
pub fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(locale) = Locale::get_all()
            .iter()
            .find(|l| l.as_str() == event_target_value(&ev))
        {
            i18n.set_locale(*locale);
            crate::client::browser::remember_language(locale.as_str());
        }
    };
    view! {
        <label class="language-picker">
            <span class="visually-hidden">{tr(i18n, |l| td_string!(l, common.language))}</span>
            <select on:change=on_change aria-label=tr(i18n, |l| td_string!(l, common.language))>
                {Locale::get_all()
                    .iter()
                    .map(|l| {
                        let l = *l;
                        view! {
                            <option value=l.as_str() prop:selected=move || i18n.get_locale() == l>
                                {td_string!(l, common.language_name)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
