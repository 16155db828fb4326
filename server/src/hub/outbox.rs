//! One connection's outbound queue, as the rest of the server sees it.

use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;

/// Identifies one WebSocket connection for the lifetime of the process.
pub type ConnId = u64;

/// Why a connection is being closed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kick {
    /// Its queue filled up: the client stopped reading.
    SlowConsumer,
    /// Its login session was ended (logout).
    SessionEnded,
    /// It sent a frame past the transport limit.
    TooBig,
}

/// A handle that queues serialized frames for one connection. Cloned into the
/// hub's room lists; the connection's writer task owns the receiving end.
///
/// The queue is bounded: a frame that does not fit means the client has stopped
/// reading, and rather than buffer without limit or slow every sender down, the
/// connection is cut off (see [`Kick::SlowConsumer`]).
#[derive(Clone, Debug)]
pub struct Outbox {
    pub id: ConnId,
    tx: mpsc::Sender<Utf8Bytes>,
    /// Cancelled when the server drops the connection; the first reason wins.
    kicked: CancellationToken,
    reason: std::sync::Arc<std::sync::OnceLock<Kick>>,
}

impl Outbox {
    pub fn new(id: ConnId, capacity: usize) -> (Outbox, mpsc::Receiver<Utf8Bytes>) {
        let (tx, rx) = mpsc::channel(capacity);
        let outbox = Outbox {
            id,
            tx,
            kicked: CancellationToken::new(),
            reason: Default::default(),
        };
        (outbox, rx)
    }

    /// Queues a frame without waiting. Returns false if the frame was not queued
    /// (the connection is closing or has just been cut off for not reading).
    pub fn push(&self, frame: Utf8Bytes) -> bool {
        match self.tx.try_send(frame) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.kick(Kick::SlowConsumer);
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }

    pub fn kick(&self, why: Kick) {
        let _ = self.reason.set(why);
        self.kicked.cancel();
    }

    pub fn is_kicked(&self) -> bool {
        self.kicked.is_cancelled()
    }

    /// Resolves when the connection has been kicked, with the reason.
    pub async fn kicked(&self) -> Kick {
        self.kicked.cancelled().await;
        self.reason.get().copied().unwrap_or(Kick::SlowConsumer)
    }
}
