//! The chat page's reactive state, shared by its components through context.
//!
//! [`Chat`] owns every signal the chat UI reads. Server frames come in through
//! [`Chat::apply`] (called by the socket loop); user actions go out through its
//! methods, which update the UI at once and queue frames on the [`Connection`]'s link.
//! The frame rules that need care live in the pure types it wraps:
//! [`Timeline`] (order, dedupe), [`Outbox`] (pending sends) and [`Rooms`] (unread).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use leptos::prelude::*;

use crate::client::{browser, http, socket::Connection};
use crate::i18n::*;
use crate::language::{error_text, refusal_text, Lang};
use crate::protocol::{
    ChangeId, ChatMessage, ClientFrame, ErrorCode, ErrorFrame, FileInfo, MessageId, PinnedMessage,
    RoomId, RoomSummary, ServerFrame, User, JOIN_HISTORY,
};
use crate::state::announcements::{Announcements, Reader};
use crate::state::attachments::Attachments;
use crate::state::outbox::{Outbox, Pending, ThreadReply};
use crate::state::profiles::Profiles;
use crate::state::search::Search;
use crate::state::thread::ThreadView;
use crate::state::{rooms::Rooms, timeline::Timeline};
use crate::validate::MessageBody;

/// Messages per page when scrolling back through history.
pub const OLDER_PAGE: usize = 50;
/// How many pages of `MAX_PAGE` messages opening a search result fetches,
/// at most, to reach it (10,000 messages back).
pub const REVEAL_PAGES: usize = 50;
/// How long "X is typing…" stays after the last `typing` frame.
const TYPING_SHOWN_MS: f64 = 4_000.0;
/// Least time between two `typing` frames we send.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// The connection as the indicator shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// The page's first connection is being made.
    Connecting,
    /// A connection was lost (closed, or silent past the dead-socket
    /// deadline) and a new one is being made.
    Reconnecting,
    Online,
    /// Disconnected; the next attempt is in `seconds`.
    Waiting {
        seconds: u32,
    },
    /// The browser reports no network.
    Offline,
    /// The server ended the session: the page goes to the login form.
    SignedOut,
}

/// What [`Chat::send_now`] was asked to do, for the notice when offline.
#[derive(Clone, Copy)]
enum Action {
    Edit,
    Delete,
    Join,
    Leave,
    React,
    Pin,
}

/// Someone typing in a room, shown until `until_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub room: RoomId,
    pub user: String,
    pub until_ms: f64,
}

#[derive(Clone, Copy)]
pub struct Chat {
    /// Who we are; set from `GET /api/me` and again by each `hello`.
    pub me: RwSignal<Option<User>>,
    pub rooms: RwSignal<Rooms>,
    /// Whether the room list has been loaded once (before that, "no rooms"
    /// would be a lie).
    pub rooms_loaded: RwSignal<bool>,
    /// Loaded messages per room. A room we never opened has no entry.
    pub timelines: RwSignal<HashMap<RoomId, Timeline>>,
    pub outbox: RwSignal<Outbox>,
    /// Usernames online per room, from `presence` and `presence_changed`.
    pub online: RwSignal<HashMap<RoomId, BTreeSet<String>>>,
    /// How far each member has read, per room, from `receipts` and
    /// `receipt` (rooms where receipts apply only).
    pub receipts: RwSignal<HashMap<RoomId, HashMap<String, MessageId>>>,
    pub typing: RwSignal<Vec<Typist>>,
    pub connection: Connection,
    /// The room on screen, from the URL.
    pub active: RwSignal<Option<RoomId>>,
    /// The message list shows its newest message (the user is not reading back).
    pub at_bottom: RwSignal<bool>,
    /// The tab is in front of the user.
    pub visible: RwSignal<bool>,
    /// A problem that belongs to no single message, shown in a banner.
    pub notice: RwSignal<Option<String>>,
    /// An older page is being fetched for the active room.
    pub loading_older: RwSignal<bool>,
    /// Per room, the newest id we sent `read` for, so each is sent once.
    read_sent: StoredValue<HashMap<RoomId, MessageId>>,
    /// When we last sent `typing`, and where.
    typing_sent: StoredValue<Option<(RoomId, f64)>>,
    /// Unsent composer text per room. Not a signal: only the composer reads
    /// it, when it opens.
    drafts: StoredValue<HashMap<RoomId, String>>,
    /// Each room's composer attachments, made on first use under the chat's
    /// owner (not the composer's), so they and their uploads outlive a
    /// visit to another room, as the draft does.
    trays: StoredValue<HashMap<RoomId, Attachments>>,
    owner: StoredValue<Option<Owner>>,
    /// Rooms whose `join` has not been answered by its last `history` yet,
    /// and whether that join was a fresh one (no `since`): then the answer's
    /// `more` means "older messages exist", not "join again for the rest".
    /// Also what to join again when the server says joins come too fast.
    joining: StoredValue<HashMap<RoomId, bool>>,
    /// Announcements on screen and the inbox.
    pub announcements: Announcements,
    /// Display names and pictures, by login name.
    pub profiles: Profiles,
    /// Message search and its results pane.
    pub search: Search,
    /// A message to show once its room's history is loaded (a search
    /// result was opened): the room's list fetches back to it.
    pub focus: RwSignal<Option<(RoomId, MessageId)>>,
    /// The message just revealed, highlighted for a moment.
    pub flash: RwSignal<Option<MessageId>>,
    /// The thread open beside the room, if any.
    pub thread: RwSignal<Option<ThreadView>>,
    /// Pinned messages of the rooms opened, latest pinned first.
    pub pins: RwSignal<HashMap<RoomId, Vec<PinnedMessage>>>,
    /// Pin changes seen live, in any room. A list read over HTTP while one
    /// came may predate it (the change was not applied to a list not yet
    /// there), so it is read again.
    pin_changes: StoredValue<u64>,
    /// The UI's language, for notices made here.
    lang: Lang,
}

impl Chat {
    pub fn new() -> Self {
        let connection = Connection::new();
        Chat {
            me: RwSignal::new(None),
            rooms: RwSignal::new(Rooms::default()),
            rooms_loaded: RwSignal::new(false),
            timelines: RwSignal::new(HashMap::new()),
            outbox: RwSignal::new(Outbox::default()),
            online: RwSignal::new(HashMap::new()),
            receipts: RwSignal::new(HashMap::new()),
            typing: RwSignal::new(Vec::new()),
            connection,
            active: RwSignal::new(None),
            at_bottom: RwSignal::new(true),
            visible: RwSignal::new(true),
            notice: RwSignal::new(None),
            loading_older: RwSignal::new(false),
            read_sent: StoredValue::new(HashMap::new()),
            typing_sent: StoredValue::new(None),
            drafts: StoredValue::new(HashMap::new()),
            trays: StoredValue::new(HashMap::new()),
            owner: StoredValue::new(Owner::current()),
            joining: StoredValue::new(HashMap::new()),
            announcements: Announcements::new(connection, Reader::Account),
            profiles: Profiles::new(),
            search: Search::new(),
            focus: RwSignal::new(None),
            flash: RwSignal::new(None),
            thread: RwSignal::new(None),
            pins: RwSignal::new(HashMap::new()),
            pin_changes: StoredValue::new(0),
            lang: Lang::here(),
        }
    }

