//! The wire contract between the server and every client: WebSocket frames and
//! HTTP JSON bodies. This is the only definition; the server, the browser app and
//! the load tool all use these types, and `docs/protocol.md` documents them.
//!
//! Frames are JSON text with a `"type"` tag. Ids are newtypes so a room id can
//! never be passed where a message id is expected.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Largest text frame the server reads as a command. Larger frames (up to the
/// transport limit) are answered with `error {code: "frame_too_large"}`.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// Largest message body, counted in Unicode scalar values (what a person calls characters).
pub const MAX_BODY_CHARS: usize = 4_000;
/// Most messages a `join {since}` replays before saying `more: true`.
pub const MAX_REPLAY: usize = 500;
/// Messages sent on a fresh `join` (no `since`); older ones are paged over HTTP.
pub const JOIN_HISTORY: usize = 50;
/// Most changed messages a `join {since, changes_since}` replays. Past that the
/// `history` is a fresh snapshot with `reset: true` instead.
pub const MAX_CHANGE_REPLAY: usize = 500;
/// Largest page of `GET /api/rooms/{room}/messages`.
pub const MAX_PAGE: usize = 200;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A user account.
    UserId
);

mod support;
pub use support::*;
mod registration;
pub use registration::*;
mod account;
pub use account::*;
mod profile;
pub use profile::*;
mod search;
pub use search::*;
mod files;
pub use files::*;
pub mod time;
pub mod wire;
id_type!(
    /// A chat room.
    RoomId
);
id_type!(
    /// A chat message. Ids increase within a room, so `since` resumes exactly.
    MessageId
);
id_type!(
    /// An edit or delete in a room. Counted per room from 1, with no gaps, in
    /// commit order; 0 (the default) means "no change yet".
    ChangeId
);

impl ChangeId {
    pub fn next(self) -> ChangeId {
        ChangeId(self.0 + 1)
    }
}

id_type!(
    /// An announcement: one push, or one fired occurrence of a schedule.
    AnnouncementId
);
id_type!(
    /// A scheduled announcement (one-off or recurring).
    ScheduleId
);
id_type!(
    /// One due time of a schedule. Fires at most once.
    OccurrenceId
);
id_type!(
    /// An API key (the key itself is shown once, when created).
    ApiKeyId
);

/// What an account may do. Ordered: each role can do what the ones before it can.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Agent,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "member" => Some(Role::Member),
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account as others see it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    /// False once an admin deactivated the account: it cannot log in, and
    /// its name stays on what it wrote.
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

/// A stored chat message.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatMessage {
    pub room: RoomId,
    pub id: MessageId,
    /// The author's username (usernames never change).
    pub author: String,
    pub body: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub sent_at: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::time::read_opt"
    )]
    pub edited_at: Option<DateTime<Utc>>,
    /// The sender's own id for this message, so its client can match the echo
    /// to the message it is showing as pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// An admin has deactivated the author's account since (history only: a
    /// deactivated account posts nothing). Shown as "name (deactivated)".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub author_deactivated: bool,
    /// Its reactions, each emoji once in the order first used (history and
    /// replays carry them; a new message has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Its attachments, in the order they were attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
    /// A reply: the thread's first message (its parent). Room history
    /// leaves replies out unless `also_in_room`; the thread pane shows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<MessageId>,
    /// A reply that was also sent to the room ("also send to room").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub also_in_room: bool,
    /// A parent: how many replies its thread has.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replies: u32,
    /// A parent: when the newest reply was sent (kept when every reply is
    /// deleted again, with `replies` 0).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::time::read_opt"
    )]
    pub last_reply_at: Option<DateTime<Utc>>,
    /// A parent: who replied (login names, in the order of their first
    /// reply, at most [`MAX_THREAD_PARTICIPANTS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<String>,
}

impl ChatMessage {
    /// Whether room history shows it: not a reply, or a reply also sent to
    /// the room.
    pub fn in_room(&self) -> bool {
        self.thread.is_none() || self.also_in_room
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Most pinned messages in one room.
pub const MAX_PINS: usize = 50;

/// A pinned message, with who pinned it and when
/// (`GET /api/rooms/{room}/pins`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PinnedMessage {
    pub message: ChatMessage,
    /// Who pinned it (a login name).
    pub by: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub at: DateTime<Utc>,
}

/// Most repliers a thread's parent names (`participants`).
pub const MAX_THREAD_PARTICIPANTS: usize = 50;

/// A thread's state after a reply came or went: the `thread` frame, and a
/// resume's replay of a parent whose thread changed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ThreadState {
    pub room: RoomId,
    /// The parent.
    pub id: MessageId,
    pub replies: u32,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::time::read_opt"
    )]
    pub last_reply_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub participants: Vec<String>,
    #[serde(default)]
    pub change: ChangeId,
}

/// How far one person has read a room.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ReadUpTo {
    pub user: String,
    pub id: MessageId,
}

/// One emoji on a message and who reacted with it (login names, in the
/// order they did).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reaction {
    pub emoji: String,
    pub users: Vec<String>,
}

/// Most different emoji on one message.
pub const MAX_REACTION_KINDS: usize = 20;

/// Most people in a direct message, its opener included.
pub const MAX_DM_PEOPLE: usize = 8;

/// Who may find and join a room.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Listed to everyone; anyone may join.
    #[default]
    Public,
    /// Listed to its members only; people are added by its owners and
    /// moderators (or an admin).
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A room proper, or a direct message between a fixed set of people.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    #[default]
    Room,
    /// Private, unnamed, its participants fixed: another set of people is
    /// another DM.
    Dm,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Room => "room",
            RoomKind::Dm => "dm",
        }
    }

    pub fn parse(s: &str) -> Option<RoomKind> {
        match s {
            "room" => Some(RoomKind::Room),
            "dm" => Some(RoomKind::Dm),
            _ => None,
        }
    }
}

/// A member's role in one room. Ordered: each role can do what the ones
/// before it can.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RoomRole {
    Member,
    /// Adds and removes members, deletes anyone's message in the room.
    Moderator,
    /// Also gives and takes roles.
    Owner,
}

impl RoomRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomRole::Member => "member",
            RoomRole::Moderator => "moderator",
            RoomRole::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<RoomRole> {
        match s {
            "member" => Some(RoomRole::Member),
            "moderator" => Some(RoomRole::Moderator),
            "owner" => Some(RoomRole::Owner),
            _ => None,
        }
    }
}

/// A room as listed for one user.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomSummary {
    pub id: RoomId,
    /// A DM's is its participants' usernames, sorted and joined by `", "`
    /// (the same for everyone, so lists page by it); show `members` without
    /// yourself instead.
    pub name: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    /// Whether the requesting user has joined it (is a member).
    pub joined: bool,
    /// Messages after the user's read marker (0 when not joined).
    pub unread: i64,
    /// Of those, how many mention the user as `@username`.
    #[serde(default)]
    pub mentions: i64,
    /// The newest message id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<MessageId>,
    /// Defaulted, like `kind`, so clients older than private rooms still
    /// read summaries, and newer ones read old servers' summaries as public rooms.
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub kind: RoomKind,
    /// The requesting user's role in the room; absent when not a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoomRole>,
    /// A DM's participants (usernames, sorted), the requesting user
    /// included; empty (and absent) for rooms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// What the room is about, one line (empty: none). Rooms only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub topic: String,
    /// Archived: read-only for everyone, left out of the sidebar, still
    /// listed, searchable and readable by its members.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// Until when the requesting user may read but not post here (a
    /// moderator muted them); absent when they may post.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::time::read_opt"
    )]
    pub muted_until: Option<DateTime<Utc>>,
}

