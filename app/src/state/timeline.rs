//! One room's messages as this tab knows them: sorted by id, each id once.
//!
//! Messages reach a tab by several roads — the `history` answer to a join, the
//! live `message` frames, a replay after a reconnect, and older pages fetched
//! over HTTP — and the roads overlap. Everything goes through [`Timeline`], which
//! keeps the list sorted and deduplicated so the UI never shows a message twice
//! and never out of order. Pure data: no signals, no I/O, tested natively.
//!
//! It also keeps the room's change cursor: the `changes_since` of the next
//! join, so edits and deletes made while we were away are replayed.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use crate::protocol::{ChangeId, ChatMessage, MessageId, Reaction, ThreadState};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// Ascending by id, no duplicates.
    messages: Vec<ChatMessage>,
    /// Ids deleted while we watched. An HTTP page fetched before the delete may
    /// still carry the message; this keeps it from coming back.
    deleted: HashSet<MessageId>,
    /// Whether the server may hold messages older than the first one we have.
    pub older: bool,
    /// Every change of the room up to this one is reflected here. Change ids
    /// have no gaps, but live `edited`/`deleted` frames from different senders
    /// may arrive out of order; so this is not simply the newest id seen (a
    /// disconnect between 7 and the late 6 would lose 6 for ever).
    changes: ChangeId,
    /// Change ids seen above `changes`, waiting for the gap below to fill.
    changes_ahead: BTreeSet<ChangeId>,
}

/// What [`Timeline::insert`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The message was not known: it is new to this tab.
    New,
    /// Already known; the stored copy was refreshed.
    Known,
    /// The message was deleted earlier and stays deleted.
    Ignored,
}

