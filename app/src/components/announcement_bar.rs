//! Announcements pushed by admins or other services (`announcement` frames and
//! the inbox), as banners above the room, the console or the visitor's
//! conversation. Each is marked seen when shown and can be dismissed. The body is HTML the server rendered from Markdown and
//! sanitised (no scripts, handlers or `javascript:` links), so it is inserted
//! as HTML — the one place the UI does that.

use leptos::prelude::*;

use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{Announcement, Severity};
use crate::state::announcements::Announcements;

/// The newest announcement, and behind it a one-line count of the others
/// ("Show all", "Dismiss all"): stacked banners took a third of the chat.
#[component]
pub fn AnnouncementBar(announcements: Announcements) -> impl IntoView {
    let i18n = use_i18n();
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
                aria-label=tr(i18n, |l| td_string!(l, common.announcements.label))>
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
                                t_string!(i18n, common.announcements.count, count = total()).to_string()
                            } else if more() == 1 {
                                t_string!(i18n, common.announcements.more_one).to_string()
                            } else {
                                t_string!(i18n, common.announcements.more_many, count = more()).to_string()
                            }}
                        </span>
                        <button type="button" class="link-button"
                            aria-expanded=move || announcements.expanded.get().to_string()
                            on:click=move |_| announcements.expanded.update(|e| *e = !*e)>
                            {move || if announcements.expanded.get() {
                                t_string!(i18n, common.announcements.show_less)
                            } else {
                                t_string!(i18n, common.announcements.show_all)
                            }}
                        </button>
                        <button type="button" class="link-button" on:click=move |_| announcements.dismiss_all()>
                            {tr(i18n, |l| td_string!(l, common.announcements.dismiss_all))}
                        </button>
                    </p>
                </Show>
                {move || announcements.notice.get().map(|n| view! { <p class="form-error small" role="alert">{n}</p> })}
            </section>
        </Show>
    }
}

#[component]
fn AnnouncementBanner(announcement: Announcement, announcements: Announcements) -> impl IntoView {
    let i18n = use_i18n();
    let id = announcement.id;
    // Shown means seen (once per tab: the bar is rebuilt only for new ids).
    announcements.receipt(id, false);
    let severity = announcement.severity;
    let class = format!("announcement announcement-{}", severity.as_str());
    let label = move || severity_label(i18n.get_locale(), severity);
    let when = browser::local_time(announcement.sent_at);
    let late = announcement.late;
    let title = announcement.title.clone();
    let body = announcement.body_html.clone();
    let inner = view! {
        <div class="announcement-head">
            <span class="announcement-kind">{label}</span>
            {title.map(|t| view! { <strong class="announcement-title">{t}</strong> })}
            <time class="muted small" datetime=announcement.sent_at.to_rfc3339()>{when}</time>
            {late.then(|| view! { <span class="muted small">{tr(i18n, |l| td_string!(l, common.announcements.late))}</span> })}
            <button
                class="icon-button announcement-dismiss"
                type="button"
                aria-label=tr(i18n, |l| td_string!(l, common.announcements.dismiss))
                on:click=move |_| announcements.receipt(id, true)
            >
                "×"
            </button>
        </div>
        <div class="announcement-body" inner_html=body></div>
    };
    // Urgent ones interrupt a screen reader; the others wait their turn.
    let urgent = severity == Severity::Urgent;
    view! {
        <article class=class role=urgent.then_some("alert") aria-live=(!urgent).then_some("polite")>
            {inner}
        </article>
    }
}

/// "Announcement", "Warning", "Urgent": a severity as the banners and the
/// inbox name it.
pub fn severity_label(l: Locale, severity: Severity) -> &'static str {
    match severity {
        Severity::Info => td_string!(l, common.announcements.info),
        Severity::Warning => td_string!(l, common.announcements.warning),
        Severity::Urgent => td_string!(l, common.announcements.urgent),
    }
}