impl RoomSummary {
    pub fn is_dm(&self) -> bool {
        self.kind == RoomKind::Dm
    }

    /// Listed only for its members: a private room or a DM.
    pub fn is_members_only(&self) -> bool {
        self.is_dm() || self.visibility == Visibility::Private
    }

    /// What `me` calls it: a room's name, or a DM's other people (only
    /// `me` in a DM with oneself).
    pub fn title(&self, me: &str) -> String {
        if !self.is_dm() || self.members.is_empty() {
            return self.name.clone();
        }
        let others: Vec<&str> = self
            .members
            .iter()
            .map(String::as_str)
            .filter(|m| !m.eq_ignore_ascii_case(me))
            .collect();
        if others.is_empty() {
            me.to_owned()
        } else {
            others.join(", ")
        }
    }
}

/// Client → server frames.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Join a room (becoming a member) and subscribe to its live events.
    /// Without `since`: the latest messages. With `since`: every message with a
    /// greater id, up to [`MAX_REPLAY`], in order.
    ///
    /// With `since` and `changes_since` (the newest change id the client has
    /// without gaps): first the current state of every message up to `since`
    /// changed after `changes_since`, as `edited`/`deleted` frames in change
    /// order, then the `history`. More than [`MAX_CHANGE_REPLAY`] of them: no
    /// replay, and the `history` is a fresh snapshot with `reset: true`.
    Join {
        room: RoomId,
        #[serde(default)]
        since: Option<MessageId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        changes_since: Option<ChangeId>,
    },
    /// Leave a room: stop being a member and stop receiving its events.
    Leave { room: RoomId },
    /// Post a message. `client_id` makes retries safe: the same id from the same
    /// user is stored once and acknowledged again with the same message id.
    Send {
        room: RoomId,
        body: String,
        client_id: String,
        /// Uploads to attach (`POST /api/files`), at most
        /// [`FILES_PER_MESSAGE`]; `body` may be empty when there are some.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<FileId>,
        /// Reply in the thread of this message of the same room (a
        /// message that is not itself a reply).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<MessageId>,
        /// With `thread`: show the reply in the room as well.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        also_in_room: bool,
    },
    /// The user is typing in a room. Clients send it at most every few seconds.
    Typing { room: RoomId },
    /// Replace the body of one of your own messages.
    Edit { id: MessageId, body: String },
    /// Delete one of your own messages (admins: any message).
    Delete { id: MessageId },
    /// React to a message in a room you are a member of (`emoji`: one emoji).
    React { id: MessageId, emoji: String },
    /// Take your reaction back.
    Unreact { id: MessageId, emoji: String },
    /// Pin a message in a room you may write in (at most [`MAX_PINS`] a room).
    Pin { id: MessageId },
    /// Unpin it (anyone who may pin).
    Unpin { id: MessageId },
    /// Move your read marker in a room up to `id` (drives unread counts).
    Read { room: RoomId, id: MessageId },
    /// You have seen (opened) an announcement: counts towards its `seen` receipts.
    AnnouncementSeen { id: AnnouncementId },
    /// Dismiss an announcement (implies seen). Stored: it stays dismissed.
    AnnouncementDismiss { id: AnnouncementId },
    /// Are you there? Answered by `pong` at once. Browsers cannot see the
    /// WebSocket's own pings, so the app sends this when it has heard nothing
    /// for a few seconds, and treats a missing `pong` as a dead connection.
    Ping {},

    // --- Support desk (see docs/protocol.md, "Support desk") ---
    /// Visitor: start a conversation with its first message. Acked with
    /// `support.ack`, which carries the new conversation's id; the connection
    /// is subscribed to it. The same `client_id` opens one conversation only.
    #[serde(rename = "support.open")]
    SupportOpen {
        body: String,
        client_id: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        /// The page the visitor is on.
        #[serde(default)]
        page: Option<String>,
        /// Uploads to attach to the first message, as for `send`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<FileId>,
    },
    /// Either side: subscribe to a conversation; answered by `support.history`
    /// (messages with a greater id than `since`, or the latest ones).
    #[serde(rename = "support.join")]
    SupportJoin {
        conversation: ConversationId,
        #[serde(default)]
        since: Option<SupportMessageId>,
    },
    /// Either side: stop receiving a conversation's events.
    #[serde(rename = "support.leave")]
    SupportLeave { conversation: ConversationId },
    /// Either side: a message. Acked after it is stored; deduplicated by `client_id`.
    #[serde(rename = "support.send")]
    SupportSend {
        conversation: ConversationId,
        body: String,
        client_id: String,
        /// Uploads to attach, as for `send`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<FileId>,
    },
    /// Either side: typing in a conversation.
    #[serde(rename = "support.typing")]
    SupportTyping { conversation: ConversationId },
    /// Either side: you have read the conversation up to `id` (answered,
    /// when it moves, by `support.receipt` to the conversation).
    #[serde(rename = "support.read")]
    SupportRead {
        conversation: ConversationId,
        id: SupportMessageId,
    },
    /// Visitor: rate a resolved conversation (again to change the rating).
    #[serde(rename = "support.rate")]
    SupportRate {
        conversation: ConversationId,
        score: u8,
        #[serde(default)]
        comment: Option<String>,
    },
    /// Visitor: leave an email address (and name) so the desk can answer
    /// later, e.g. after `support.away`. Recorded as a system line.
    #[serde(rename = "support.contact")]
    SupportContact {
        conversation: ConversationId,
        email: String,
        #[serde(default)]
        name: Option<String>,
    },
    /// Agent: a private note, never sent to the visitor.
    #[serde(rename = "support.note")]
    SupportNote {
        conversation: ConversationId,
        body: String,
        client_id: String,
        /// Uploads to attach: staff alone may read them, as the note.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<FileId>,
    },
    /// Agent: take a conversation (from the queue, or from another agent).
    #[serde(rename = "support.claim")]
    SupportClaim { conversation: ConversationId },
    /// Agent (the assignee) or admin: hand a conversation to another agent.
    #[serde(rename = "support.transfer")]
    SupportTransfer {
        conversation: ConversationId,
        agent: UserId,
    },
    /// Admin: assign a conversation to any agent.
    #[serde(rename = "support.assign")]
    SupportAssign {
        conversation: ConversationId,
        agent: UserId,
    },
    /// Agent: waiting on the visitor.
    #[serde(rename = "support.pending")]
    SupportPending { conversation: ConversationId },
    #[serde(rename = "support.resolve")]
    SupportResolve { conversation: ConversationId },
    #[serde(rename = "support.reopen")]
    SupportReopen { conversation: ConversationId },
    /// Agent: set your availability.
    #[serde(rename = "support.availability")]
    SupportAvailability { status: Availability },
    /// Agent: receive the desk's events (`support.conversation`, `support.agent`).
    /// Answered by `support.desk`, a full snapshot: a reconnecting console
    /// subscribes again and replaces its lists, so it misses no row change.
    #[serde(rename = "support.subscribe")]
    SupportSubscribe {},
}

