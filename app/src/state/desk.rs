//! The support console's state: the desk's conversation lists and agents, the
//! open conversation (its history, status, assignee and visitor details), the
//! agent's unacknowledged sends, and the agent's chosen availability.
//!
//! [`Lists`] and [`Thread`] are plain data with the rules that need care
//! (which rows each tab shows and in what order, dedupe of a history that
//! arrives by HTTP, replay and live frames) and their tests. [`Desk`] wraps them
//! in signals, turns `support.*` frames into changes and the agent's actions
//! into frames. The socket loop is the shared one ([`crate::client::socket`]).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::client::{browser, http, socket::Connection};
use crate::i18n::*;
use crate::language::{error_text, refusal_text, Lang};
use crate::protocol::{
    AgentRef, AgentStatus, AuthorKind, Availability, CannedReply, ClientFrame, ConversationDetail,
    ConversationId, ConversationRow, ConversationStatus, ErrorFrame, FileInfo, Role, ServerFrame,
    SupportAck, SupportAssigned, SupportHistory, SupportMessage, SupportMessageId, SupportReceipt,
    SupportStatus, SupportTyping, User, UserId,
};
use crate::state::announcements::{Announcements, Reader};
use crate::state::attachments::file_ids;
use crate::state::profiles::Profiles;
use crate::state::LinkState;

/// Where the console remembers the agent's chosen availability.
const AVAILABILITY_KEY: &str = "switchboard.console.availability";
/// "alice's conversation" at the start of a sentence.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Resolved conversations loaded per page in the Resolved tab.
const RESOLVED_PAGE: usize = 50;
/// How long "X is typing…" stays after the last typing frame.
const TYPING_SHOWN_MS: f64 = 4_000.0;
/// Least time between two typing frames we send.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// The console's list tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// Unassigned and not resolved, oldest first.
    Queue,
    /// Assigned to me and not resolved, oldest first.
    Mine,
    /// Everything this console knows of (admins), newest activity first.
    All,
    /// Resolved, newest first: loaded over HTTP a page at a time (an agent's
    /// own; admins see all), then kept current by row frames.
    Resolved,
}

impl Tab {
    /// The tab's English name. The list shows it in the UI's language
    /// (`console.tabs.*`, in `console_list`).
    pub fn label(self) -> &'static str {
        match self {
            Tab::Queue => "Unassigned",
            Tab::Mine => "Mine",
            Tab::All => "All",
            Tab::Resolved => "Resolved",
        }
    }
}

/// The desk's conversation rows and agents, keyed by id: a snapshot replaces
/// them, a row frame upserts one (so a change racing the snapshot is harmless).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lists {
    pub rows: HashMap<ConversationId, ConversationRow>,
    pub agents: BTreeMap<UserId, AgentStatus>,
}

impl Lists {
    /// A `support.desk` snapshot: it holds every conversation that is not
    /// resolved, so it replaces those; resolved rows loaded page by page stay.
    pub fn replace(&mut self, rows: Vec<ConversationRow>, agents: Vec<AgentStatus>) {
        self.rows
            .retain(|_, r| r.status == ConversationStatus::Resolved);
        self.rows.extend(rows.into_iter().map(|r| (r.id, r)));
        self.agents = agents.into_iter().map(|a| (a.id, a)).collect();
    }

    /// Upserts a row; returns the row it replaced.
    pub fn upsert(&mut self, row: ConversationRow) -> Option<ConversationRow> {
        self.rows.insert(row.id, row)
    }

    pub fn in_tab(row: &ConversationRow, tab: Tab, me: UserId) -> bool {
        let open = row.status != ConversationStatus::Resolved;
        match tab {
            Tab::Queue => open && row.assignee.is_none(),
            Tab::Mine => open && row.assignee.as_ref().is_some_and(|a| a.id == me),
            Tab::All => true,
            Tab::Resolved => !open,
        }
    }

    /// The rows a tab shows, in its order.
    pub fn tab(&self, tab: Tab, me: UserId) -> Vec<ConversationRow> {
        let mut rows: Vec<ConversationRow> = self
            .rows
            .values()
            .filter(|r| Lists::in_tab(r, tab, me))
            .cloned()
            .collect();
        match tab {
            Tab::Queue | Tab::Mine => rows.sort_by_key(|r| (r.created_at, r.id)),
            Tab::All => rows.sort_by_key(|r| std::cmp::Reverse((r.updated_at, r.id))),
            // By id, as the pages are cut, so "older" continues the list.
            Tab::Resolved => rows.sort_by_key(|r| std::cmp::Reverse(r.id)),
        }
        rows
    }

