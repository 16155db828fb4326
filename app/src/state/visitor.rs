//! The support page's state: one visitor, their current conversation with the
//! desk, and the messages on their way.
//!
//! [`Visitor`] holds the signals the visitor components read and implements
//! the socket loop's [`Session`]: `support.*` frames come in through
//! [`Visitor::apply`], the visitor's actions go out through its methods.
//! [`Thread`] is the plain-data part with the rules worth testing: messages in
//! id order without duplicates, and sends not yet acknowledged (shown as
//! pending, resent with the same `client_id` after a reconnect).

use leptos::prelude::*;

use crate::client::{
    browser,
    files::Blobs,
    socket::{Connection, Session},
};
use crate::i18n::*;
use crate::language::{refusal_text, Lang};
use crate::protocol::{
    AgentRef, AuthorKind, AwayReason, ClientFrame, ConversationId, ConversationStatus, DeskState,
    ErrorCode, ErrorFrame, FileInfo, SupportAck, SupportAssigned, SupportAway, SupportHello,
    SupportHistory, SupportMessage, SupportMessageId, SupportReceipt, SupportStatus, SupportTyping,
    VisitorFrame, VisitorSession, MAX_BODY_CHARS,
};
use crate::state::announcements::{Announcements, Reader};
use crate::state::attachments::file_ids;
use crate::state::LinkState;
use crate::validate::Invalid;

/// How long "X is typing…" stays after the last `support.typing`.
const TYPING_SHOWN_MS: f64 = 4_000.0;
/// Least time between two `support.typing` frames we send.
const TYPING_EVERY_MS: f64 = 3_000.0;

/// What the visitor forms say about input the checks of [`crate::validate`]
/// refused: "Email is not an email address." English readers get the check's
/// own words; other languages a text chosen by the field and the `input`
/// (the check's reasons are few and known).
pub fn invalid_text(locale: Locale, e: &Invalid, input: &str) -> String {
    let problem = if locale == Locale::en {
        e.problem.clone()
    } else {
        let typed = input.trim();
        match e.field {
            "email" => td_string!(locale, visitor.invalid.not_an_email).to_string(),
            "name" if typed.chars().count() > 64 => {
                td_string!(locale, visitor.invalid.name_too_long, max = 64).to_string()
            }
            "body" if input.trim().is_empty() => {
                td_string!(locale, visitor.invalid.empty).to_string()
            }
            "body" if input.chars().count() > MAX_BODY_CHARS => {
                let count = browser::number(input.chars().count());
                let max = browser::number(MAX_BODY_CHARS);
                td_string!(locale, visitor.invalid.too_long, count, max).to_string()
            }
            "name" | "body" => td_string!(locale, visitor.invalid.control).to_string(),
            _ => e.problem.clone(),
        }
    };
    match e.field {
        "name" => td_string!(locale, visitor.invalid.name, problem).to_string(),
        "email" => td_string!(locale, visitor.invalid.email, problem).to_string(),
        _ => td_string!(locale, visitor.invalid.message, problem).to_string(),
    }
}

/// A message the visitor wrote that the server has not stored yet (no echo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSend {
    pub client_id: String,
    pub body: String,
    /// Its attachments (uploaded already), shown with it and sent again with it.
    pub files: Vec<FileInfo>,
    /// The server refused it, with its reason; the visitor may retry.
    pub failed: Option<String>,
}

/// The messages of the conversation on screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Thread {
    /// Stored messages, ascending id, each once.
    messages: Vec<SupportMessage>,
    /// The visitor's sends without an echo yet, oldest first.
    pending: Vec<PendingSend>,
}

impl Thread {
    pub fn messages(&self) -> &[SupportMessage] {
        &self.messages
    }

    pub fn pending(&self) -> &[PendingSend] {
        &self.pending
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.pending.is_empty()
    }

