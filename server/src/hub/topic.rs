//! What can be published, and to whom: the one vocabulary every live frame
//! goes out in ([`super::Hub::publish`]).
//!
//! A topic names recipients by what they are (a room's followers, a
//! conversation's listeners, a user's connections), never by connection, so
//! the same publication means the same thing on every node of a cluster:
//! each node delivers it to its own connections. Both types serialize,
//! because between nodes they travel through the broker.

use super::Kick;
use crate::support::access;
use app::protocol::{ConversationId, Role, RoomId, ServerFrame, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a publication is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Topic {
    /// Every connection that joined the room.
    Room { room: RoomId },
    /// A conversation's listeners: the visitor's tabs and the staff panes
    /// that opened it; private notes go to `Audience::Staff` only.
    Conversation {
        conversation: ConversationId,
        audience: Audience,
    },
    /// Agents' consoles (`support.subscribe`) that `scope` admits.
    Consoles { scope: Consoles },
    /// Every connection of one user.
    User { user: UserId },
    /// Every connection that authenticated with one login session (its token
    /// hash): a logout or an expiry closes exactly those.
    Session { session: String },
    /// Every connection of the listed users (an announcement to a room's
    /// members, read from the database by the publisher).
    Users { users: Vec<UserId> },
    /// Every connection of an agent or admin.
    Agents,
    /// Every signed-in connection (visitors are `Visitors`).
    All,
    /// Every support visitor's connection.
    Visitors,
}

/// Which of a conversation's listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Everyone,
    /// Agents and admins only (private notes).
    Staff,
}

/// Which consoles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "c", rename_all = "snake_case")]
pub enum Consoles {
    Every,
    /// Those that show a conversation assigned to `assignee`
    /// ([`access::may_see`]), and `also`'s (an agent it just left, so their
    /// list drops it).
    Showing {
        assignee: Option<UserId>,
        also: Option<UserId>,
    },
    /// One agent's consoles.
    Of {
        user: UserId,
    },
}

impl Topic {
    /// Every [`Topic::name`], for metrics to make their handles up front.
    pub const NAMES: &'static [&'static str] = &[
        "room",
        "conversation",
        "consoles",
        "user",
        "session",
        "users",
        "agents",
        "all",
        "visitors",
    ];

    /// Its kind, as metrics label it.
    pub fn name(&self) -> &'static str {
        match self {
            Topic::Room { .. } => "room",
            Topic::Conversation { .. } => "conversation",
            Topic::Consoles { .. } => "consoles",
            Topic::User { .. } => "user",
            Topic::Session { .. } => "session",
            Topic::Users { .. } => "users",
            Topic::Agents => "agents",
            Topic::All => "all",
            Topic::Visitors => "visitors",
        }
    }
}

impl Consoles {
    pub fn admits(&self, user: UserId, role: Role) -> bool {
        match *self {
            Consoles::Every => true,
            Consoles::Showing { assignee, also } => {
                access::may_see(user, role, assignee) || also == Some(user)
            }
            Consoles::Of { user: u } => u == user,
        }
    }
}

/// What is published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "e", rename_all = "snake_case")]
pub enum Event {
    /// A frame, serialized once per node and shared by its recipients.
    Frame { frame: ServerFrame },
    /// Close the recipients' connections (a role change, a logout).
    Close { why: Kick },
    /// The recipients' connections stop following `room` — their user left
    /// it or was removed from it — and then get `frame`. Applied by every
    /// node to its own connections, like any publication, so a removal takes
    /// effect on all of them: nothing the room publishes afterwards is
    /// written to those connections, and their sends to it are refused
    /// (`not_joined`). Meaningful on a user's topics (`User`, `Users`).
    Leave { room: RoomId, frame: ServerFrame },
    /// The recipients' connections that follow `room` take `change` (the
    /// room was archived or reopened, their user muted or unmuted: what
    /// [`Voice`] they have there), and then every recipient gets `frame`.
    /// Applied by each node to its own connections, so a `send` anywhere is
    /// judged without a database read.
    Voice {
        room: RoomId,
        change: VoiceChange,
        frame: ServerFrame,
    },
    /// A conversation changed hands: its staff listeners who may no longer
    /// see it ([`access::may_see`] with the new `assignee`) get `frame` and
    /// stop listening, before anything more of it is published. Only
    /// meaningful on a `Topic::Conversation`.
    Revoke {
        assignee: Option<UserId>,
        frame: ServerFrame,
    },
}

/// What may stop a connection that follows a room from posting in it, as
/// its node last heard ([`Event::Voice`], and the `join` that read it from
/// the store).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Voice {
    /// The room is archived: read-only for everyone.
    pub archived: bool,
    /// The user is muted here until then (over once it has passed).
    pub muted_until: Option<DateTime<Utc>>,
}

impl Voice {
    pub fn apply(&mut self, change: VoiceChange) {
        match change {
            VoiceChange::Archived(archived) => self.archived = archived,
            VoiceChange::Muted(until) => self.muted_until = until,
        }
    }

    /// Takes what `other` knows into this one, keeping the stricter of the
    /// two: a `join` merges what it read from the store with what
    /// [`Event::Voice`] delivered meanwhile, and in a race it errs on the
    /// side of silence (a rejoin reads the store again).
    pub fn merge(&mut self, other: Voice) {
        self.archived |= other.archived;
        self.muted_until = self.muted_until.max(other.muted_until);
    }

    /// The user is muted at `now`.
    pub fn muted_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.muted_until.filter(|until| *until > now)
    }
}

/// One change to a [`Voice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "v", content = "to", rename_all = "snake_case")]
pub enum VoiceChange {
    Archived(bool),
    /// Muted until then; `None`: unmuted.
    Muted(Option<DateTime<Utc>>),
}

impl From<ServerFrame> for Event {
    fn from(frame: ServerFrame) -> Event {
        Event::Frame { frame }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_name_is_listed() {
        let topics = [
            Topic::Room { room: RoomId(1) },
            Topic::Conversation {
                conversation: ConversationId(1),
                audience: Audience::Staff,
            },
            Topic::Consoles {
                scope: Consoles::Every,
            },
            Topic::User { user: UserId(1) },
            Topic::Session {
                session: String::new(),
            },
            Topic::Users { users: Vec::new() },
            Topic::Agents,
            Topic::All,
            Topic::Visitors,
        ];
        let names: Vec<&str> = topics.iter().map(Topic::name).collect();
        assert_eq!(names, Topic::NAMES);
    }
}