/// Server → client frames.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame on every connection: who the server thinks you are.
    Hello { user: User },
    /// The answer to `ping`.
    Pong,
    /// The answer to `join`: stored messages in id order. `more` says further
    /// messages exist past the last one (join again with `since` = its id).
    History {
        room: RoomId,
        messages: Vec<ChatMessage>,
        more: bool,
        /// The room's newest change id when the join was answered. Every change
        /// up to it is in `messages` or was replayed before this frame, so it is
        /// the client's `changes_since` from now on.
        #[serde(default)]
        changes: ChangeId,
        /// Too many changes to replay: `messages` are the newest ones as for a
        /// join without `since` (`more`: older ones exist, page them over
        /// HTTP). Replace what you hold for this room.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        reset: bool,
        /// More `history` frames answer the same `join`: a replay is sent in
        /// pages of bounded size. Merge it and wait for the last page (without
        /// `partial`), whose `more` says whether to join again.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        partial: bool,
    },
    /// A new message in a room you joined (yours included, with your `client_id`).
    Message(ChatMessage),
    /// Your message with `client_id` is stored under `id`.
    Ack {
        client_id: String,
        id: MessageId,
        room: RoomId,
    },
    /// A message's body changed (live, or replayed after a `join` with
    /// `changes_since`, then carrying the current body).
    Edited {
        room: RoomId,
        id: MessageId,
        body: String,
        #[serde(deserialize_with = "crate::protocol::time::read")]
        edited_at: DateTime<Utc>,
        #[serde(default)]
        change: ChangeId,
    },
    /// A message was deleted.
    Deleted {
        room: RoomId,
        id: MessageId,
        #[serde(default)]
        change: ChangeId,
    },
    /// `user` has read `room` up to message `id` (a read receipt: in DMs and
    /// rooms of at most `RECEIPTS_MAX_MEMBERS` members, from people who
    /// send receipts).
    Receipt {
        room: RoomId,
        user: String,
        id: MessageId,
    },
    /// How far each member who sends receipts has read, after a `join`'s
    /// `presence` (rooms where receipts apply, when someone has read).
    Receipts {
        room: RoomId,
        receipts: Vec<ReadUpTo>,
    },
    /// A message was pinned (`on`) or unpinned by `user`.
    Pinned {
        room: RoomId,
        id: MessageId,
        user: String,
        on: bool,
    },
    /// A thread's parent after a reply came or went (its reply count, last
    /// reply and repliers now), live and in a resume's replay. A reply
    /// itself comes as a `message` with `thread`.
    Thread(ThreadState),
    /// A message's reactions as they are now: what a resume replays for a
    /// message changed while the client was away (after its `edited`, if
    /// it was edited), instead of every `reaction` it missed.
    Reactions {
        room: RoomId,
        id: MessageId,
        reactions: Vec<Reaction>,
        #[serde(default)]
        change: ChangeId,
    },
    /// Someone reacted to a message (`on`), or took their reaction back.
    /// A change of the message like an edit: `change` moves the room's
    /// change cursor.
    Reaction {
        room: RoomId,
        id: MessageId,
        emoji: String,
        user: String,
        on: bool,
        #[serde(default)]
        change: ChangeId,
    },
    /// Everyone online in a room (sent to you when you join).
    Presence { room: RoomId, online: Vec<String> },
    /// One user came online in a room or left it.
    PresenceChanged {
        room: RoomId,
        user: String,
        online: bool,
    },
    /// `user` is typing in `room`.
    Typing { room: RoomId, user: String },
    /// You left a room (or it was taken from you).
    Left { room: RoomId },
    /// A room was created; clients add it to their room list. A public
    /// room's goes to everyone; a private room's to its creator, a DM's to
    /// its participants.
    RoomCreated { room: RoomSummary },
    /// You were added to a room (a private one, typically): add it to your
    /// list. `room` is the room as you see it.
    MemberAdded { room: RoomSummary },
    /// You were removed from a room: your connections no longer follow it
    /// and nothing more of it reaches you; drop it from your list. `banned`:
    /// banned from it too (a public room), so joining it again is refused.
    MemberRemoved {
        room: RoomId,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        banned: bool,
    },
    /// A room's name, topic or archived state changed (`PATCH
    /// /api/rooms/{room}`): to everyone who may list it.
    RoomUpdated(RoomSettings),
    /// Someone changed their display name, status, time zone or avatar
    /// (to every signed-in connection).
    ProfileUpdated { profile: Profile },
    /// A moderator muted you in a room until `until` (you still read it), or
    /// unmuted you (`until` absent).
    Muted {
        room: RoomId,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "crate::protocol::time::read_opt"
        )]
        until: Option<DateTime<Utc>>,
    },
    /// Your role in a room changed.
    MemberRole {
        room: RoomId,
        user: UserId,
        role: RoomRole,
    },
    /// An announcement for you (a banner or toast). The same `id` may arrive
    /// again after a reconnect and in `GET /api/announcements`: show it once.
    Announcement(Announcement),
    // --- Support desk (see docs/protocol.md, "Support desk") ---
    /// First frame on a visitor's connection (instead of `hello`).
    #[serde(rename = "support.hello")]
    SupportHello(SupportHello),
    /// The answer to `support.join`.
    #[serde(rename = "support.history")]
    SupportHistory(SupportHistory),
    #[serde(rename = "support.message")]
    SupportMessage(SupportMessage),
    /// Your `support.open`/`send`/`note` with `client_id` is stored as `id`.
    #[serde(rename = "support.ack")]
    SupportAck(SupportAck),
    /// The conversation's agent changed (`None`: back in the queue).
    #[serde(rename = "support.assigned")]
    SupportAssigned(SupportAssigned),
    #[serde(rename = "support.status")]
    SupportStatus(SupportStatus),
    #[serde(rename = "support.typing")]
    SupportTyping(SupportTyping),
    #[serde(rename = "support.receipt")]
    SupportReceipt(SupportReceipt),
    /// To visitors: nobody will answer soon; the message is kept and queued.
    #[serde(rename = "support.away")]
    SupportAway(SupportAway),
    /// To agents subscribed to the desk: a conversation row changed.
    #[serde(rename = "support.conversation")]
    SupportConversation(ConversationRow),
    /// To agents subscribed to the desk: an agent's availability or load changed.
    #[serde(rename = "support.agent")]
    SupportAgent(AgentStatus),
    /// To agents subscribed to the desk: this account is no longer an agent
    /// (an admin changed its role); drop it from the agent list.
    #[serde(rename = "support.agent_removed")]
    SupportAgentRemoved { id: UserId },
    /// The answer to `support.subscribe`: every open or pending conversation
    /// you may see (the queue, yours, and for admins everyone's) and the agents.
    #[serde(rename = "support.desk")]
    SupportDesk {
        conversations: Vec<ConversationRow>,
        agents: Vec<AgentStatus>,
    },
    /// To the agent a conversation was taken from because they did not answer
    /// in time.
    #[serde(rename = "support.rerouted")]
    SupportRerouted {
        conversation: ConversationId,
        /// In English, for API clients.
        reason: String,
        /// The reroute deadline it missed, for the UI's own wording.
        #[serde(default)]
        seconds: i64,
    },
    /// A request could not be carried out. The connection stays open.
    Error(ErrorFrame),
}

