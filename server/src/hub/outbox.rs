//! One connection's outbound side: the [`Outbox`] the rest of the server pushes
//! into, and the [`Feed`] its writer task drains.
//!
//! Frames meant for one connection (acks, errors, history, presence
//! snapshots) go through a bounded `mpsc` queue. Room traffic does not: each
//! room has one `broadcast` ring, and the writer follows the rings of the rooms
//! its connection joined. Publishing a message into a room of 1,000 is then one
//! write into one ring, not 1,000 queue pushes, each with its own semaphore and
//! wake-up (the cost profiled in docs/performance.md).

use super::RoomFrame;
use app::protocol::RoomId;
use axum::extract::ws::Utf8Bytes;
use futures_util::FutureExt;
use tokio::sync::{
    broadcast,
    mpsc::{self, error::TrySendError},
};
use tokio_stream::{
    wrappers::{errors::BroadcastStreamRecvError, BroadcastStream},
    StreamExt, StreamMap,
};
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

/// What travels through a connection's own queue, in order: its frames, and
/// the hub's word on which rooms to follow. Following goes through the same
/// queue as the `history` frame that answers a join, so the writer starts
/// reading the room before it writes the history.
#[derive(Debug)]
enum Outgoing {
    Frame(Utf8Bytes),
    Follow(RoomId, broadcast::Receiver<RoomFrame>),
    Unfollow(RoomId),
}

/// A handle that queues serialized frames for one connection. Cloned into the
/// hub's registry; the connection's writer task owns the [`Feed`].
///
/// The queue is bounded: a frame that does not fit means the client has stopped
/// reading, and rather than buffer without limit or slow every sender down, the
/// connection is cut off (see [`Kick::SlowConsumer`]).
#[derive(Clone, Debug)]
pub struct Outbox {
    pub id: ConnId,
    tx: mpsc::Sender<Outgoing>,
    /// Cancelled when the server drops the connection; the first reason wins.
    kicked: CancellationToken,
    reason: std::sync::Arc<std::sync::OnceLock<Kick>>,
}

impl Outbox {
    pub fn new(id: ConnId, capacity: usize) -> (Outbox, Feed) {
        let (tx, rx) = mpsc::channel(capacity);
        let outbox = Outbox {
            id,
            tx,
            kicked: CancellationToken::new(),
            reason: Default::default(),
        };
        let feed = Feed {
            conn: id,
            direct: rx,
            rooms: StreamMap::new(),
        };
        (outbox, feed)
    }

    /// Queues a frame without waiting. Returns false if the frame was not queued
    /// (the connection is closing or has just been cut off for not reading).
    pub fn push(&self, frame: Utf8Bytes) -> bool {
        self.queue(Outgoing::Frame(frame))
    }

    pub(super) fn follow(&self, room: RoomId, ring: broadcast::Receiver<RoomFrame>) {
        self.queue(Outgoing::Follow(room, ring));
    }

    pub(super) fn unfollow(&self, room: RoomId) {
        self.queue(Outgoing::Unfollow(room));
    }

    fn queue(&self, item: Outgoing) -> bool {
        match self.tx.try_send(item) {
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

/// The connection fell so far behind a room that the room's ring overwrote
/// frames it had not read. It cannot be told what it missed in-band: it must
/// reconnect and resume with `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged;

/// Everything one connection's writer has to send: its own queue and the
/// rooms it follows.
pub struct Feed {
    conn: ConnId,
    direct: mpsc::Receiver<Outgoing>,
    rooms: StreamMap<RoomId, BroadcastStream<RoomFrame>>,
}

impl Feed {
    /// The next frame to write; `None` once the connection's [`Outbox`] is
    /// gone. Cancel-safe: a frame is never taken and then dropped.
    pub async fn recv(&mut self) -> Option<Result<Utf8Bytes, Lagged>> {
        loop {
            // Own frames first: after a join, the history before the room's
            // newer frames.
            tokio::select! {
                biased;
                item = self.direct.recv() => {
                    if let Some(frame) = self.apply(item?) {
                        return Some(Ok(frame));
                    }
                }
                Some((_, frame)) = self.rooms.next() => {
                    if let Some(frame) = self.room_frame(frame) {
                        return Some(frame);
                    }
                }
            }
        }
    }

    /// Like [`Feed::recv`], but only what is ready now.
    pub fn try_recv(&mut self) -> Option<Result<Utf8Bytes, Lagged>> {
        while let Ok(item) = self.direct.try_recv() {
            if let Some(frame) = self.apply(item) {
                return Some(Ok(frame));
            }
        }
        while let Some(Some((_, frame))) = self.rooms.next().now_or_never() {
            if let Some(frame) = self.room_frame(frame) {
                return Some(frame);
            }
        }
        None
    }

    fn apply(&mut self, item: Outgoing) -> Option<Utf8Bytes> {
        match item {
            Outgoing::Frame(frame) => return Some(frame),
            Outgoing::Follow(room, ring) => {
                self.rooms.insert(room, BroadcastStream::new(ring));
            }
            Outgoing::Unfollow(room) => {
                self.rooms.remove(&room);
            }
        }
        None
    }

    fn room_frame(
        &self,
        frame: Result<RoomFrame, BroadcastStreamRecvError>,
    ) -> Option<Result<Utf8Bytes, Lagged>> {
        match frame {
            Ok(RoomFrame { skip, .. }) if skip == Some(self.conn) => None,
            Ok(RoomFrame { bytes, .. }) => Some(Ok(bytes)),
            Err(BroadcastStreamRecvError::Lagged(_)) => Some(Err(Lagged)),
        }
    }
}
