//! Announcements pushed by admins or other services (`announcement` frames and
//! the inbox), as banners above the room. Each is marked seen when shown and
//! can be dismissed. The body is HTML the server rendered from Markdown and
//! sanitised (no scripts, handlers or `javascript:` links), so it is inserted
//! as HTML — the one place the UI does that.

use leptos::prelude::*;

use super::use_chat;
use crate::client::browser;
use crate::protocol::{Announcement, Severity};

/// At most this many banners at once; the rest wait behind "N more".
const SHOWN: usize = 3;

#[component]
pub fn AnnouncementBar() -> impl IntoView {
    let chat = use_chat();
    let shown = Memo::new(move |_| {
        chat.announcements
            .with(|list| list.iter().take(SHOWN).cloned().collect::<Vec<_>>())
    });
    let hidden = move || chat.announcements.with(|l| l.len().saturating_sub(SHOWN));
    view! {
        <Show when=move || !shown.with(Vec::is_empty)>
            <section class="announcements" aria-label="Announcements">
                <For
                    each=move || shown.get()
                    key=|a| a.id
                    children=move |a| view! { <AnnouncementBanner announcement=a/> }
                />
                <Show when=move || { hidden() > 0 }>
                    <p class="muted small announcements-more">
                        {move || format!("{} more announcement(s) after these", hidden())}
                    </p>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn AnnouncementBanner(announcement: Announcement) -> impl IntoView {
    let chat = use_chat();
    let id = announcement.id;
    // Shown means seen (once per tab: the bar is rebuilt only for new ids).
    chat.announcement_receipt(id, false);
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
                on:click=move |_| chat.announcement_receipt(id, true)
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
