//! Messages this tab has sent that the server has not yet confirmed.
//!
//! A message is shown as pending the moment it is sent. It leaves the outbox
//! when its own `message` echo (carrying our `client_id`) arrives, or when the
//! timeline already holds the id an `ack` named — whichever comes first, so it
//! is never shown twice. Entries still unacknowledged after a reconnect are sent
//! again with the same `client_id`; the server stores each `client_id` once.
//! Pure data: no signals, no I/O, tested natively.

use crate::protocol::{MessageId, RoomId};

#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub client_id: String,
    pub room: RoomId,
    pub body: String,
    pub status: PendingStatus,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PendingStatus {
    /// Handed to the socket (or waiting for one); not yet acknowledged.
    Sending,
    /// Stored as `id`; we wait for the message itself to show it in place.
    Acked(MessageId),
    /// Refused by the server. `retry_at_ms` is set when the refusal was a rate
    /// limit, which passes by itself: the client sends it again at that time.
    Failed {
        message: String,
        retry_at_ms: Option<f64>,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    /// In the order they were sent, which is the order to resend them in.
    items: Vec<Pending>,
}

impl Outbox {
    pub fn push(&mut self, client_id: String, room: RoomId, body: String) {
        self.items.push(Pending {
            client_id,
            room,
            body,
            status: PendingStatus::Sending,
        });
    }

    pub fn get(&self, client_id: &str) -> Option<&Pending> {
        self.items.iter().find(|p| p.client_id == client_id)
    }

    fn get_mut(&mut self, client_id: &str) -> Option<&mut Pending> {
        self.items.iter_mut().find(|p| p.client_id == client_id)
    }

    /// The server stored `client_id` as `id`. `shown` says whether the timeline
    /// already holds that id (then the pending copy goes at once).
    pub fn ack(&mut self, client_id: &str, id: MessageId, shown: bool) {
        if shown {
            self.remove(client_id);
        } else if let Some(p) = self.get_mut(client_id) {
            p.status = PendingStatus::Acked(id);
        }
    }

    /// A stored message arrived: drop the pending copy it stands for, matched
    /// by our `client_id` when it carries one, else by an acknowledged id.
    pub fn settle(&mut self, client_id: Option<&str>, id: MessageId) {
        self.items.retain(|p| {
            let same_client = client_id.is_some_and(|c| c == p.client_id);
            !(same_client || p.status == PendingStatus::Acked(id))
        });
    }

    pub fn fail(&mut self, client_id: &str, message: String, retry_at_ms: Option<f64>) {
        if let Some(p) = self.get_mut(client_id) {
            p.status = PendingStatus::Failed {
                message,
                retry_at_ms,
            };
        }
    }

    /// Marks a failed message as being sent again; returns it to send.
    pub fn retry(&mut self, client_id: &str) -> Option<Pending> {
        let p = self.get_mut(client_id)?;
        p.status = PendingStatus::Sending;
        Some(p.clone())
    }

    pub fn remove(&mut self, client_id: &str) {
        self.items.retain(|p| p.client_id != client_id);
    }

    /// Forget a room's messages (we left it: the server would refuse them).
    pub fn forget_room(&mut self, room: RoomId) {
        self.items.retain(|p| p.room != room);
    }

    /// What to send again on a new connection: everything not yet acknowledged
    /// nor refused, oldest first.
    pub fn unacked(&self) -> Vec<Pending> {
        self.items
            .iter()
            .filter(|p| p.status == PendingStatus::Sending)
            .cloned()
            .collect()
    }

    /// The pending messages to show under a room's timeline. `shown` tells
    /// whether the timeline holds an id, to hide acked ones already in place.
    pub fn for_room(&self, room: RoomId, shown: impl Fn(MessageId) -> bool) -> Vec<Pending> {
        self.items
            .iter()
            .filter(|p| p.room == room)
            .filter(|p| match p.status {
                PendingStatus::Acked(id) => !shown(id),
                _ => true,
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox() -> Outbox {
        let mut o = Outbox::default();
        o.push("c1".into(), RoomId(1), "one".into());
        o.push("c2".into(), RoomId(1), "two".into());
        o.push("c3".into(), RoomId(2), "three".into());
        o
    }

    #[test]
    fn echo_before_ack_settles_by_client_id() {
        let mut o = outbox();
        o.settle(Some("c1"), MessageId(10));
        // The ack that follows the echo finds nothing and changes nothing.
        o.ack("c1", MessageId(10), true);
        assert!(o.get("c1").is_none());
        assert_eq!(o.unacked().len(), 2);
    }

    #[test]
    fn ack_before_echo_waits_for_the_message() {
        let mut o = outbox();
        o.ack("c2", MessageId(11), false);
        assert_eq!(
            o.get("c2").unwrap().status,
            PendingStatus::Acked(MessageId(11))
        );
        // Acked messages are not sent again after a reconnect.
        let again: Vec<_> = o.unacked().into_iter().map(|p| p.client_id).collect();
        assert_eq!(again, vec!["c1", "c3"]);
        // Still shown while the timeline lacks id 11, hidden once it has it.
        assert_eq!(o.for_room(RoomId(1), |_| false).len(), 2);
        assert_eq!(o.for_room(RoomId(1), |id| id == MessageId(11)).len(), 1);
        // A replayed copy without our client_id still settles it.
        o.settle(None, MessageId(11));
        assert!(o.get("c2").is_none());
    }

    #[test]
    fn failures_are_kept_until_retried_or_discarded() {
        let mut o = outbox();
        o.fail("c1", "slow down".into(), Some(5.0));
        assert!(o.unacked().iter().all(|p| p.client_id != "c1"));
        assert_eq!(o.retry("c1").unwrap().body, "one");
        assert_eq!(o.get("c1").unwrap().status, PendingStatus::Sending);
        o.remove("c1");
        o.forget_room(RoomId(2));
        assert_eq!(o.unacked().len(), 1);
    }
}
