//! Ingest: the single path by which a chat message is stored and published.
//!
//! Connections hand a validated message to a bounded queue and go on reading;
//! one task takes whatever has queued up (up to [`MAX_BATCH`]), stores it in one
//! transaction, and only after the commit publishes each new message to its room
//! and acknowledges it to its sender. So:
//! - an `ack` always means "on disk" (a crash after it loses nothing);
//! - messages are published in id order, the order `since` replays them in;
//! - under load, one fsync covers many messages (group commit).
//!
//! A full queue makes the sending connection wait, which pushes back on a
//! client that sends faster than the database can store.
//!
//! The task runs on a thread of its own, with a runtime of its own. On the
//! server's runtime every wake-up of ingest (a sender's frame arriving, each
//! reply from SQLite's thread) queued behind the thousand writers the previous
//! batch had woken, and that wait, three or four times per batch, was most of a
//! message's latency under load (docs/performance.md, sessions 22 to 27).
//!
//! Running beside the writers instead of between their turns, ingest could
//! publish many small batches while the writers were still busy with the
//! last: every writer then woke for a frame or two, and made a system call
//! for each (more calls per delivery, less delivered), or fell behind the
//! ring and was cut off. So it publishes the next batch only once every
//! writer has taken the previous one from its room's ring ([`taken`]).
//! When the writers keep up that costs nothing; when they do not, messages
//! gather meanwhile into the next, larger batch (one burst, one write per
//! writer), and the queue behind ingest pushes back on the senders.

use crate::{
    hub::{encode, Hub, Mark, Marked, Outbox, Topic},
    store::{NewMessage, Store, StoreError, Stored},
};
use app::protocol::{ErrorCode, ErrorFrame, RoomId, ServerFrame};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{
    sync::{mpsc, oneshot},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// Most messages stored in one transaction. Each message of a batch is pushed to
/// every recipient at once (and a sender gets its echo and its ack), so this must
/// stay well under the outbound queue (`SWITCHBOARD_OUTBOUND_QUEUE`, 1024): a
/// client that is reading must never be cut off by one batch.
///
/// A writer writes a batch in one system call (up to 256 frames), and ingest
/// publishes the next batch only once every writer has taken the last, so
/// this is also the most frames a writer gets per wake-up at saturation. At
/// 128 the capped fan-out saturated at 1.07–1.28 M deliveries/s; at 256,
/// 1.26–1.37 M (docs/performance.md, "Session 28").
pub const MAX_BATCH: usize = 256;
/// Messages waiting to be stored before senders are made to wait.
const QUEUE: usize = 4096;
/// The longest ingest waits for writers after one batch. Writers that are
/// only short of CPU catch up well within it. A ring held back longer has a
/// follower that takes nothing (a writer leaves its rings when it stops, so
/// this should not happen); the ring's own bound deals with that one: it
/// falls behind and is cut off, and everyone else goes on.
const SETTLE_LIMIT: Duration = Duration::from_secs(1);

/// A message on its way to storage, with the connection to acknowledge.
pub struct Submission {
    pub message: NewMessage,
    pub reply: Outbox,
    /// When it was handed to ingest, for the ack latency metric.
    pub queued_at: std::time::Instant,
}

/// The sending side: cheap to clone, one per connection.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Submission>,
}

/// The queue is closed: the server is shutting down.
#[derive(Debug)]
pub struct Closed;

impl Ingest {
    /// Starts the ingest task. It stops after `shutdown` is cancelled, once
    /// everything already queued has been stored and acknowledged.
    ///
    /// The returned task ends when the ingest thread does, and fails if that
    /// thread panicked.
    pub fn start(
        store: Store,
        hub: Arc<Hub>,
        shutdown: CancellationToken,
    ) -> std::io::Result<(Ingest, JoinHandle<()>)> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (done, finished) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("switchboard-ingest".into())
            .spawn(move || {
                runtime.block_on(run(store, hub, rx, shutdown));
                // Tasks the database pool spawned here (returning a
                // connection) end with the runtime, before `done` says so.
                drop(runtime);
                let _ = done.send(());
            })?;
        let task = tokio::spawn(async move {
            if finished.await.is_err() {
                panic!("the ingest thread panicked (its error is in the log)");
            }
        });
        Ok((Ingest { tx }, task))
    }

    /// Queues a message, waiting while the queue is full.
    pub async fn submit(&self, s: Submission) -> Result<(), Closed> {
        self.tx.send(s).await.map_err(|_| Closed)
    }
}

async fn run(
    store: Store,
    hub: Arc<Hub>,
    mut rx: mpsc::Receiver<Submission>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The rooms of the batch in hand, to pace by.
    let mut rooms: Vec<RoomId> = Vec::new();
    loop {
        let n = tokio::select! {
            n = rx.recv_many(&mut batch, MAX_BATCH) => n,
            _ = shutdown.cancelled() => {
                // Refuse new work, then drain what was already accepted.
                rx.close();
                while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                    let stored = store_all(&store, &batch).await;
                    publish(&hub, &mut batch, stored);
                }
                return;
            }
        };
        if n == 0 {
            return;
        }
        rooms.clear();
        for sub in &batch {
            if !rooms.contains(&sub.message.room) {
                rooms.push(sub.message.room);
            }
        }
        let stored = store_all(&store, &batch).await;
        publish(&hub, &mut batch, stored);
        taken(mark(&hub, &rooms)).await;
    }
}

