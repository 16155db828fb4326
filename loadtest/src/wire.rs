//! What the load tool puts in a message body and how it finds it again.
//!
//! A body is `lt <step> <seq> <sent_ns>`: the measurement step it belongs to,
//! its number within the step, and when it was *scheduled* to be sent, in
//! nanoseconds since [`crate::clock`]'s epoch. Using the scheduled time (not the
//! time the write happened) keeps a server that pushes back on the sender from
//! hiding its delay (coordinated omission).
//!
//! Receivers see up to millions of frames a second on one core, so the hot path
//! ([`scan`]) finds the body with a substring search instead of decoding JSON.
//! [`verify`] decodes a frame fully with the shared protocol types; receivers
//! run it on a sample of frames to check the scanner against the real contract.

use app::protocol::{ClientFrame, RoomId, ServerFrame};

/// A body as the sender wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub step: u32,
    pub seq: u64,
    pub sent_ns: u64,
}

impl Stamp {
    pub fn body(&self) -> String {
        format!("lt {} {} {}", self.step, self.seq, self.sent_ns)
    }

    fn parse_body(body: &str) -> Option<Stamp> {
        let mut parts = body.strip_prefix("lt ")?.split(' ');
        let stamp = Stamp {
            step: parts.next()?.parse().ok()?,
            seq: parts.next()?.parse().ok()?,
            sent_ns: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(stamp)
    }
}

/// The frame the sender writes: a `send` in the shared protocol. The bare
/// server echoes it unchanged; Switchboard stores it and sends a `message`.
pub fn send_frame(room: RoomId, stamp: Stamp) -> String {
    let frame = ClientFrame::Send {
        room,
        body: stamp.body(),
        client_id: format!("lt-{}-{}", stamp.step, stamp.seq),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    };
    serde_json::to_string(&frame).expect("client frames always serialize")
}

const MESSAGE_PREFIX: &str = r#"{"type":"message","#;
const ECHO_PREFIX: &str = r#"{"type":"send","#;
const BODY_KEY: &[u8] = br#""body":"lt "#;

/// Finds the stamp in a live message frame: Switchboard's `message` or the bare
/// server's echo of a `send`. serde writes an internally tagged enum's `type`
/// first, so other frames (`history`, `ack`, `presence`…) are told apart by
/// their first bytes and return `None` without being searched.
pub fn scan(frame: &str) -> Option<Stamp> {
    if !(frame.starts_with(MESSAGE_PREFIX) || frame.starts_with(ECHO_PREFIX)) {
        return None;
    }
    let at = memchr::memmem::find(frame.as_bytes(), BODY_KEY)? + BODY_KEY.len();
    let mut fields = frame[at..].split([' ', '"']);
    Some(Stamp {
        step: fields.next()?.parse().ok()?,
        seq: fields.next()?.parse().ok()?,
        sent_ns: fields.next()?.parse().ok()?,
    })
}

/// Decodes a live message frame with the shared protocol types and returns its
/// stamp, or `None` if it is not a well-formed message carrying one.
pub fn verify(frame: &str) -> Option<Stamp> {
    if let Ok(ServerFrame::Message(m)) = serde_json::from_str::<ServerFrame>(frame) {
        return Stamp::parse_body(&m.body);
    }
    match serde_json::from_str::<ClientFrame>(frame) {
        Ok(ClientFrame::Send { body, .. }) => Stamp::parse_body(&body),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{ChatMessage, MessageId};

    const STAMP: Stamp = Stamp {
        step: 7,
        seq: 123,
        sent_ns: 9_876_543_210,
    };

    #[test]
    fn the_bare_echo_of_a_send_is_scanned_and_verified() {
        let frame = send_frame(RoomId(0), STAMP);
        assert_eq!(scan(&frame), Some(STAMP));
        assert_eq!(verify(&frame), Some(STAMP));
    }

    #[test]
    fn a_switchboard_message_is_scanned_and_verified() {
        let msg = ChatMessage {
            room: RoomId(3),
            id: MessageId(41),
            author: "lt0".into(),
            body: STAMP.body(),
            sent_at: Default::default(),
            edited_at: None,
            client_id: Some("lt-7-123".into()),
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        };
        let frame = serde_json::to_string(&ServerFrame::Message(msg)).expect("serializes");
        assert_eq!(scan(&frame), Some(STAMP));
        assert_eq!(verify(&frame), Some(STAMP));
    }

    #[test]
    fn history_frames_are_not_counted_as_live_messages() {
        let frame = format!(
            r#"{{"type":"history","room":3,"messages":[{{"body":"{}"}}],"more":false}}"#,
            STAMP.body()
        );
        assert_eq!(scan(&frame), None);
    }

    #[test]
    fn other_bodies_are_ignored() {
        let frame = r#"{"type":"send","room":0,"body":"hello","client_id":"x"}"#;
        assert_eq!(scan(frame), None);
        assert_eq!(verify(frame), None);
    }
}