    /// The newest stored id: where a `support.join {since}` resumes.
    pub fn newest(&self) -> Option<SupportMessageId> {
        self.messages.last().map(|m| m.id)
    }

    /// Adds stored messages (an echo, a live message or a history batch):
    /// kept in id order, each id once, and each settles the pending send
    /// with its `client_id`.
    pub fn merge(&mut self, incoming: impl IntoIterator<Item = SupportMessage>) {
        for m in incoming {
            if let Some(cid) = &m.client_id {
                self.pending.retain(|p| &p.client_id != cid);
            }
            match self.messages.binary_search_by_key(&m.id, |x| x.id) {
                Ok(_) => {}
                Err(at) => self.messages.insert(at, m),
            }
        }
    }

    /// The server stored `client_id` as `id`. If its echo is here already the
    /// send is settled; otherwise the echo (or the next history) settles it.
    pub fn ack(&mut self, client_id: &str, id: SupportMessageId) {
        if self.messages.iter().any(|m| m.id == id) {
            self.pending.retain(|p| p.client_id != client_id);
        }
    }

    pub fn push_pending(&mut self, client_id: String, body: String, files: Vec<FileInfo>) {
        self.pending.push(PendingSend {
            client_id,
            body,
            files,
            failed: None,
        });
    }

    /// Marks a pending send refused. False when no send has that id.
    pub fn fail(&mut self, client_id: &str, reason: String) -> bool {
        match self.pending.iter_mut().find(|p| p.client_id == client_id) {
            Some(p) => {
                p.failed = Some(reason);
                true
            }
            None => false,
        }
    }

    /// Sends to retry after a reconnect: every one not refused.
    pub fn unsent(&self) -> Vec<PendingSend> {
        self.pending
            .iter()
            .filter(|p| p.failed.is_none())
            .cloned()
            .collect()
    }

    /// Takes a refused send back for another try.
    pub fn retry(&mut self, client_id: &str) -> Option<PendingSend> {
        let p = self.pending.iter_mut().find(|p| p.client_id == client_id)?;
        p.failed = None;
        Some(p.clone())
    }

    pub fn forget(&mut self, client_id: &str) {
        self.pending.retain(|p| p.client_id != client_id);
    }
}

/// The first message, kept until the server acknowledges the conversation it
/// opened: a reconnect sends the same `support.open` again (same `client_id`,
/// so it opens one conversation only).
#[derive(Clone, Debug)]
struct PendingOpen {
    client_id: String,
    body: String,
    name: Option<String>,
    email: Option<String>,
    files: Vec<FileInfo>,
}

/// An agent typing, shown until `until_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentTyping {
    pub who: String,
    pub until_ms: f64,
}

/// Who the visitor is (from `POST /api/support/session` and `support.hello`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Me {
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
}

#[derive(Clone, Copy)]
pub struct Visitor {
    pub me: RwSignal<Me>,
    pub desk: RwSignal<Option<DeskState>>,
    /// The first `support.hello` arrived: before it, whether the visitor has
    /// a conversation is unknown (and the pre-chat form would be a guess).
    pub greeted: RwSignal<bool>,
    /// The conversation on screen: the visitor's newest, or the one just opened.
    pub conversation: RwSignal<Option<ConversationId>>,
    pub status: RwSignal<ConversationStatus>,
    /// Who answers (`support.assigned`); `None`: waiting in the queue.
    pub assignee: RwSignal<Option<AgentRef>>,
    pub thread: RwSignal<Thread>,
    pub typing: RwSignal<Option<AgentTyping>>,
    /// How far the staff have read the conversation (read receipts).
    pub agent_read: RwSignal<Option<SupportMessageId>>,
    /// The newest message we said we read.
    read_sent: StoredValue<Option<SupportMessageId>>,
    /// `support.away`: nobody will answer soon.
    pub away: RwSignal<Option<(AwayReason, String)>>,
    /// The address left with `support.contact`.
    pub contact_left: RwSignal<Option<String>>,
    /// The score sent with `support.rate` since the last resolution.
    pub rated: RwSignal<Option<u8>>,
    /// A problem that belongs to no single message (an `error` frame, a
    /// failed session call), shown in an alert.
    pub notice: RwSignal<Option<String>>,
    pub connection: Connection,
    /// Announcements pushed to this page's audience.
    pub announcements: Announcements,
    /// The UI's language, for notices.
    pub lang: Lang,
    /// The page the visitor came from (the embedding page in the widget).
    page: StoredValue<Option<String>>,
    /// In the widget: the visitor token, offered on connecting in case the
    /// visitor cookie is blocked (see `client::embed`).
    pub token: StoredValue<Option<String>>,
    /// Attachments' bytes, fetched with the token (an `<img>` cannot send it).
    pub blobs: Blobs,
    opening: StoredValue<Option<PendingOpen>>,
    typing_sent: StoredValue<f64>,
}