    // -----------------------------------------------------------------------
    // The connection
    // -----------------------------------------------------------------------

    /// Starts the WebSocket (browser only). Stopped by [`Connection::disconnect`].
    pub fn connect(&self) {
        self.connection.start(*self);
    }

    /// The server greeted a new connection. Load (or refresh) the room list,
    /// then join every joined room from the newest message we hold, and send
    /// again whatever the server never acknowledged.
    pub fn on_hello(&self, user: User, first_connection: bool) {
        self.me.set(Some(user));
        self.connection.state.set(LinkState::Online);
        let chat = *self;
        leptos::task::spawn_local(async move {
            match http::rooms().await {
                Ok(list) => {
                    if first_connection || !chat.rooms_loaded.get_untracked() {
                        chat.rooms.update(|r| r.replace(list));
                        chat.rooms_loaded.set(true);
                    } else {
                        chat.rooms.update(|r| r.refresh(list));
                    }
                }
                Err(e) => {
                    let error = error_text(chat.lang, &e);
                    chat.notice.set(Some(
                        td_string!(chat.lang.get(), chat.notice.could_not_load_rooms, error)
                            .to_string(),
                    ));
                }
            }
            let joined: Vec<RoomId> = chat
                .rooms
                .with_untracked(|r| r.joined().map(|room| room.id).collect());
            // Joins sent on the last connection died with it.
            chat.joining.update_value(|j| j.clear());
            for room in joined {
                chat.subscribe(room);
            }
            for pending in chat.outbox.with_untracked(Outbox::unacked) {
                chat.connection.link.send(&pending.frame());
            }
        });
    }

    /// Sends `join` for a room, resuming after the newest message we hold and
    /// the last change we have without gaps (so edits and deletes of messages
    /// we hold, made while we were away, are replayed).
    fn subscribe(&self, room: RoomId) -> bool {
        let frame = self.resume_frame(room);
        self.joining_sent(&frame);
        self.connection.link.send(&frame)
    }

    /// Notes a `join` on its way, until its last `history` arrives.
    fn joining_sent(&self, frame: &ClientFrame) {
        if let ClientFrame::Join { room, since, .. } = frame {
            let fresh = since.is_none();
            self.joining.update_value(|j| {
                j.insert(*room, fresh);
            });
        }
    }

    /// The `join` that resumes `room` from what this tab holds. Without
    /// messages there is nothing to resume: a plain join loads the newest.
    fn resume_frame(&self, room: RoomId) -> ClientFrame {
        let (since, changes) = self.timelines.with_untracked(|t| {
            t.get(&room)
                .map(|t| (t.newest(), t.changes()))
                .unwrap_or_default()
        });
        ClientFrame::Join {
            room,
            since,
            changes_since: since.map(|_| changes),
        }
    }

    /// Sends a frame that only makes sense now (not queued for later); tells
    /// the user when we are offline.
    fn send_now(&self, frame: ClientFrame, what: Action) -> bool {
        if self.connection.online() && self.connection.link.send(&frame) {
            true
        } else {
            let l = self.lang.get();
            let text = match what {
                Action::Edit => td_string!(l, chat.notice.offline_edit),
                Action::Delete => td_string!(l, chat.notice.offline_delete),
                Action::Join => td_string!(l, chat.notice.offline_join),
                Action::Leave => td_string!(l, chat.notice.offline_leave),
                Action::React => td_string!(l, chat.notice.offline_react),
                Action::Pin => td_string!(l, chat.notice.offline_pin),
            };
            self.notice.set(Some(text.to_string()));
            false
        }
    }

    // -----------------------------------------------------------------------
    // Frames from the server
    // -----------------------------------------------------------------------

    pub fn apply(&self, frame: ServerFrame) {
        match frame {
            ServerFrame::Hello { user } => self.on_hello(user, false),
            ServerFrame::History {
                room,
                messages,
                more,
                changes,
                reset,
                partial,
            } => self.on_history(room, messages, more, changes, reset, partial),
            ServerFrame::Message(m) => self.on_message(m),
            ServerFrame::Ack {
                client_id,
                id,
                room,
            } => {
                let shown = self
                    .timelines
                    .with_untracked(|t| t.get(&room).is_some_and(|t| t.contains(id)));
                self.outbox.update(|o| o.ack(&client_id, id, shown));
                self.send_queued();
            }
            // Live, or replayed after a resume (then the message's current
            // state): applying one twice, or out of order, is harmless.
            ServerFrame::Edited {
                room,
                id,
                body,
                edited_at,
                change,
            } => {
                self.in_thread(room, |v| {
                    v.messages.edit(id, body.clone(), edited_at);
                });
                self.timelines.update(|t| {
                    if let Some(t) = t.get_mut(&room) {
                        t.edit(id, body, edited_at);
                        t.saw_change(change);
                    }
                })
            }
            ServerFrame::Reaction {
                room,
                id,
                emoji,
                user,
                on,
                change,
            } => {
                self.in_thread(room, |v| {
                    v.messages.react(id, &emoji, &user, on);
                });
                self.timelines.update(|t| {
                    if let Some(t) = t.get_mut(&room) {
                        t.react(id, &emoji, &user, on);
                        t.saw_change(change);
                    }
                })
            }
            ServerFrame::Reactions {
                room,
                id,
                reactions,
                change,
            } => {
                self.in_thread(room, |v| {
                    v.messages.set_reactions(id, reactions.clone());
                });
                self.timelines.update(|t| {
                    if let Some(t) = t.get_mut(&room) {
                        t.set_reactions(id, reactions);
                        t.saw_change(change);
                    }
                })
            }
            ServerFrame::Pinned { room, id, user, on } => self.on_pinned(room, id, user, on),
            ServerFrame::Thread(state) => {
                self.in_thread(state.room, |v| {
                    v.counted(&state);
                });
                self.timelines.update(|t| {
                    if let Some(t) = t.get_mut(&state.room) {
                        t.set_thread(&state);
                        t.saw_change(state.change);
                    }
                })
            }
            ServerFrame::Deleted { room, id, change } => {
                self.in_thread(room, |v| {
                    v.messages.remove(id);
                });
                self.drop_pin(room, id);
                self.timelines.update(|t| {
                    let t = t.entry(room).or_default();
                    t.remove(id);
                    t.saw_change(change);
                })
            }
            ServerFrame::Receipts { room, receipts } => self.receipts.update(|r| {
                r.insert(room, receipts.into_iter().map(|u| (u.user, u.id)).collect());
            }),
            // Markers only move forward; one that arrives late changes nothing.
            ServerFrame::Receipt { room, user, id } => self.receipts.update(|r| {
                let at = r.entry(room).or_default().entry(user).or_insert(id);
                *at = (*at).max(id);
            }),
            ServerFrame::Presence { room, online } => self.online.update(|o| {
                o.insert(room, online.into_iter().collect());
            }),
            ServerFrame::PresenceChanged { room, user, online } => self.online.update(|o| {
                let set = o.entry(room).or_default();
                if online {
                    set.insert(user);
                } else {
                    set.remove(&user);
                }
            }),
            ServerFrame::Typing { room, user } => self.on_typing(room, user),
            ServerFrame::Left { room } => self.on_left(room),
            ServerFrame::RoomCreated { room } | ServerFrame::MemberAdded { room } => {
                // Made a member by someone else (a DM opened with us, an
                // invitation): follow it now, as a room we joined ourselves.
                let (id, member) = (room.id, room.joined);
                self.rooms.update(|r| r.upsert(room));
                if member {
                    self.follow(id);
                }
            }
            ServerFrame::MemberRemoved { room, banned } => self.on_removed(room, banned),
            ServerFrame::RoomUpdated(settings) => self.rooms.update(|r| r.apply_settings(settings)),
            ServerFrame::ProfileUpdated { profile } => self.profiles.apply(profile),
            ServerFrame::Muted { room, until } => self.rooms.update(|r| r.set_muted(room, until)),
            ServerFrame::MemberRole { room, role, .. } => {
                self.rooms.update(|r| r.set_role(room, role))
            }
            ServerFrame::Announcement(a) => self.announcements.announce(a, false),
            ServerFrame::Error(ErrorFrame {
                code,
                message,
                retry_after_ms,
                client_id,
            }) => self.on_error(code, message, retry_after_ms, client_id),
            // The socket loop keeps it (it only proves the socket alive).
            ServerFrame::Pong => {}
            // The support desk's frames belong to the support views, not to chat.
            ServerFrame::SupportHello { .. }
            | ServerFrame::SupportHistory { .. }
            | ServerFrame::SupportMessage(_)
            | ServerFrame::SupportAck { .. }
            | ServerFrame::SupportAssigned { .. }
            | ServerFrame::SupportStatus { .. }
            | ServerFrame::SupportTyping { .. }
            | ServerFrame::SupportReceipt(_)
            | ServerFrame::SupportAway { .. }
            | ServerFrame::SupportConversation(_)
            | ServerFrame::SupportAgent(_)
            | ServerFrame::SupportAgentRemoved { .. }
            | ServerFrame::SupportDesk { .. }
            | ServerFrame::SupportRerouted { .. } => {}
        }
    }

