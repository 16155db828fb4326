//! The admin pages' header: the brand, a tab per admin page, and the way back
//! to chat. The tab of the page being shown is marked `aria-current`.

use leptos::prelude::*;

/// The admin pages, in tab order: (path, label).
const PAGES: [(&str, &str); 3] = [
    ("/admin", "Users"),
    ("/admin/announcements", "Announcements"),
    ("/admin/support", "Support"),
];

#[component]
pub fn AdminHeader(
    /// The path of the page showing the header.
    current: &'static str,
) -> impl IntoView {
    view! {
        <header class="admin-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24"/>
                <span>"Switchboard"</span>
            </a>
            <nav class="admin-tabs" aria-label="Admin pages">
                {PAGES
                    .into_iter()
                    .map(|(href, label)| {
                        let here = (href == current).then_some("page");
                        view! { <a class="admin-tab" href=href aria-current=here>{label}</a> }
                    })
                    .collect_view()}
            </nav>
            <a class="button subtle small" href="/">"← Back to chat"</a>
        </header>
    }
    .into_any()
}
