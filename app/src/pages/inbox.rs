//! `/inbox`: every announcement the signed-in person received (the server's
//! inbox, newest first), dismissed ones included, so a banner closed too
//! quickly can be read again. Opening the page counts as seeing what is
//! listed; "Dismiss" removes one from the banners for good.
//!
//! The page keeps a socket ([`LiveInbox`]): an announcement pushed while it is
//! open appears at the top at once (and counts as seen), and after a
//! reconnect the list is read again, so nothing sent meanwhile is missed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use crate::client::{
    browser, http,
    socket::{Connection, Session},
};
use crate::components::announcement_bar::severity_label;
use crate::components::connection_badge::ConnectionBadge;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{ClientFrame, InboxEntry, ServerFrame};
use crate::state::LinkState;

/// What the page shows.
#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Loaded,
    Failed(String),
}

/// The page's list and its socket.
#[derive(Clone, Copy)]
struct LiveInbox {
    load: RwSignal<Load>,
    /// Newest first.
    entries: RwSignal<Vec<InboxEntry>>,
    connection: Connection,
}

impl LiveInbox {
    /// Reads the inbox; what is unread now counts as seen (one request).
    async fn reload(self) -> Result<(), http::ApiError> {
        let entries = http::announcements().await?;
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
        let _ = self.entries.try_set(entries);
        if self.load.try_get_untracked() != Some(Load::Loaded) {
            let _ = self.load.try_set(Load::Loaded);
        }
        Ok(())
    }
}

impl Session for LiveInbox {
    type Frame = ServerFrame;

    fn connection(&self) -> Connection {
        self.connection
    }

    fn on_frame(&self, frame: ServerFrame, first: bool) -> bool {
        match frame {
            ServerFrame::Hello { .. } => {
                self.connection.set_state(LinkState::Online);
                // Back after a drop: read what was sent meanwhile.
                if !first {
                    let this = *self;
                    leptos::task::spawn_local(async move {
                        if let Err(e) = this.reload().await {
                            browser::warn(&format!("inbox reload: {e}"));
                        }
                    });
                }
                true
            }
            ServerFrame::Announcement(a) => {
                let id = a.id;
                let fresh = self
                    .entries
                    .try_update(|list| {
                        let fresh = list.iter().all(|e| e.announcement.id != id);
                        if fresh {
                            list.insert(
                                0,
                                InboxEntry {
                                    announcement: a,
                                    seen: false,
                                    dismissed: false,
                                },
                            );
                        }
                        fresh
                    })
                    .unwrap_or(false);
                if fresh {
                    // On screen while the page is open: seen.
                    self.connection
                        .link
                        .send(&ClientFrame::AnnouncementSeen { id });
                }
                false
            }
            _ => false,
        }
    }

    async fn signed_out(&self) -> bool {
        http::me().await.is_err_and(|e| e.is_unauthorized())
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let inbox = LiveInbox {
        load: RwSignal::new(Load::Loading),
        entries: RwSignal::new(Vec::new()),
        connection: Connection::new(),
    };
    let load = inbox.load;

    // Once, in the browser: the list, then the socket for what comes next.
    Effect::new(move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match inbox.reload().await {
                Ok(()) => inbox.connection.start(inbox),
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

    on_cleanup(move || inbox.connection.disconnect());

    let list = move || {
        match load.get() {
        Load::Loading => {
            view! { <p class="muted">{tr(i18n, |l| td_string!(l, common.inbox.loading))}</p> }
                .into_any()
        }
        Load::Failed(error) => view! {
            <p class="form-error" role="alert">{t!(i18n, common.inbox.could_not_load, error)}</p>
        }
        .into_any(),
        Load::Loaded => view! {
            <Show
                when=move || inbox.entries.with(|e| !e.is_empty())
                fallback=move || view! { <p class="muted">{tr(i18n, |l| td_string!(l, common.inbox.empty))}</p> }
            >
                <ol class="inbox-list">
                    // Keyed: an item keeps its own state (dismissed, an
                    // error) when a new one arrives above it.
                    <For
                        each=move || inbox.entries.get()
                        key=|e| e.announcement.id
                        children=|entry| view! { <InboxItem entry/> }
                    />
                </ol>
            </Show>
        }
        .into_any(),
    }
    };

    view! {
        <Title text=tr(i18n, |l| td_string!(l, common.inbox.title))/>
        <main class="admin-page inbox-page">
            <header class="admin-header">
                <h1>{tr(i18n, |l| td_string!(l, common.inbox.title))}</h1>
                <ConnectionBadge connection=inbox.connection/>
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
