//! Reading the server's frames without serde's buffer for internally tagged
//! enums: what the browser's socket uses (`client::socket`).
//!
//! `#[serde(tag = "type")]` (how [`ServerFrame`] is written) makes serde's
//! derived `Deserialize` read each frame into a generic `Content` tree first,
//! because the tag might come anywhere in the object; every payload type is
//! then deserialized a second way, from that tree. In WASM that doubles the
//! decoding code of every type a frame carries (the visitor bundle's and the
//! chat's largest serde functions were `Content` ones). The server writes
//! the tag first in every frame (docs/protocol.md; `loadtest` relies on it
//! too), so [`decode`] reads `"type"` as the first key and then the rest of
//! the object straight into the variant, as an externally tagged enum would
//! be read. Frames whose first key is not `type` are refused.
//!
//! A frame type implements [`Frame`] with an externally tagged `Deserialize`:
//! [`VisitorFrame`] derives one itself (it is only ever read this way);
//! [`ServerFrame`] keeps its internally tagged derive (the server and the
//! tests read frames with it) and gets a second, externally tagged one from
//! `ServerFrameWire` below, a `#[serde(remote)]` copy of its variants. The
//! test `every_server_frame_reads_back_through_the_wire_decoder` checks that
//! the copy reads every variant the server writes.

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, VariantAccess, Visitor,
};
use serde::Deserialize;

use super::*;

/// A frame enum read by [`decode`]: `from_wire` is an externally tagged
/// `Deserialize` of it (the variant's name, then its fields as a map).
pub trait Frame: Sized {
    /// The key that names the variant, first in the object.
    const TAG: &'static str = "type";

    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Reads one frame: `{"type": "<variant>", ...fields}` with `type` first.
pub fn decode<T: Frame>(text: &str) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let frame = tag_first(&mut de)?;
    de.end()?;
    Ok(frame)
}

/// Reads one tagged object, its tag first, from any deserializer: [`decode`]
/// for whole frames, and the browser's `Deserialize` of the internally tagged
/// enums inside them ([`SystemEvent`], [`Target`]), for the same reason.
pub fn tag_first<'de, T: Frame, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(TypeFirst(PhantomData))
}

impl Frame for VisitorFrame {
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        VisitorFrame::deserialize(deserializer)
    }
}

impl Frame for ServerFrame {
    fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ServerFrameWire::deserialize(deserializer)
    }
}

struct TypeFirst<T>(PhantomData<T>);

impl<'de, T: Frame> Visitor<'de> for TypeFirst<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object whose first key is \"{}\"", T::TAG)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == T::TAG => {}
            _ => {
                return Err(de::Error::custom(format_args!(
                    "the first key must be \"{}\"",
                    T::TAG
                )))
            }
        }
        let tag: String = map.next_value()?;
        T::from_wire(Tagged { tag, map })
    }
}

/// The frame after its `type`: an enum whose variant is `tag` and whose
/// fields are the rest of `map`.
struct Tagged<A> {
    tag: String,
    map: A,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Tagged<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Tagged<A> {
    type Error = A::Error;
    type Variant = Rest<A>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Rest<A>), A::Error> {
        let variant = seed.deserialize(de::value::StrDeserializer::<A::Error>::new(&self.tag))?;
        Ok((variant, Rest(self.map)))
    }
}

