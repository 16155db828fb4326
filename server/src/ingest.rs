//! Ingest: the single path by which a chat message is stored and published.
//!
//! Connections hand a validated message to a bounded queue and go on reading;
//! one task takes whatever has queued up (up to [`MAX_BATCH`]), stores it in one
//! commit, and only after the commit publishes each new message to its room
//! and acknowledges it to its sender. So:
//! - an `ack` always means "on disk" (a crash after it loses nothing, nor does
//!   a power cut);
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
//!
//! On SQLite a commit is visible to every reader before it is on the disk
//! (`store::MessageWriter`): ingest publishes a batch to the room then, and
//! hands the senders' own copies and acks to a thread of their own
//! ([`sync`]), which syncs the WAL once for every batch committed meanwhile
//! and only then answers. Ingest goes on with the next batch during the
//! fsync. A power cut can then take a message others have seen, never one
//! its sender was told is stored: its client still holds it and resends it.

use crate::{
    hub::{encode, Frame, Hub, Mark, Marked, Outbox, Topic},
    store::{MessageWriter, NewMessage, Store, StoreError, WalSync, Written},
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

/// Batches committed and waiting for their fsync before the thread that
/// syncs pushes back on ingest. One fsync covers all of them.
const UNSYNCED: usize = 64;

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
        let writer = store.message_writer();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (done, finished) = oneshot::channel::<()>();
        let (to_sync, unsynced) = mpsc::channel(UNSYNCED);
        let syncer = std::thread::Builder::new()
            .name("switchboard-fsync".into())
            .spawn(move || sync(unsynced))?;
        std::thread::Builder::new()
            .name("switchboard-ingest".into())
            .spawn(move || {
                runtime.block_on(run(writer, hub, rx, to_sync, shutdown));
                // Tasks the database pool spawned here (returning a
                // connection) end with the runtime, before `done` says so.
                drop(runtime);
                // `run` dropped its sender: the syncer answers what is left.
                if syncer.join().is_err() {
                    return;
                }
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
    mut writer: MessageWriter,
    hub: Arc<Hub>,
    mut rx: mpsc::Receiver<Submission>,
    to_sync: mpsc::Sender<Unsynced>,
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
                    let stored = store_all(&mut writer, &batch).await;
                    answer_later(&to_sync, publish(&hub, &mut batch, stored)).await;
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
        let stored = store_all(&mut writer, &batch).await;
        let unsynced = publish(&hub, &mut batch, stored);
        answer_later(&to_sync, unsynced).await;
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

async fn store_all(
    writer: &mut MessageWriter,
    batch: &[Submission],
) -> Result<Written, StoreError> {
    let messages: Vec<&NewMessage> = batch.iter().map(|s| &s.message).collect();
    writer.insert_messages(&messages).await
}

/// What a sender is owed for one message of a stored batch.
struct Answer {
    reply: Outbox,
    /// The sender's copy of its message: a new one held back from the
    /// room's frame ([`Hub::publish_message_to_others`]), or the stored one
    /// a resend gets again.
    copy: Option<Frame>,
    client_id: String,
    id: app::protocol::MessageId,
    room: RoomId,
    queued_at: Instant,
}

impl Answer {
    /// The message is on the disk: its copy, then its ack.
    fn give(self) {
        if let Some(copy) = self.copy {
            self.reply.push(copy);
        }
        crate::metrics::acked(self.queued_at.elapsed());
        self.reply.push(encode(&ServerFrame::Ack {
            client_id: self.client_id,
            id: self.id,
            room: self.room,
        }));
    }
}

/// A committed batch's answers, to give once its WAL is synced.
struct Unsynced {
    wal: WalSync,
    answers: Vec<Answer>,
}

/// Publishes what `result` stored of `batch` to its rooms, and answers each
/// sender: at once when the commit was durable, else the answers come back
/// to be given after the sync.
fn publish(
    hub: &Hub,
    batch: &mut Vec<Submission>,
    result: Result<Written, StoreError>,
) -> Option<Unsynced> {
    let written = match result {
        Ok(written) => written,
        Err(e) => {
            tracing::error!(error = %e, count = batch.len(), "storing messages failed");
            for sub in batch.drain(..) {
                refuse(&sub.reply, sub.message.client_id);
            }
            return None;
        }
    };
    // The sender's copy waits for the fsync too: a client takes it as
    // settling its pending message, as it does the ack. Others may meanwhile
    // see later messages, and so may the sender.
    let later = written.unsynced.is_some();
    let mut answers = Vec::with_capacity(batch.len());
    for (sub, st) in batch.drain(..).zip(written.stored) {
        let (id, room) = (st.message.id, st.message.room);
        let copy = if !st.fresh {
            // A resend of a stored message: its sender gets it again, for a
            // client that lost its copy with the connection may have moved
            // past its id meanwhile (see `later` above).
            Some(encode(&ServerFrame::Message(st.message)))
        } else if later {
            let copy = hub.publish_message_to_others(st.message, &sub.reply);
            Some(copy)
        } else {
            hub.publish_message(st.message, &sub.reply);
            None
        };
        if let Some(thread) = st.thread {
            // The reply first, then its parent's new count: a client that
            // sees the count can find the reply.
            hub.publish(Topic::Room { room }, ServerFrame::Thread(thread));
        }
        answers.push(Answer {
            reply: sub.reply,
            copy,
            client_id: sub.message.client_id,
            id,
            room,
            queued_at: sub.queued_at,
        });
    }
    match written.unsynced {
        Some(wal) => Some(Unsynced { wal, answers }),
        None => {
            answers.into_iter().for_each(Answer::give);
            None
        }
    }
}

/// Not acknowledged: the client keeps the message and retries.
fn refuse(reply: &Outbox, client_id: String) {
    reply.push(encode(&ServerFrame::Error(ErrorFrame {
        code: ErrorCode::Internal,
        message: "the message could not be stored; it will be retried".into(),
        retry_after_ms: Some(1000),
        client_id: Some(client_id),
    })));
}

/// Hands a batch's answers to the thread that syncs, waiting while it has
/// [`UNSYNCED`] batches in hand.
async fn answer_later(to_sync: &mpsc::Sender<Unsynced>, unsynced: Option<Unsynced>) {
    let Some(unsynced) = unsynced else {
        return;
    };
    if let Err(mpsc::error::SendError(lost)) = to_sync.send(unsynced).await {
        // Only if the syncing thread panicked: nobody can say these are stored.
        tracing::error!("the fsync thread is gone; messages not acknowledged");
        for a in lost.answers {
            refuse(&a.reply, a.client_id);
        }
    }
}

/// The fsync thread: takes every batch committed since its last fsync,
/// syncs their WAL once and answers their senders, until ingest is gone.
/// A failed fsync leaves the batches unacknowledged (their clients resend,
/// and get the stored message's id).
fn sync(mut unsynced: mpsc::Receiver<Unsynced>) {
    let mut group: Vec<Unsynced> = Vec::new();
    while let Some(first) = unsynced.blocking_recv() {
        group.push(first);
        while let Ok(more) = unsynced.try_recv() {
            group.push(more);
        }
        let mut synced: Vec<WalSync> = Vec::new();
        let mut failed = None;
        for u in &group {
            // One file in practice; another after the writer reconnected.
            if synced.iter().any(|w| w.same(&u.wal)) {
                continue;
            }
            if let Err(e) = u.wal.sync() {
                failed = Some(e);
            }
            synced.push(u.wal.clone());
        }
        if let Some(e) = &failed {
            tracing::error!(error = %e, "syncing the WAL failed; messages not acknowledged");
        }
        for u in group.drain(..) {
            for answer in u.answers {
                if failed.is_some() {
                    refuse(&answer.reply, answer.client_id);
                } else {
                    answer.give();
                }
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

    /// The JSON of the frames ready in `feed`.
    fn frames(feed: &mut Feed) -> Vec<serde_json::Value> {
        std::iter::from_fn(|| feed.try_recv())
            .map(|f| serde_json::from_slice(f.unwrap().payload()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn on_sqlite_the_room_gets_a_message_at_commit_and_its_sender_after_the_fsync() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}/ingest.db", dir.path().display()))
            .await
            .unwrap();
        let ann = store.create_user("ann", "h").await.unwrap();
        let room = store
            .create_room("general", ann.id, app::protocol::Visibility::Public)
            .await
            .unwrap()
            .id;
        let hub = Arc::new(Hub::new());
        let (sender, mut own) = follower(&hub, room, ann.id.0);
        let (_other, mut theirs) = follower(&hub, room, 2);
        frames(&mut own);
        let shutdown = CancellationToken::new();
        let (ingest, task) = Ingest::start(store.clone(), hub.clone(), shutdown.clone()).unwrap();
        for cid in ["c1", "c2"] {
            ingest
                .submit(Submission {
                    message: NewMessage {
                        room,
                        author: ann.id,
                        author_name: "ann".into(),
                        body: format!("hello {cid}"),
                        client_id: cid.into(),
                        files: Vec::new(),
                        thread: None,
                        also_in_room: false,
                    },
                    reply: sender.clone(),
                    queued_at: Instant::now(),
                })
                .await
                .unwrap();
        }
        shutdown.cancel();
        task.await.unwrap();

        let kinds = |fs: &[serde_json::Value]| -> Vec<String> {
            fs.iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        f["type"].as_str().unwrap(),
                        f["client_id"].as_str().unwrap_or("-")
                    )
                })
                .collect()
        };
        let theirs = frames(&mut theirs);
        assert_eq!(
            kinds(&theirs),
            ["message -", "message -"],
            "no client_id for others"
        );
        let own = frames(&mut own);
        let own_kinds = kinds(&own);
        // Each message once (the room's frame is not also written to the
        // sender), each copy before its ack, in the order sent.
        let pos = |k: &str| own_kinds.iter().position(|x| x == k).unwrap();
        assert_eq!(own.len(), 4, "{own_kinds:?}");
        assert!(pos("message c1") < pos("ack c1") && pos("message c2") < pos("ack c2"));
        assert!(pos("ack c1") < pos("ack c2"));
        assert_eq!(own[pos("ack c1")]["id"], theirs[0]["id"]);
        assert_eq!(
            store
                .messages_after(room, app::protocol::MessageId(0), 10)
                .await
                .unwrap()
                .len(),
            2
        );
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
