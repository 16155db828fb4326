//! The thread open beside a room: its parent and replies, kept in a
//! [`Timeline`] of their own (sorted, each id once, edits, reactions and
//! deletes applied by id), fed by `GET /api/rooms/{room}/threads/{id}` and
//! by the room's live frames.
//!
//! Apart from the room's timeline on purpose: a thread's parent may be far
//! older than the room's loaded stretch, which must stay one unbroken run
//! from its oldest message to the newest (paging back and resuming count on
//! it). Replies that arrive live go into both.

use crate::protocol::{ChatMessage, MessageId, RoomId, ThreadState};
use crate::state::timeline::Timeline;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadView {
    pub room: RoomId,
    pub parent: MessageId,
    /// The parent and the replies loaded so far.
    pub messages: Timeline,
    /// The first page has come (before it: "Loading…").
    pub loaded: bool,
}

impl ThreadView {
    pub fn new(room: RoomId, parent: MessageId) -> ThreadView {
        ThreadView {
            room,
            parent,
            ..Default::default()
        }
    }

    /// Whether a frame about `room` concerns this thread's room.
    pub fn in_room(&self, room: RoomId) -> bool {
        self.room == room
    }

    /// A page came: the parent as it is now and some replies (older ones
    /// exist when `more`).
    pub fn page(&mut self, parent: ChatMessage, replies: Vec<ChatMessage>, more: bool) {
        self.messages.insert(parent);
        self.messages.merge(replies);
        self.messages.older = more;
        self.loaded = true;
    }

    /// A live message of the room: kept when it is a reply here.
    pub fn saw(&mut self, m: &ChatMessage) {
        if m.thread == Some(self.parent) {
            self.messages.insert(m.clone());
        }
    }

    /// A `thread` frame: the parent's counts now.
    pub fn counted(&mut self, state: &ThreadState) {
        self.messages.set_thread(state);
    }

    /// The parent, once loaded.
    pub fn parent(&self) -> Option<&ChatMessage> {
        self.messages.get(self.parent)
    }

    /// The replies loaded, oldest first.
    pub fn replies(&self) -> impl Iterator<Item = &ChatMessage> {
        let parent = self.parent;
        self.messages
            .messages()
            .iter()
            .filter(move |m| m.id != parent)
    }

    /// The oldest reply loaded: where the next older page ends.
    pub fn oldest_reply(&self) -> Option<MessageId> {
        self.replies().next().map(|m| m.id)
    }

    /// The parent was deleted: the thread is gone.
    pub fn gone(&self) -> bool {
        self.loaded && self.parent().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn msg(id: i64, thread: Option<i64>) -> ChatMessage {
        ChatMessage {
            room: RoomId(1),
            id: MessageId(id),
            author: "ann".into(),
            body: format!("m{id}"),
            sent_at: DateTime::from_timestamp(id, 0).unwrap(),
            thread: thread.map(MessageId),
            ..Default::default()
        }
    }

    #[test]
    fn keeps_the_parent_and_its_replies_only() {
        let mut t = ThreadView::new(RoomId(1), MessageId(5));
        t.page(msg(5, None), vec![msg(9, Some(5)), msg(7, Some(5))], true);
        t.saw(&msg(10, Some(6)));
        t.saw(&msg(11, None));
        t.saw(&msg(12, Some(5)));
        t.saw(&msg(12, Some(5)));
        let ids: Vec<i64> = t.replies().map(|m| m.id.0).collect();
        assert_eq!(ids, [7, 9, 12]);
        assert_eq!(t.oldest_reply(), Some(MessageId(7)));
        assert!(t.messages.older);
        assert!(!t.gone());
        t.counted(&ThreadState {
            room: RoomId(1),
            id: MessageId(5),
            replies: 3,
            last_reply_at: DateTime::from_timestamp(12, 0),
            participants: vec!["ann".into()],
            change: Default::default(),
        });
        assert_eq!(t.parent().map(|p| p.replies), Some(3));
        t.messages.remove(MessageId(5));
        assert!(t.gone());
    }
}