/// The fields after `type`, as a variant's contents (or a payload struct).
struct Rest<A>(A);

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        // `pong`, or `#[serde(other)]`: whatever else the frame holds is ignored.
        while self
            .0
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, A::Error> {
        Err(de::Error::custom("frames have no tuple variants"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Rest<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.0)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// [`ServerFrame`]'s variants, externally tagged, for [`Frame`]. Keep in
/// step with `ServerFrame` (same names, renames and field defaults).
#[derive(Deserialize)]
#[serde(remote = "ServerFrame", rename_all = "snake_case")]
enum ServerFrameWire {
    Hello {
        user: User,
    },
    Pong,
    History {
        room: RoomId,
        messages: Vec<ChatMessage>,
        more: bool,
        #[serde(default)]
        changes: ChangeId,
        #[serde(default)]
        reset: bool,
        #[serde(default)]
        partial: bool,
    },
    Message(ChatMessage),
    Ack {
        client_id: String,
        id: MessageId,
        room: RoomId,
    },
    Edited {
        room: RoomId,
        id: MessageId,
        body: String,
        #[serde(deserialize_with = "crate::protocol::time::read")]
        edited_at: DateTime<Utc>,
        #[serde(default)]
        change: ChangeId,
    },
    Deleted {
        room: RoomId,
        id: MessageId,
        #[serde(default)]
        change: ChangeId,
    },
    Receipt {
        room: RoomId,
        user: String,
        id: MessageId,
    },
    Receipts {
        room: RoomId,
        receipts: Vec<ReadUpTo>,
    },
    Pinned {
        room: RoomId,
        id: MessageId,
        user: String,
        on: bool,
    },
    Thread(ThreadState),
    Reactions {
        room: RoomId,
        id: MessageId,
        reactions: Vec<Reaction>,
        #[serde(default)]
        change: ChangeId,
    },
    Reaction {
        room: RoomId,
        id: MessageId,
        emoji: String,
        user: String,
        on: bool,
        #[serde(default)]
        change: ChangeId,
    },
    Presence {
        room: RoomId,
        online: Vec<String>,
    },
    PresenceChanged {
        room: RoomId,
        user: String,
        online: bool,
    },
    Typing {
        room: RoomId,
        user: String,
    },
    Left {
        room: RoomId,
    },
    RoomCreated {
        room: RoomSummary,
    },
    MemberAdded {
        room: RoomSummary,
    },
    MemberRemoved {
        room: RoomId,
        #[serde(default)]
        banned: bool,
    },
    RoomUpdated(RoomSettings),
    ProfileUpdated {
        profile: Profile,
    },
    Muted {
        room: RoomId,
        #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
        until: Option<DateTime<Utc>>,
    },
    MemberRole {
        room: RoomId,
        user: UserId,
        role: RoomRole,
    },
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
    #[serde(rename = "support.conversation")]
    SupportConversation(ConversationRow),
    #[serde(rename = "support.agent")]
    SupportAgent(AgentStatus),
    #[serde(rename = "support.agent_removed")]
    SupportAgentRemoved {
        id: UserId,
    },
    #[serde(rename = "support.desk")]
    SupportDesk {
        conversations: Vec<ConversationRow>,
        agents: Vec<AgentStatus>,
    },
    #[serde(rename = "support.rerouted")]
    SupportRerouted {
        conversation: ConversationId,
        reason: String,
        #[serde(default)]
        seconds: i64,
    },
    Error(ErrorFrame),
}

/// Gives `$ty`, an internally tagged enum (`#[serde(tag = $tag)]`) that
/// the browser reads inside other frames, the browser's `Deserialize`
/// through [`tag_first`] and `$wire`, its variants externally tagged.
///
/// Why: a derived, internally tagged `Deserialize` goes through serde's
/// `Content` buffer. In the visitor bundle `SystemEvent`'s was the second
/// largest function (24 KB of code), and `Target` kept 5 KB of `Content`
/// machinery alive (docs/performance.md, "First load"). Tag first is safe
/// because the browser only reads what the server serialized, and serde
/// writes the tag first. The server keeps the derive: it reads events
/// stored in the database and what API clients send, in any key order.
macro_rules! read_tag_first_in_browser {
    ($ty:ty, $wire:ty, $tag:literal) => {
        #[cfg(target_arch = "wasm32")]
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                tag_first(deserializer)
            }
        }

        impl Frame for $ty {
            const TAG: &'static str = $tag;

            fn from_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$wire>::deserialize(deserializer)
            }
        }
    };
}

read_tag_first_in_browser!(SystemEvent, SystemEventWire, "kind");
read_tag_first_in_browser!(Target, TargetWire, "kind");

/// [`Target`]'s variants, externally tagged. Keep in step with it; the test
/// `every_target_reads_back_tag_first` checks each variant.
#[derive(Deserialize)]
#[serde(remote = "Target", rename_all = "snake_case", deny_unknown_fields)]
enum TargetWire {
    All,
    Room { room: RoomId },
    User { user: UserId },
    Agents,
    Visitors,
}