/// Puts a [`Mark`] behind everything published so far in each of `rooms`.
fn mark(hub: &Hub, rooms: &[RoomId]) -> Marked {
    let (mark, marked) = Mark::new();
    for &room in rooms {
        hub.mark(room, &mark);
    }
    marked
}

/// Waits until every follower of the marked rooms has taken everything
/// published there before the mark, or [`SETTLE_LIMIT`] has passed. Returns
/// at once when the writers have kept up.
async fn taken(mut marked: Marked) {
    if marked.is_done() {
        return;
    }
    let since = Instant::now();
    if tokio::time::timeout(SETTLE_LIMIT, marked.done())
        .await
        .is_err()
    {
        tracing::warn!("a room's followers took nothing for a second; publishing on");
    }
    crate::metrics::ingest_waited(since.elapsed());
}

async fn store_all(store: &Store, batch: &[Submission]) -> Result<Vec<Stored>, StoreError> {
    let messages: Vec<&NewMessage> = batch.iter().map(|s| &s.message).collect();
    store.insert_messages(&messages).await
}

/// Publishes what `result` stored of `batch` and answers each sender.
fn publish(hub: &Hub, batch: &mut Vec<Submission>, result: Result<Vec<Stored>, StoreError>) {
    match result {
        Ok(stored) => {
            for (sub, st) in batch.drain(..).zip(stored) {
                let (id, room) = (st.message.id, st.message.room);
                if st.fresh {
                    hub.publish_message(st.message, &sub.reply);
                    // The reply first, then its parent's new count: a client
                    // that sees the count can find the reply.
                    if let Some(thread) = st.thread {
                        hub.publish(Topic::Room { room }, ServerFrame::Thread(thread));
                    }
                }
                crate::metrics::acked(sub.queued_at.elapsed());
                sub.reply.push(encode(&ServerFrame::Ack {
                    client_id: sub.message.client_id,
                    id,
                    room,
                }));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, count = batch.len(), "storing messages failed");
            for sub in batch.drain(..) {
                // Not acknowledged: the client keeps the message and retries.
                sub.reply.push(encode(&ServerFrame::Error(ErrorFrame {
                    code: ErrorCode::Internal,
                    message: "the message could not be stored; it will be retried".into(),
                    retry_after_ms: Some(1000),
                    client_id: Some(sub.message.client_id),
                })));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{Feed, Outbox};
    use app::protocol::{Role, UserId};

    fn follower(hub: &Hub, room: RoomId, user: i64) -> (Outbox, Feed) {
        let (outbox, mut feed) = Outbox::new(hub.next_conn_id(), 64, 1 << 20);
        hub.connect(
            UserId(user),
            &format!("u{user}"),
            Role::Member,
            "s",
            outbox.clone(),
        );
        hub.subscribe(room, outbox.id);
        while feed.try_recv().is_some() {}
        (outbox, feed)
    }

    fn typing(hub: &Hub, room: RoomId) {
        hub.publish(
            Topic::Room { room },
            ServerFrame::Typing {
                room,
                user: "x".into(),
            },
        );
    }

    #[tokio::test]
    async fn ingest_waits_for_the_slowest_follower_to_take_the_batch() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (_a, mut fa) = follower(&hub, room, 1);
        let (_b, mut fb) = follower(&hub, room, 2);
        while fa.try_recv().is_some() {} // b's arrival
                                         // A room nobody follows: no wait.
        let started = Instant::now();
        taken(mark(&hub, &[RoomId(9)])).await;
        assert!(started.elapsed() < Duration::from_millis(50));

        typing(&hub, room);
        typing(&hub, room);
        let rooms = [room];
        let wait = taken(mark(&hub, &rooms));
        tokio::pin!(wait);
        let pending = Duration::from_millis(30);
        assert!(
            tokio::time::timeout(pending, &mut wait).await.is_err(),
            "nobody has taken the frames yet"
        );
        assert_eq!(std::iter::from_fn(|| fa.try_recv()).count(), 2);
        assert!(
            tokio::time::timeout(pending, &mut wait).await.is_err(),
            "b has not taken the frames yet"
        );
        assert!(fb.try_recv().is_some());
        assert!(
            tokio::time::timeout(pending, &mut wait).await.is_err(),
            "b has taken one of two"
        );
        while fb.try_recv().is_some() {}
        tokio::time::timeout(Duration::from_millis(200), wait)
            .await
            .expect("done once every follower has taken everything");
    }

    #[tokio::test]
    async fn ingest_gives_up_on_a_follower_that_takes_nothing() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (_stuck, _feed) = follower(&hub, room, 1);
        typing(&hub, room);
        let started = Instant::now();
        taken(mark(&hub, &[room])).await;
        let waited = started.elapsed();
        assert!(
            waited >= SETTLE_LIMIT && waited < SETTLE_LIMIT + Duration::from_millis(500),
            "waited {waited:?}"
        );
    }
}