impl Timeline {
    pub fn messages(&self) -> &[ChatMessage] {
        &self.messages
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn newest(&self) -> Option<MessageId> {
        self.messages.last().map(|m| m.id)
    }

    /// The oldest message of the room's history (a thread reply that was
    /// not sent to the room is not in its pages): where the next older
    /// page ends.
    pub fn oldest(&self) -> Option<MessageId> {
        self.messages.iter().find(|m| m.in_room()).map(|m| m.id)
    }

    pub fn contains(&self, id: MessageId) -> bool {
        self.position(id).is_ok()
    }

    pub fn get(&self, id: MessageId) -> Option<&ChatMessage> {
        self.position(id).ok().map(|i| &self.messages[i])
    }

    fn position(&self, id: MessageId) -> Result<usize, usize> {
        self.messages.binary_search_by_key(&id, |m| m.id)
    }

    /// Adds one message in id order. A copy we already hold is replaced unless
    /// ours carries a later edit (a replay must not undo an edit seen live).
    pub fn insert(&mut self, message: ChatMessage) -> Inserted {
        if self.deleted.contains(&message.id) {
            return Inserted::Ignored;
        }
        match self.position(message.id) {
            Ok(i) => {
                let held = &mut self.messages[i];
                if held.edited_at <= message.edited_at {
                    *held = message;
                }
                Inserted::Known
            }
            Err(i) => {
                self.messages.insert(i, message);
                Inserted::New
            }
        }
    }

    /// Adds many messages; returns the ones that were new, in id order.
    pub fn merge(&mut self, messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
        let mut fresh = Vec::new();
        for m in messages {
            if self.insert(m.clone()) == Inserted::New {
                fresh.push(m);
            }
        }
        fresh.sort_by_key(|m| m.id);
        fresh
    }

    /// Applies an `edited` frame. Returns false when the message is not here
    /// (not loaded yet, or older than our oldest page): nothing to update.
    pub fn edit(&mut self, id: MessageId, body: String, edited_at: DateTime<Utc>) -> bool {
        match self.position(id) {
            Ok(i) => {
                let m = &mut self.messages[i];
                if m.edited_at.is_none_or(|t| t <= edited_at) {
                    m.body = body;
                    m.edited_at = Some(edited_at);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Applies a `reaction` frame: `user` reacted to `id` with `emoji`
    /// (`on`), or took it back. Returns false when the message is not here.
    pub fn react(&mut self, id: MessageId, emoji: &str, user: &str, on: bool) -> bool {
        let Ok(i) = self.position(id) else {
            return false;
        };
        let reactions = &mut self.messages[i].reactions;
        let at = reactions.iter().position(|r| r.emoji == emoji);
        match (at, on) {
            (Some(at), true) => {
                let users = &mut reactions[at].users;
                if !users.iter().any(|u| u == user) {
                    users.push(user.to_owned());
                }
            }
            (None, true) => reactions.push(Reaction {
                emoji: emoji.to_owned(),
                users: vec![user.to_owned()],
            }),
            (Some(at), false) => {
                reactions[at].users.retain(|u| u != user);
                if reactions[at].users.is_empty() {
                    reactions.remove(at);
                }
            }
            (None, false) => {}
        }
        true
    }

    /// Applies a `reactions` frame (a replay): the message's reactions now.
    pub fn set_reactions(&mut self, id: MessageId, reactions: Vec<Reaction>) -> bool {
        match self.position(id) {
            Ok(i) => {
                self.messages[i].reactions = reactions;
                true
            }
            Err(_) => false,
        }
    }

    /// Applies a `thread` frame: the parent's reply count, last reply and
    /// repliers now. Returns false when the parent is not here.
    pub fn set_thread(&mut self, state: &ThreadState) -> bool {
        match self.position(state.id) {
            Ok(i) => {
                let m = &mut self.messages[i];
                m.replies = state.replies;
                m.last_reply_at = state.last_reply_at;
                m.participants = state.participants.clone();
                true
            }
            Err(_) => false,
        }
    }

    /// The `changes_since` to resume with.
    pub fn changes(&self) -> ChangeId {
        self.changes
    }

    /// An `edited` or `deleted` frame carried this change id.
    pub fn saw_change(&mut self, change: ChangeId) {
        if change > self.changes {
            self.changes_ahead.insert(change);
            self.advance_changes();
        }
    }

    /// A `history` said every change up to `changes` is reflected in it or
    /// was replayed before it.
    pub fn caught_up(&mut self, changes: ChangeId) {
        self.changes = self.changes.max(changes);
        self.advance_changes();
    }

    fn advance_changes(&mut self) {
        self.changes_ahead.retain(|c| *c > self.changes);
        while self.changes_ahead.remove(&self.changes.next()) {
            self.changes = self.changes.next();
        }
    }

    /// Replaces the messages with a fresh snapshot (a `history` with `reset`:
    /// too much changed while we were away to replay it). Returns the messages
    /// newer than any we held, which are news to the user. Deleted ids stay
    /// deleted, and the change cursor is moved on by the history's `changes`.
    pub fn reset(&mut self, messages: Vec<ChatMessage>, older: bool) -> Vec<ChatMessage> {
        let newest = self.newest();
        self.messages.clear();
        self.older = older;
        self.merge(messages)
            .into_iter()
            .filter(|m| newest.is_none_or(|n| m.id > n))
            .collect()
    }

    /// Applies a `deleted` frame.
    pub fn remove(&mut self, id: MessageId) -> bool {
        self.deleted.insert(id);
        match self.position(id) {
            Ok(i) => {
                self.messages.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RoomId;

    fn msg(id: i64, body: &str) -> ChatMessage {
        ChatMessage {
            room: RoomId(1),
            id: MessageId(id),
            author: "ann".into(),
            body: body.into(),
            sent_at: DateTime::from_timestamp(id, 0).unwrap(),
            edited_at: None,
            client_id: None,
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    fn ids(t: &Timeline) -> Vec<i64> {
        t.messages().iter().map(|m| m.id.0).collect()
    }

    #[test]
    fn overlapping_roads_keep_one_sorted_copy() {
        let mut t = Timeline::default();
        assert_eq!(t.merge(vec![msg(3, "c"), msg(4, "d")]).len(), 2);
        // A live frame, then a replay that overlaps it, then an older page.
        assert_eq!(t.insert(msg(5, "e")), Inserted::New);
        let fresh = t.merge(vec![msg(4, "d"), msg(5, "e"), msg(6, "f")]);
        assert_eq!(fresh.iter().map(|m| m.id.0).collect::<Vec<_>>(), vec![6]);
        t.merge(vec![msg(1, "a"), msg(2, "b"), msg(3, "c")]);
        assert_eq!(ids(&t), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(t.oldest(), Some(MessageId(1)));
        assert_eq!(t.newest(), Some(MessageId(6)));
    }

    #[test]
    fn a_replay_does_not_undo_an_edit() {
        let mut t = Timeline::default();
        t.insert(msg(1, "old"));
        let at = DateTime::from_timestamp(100, 0).unwrap();
        assert!(t.edit(MessageId(1), "new".into(), at));
        assert_eq!(t.insert(msg(1, "old")), Inserted::Known);
        assert_eq!(t.get(MessageId(1)).unwrap().body, "new");
        // An older edit frame arriving late loses too.
        t.edit(
            MessageId(1),
            "older".into(),
            DateTime::from_timestamp(50, 0).unwrap(),
        );
        assert_eq!(t.get(MessageId(1)).unwrap().body, "new");
        assert!(!t.edit(MessageId(9), "x".into(), at));
    }

    #[test]
    fn the_change_cursor_waits_for_gaps_to_fill() {
        let mut t = Timeline::default();
        assert_eq!(t.changes(), ChangeId(0));
        t.caught_up(ChangeId(5));
        // 7 arrives before 6 (two editors' frames raced): the cursor holds at 5
        // until 6 is here, so a resume in between would replay 6.
        t.saw_change(ChangeId(7));
        assert_eq!(t.changes(), ChangeId(5));
        t.saw_change(ChangeId(6));
        assert_eq!(t.changes(), ChangeId(7));
        // Old or repeated ids change nothing.
        t.saw_change(ChangeId(3));
        t.saw_change(ChangeId(7));
        assert_eq!(t.changes(), ChangeId(7));
        // A replay skips superseded ids; the history after it closes the gap.
        t.saw_change(ChangeId(10));
        assert_eq!(t.changes(), ChangeId(7));
        t.caught_up(ChangeId(9));
        assert_eq!(t.changes(), ChangeId(10));
        // A history never moves it back.
        t.caught_up(ChangeId(4));
        assert_eq!(t.changes(), ChangeId(10));
    }

    #[test]
    fn a_reset_replaces_the_messages_and_reports_only_newer_ones() {
        let mut t = Timeline::default();
        t.merge(vec![msg(1, "a"), msg(2, "b"), msg(3, "c")]);
        t.remove(MessageId(2));
        let fresh = t.reset(vec![msg(2, "b"), msg(3, "c2"), msg(4, "d")], true);
        assert_eq!(fresh.iter().map(|m| m.id.0).collect::<Vec<_>>(), vec![4]);
        assert_eq!(ids(&t), vec![3, 4]);
        assert_eq!(t.get(MessageId(3)).unwrap().body, "c2");
        assert!(t.older);
    }

    #[test]
    fn reactions_are_counted_once_per_person_and_emoji() {
        let mut t = Timeline::default();
        t.insert(msg(1, "a"));
        assert!(t.react(MessageId(1), "👍", "ann", true));
        assert!(t.react(MessageId(1), "👍", "ann", true));
        t.react(MessageId(1), "🎉", "bob", true);
        t.react(MessageId(1), "👍", "bob", true);
        let shape = |t: &Timeline| {
            t.get(MessageId(1))
                .unwrap()
                .reactions
                .iter()
                .map(|r| format!("{}{}", r.emoji, r.users.join("+")))
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&t), ["👍ann+bob", "🎉bob"]);
        t.react(MessageId(1), "🎉", "bob", false);
        t.react(MessageId(1), "👍", "ann", false);
        assert_eq!(shape(&t), ["👍bob"]);
        assert!(!t.react(MessageId(9), "👍", "ann", true));
    }

    #[test]
    fn deleted_messages_stay_deleted() {
        let mut t = Timeline::default();
        t.merge(vec![msg(1, "a"), msg(2, "b")]);
        assert!(t.remove(MessageId(1)));
        assert_eq!(t.insert(msg(1, "a")), Inserted::Ignored);
        assert_eq!(ids(&t), vec![2]);
        // Deleting one we never loaded still keeps it out later.
        assert!(!t.remove(MessageId(7)));
        assert!(t.merge(vec![msg(7, "g")]).is_empty());
    }
}