    /// Who may be mentioned in `room`, as far as this page knows: who is
    /// online there and who wrote the messages it holds.
    pub fn mention_candidates(&self, room: RoomId) -> Vec<String> {
        let mut names: Vec<String> = self
            .online
            .with_untracked(|o| o.get(&room).map(|s| s.iter().cloned().collect()))
            .unwrap_or_default();
        self.timelines.with_untracked(|t| {
            if let Some(t) = t.get(&room) {
                names.extend(t.messages().iter().map(|m| m.author.clone()));
            }
        });
        names
    }

    pub fn my_name(&self) -> String {
        self.me
            .with_untracked(|m| m.as_ref().map(|u| u.username.clone()))
            .unwrap_or_default()
    }

    /// Whether the user is looking at the newest messages of `room` right now.
    pub fn is_viewing(&self, room: RoomId) -> bool {
        self.active.get_untracked() == Some(room)
            && self.at_bottom.get_untracked()
            && self.visible.get_untracked()
    }

    fn on_history(
        &self,
        room: RoomId,
        messages: Vec<ChatMessage>,
        more: bool,
        changes: ChangeId,
        reset: bool,
        partial: bool,
    ) {
        self.rooms.update(|r| r.set_joined(room, true));
        // The last page of the answer ends the join; a fresh join's `more`
        // means older messages exist (paged over HTTP), not "join again".
        let fresh_join = if partial {
            self.joining
                .with_value(|j| j.get(&room).copied())
                .unwrap_or(false)
        } else {
            self.joining
                .try_update_value(|j| j.remove(&room))
                .flatten()
                .unwrap_or(false)
        };
        let me = self.my_name();
        let viewing = self.is_viewing(room);
        let count = messages.len();
        let mut fresh = Vec::new();
        self.timelines.update(|t| {
            let timeline = t.entry(room).or_default();
            if reset {
                // Too much changed while we were away to replay: start over
                // from the newest messages, as on a first join.
                fresh = timeline.reset(messages, more);
            } else {
                if timeline.is_empty() {
                    // A first join sends the newest messages; `more` says
                    // older ones exist, to page in over HTTP (a full batch
                    // meant the same to servers that did not say so).
                    timeline.older = more || count >= JOIN_HISTORY;
                }
                fresh = timeline.merge(messages);
            }
            timeline.caught_up(changes);
        });
        self.outbox.update(|o| {
            for m in &fresh {
                o.settle(m.client_id.as_deref(), m.id);
            }
        });
        self.send_queued();
        let following: Vec<bool> = fresh.iter().map(|m| self.follows_thread(m, &me)).collect();
        self.rooms.update(|r| {
            for (m, following) in fresh.iter().zip(following) {
                r.saw_message(m, &me, viewing, following);
            }
        });
        if more && !reset && !partial && !fresh_join {
            // The replay stopped at MAX_REPLAY; ask for the rest.
            self.subscribe(room);
        }
        // Back after a reconnect: pins missed meanwhile are not replayed.
        if !partial && self.pins.with_untracked(|p| p.contains_key(&room)) {
            self.load_pins(room);
        }
        self.mark_read(room);
    }

    fn on_message(&self, m: ChatMessage) {
        let room = m.room;
        let me = self.my_name();
        self.typing
            .update(|t| t.retain(|x| !(x.room == room && x.user == m.author)));
        self.outbox
            .update(|o| o.settle(m.client_id.as_deref(), m.id));
        self.send_queued();
        let viewing = self.is_viewing(room);
        let following = self.follows_thread(&m, &me);
        self.rooms.update(|r| {
            r.saw_message(&m, &me, viewing, following);
        });
        if m.thread.is_some() {
            self.in_thread(room, |v| v.saw(&m));
            if following {
                self.thread_news(&m);
            }
        }
        self.timelines.update(|t| {
            t.entry(room).or_default().insert(m);
        });
        self.mark_read(room);
    }

    /// Runs `f` on the open thread when it is in `room`.
    fn in_thread(&self, room: RoomId, f: impl FnOnce(&mut ThreadView)) {
        if self
            .thread
            .with_untracked(|t| t.as_ref().is_some_and(|v| v.in_room(room)))
        {
            self.thread.update(|t| {
                if let Some(v) = t.as_mut() {
                    f(v);
                }
            });
        }
    }

    /// Whether `m` is a reply by someone else in a thread we take part in:
    /// we wrote its first message, or replied in it (as far as this tab
    /// knows: the parent's repliers, and the replies it holds).
    fn follows_thread(&self, m: &ChatMessage, me: &str) -> bool {
        let Some(parent) = m.thread else {
            return false;
        };
        if m.author == me || me.is_empty() {
            return false;
        }
        let in_list = |t: &Timeline| {
            t.get(parent)
                .is_some_and(|p| p.author == me || p.participants.iter().any(|x| x == me))
                || t.messages()
                    .iter()
                    .any(|r| r.thread == Some(parent) && r.author == me)
        };
        self.timelines
            .with_untracked(|t| t.get(&m.room).is_some_and(in_list))
            || self.thread.with_untracked(|t| {
                t.as_ref()
                    .is_some_and(|v| v.parent == parent && in_list(&v.messages))
            })
    }

