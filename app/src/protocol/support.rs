//! The customer-service desk's wire types: ids, conversation rows, messages and
//! the payloads of the `support.*` frames (the frames themselves are variants
//! of [`ClientFrame`](super::ClientFrame) and [`ServerFrame`](super::ServerFrame),
//! so one socket carries chat and support alike). `docs/protocol.md` documents
//! them under "Support desk".

use super::{FileInfo, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

id_type!(
    /// A support conversation between one visitor and the desk.
    ConversationId
);
id_type!(
    /// A message of a support conversation. Ids increase across all
    /// conversations, so `support.join {since}` resumes exactly.
    SupportMessageId
);
id_type!(
    /// A support visitor (no account; known by the signed visitor cookie).
    VisitorId
);

/// Messages a `support.join` replays or shows at most; older ones come from
/// the transcript.
pub const SUPPORT_HISTORY: usize = 500;
/// Longest rating comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Characters of the last message shown in a conversation row.
pub const PREVIEW_CHARS: usize = 120;

/// Where a conversation stands.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Waiting on the desk.
    Open,
    /// Waiting on the visitor (set by an agent).
    Pending,
    /// Done; the visitor is asked for a rating. A visitor message reopens it.
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Open => "open",
            ConversationStatus::Pending => "pending",
            ConversationStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationStatus> {
        match s {
            "open" => Some(ConversationStatus::Open),
            "pending" => Some(ConversationStatus::Pending),
            "resolved" => Some(ConversationStatus::Resolved),
            _ => None,
        }
    }
}

/// Who wrote a support message.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Visitor,
    Agent,
    /// A line the server writes: assignments, status changes, re-routing.
    System,
}

/// An agent's availability, set by the agent; `offline` when none of their
/// connections is open.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    #[default]
    Offline,
}

/// An agent as visitors and other agents see them.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentRef {
    pub id: UserId,
    pub name: String,
}

/// One message of a conversation (the `support.message` frame).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportMessage {
    pub conversation: ConversationId,
    pub id: SupportMessageId,
    /// The visitor's name (or "Visitor"), the agent's username, or "system".
    pub author: String,
    pub author_kind: AuthorKind,
    /// A private note: sent to agents only, never to the visitor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    pub body: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub sent_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// What a system line says, for clients to show in the reader's language
    /// (and to visitors as they need it). `body` keeps the English sentence
    /// for API clients and transcripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<SystemEvent>,
    /// Its attachments, in the order they were attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
}

/// The events a support conversation's system lines record. The browser
/// reads them with the tag first (`wire`'s `Deserialize` for it), not with
/// the derived one.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SystemEvent {
    /// Routing gave the conversation to `to`.
    Assigned {
        to: String,
    },
    /// `agent` took it from the queue, or from `from`.
    Claimed {
        agent: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
    },
    /// `by` gave it to `to`: an admin's assignment, or the assignee's
    /// transfer (then `from` is `by`). `from` had it before.
    Transferred {
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        to: String,
    },
    /// `agent` is no longer an agent; the conversation goes back to routing.
    AgentRemoved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
    },
    /// `agent` did not answer within `seconds`; back to routing.
    NotAnswered {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<String>,
        seconds: i64,
    },
    /// `by` reopened it; `None`: the visitor wrote to it again.
    Reopened {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The visitor answered an agent who was waiting on them.
    VisitorAnswered,
    /// `by` is waiting on the visitor (pending).
    Waiting {
        by: String,
    },
    Resolved {
        by: String,
    },
    /// The visitor rated the conversation (1–5).
    Rated {
        score: u8,
    },
    /// The visitor left an email address.
    LeftEmail {
        email: String,
    },
}

impl SystemEvent {
    /// The line in English: the stored `body`, for API clients and transcripts.
    pub fn english(&self) -> String {
        match self {
            SystemEvent::Assigned { to } => format!("Assigned to {to}"),
            SystemEvent::Claimed { agent, from: None } => format!("{agent} took the conversation"),
            SystemEvent::Claimed {
                agent,
                from: Some(f),
            } => format!("{agent} took the conversation from {f}"),
            SystemEvent::Transferred { by, from: None, to } => {
                format!("{by} assigned the conversation to {to}")
            }
            SystemEvent::Transferred {
                by,
                from: Some(f),
                to,
            } if f == by => format!("{by} transferred the conversation to {to}"),
            SystemEvent::Transferred {
                by,
                from: Some(f),
                to,
            } => format!("{by} transferred the conversation from {f} to {to}"),
            SystemEvent::AgentRemoved { agent } => format!(
                "{} is no longer an agent; back to routing",
                agent.as_deref().unwrap_or("The agent")
            ),
            SystemEvent::NotAnswered { agent, seconds } => format!(
                "{} did not answer within {} minutes; back to routing",
                agent.as_deref().unwrap_or("The agent"),
                in_minutes(*seconds)
            ),
            SystemEvent::Reopened { by: None } => "The visitor wrote again; reopened".into(),
            SystemEvent::Reopened { by: Some(by) } => format!("{by} reopened the conversation"),
            SystemEvent::VisitorAnswered => "The visitor answered".into(),
            SystemEvent::Waiting { by } => format!("{by} is waiting on the visitor"),
            SystemEvent::Resolved { by } => format!("{by} resolved the conversation"),
            SystemEvent::Rated { score } => format!("The visitor rated the conversation {score}/5"),
            SystemEvent::LeftEmail { email } => {
                format!("The visitor left an email address: {email}")
            }
        }
    }