impl Visitor {
    pub fn new(page: Option<String>) -> Self {
        let connection = Connection::new();
        let token = StoredValue::new(None);
        Visitor {
            me: RwSignal::new(Me::default()),
            desk: RwSignal::new(None),
            greeted: RwSignal::new(false),
            conversation: RwSignal::new(None),
            status: RwSignal::new(ConversationStatus::Open),
            assignee: RwSignal::new(None),
            thread: RwSignal::new(Thread::default()),
            typing: RwSignal::new(None),
            agent_read: RwSignal::new(None),
            read_sent: StoredValue::new(None),
            away: RwSignal::new(None),
            contact_left: RwSignal::new(None),
            rated: RwSignal::new(None),
            notice: RwSignal::new(None),
            connection,
            announcements: Announcements::new(connection, Reader::Visitor),
            lang: Lang::here(),
            page: StoredValue::new(page),
            token,
            blobs: Blobs::new(token),
            opening: StoredValue::new(None),
            typing_sent: StoredValue::new(0.0),
        }
    }

    /// What `POST /api/support/session` said.
    pub fn on_session(&self, s: VisitorSession) {
        self.me.set(Me {
            name: s.name,
            email: s.email,
            verified: s.verified,
        });
        self.desk.set(Some(s.desk));
    }

    /// Starts the WebSocket (browser only), once.
    pub fn connect(&self) {
        self.connection.start(*self);
    }

    /// Sends a frame that only makes sense now; says so when offline.
    /// `what` names it in the UI's language ("your rating").
    fn send_now(&self, frame: &ClientFrame, what: &str) -> bool {
        if self.connection.online() && self.connection.link.send(frame) {
            true
        } else {
            self.notice.set(Some(
                td_string!(self.lang.get(), visitor.notice.offline, what).to_string(),
            ));
            false
        }
    }

    // -----------------------------------------------------------------------
    // The visitor's actions
    // -----------------------------------------------------------------------

    /// Starts a conversation with its first message (`support.open`). Shown
    /// at once as pending; sent again on reconnect until acknowledged.
    /// `files` are uploaded already, as for [`Visitor::send`].
    pub fn open(
        &self,
        body: String,
        name: Option<String>,
        email: Option<String>,
        files: Vec<FileInfo>,
    ) {
        let client_id = browser::new_client_id();
        self.thread
            .update(|t| t.push_pending(client_id.clone(), body.clone(), files.clone()));
        let open = PendingOpen {
            client_id,
            body,
            name,
            email,
            files,
        };
        self.connection.link.send(&self.open_frame(&open));
        self.opening.set_value(Some(open));
        self.notice.set(None);
    }

    fn open_frame(&self, o: &PendingOpen) -> ClientFrame {
        ClientFrame::SupportOpen {
            body: o.body.clone(),
            client_id: o.client_id.clone(),
            name: o.name.clone(),
            email: o.email.clone(),
            page: self.page.get_value(),
            files: file_ids(&o.files),
        }
    }

