//! A join's answer in pieces of bounded size.
//!
//! A `join {since}` may replay up to [`MAX_REPLAY`](app::protocol::MAX_REPLAY)
//! messages of up to 4,000 characters each — megabytes. Built as one frame,
//! two hundred such joins on one connection that never read held a gigabyte.
//! So the answer is read from the database a chunk at a time, sent as
//! `history` pages of at most [`HISTORY_PAGE_BYTES`] (all but the last marked
//! `partial`), and each page waits until the connection's queue has room for
//! it ([`Outbox::drained_to`](crate::hub::Outbox::drained_to)): a client that
//! reads gets the whole replay, one that does not holds at most its byte
//! budget and is cut off once it has not read for [`STALL`].

use app::protocol::ChatMessage;
use serde::Serialize;
use std::{io, time::Duration};

/// Most bytes of messages in one `history` frame. One message is at most
/// about 16 KiB of JSON (4,000 characters of up to 4 bytes), so a page always
/// holds at least one.
pub const HISTORY_PAGE_BYTES: usize = 256 * 1024;

/// Rows read from the database at a time while replaying: with the largest
/// messages about 1 MiB in memory per joining connection.
pub const READ_CHUNK: usize = 64;

/// A replay waiting for its client to read gives up (and closes the
/// connection as a slow consumer, 4008) when nothing was written to the
/// client for this long.
pub const STALL: Duration = Duration::from_secs(10);

/// The length of a value's JSON, without building the string.
pub fn json_len<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Our own types always serialize (see `hub::encode`).
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Keeps the newest of `messages` (ascending by id) whose JSON fits in `max`
/// bytes, at least one. Returns whether any were dropped.
pub fn keep_newest_within(messages: &mut Vec<ChatMessage>, max: usize) -> bool {
    let mut total = 0;
    let mut keep = 0;
    for m in messages.iter().rev() {
        total += json_len(m) + 1;
        if total > max && keep > 0 {
            break;
        }
        keep += 1;
    }
    let dropped = messages.len() - keep;
    messages.drain(..dropped);
    dropped > 0
}

/// Collects messages into pages of at most `max` bytes of JSON.
pub struct Pager {
    max: usize,
    page: Vec<ChatMessage>,
    bytes: usize,
}

impl Pager {
    pub fn new(max: usize) -> Pager {
        Pager {
            max,
            page: Vec::new(),
            bytes: 0,
        }
    }

    /// Adds a message; returns the full page it does not fit on, if any.
    pub fn push(&mut self, m: ChatMessage) -> Option<Vec<ChatMessage>> {
        let len = json_len(&m) + 1;
        let full = (!self.page.is_empty() && self.bytes + len > self.max)
            .then(|| std::mem::take(&mut self.page));
        if full.is_some() {
            self.bytes = 0;
        }
        self.bytes += len;
        self.page.push(m);
        full
    }

    /// What is left: the last page (perhaps empty).
    pub fn finish(self) -> Vec<ChatMessage> {
        self.page
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{MessageId, RoomId};

    fn msg(id: i64, body: &str) -> ChatMessage {
        ChatMessage {
            room: RoomId(1),
            id: MessageId(id),
            author: "ann".into(),
            body: body.into(),
            sent_at: chrono::DateTime::from_timestamp(id, 0).unwrap(),
            edited_at: None,
            client_id: Some("c".into()),
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn json_len_is_the_length_of_the_json() {
        let m = msg(1, "quote \" and\nnew line é");
        assert_eq!(json_len(&m), serde_json::to_string(&m).unwrap().len());
    }

    #[test]
    fn pages_stay_under_the_limit_and_keep_every_message_in_order() {
        let one = json_len(&msg(1, &"x".repeat(1000))) + 1;
        let mut pager = Pager::new(3 * one);
        let mut pages = Vec::new();
        for id in 1..=10 {
            pages.extend(pager.push(msg(id, &"x".repeat(1000))));
        }
        pages.push(pager.finish());
        let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3, 3, 3, 1]);
        let ids: Vec<i64> = pages.iter().flatten().map(|m| m.id.0).collect();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>());
        // A message larger than a page gets a page of its own.
        let mut pager = Pager::new(10);
        assert!(pager.push(msg(1, "long enough")).is_none());
        assert_eq!(pager.push(msg(2, "b")).unwrap().len(), 1);
    }

    #[test]
    fn the_newest_that_fit_are_kept() {
        let mut m: Vec<ChatMessage> = (1..=5).map(|id| msg(id, &"y".repeat(500))).collect();
        let one = json_len(&m[0]) + 1;
        assert!(keep_newest_within(&mut m, 2 * one));
        assert_eq!(m.iter().map(|m| m.id.0).collect::<Vec<_>>(), vec![4, 5]);
        assert!(!keep_newest_within(&mut m, 10 * one));
        assert!(keep_newest_within(&mut m, 1));
        assert_eq!(m.len(), 1, "at least one is kept");
    }
}