    /// A reply in a thread we follow: a desktop notification (when allowed),
    /// unless the thread is open in front of us.
    fn thread_news(&self, m: &ChatMessage) {
        let Some(parent) = m.thread else { return };
        let open = self.visible.get_untracked()
            && self
                .thread
                .with_untracked(|t| t.as_ref().is_some_and(|v| v.parent == parent));
        if !open {
            let lang = self.lang.get();
            let who = self.profiles.shown(&m.author);
            let title = td_string!(lang, chat.thread.news, who = who).to_string();
            browser::notify(&title, &m.body);
        }
    }

    // -----------------------------------------------------------------------
    // Pins
    // -----------------------------------------------------------------------

    /// Reads the room's pinned messages (when it opens, and again after a
    /// reconnect: `pinned` frames missed meanwhile are not replayed).
    pub fn load_pins(&self, room: RoomId) {
        let chat = *self;
        let changes = chat.pin_changes.get_value();
        leptos::task::spawn_local(async move {
            match http::pins(room).await {
                Ok(list) => {
                    chat.pins.update(|p| {
                        p.insert(room, list);
                    });
                    if chat.pin_changes.get_value() != changes {
                        chat.load_pins(room);
                    }
                }
                Err(e) => {
                    let error = error_text(chat.lang, &e);
                    chat.notice.set(Some(
                        td_string!(chat.lang.get(), chat.pins.could_not_load, error).to_string(),
                    ));
                }
            }
        });
    }

    fn on_pinned(&self, room: RoomId, id: MessageId, by: String, on: bool) {
        self.pin_changes.update_value(|n| *n += 1);
        if !self.pins.with_untracked(|p| p.contains_key(&room)) {
            return; // not shown: read when the room opens
        }
        if !on {
            self.drop_pin(room, id);
            return;
        }
        let held = self
            .timelines
            .with_untracked(|t| t.get(&room).and_then(|t| t.get(id).cloned()));
        match held {
            Some(message) => self.pins.update(|p| {
                let list = p.entry(room).or_default();
                list.retain(|x| x.message.id != id);
                list.insert(
                    0,
                    PinnedMessage {
                        message,
                        by,
                        at: browser::now(),
                    },
                );
            }),
            // Older than what this tab holds: read the list again.
            None => self.load_pins(room),
        }
    }

    /// Takes message `id` off `room`'s pinned list (unpinned or deleted).
    fn drop_pin(&self, room: RoomId, id: MessageId) {
        self.pin_changes.update_value(|n| *n += 1);
        self.pins.update(|p| {
            if let Some(list) = p.get_mut(&room) {
                list.retain(|x| x.message.id != id);
            }
        });
    }

    /// Pins (`on`) or unpins a message; the room's `pinned` frame shows it.
    pub fn pin(&self, id: MessageId, on: bool) -> bool {
        let frame = if on {
            ClientFrame::Pin { id }
        } else {
            ClientFrame::Unpin { id }
        };
        self.send_now(frame, Action::Pin)
    }

    /// Whether message `id` of `room` is pinned, as far as this tab knows.
    pub fn is_pinned(&self, room: RoomId, id: MessageId) -> bool {
        self.pins.with(|p| {
            p.get(&room)
                .is_some_and(|l| l.iter().any(|x| x.message.id == id))
        })
    }

    // -----------------------------------------------------------------------
    // Threads
    // -----------------------------------------------------------------------

    /// Opens the thread of message `parent` of `room` beside it: its first
    /// page of replies comes over HTTP, later ones live.
    pub fn open_thread(&self, room: RoomId, parent: MessageId) {
        if self
            .thread
            .with_untracked(|t| t.as_ref().is_some_and(|v| v.parent == parent))
        {
            return;
        }
        self.thread.set(Some(ThreadView::new(room, parent)));
        self.fetch_thread(room, parent, None);
    }

    pub fn close_thread(&self) {
        self.thread.set(None);
    }

    /// The open thread's replies before those loaded.
    pub fn load_older_replies(&self) {
        let Some((room, parent, oldest)) = self.thread.with_untracked(|t| {
            t.as_ref()
                .filter(|v| v.messages.older)
                .map(|v| (v.room, v.parent, v.oldest_reply()))
        }) else {
            return;
        };
        self.fetch_thread(room, parent, oldest);
    }

    fn fetch_thread(&self, room: RoomId, parent: MessageId, before: Option<MessageId>) {
        let chat = *self;
        leptos::task::spawn_local(async move {
            match http::thread(room, parent, before, OLDER_PAGE).await {
                Ok(page) => chat.thread.update(|t| {
                    if let Some(v) = t.as_mut().filter(|v| v.parent == parent) {
                        v.page(page.parent, page.messages, page.more);
                    }
                }),
                Err(e) => {
                    let error = error_text(chat.lang, &e);
                    chat.notice.set(Some(
                        td_string!(chat.lang.get(), chat.thread.could_not_load, error).to_string(),
                    ));
                    if before.is_none() {
                        chat.close_thread();
                    }
                }
            }
        });
    }

    fn on_typing(&self, room: RoomId, user: String) {
        if user == self.my_name() {
            return;
        }
        let until_ms = browser::now_ms() + TYPING_SHOWN_MS;
        self.typing.update(|t| {
            t.retain(|x| !(x.room == room && x.user == user));
            t.push(Typist {
                room,
                user,
                until_ms,
            });
        });
        let typing = self.typing;
        set_timeout(
            move || {
                let now = browser::now_ms();
                typing.try_update(|t| t.retain(|x| x.until_ms > now));
            },
            Duration::from_millis(TYPING_SHOWN_MS as u64 + 50),
        );
    }

    /// Someone removed us from `room`: the server no longer sends it. A
    /// private room or DM leaves the list too (we may not see it any more);
    /// the notice says why it went, and the page moves on to another room.
    fn on_removed(&self, room: RoomId, banned: bool) {
        self.on_left(room);
        let me = self.my_name();
        let gone = self.rooms.with_untracked(|r| {
            r.get(room)
                .map(|s| (s.title(&me), s.is_members_only(), s.is_dm()))
        });
        let Some((title, members_only, dm)) = gone else {
            return;
        };
        if members_only {
            self.rooms.update(|r| {
                r.remove(room);
            });
        }
        let shown = if dm { title } else { format!("#{title}") };
        let lang = self.lang.get();
        self.notice.set(Some(if banned {
            td_string!(lang, chat.notice.banned, room = shown).to_string()
        } else {
            td_string!(lang, chat.notice.removed, room = shown).to_string()
        }));
    }

    fn on_left(&self, room: RoomId) {
        self.rooms.update(|r| r.set_joined(room, false));
        self.timelines.update(|t| {
            t.remove(&room);
        });
        self.online.update(|o| {
            o.remove(&room);
        });
        self.outbox.update(|o| o.forget_room(room));
        self.read_sent.update_value(|r| {
            r.remove(&room);
        });
        self.joining.update_value(|j| {
            j.remove(&room);
        });
    }