/// The frames a visitor's connection receives (`/support`, the widget): the
/// same JSON as the [`ServerFrame`] variants of the same name, read into a
/// smaller type. The visitor bundle decodes only these, so it carries a
/// deserializer for 11 frame types instead of 30 (about 60 KB of WASM).
///
/// Read with [`wire::decode`] (the `type` first, then the variant's fields),
/// so its `Deserialize` is externally tagged: `{"support.ack": {...}}`.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum VisitorFrame {
    #[serde(rename = "pong")]
    Pong,
    #[serde(rename = "announcement")]
    Announcement(Announcement),
    #[serde(rename = "support.hello")]
    SupportHello(SupportHello),
    #[serde(rename = "support.history")]
    SupportHistory(SupportHistory),
    #[serde(rename = "support.message")]
    SupportMessage(SupportMessage),
    #[serde(rename = "support.ack")]
    SupportAck(SupportAck),
    #[serde(rename = "support.assigned")]
    SupportAssigned(SupportAssigned),
    #[serde(rename = "support.status")]
    SupportStatus(SupportStatus),
    #[serde(rename = "support.typing")]
    SupportTyping(SupportTyping),
    #[serde(rename = "support.receipt")]
    SupportReceipt(SupportReceipt),
    #[serde(rename = "support.away")]
    SupportAway(SupportAway),
    #[serde(rename = "error")]
    Error(ErrorFrame),
    /// Any other frame: not for a visitor, or newer than this page.
    #[serde(other)]
    Other,
}

/// `error`: a request could not be carried out. The connection stays open.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub message: String,
    /// For `rate_limited`: when a retry will be accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// The `client_id` of the `send` this answers, when it answers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Why a request failed, as a stable machine-readable code (on the WebSocket and
/// in HTTP error bodies alike).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or JSON of the wrong shape for its type.
    BadFrame,
    /// A JSON object whose `type` is not one we know.
    UnknownType,
    /// A frame over [`MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// A field failed validation (empty body, body too long, bad name...).
    Invalid,
    /// Too many messages; see `retry_after_ms`.
    RateLimited,
    /// Not logged in, or the session ended.
    Unauthorized,
    /// Logged in, but not allowed to do this.
    Forbidden,
    /// The room or message does not exist.
    NotFound,
    /// `send` to a room you have not joined.
    NotJoined,
    /// The name is taken.
    Conflict,
    /// A verified identity's signature is missing, malformed, stale or wrong.
    BadSignature,
    /// Something broke on our side; the message says nothing more.
    Internal,
    /// The server is shutting down, or busy (see `Retry-After`); try again.
    Unavailable,
    /// Registration is closed (`SWITCHBOARD_REGISTRATION=closed`): an admin creates accounts.
    RegistrationClosed,
    /// Registration needs an invite link and none was given.
    InviteRequired,
    /// The invite is unknown, expired, used up or revoked (the message says which).
    InviteInvalid,
    /// No account exists yet and the server is not on a loopback address: the
    /// first account needs the setup token printed in the server's log.
    SetupRequired,
    /// An HTTP request body over the server's size limit (413).
    PayloadTooLarge,
    /// The right password for an account an admin deactivated (403).
    AccountDeactivated,
    /// The room is archived: read-only until an owner or moderator unarchives it.
    RoomArchived,
    /// A moderator muted you in this room; `until` in the message.
    Muted,
    /// An upload whose content is of a type the server does not take
    /// (`SWITCHBOARD_FILE_TYPES`; 415); the message names the type found.
    UnsupportedType,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "bad_frame",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::FrameTooLarge => "frame_too_large",
            ErrorCode::Invalid => "invalid",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotJoined => "not_joined",
            ErrorCode::Conflict => "conflict",
            ErrorCode::BadSignature => "bad_signature",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::RegistrationClosed => "registration_closed",
            ErrorCode::InviteRequired => "invite_required",
            ErrorCode::InviteInvalid => "invite_invalid",
            ErrorCode::SetupRequired => "setup_required",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::AccountDeactivated => "account_deactivated",
            ErrorCode::RoomArchived => "room_archived",
            ErrorCode::Muted => "muted",
            ErrorCode::UnsupportedType => "unsupported_type",
        }
    }
}

/// WebSocket close codes the server uses (4000–4999 are ours).
pub mod close {
    /// A normal close; the server answers a client's close without a
    /// code with it.
    pub const NORMAL: u16 = 1000;
    /// The server is going away (a browser leaving a page; the server itself
    /// says [`SERVICE_RESTART`]).
    pub const GOING_AWAY: u16 = 1001;
    /// This node is shutting down (draining), or it may have missed frames
    /// for this connection (a bus fault in a cluster): reconnect — to any
    /// node — with backoff and resume with `since`.
    pub const SERVICE_RESTART: u16 = 1012;
    /// Frames larger than the transport limit.
    pub const TOO_BIG: u16 = 1009;
    /// The client stopped reading and its outbound queue filled up.
    pub const SLOW_CONSUMER: u16 = 4008;
    /// The session was ended (logout) while connected.
    pub const SESSION_ENDED: u16 = 4001;
    /// An admin changed the account's role: reconnect at once; the new `hello`
    /// carries the role, and everything the server derives from it (who may
    /// delete, the support desk) starts again from it.
    pub const ROLE_CHANGED: u16 = 4003;
}

// ---------------------------------------------------------------------------
// Announcements (server push)
// ---------------------------------------------------------------------------

/// Largest announcement body (Markdown source), in characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 10_000;
/// Largest announcement title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Who an announcement is for. The browser reads it with the tag first
/// (`wire`'s `Deserialize` for it), not with the derived one.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Every account.
    All,
    /// The members of one room.
    Room { room: RoomId },
    /// One account.
    User { user: UserId },
    /// Every agent and admin.
    Agents,
    /// Support visitors currently online (none exist yet: see docs/protocol.md).
    Visitors,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warning,
    Urgent,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "urgent" => Some(Severity::Urgent),
            _ => None,
        }
    }
}

/// The `announcement` frame, also an entry of the inbox.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub id: AnnouncementId,
    /// The schedule occurrence it fired for; `None` for an immediate push.
    pub occurrence: Option<OccurrenceId>,
    pub title: Option<String>,
    /// The body rendered from Markdown and sanitised on the server: safe to
    /// insert as HTML.
    pub body_html: String,
    pub severity: Severity,
    pub target: Target,
    /// When it was due (scheduled ones); `None` for an immediate push.
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub sent_at: DateTime<Utc>,
    /// Delivered noticeably after `due_at` (e.g. the server was down then).
    pub late: bool,
}

/// `POST /api/push`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    #[serde(default)]
    pub title: Option<String>,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub severity: Severity,
    pub target: Target,
}

/// The answer to `POST /api/push` (and to `send-now`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PushResponse {
    pub id: AnnouncementId,
    /// How many live connections it was queued for.
    pub connections: usize,
}

/// One entry of `GET /api/announcements`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct InboxEntry {
    #[serde(flatten)]
    pub announcement: Announcement,
    /// You have opened or dismissed it (unread ones have `false`).
    pub seen: bool,
    pub dismissed: bool,
}

/// Most ids one `POST /api/announcements/seen` takes (the inbox lists 100).
pub const MAX_SEEN_BATCH: usize = 100;

/// `POST /api/announcements/seen`: the inbox page marks what it listed, in
/// one request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SeenBatch {
    pub ids: Vec<AnnouncementId>,
}

/// The answer: the ids now marked seen (ids not addressed to the caller, or
/// that do not exist, are left out).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SeenMarked {
    pub seen: Vec<AnnouncementId>,
}

/// `GET /api/announcements/{id}` (admins and API keys): an announcement with its receipts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AnnouncementStats {
    #[serde(flatten)]
    pub announcement: Announcement,
    /// Accounts it reached, live or through the inbox.
    pub delivered: i64,
    /// Accounts that opened or dismissed it.
    pub seen: i64,
}

/// A day of the week, for weekly schedules.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// How often a daily-style schedule repeats.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Day,
    /// Monday to Friday.
    Weekday,
    /// On `days` (default: the weekday of `at`).
    Week,
    /// On the day of the month of `at` (the month's last day when it is shorter).
    Month,
}

