//! Messages this tab has sent that the server has not yet confirmed.
//!
//! A message is shown as pending the moment it is sent. It leaves the outbox
//! when its own `message` echo (carrying our `client_id`) arrives, or when the
//! timeline already holds the id an `ack` named — whichever comes first, so it
//! is never shown twice. Entries still unacknowledged after a reconnect are sent
//! again with the same `client_id`; the server stores each `client_id` once.
//! Pure data: no signals, no I/O, tested natively.

use crate::protocol::{ClientFrame, FileInfo, MessageId, RoomId};

#[derive(Clone, Debug, PartialEq)]
pub struct Pending {
    pub client_id: String,
    pub room: RoomId,
    pub body: String,
    /// Its attachments, uploaded already: shown with the pending copy and
    /// sent again with it (their ids) after a reconnect or a retry.
    pub files: Vec<FileInfo>,
    /// A thread reply: where it goes.
    pub reply: Option<ThreadReply>,
    pub status: PendingStatus,
}

/// A message written in a thread's pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadReply {
    /// The thread's first message.
    pub parent: MessageId,
    /// "Also send to the room".
    pub also_in_room: bool,
}

impl Pending {
    /// The `send` frame that posts it (again: the same `client_id` is
    /// stored once).
    pub fn frame(&self) -> ClientFrame {
        ClientFrame::Send {
            room: self.room,
            body: self.body.clone(),
            client_id: self.client_id.clone(),
            files: self.files.iter().map(|f| f.id.clone()).collect(),
            thread: self.reply.map(|r| r.parent),
            also_in_room: self.reply.is_some_and(|r| r.also_in_room),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PendingStatus {
    /// Handed to the socket (or waiting for one); not yet acknowledged.
    Sending,
    /// Not sent yet: the server slowed this tab down, and messages go out in
    /// the order they were written, so this one waits its turn.
    Queued,
    /// Stored as `id`; we wait for the message itself to show it in place.
    Acked(MessageId),
    /// Refused by the server for a reason that does not pass by itself.
    Failed { message: String },
}

/// Messages this tab sent, oldest first, and whether the server is slowing
/// the tab down.
///
/// A rate-limit refusal pauses the outbox instead of retrying that one
/// message on its own timer: independent retries raced each other and stored
/// a burst as "26, 29, 28, 27". While paused, the refused message and every
/// later one wait (`Queued`); after the wait they go out one at a time, each
/// after the previous one is acknowledged, so a second refusal cannot let a
/// later message overtake an earlier one. Once the queue is empty, sends go
/// straight out again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    /// In the order they were sent, which is the order to resend them in.
    items: Vec<Pending>,
    /// Until when (ms since the epoch) the server asked us to wait.
    slowed_until: Option<f64>,
    /// After a wait: queued messages are going out one at a time.
    draining: bool,
}

impl Outbox {
    /// Adds a message; true when it may be sent now (false: it waits behind
    /// messages the server slowed down).
    pub fn push(
        &mut self,
        client_id: String,
        room: RoomId,
        body: String,
        files: Vec<FileInfo>,
        reply: Option<ThreadReply>,
    ) -> bool {
        let now = !self.held();
        self.items.push(Pending {
            client_id,
            room,
            body,
            files,
            reply,
            status: if now {
                PendingStatus::Sending
            } else {
                PendingStatus::Queued
            },
        });
        now
    }

    pub fn get(&self, client_id: &str) -> Option<&Pending> {
        self.items.iter().find(|p| p.client_id == client_id)
    }

    fn get_mut(&mut self, client_id: &str) -> Option<&mut Pending> {
        self.items.iter_mut().find(|p| p.client_id == client_id)
    }

    /// Whether new messages must wait behind earlier ones.
    fn held(&self) -> bool {
        self.slowed_until.is_some() || self.draining
    }

    /// Until when (ms since the epoch) sending is paused, if it is.
    pub fn slowed_until(&self) -> Option<f64> {
        self.slowed_until
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

    /// Refused for good (too long, a room we may not write in, …).
    pub fn fail(&mut self, client_id: &str, message: String) {
        if let Some(p) = self.get_mut(client_id) {
            p.status = PendingStatus::Failed { message };
        }
    }

    /// Refused because this tab sends too fast: it and everything after it
    /// waits until `until_ms`.
    pub fn slow_down(&mut self, client_id: &str, until_ms: f64) {
        let Some(p) = self.get_mut(client_id) else {
            return;
        };
        p.status = PendingStatus::Queued;
        self.slowed_until = Some(self.slowed_until.map_or(until_ms, |u| u.max(until_ms)));
        self.draining = false;
    }

    /// The wait is over at `now_ms`: start sending the queue again.
    pub fn resume(&mut self, now_ms: f64) {
        if self.slowed_until.is_some_and(|u| u <= now_ms) {
            self.slowed_until = None;
            self.draining = true;
        }
    }

    /// The next queued message to send, marked as being sent: one at a time,
    /// only once nothing earlier is in flight. `None` while paused or while
    /// waiting for an answer; an empty queue ends the slow mode.
    pub fn next_to_send(&mut self) -> Option<Pending> {
        if self.slowed_until.is_some() || !self.draining {
            return None;
        }
        if self
            .items
            .iter()
            .any(|p| p.status == PendingStatus::Sending)
        {
            return None;
        }
        let Some(p) = self
            .items
            .iter_mut()
            .find(|p| p.status == PendingStatus::Queued)
        else {
            self.draining = false;
            return None;
        };
        p.status = PendingStatus::Sending;
        Some(p.clone())
    }

    /// Sends a failed message again: returns it when it may go now (else it
    /// is queued behind the others).
    pub fn retry(&mut self, client_id: &str) -> Option<Pending> {
        let held = self.held();
        // Written before messages still queued, but retried after them:
        // it goes to the back, in the order of this decision.
        let at = self.items.iter().position(|p| p.client_id == client_id)?;
        let mut p = self.items.remove(at);
        p.status = if held {
            PendingStatus::Queued
        } else {
            PendingStatus::Sending
        };
        self.items.push(p.clone());
        (!held).then_some(p)
    }

    /// The message written last.
    pub fn newest(&self) -> Option<&Pending> {
        self.items.last()
    }

    pub fn remove(&mut self, client_id: &str) {
        self.items.retain(|p| p.client_id != client_id);
    }

    /// Forget a room's messages (we left it: the server would refuse them).
    pub fn forget_room(&mut self, room: RoomId) {
        self.items.retain(|p| p.room != room);
    }

    /// What to send again on a new connection: what was in flight, oldest
    /// first (queued messages keep waiting their turn).
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
        o.push("c1".into(), RoomId(1), "one".into(), Vec::new(), None);
        o.push("c2".into(), RoomId(1), "two".into(), Vec::new(), None);
        o.push("c3".into(), RoomId(2), "three".into(), Vec::new(), None);
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
        o.fail("c1", "too long".into());
        assert!(o.unacked().iter().all(|p| p.client_id != "c1"));
        assert_eq!(o.retry("c1").unwrap().body, "one");
        assert_eq!(o.get("c1").unwrap().status, PendingStatus::Sending);
        o.remove("c1");
        o.forget_room(RoomId(2));
        assert_eq!(o.unacked().len(), 1);
    }

    /// A message with files is resent with them (their ids go out again).
    #[test]
    fn files_stay_with_their_message() {
        let file = FileInfo {
            id: crate::protocol::FileId("f1".into()),
            url: "/api/files/f1".into(),
            name: "shot.png".into(),
            size: 812,
            content_type: "image/png".into(),
            thumbnail_url: None,
            width: Some(4),
            height: Some(3),
        };
        let mut o = Outbox::default();
        o.push(
            "c1".into(),
            RoomId(1),
            String::new(),
            vec![file.clone()],
            None,
        );
        assert_eq!(o.unacked()[0].files, vec![file.clone()]);
        o.fail("c1", "refused".into());
        assert_eq!(o.retry("c1").unwrap().files, vec![file.clone()]);
        assert_eq!(o.for_room(RoomId(1), |_| false)[0].files, vec![file]);
    }

    fn statuses(o: &Outbox) -> Vec<(String, PendingStatus)> {
        o.items
            .iter()
            .map(|p| (p.client_id.clone(), p.status.clone()))
            .collect()
    }

    /// Issue 11.1: a burst refused by the rate limit is stored in the order
    /// it was written, whatever wait each refusal named.
    #[test]
    fn a_slowed_down_burst_goes_out_in_order_one_at_a_time() {
        let mut o = Outbox::default();
        for n in 1..=6 {
            assert!(o.push(
                format!("c{n}"),
                RoomId(1),
                format!("m{n}"),
                Vec::new(),
                None
            ));
        }
        o.ack("c1", MessageId(1), true);
        o.ack("c2", MessageId(2), true);
        // 3–6 are refused with waits that would have reordered them.
        o.slow_down("c3", 1_000.0);
        o.slow_down("c6", 900.0);
        o.slow_down("c5", 1_200.0);
        o.slow_down("c4", 1_100.0);
        assert_eq!(o.slowed_until(), Some(1_200.0));
        // A message written now waits behind them.
        assert!(!o.push("c7".into(), RoomId(1), "m7".into(), Vec::new(), None));
        assert!(o.unacked().is_empty(), "nothing is in flight");
        assert_eq!(o.next_to_send(), None, "paused");
        o.resume(1_100.0);
        assert_eq!(o.next_to_send(), None, "still paused");

        let mut sent = Vec::new();
        o.resume(1_200.0);
        while let Some(p) = o.next_to_send() {
            assert_eq!(o.next_to_send(), None, "one at a time");
            sent.push(p.client_id.clone());
            if p.client_id == "c4" && sent.iter().filter(|c| *c == "c4").count() == 1 {
                // Refused again: it is still first in line.
                o.slow_down("c4", 2_000.0);
                assert!(!o.push("c8".into(), RoomId(1), "m8".into(), Vec::new(), None));
                o.resume(2_000.0);
                continue;
            }
            o.ack(&p.client_id, MessageId(sent.len() as i64 + 10), true);
        }
        assert_eq!(sent, vec!["c3", "c4", "c4", "c5", "c6", "c7", "c8"]);
        assert!(statuses(&o).is_empty());
        // The queue is empty: sends go straight out again.
        assert!(o.push("c9".into(), RoomId(1), "m9".into(), Vec::new(), None));
        assert_eq!(o.slowed_until(), None);
    }

    #[test]
    fn a_reconnect_while_slowed_down_resends_only_what_was_in_flight() {
        let mut o = outbox();
        o.slow_down("c2", 500.0);
        // c1 and c3 were sent before the refusal came back.
        let again: Vec<_> = o.unacked().into_iter().map(|p| p.client_id).collect();
        assert_eq!(again, vec!["c1", "c3"]);
        o.resume(500.0);
        assert_eq!(o.next_to_send(), None, "c1 and c3 are still in flight");
        o.ack("c1", MessageId(1), true);
        o.ack("c3", MessageId(3), true);
        assert_eq!(o.next_to_send().map(|p| p.client_id).as_deref(), Some("c2"));
    }
}