    fn on_error(
        &self,
        code: ErrorCode,
        message: String,
        retry_after_ms: Option<u64>,
        client_id: Option<String>,
    ) {
        let Some(client_id) = client_id else {
            if let (ErrorCode::RateLimited, Some(ms)) = (code, retry_after_ms) {
                // Perhaps joins came too fast (a reconnect joins every room):
                // those not answered yet are sent again after the wait.
                let chat = *self;
                set_timeout(move || chat.rejoin_unanswered(), Duration::from_millis(ms));
            }
            self.notice
                .set(Some(refusal_text(self.lang, code, &message)));
            return;
        };
        match (code, retry_after_ms) {
            (ErrorCode::RateLimited, Some(ms)) => {
                // This message and every later one wait, then go in order.
                let until = browser::now_ms() + ms as f64;
                self.outbox.update(|o| o.slow_down(&client_id, until));
                let chat = *self;
                browser::after(Duration::from_millis(ms), move || {
                    let resumed = chat.outbox.try_update(|o| o.resume(browser::now_ms()));
                    if resumed.is_some() {
                        chat.send_queued();
                    }
                });
            }
            _ => {
                let message = refusal_text(self.lang, code, &message);
                self.outbox.update(|o| o.fail(&client_id, message));
                self.send_queued();
            }
        }
    }

    /// After a slow-down: the next queued message, once the previous one is
    /// answered (sent on the next `hello` when offline).
    fn send_queued(&self) {
        if let Some(Some(p)) = self.outbox.try_update(Outbox::next_to_send) {
            self.send_pending(p);
        }
    }

    /// Hands a pending message to the socket when connected; otherwise the
    /// next `hello` sends it (it stays in the outbox as being sent).
    fn send_pending(&self, p: Pending) {
        if self.connection.online() {
            self.connection.link.send(&p.frame());
        }
    }

    /// Joins again every room whose join was not answered.
    fn rejoin_unanswered(&self) {
        if !self.connection.online() {
            return; // the next `hello` joins them all
        }
        let rooms: Vec<RoomId> = self.joining.with_value(|j| j.keys().copied().collect());
        for room in rooms {
            self.subscribe(room);
        }
    }

    // -----------------------------------------------------------------------
    // What the user does
    // -----------------------------------------------------------------------

    /// Shows the message as pending at once; sends it now if connected (and
    /// not slowed down: then it waits its turn), else on the next `hello`.
    /// `files` are uploaded already (`state::attachments`); `reply` makes it
    /// a thread reply.
    pub fn send_message(
        &self,
        room: RoomId,
        body: MessageBody,
        files: Vec<FileInfo>,
        reply: Option<ThreadReply>,
    ) {
        let client_id = browser::new_client_id();
        let body = body.into_string();
        let sent = self
            .outbox
            .try_update(|o| {
                o.push(client_id, room, body, files, reply)
                    .then(|| o.newest().cloned())
                    .flatten()
            })
            .flatten();
        if let Some(p) = sent.filter(|_| self.connection.online()) {
            self.connection.link.send(&p.frame());
        }
    }

    /// Sends a refused message again (same `client_id`: the server stores it once).
    pub fn retry(&self, client_id: &str) {
        if let Some(Some(p)) = self.outbox.try_update(|o| o.retry(client_id)) {
            self.send_pending(p);
        }
    }

    pub fn discard(&self, client_id: &str) {
        self.outbox.update(|o| o.remove(client_id));
    }

    pub fn edit(&self, id: MessageId, body: MessageBody) -> bool {
        self.send_now(
            ClientFrame::Edit {
                id,
                body: body.into_string(),
            },
            Action::Edit,
        )
    }

    /// Adds (`on`) or takes back our reaction to a message; the room's
    /// `reaction` frame shows it. Returns false while offline.
    pub fn react(&self, id: MessageId, emoji: &str, on: bool) -> bool {
        let emoji = emoji.to_owned();
        let frame = if on {
            ClientFrame::React { id, emoji }
        } else {
            ClientFrame::Unreact { id, emoji }
        };
        self.send_now(frame, Action::React)
    }

    pub fn delete(&self, id: MessageId) -> bool {
        self.send_now(ClientFrame::Delete { id }, Action::Delete)
    }

    /// Joins a room from the browse list. It is listed as joined at once (the
    /// room opens with "Loading messages…"); its history follows.
    pub fn join(&self, room: RoomId) -> bool {
        let frame = ClientFrame::Join {
            room,
            since: None,
            changes_since: None,
        };
        self.joining_sent(&frame);
        let sent = self.send_now(frame, Action::Join);
        if sent {
            self.rooms.update(|r| r.set_joined(room, true));
        }
        sent
    }

    /// Leaves a room. It leaves the sidebar at once; the server's `left` confirms.
    pub fn leave(&self, room: RoomId) -> bool {
        let sent = self.send_now(ClientFrame::Leave { room }, Action::Leave);
        if sent {
            self.on_left(room);
        }
        sent
    }

    /// The unsent text of a room's composer (kept while you visit other rooms).
    pub fn draft(&self, room: RoomId) -> String {
        self.drafts
            .with_value(|d| d.get(&room).cloned())
            .unwrap_or_default()
    }

    pub fn set_draft(&self, room: RoomId, text: String) {
        self.drafts.update_value(|d| {
            if text.is_empty() {
                d.remove(&room);
            } else {
                d.insert(room, text);
            }
        });
    }

    /// A room's composer attachments: the same ones each time the room is
    /// opened, until its message goes.
    pub fn attachments(&self, room: RoomId) -> Attachments {
        if let Some(kept) = self.trays.with_value(|t| t.get(&room).copied()) {
            return kept;
        }
        let made = match self.owner.with_value(Clone::clone) {
            Some(owner) => owner.with(|| Attachments::new(None)),
            None => Attachments::new(None),
        };
        self.trays.update_value(|t| {
            t.insert(room, made);
        });
        made
    }

    /// A room we just created (and so joined): list it and subscribe to it.
    /// Finds or makes the DM with `user` and follows it; answers its room
    /// for the caller to open (`None` when the server refused).
    pub async fn open_dm_with(&self, user: crate::protocol::UserId) -> Option<RoomId> {
        let dm = http::open_dm(vec![user]).await.ok()?;
        let id = dm.id;
        self.created(dm);
        Some(id)
    }

    pub fn created(&self, room: RoomSummary) {
        let id = room.id;
        self.rooms.update(|r| r.upsert(room));
        self.follow(id);
    }

    /// Joins a room we are a member of unless this tab already follows it
    /// (its `room_created` and our own HTTP answer may both say so, in
    /// either order). Offline, the reconnect joins every joined room.
    fn follow(&self, room: RoomId) {
        let following = self.joining.with_value(|j| j.contains_key(&room))
            || self.timelines.with_untracked(|t| t.contains_key(&room));
        if !following && self.connection.online() {
            self.subscribe(room);
        }
    }