    /// A message in the open conversation (or, before the server has
    /// answered the first one, queued behind it).
    /// `files` are uploaded already (`state::attachments`).
    pub fn send(&self, body: String, files: Vec<FileInfo>) {
        let client_id = browser::new_client_id();
        let ids = file_ids(&files);
        self.thread
            .update(|t| t.push_pending(client_id.clone(), body.clone(), files));
        if let Some(conversation) = self.conversation.get_untracked() {
            self.connection.link.send(&ClientFrame::SupportSend {
                conversation,
                body,
                client_id,
                files: ids,
            });
        }
        self.typing_sent.set_value(0.0);
    }

    /// Sends a refused message again, with its `client_id`.
    pub fn retry(&self, client_id: &str) {
        let Some(conversation) = self.conversation.get_untracked() else {
            return;
        };
        let mut again = None;
        self.thread.update(|t| again = t.retry(client_id));
        if let Some(p) = again {
            self.connection.link.send(&ClientFrame::SupportSend {
                conversation,
                files: file_ids(&p.files),
                body: p.body,
                client_id: p.client_id,
            });
        }
    }

    pub fn discard(&self, client_id: &str) {
        self.thread.update(|t| t.forget(client_id));
    }

    /// The visitor is typing: tell the agent, at most every few seconds.
    pub fn typed(&self) {
        let Some(conversation) = self.conversation.get_untracked() else {
            return;
        };
        let now = browser::now_ms();
        if now - self.typing_sent.get_value() >= TYPING_EVERY_MS && self.connection.online() {
            self.typing_sent.set_value(now);
            self.connection
                .link
                .send(&ClientFrame::SupportTyping { conversation });
        }
    }

    pub fn rate(&self, score: u8, comment: Option<String>) {
        let Some(conversation) = self.conversation.get_untracked() else {
            return;
        };
        let frame = ClientFrame::SupportRate {
            conversation,
            score,
            comment,
        };
        let what = td_string!(self.lang.get(), visitor.notice.what_rating).to_string();
        if self.send_now(&frame, &what) {
            self.rated.set(Some(score));
        }
    }

    pub fn leave_contact(&self, email: String, name: Option<String>) {
        let Some(conversation) = self.conversation.get_untracked() else {
            return;
        };
        let frame = ClientFrame::SupportContact {
            conversation,
            email: email.clone(),
            name,
        };
        let what = td_string!(self.lang.get(), visitor.notice.what_email).to_string();
        if self.send_now(&frame, &what) {
            self.contact_left.set(Some(email));
        }
    }

    // -----------------------------------------------------------------------
    // Frames from the server
    // -----------------------------------------------------------------------

    /// Tells the server the conversation is read up to its newest message,
    /// while the page is in front (once per message).
    fn mark_read(&self, conversation: ConversationId) {
        if !crate::client::browser::page_visible() {
            return;
        }
        let Some(newest) = self.thread.with_untracked(Thread::newest) else {
            return;
        };
        if self.read_sent.get_value() == Some(newest) {
            return;
        }
        self.read_sent.set_value(Some(newest));
        self.connection.link.send(&ClientFrame::SupportRead {
            conversation,
            id: newest,
        });
    }