    /// Conversations that want an answer from me: the queue and mine, with
    /// unread visitor messages. The tab title's count.
    pub fn attention(&self, me: UserId) -> usize {
        self.rows
            .values()
            .filter(|r| r.unread > 0)
            .filter(|r| Lists::in_tab(r, Tab::Queue, me) || Lists::in_tab(r, Tab::Mine, me))
            .count()
    }

    /// Whether a row change is news for me: a new conversation in the queue or
    /// mine, or more unread visitor messages in one.
    pub fn is_news(old: Option<&ConversationRow>, new: &ConversationRow, me: UserId) -> bool {
        let mine_or_queue = Lists::in_tab(new, Tab::Queue, me) || Lists::in_tab(new, Tab::Mine, me);
        mine_or_queue
            && match old {
                None => true,
                Some(old) => new.unread > old.unread,
            }
    }
}

/// One open conversation's messages, in id order, each once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thread {
    messages: BTreeMap<SupportMessageId, SupportMessage>,
}

impl Thread {
    pub fn merge(&mut self, messages: impl IntoIterator<Item = SupportMessage>) {
        for m in messages {
            self.messages.insert(m.id, m);
        }
    }

    pub fn newest(&self) -> Option<SupportMessageId> {
        self.messages.keys().next_back().copied()
    }

    pub fn messages(&self) -> impl Iterator<Item = &SupportMessage> {
        self.messages.values()
    }

    pub fn contains_client_id(&self, client_id: &str) -> bool {
        self.messages
            .values()
            .any(|m| m.client_id.as_deref() == Some(client_id))
    }
}

/// A reply or note the server has not acknowledged yet: shown greyed, resent
/// with the same `client_id` after a reconnect (the server stores it once).
#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub client_id: String,
    pub conversation: ConversationId,
    pub body: String,
    pub private: bool,
    /// A reply's attachments (notes carry none), sent again with it.
    pub files: Vec<FileInfo>,
}

impl Pending {
    fn frame(&self) -> ClientFrame {
        if self.private {
            ClientFrame::SupportNote {
                conversation: self.conversation,
                body: self.body.clone(),
                client_id: self.client_id.clone(),
                files: file_ids(&self.files),
            }
        } else {
            ClientFrame::SupportSend {
                conversation: self.conversation,
                body: self.body.clone(),
                client_id: self.client_id.clone(),
                files: file_ids(&self.files),
            }
        }
    }
}

/// Formats a wait: "45s", "3m 05s", "2h 10m", "3d 4h".
pub fn waited(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    waited_in(Locale::en, since, now)
}

/// A wait in a language: "3m 05s" in English, "3分05秒" in Chinese.
pub fn waited_in(locale: Locale, since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - since).num_seconds().max(0);
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        td_string!(locale, console.wait.days_hours, d, h).to_string()
    } else if h > 0 {
        let m = format!("{m:02}");
        td_string!(locale, console.wait.hours_minutes, h, m).to_string()
    } else if m > 0 {
        let s = format!("{s:02}");
        td_string!(locale, console.wait.minutes_seconds, m, s).to_string()
    } else {
        td_string!(locale, console.wait.seconds, s).to_string()
    }
}

/// The canned replies a composer text starting with `/` asks for: those whose
/// title (the shortcut) starts with what follows the slash, then those that
/// contain it; `None` when the text is not a `/` command.
pub fn matching_canned(list: &[CannedReply], typed: &str) -> Option<Vec<CannedReply>> {
    let query = typed.strip_prefix('/')?;
    if query.contains(char::is_whitespace) {
        return None;
    }
    let query = query.to_lowercase();
    let title = |c: &CannedReply| c.title.to_lowercase();
    let mut found: Vec<CannedReply> = list
        .iter()
        .filter(|c| title(c).starts_with(&query))
        .cloned()
        .collect();
    found.extend(
        list.iter()
            .filter(|c| !title(c).starts_with(&query) && title(c).contains(&query))
            .cloned(),
    );
    Some(found)
}

