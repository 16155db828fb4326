//! `/` (with `?room=ID`): the chat. Creates the [`Chat`] state for this tab,
//! checks the session (`/api/me`; 401 goes to the login form), starts the
//! WebSocket, and lays out the sidebar and the active room.
//!
//! The room lives in the query string so switching rooms keeps this component
//! (and its one socket) mounted.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

use crate::client::{browser, http};
use crate::components::{
    announcement_bar::AnnouncementBar, notice_banner::NoticeBanner, room_view::RoomView,
    search_pane::SearchPane, sidebar::Sidebar,
};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::RoomId;
use crate::state::{Chat, LinkState};

/// What the main pane shows.
#[derive(Clone, Debug, PartialEq)]
enum Pane {
    Loading,
    Room(RoomId),
    NotJoined(RoomId, String),
    Empty,
}

fn replace() -> NavigateOptions {
    NavigateOptions {
        replace: true,
        ..Default::default()
    }
}

#[component]
pub fn ChatPage() -> impl IntoView {
    let chat = Chat::new();
    provide_context(chat);
    provide_context(chat.profiles);
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let query = use_query_map();
    let sidebar_open = RwSignal::new(false);

    // The room in the URL is the room on screen.
    Effect::new(move |_| {
        let room = query.with(|q| {
            q.get("room")
                .and_then(|s| s.parse::<i64>().ok())
                .map(RoomId)
        });
        if chat.active.get_untracked() != room {
            chat.active.set(room);
        }
    });

    // Start: who are we? Then connect. Runs once, in the browser.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match http::me().await {
                    Ok(user) => {
                        chat.me.set(Some(user));
                        chat.connect();
                        chat.announcements.load_inbox();
                    }
                    Err(e) if e.is_unauthorized() => navigate("/login", replace()),
                    // The server may be restarting: the socket loop keeps
                    // trying and the indicator says so.
                    Err(e) => {
                        chat.notice.set(Some(error_text(lang, &e)));
                        chat.connect();
                    }
                }
            });
        });
    }
    on_cleanup(move || chat.connection.disconnect());

    // The server ended the session (logout in another tab, say).
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if chat.connection.state.get() == LinkState::SignedOut {
                navigate("/login", replace());
            }
        });
    }

    // No room in the URL, or one we are no longer in: open the first joined room.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if !chat.rooms_loaded.get() {
                return;
            }
            let active = chat.active.get();
            let (first, active_known) = chat.rooms.with(|r| {
                (
                    r.joined().next().map(|x| x.id),
                    active.is_some_and(|id| r.get(id).is_some()),
                )
            });
            if active.is_none() || !active_known {
                match first {
                    Some(id) => navigate(&format!("/?room={id}"), replace()),
                    None if active.is_some() => navigate("/", replace()),
                    None => {}
                }
            }
        });
    }

    // Track whether the tab is in front (unread counting and read markers),
    // and reconnect at once when the network comes back.
    Effect::new(move |_| {
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            chat.visible.set(browser::page_visible());
            if let Some(room) = chat.active.get_untracked() {
                chat.mark_read(room);
            }
        });
        let online =
            window_event_listener_untyped("online", move |_| chat.connection.reconnect_now());
        chat.visible.set(browser::page_visible());
        on_cleanup(move || {
            visibility.remove();
            online.remove();
        });
    });

    let title = move || {
        let unread: i64 = chat.rooms.with(|r| r.joined().map(|x| x.unread).sum());
        let me = chat.my_name();
        let room = chat.active.get().and_then(|id| {
            chat.rooms.with(|r| {
                r.get(id).map(|x| {
                    if x.is_dm() {
                        x.title(&me)
                    } else {
                        format!("#{}", x.name)
                    }
                })
            })
        });
        let base = match room {
            Some(name) => format!("{name} · Switchboard"),
            None => "Switchboard".to_owned(),
        };
        if unread > 0 {
            format!("({unread}) {base}")
        } else {
            base
        }
    };

    // What the main pane shows. A memo, so unread counts ticking in other
    // rooms do not rebuild the open room (and lose its scroll and draft).
    let pane = Memo::new(move |_| {
        let loaded = chat.rooms_loaded.get();
        let active = chat.active.get();
        chat.rooms.with(|r| match active {
            Some(room) if r.is_joined(room) => Pane::Room(room),
            Some(room) if loaded => match r.get(room) {
                Some(summary) => Pane::NotJoined(room, summary.name.clone()),
                None => Pane::Empty,
            },
            _ if loaded => Pane::Empty,
            _ => Pane::Loading,
        })
    });
    let main = move || match pane.get() {
        Pane::Room(room) => view! { <RoomView room open_sidebar=sidebar_open/> }.into_any(),
        Pane::NotJoined(room, name) => view! {
            <EmptyPane open_sidebar=sidebar_open>
                <h1>{format!("#{name}")}</h1>
                <p class="muted">{tr(i18n, |l| td_string!(l, chat.page.not_joined))}</p>
                <button class="button primary" type="button" on:click=move |_| { chat.join(room); }>
                    {t!(i18n, chat.page.join_room, room = name.clone())}
                </button>
            </EmptyPane>
        }
        .into_any(),
        Pane::Empty => view! {
            <EmptyPane open_sidebar=sidebar_open>
                <h1>{tr(i18n, |l| td_string!(l, chat.page.no_room_title))}</h1>
                <p class="muted">{tr(i18n, |l| td_string!(l, chat.page.no_room_text))}</p>
            </EmptyPane>
        }
        .into_any(),
        Pane::Loading => view! {
            <EmptyPane open_sidebar=sidebar_open>
                <p class="muted">{tr(i18n, |l| td_string!(l, chat.page.loading_rooms))}</p>
            </EmptyPane>
        }
        .into_any(),
    };

    view! {
        <Title text=title/>
        <a class="skip-link" href="#composer-input">{tr(i18n, |l| td_string!(l, chat.page.skip_to_composer))}</a>
        <div class="chat-app" class:drawer-open=move || sidebar_open.get() class:searching=move || chat.search.open.get()>
            <Sidebar open=sidebar_open/>
            <div class="scrim" aria-hidden="true" on:click=move |_| sidebar_open.set(false)></div>
            <main class="main-pane">
                <AnnouncementBar announcements=chat.announcements/>
                <NoticeBanner/>
                {main}
            </main>
            <Show when=move || chat.search.open.get()>
                <SearchPane/>
            </Show>
        </div>
    }
    .into_any()
}

/// The main pane when no room is open: a message and the drawer button.
#[component]
fn EmptyPane(open_sidebar: RwSignal<bool>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="empty-pane">
            <header class="room-header">
                <button
                    class="icon-button menu-button"
                    type="button"
                    aria-label=tr(i18n, |l| td_string!(l, chat.show_rooms))
                    aria-controls="sidebar"
                    on:click=move |_| open_sidebar.set(true)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                    </svg>
                </button>
            </header>
            <div class="empty-body">{children()}</div>
        </section>
    }
    .into_any()
}