    pub fn apply(&self, frame: VisitorFrame) {
        match frame {
            VisitorFrame::SupportHello(SupportHello {
                name,
                email,
                verified,
                conversations,
                desk,
                ..
            }) => {
                self.me.set(Me {
                    name,
                    email,
                    verified,
                });
                self.desk.set(Some(desk));
                self.connection.state.set(LinkState::Online);
                if self.conversation.get_untracked().is_none() {
                    // Rows come newest first: the visitor returns to their latest.
                    if let Some(row) = conversations.first() {
                        self.conversation.set(Some(row.id));
                        self.status.set(row.status);
                        self.assignee.set(row.assignee.clone());
                    }
                }
                self.greeted.set(true);
                self.resume();
            }
            VisitorFrame::SupportHistory(SupportHistory {
                conversation,
                status,
                assignee,
                messages,
                more,
                rating,
                agent_read,
                ..
            }) => {
                if !self.adopt(conversation) {
                    return;
                }
                self.rated.set(rating.map(|r| r.score));
                self.status.set(status);
                self.assignee.set(assignee);
                self.agent_read.set(agent_read);
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
            VisitorFrame::SupportMessage(m) => {
                if !self.adopt(m.conversation) {
                    return;
                }
                if m.author_kind == AuthorKind::Agent {
                    self.typing.set(None);
                }
                let conversation = m.conversation;
                self.thread.update(|t| t.merge([m]));
                self.mark_read(conversation);
            }
            VisitorFrame::SupportReceipt(SupportReceipt {
                conversation,
                by: AuthorKind::Agent,
                id,
            }) if self.is_current(conversation) => self.agent_read.update(|r| {
                *r = Some(r.map_or(id, |at| at.max(id)));
            }),
            VisitorFrame::SupportAck(SupportAck {
                client_id,
                id,
                conversation,
            }) => {
                if !self.adopt(conversation) {
                    return;
                }
                let opened = self
                    .opening
                    .with_value(|o| o.as_ref().is_some_and(|o| o.client_id == client_id));
                if opened {
                    self.opening.set_value(None);
                    // Anything written while the first message was on its way.
                    self.resend_unsent(conversation);
                }
                self.thread.update(|t| t.ack(&client_id, id));
            }
            VisitorFrame::SupportAssigned(SupportAssigned {
                conversation,
                agent,
            }) if self.is_current(conversation) => {
                if agent.is_some() {
                    self.away.set(None);
                }
                self.assignee.set(agent);
            }
            VisitorFrame::SupportStatus(SupportStatus {
                conversation,
                status,
            }) if self.is_current(conversation) => {
                if status == ConversationStatus::Resolved
                    && self.status.get_untracked() != ConversationStatus::Resolved
                {
                    // A new resolution asks for a new rating.
                    self.rated.set(None);
                }
                self.status.set(status);
            }
            VisitorFrame::SupportTyping(SupportTyping {
                conversation,
                who,
                kind: AuthorKind::Agent,
            }) if self.is_current(conversation) => self.show_typing(who),
            VisitorFrame::SupportAway(SupportAway {
                conversation,
                reason,
                message,
            }) if self.adopt(conversation) => self.away.set(Some((reason, message))),
            VisitorFrame::Announcement(a) => self.announcements.announce(a, false),
            VisitorFrame::Error(ErrorFrame {
                code,
                message,
                client_id,
                ..
            }) => self.on_error(code, message, client_id),
            // Chat and console frames never reach a visitor's connection;
            // frames about another conversation of theirs are not on screen.
            _ => {}
        }
    }

    fn is_current(&self, conversation: ConversationId) -> bool {
        self.conversation.get_untracked() == Some(conversation)
    }

    /// Whether a frame about `conversation` is for the one on screen. A
    /// conversation the server opens for us becomes the one on screen.
    fn adopt(&self, conversation: ConversationId) -> bool {
        match self.conversation.get_untracked() {
            Some(c) => c == conversation,
            None => {
                self.conversation.set(Some(conversation));
                self.status.set(ConversationStatus::Open);
                true
            }
        }
    }

    /// After a greeting: subscribe again from the newest message we hold, and
    /// send again whatever the server never acknowledged.
    fn resume(&self) {
        match self.conversation.get_untracked() {
            Some(conversation) => {
                let since = self.thread.with_untracked(Thread::newest);
                self.connection.link.send(&ClientFrame::SupportJoin {
                    conversation,
                    since,
                });
                self.resend_unsent(conversation);
            }
            None => {
                if let Some(open) = self.opening.get_value() {
                    self.connection.link.send(&self.open_frame(&open));
                }
            }
        }
    }

    fn resend_unsent(&self, conversation: ConversationId) {
        let opening = self
            .opening
            .with_value(|o| o.as_ref().map(|o| o.client_id.clone()));
        for p in self.thread.with_untracked(Thread::unsent) {
            if Some(&p.client_id) == opening.as_ref() {
                continue;
            }
            self.connection.link.send(&ClientFrame::SupportSend {
                conversation,
                files: file_ids(&p.files),
                body: p.body,
                client_id: p.client_id,
            });
        }
    }

    fn on_error(&self, code: ErrorCode, message: String, client_id: Option<String>) {
        let message = refusal_text(self.lang, code, &message);
        let Some(cid) = client_id else {
            self.notice.set(Some(message));
            return;
        };
        let refused_open = self
            .opening
            .with_value(|o| o.as_ref().is_some_and(|o| o.client_id == cid));
        if refused_open {
            // No conversation came of it: back to the form, with the reason.
            self.opening.set_value(None);
            self.thread.update(|t| t.forget(&cid));
            self.notice.set(Some(message));
            return;
        }
        let mut known = false;
        self.thread
            .update(|t| known = t.fail(&cid, message.clone()));
        if !known {
            self.notice.set(Some(message));
        }
    }

    fn show_typing(&self, who: String) {
        let until_ms = browser::now_ms() + TYPING_SHOWN_MS;
        self.typing.set(Some(AgentTyping { who, until_ms }));
        let typing = self.typing;
        set_timeout(
            move || {
                let expired = typing
                    .try_with_untracked(|t| {
                        t.as_ref()
                            .is_some_and(|t| t.until_ms <= browser::now_ms() + 1.0)
                    })
                    .unwrap_or(false);
                if expired {
                    let _ = typing.try_set(None);
                }
            },
            std::time::Duration::from_millis(TYPING_SHOWN_MS as u64),
        );
    }
}

impl Session for Visitor {
    type Frame = VisitorFrame;