/// A schedule's recurrence: `{"every": "day" | "weekday" | "week", "days"?: [...]}`,
/// `{"every": "month"}` or `{"cron": "…"}`. The time of day is the local time of
/// `at` in the schedule's zone; a cron expression gives its own times, also read
/// in that zone.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(untagged, try_from = "RepeatWire")]
pub enum Repeat {
    Every {
        every: Every,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        days: Vec<Day>,
    },
    Cron {
        cron: String,
    },
}

/// How a [`Repeat`] is read: one flat object, so that a mistake gets a precise
/// message (an unknown `every`, or `every` and `cron` together) rather than
/// "matched no variant".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepeatWire {
    #[serde(default)]
    every: Option<Every>,
    #[serde(default)]
    days: Vec<Day>,
    #[serde(default)]
    cron: Option<String>,
}

impl TryFrom<RepeatWire> for Repeat {
    type Error = String;

    fn try_from(w: RepeatWire) -> Result<Repeat, String> {
        match (w.every, w.cron) {
            (Some(every), None) => Ok(Repeat::Every {
                every,
                days: w.days,
            }),
            (None, Some(cron)) if w.days.is_empty() => Ok(Repeat::Cron { cron }),
            (None, Some(_)) => Err("repeat: \"days\" goes with \"every\", not \"cron\"".into()),
            (Some(_), Some(_)) => Err("repeat: give \"every\" or \"cron\", not both".into()),
            (None, None) => Err("repeat: give \"every\" or \"cron\"".into()),
        }
    }
}

/// `POST /api/schedules` (and `POST /api/schedules/preview`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    #[serde(default)]
    pub title: Option<String>,
    pub body: String,
    #[serde(default)]
    pub severity: Severity,
    pub target: Target,
    /// The first due time: RFC 3339 with an offset, e.g. `2026-12-01T09:00:00+01:00`.
    pub at: String,
    /// IANA zone name, e.g. `Europe/Berlin`: recurrences keep their local time in it.
    pub zone: String,
    #[serde(default)]
    pub repeat: Option<Repeat>,
    /// No occurrence after this time (RFC 3339 with an offset).
    #[serde(default)]
    pub until: Option<String>,
}

/// `PATCH /api/schedules/{id}`: the fields to change. `repeat` and `until` may
/// be `null` to remove them.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SchedulePatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub title: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub repeat: Option<Option<Repeat>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "double_option"
    )]
    pub until: Option<Option<String>>,
}

/// `Option<Option<T>>` fields: absent = `None`, `null` = `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    /// Has a next run.
    Scheduled,
    /// Done: every occurrence has fired.
    Sent,
    Cancelled,
    /// Done, and its last occurrence failed or was missed (see `last_error`).
    Failed,
}

impl ScheduleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleStatus::Scheduled => "scheduled",
            ScheduleStatus::Sent => "sent",
            ScheduleStatus::Cancelled => "cancelled",
            ScheduleStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ScheduleStatus> {
        match s {
            "scheduled" => Some(ScheduleStatus::Scheduled),
            "sent" => Some(ScheduleStatus::Sent),
            "cancelled" => Some(ScheduleStatus::Cancelled),
            "failed" => Some(ScheduleStatus::Failed),
            _ => None,
        }
    }
}

/// A schedule as the API shows it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub id: ScheduleId,
    pub title: Option<String>,
    /// The Markdown source, for editing.
    pub body: String,
    pub body_html: String,
    pub severity: Severity,
    pub target: Target,
    /// The first due time, shown with the zone's offset.
    pub at: DateTime<chrono::FixedOffset>,
    pub zone: String,
    pub repeat: Option<Repeat>,
    pub until: Option<DateTime<chrono::FixedOffset>>,
    pub status: ScheduleStatus,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub next_run: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub last_run: Option<DateTime<Utc>>,
    /// Why the last occurrence failed or was missed, if it did.
    pub last_error: Option<String>,
    /// Accounts reached, summed over every fired occurrence.
    pub delivered: i64,
    /// Accounts that opened or dismissed one, summed likewise.
    pub seen: i64,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    /// The next (up to) five due times in the schedule's zone. Present on the
    /// answers about one schedule; empty in the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upcoming: Vec<DateTime<chrono::FixedOffset>>,
    /// Its most recent occurrences, newest first (answers about one schedule).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occurrences: Vec<Occurrence>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceStatus {
    /// Claimed and being delivered.
    Firing,
    Sent,
    /// More than the grace period late (the server was down): not sent.
    Missed,
    /// Not sent: the author lost the right to send, or the target is gone.
    Failed,
}

impl OccurrenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OccurrenceStatus::Firing => "firing",
            OccurrenceStatus::Sent => "sent",
            OccurrenceStatus::Missed => "missed",
            OccurrenceStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<OccurrenceStatus> {
        match s {
            "firing" => Some(OccurrenceStatus::Firing),
            "sent" => Some(OccurrenceStatus::Sent),
            "missed" => Some(OccurrenceStatus::Missed),
            "failed" => Some(OccurrenceStatus::Failed),
            _ => None,
        }
    }
}

/// One due time of a schedule and what became of it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub id: OccurrenceId,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub due_at: DateTime<Utc>,
    pub status: OccurrenceStatus,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub fired_at: DateTime<Utc>,
    pub late: bool,
    pub announcement: Option<AnnouncementId>,
    pub reason: Option<String>,
}

/// The answer to `POST /api/schedules/preview`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    pub upcoming: Vec<DateTime<chrono::FixedOffset>>,
}

/// `POST /api/keys`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateApiKey {
    pub name: String,
}

/// An API key as listed (the key itself is never shown again).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The answer to `POST /api/keys`: the only time `key` is shown.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct NewApiKey {
    #[serde(flatten)]
    pub info: ApiKey,
    pub key: String,
}

// ---------------------------------------------------------------------------
// HTTP bodies
// ---------------------------------------------------------------------------

/// `POST /api/auth/register` and `POST /api/auth/login`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// `POST /api/me/password`: the current password proves it is you; the new
/// one follows the same rules as at registration.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
}

/// Answer to register and login. The token works as `Authorization: Bearer`;
/// browsers also get it as an HttpOnly cookie.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct AuthResponse {
    pub token: String,
    pub user: User,
}

/// `POST /api/rooms`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateRoom {
    pub name: String,
    #[serde(default)]
    pub visibility: Visibility,
}

/// `POST /api/rooms/{room}/members`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct AddMember {
    pub user: UserId,
}

/// `PATCH /api/rooms/{room}/members/{user}`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct SetRoomRole {
    pub role: RoomRole,
}

/// One member of a room, as `GET /api/rooms/{room}/members` lists them and
/// `POST`/`PATCH` on a member answer.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomMember {
    pub id: UserId,
    pub username: String,
    pub role: RoomRole,
    /// Muted until then (see [`MuteMember`]); absent when they may post.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::protocol::time::read_opt"
    )]
    pub muted_until: Option<DateTime<Utc>>,
}

/// A room's own settings, as `PATCH /api/rooms/{room}` answers them and
/// `room_updated` carries them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomSettings {
    pub room: RoomId,
    pub name: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub archived: bool,
}

/// `PATCH /api/rooms/{room}`: what to change (owners, moderators, admins).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateRoom {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Longest room topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 250;

