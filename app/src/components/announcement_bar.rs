//! Announcements pushed by admins or other services (`announcement` frames and
//! the inbox), as banners above the room, the console or the visitor's
//! conversation. Each is marked seen when shown and can be dismissed. The body is HTML the server rendered from Markdown and
//! sanitised (no scripts, handlers or `javascript:` links), so it is inserted
//! as HTML — the one place the UI does that.

use leptos::prelude::*;

use crate::client::browser;
use crate::protocol::{Announcement, Severity};
use crate::state::announcements::Announcements;

/// The newest announcement, and behind it a one-line count of the others
/// ("Show all", "Dismiss all"): stacked banners took a third of the chat.
#[component]
pub fn AnnouncementBar(announcements: Announcements) -> impl IntoView {
    let shown = Memo::new(move |_| {
        let all = announcements.expanded.get();
        announcements.list.with(|list| {
            let n = if all { list.len() } else { 1 };
            list.iter().take(n).cloned().collect::<Vec<_>>()
        })
    });
    let total = move || announcements.list.with(Vec::len);
    let more = move || total().saturating_sub(1);
    view! {
        <Show when=move || { total() > 0 }>
            <section class="announcements" class:expanded=move || announcements.expanded.get()
                aria-label="Announcements">
                <div class="announcements-list">
                    <For
                        each=move || shown.get()
                        key=|a| a.id
                        children=move |a| view! { <AnnouncementBanner announcement=a announcements/> }
                    />
                </div>
                <Show when=move || { more() > 0 }>
                    <p class="announcements-more small">
                        <span class="muted">
                            {move || if announcements.expanded.get() {
                                format!("{} announcements", total())
                            } else if more() == 1 {
                                "1 more announcement".to_owned()
                            } else {
                                format!("{} more announcements", more())
                            }}
                        </span>
                        <button type="button" class="link-button"
                            aria-expanded=move || announcements.expanded.get().to_string()
                            on:click=move |_| announcements.expanded.update(|e| *e = !*e)>
                            {move || if announcements.expanded.get() { "Show less" } else { "Show all" }}
                        </button>
                        <button type="button" class="link-button" on:click=move |_| announcements.dismiss_all()>
                            "Dismiss all"
                        </button>
                    </p>
                </Show>
                {move || announcements.notice.get().map(|n| view! { <p class="form-error small" role="alert">{n}</p> })}
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn AnnouncementBanner(announcement: Announcement, announcements: Announcements) -> impl IntoView {
    let id = announcement.id;
    // Shown means seen (once per tab: the bar is rebuilt only for new ids).
    announcements.receipt(id, false);
    let severity = announcement.severity;
    let class = format!("announcement announcement-{}", severity.as_str());
    let label = match severity {
        Severity::Info => "Announcement",
        Severity::Warning => "Warning",
        Severity::Urgent => "Urgent",
    };
    let when = browser::local_time(announcement.sent_at);
    let late = announcement.late;
    let title = announcement.title.clone();
    let body = announcement.body_html.clone();
    let inner = view! {
        <div class="announcement-head">
            <span class="announcement-kind">{label}</span>
            {title.map(|t| view! { <strong class="announcement-title">{t}</strong> })}
            <time class="muted small" datetime=announcement.sent_at.to_rfc3339()>{when}</time>
            {late.then_some(view! { <span class="muted small">" (delivered late)"</span> })}
            <button
                class="icon-button announcement-dismiss"
                type="button"
                aria-label="Dismiss announcement"
                on:click=move |_| announcements.receipt(id, true)
            >
                "×"
            </button>
        </div>
        <div class="announcement-body" inner_html=body></div>
    };
    // Urgent ones interrupt a screen reader; the others wait their turn.
    if severity == Severity::Urgent {
        view! { <article class=class role="alert">{inner}</article> }.into_any()
    } else {
        view! { <article class=class aria-live="polite">{inner}</article> }.into_any()
    }
}
