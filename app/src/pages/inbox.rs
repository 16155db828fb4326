//! `/inbox`: every announcement the signed-in person received (the server's
//! inbox, newest first), dismissed ones included, so a banner closed too
//! quickly can be read again. Opening the page counts as seeing what is
//! listed; "Dismiss" removes one from the banners for good.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::{browser, http};
use crate::components::announcement_bar::severity_label;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::InboxEntry;

/// What the page shows.
#[derive(Clone)]
enum Load {
    Loading,
    Loaded(Vec<InboxEntry>),
    Failed(String),
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let load = RwSignal::new(Load::Loading);

    // Once, in the browser.
    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::announcements().await {
                Ok(entries) => {
                    // Listed here means seen: one receipt request for the unread ones.
                    let unread: Vec<_> = entries
                        .iter()
                        .filter(|e| !e.seen)
                        .map(|e| e.announcement.id)
                        .collect();
                    if !unread.is_empty() {
                        leptos::task::spawn_local(async move {
                            if let Err(err) = http::announcements_seen(unread).await {
                                browser::warn(&format!("seen receipts: {err}"));
                            }
                        });
                    }
                    load.set(Load::Loaded(entries));
                }
                Err(e) if e.is_unauthorized() => navigate(
                    "/login",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(e) => load.set(Load::Failed(error_text(lang, &e))),
            }
        });
    });

    let list = move || match load.get() {
        Load::Loading => {
            view! { <p class="muted">{tr(i18n, |l| td_string!(l, common.inbox.loading))}</p> }
                .into_any()
        }
        Load::Failed(error) => view! {
            <p class="form-error" role="alert">{t!(i18n, common.inbox.could_not_load, error)}</p>
        }
        .into_any(),
        Load::Loaded(entries) if entries.is_empty() => {
            view! { <p class="muted">{tr(i18n, |l| td_string!(l, common.inbox.empty))}</p> }
                .into_any()
        }
        Load::Loaded(entries) => view! {
            <ol class="inbox-list">
                {entries.into_iter().map(|entry| view! { <InboxItem entry/> }).collect_view()}
            </ol>
        }
        .into_any(),
    };

    view! {
        <Title text=tr(i18n, |l| td_string!(l, common.inbox.title))/>
        <main class="admin-page inbox-page">
            <header class="admin-header">
                <h1>{tr(i18n, |l| td_string!(l, common.inbox.title))}</h1>
                <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, common.inbox.back))}</a>
            </header>
            <section class="admin-card card">
                <p class="muted small">{tr(i18n, |l| td_string!(l, common.inbox.intro))}</p>
                {list}
            </section>
        </main>
    }
    .into_any()
}

#[component]
fn InboxItem(entry: InboxEntry) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let a = entry.announcement;
    let id = a.id;
    let severity = a.severity;
    let kind = move || severity_label(i18n.get_locale(), severity);
    let when = format!(
        "{} {}",
        browser::local_day(a.sent_at),
        browser::local_time(a.sent_at)
    );
    // The item's own state: dismissing redraws this item, not the list.
    let dismissed = RwSignal::new(entry.dismissed);
    let error = RwSignal::new(None::<String>);
    let dismiss = move |_| {
        leptos::task::spawn_local(async move {
            match http::announcement_receipt(id, true).await {
                Ok(()) => dismissed.set(true),
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
        });
    };
    view! {
        <li
            class=format!("announcement announcement-{} inbox-item", severity.as_str())
            class:inbox-unread=!entry.seen
            class:inbox-dismissed=move || dismissed.get()
        >
            <div class="announcement-head">
                <span class="announcement-kind">{kind}</span>
                {a.title.map(|t| view! { <strong class="announcement-title">{t}</strong> })}
                {(!entry.seen).then(|| view! { <span class="badge">{tr(i18n, |l| td_string!(l, common.inbox.new))}</span> })}
                <time class="muted small" datetime=a.sent_at.to_rfc3339()>{when}</time>
                {a.late.then(|| view! { <span class="muted small">{tr(i18n, |l| td_string!(l, common.announcements.late))}</span> })}
                <Show
                    when=move || dismissed.get()
                    fallback=move || view! {
                        <button class="link-button small" type="button" on:click=dismiss>
                            {tr(i18n, |l| td_string!(l, common.inbox.dismiss))}
                        </button>
                    }
                >
                    <span class="muted small">{tr(i18n, |l| td_string!(l, common.inbox.dismissed))}</span>
                </Show>
            </div>
            // Sanitised on the server (see `AnnouncementBar`).
            <div class="announcement-body" inner_html=a.body_html></div>
            {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
        </li>
    }
}