    /// The agent now answering, for lines that hand the conversation over.
    pub fn new_agent(&self) -> Option<&str> {
        match self {
            SystemEvent::Assigned { to } | SystemEvent::Transferred { to, .. } => Some(to),
            SystemEvent::Claimed { agent, .. } => Some(agent),
            _ => None,
        }
    }
}

/// A conversation as a row of the console's lists (the `support.conversation`
/// frame), and as a visitor's list of their own conversations.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub visitor: VisitorId,
    pub visitor_name: Option<String>,
    pub status: ConversationStatus,
    pub assignee: Option<AgentRef>,
    /// The start of the newest message (notes excluded), up to [`PREVIEW_CHARS`].
    pub last_message: Option<String>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub updated_at: DateTime<Utc>,
    /// When the oldest visitor message no agent has answered yet was sent.
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub waiting_since: Option<DateTime<Utc>>,
    /// Visitor messages since the last agent reply. The same for every agent,
    /// so a row is serialized once for the whole desk.
    pub unread: i64,
    /// The visitor's rating of the latest resolution, with their comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

/// What the desk knows of a visitor (agents only).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorInfo {
    pub id: VisitorId,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The name, email and external id come from a correctly signed identity.
    pub verified: bool,
    pub external_id: Option<String>,
    /// The page the visitor came from (their latest).
    pub page: Option<String>,
    /// Their browser's `User-Agent`.
    pub user_agent: Option<String>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub first_seen: DateTime<Utc>,
}

/// `GET /api/support/conversations/{id}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ConversationDetail {
    pub row: ConversationRow,
    pub visitor: VisitorInfo,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    pub rating: Option<Rating>,
    /// The visitor's other conversations, newest first.
    pub previous: Vec<ConversationRow>,
    /// The whole history, notes included, oldest first.
    pub messages: Vec<SupportMessage>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Rating {
    /// 1–5.
    pub score: u8,
    pub comment: Option<String>,
}

/// An agent on the desk (the `support.agent` frame and `GET /api/support/agents`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AgentStatus {
    pub id: UserId,
    pub name: String,
    pub availability: Availability,
    /// Conversations assigned and not resolved.
    pub open: i64,
    /// Most open conversations auto-assignment gives this agent.
    pub capacity: i64,
}

/// Whether anybody can answer now, shown to visitors.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeskState {
    /// Inside business hours (always, when none are configured).
    pub open_now: bool,
    /// At least one agent is online.
    pub agents_online: bool,
    /// What to show when `open_now` or `agents_online` is false.
    pub away_message: String,
}

/// The away message when an admin wrote none. Clients that recognise it show
/// their own translation (it is the server's English for API clients).
pub const DEFAULT_AWAY_MESSAGE: &str =
    "Nobody can answer right now. Leave your message and an email address, and we will reply.";

/// Why a visitor is told nobody answers now.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AwayReason {
    /// Outside business hours (or a holiday).
    Closed,
    /// Inside business hours, but no agent is online.
    NoAgents,
}

/// The request header that carries the visitor token where the visitor
/// cookie is missing (the widget's iframe on a browser that blocks
/// third-party cookies). The token is the cookie's own value, `<key>.<mac>`;
/// the cookie wins when both are sent.
pub const VISITOR_TOKEN_HEADER: &str = "switchboard-visitor";
/// A WebSocket cannot carry a custom header, so the iframe offers the token as
/// the subprotocol `switchboard.visitor.<token>` (never in the URL, which ends
/// up in logs); the server picks that protocol when it accepts the token.
pub const VISITOR_TOKEN_PROTOCOL: &str = "switchboard.visitor.";

/// `POST /api/support/session` (from the support page or the widget iframe).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// An identity the embedding site vouches for, signed with its secret.
    #[serde(default)]
    pub identity: Option<SignedIdentity>,
    /// The page the visitor is on (the embedding page, for the widget).
    #[serde(default)]
    pub page: Option<String>,
}

/// A verified identity: `signature` is the hex HMAC-SHA256, keyed with the
/// site's widget secret, of `"{ts}\n{external_id}\n{name}\n{email}"` (absent
/// fields as empty strings); `ts` is Unix seconds, at most a day old. The
/// fields may not contain control characters (new lines included), so the
/// payload names exactly one set of fields.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignedIdentity {
    pub external_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    pub ts: i64,
    pub signature: String,
}