/// `POST /api/rooms/{room}/mutes`: mute `user` for `minutes` (1 minute to 30
/// days); they read the room but cannot post, edit or type in it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct MuteMember {
    pub user: UserId,
    pub minutes: i64,
}

/// Longest mute, in minutes (30 days).
pub const MAX_MUTE_MINUTES: i64 = 30 * 24 * 60;

/// A mute as `POST /api/rooms/{room}/mutes` answers it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomMute {
    pub user: UserId,
    pub username: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub until: DateTime<Utc>,
}

/// `POST /api/rooms/{room}/bans`: ban `user` from a public room (removed at
/// once, and refused when they join again).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BanMember {
    pub user: UserId,
}

/// One person banned from a room, as `GET /api/rooms/{room}/bans` lists them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RoomBan {
    pub id: UserId,
    pub username: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub banned_at: DateTime<Utc>,
}

/// `POST /api/dms`: the other participants (the caller is always one; listing
/// them too changes nothing).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct OpenDm {
    pub users: Vec<UserId>,
}

/// `GET /api/rooms/{room}/messages?before=&limit=`: newest first is *not* how
/// they come; `messages` are in ascending id order, the page just below `before`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct MessagePage {
    pub messages: Vec<ChatMessage>,
    /// Older messages exist before the first one.
    pub more: bool,
}

/// `GET /api/rooms/{room}/threads/{id}?before=&limit=`: a thread's parent
/// and a page of its replies, in ascending id order, the page just below
/// `before` (the newest when absent).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ThreadPage {
    pub parent: ChatMessage,
    pub messages: Vec<ChatMessage>,
    /// Older replies exist before the first one.
    pub more: bool,
}

/// What an audit log entry records. Stored and sent as its snake_case name;
/// an entry written by a newer server reads as [`AuditAction::Other`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignedUp,
    LoginFailed,
    AccountCreated,
    RoleChanged,
    Deactivated,
    Reactivated,
    InviteCreated,
    InviteRevoked,
    RoomCreated,
    MemberAdded,
    MemberRemoved,
    MemberRoleChanged,
    MessageDeletedByModerator,
    ApiKeyCreated,
    ApiKeyRevoked,
    ScheduleCreated,
    ScheduleEdited,
    ScheduleCancelled,
    PasswordChanged,
    PasswordChangeFailed,
    RoomRenamed,
    RoomTopicChanged,
    RoomArchived,
    RoomUnarchived,
    MemberMuted,
    MemberUnmuted,
    MemberBanned,
    MemberUnbanned,
    PasswordResetCreated,
    PasswordReset,
    SessionEnded,
    #[serde(other)]
    Other,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignedUp => "signed_up",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::AccountCreated => "account_created",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::Deactivated => "deactivated",
            AuditAction::Reactivated => "reactivated",
            AuditAction::InviteCreated => "invite_created",
            AuditAction::InviteRevoked => "invite_revoked",
            AuditAction::RoomCreated => "room_created",
            AuditAction::MemberAdded => "member_added",
            AuditAction::MemberRemoved => "member_removed",
            AuditAction::MemberRoleChanged => "member_role_changed",
            AuditAction::MessageDeletedByModerator => "message_deleted_by_moderator",
            AuditAction::ApiKeyCreated => "api_key_created",
            AuditAction::ApiKeyRevoked => "api_key_revoked",
            AuditAction::ScheduleCreated => "schedule_created",
            AuditAction::ScheduleEdited => "schedule_edited",
            AuditAction::ScheduleCancelled => "schedule_cancelled",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordChangeFailed => "password_change_failed",
            AuditAction::RoomRenamed => "room_renamed",
            AuditAction::RoomTopicChanged => "room_topic_changed",
            AuditAction::RoomArchived => "room_archived",
            AuditAction::RoomUnarchived => "room_unarchived",
            AuditAction::MemberMuted => "member_muted",
            AuditAction::MemberUnmuted => "member_unmuted",
            AuditAction::MemberBanned => "member_banned",
            AuditAction::MemberUnbanned => "member_unbanned",
            AuditAction::PasswordResetCreated => "password_reset_created",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::SessionEnded => "session_ended",
            AuditAction::Other => "other",
        }
    }

    pub const ALL: [AuditAction; 31] = [
        AuditAction::SignedUp,
        AuditAction::LoginFailed,
        AuditAction::AccountCreated,
        AuditAction::RoleChanged,
        AuditAction::Deactivated,
        AuditAction::Reactivated,
        AuditAction::InviteCreated,
        AuditAction::InviteRevoked,
        AuditAction::RoomCreated,
        AuditAction::MemberAdded,
        AuditAction::MemberRemoved,
        AuditAction::MemberRoleChanged,
        AuditAction::MessageDeletedByModerator,
        AuditAction::ApiKeyCreated,
        AuditAction::ApiKeyRevoked,
        AuditAction::ScheduleCreated,
        AuditAction::ScheduleEdited,
        AuditAction::ScheduleCancelled,
        AuditAction::PasswordChanged,
        AuditAction::PasswordChangeFailed,
        AuditAction::RoomRenamed,
        AuditAction::RoomTopicChanged,
        AuditAction::RoomArchived,
        AuditAction::RoomUnarchived,
        AuditAction::MemberMuted,
        AuditAction::MemberUnmuted,
        AuditAction::MemberBanned,
        AuditAction::MemberUnbanned,
        AuditAction::PasswordResetCreated,
        AuditAction::PasswordReset,
        AuditAction::SessionEnded,
    ];

    pub fn parse(s: &str) -> AuditAction {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .unwrap_or(AuditAction::Other)
    }
}

/// One line of the audit log (`GET /api/audit`), newest first.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub at: DateTime<Utc>,
    /// Who acted, by id and by the name they had; absent when nobody was
    /// logged in (a failed login, a sign-up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub action: AuditAction,
    /// What it was done to ("user 7 (bob)", "room 3 (#ops)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