    /// The user typed in the composer: tell the room, at most every few seconds.
    pub fn typed(&self, room: RoomId) {
        let now = browser::now_ms();
        let due = self.typing_sent.with_value(|last| match last {
            Some((r, at)) => *r != room || now - at >= TYPING_EVERY_MS,
            None => true,
        });
        if due
            && self.connection.online()
            && self.connection.link.send(&ClientFrame::Typing { room })
        {
            self.typing_sent.set_value(Some((room, now)));
        }
    }

    /// If the user sees the newest message of `room`, clear its badge and move
    /// the server's read marker there (once per message id).
    pub fn mark_read(&self, room: RoomId) {
        if !self.is_viewing(room) {
            return;
        }
        if self
            .rooms
            .with_untracked(|r| r.get(room).is_some_and(|x| x.unread > 0))
        {
            self.rooms.update(|r| r.mark_read(room));
        }
        let Some(newest) = self
            .timelines
            .with_untracked(|t| t.get(&room).and_then(Timeline::newest))
        else {
            return;
        };
        let sent = self.read_sent.with_value(|r| r.get(&room).copied());
        if sent.is_none_or(|s| s < newest)
            && self.connection.online()
            && self
                .connection
                .link
                .send(&ClientFrame::Read { room, id: newest })
        {
            self.read_sent.update_value(|r| {
                r.insert(room, newest);
            });
        }
    }

    /// Shows message `id` of `room` (a search result): once the room is
    /// open (its list sets `focus`), fetches older pages until the message
    /// is loaded — at most [`REVEAL_PAGES`] of them — then has the list
    /// scroll to it and highlight it (`flash`). The timeline stays one
    /// unbroken stretch from the message to the newest, as every other road
    /// into it assumes.
    pub fn reveal(&self, room: RoomId, id: MessageId) {
        let chat = *self;
        leptos::task::spawn_local(async move {
            let lang = chat.lang.get();
            for _ in 0..=REVEAL_PAGES {
                let (here, older, oldest) = chat.timelines.with_untracked(|t| {
                    t.get(&room)
                        .map(|t| (t.contains(id), t.older, t.oldest()))
                        .unwrap_or_default()
                });
                if here {
                    chat.flash.set(Some(id));
                    return;
                }
                // Loaded back past it: it was deleted since.
                let Some(oldest) = oldest.filter(|o| older && *o > id) else {
                    chat.notice
                        .set(Some(td_string!(lang, chat.notice.message_gone).to_string()));
                    return;
                };
                if !chat
                    .fetch_older(room, oldest, crate::protocol::MAX_PAGE)
                    .await
                {
                    return;
                }
            }
            chat.notice.set(Some(
                td_string!(lang, chat.notice.message_too_far).to_string(),
            ));
        });
    }

    /// Fetches the page of messages just before the oldest one we hold.
    pub fn load_older(&self, room: RoomId) {
        if self.loading_older.get_untracked() {
            return;
        }
        let (older, oldest) = self.timelines.with_untracked(|t| {
            t.get(&room)
                .map(|t| (t.older, t.oldest()))
                .unwrap_or((false, None))
        });
        let Some(oldest) = oldest.filter(|_| older) else {
            return;
        };
        self.loading_older.set(true);
        let chat = *self;
        leptos::task::spawn_local(async move {
            chat.fetch_older(room, oldest, OLDER_PAGE).await;
            chat.loading_older.set(false);
        });
    }

    /// Fetches up to `limit` messages of `room` just below `before` into its
    /// timeline; false (and a notice saying why) when that failed.
    async fn fetch_older(self, room: RoomId, before: MessageId, limit: usize) -> bool {
        match http::messages(room, Some(before), limit).await {
            Ok(page) => {
                self.timelines.update(|t| {
                    let t = t.entry(room).or_default();
                    t.merge(page.messages);
                    t.older = page.more;
                });
                true
            }
            Err(e) => {
                let error = error_text(self.lang, &e);
                self.notice.set(Some(
                    td_string!(self.lang.get(), chat.notice.could_not_load_older, error)
                        .to_string(),
                ));
                false
            }
        }
    }
}

impl Default for Chat {
    fn default() -> Self {
        Chat::new()
    }
}

impl crate::client::socket::Session for Chat {
    type Frame = ServerFrame;

    fn connection(&self) -> Connection {
        self.connection
    }

    fn on_frame(&self, frame: ServerFrame, first: bool) -> bool {
        if let ServerFrame::Hello { user } = frame {
            self.on_hello(user, first);
            true
        } else {
            self.apply(frame);
            false
        }
    }