/// The console's reactive state, provided by the console page.
#[derive(Clone, Copy)]
pub struct Desk {
    /// Who we are, from `GET /api/me` and each `hello`.
    pub me: RwSignal<Option<User>>,
    pub lists: RwSignal<Lists>,
    /// The first `support.desk` snapshot arrived.
    pub loaded: RwSignal<bool>,
    pub tab: RwSignal<Tab>,
    /// The last page of resolved conversations was full: older ones may exist.
    pub resolved_more: RwSignal<bool>,
    /// A page of resolved conversations is on its way.
    pub resolved_loading: RwSignal<bool>,
    /// The conversation in the pane (from the URL).
    pub open: RwSignal<Option<ConversationId>>,
    /// The open conversation's messages.
    pub thread: RwSignal<Thread>,
    /// The open conversation's status and assignee, from `support.history`,
    /// `support.status` and `support.assigned` (or its row, before those).
    pub status: RwSignal<Option<ConversationStatus>>,
    pub assignee: RwSignal<Option<AgentRef>>,
    /// The HTTP detail of the open conversation (visitor info, previous ones).
    pub detail: RwSignal<Option<ConversationDetail>>,
    pub outbox: RwSignal<Vec<Pending>>,
    /// Who is typing in the open conversation, until when.
    pub typing: RwSignal<Option<(ConversationId, String, f64)>>,
    /// How far the open conversation's visitor has read (read receipts).
    pub visitor_read: RwSignal<Option<SupportMessageId>>,
    /// The newest message we said we read, and where.
    read_sent: StoredValue<Option<(ConversationId, SupportMessageId)>>,
    /// The availability this agent chose (remembered across reloads).
    pub availability: RwSignal<Availability>,
    pub canned: RwSignal<Vec<CannedReply>>,
    pub connection: Connection,
    /// Announcements pushed to this page's audience.
    pub announcements: Announcements,
    /// Agents' display names and pictures, by login name.
    pub profiles: Profiles,
    /// A problem to show in the banner.
    pub notice: RwSignal<Option<String>>,
    /// The tab is in front of the user.
    pub visible: RwSignal<bool>,
    /// The UI's language, for notices and notification titles.
    pub lang: Lang,
    typing_sent: StoredValue<Option<(ConversationId, f64)>>,
}

impl Desk {
    pub fn new() -> Self {
        let connection = Connection::new();
        Desk {
            me: RwSignal::new(None),
            lists: RwSignal::new(Lists::default()),
            loaded: RwSignal::new(false),
            tab: RwSignal::new(Tab::Mine),
            resolved_more: RwSignal::new(false),
            resolved_loading: RwSignal::new(false),
            open: RwSignal::new(None),
            thread: RwSignal::new(Thread::default()),
            status: RwSignal::new(None),
            assignee: RwSignal::new(None),
            detail: RwSignal::new(None),
            outbox: RwSignal::new(Vec::new()),
            typing: RwSignal::new(None),
            visitor_read: RwSignal::new(None),
            read_sent: StoredValue::new(None),
            availability: RwSignal::new(Availability::Offline),
            canned: RwSignal::new(Vec::new()),
            connection,
            announcements: Announcements::new(connection, Reader::Account),
            profiles: Profiles::new(),
            notice: RwSignal::new(None),
            visible: RwSignal::new(true),
            lang: Lang::here(),
            typing_sent: StoredValue::new(None),
        }
    }

    pub fn my_id(&self) -> UserId {
        self.me
            .with_untracked(|m| m.as_ref().map(|u| u.id))
            .unwrap_or(UserId(0))
    }

    /// Loads a page of resolved conversations into the lists: the newest
    /// (each time the tab is opened, as some may have been resolved while we
    /// were away), or the page below the oldest one shown.
    pub fn load_resolved(&self, older: bool) {
        if self.resolved_loading.get_untracked() {
            return;
        }
        let before = older.then(|| {
            self.lists.with_untracked(|l| {
                l.rows
                    .values()
                    .filter(|r| r.status == ConversationStatus::Resolved)
                    .map(|r| r.id)
                    .min()
            })
        });
        self.resolved_loading.set(true);
        let desk = *self;
        leptos::task::spawn_local(async move {
            match http::resolved_conversations(before.flatten(), RESOLVED_PAGE).await {
                Ok(rows) => {
                    desk.resolved_more.set(rows.len() == RESOLVED_PAGE);
                    desk.lists.update(|l| {
                        for row in rows {
                            l.upsert(row);
                        }
                    });
                }
                Err(e) => {
                    let error = error_text(desk.lang, &e);
                    desk.notice.set(Some(
                        td_string!(
                            desk.lang.get(),
                            console.notice.could_not_load_resolved,
                            error
                        )
                        .to_string(),
                    ))
                }
            }
            desk.resolved_loading.set(false);
        });
    }

    /// Who the open conversation went to, when it is no longer ours to
    /// answer: assigned to another agent and we are not an admin (the rule of
    /// the server's `access::may_see`). Its pane then reads but cannot reply.
    pub fn handed_to(&self) -> Option<AgentRef> {
        if self.is_admin() {
            return None;
        }
        let me = self.me.with(|m| m.as_ref().map(|u| u.id))?;
        self.assignee.get().filter(|a| a.id != me)
    }

