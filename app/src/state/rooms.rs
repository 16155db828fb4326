//! The room list as one user sees it: which rooms exist, which they joined, and
//! how many messages in each they have not read.
//!
//! Unread counts start from the server (`GET /api/rooms`) and grow live: every
//! message newer than the newest one the list knows of, in a room the user is
//! not looking at and written by someone else, adds one. Because the rule keys
//! on ids, a replay after a reconnect never counts a message twice.
//! Pure data: no signals, no I/O, tested natively.

use crate::protocol::{ChatMessage, MessageId, RoomId, RoomSettings, RoomSummary};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rooms {
    /// Sorted by name (case-insensitively) for the sidebar.
    list: Vec<RoomSummary>,
}

impl Rooms {
    pub fn all(&self) -> &[RoomSummary] {
        &self.list
    }

    pub fn get(&self, id: RoomId) -> Option<&RoomSummary> {
        self.list.iter().find(|r| r.id == id)
    }

    fn get_mut(&mut self, id: RoomId) -> Option<&mut RoomSummary> {
        self.list.iter_mut().find(|r| r.id == id)
    }

    pub fn joined(&self) -> impl Iterator<Item = &RoomSummary> {
        self.list.iter().filter(|r| r.joined)
    }

    pub fn is_joined(&self, id: RoomId) -> bool {
        self.get(id).is_some_and(|r| r.joined)
    }

    fn sort(&mut self) {
        self.list
            .sort_by_cached_key(|r| (r.name.to_lowercase(), r.id));
    }

    /// The first load: the server's list is the truth.
    pub fn replace(&mut self, list: Vec<RoomSummary>) {
        self.list = list;
        self.sort();
    }

    /// A later load (after a reconnect): learn rooms created meanwhile and
    /// membership changes, but keep our live unread counts and newest ids, which
    /// the replay that follows the reconnect keeps up to date.
    pub fn refresh(&mut self, list: Vec<RoomSummary>) {
        // A private room or DM the server no longer lists is one we were
        // removed from while away: it goes (public rooms stay browsable).
        self.list
            .retain(|held| !held.is_members_only() || list.iter().any(|f| f.id == held.id));
        for fresh in list {
            match self.get_mut(fresh.id) {
                Some(held) => {
                    held.name = fresh.name;
                    held.role = fresh.role;
                    held.members = fresh.members;
                    held.topic = fresh.topic;
                    held.archived = fresh.archived;
                    held.muted_until = fresh.muted_until;
                    if fresh.joined != held.joined {
                        held.joined = fresh.joined;
                        held.unread = fresh.unread;
                        held.mentions = fresh.mentions;
                        held.last_message_id = fresh.last_message_id;
                    }
                }
                None => self.list.push(fresh),
            }
        }
        self.sort();
    }

    /// Adds a room we learnt of (`room_created`, or our own create). A room we
    /// already list keeps its counts; a summary that says we are a member
    /// (our own create, a DM opened with us) brings our role in it, which the
    /// announcement to everyone (`joined: false`) may have arrived without.
    pub fn upsert(&mut self, room: RoomSummary) {
        match self.get_mut(room.id) {
            Some(held) => {
                if room.joined {
                    held.joined = true;
                    held.role = room.role;
                }
            }
            None => {
                self.list.push(room);
                self.sort();
            }
        }
    }

    /// Forgets a room (removed from a private room: it is no longer ours
    /// to list). Answers what it was.
    pub fn remove(&mut self, id: RoomId) -> Option<RoomSummary> {
        let at = self.list.iter().position(|r| r.id == id)?;
        Some(self.list.remove(at))
    }

    /// A room was renamed, given a topic, archived or reopened.
    pub fn apply_settings(&mut self, s: RoomSettings) {
        if let Some(r) = self.get_mut(s.room) {
            let renamed = r.name != s.name;
            r.name = s.name;
            r.topic = s.topic;
            r.archived = s.archived;
            if renamed {
                self.sort();
            }
        }
    }

    /// We were muted in a room until `until`, or unmuted (`None`).
    pub fn set_muted(&mut self, id: RoomId, until: Option<DateTime<Utc>>) {
        if let Some(r) = self.get_mut(id) {
            r.muted_until = until;
        }
    }

    /// A new role in a room we are in.
    pub fn set_role(&mut self, id: RoomId, role: crate::protocol::RoomRole) {
        if let Some(r) = self.get_mut(id) {
            r.role = Some(role);
        }
    }

    pub fn set_joined(&mut self, id: RoomId, joined: bool) {
        if let Some(r) = self.get_mut(id) {
            r.joined = joined;
            if !joined {
                r.unread = 0;
                r.mentions = 0;
            }
        }
    }

    /// A message reached us. Counts it as unread when it is newer than what
    /// the list knew, `viewing` is false and `me` did not write it (a thread
    /// reply only when also sent to the room, or when `following` its
    /// thread), and as a mention too when it says `@me` (in a reply as well,
    /// as the server counts). Returns whether it counted.
    pub fn saw_message(
        &mut self,
        m: &ChatMessage,
        me: &str,
        viewing: bool,
        following: bool,
    ) -> bool {
        let Some(room) = self.get_mut(m.room) else {
            return false;
        };
        if room.last_message_id.is_some_and(|last| m.id <= last) {
            return false;
        }
        room.last_message_id = Some(m.id);
        let counts = room.joined && !viewing && m.author != me;
        let mentioned = counts && crate::text::mentions(&m.body, me);
        let unread = counts && (m.in_room() || following);
        if unread {
            room.unread += 1;
        }
        if mentioned {
            room.mentions += 1;
        }
        unread || mentioned
    }