/// [`SystemEvent`]'s variants, externally tagged. Keep in step with it (same
/// names, renames and field defaults); the test
/// `every_system_event_reads_back_tag_first` checks each variant.
#[derive(Deserialize)]
#[serde(remote = "SystemEvent", rename_all = "snake_case", deny_unknown_fields)]
enum SystemEventWire {
    Assigned {
        to: String,
    },
    Claimed {
        agent: String,
        #[serde(default)]
        from: Option<String>,
    },
    Transferred {
        by: String,
        #[serde(default)]
        from: Option<String>,
        to: String,
    },
    AgentRemoved {
        #[serde(default)]
        agent: Option<String>,
    },
    NotAnswered {
        #[serde(default)]
        agent: Option<String>,
        seconds: i64,
    },
    Reopened {
        #[serde(default)]
        by: Option<String>,
    },
    VisitorAnswered,
    Waiting {
        by: String,
    },
    Resolved {
        by: String,
    },
    Rated {
        score: u8,
    },
    LeftEmail {
        email: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, as the test below covers it: a new `ServerFrame`
    /// variant fails to compile here until it has a sample (and a
    /// `ServerFrameWire` variant, or the sample fails to read).
    fn variant(f: &ServerFrame) -> &'static str {
        use ServerFrame::*;
        match f {
            Hello { .. } => "hello",
            Pong => "pong",
            History { .. } => "history",
            Message(_) => "message",
            Ack { .. } => "ack",
            Edited { .. } => "edited",
            Deleted { .. } => "deleted",
            Receipt { .. } => "receipt",
            Receipts { .. } => "receipts",
            Reactions { .. } => "reactions",
            Pinned { .. } => "pinned",
            Thread(_) => "thread",
            Reaction { .. } => "reaction",
            Presence { .. } => "presence",
            PresenceChanged { .. } => "presence_changed",
            Typing { .. } => "typing",
            Left { .. } => "left",
            RoomCreated { .. } => "room_created",
            MemberAdded { .. } => "member_added",
            MemberRemoved { .. } => "member_removed",
            RoomUpdated(_) => "room_updated",
            ProfileUpdated { .. } => "profile_updated",
            Muted { .. } => "muted",
            MemberRole { .. } => "member_role",
            Announcement(_) => "announcement",
            SupportHello(_) => "support.hello",
            SupportHistory(_) => "support.history",
            SupportMessage(_) => "support.message",
            SupportAck(_) => "support.ack",
            SupportAssigned(_) => "support.assigned",
            SupportStatus(_) => "support.status",
            SupportTyping(_) => "support.typing",
            SupportReceipt(_) => "support.receipt",
            SupportAway(_) => "support.away",
            SupportConversation(_) => "support.conversation",
            SupportAgent(_) => "support.agent",
            SupportAgentRemoved { .. } => "support.agent_removed",
            SupportDesk { .. } => "support.desk",
            SupportRerouted { .. } => "support.rerouted",
            Error(_) => "error",
        }
    }

    const MESSAGE: &str = r#""room":1,"id":7,"author":"ann","body":"hi","sent_at":"2026-11-25T19:37:04Z","edited_at":"2026-11-25T19:38:04Z","client_id":"c1","reactions":[{"emoji":"👍","users":["bo"]}],"files":[],"replies":2,"last_reply_at":"2026-11-25T19:39:04Z","participants":["bo"]"#;
    const SUMMARY: &str = r#"{"id":3,"name":"general","created_at":"2026-11-25T19:37:04Z","joined":true,"unread":2,"mentions":1,"last_message_id":9,"visibility":"private","kind":"room","role":"owner","topic":"t","archived":true,"muted_until":"2026-11-26T00:00:00Z"}"#;
    const ROW: &str = r#"{"id":5,"visitor":4,"visitor_name":"Vi","status":"open","assignee":{"id":2,"name":"ann"},"last_message":"help","created_at":"2026-11-25T19:37:04Z","updated_at":"2026-11-25T19:38:04Z","waiting_since":null,"unread":1,"rating":{"score":5,"comment":null}}"#;
    const AGENT: &str = r#"{"id":2,"name":"ann","availability":"online","open":1,"capacity":3}"#;
    const SUPPORT_MESSAGE: &str = r#""conversation":5,"id":11,"author":"ann","author_kind":"agent","private":false,"body":"hi","sent_at":"2026-11-25T19:37:04Z","client_id":"c1","event":{"kind":"claimed","agent":"ann","from":null},"files":[]"#;