    pub fn is_admin(&self) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|u| u.role == Role::Admin))
    }

    // -----------------------------------------------------------------------
    // The connection
    // -----------------------------------------------------------------------

    pub fn connect(&self) {
        self.availability.set(stored_availability());
        self.connection.start(*self);
        let desk = *self;
        leptos::task::spawn_local(async move {
            if let Ok(list) = http::support_canned().await {
                desk.canned.set(list);
            }
        });
    }

    /// Every (re)connection: subscribe to the desk (its snapshot replaces the
    /// lists), restore the chosen availability, resume the open pane after the
    /// newest message we hold, and resend what was never acknowledged.
    fn on_hello(&self, user: User) {
        self.me.set(Some(user));
        self.connection.state.set(LinkState::Online);
        self.connection.link.send(&ClientFrame::SupportSubscribe {});
        let status = self.availability.get_untracked();
        if status != Availability::Offline {
            self.connection
                .link
                .send(&ClientFrame::SupportAvailability { status });
        }
        if let Some(conversation) = self.open.get_untracked() {
            let since = self.thread.with_untracked(Thread::newest);
            self.connection.link.send(&ClientFrame::SupportJoin {
                conversation,
                since,
            });
        }
        for pending in self.outbox.get_untracked() {
            self.connection.link.send(&pending.frame());
        }
    }

    // -----------------------------------------------------------------------
    // Frames from the server
    // -----------------------------------------------------------------------

    /// Tells the server the open conversation is read up to its newest
    /// message, while the tab is in front (once per message).
    fn mark_read(&self, conversation: ConversationId) {
        if !self.visible.get_untracked() {
            return;
        }
        let Some(newest) = self.thread.with_untracked(Thread::newest) else {
            return;
        };
        if self.read_sent.get_value() == Some((conversation, newest)) {
            return;
        }
        self.read_sent.set_value(Some((conversation, newest)));
        self.connection.link.send(&ClientFrame::SupportRead {
            conversation,
            id: newest,
        });
    }

    pub fn apply(&self, frame: ServerFrame) {
        let open = self.open.get_untracked();
        match frame {
            ServerFrame::Hello { user } => self.on_hello(user),
            ServerFrame::SupportDesk {
                conversations,
                agents,
            } => {
                self.lists.update(|l| l.replace(conversations, agents));
                self.loaded.set(true);
            }
            ServerFrame::SupportConversation(row) => {
                let me = self.my_id();
                let id = row.id;
                let name = row.visitor_name.clone().unwrap_or_else(|| {
                    td_string!(self.lang.get(), console.notice.visitor).to_string()
                });
                let preview = row.last_message.clone().unwrap_or_default();
                let (news, is_new) = self
                    .lists
                    .try_update(|l| {
                        let old = l.upsert(row.clone());
                        (Lists::is_news(old.as_ref(), &row, me), old.is_none())
                    })
                    .unwrap_or((false, false));
                if open == Some(id) {
                    self.status.set(Some(row.status));
                    self.assignee.set(row.assignee.clone());
                }
                let looking = open == Some(id) && self.visible.get_untracked();
                if news && !looking {
                    let locale = self.lang.get();
                    let title = if is_new {
                        td_string!(locale, console.notice.new_conversation_from, name).to_string()
                    } else {
                        td_string!(locale, console.notice.wrote, name).to_string()
                    };
                    browser::notify(&title, &preview);
                }
            }
            ServerFrame::SupportAgent(agent) => self.lists.update(|l| {
                l.agents.insert(agent.id, agent);
            }),
            ServerFrame::SupportAgentRemoved { id } => self.lists.update(|l| {
                l.agents.remove(&id);
            }),
            ServerFrame::SupportHistory(SupportHistory {
                conversation,
                status,
                assignee,
                messages,
                more,
                visitor_read,
                ..
            }) if open == Some(conversation) => {
                self.status.set(Some(status));
                self.assignee.set(assignee);
                self.visitor_read.set(visitor_read);
                self.settle(&messages);
                self.thread.update(|t| t.merge(messages));
                self.mark_read(conversation);
                if more {
                    let since = self.thread.with_untracked(Thread::newest);
                    self.connection.link.send(&ClientFrame::SupportJoin {
                        conversation,
                        since,
                    });
                }
            }
            ServerFrame::SupportMessage(m) if open == Some(m.conversation) => {
                self.typing.update(|t| {
                    if t.as_ref().is_some_and(|(_, who, _)| *who == m.author) {
                        *t = None;
                    }
                });
                let conversation = m.conversation;
                self.settle(std::slice::from_ref(&m));
                self.thread.update(|t| t.merge([m]));
                self.mark_read(conversation);
            }
            ServerFrame::SupportReceipt(SupportReceipt {
                conversation,
                by: AuthorKind::Visitor,
                id,
            }) if open == Some(conversation) => self.visitor_read.update(|r| {
                *r = Some(r.map_or(id, |at| at.max(id)));
            }),
            ServerFrame::SupportAck(SupportAck { client_id, .. }) => {
                // The echo came first (the server's order), so the message is
                // already in the thread; dropping the pending copy is all.
                self.outbox
                    .update(|o| o.retain(|p| p.client_id != client_id));
            }
            ServerFrame::SupportAssigned(SupportAssigned {
                conversation,
                agent,
            }) if open == Some(conversation) => self.assignee.set(agent),
            ServerFrame::SupportStatus(SupportStatus {
                conversation,
                status,
            }) if open == Some(conversation) => self.status.set(Some(status)),
            ServerFrame::SupportTyping(SupportTyping {
                conversation,
                who,
                kind,
            }) if open == Some(conversation) => {
                let mine = kind == AuthorKind::Agent
                    && self
                        .me
                        .with_untracked(|m| m.as_ref().is_some_and(|u| u.username == who));
                if !mine {
                    let until = browser::now_ms() + TYPING_SHOWN_MS;
                    self.typing.set(Some((conversation, who, until)));
                    let typing = self.typing;
                    set_timeout(
                        move || {
                            let now = browser::now_ms();
                            typing.try_update(|t| {
                                if t.as_ref().is_some_and(|(_, _, until)| *until <= now) {
                                    *t = None;
                                }
                            });
                        },
                        Duration::from_millis(TYPING_SHOWN_MS as u64 + 50),
                    );
                }
            }
            ServerFrame::SupportRerouted {
                conversation,
                seconds,
                ..
            } => {
                // Named as the list names it: by the visitor.
                let locale = self.lang.get();
                let who = self
                    .lists
                    .with_untracked(|l| {
                        l.rows
                            .get(&conversation)
                            .and_then(|r| r.visitor_name.clone())
                    })
                    .map_or_else(
                        || {
                            let id = conversation;
                            td_string!(locale, console.notice.conversation_number, id).to_string()
                        },
                        |name| {
                            td_string!(locale, console.notice.someones_conversation, name)
                                .to_string()
                        },
                    );
                // English capitalizes the start of a sentence; other
                // languages keep the visitor's name as they wrote it.
                let who = if locale == Locale::en {
                    capitalized(&who)
                } else {
                    who
                };
                self.notice.set(Some(
                    td_string!(
                        locale,
                        console.notice.rerouted,
                        who,
                        minutes = crate::protocol::in_minutes(seconds)
                    )
                    .to_string(),
                ));
            }
            ServerFrame::Announcement(a) => self.announcements.announce(a, false),
            ServerFrame::ProfileUpdated { profile } => self.profiles.apply(profile),
            ServerFrame::Error(ErrorFrame {
                code,
                message,
                client_id,
                ..
            }) => {
                let message = refusal_text(self.lang, code, &message);
                if let Some(client_id) = client_id {
                    // Refused for good (invalid, forbidden): resending would
                    // be refused again. Say so, with the text, so nothing is lost.
                    let body = self.outbox.try_update(|o| {
                        let body = o
                            .iter()
                            .find(|p| p.client_id == client_id)
                            .map(|p| p.body.clone());
                        o.retain(|p| p.client_id != client_id);
                        body
                    });
                    let body = body.flatten().unwrap_or_default();
                    self.notice.set(Some(
                        td_string!(self.lang.get(), console.notice.not_sent, message, body)
                            .to_string(),
                    ));
                } else {
                    self.notice.set(Some(message));
                }
            }
            // Other conversations' pane frames (we left them), chat frames.
            _ => {}
        }
    }

    /// Drops the pending copies of messages that arrived.
    fn settle(&self, messages: &[SupportMessage]) {
        if self.outbox.with_untracked(Vec::is_empty) {
            return;
        }
        self.outbox.update(|o| {
            o.retain(|p| {
                !messages
                    .iter()
                    .any(|m| m.client_id.as_deref() == Some(p.client_id.as_str()))
            })
        });
    }

    // -----------------------------------------------------------------------
    // The agent's actions
    // -----------------------------------------------------------------------

    /// Shows a conversation in the pane: its HTTP detail (history with notes,
    /// visitor) and its live events from `support.join`.
    pub fn open_conversation(&self, id: Option<ConversationId>) {
        let previous = self.open.get_untracked();
        if previous == id {
            return;
        }
        if let Some(old) = previous {
            if self.connection.online() {
                self.connection
                    .link
                    .send(&ClientFrame::SupportLeave { conversation: old });
            }
        }
        self.open.set(id);
        self.thread.set(Thread::default());
        self.detail.set(None);
        self.typing.set(None);
        let row = id.and_then(|id| self.lists.with_untracked(|l| l.rows.get(&id).cloned()));
        self.status.set(row.as_ref().map(|r| r.status));
        self.assignee.set(row.and_then(|r| r.assignee));
        let Some(id) = id else { return };
        if self.connection.online() {
            self.connection.link.send(&ClientFrame::SupportJoin {
                conversation: id,
                since: None,
            });
        }
        let desk = *self;
        leptos::task::spawn_local(async move {
            match http::support_conversation(id).await {
                Ok(detail) => {
                    if desk.open.get_untracked() != Some(id) {
                        return;
                    }
                    if desk.status.get_untracked().is_none() {
                        desk.status.set(Some(detail.row.status));
                        desk.assignee.set(detail.row.assignee.clone());
                    }
                    desk.thread.update(|t| t.merge(detail.messages.clone()));
                    desk.detail.set(Some(detail));
                }
                Err(e) => {
                    let error = error_text(desk.lang, &e);
                    desk.notice.set(Some(
                        td_string!(
                            desk.lang.get(),
                            console.notice.could_not_load_conversation,
                            id,
                            error
                        )
                        .to_string(),
                    ))
                }
            }
        });
    }

    /// A reply (or, `private`, a note) to the open conversation. Shown pending
    /// until acknowledged; resent after a reconnect.
    pub fn send(
        &self,
        conversation: ConversationId,
        body: String,
        private: bool,
        files: Vec<FileInfo>,
    ) {
        let pending = Pending {
            client_id: browser::new_client_id(),
            conversation,
            body,
            private,
            files,
        };
        if self.connection.online() {
            self.connection.link.send(&pending.frame());
        }
        self.outbox.update(|o| o.push(pending));
    }

    /// Sends a frame that only makes sense now; tells the agent when offline.
    /// `what` names the action in the UI's language ("the transfer").
    pub fn act(&self, frame: ClientFrame, what: &str) {
        if !(self.connection.online() && self.connection.link.send(&frame)) {
            self.notice.set(Some(
                td_string!(self.lang.get(), console.notice.offline, what).to_string(),
            ));
        }
    }

    pub fn set_availability(&self, status: Availability) {
        self.availability.set(status);
        store_availability(status);
        let what = td_string!(self.lang.get(), console.actions.what_status_change).to_string();
        self.act(ClientFrame::SupportAvailability { status }, &what);
    }

    pub fn typed(&self, conversation: ConversationId) {
        let now = browser::now_ms();
        let due = self.typing_sent.with_value(|last| match last {
            Some((c, at)) => *c != conversation || now - at >= TYPING_EVERY_MS,
            None => true,
        });
        if due
            && self.connection.online()
            && self
                .connection
                .link
                .send(&ClientFrame::SupportTyping { conversation })
        {
            self.typing_sent.set_value(Some((conversation, now)));
        }
    }
}