    async fn signed_out(&self) -> bool {
        crate::client::http::me()
            .await
            .is_err_and(|e| e.is_unauthorized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Role, UserId};
    use chrono::DateTime;

    fn message(room: i64, id: i64, author: &str, client_id: Option<&str>) -> ChatMessage {
        ChatMessage {
            room: RoomId(room),
            id: MessageId(id),
            author: author.into(),
            body: format!("body {id}"),
            sent_at: DateTime::from_timestamp(id, 0).unwrap(),
            edited_at: None,
            client_id: client_id.map(str::to_owned),
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    fn summary(id: i64, last: Option<i64>) -> RoomSummary {
        RoomSummary {
            id: RoomId(id),
            name: format!("room{id}"),
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            joined: true,
            unread: 0,
            mentions: 0,
            last_message_id: last.map(MessageId),
            visibility: Default::default(),
            kind: Default::default(),
            role: None,
            members: Vec::new(),
            topic: String::new(),
            archived: false,
            muted_until: None,
        }
    }

    /// A chat for "ann", in room 1 with room 2 also joined, inside a reactive owner.
    fn with_chat(test: impl FnOnce(Chat)) {
        Owner::new().with(|| {
            let chat = Chat::new();
            chat.me.set(Some(User {
                id: UserId(1),
                username: "ann".into(),
                role: Role::Member,
                active: true,
            }));
            chat.rooms
                .update(|r| r.replace(vec![summary(1, None), summary(2, None)]));
            chat.active.set(Some(RoomId(1)));
            test(chat);
        });
    }

    fn shown_ids(chat: Chat, room: i64) -> Vec<i64> {
        chat.timelines.with_untracked(|t| {
            t.get(&RoomId(room))
                .map(|t| t.messages().iter().map(|m| m.id.0).collect())
                .unwrap_or_default()
        })
    }

    fn pending_count(chat: Chat, room: i64) -> usize {
        chat.outbox.with_untracked(|o| {
            o.for_room(RoomId(room), |id| {
                chat.timelines
                    .with_untracked(|t| t.get(&RoomId(room)).is_some_and(|t| t.contains(id)))
            })
            .len()
        })
    }

    fn send(chat: Chat, text: &str) -> String {
        chat.send_message(
            RoomId(1),
            MessageBody::parse(text).unwrap(),
            Vec::new(),
            None,
        );
        chat.outbox
            .with_untracked(|o| o.unacked().last().unwrap().client_id.clone())
    }

    #[test]
    fn removal_from_a_private_room_drops_it_and_says_why() {
        with_chat(|chat| {
            let mut private = summary(3, None);
            private.name = "secret".into();
            private.visibility = crate::protocol::Visibility::Private;
            private.role = Some(crate::protocol::RoomRole::Member);
            chat.rooms.update(|r| r.upsert(private));
            chat.apply(ServerFrame::MemberRole {
                room: RoomId(3),
                user: UserId(1),
                role: crate::protocol::RoomRole::Moderator,
            });
            assert_eq!(
                chat.rooms
                    .with_untracked(|r| r.get(RoomId(3)).and_then(|x| x.role)),
                Some(crate::protocol::RoomRole::Moderator)
            );
            chat.apply(ServerFrame::MemberRemoved {
                room: RoomId(3),
                banned: false,
            });
            assert!(chat.rooms.with_untracked(|r| r.get(RoomId(3)).is_none()));
            assert_eq!(
                chat.notice.get_untracked().as_deref(),
                Some("You were removed from #secret.")
            );
            // A public room stays listed (it can be browsed, and joined
            // again unless banned).
            chat.apply(ServerFrame::MemberRemoved {
                room: RoomId(2),
                banned: true,
            });
            assert!(chat
                .rooms
                .with_untracked(|r| !r.is_joined(RoomId(2)) && r.get(RoomId(2)).is_some()));
            assert_eq!(
                chat.notice.get_untracked().as_deref(),
                Some("You were banned from #room2.")
            );
            // Settings and mutes reach the list.
            chat.apply(ServerFrame::RoomUpdated(crate::protocol::RoomSettings {
                room: RoomId(1),
                name: "lobby".into(),
                topic: "Say hello".into(),
                archived: true,
            }));
            let until = DateTime::from_timestamp(4_000_000_000, 0).unwrap();
            chat.apply(ServerFrame::Muted {
                room: RoomId(1),
                until: Some(until),
            });
            let lobby = chat
                .rooms
                .with_untracked(|r| r.get(RoomId(1)).cloned())
                .unwrap();
            assert_eq!(
                (
                    lobby.name.as_str(),
                    lobby.topic.as_str(),
                    lobby.archived,
                    lobby.muted_until
                ),
                ("lobby", "Say hello", true, Some(until))
            );
        });
    }

    #[test]
    fn a_dm_is_called_by_its_other_people() {
        let mut dm = summary(4, None);
        dm.kind = crate::protocol::RoomKind::Dm;
        dm.name = "ann, bob, cy".into();
        dm.members = vec!["ann".into(), "bob".into(), "cy".into()];
        assert_eq!(dm.title("ann"), "bob, cy");
        assert_eq!(dm.title("Bob"), "ann, cy");
        dm.members = vec!["ann".into()];
        assert_eq!(dm.title("ann"), "ann");
        assert_eq!(summary(5, None).title("ann"), "room5");
    }

    #[test]
    fn a_sent_message_shows_once_whether_the_echo_or_the_ack_comes_first() {
        with_chat(|chat| {
            let first = send(chat, "one");
            assert_eq!(pending_count(chat, 1), 1);
            chat.apply(ServerFrame::Message(message(1, 10, "ann", Some(&first))));
            chat.apply(ServerFrame::Ack {
                client_id: first,
                id: MessageId(10),
                room: RoomId(1),
            });
            assert_eq!((shown_ids(chat, 1), pending_count(chat, 1)), (vec![10], 0));

            let second = send(chat, "two");
            chat.apply(ServerFrame::Ack {
                client_id: second.clone(),
                id: MessageId(11),
                room: RoomId(1),
            });
            // Acked but not yet here: still shown (as sent), not sent again.
            assert_eq!(pending_count(chat, 1), 1);
            assert!(chat.outbox.with_untracked(|o| o.unacked().is_empty()));
            chat.apply(ServerFrame::Message(message(1, 11, "ann", Some(&second))));
            assert_eq!(
                (shown_ids(chat, 1), pending_count(chat, 1)),
                (vec![10, 11], 0)
            );
        });
    }

    #[test]
    fn replays_after_a_reconnect_add_only_what_was_missed() {
        with_chat(|chat| {
            chat.apply(ServerFrame::History {
                room: RoomId(2),
                messages: vec![message(2, 1, "bob", None), message(2, 2, "bob", None)],
                more: false,
                changes: ChangeId(0),
                reset: false,
                partial: false,
            });
            chat.apply(ServerFrame::Message(message(2, 3, "bob", None)));
            // The reconnect's `join {since: 2}` overlaps what we saw live.
            chat.apply(ServerFrame::History {
                room: RoomId(2),
                messages: vec![message(2, 3, "bob", None), message(2, 4, "bob", None)],
                more: false,
                changes: ChangeId(0),
                reset: false,
                partial: false,
            });
            assert_eq!(shown_ids(chat, 2), vec![1, 2, 3, 4]);
            // Room 2 is not on screen: each new message counted once.
            let unread = chat
                .rooms
                .with_untracked(|r| r.get(RoomId(2)).unwrap().unread);
            assert_eq!(unread, 4);
            // Room 1 is on screen: nothing to count.
            chat.apply(ServerFrame::Message(message(1, 5, "bob", None)));
            assert_eq!(
                chat.rooms
                    .with_untracked(|r| r.get(RoomId(1)).unwrap().unread),
                0
            );
        });
    }

    #[test]
    fn edits_deletes_presence_and_leaving() {
        with_chat(|chat| {
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: vec![message(1, 1, "bob", None), message(1, 2, "bob", None)],
                more: false,
                changes: ChangeId(0),
                reset: false,
                partial: false,
            });
            chat.apply(ServerFrame::Edited {
                room: RoomId(1),
                id: MessageId(1),
                body: "changed".into(),
                edited_at: DateTime::from_timestamp(99, 0).unwrap(),
                change: ChangeId(1),
            });
            chat.apply(ServerFrame::Deleted {
                room: RoomId(1),
                id: MessageId(2),
                change: ChangeId(2),
            });
            let body = chat
                .timelines
                .with_untracked(|t| t[&RoomId(1)].get(MessageId(1)).map(|m| m.body.clone()));
            assert_eq!(body.as_deref(), Some("changed"));
            assert_eq!(shown_ids(chat, 1), vec![1]);

            chat.apply(ServerFrame::Presence {
                room: RoomId(1),
                online: vec!["ann".into(), "bob".into()],
            });
            chat.apply(ServerFrame::PresenceChanged {
                room: RoomId(1),
                user: "bob".into(),
                online: false,
            });
            let online: Vec<String> = chat
                .online
                .with_untracked(|o| o[&RoomId(1)].iter().cloned().collect());
            assert_eq!(online, vec!["ann"]);

            send(chat, "unsent");
            chat.apply(ServerFrame::Left { room: RoomId(1) });
            assert!(!chat.rooms.with_untracked(|r| r.is_joined(RoomId(1))));
            assert!(chat.outbox.with_untracked(|o| o.unacked().is_empty()));
            assert!(shown_ids(chat, 1).is_empty());
        });
    }

    fn body(chat: Chat, room: i64, id: i64) -> Option<String> {
        chat.timelines.with_untracked(|t| {
            t.get(&RoomId(room))
                .and_then(|t| t.get(MessageId(id)))
                .map(|m| m.body.clone())
        })
    }

    fn resume(chat: Chat, room: i64) -> (Option<i64>, Option<i64>) {
        match chat.resume_frame(RoomId(room)) {
            ClientFrame::Join {
                since,
                changes_since,
                ..
            } => (since.map(|s| s.0), changes_since.map(|c| c.0)),
            other => panic!("expected a join, got {other:?}"),
        }
    }

    fn edited(room: i64, id: i64, body: &str, at: i64, change: i64) -> ServerFrame {
        ServerFrame::Edited {
            room: RoomId(room),
            id: MessageId(id),
            body: body.into(),
            edited_at: DateTime::from_timestamp(at, 0).unwrap(),
            change: ChangeId(change),
        }
    }

    #[test]
    fn a_resume_asks_for_the_changes_after_the_last_one_held_without_gaps() {
        with_chat(|chat| {
            // Nothing held: a plain join.
            assert_eq!(resume(chat, 1), (None, None));
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: (1..=3).map(|id| message(1, id, "bob", None)).collect(),
                more: false,
                changes: ChangeId(4),
                reset: false,
                partial: false,
            });
            assert_eq!(resume(chat, 1), (Some(3), Some(4)));
            // Live changes 6 then 5 (two editors raced): the cursor moves once
            // both are here, not at 6 alone.
            chat.apply(edited(1, 1, "six", 60, 6));
            assert_eq!(resume(chat, 1), (Some(3), Some(4)));
            chat.apply(edited(1, 2, "five", 50, 5));
            chat.apply(ServerFrame::Deleted {
                room: RoomId(1),
                id: MessageId(3),
                change: ChangeId(7),
            });
            assert_eq!(resume(chat, 1), (Some(2), Some(7)));
            // The resume's replay (the current state of what changed) and its
            // history, which says every change up to 9 is in.
            chat.apply(edited(1, 1, "nine", 90, 9));
            assert_eq!(resume(chat, 1), (Some(2), Some(7)));
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: vec![],
                more: false,
                changes: ChangeId(9),
                reset: false,
                partial: false,
            });
            assert_eq!(resume(chat, 1), (Some(2), Some(9)));
            assert_eq!(body(chat, 1, 1).as_deref(), Some("nine"));
            assert_eq!(body(chat, 1, 2).as_deref(), Some("five"));
            assert_eq!(shown_ids(chat, 1), vec![1, 2]);
        });
    }

    #[test]
    fn replayed_changes_apply_once_however_often_they_come() {
        with_chat(|chat| {
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: (1..=3).map(|id| message(1, id, "bob", None)).collect(),
                more: false,
                changes: ChangeId(0),
                reset: false,
                partial: false,
            });
            for _ in 0..2 {
                chat.apply(edited(1, 1, "new", 100, 1));
                chat.apply(ServerFrame::Deleted {
                    room: RoomId(1),
                    id: MessageId(2),
                    change: ChangeId(2),
                });
                // A change to a message we never loaded (older than our pages).
                chat.apply(ServerFrame::Deleted {
                    room: RoomId(1),
                    id: MessageId(-5),
                    change: ChangeId(3),
                });
            }
            // A stale copy (an overlapping replay of messages) changes nothing.
            chat.apply(ServerFrame::Message(message(1, 1, "bob", None)));
            chat.apply(ServerFrame::Message(message(1, 2, "bob", None)));
            assert_eq!(shown_ids(chat, 1), vec![1, 3]);
            assert_eq!(body(chat, 1, 1).as_deref(), Some("new"));
            assert_eq!(resume(chat, 1), (Some(3), Some(3)));
            // Nothing counted as unread twice: edits and deletes are not news.
            assert_eq!(
                chat.rooms
                    .with_untracked(|r| r.get(RoomId(1)).unwrap().unread),
                0
            );
        });
    }

    #[test]
    fn a_reset_history_replaces_the_room_and_resumes_from_it() {
        with_chat(|chat| {
            chat.active.set(Some(RoomId(2)));
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: (1..=3).map(|id| message(1, id, "bob", None)).collect(),
                more: false,
                changes: ChangeId(2),
                reset: false,
                partial: false,
            });
            let unread = || {
                chat.rooms
                    .with_untracked(|r| r.get(RoomId(1)).unwrap().unread)
            };
            let before = unread();
            // Too many changes to replay: the server sent the newest messages
            // instead, with `more` meaning "older pages exist".
            chat.apply(ServerFrame::History {
                room: RoomId(1),
                messages: vec![message(1, 3, "bob", None), message(1, 4, "bob", None)],
                more: true,
                changes: ChangeId(900),
                reset: true,
                partial: false,
            });
            assert_eq!(shown_ids(chat, 1), vec![3, 4]);
            assert!(chat.timelines.with_untracked(|t| t[&RoomId(1)].older));
            // Only message 4 is news.
            assert_eq!(unread(), before + 1);
            assert_eq!(resume(chat, 1), (Some(4), Some(900)));
        });
    }

    /// Issue 11.1: a rate-limit refusal holds that message and every later
    /// one, instead of retrying each on its own timer (which reordered them).
    #[test]
    fn a_slowed_down_send_holds_the_messages_after_it() {
        use crate::state::outbox::PendingStatus;
        with_chat(|chat| {
            let first = send(chat, "one");
            let second = send(chat, "two");
            chat.apply(ServerFrame::Error(ErrorFrame {
                code: ErrorCode::RateLimited,
                message: "slow down".into(),
                retry_after_ms: Some(3_000),
                client_id: Some(first.clone()),
            }));
            chat.send_message(
                RoomId(1),
                MessageBody::parse("three").unwrap(),
                Vec::new(),
                None,
            );
            let status = |id: &str| {
                chat.outbox
                    .with_untracked(|o| o.get(id).map(|p| p.status.clone()))
            };
            assert_eq!(status(&first), Some(PendingStatus::Queued));
            // "two" was already on its way; it gets its own answer.
            assert_eq!(status(&second), Some(PendingStatus::Sending));
            let queued = chat.outbox.with_untracked(|o| {
                o.for_room(RoomId(1), |_| false)
                    .into_iter()
                    .filter(|p| p.status == PendingStatus::Queued)
                    .map(|p| p.body)
                    .collect::<Vec<_>>()
            });
            assert_eq!(queued, vec!["one", "three"]);
            assert!(chat.outbox.with_untracked(|o| o.slowed_until().is_some()));
        });
    }

    #[test]
    fn refused_sends_keep_the_servers_reason() {
        with_chat(|chat| {
            let id = send(chat, "too much");
            chat.apply(ServerFrame::Error(ErrorFrame {
                code: ErrorCode::Invalid,
                message: "body: must not be empty".into(),
                retry_after_ms: None,
                client_id: Some(id.clone()),
            }));
            let status = chat
                .outbox
                .with_untracked(|o| o.get(&id).map(|p| p.status.clone()));
            assert_eq!(
                status,
                Some(crate::state::outbox::PendingStatus::Failed {
                    message: "body: must not be empty".into(),
                })
            );
            // An error for no message in particular goes to the banner.
            chat.apply(ServerFrame::Error(ErrorFrame {
                code: ErrorCode::NotFound,
                message: "no such room".into(),
                retry_after_ms: None,
                client_id: None,
            }));
            assert_eq!(chat.notice.get_untracked().as_deref(), Some("no such room"));
        });
    }
}