/// The answer to `POST /api/support/session`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct VisitorSession {
    /// `null` until the visitor first writes or is identified (a cookie
    /// alone stores nothing).
    pub visitor: Option<VisitorId>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
    pub desk: DeskState,
    /// The visitor token: the value of the visitor cookie just set. The
    /// widget's iframe hands it to `widget.js`, which keeps it in the
    /// embedding site's storage and gives it back on the next visit, so the
    /// conversation survives where third-party cookies are blocked.
    #[serde(default)]
    pub token: String,
}

/// `POST /api/support/forget`: this browser forgets the visitor ("Start
/// over"). An empty object; JSON so that another site cannot send it with a
/// plain form.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ForgetRequest {}

/// A canned reply (admins manage them, agents use them).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CannedReply {
    pub id: i64,
    pub title: String,
    pub body: String,
}

/// `POST` / `PUT /api/support/canned…`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyRequest {
    pub title: String,
    pub body: String,
}

/// `PATCH /api/support/agents/{id}` (admin).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    pub capacity: i64,
}

/// One weekly opening period, in local time of the desk's zone. `to` may be
/// `24:00`; a period never crosses midnight (split it in two).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OpeningPeriod {
    pub day: super::Day,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`, after `from`.
    pub to: String,
}

/// `GET` / `PUT /api/support/hours`. No periods means always open.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA zone, e.g. `Europe/Berlin`.
    pub zone: String,
    #[serde(default)]
    pub periods: Vec<OpeningPeriod>,
    /// Closed all day on these local dates (`YYYY-MM-DD`).
    #[serde(default)]
    pub holidays: Vec<chrono::NaiveDate>,
    /// Shown to visitors when closed or nobody is online.
    #[serde(default)]
    pub away_message: Option<String>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            zone: "UTC".into(),
            periods: Vec::new(),
            holidays: Vec::new(),
            away_message: None,
        }
    }
}

/// `seconds` in minutes, as the reroute lines and notices name a deadline,
/// to two decimals at most: "5", "0.5", "0.33".
/// Integer arithmetic: formatting an `f64` would put float printing (about
/// 14 KB) in every browser bundle for this one number.
pub fn in_minutes(seconds: i64) -> String {
    let hundredths = (seconds.unsigned_abs() * 100 + 30) / 60;
    let sign = if seconds < 0 { "-" } else { "" };
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod minutes_tests {
    #[test]
    fn minutes_read_as_people_write_them() {
        assert_eq!(super::in_minutes(300), "5");
        assert_eq!(super::in_minutes(30), "0.5");
        assert_eq!(super::in_minutes(20), "0.33");
        assert_eq!(super::in_minutes(45), "0.75");
        assert_eq!(super::in_minutes(90), "1.5");
        assert_eq!(super::in_minutes(0), "0");
    }
}

// --- The payloads of the server's `support.*` frames a visitor reads, named
// so that `ServerFrame` and the visitor's smaller `VisitorFrame` share them.

/// `support.hello`: first frame on a visitor's connection (instead of `hello`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportHello {
    /// `null` until the visitor first writes (a cookie alone stores nothing).
    pub visitor: Option<VisitorId>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
    /// The visitor's conversations, newest first.
    pub conversations: Vec<ConversationRow>,
    pub desk: DeskState,
}

/// `support.history`: the answer to `support.join`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportHistory {
    pub conversation: ConversationId,
    pub status: ConversationStatus,
    pub assignee: Option<AgentRef>,
    pub messages: Vec<SupportMessage>,
    /// More messages exist past the last one (join again with `since`).
    pub more: bool,
    /// The rating already given to this resolution, so a reloaded page
    /// does not ask again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// How far the visitor has read, and the staff (read receipts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_read: Option<SupportMessageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_read: Option<SupportMessageId>,
}

/// `support.receipt`: the visitor (`by: visitor`) or the staff (`by:
/// agent`) have read the conversation up to message `id`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportReceipt {
    pub conversation: ConversationId,
    pub by: AuthorKind,
    pub id: SupportMessageId,
}

/// `support.ack`: your `support.open`/`send`/`note` with `client_id` is
/// stored as `id`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportAck {
    pub client_id: String,
    pub id: SupportMessageId,
    pub conversation: ConversationId,
}

/// `support.assigned`: the conversation's agent changed (`None`: back in
/// the queue).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportAssigned {
    pub conversation: ConversationId,
    pub agent: Option<AgentRef>,
}

/// `support.status`: the conversation's status changed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportStatus {
    pub conversation: ConversationId,
    pub status: ConversationStatus,
}

/// `support.typing`: `who` is typing in the conversation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportTyping {
    pub conversation: ConversationId,
    pub who: String,
    pub kind: AuthorKind,
}

/// `support.away`, to visitors: nobody will answer soon; the message is kept
/// and queued.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SupportAway {
    pub conversation: ConversationId,
    pub reason: AwayReason,
    pub message: String,
}
