//! The admin pages' header: the brand, a tab per admin page, and the way back
//! to chat. The tab of the page being shown is marked `aria-current`.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::tr;

/// The admin pages, in tab order.
const PAGES: [&str; 4] = [
    "/admin",
    "/admin/announcements",
    "/admin/support",
    "/admin/audit",
];

/// A page's tab label.
fn label(l: Locale, href: &str) -> String {
    match href {
        "/admin" => td_string!(l, admin.header.users),
        "/admin/announcements" => td_string!(l, admin.header.announcements),
        "/admin/audit" => td_string!(l, admin.header.audit),
        _ => td_string!(l, admin.header.support),
    }
    .to_string()
}

#[component]
pub fn AdminHeader(
    /// The path of the page showing the header.
    current: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="admin-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24"/>
                <span>"Switchboard"</span>
            </a>
            <nav class="admin-tabs" aria-label=tr(i18n, |l| td_string!(l, admin.header.pages))>
                {PAGES
                    .into_iter()
                    .map(|href| {
                        let here = (href == current).then_some("page");
                        view! {
                            <a class="admin-tab" href=href aria-current=here>
                                {move || label(i18n.get_locale(), href)}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, admin.header.back))}</a>
        </header>
    }
    .into_any()
}