/// `PATCH /api/users/{id}` (admin): what to change; at least one field.
/// `active: false` deactivates the account (its sessions end, its sockets
/// close with 4001, login is refused); `true` reactivates it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct UpdateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Every HTTP error body: `{"error": {"code": …, "message": …}}`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// For `invalid`: the request field at fault (`at`, `repeat.cron`, …), so a
    /// form can show the message beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_use_the_documented_json() {
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"send","room":3,"body":"hi","client_id":"c1"}"#)
                .unwrap();
        assert_eq!(
            f,
            ClientFrame::Send {
                room: RoomId(3),
                body: "hi".into(),
                client_id: "c1".into(),
                files: Vec::new(),
                thread: None,
                also_in_room: false,
            }
        );
        let f: ClientFrame = serde_json::from_str(r#"{"type":"join","room":3}"#).unwrap();
        assert_eq!(
            f,
            ClientFrame::Join {
                room: RoomId(3),
                since: None,
                changes_since: None
            }
        );
    }

    #[test]
    fn change_fields_are_optional_on_the_wire() {
        // Frames without them (an older peer) still parse.
        let f: ServerFrame =
            serde_json::from_str(r#"{"type":"history","room":1,"messages":[],"more":false}"#)
                .unwrap();
        assert_eq!(
            f,
            ServerFrame::History {
                room: RoomId(1),
                messages: vec![],
                more: false,
                changes: ChangeId(0),
                reset: false,
                partial: false
            }
        );
        let f: ServerFrame = serde_json::from_str(r#"{"type":"deleted","room":1,"id":4}"#).unwrap();
        assert_eq!(
            f,
            ServerFrame::Deleted {
                room: RoomId(1),
                id: MessageId(4),
                change: ChangeId(0)
            }
        );
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"join","room":3,"since":9,"changes_since":2}"#)
                .unwrap();
        assert_eq!(
            f,
            ClientFrame::Join {
                room: RoomId(3),
                since: Some(MessageId(9)),
                changes_since: Some(ChangeId(2))
            }
        );
        // `reset` is sent only when true.
        let json = serde_json::to_value(ServerFrame::History {
            room: RoomId(1),
            messages: vec![],
            more: false,
            changes: ChangeId(5),
            reset: false,
            partial: false,
        })
        .unwrap();
        assert_eq!(json["changes"], 5);
        assert!(json.get("reset").is_none());
    }

    #[test]
    fn server_message_frame_is_flat() {
        let m = ChatMessage {
            room: RoomId(1),
            id: MessageId(7),
            author: "ann".into(),
            body: "x".into(),
            sent_at: DateTime::from_timestamp(0, 0).unwrap(),
            edited_at: None,
            client_id: Some("c".into()),
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        };
        let json = serde_json::to_value(ServerFrame::Message(m)).unwrap();
        assert_eq!(json["type"], "message");
        assert_eq!(json["id"], 7);
        assert_eq!(json["author"], "ann");
        assert_eq!(json["client_id"], "c");
    }

    #[test]
    fn announcement_shapes_match_the_docs() {
        let t: Target = serde_json::from_str(r#"{"kind":"room","room":4}"#).unwrap();
        assert_eq!(t, Target::Room { room: RoomId(4) });
        assert_eq!(
            serde_json::to_value(Target::Agents).unwrap(),
            serde_json::json!({"kind": "agents"})
        );
        let r: Repeat = serde_json::from_str(r#"{"every":"week","days":["mon","fri"]}"#).unwrap();
        assert_eq!(
            r,
            Repeat::Every {
                every: Every::Week,
                days: vec![Day::Mon, Day::Fri]
            }
        );
        for bad in [
            r#"{"every":"day","cron":"* * * * *"}"#,
            r#"{"every":"yearly"}"#,
            r#"{}"#,
            r#"{"every":"day","at":1}"#,
        ] {
            assert!(serde_json::from_str::<Repeat>(bad).is_err(), "{bad}");
        }
        let r: Repeat = serde_json::from_str(r#"{"cron":"0 9 * * 1"}"#).unwrap();
        assert_eq!(
            r,
            Repeat::Cron {
                cron: "0 9 * * 1".into()
            }
        );
        let p: SchedulePatch = serde_json::from_str(r#"{"until":null,"body":"x"}"#).unwrap();
        assert_eq!(p.until, Some(None));
        assert_eq!(p.repeat, None);
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"announcement_seen","id":9}"#).unwrap();
        assert_eq!(
            f,
            ClientFrame::AnnouncementSeen {
                id: AnnouncementId(9)
            }
        );
        let frame = ServerFrame::Announcement(Announcement {
            id: AnnouncementId(1),
            occurrence: None,
            title: None,
            body_html: "<p>x</p>".into(),
            severity: Severity::Urgent,
            target: Target::All,
            due_at: None,
            sent_at: DateTime::from_timestamp(0, 0).unwrap(),
            late: false,
        });
        let json = serde_json::to_value(frame).unwrap();
        assert_eq!(json["type"], "announcement");
        assert_eq!(json["severity"], "urgent");
        assert_eq!(json["target"]["kind"], "all");
    }

    #[test]
    fn support_frames_use_the_documented_json() {
        let f: ClientFrame = serde_json::from_str(
            r#"{"type":"support.open","body":"help","client_id":"c1","email":"a@b.c"}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            ClientFrame::SupportOpen {
                body: "help".into(),
                client_id: "c1".into(),
                name: None,
                email: Some("a@b.c".into()),
                page: None,
                files: Vec::new(),
            }
        );
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"support.join","conversation":4,"since":9}"#).unwrap();
        assert_eq!(
            f,
            ClientFrame::SupportJoin {
                conversation: ConversationId(4),
                since: Some(SupportMessageId(9))
            }
        );
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"support.availability","status":"away"}"#).unwrap();
        assert_eq!(
            f,
            ClientFrame::SupportAvailability {
                status: Availability::Away
            }
        );
        let f: ClientFrame = serde_json::from_str(r#"{"type":"support.subscribe"}"#).unwrap();
        assert_eq!(f, ClientFrame::SupportSubscribe {});
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"support.contact","conversation":2,"email":"a@b.c"}"#)
                .unwrap();
        assert_eq!(
            f,
            ClientFrame::SupportContact {
                conversation: ConversationId(2),
                email: "a@b.c".into(),
                name: None
            }
        );
        assert!(
            serde_json::from_str::<ClientFrame>(r#"{"type":"support.subscribe","x":1}"#).is_err()
        );
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"support.transfer","conversation":1,"agent":7}"#)
                .unwrap();
        assert_eq!(
            f,
            ClientFrame::SupportTransfer {
                conversation: ConversationId(1),
                agent: UserId(7)
            }
        );
        assert!(serde_json::from_str::<ClientFrame>(
            r#"{"type":"support.rate","conversation":1,"score":5,"x":1}"#
        )
        .is_err());
        // Round trips.
        for f in [
            ClientFrame::SupportRate {
                conversation: ConversationId(2),
                score: 4,
                comment: Some("ok".into()),
            },
            ClientFrame::SupportNote {
                conversation: ConversationId(2),
                body: "n".into(),
                client_id: "c".into(),
                files: vec![FileId("f".into())],
            },
            ClientFrame::SupportResolve {
                conversation: ConversationId(2),
            },
        ] {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(serde_json::from_str::<ClientFrame>(&json).unwrap(), f);
        }
    }

    #[test]
    fn system_events_carry_their_english_line_and_travel_as_tagged_objects() {
        let ann = || "ann".to_owned();
        let cases = [
            (SystemEvent::Assigned { to: ann() }, "Assigned to ann"),
            (
                SystemEvent::Transferred {
                    by: ann(),
                    from: Some(ann()),
                    to: "bob".into(),
                },
                "ann transferred the conversation to bob",
            ),
            (
                SystemEvent::Transferred {
                    by: "boss".into(),
                    from: Some("bob".into()),
                    to: ann(),
                },
                "boss transferred the conversation from bob to ann",
            ),
            (
                SystemEvent::NotAnswered {
                    agent: Some(ann()),
                    seconds: 300,
                },
                "ann did not answer within 5 minutes; back to routing",
            ),
            (
                SystemEvent::Reopened { by: None },
                "The visitor wrote again; reopened",
            ),
            (
                SystemEvent::Rated { score: 4 },
                "The visitor rated the conversation 4/5",
            ),
        ];
        for (event, line) in cases {
            assert_eq!(event.english(), line);
            let json = serde_json::to_value(&event).unwrap();
            assert!(json["kind"].is_string(), "{json}");
            assert_eq!(serde_json::from_value::<SystemEvent>(json).unwrap(), event);
        }
        assert_eq!(
            serde_json::to_value(SystemEvent::Claimed {
                agent: ann(),
                from: None
            })
            .unwrap(),
            serde_json::json!({"kind": "claimed", "agent": "ann"})
        );
    }

    #[test]
    fn support_server_frames_are_flat_and_tagged() {
        let m = SupportMessage {
            conversation: ConversationId(3),
            id: SupportMessageId(11),
            author: "ann".into(),
            author_kind: AuthorKind::Agent,
            private: false,
            body: "hi".into(),
            sent_at: DateTime::from_timestamp(0, 0).unwrap(),
            client_id: None,
            event: None,
            files: Vec::new(),
        };
        let json = serde_json::to_value(ServerFrame::SupportMessage(m.clone())).unwrap();
        assert_eq!(json["type"], "support.message");
        assert_eq!(json["author_kind"], "agent");
        assert_eq!(json["conversation"], 3);
        assert!(json.get("private").is_none(), "false is left out");
        let back: ServerFrame = serde_json::from_value(json).unwrap();
        assert_eq!(back, ServerFrame::SupportMessage(m));
        let f = ServerFrame::SupportAssigned(SupportAssigned {
            conversation: ConversationId(3),
            agent: Some(AgentRef {
                id: UserId(2),
                name: "bob".into(),
            }),
        });
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["type"], "support.assigned");
        assert_eq!(json["agent"]["name"], "bob");
        assert_eq!(serde_json::from_value::<ServerFrame>(json).unwrap(), f);
        let f = ServerFrame::SupportStatus(SupportStatus {
            conversation: ConversationId(3),
            status: ConversationStatus::Pending,
        });
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["status"], "pending");
        assert_eq!(serde_json::from_value::<ServerFrame>(json).unwrap(), f);
        assert_eq!(
            serde_json::to_value(ErrorCode::BadSignature).unwrap(),
            ErrorCode::BadSignature.as_str()
        );
    }

    /// The visitor bundle reads the server's frames into `VisitorFrame`: the
    /// same JSON must give the same payloads, and frames for other pages
    /// must read as `Other`, not fail.
    #[test]
    fn a_visitor_reads_the_frames_sent_to_visitors_as_sent() {
        fn read(f: &ServerFrame) -> VisitorFrame {
            wire::decode(&serde_json::to_string(f).unwrap()).unwrap()
        }
        let message = SupportMessage {
            conversation: ConversationId(3),
            id: SupportMessageId(11),
            author: "ann".into(),
            author_kind: AuthorKind::Agent,
            private: false,
            body: "hi".into(),
            sent_at: DateTime::from_timestamp(5, 0).unwrap(),
            client_id: Some("c1".into()),
            event: Some(SystemEvent::Claimed {
                agent: "ann".into(),
                from: None,
            }),
            files: Vec::new(),
        };
        let hello = SupportHello {
            visitor: Some(VisitorId(4)),
            name: Some("Vi".into()),
            email: None,
            verified: true,
            conversations: vec![],
            desk: DeskState {
                open_now: true,
                agents_online: false,
                away_message: "later".into(),
            },
        };
        let history = SupportHistory {
            conversation: ConversationId(3),
            status: ConversationStatus::Resolved,
            assignee: Some(AgentRef {
                id: UserId(2),
                name: "ann".into(),
            }),
            messages: vec![message.clone()],
            more: true,
            rating: Some(Rating {
                score: 4,
                comment: Some("quick".into()),
            }),
            visitor_read: None,
            agent_read: Some(SupportMessageId(11)),
        };
        let ack = SupportAck {
            client_id: "c1".into(),
            id: SupportMessageId(11),
            conversation: ConversationId(3),
        };
        let typing = SupportTyping {
            conversation: ConversationId(3),
            who: "ann".into(),
            kind: AuthorKind::Agent,
        };
        let away = SupportAway {
            conversation: ConversationId(3),
            reason: AwayReason::Closed,
            message: "back at 9".into(),
        };
        let error = ErrorFrame {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            retry_after_ms: Some(1500),
            client_id: Some("c2".into()),
        };
        let assigned = SupportAssigned {
            conversation: ConversationId(3),
            agent: None,
        };
        let status = SupportStatus {
            conversation: ConversationId(3),
            status: ConversationStatus::Pending,
        };
        let announcement = Announcement {
            id: AnnouncementId(9),
            occurrence: Some(OccurrenceId(2)),
            title: Some("Maintenance".into()),
            body_html: "<p>at 6</p>".into(),
            severity: Severity::Warning,
            target: Target::Visitors,
            due_at: Some(DateTime::from_timestamp(6, 0).unwrap()),
            sent_at: DateTime::from_timestamp(7, 0).unwrap(),
            late: false,
        };
        let pairs = [
            (ServerFrame::Pong, VisitorFrame::Pong),
            (
                ServerFrame::Announcement(announcement.clone()),
                VisitorFrame::Announcement(announcement),
            ),
            (
                ServerFrame::SupportAssigned(assigned.clone()),
                VisitorFrame::SupportAssigned(assigned),
            ),
            (
                ServerFrame::SupportStatus(status.clone()),
                VisitorFrame::SupportStatus(status),
            ),
            (
                ServerFrame::SupportHello(hello.clone()),
                VisitorFrame::SupportHello(hello),
            ),
            (
                ServerFrame::SupportHistory(history.clone()),
                VisitorFrame::SupportHistory(history),
            ),
            (
                ServerFrame::SupportMessage(message.clone()),
                VisitorFrame::SupportMessage(message),
            ),
            (
                ServerFrame::SupportAck(ack.clone()),
                VisitorFrame::SupportAck(ack),
            ),
            (
                ServerFrame::SupportTyping(typing.clone()),
                VisitorFrame::SupportTyping(typing),
            ),
            (
                ServerFrame::SupportAway(away.clone()),
                VisitorFrame::SupportAway(away),
            ),
            (
                ServerFrame::Error(error.clone()),
                VisitorFrame::Error(error),
            ),
        ];
        for (sent, read_as) in pairs {
            assert_eq!(read(&sent), read_as);
        }
        for other in [
            ServerFrame::Hello {
                user: User {
                    id: UserId(1),
                    username: "ann".into(),
                    role: Role::Member,
                    active: true,
                },
            },
            ServerFrame::Left { room: RoomId(1) },
            ServerFrame::MemberRemoved {
                room: RoomId(1),
                banned: false,
            },
            ServerFrame::SupportAgentRemoved { id: UserId(1) },
        ] {
            assert_eq!(read(&other), VisitorFrame::Other);
        }
    }

    #[test]
    fn room_summaries_without_visibility_or_kind_read_as_public_rooms() {
        let old = r#"{"id":3,"name":"general","created_at":"2026-11-25T19:37:04Z",
                      "joined":true,"unread":2}"#;
        let r: RoomSummary = serde_json::from_str(old).unwrap();
        assert_eq!(
            (r.visibility, r.kind, r.role),
            (Visibility::Public, RoomKind::Room, None)
        );
        assert!(r.members.is_empty());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["visibility"], "public");
        assert_eq!(json["kind"], "room");
        assert!(json.get("role").is_none() && json.get("members").is_none());
        for role in [RoomRole::Member, RoomRole::Moderator, RoomRole::Owner] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
            assert_eq!(RoomRole::parse(role.as_str()), Some(role));
        }
        let frame: ServerFrame =
            serde_json::from_str(r#"{"type":"member_removed","room":3}"#).unwrap();
        assert_eq!(
            frame,
            ServerFrame::MemberRemoved {
                room: RoomId(3),
                banned: false
            }
        );
        // Summaries of servers older than room settings read as open rooms.
        assert!(r.topic.is_empty() && !r.archived && r.muted_until.is_none());
        assert!(json.get("topic").is_none() && json.get("archived").is_none());
    }

    #[test]
    fn error_code_strings_match_serde() {
        for code in [
            ErrorCode::BadFrame,
            ErrorCode::RateLimited,
            ErrorCode::NotJoined,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
        }
    }
}
