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

use crate::{
    hub::{encode, Hub, Outbox, Topic},
    store::{NewMessage, Store},
};
use app::protocol::{ErrorCode, ErrorFrame, ServerFrame};
use std::sync::Arc;
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// Most messages stored in one transaction. Each message of a batch is pushed to
/// every recipient at once (and a sender gets its echo and its ack), so this must
/// stay well under the outbound queue (`SWITCHBOARD_OUTBOUND_QUEUE`, 1024): a
/// client that is reading must never be cut off by one batch.
pub const MAX_BATCH: usize = 128;
/// Messages waiting to be stored before senders are made to wait.
const QUEUE: usize = 4096;

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
    pub fn start(
        store: Store,
        hub: Arc<Hub>,
        shutdown: CancellationToken,
    ) -> (Ingest, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(store, hub, rx, shutdown));
        (Ingest { tx }, task)
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
    loop {
        let n = tokio::select! {
            n = rx.recv_many(&mut batch, MAX_BATCH) => n,
            _ = shutdown.cancelled() => {
                // Refuse new work, then drain what was already accepted.
                rx.close();
                while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                    store_batch(&store, &hub, &mut batch).await;
                }
                return;
            }
        };
        if n == 0 {
            return;
        }
        store_batch(&store, &hub, &mut batch).await;
    }
}

async fn store_batch(store: &Store, hub: &Hub, batch: &mut Vec<Submission>) {
    let messages: Vec<&NewMessage> = batch.iter().map(|s| &s.message).collect();
    let result = store.insert_messages(&messages).await;
    drop(messages);
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
