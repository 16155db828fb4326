//! The admin pages' header: the brand, a tab per admin page, and the way back
//! to chat. The tab of the page being shown is marked `aria-current`.

use leptos::prelude::*;

use crate::i18n::*;

/// The admin pages, in tab order: (path, label).
const PAGES: [(&str, fn(Locale) -> &'static str); 3] = [
    ("/admin", |l| td_string!(l, common.admin_header.users)),
    ("/admin/announcements", |l| {
        td_string!(l, common.admin_header.announcements)
    }),
    ("/admin/support", |l| {
        td_string!(l, common.admin_header.support)
    }),
];

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
            <nav class="admin-tabs" aria-label=move || t_string!(i18n, common.admin_header.nav_label)>
                {PAGES
                    .into_iter()
                    .map(|(href, label)| {
                        let here = (href == current).then_some("page");
                        view! { <a class="admin-tab" href=href aria-current=here>{move || label(i18n.get_locale())}</a> }
                    })
                    .collect_view()}
            </nav>
            <a class="button subtle small" href="/">{t!(i18n, common.admin_header.back_to_chat)}</a>
        </header>
    }
    .into_any()
}
