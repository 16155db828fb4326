//! A server frame as it goes on the wire: encoded once, WebSocket header
//! included.
//!
//! Frames from a server are not masked (RFC 6455, 5.1), so the bytes of a
//! frame are the same for every recipient. A room's message is therefore
//! encoded and framed once, when it is published, and every follower's
//! writer copies the same shared bytes to its socket (`ws::socket`). Framing
//! each copy again per recipient in a WebSocket library was a fifth of the
//! capped server's time (docs/performance.md, "Session 22").

use bytes::{Buf, Bytes};
use serde::Serialize;

/// The first byte of a final, unfragmented frame of each kind.
const TEXT: u8 = 0x81;
const CLOSE: u8 = 0x88;
const PING: u8 = 0x89;

/// Room for the longest header in front of the payload.
const MAX_HEAD: usize = 10;

/// One or more complete WebSocket frames, shared, ready to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame(Bytes);

impl Frame {
    /// A text frame carrying `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Frame {
        let mut buf = Vec::with_capacity(128);
        buf.resize(MAX_HEAD, 0);
        serde_json::to_writer(&mut buf, value).expect("server frames always serialize");
        Frame::framed(TEXT, buf)
    }

    /// A text frame carrying `text` (tests build frames by hand; the server
    /// encodes its frames with [`Frame::json`]).
    #[cfg(test)]
    pub fn text(text: &str) -> Frame {
        let mut buf = Vec::with_capacity(MAX_HEAD + text.len());
        buf.resize(MAX_HEAD, 0);
        buf.extend_from_slice(text.as_bytes());
        Frame::framed(TEXT, buf)
    }

    /// The server's keep-alive ping (empty payload).
    pub fn ping() -> Frame {
        Frame(Bytes::from_static(&[PING, 0]))
    }

    /// A close frame: `code`, then `reason` cut to the 123 bytes a control
    /// frame has room for (at a character boundary).
    pub fn close(code: u16, reason: &str) -> Frame {
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let mut buf = Vec::with_capacity(MAX_HEAD + 2 + end);
        buf.resize(MAX_HEAD, 0);
        buf.extend_from_slice(&code.to_be_bytes());
        buf.extend_from_slice(&reason.as_bytes()[..end]);
        Frame::framed(CLOSE, buf)
    }

    /// Frames someone else already put in wire form (the WebSocket
    /// library's pongs to a client's pings), written as they are.
    pub fn raw(bytes: Bytes) -> Frame {
        Frame(bytes)
    }

    /// `buf` is `MAX_HEAD` spare bytes and then the payload: the header is
    /// written right before the payload, and the spare bytes in front of it
    /// are skipped (no copy).
    fn framed(first: u8, mut buf: Vec<u8>) -> Frame {
        let len = buf.len() - MAX_HEAD;
        let mut head = [first, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let head_len = match len {
            0..=125 => {
                head[1] = len as u8;
                2
            }
            126..=0xFFFF => {
                head[1] = 126;
                head[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            _ => {
                head[1] = 127;
                head[2..].copy_from_slice(&(len as u64).to_be_bytes());
                10
            }
        };
        let head = &head[..head_len];
        let start = MAX_HEAD - head.len();
        buf[start..MAX_HEAD].copy_from_slice(head);
        let mut bytes = Bytes::from(buf);
        bytes.advance(start);
        Frame(bytes)
    }

    /// Everything to write to the socket.
    pub fn wire(&self) -> &[u8] {
        &self.0
    }

    /// Where the (first) frame's payload starts.
    fn head_len(&self) -> usize {
        match self.0.get(1).map(|b| b & 0x7F) {
            None => self.0.len(),
            Some(0..=125) => 2,
            Some(126) => 4,
            Some(_) => 10,
        }
    }

    /// The payload: what the frame says.
    pub fn payload(&self) -> &[u8] {
        &self.0[self.head_len().min(self.0.len())..]
    }

    /// A text frame's payload; empty for any other frame.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        match self.0.first() {
            Some(&TEXT) => std::str::from_utf8(self.payload()).unwrap_or_default(),
            _ => "",
        }
    }

    /// The payload's size: what a connection's byte budget counts.
    pub fn len(&self) -> usize {
        self.payload().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::{
        protocol::{frame::coding::CloseCode, Role},
        Message, WebSocket,
    };

    /// Reads `frame` back the way a client does, with tungstenite.
    fn read_back(frame: &Frame) -> Message {
        let socket = std::io::Cursor::new(frame.wire().to_vec());
        let mut ws = WebSocket::from_raw_socket(socket, Role::Client, None);
        ws.read().expect("a well-formed frame")
    }

    #[test]
    fn every_length_reads_back_as_the_same_text() {
        for len in [0, 1, 125, 126, 127, 1_000, 65_535, 65_536, 70_000] {
            let text = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let frame = Frame::text(&text);
            assert_eq!(frame.as_str(), text);
            assert_eq!(frame.len(), text.len());
            match read_back(&frame) {
                Message::Text(t) => assert_eq!(t.as_str(), text, "length {len}"),
                other => panic!("length {len}: read {other:?}"),
            }
        }
    }

    #[test]
    fn json_frames_carry_the_encoding() {
        let frame = Frame::json(&serde_json::json!({"type": "pong"}));
        assert_eq!(frame.as_str(), r#"{"type":"pong"}"#);
        assert!(
            matches!(read_back(&frame), Message::Text(t) if t.as_str() == r#"{"type":"pong"}"#)
        );
    }

    #[test]
    fn control_frames_read_back() {
        assert!(matches!(read_back(&Frame::ping()), Message::Ping(p) if p.is_empty()));
        let long = "ü".repeat(100); // 200 bytes: cut to at most 123, whole characters
        match read_back(&Frame::close(4001, &long)) {
            Message::Close(Some(c)) => {
                assert_eq!(c.code, CloseCode::from(4001));
                assert!(c.reason.len() <= 123 && c.reason.chars().all(|ch| ch == 'ü'));
            }
            other => panic!("read {other:?}"),
        }
        assert_eq!(Frame::ping().as_str(), "");
    }
}