    pub fn mark_read(&mut self, id: RoomId) {
        if let Some(r) = self.get_mut(id) {
            r.unread = 0;
            r.mentions = 0;
        }
    }

    pub fn last_message(&self, id: RoomId) -> Option<MessageId> {
        self.get(id).and_then(|r| r.last_message_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn room(id: i64, name: &str, joined: bool, unread: i64, last: Option<i64>) -> RoomSummary {
        RoomSummary {
            id: RoomId(id),
            name: name.into(),
            created_at: DateTime::from_timestamp(0, 0).unwrap(),
            joined,
            unread,
            mentions: 0,
            last_message_id: last.map(MessageId),
            visibility: Default::default(),
            kind: Default::default(),
            role: None,
            members: Vec::new(),
            topic: String::new(),
            archived: false,
            muted_until: None,
        }
    }

    fn msg(room: i64, id: i64, author: &str) -> ChatMessage {
        ChatMessage {
            room: RoomId(room),
            id: MessageId(id),
            author: author.into(),
            body: "x".into(),
            sent_at: DateTime::from_timestamp(0, 0).unwrap(),
            edited_at: None,
            client_id: None,
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn unread_counts_each_new_message_once() {
        let mut r = Rooms::default();
        r.replace(vec![room(1, "general", true, 2, Some(10))]);
        // History the server already counted does not count again.
        assert!(!r.saw_message(&msg(1, 9, "bob"), "ann", false, false));
        assert!(!r.saw_message(&msg(1, 10, "bob"), "ann", false, false));
        assert!(r.saw_message(&msg(1, 11, "bob"), "ann", false, false));
        // The same message replayed after a reconnect.
        assert!(!r.saw_message(&msg(1, 11, "bob"), "ann", false, false));
        // Our own messages and the room in view do not count.
        assert!(!r.saw_message(&msg(1, 12, "ann"), "ann", false, false));
        assert!(!r.saw_message(&msg(1, 13, "bob"), "ann", true, false));
        assert_eq!(r.get(RoomId(1)).unwrap().unread, 3);
        r.mark_read(RoomId(1));
        assert_eq!(r.get(RoomId(1)).unwrap().unread, 0);
    }

    #[test]
    fn mentions_of_me_count_until_read() {
        let mut r = Rooms::default();
        r.replace(vec![room(1, "general", true, 0, Some(1))]);
        let mut m = msg(1, 2, "bob");
        m.body = "@ann can you look?".into();
        assert!(r.saw_message(&m, "ann", false, false));
        let mut other = msg(1, 3, "bob");
        other.body = "@anna not you".into();
        assert!(r.saw_message(&other, "ann", false, false));
        let g = r.get(RoomId(1)).unwrap();
        assert_eq!((g.unread, g.mentions), (2, 1));
        r.mark_read(RoomId(1));
        assert_eq!(r.get(RoomId(1)).unwrap().mentions, 0);
    }

    #[test]
    fn refresh_keeps_live_counts_and_adds_new_rooms() {
        let mut r = Rooms::default();
        r.replace(vec![
            room(2, "zeta", true, 0, Some(5)),
            room(1, "Alpha", false, 0, None),
        ]);
        assert_eq!(r.all()[0].name, "Alpha");
        r.saw_message(&msg(2, 6, "bob"), "ann", false, false);
        r.refresh(vec![
            room(2, "zeta", true, 0, Some(5)),
            room(1, "Alpha", false, 0, None),
            room(3, "beta", false, 0, None),
        ]);
        assert_eq!(r.get(RoomId(2)).unwrap().unread, 1);
        let names: Vec<_> = r.all().iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, vec!["Alpha", "beta", "zeta"]);
    }

    #[test]
    fn upsert_keeps_membership() {
        let mut r = Rooms::default();
        r.upsert(room(4, "ops", true, 0, None));
        // The broadcast `room_created` says joined: false for everyone.
        r.upsert(room(4, "ops", false, 0, None));
        assert!(r.is_joined(RoomId(4)));
        r.set_joined(RoomId(4), false);
        assert_eq!(r.joined().count(), 0);
    }

    /// Creating a public room: everyone's `room_created` (no role) may reach
    /// the creator before their own answer; the answer's role wins.
    #[test]
    fn our_own_answer_brings_our_role_after_the_announcement() {
        use crate::protocol::RoomRole;
        let mut r = Rooms::default();
        r.upsert(room(4, "ops", false, 0, None));
        let mut ours = room(4, "ops", true, 0, None);
        ours.role = Some(RoomRole::Owner);
        r.upsert(ours);
        assert_eq!(r.get(RoomId(4)).and_then(|x| x.role), Some(RoomRole::Owner));
        // The announcement arriving after the answer takes nothing away.
        r.upsert(room(4, "ops", false, 0, None));
        assert_eq!(r.get(RoomId(4)).and_then(|x| x.role), Some(RoomRole::Owner));
    }
}