impl Default for Desk {
    fn default() -> Self {
        Desk::new()
    }
}

fn stored_availability() -> Availability {
    match browser::local_get(AVAILABILITY_KEY).as_deref() {
        Some("online") => Availability::Online,
        Some("away") => Availability::Away,
        _ => Availability::Offline,
    }
}

fn store_availability(status: Availability) {
    let value = match status {
        Availability::Online => "online",
        Availability::Away => "away",
        Availability::Offline => "offline",
    };
    browser::local_set(AVAILABILITY_KEY, value);
}

impl crate::client::socket::Session for Desk {
    type Frame = ServerFrame;

    fn connection(&self) -> Connection {
        self.connection
    }

    fn on_frame(&self, frame: ServerFrame, _first: bool) -> bool {
        let greeting = matches!(frame, ServerFrame::Hello { .. });
        self.apply(frame);
        greeting
    }

    async fn signed_out(&self) -> bool {
        http::me().await.is_err_and(|e| e.is_unauthorized())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::VisitorId;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn row(
        id: i64,
        assignee: Option<i64>,
        status: ConversationStatus,
        unread: i64,
    ) -> ConversationRow {
        ConversationRow {
            id: ConversationId(id),
            visitor: VisitorId(id),
            visitor_name: Some(format!("v{id}")),
            status,
            assignee: assignee.map(|a| AgentRef {
                id: UserId(a),
                name: format!("agent{a}"),
            }),
            last_message: Some("hi".into()),
            created_at: at(100 - id),
            updated_at: at(id),
            waiting_since: None,
            unread,
            rating: None,
        }
    }

    fn message(id: i64, client_id: Option<&str>) -> SupportMessage {
        SupportMessage {
            conversation: ConversationId(1),
            id: SupportMessageId(id),
            author: "ann".into(),
            author_kind: AuthorKind::Agent,
            private: false,
            body: format!("m{id}"),
            sent_at: at(id),
            client_id: client_id.map(str::to_owned),
            event: None,
            files: Vec::new(),
        }
    }

    fn ids(rows: Vec<ConversationRow>) -> Vec<i64> {
        rows.into_iter().map(|r| r.id.0).collect()
    }

    #[test]
    fn tabs_filter_and_order() {
        use ConversationStatus::*;
        let mut lists = Lists::default();
        lists.replace(
            vec![
                row(1, None, Open, 1),
                row(2, None, Open, 0),
                row(3, Some(7), Pending, 2),
                row(4, Some(8), Open, 1),
                row(5, Some(7), Resolved, 0),
            ],
            vec![],
        );
        let me = UserId(7);
        // Queue and mine: oldest first (row 2 was created before row 1).
        assert_eq!(ids(lists.tab(Tab::Queue, me)), vec![2, 1]);
        assert_eq!(ids(lists.tab(Tab::Mine, me)), vec![3]);
        assert_eq!(ids(lists.tab(Tab::All, me)), vec![5, 4, 3, 2, 1]);
        // Unread in the queue and mine; not other agents'.
        assert_eq!(lists.attention(me), 2);
        // A row update replaces by id (a race with the snapshot is harmless).
        lists.upsert(row(1, Some(7), Open, 0));
        assert_eq!(ids(lists.tab(Tab::Queue, me)), vec![2]);
        assert_eq!(ids(lists.tab(Tab::Mine, me)), vec![3, 1]);
        assert_eq!(lists.attention(me), 1);
    }

    #[test]
    fn resolved_pages_survive_a_snapshot_and_reopening_moves_a_row_back() {
        use ConversationStatus::*;
        let me = UserId(7);
        let mut lists = Lists::default();
        lists.replace(vec![row(4, Some(7), Open, 0)], vec![]);
        // A page of resolved ones, loaded over HTTP.
        for r in [row(3, Some(7), Resolved, 0), row(1, Some(7), Resolved, 0)] {
            lists.upsert(r);
        }
        assert_eq!(ids(lists.tab(Tab::Resolved, me)), vec![3, 1]);
        // A reconnect's snapshot (row 3 reopened meanwhile, row 4 resolved
        // meanwhile so absent): the loaded resolved page stays.
        lists.replace(vec![row(3, Some(7), Open, 1)], vec![]);
        assert_eq!(ids(lists.tab(Tab::Resolved, me)), vec![1]);
        assert_eq!(ids(lists.tab(Tab::Mine, me)), vec![3]);
    }

    #[test]
    fn news_is_a_new_row_or_more_unread_for_me() {
        use ConversationStatus::*;
        let me = UserId(7);
        assert!(Lists::is_news(None, &row(1, None, Open, 1), me));
        assert!(!Lists::is_news(None, &row(1, Some(8), Open, 1), me));
        let old = row(1, Some(7), Open, 1);
        assert!(Lists::is_news(Some(&old), &row(1, Some(7), Open, 2), me));
        assert!(!Lists::is_news(Some(&old), &row(1, Some(7), Open, 0), me));
    }

    #[test]
    fn thread_merges_http_history_replays_and_live_messages_once() {
        let mut thread = Thread::default();
        thread.merge([message(1, None), message(2, Some("c1"))]);
        thread.merge([message(2, Some("c1")), message(3, None)]);
        thread.merge([message(3, None)]);
        let got: Vec<i64> = thread.messages().map(|m| m.id.0).collect();
        assert_eq!(got, vec![1, 2, 3]);
        assert_eq!(thread.newest(), Some(SupportMessageId(3)));
        assert!(thread.contains_client_id("c1"));
    }

    #[test]
    fn slash_lists_canned_replies_by_shortcut() {
        let canned = |id: i64, title: &str| CannedReply {
            id,
            title: title.into(),
            body: format!("body of {title}"),
        };
        let list = vec![
            canned(1, "refund"),
            canned(2, "hours"),
            canned(3, "no-refund"),
        ];
        let titles = |typed: &str| {
            matching_canned(&list, typed)
                .map(|found| found.into_iter().map(|c| c.title).collect::<Vec<_>>())
        };
        assert_eq!(titles("hello"), None);
        assert_eq!(
            titles("/"),
            Some(vec!["refund".into(), "hours".into(), "no-refund".into()])
        );
        assert_eq!(
            titles("/REF"),
            Some(vec!["refund".into(), "no-refund".into()])
        );
        assert_eq!(titles("/zzz"), Some(vec![]));
        // Once a space is typed it is a message, not a command.
        assert_eq!(titles("/refund please"), None);
    }

    #[test]
    fn waits_read_like_people_say_them() {
        assert_eq!(waited(at(0), at(45)), "45s");
        assert_eq!(waited(at(0), at(185)), "3m 05s");
        assert_eq!(waited(at(0), at(2 * 3600 + 600)), "2h 10m");
        assert_eq!(waited(at(0), at(3 * 86_400 + 4 * 3600)), "3d 4h");
        assert_eq!(waited(at(10), at(0)), "0s");
    }

    #[test]
    fn waits_in_chinese_use_chinese_units() {
        assert_eq!(waited_in(Locale::zh_CN, at(0), at(185)), "3分05秒");
        assert_eq!(
            waited_in(Locale::zh_CN, at(0), at(2 * 3600 + 600)),
            "2小时10分"
        );
    }

    #[test]
    fn a_rerouted_conversation_is_named_by_its_visitor() {
        Owner::new().with(|| {
            let desk = Desk::new();
            desk.lists.update(|l| {
                l.upsert(row(1, Some(7), ConversationStatus::Open, 0));
            });
            let rerouted = |id: i64| ServerFrame::SupportRerouted {
                conversation: ConversationId(id),
                reason: "not answered within 5 minutes".into(),
                seconds: 300,
            };
            desk.apply(rerouted(1));
            assert_eq!(
                desk.notice.get_untracked().as_deref(),
                Some("V1's conversation went to another agent: not answered within 5 minutes")
            );
            desk.apply(rerouted(9));
            assert_eq!(
                desk.notice.get_untracked().as_deref(),
                Some("Conversation #9 went to another agent: not answered within 5 minutes")
            );
        });
    }

    /// Issue 11.8: after a transfer the previous agent's pane is read-only.
    #[test]
    fn a_conversation_transferred_away_is_no_longer_ours_to_answer() {
        Owner::new().with(|| {
            let desk = Desk::new();
            let as_role = |role| {
                desk.me.set(Some(User {
                    id: UserId(7),
                    username: "ann".into(),
                    role,
                    active: true,
                }))
            };
            as_role(Role::Agent);
            desk.open.set(Some(ConversationId(1)));
            let to = |id: i64, name: &str| {
                ServerFrame::SupportAssigned(SupportAssigned {
                    conversation: ConversationId(1),
                    agent: Some(AgentRef {
                        id: UserId(id),
                        name: name.into(),
                    }),
                })
            };
            desk.apply(to(7, "ann"));
            assert_eq!(desk.handed_to(), None);
            desk.apply(ServerFrame::SupportAssigned(SupportAssigned {
                conversation: ConversationId(1),
                agent: None,
            }));
            assert_eq!(desk.handed_to(), None, "the queue: anyone may answer");
            desk.apply(to(8, "bob"));
            assert_eq!(desk.handed_to().map(|a| a.name).as_deref(), Some("bob"));
            as_role(Role::Admin);
            assert_eq!(desk.handed_to(), None, "admins may answer anything");
        });
    }

    #[test]
    fn sends_are_kept_until_echoed_or_acked_and_resent_by_client_id() {
        Owner::new().with(|| {
            let desk = Desk::new();
            desk.me.set(Some(User {
                id: UserId(7),
                username: "ann".into(),
                role: Role::Agent,
                active: true,
            }));
            desk.open.set(Some(ConversationId(1)));
            desk.send(ConversationId(1), "hello".into(), false, Vec::new());
            desk.send(ConversationId(1), "a note".into(), true, Vec::new());
            let pending = desk.outbox.get_untracked();
            assert_eq!(pending.len(), 2);
            assert!(matches!(
                pending[1].frame(),
                ClientFrame::SupportNote { .. }
            ));
            // The echo settles the first; the ack settles the second.
            desk.apply(ServerFrame::SupportMessage(message(
                5,
                Some(&pending[0].client_id),
            )));
            assert_eq!(desk.outbox.get_untracked().len(), 1);
            desk.apply(ServerFrame::SupportAck(SupportAck {
                client_id: pending[1].client_id.clone(),
                id: SupportMessageId(6),
                conversation: ConversationId(1),
            }));
            assert!(desk.outbox.get_untracked().is_empty());
            // Status and assignee of the open conversation follow the frames.
            desk.apply(ServerFrame::SupportStatus(SupportStatus {
                conversation: ConversationId(1),
                status: ConversationStatus::Resolved,
            }));
            assert_eq!(
                desk.status.get_untracked(),
                Some(ConversationStatus::Resolved)
            );
            desk.apply(ServerFrame::SupportStatus(SupportStatus {
                conversation: ConversationId(2),
                status: ConversationStatus::Pending,
            }));
            assert_eq!(
                desk.status.get_untracked(),
                Some(ConversationStatus::Resolved)
            );
        });
    }
}