    /// The frames as the server writes them (tag first), one per variant.
    fn samples() -> Vec<String> {
        let mut v: Vec<String> = [
            r#"{"type":"hello","user":{"id":1,"username":"ann","role":"admin","active":false}}"#.to_owned(),
            r#"{"type":"pong"}"#.to_owned(),
            format!(r#"{{"type":"history","room":1,"messages":[{{{MESSAGE}}}],"more":true,"changes":4,"reset":true,"partial":true}}"#),
            r#"{"type":"history","room":1,"messages":[],"more":false}"#.to_owned(),
            format!(r#"{{"type":"message",{MESSAGE}}}"#),
            r#"{"type":"ack","client_id":"c1","id":7,"room":1}"#.to_owned(),
            r#"{"type":"edited","room":1,"id":7,"body":"b","edited_at":"2026-11-25T19:37:04Z","change":3}"#.to_owned(),
            r#"{"type":"deleted","room":1,"id":7,"change":3}"#.to_owned(),
            r#"{"type":"receipt","room":1,"user":"bo","id":7}"#.to_owned(),
            r#"{"type":"receipts","room":1,"receipts":[{"user":"bo","id":7}]}"#.to_owned(),
            r#"{"type":"reactions","room":1,"id":7,"reactions":[{"emoji":"👍","users":["bo"]}],"change":2}"#.to_owned(),
            r#"{"type":"reaction","room":1,"id":7,"emoji":"👍","user":"bo","on":true,"change":2}"#.to_owned(),
            r#"{"type":"pinned","room":1,"id":7,"user":"bo","on":true}"#.to_owned(),
            r#"{"type":"thread","room":1,"id":7,"replies":2,"last_reply_at":"2026-11-25T19:37:04Z","participants":["bo"],"change":5}"#.to_owned(),
            format!(r#"{{"type":"message",{MESSAGE},"thread":3,"also_in_room":true}}"#),
            r#"{"type":"presence","room":1,"online":["ann","bo"]}"#.to_owned(),
            r#"{"type":"presence_changed","room":1,"user":"bo","online":false}"#.to_owned(),
            r#"{"type":"typing","room":1,"user":"bo"}"#.to_owned(),
            r#"{"type":"left","room":1}"#.to_owned(),
            format!(r#"{{"type":"room_created","room":{SUMMARY}}}"#),
            format!(r#"{{"type":"member_added","room":{SUMMARY}}}"#),
            r#"{"type":"member_removed","room":1,"banned":true}"#.to_owned(),
            r#"{"type":"member_removed","room":1}"#.to_owned(),
            r#"{"type":"room_updated","room":1,"name":"n","topic":"t","archived":true}"#.to_owned(),
            r#"{"type":"profile_updated","profile":{"id":2,"username":"bo","display_name":"Bo","status":"away","time_zone":"Europe/Berlin","avatar":"/api/avatars/2?v=1","receipts":false}}"#.to_owned(),
            r#"{"type":"muted","room":1,"until":"2026-11-26T00:00:00Z"}"#.to_owned(),
            r#"{"type":"muted","room":1}"#.to_owned(),
            r#"{"type":"member_role","room":1,"user":2,"role":"moderator"}"#.to_owned(),
            r#"{"type":"announcement","id":9,"occurrence":2,"title":"T","body_html":"<p>x</p>","severity":"urgent","target":{"kind":"room","room":1},"due_at":null,"sent_at":"2026-11-25T19:37:04Z","late":true}"#.to_owned(),
            format!(r#"{{"type":"support.hello","visitor":4,"name":"Vi","email":null,"verified":true,"conversations":[{ROW}],"desk":{{"open_now":true,"agents_online":false,"away_message":"later"}}}}"#),
            format!(r#"{{"type":"support.history","conversation":5,"status":"resolved","assignee":null,"messages":[{{{SUPPORT_MESSAGE}}}],"more":false,"rating":{{"score":4,"comment":"ok"}},"visitor_read":11,"agent_read":10}}"#),
            format!(r#"{{"type":"support.message",{SUPPORT_MESSAGE}}}"#),
            r#"{"type":"support.ack","client_id":"c1","id":11,"conversation":5}"#.to_owned(),
            r#"{"type":"support.assigned","conversation":5,"agent":{"id":2,"name":"ann"}}"#.to_owned(),
            r#"{"type":"support.status","conversation":5,"status":"pending"}"#.to_owned(),
            r#"{"type":"support.typing","conversation":5,"who":"ann","kind":"agent"}"#.to_owned(),
            r#"{"type":"support.receipt","conversation":5,"by":"visitor","id":11}"#.to_owned(),
            r#"{"type":"support.away","conversation":5,"reason":"no_agents","message":"later"}"#.to_owned(),
            format!(r#"{{"type":"support.conversation",{}"#, &ROW[1..]),
            format!(r#"{{"type":"support.agent",{}"#, &AGENT[1..]),
            r#"{"type":"support.agent_removed","id":2}"#.to_owned(),
            format!(r#"{{"type":"support.desk","conversations":[{ROW}],"agents":[{AGENT}]}}"#),
            r#"{"type":"support.rerouted","conversation":5,"reason":"no answer","seconds":120}"#.to_owned(),
            r#"{"type":"error","code":"rate_limited","message":"slow","retry_after_ms":1500,"client_id":"c2"}"#.to_owned(),
        ]
        .into();
        // A field the browser does not know yet is ignored, as before.
        v.push(r#"{"type":"left","room":1,"since":"later"}"#.to_owned());
        v
    }

    #[test]
    fn every_server_frame_reads_back_through_the_wire_decoder() {
        let mut seen = std::collections::BTreeSet::new();
        for text in samples() {
            let derived: ServerFrame =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            let wired: ServerFrame = decode(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!(wired, derived, "{text}");
            // As the server writes it.
            let written = serde_json::to_string(&derived).unwrap();
            assert_eq!(
                decode::<ServerFrame>(&written).unwrap(),
                derived,
                "{written}"
            );
            assert_eq!(variant(&derived), text[9..].split('"').next().unwrap());
            seen.insert(variant(&derived));
        }
        assert_eq!(seen.len(), 40, "one sample per variant: {seen:?}");
    }

    #[test]
    fn the_tag_must_come_first_and_the_object_must_end() {
        assert!(decode::<ServerFrame>(r#"{"room":1,"type":"left"}"#).is_err());
        assert!(decode::<ServerFrame>(r#"{"type":"left","room":1} x"#).is_err());
        assert!(decode::<ServerFrame>(r#"{"type":"nonsense","room":1}"#).is_err());
        assert!(decode::<ServerFrame>(r#"[]"#).is_err());
        assert_eq!(
            decode::<VisitorFrame>(r#"{"type":"presence","room":1,"online":["a"]}"#).unwrap(),
            VisitorFrame::Other
        );
    }

    /// Every `Target`, as the server writes it, reads back through the
    /// browser's tag-first reader, and the same mistakes are refused (but
    /// a unit variant's other keys are ignored, as a frame's are).
    #[test]
    fn every_target_reads_back_tag_first() {
        let read =
            |text: &str| tag_first::<Target, _>(&mut serde_json::Deserializer::from_str(text));
        for target in [
            Target::All,
            Target::Room { room: RoomId(3) },
            Target::User { user: UserId(7) },
            Target::Agents,
            Target::Visitors,
        ] {
            let text = serde_json::to_string(&target).unwrap();
            assert_eq!(
                read(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
                target
            );
            assert_eq!(serde_json::from_str::<Target>(&text).unwrap(), target);
        }
        for bad in [
            r#"{"room":3,"kind":"room"}"#,
            r#"{"kind":"room"}"#,
            r#"{"kind":"room","room":"three"}"#,
            r#"{"kind":"everyone"}"#,
            r#""all""#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    /// Every `SystemEvent` variant, as the server writes it, reads back through
    /// the browser's tag-first reader the same as through the derive, and the
    /// same checks refuse the same mistakes.
    #[test]
    fn every_system_event_reads_back_tag_first() {
        use SystemEvent::*;
        let some = |s: &str| Some(s.to_owned());
        let events = [
            Assigned { to: "ann".into() },
            Claimed {
                agent: "ann".into(),
                from: None,
            },
            Claimed {
                agent: "ann".into(),
                from: some("bob"),
            },
            Transferred {
                by: "ann".into(),
                from: some("ann"),
                to: "bob".into(),
            },
            Transferred {
                by: "root".into(),
                from: None,
                to: "bob".into(),
            },
            AgentRemoved { agent: some("ann") },
            AgentRemoved { agent: None },
            NotAnswered {
                agent: some("ann"),
                seconds: 180,
            },
            Reopened { by: None },
            Reopened { by: some("ann") },
            VisitorAnswered,
            Waiting { by: "ann".into() },
            Resolved { by: "ann".into() },
            Rated { score: 5 },
            LeftEmail {
                email: "v@example.com".into(),
            },
        ];
        let read =
            |text: &str| tag_first::<SystemEvent, _>(&mut serde_json::Deserializer::from_str(text));
        let mut kinds = std::collections::BTreeSet::new();
        for event in events {
            let text = serde_json::to_string(&event).unwrap();
            assert_eq!(
                read(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
                event,
                "{text}"
            );
            kinds.insert(text[9..].split('"').next().unwrap().to_owned());
        }
        assert_eq!(
            kinds.len(),
            11,
            "one sample per variant at least: {kinds:?}"
        );
        for bad in [
            r#"{"to":"ann","kind":"assigned"}"#,
            r#"{"kind":"assigned","to":"ann","extra":1}"#,
            r#"{"kind":"assigned"}"#,
            r#"{"kind":"nonsense"}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