    fn connection(&self) -> Connection {
        self.connection
    }

    fn on_frame(&self, frame: VisitorFrame, _first: bool) -> bool {
        let greeting = matches!(frame, VisitorFrame::SupportHello { .. });
        self.apply(frame);
        greeting
    }

    fn protocol(&self) -> Option<String> {
        let token = self.token.try_get_value().flatten()?;
        Some(format!(
            "{}{token}",
            crate::protocol::VISITOR_TOKEN_PROTOCOL
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ConversationRow, ErrorCode, VisitorId};
    use chrono::DateTime;

    fn message(id: i64, kind: AuthorKind, client_id: Option<&str>) -> SupportMessage {
        SupportMessage {
            conversation: ConversationId(7),
            id: SupportMessageId(id),
            author: match kind {
                AuthorKind::Agent => "ann".into(),
                AuthorKind::Visitor => "Visitor".into(),
                AuthorKind::System => "system".into(),
            },
            author_kind: kind,
            private: false,
            body: format!("m{id}"),
            sent_at: DateTime::from_timestamp(id, 0).unwrap(),
            client_id: client_id.map(str::to_owned),
            event: None,
            files: Vec::new(),
        }
    }

    fn ids(t: &Thread) -> Vec<i64> {
        t.messages().iter().map(|m| m.id.0).collect()
    }

    #[test]
    fn messages_keep_id_order_once_and_settle_their_pending_send() {
        let mut t = Thread::default();
        t.push_pending("c1".into(), "hello".into(), Vec::new());
        t.push_pending("c2".into(), "again".into(), Vec::new());
        t.merge([message(5, AuthorKind::Visitor, Some("c1"))]);
        assert_eq!(t.pending().len(), 1);
        // A replayed history overlaps what is shown.
        t.merge([
            message(3, AuthorKind::System, None),
            message(5, AuthorKind::Visitor, Some("c1")),
            message(6, AuthorKind::Agent, None),
        ]);
        assert_eq!(ids(&t), vec![3, 5, 6]);
        assert_eq!(t.newest(), Some(SupportMessageId(6)));
        // An ack before the echo keeps the send pending; the echo settles it.
        t.ack("c2", SupportMessageId(9));
        assert_eq!(t.unsent().len(), 1);
        t.merge([message(9, AuthorKind::Visitor, Some("c2"))]);
        assert!(t.pending().is_empty());
    }

    #[test]
    fn refused_sends_are_not_resent_until_retried() {
        let mut t = Thread::default();
        t.push_pending("c1".into(), "x".into(), Vec::new());
        assert!(t.fail("c1", "too fast".into()));
        assert!(!t.fail("nope", "?".into()));
        assert!(t.unsent().is_empty());
        assert_eq!(t.retry("c1").map(|p| p.body), Some("x".into()));
        assert_eq!(t.unsent().len(), 1);
        t.forget("c1");
        assert!(t.is_empty());
    }

    fn with_visitor(f: impl FnOnce(Visitor)) {
        let owner = Owner::new();
        owner.with(|| f(Visitor::new(None)));
    }

    fn row(id: i64, status: ConversationStatus) -> ConversationRow {
        ConversationRow {
            id: ConversationId(id),
            visitor: VisitorId(1),
            visitor_name: None,
            status,
            assignee: None,
            last_message: None,
            created_at: DateTime::from_timestamp(1, 0).unwrap(),
            updated_at: DateTime::from_timestamp(1, 0).unwrap(),
            waiting_since: None,
            unread: 0,
            rating: None,
        }
    }

    fn hello(conversations: Vec<ConversationRow>) -> VisitorFrame {
        VisitorFrame::SupportHello(SupportHello {
            visitor: Some(VisitorId(1)),
            name: None,
            email: None,
            verified: false,
            conversations,
            desk: DeskState {
                open_now: true,
                agents_online: true,
                away_message: String::new(),
            },
        })
    }

    #[test]
    fn a_returning_visitor_sees_their_newest_conversation() {
        with_visitor(|v| {
            v.apply(hello(vec![
                row(7, ConversationStatus::Resolved),
                row(2, ConversationStatus::Open),
            ]));
            assert!(v.greeted.get_untracked());
            assert_eq!(v.conversation.get_untracked(), Some(ConversationId(7)));
            assert_eq!(v.status.get_untracked(), ConversationStatus::Resolved);
            v.apply(VisitorFrame::SupportHistory(SupportHistory {
                conversation: ConversationId(7),
                status: ConversationStatus::Resolved,
                assignee: Some(AgentRef {
                    id: crate::protocol::UserId(3),
                    name: "ann".into(),
                }),
                messages: vec![message(1, AuthorKind::Visitor, None)],
                more: false,
                rating: None,
                visitor_read: None,
                agent_read: None,
            }));
            assert_eq!(v.thread.with_untracked(ids), vec![1]);
            assert_eq!(v.rated.get_untracked(), None, "not rated yet: asked");
            // Issue 11.2: after a reload the history says it was rated.
            v.apply(VisitorFrame::SupportHistory(SupportHistory {
                conversation: ConversationId(7),
                status: ConversationStatus::Resolved,
                assignee: Some(AgentRef {
                    id: crate::protocol::UserId(3),
                    name: "ann".into(),
                }),
                messages: vec![],
                more: false,
                rating: Some(crate::protocol::Rating {
                    score: 4,
                    comment: None,
                }),
                visitor_read: None,
                agent_read: None,
            }));
            assert_eq!(v.rated.get_untracked(), Some(4), "rated: not asked again");
            assert_eq!(
                v.assignee.get_untracked().map(|a| a.name),
                Some("ann".into())
            );
            // Another conversation's frames are not this page's.
            v.apply(VisitorFrame::SupportMessage(SupportMessage {
                conversation: ConversationId(2),
                ..message(4, AuthorKind::Agent, None)
            }));
            assert_eq!(v.thread.with_untracked(ids), vec![1]);
        });
    }

    #[test]
    fn opening_adopts_the_new_conversation_and_a_resolution_asks_for_a_rating() {
        with_visitor(|v| {
            v.apply(hello(vec![]));
            assert_eq!(v.conversation.get_untracked(), None);
            v.open("help".into(), Some("Bo".into()), None, Vec::new());
            let cid = v
                .thread
                .with_untracked(|t| t.pending()[0].client_id.clone());
            // The echo comes before the ack.
            v.apply(VisitorFrame::SupportMessage(message(
                1,
                AuthorKind::Visitor,
                Some(&cid),
            )));
            v.apply(VisitorFrame::SupportAck(SupportAck {
                client_id: cid,
                id: SupportMessageId(1),
                conversation: ConversationId(7),
            }));
            assert_eq!(v.conversation.get_untracked(), Some(ConversationId(7)));
            assert!(v.thread.with_untracked(|t| t.pending().is_empty()));
            v.apply(VisitorFrame::SupportAway(SupportAway {
                conversation: ConversationId(7),
                reason: AwayReason::NoAgents,
                message: "nobody".into(),
            }));
            assert!(v.away.get_untracked().is_some());
            v.apply(VisitorFrame::SupportAssigned(SupportAssigned {
                conversation: ConversationId(7),
                agent: Some(AgentRef {
                    id: crate::protocol::UserId(3),
                    name: "ann".into(),
                }),
            }));
            assert!(v.away.get_untracked().is_none());
            v.rated.set(Some(4));
            v.apply(VisitorFrame::SupportStatus(SupportStatus {
                conversation: ConversationId(7),
                status: ConversationStatus::Resolved,
            }));
            assert_eq!(v.rated.get_untracked(), None);
            assert_eq!(v.status.get_untracked(), ConversationStatus::Resolved);
        });
    }

    #[test]
    fn a_refused_open_goes_back_to_the_form_with_the_reason() {
        with_visitor(|v| {
            v.apply(hello(vec![]));
            v.open("help".into(), None, Some("bad".into()), Vec::new());
            let cid = v
                .thread
                .with_untracked(|t| t.pending()[0].client_id.clone());
            v.apply(VisitorFrame::Error(ErrorFrame {
                code: ErrorCode::Invalid,
                message: "email: is not an email address".into(),
                retry_after_ms: None,
                client_id: Some(cid),
            }));
            assert!(v.thread.with_untracked(Thread::is_empty));
            assert_eq!(
                v.notice.get_untracked().as_deref(),
                Some("email: is not an email address")
            );
        });
    }

    #[test]
    fn refused_input_reads_as_the_check_says_in_english_and_in_chinese() {
        use crate::validate::{Email, MessageBody, VisitorName};
        let email = Email::parse(Some("bad")).unwrap_err();
        assert_eq!(
            invalid_text(Locale::en, &email, "bad"),
            "Email is not an email address."
        );
        assert_eq!(
            invalid_text(Locale::zh_CN, &email, "bad"),
            "邮箱格式不正确。"
        );
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        let body = MessageBody::parse(&long).unwrap_err();
        assert_eq!(
            invalid_text(Locale::en, &body, &long),
            format!("Message {}.", body.problem)
        );
        assert_eq!(
            invalid_text(Locale::zh_CN, &body, &long),
            format!(
                "消息有 {} 个字符，超过了 {MAX_BODY_CHARS} 个字符的上限。",
                MAX_BODY_CHARS + 1
            )
        );
        let name = VisitorName::parse(Some("a\u{7}b")).unwrap_err();
        assert_eq!(
            invalid_text(Locale::en, &name, "a\u{7}b"),
            format!("Name {}.", name.problem)
        );
        assert_eq!(
            invalid_text(Locale::zh_CN, &name, "a\u{7}b"),
            "姓名不能包含控制字符。"
        );
    }
}
