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
use tokio::sync::{
    broadcast::{
        self,
        error::{RecvError, TryRecvError},
    },
    mpsc::{self, error::TrySendError},
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
    /// Its user's role changed; the client reconnects under the new one.
    RoleChanged,
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
            rooms: Vec::new(),
            next_room: 0,
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
/// rings of the rooms it follows.
///
/// Frames that are already there are taken with `try_recv` (no waker is
/// registered anywhere); only when nothing is ready does the writer wait on
/// all sources at once. Under load the writer then mostly drains without
/// waiting, which is where the time went when every frame was awaited.
pub struct Feed {
    conn: ConnId,
    direct: mpsc::Receiver<Outgoing>,
    rooms: Vec<(RoomId, broadcast::Receiver<RoomFrame>)>,
    /// The room `try_recv` looks at first, rotated so a busy room cannot
    /// starve a quiet one.
    next_room: usize,
}

impl Feed {
    /// The next frame to write; `None` once the connection's [`Outbox`] is
    /// gone. Cancel-safe: a frame is never taken and then dropped.
    pub async fn recv(&mut self) -> Option<Result<Utf8Bytes, Lagged>> {
        loop {
            if let Some(frame) = self.try_recv() {
                return Some(frame);
            }
            // Own frames first: after a join, the history before the room's
            // newer frames.
            tokio::select! {
                biased;
                item = self.direct.recv() => {
                    if let Some(frame) = self.apply(item?) {
                        return Some(Ok(frame));
                    }
                }
                (room, frame) = any_room(&mut self.rooms) => match frame {
                    Ok(RoomFrame { skip, .. }) if skip == Some(self.conn) => {}
                    Ok(RoomFrame { bytes, .. }) => return Some(Ok(bytes)),
                    Err(RecvError::Lagged(_)) => return Some(Err(Lagged)),
                    Err(RecvError::Closed) => self.rooms.retain(|(r, _)| *r != room),
                },
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
        let mut looked = 0;
        while looked < self.rooms.len() {
            let i = self.next_room % self.rooms.len();
            match self.rooms[i].1.try_recv() {
                Ok(RoomFrame { skip, .. }) if skip == Some(self.conn) => {}
                Ok(RoomFrame { bytes, .. }) => {
                    self.next_room = i + 1;
                    return Some(Ok(bytes));
                }
                Err(TryRecvError::Lagged(_)) => return Some(Err(Lagged)),
                Err(TryRecvError::Empty) => {
                    self.next_room = i + 1;
                    looked += 1;
                }
                // The room was dropped (everyone left) and perhaps made anew:
                // a new subscription arrives as its own `Follow`.
                Err(TryRecvError::Closed) => {
                    self.rooms.remove(i);
                }
            }
        }
        None
    }

    fn apply(&mut self, item: Outgoing) -> Option<Utf8Bytes> {
        match item {
            Outgoing::Frame(frame) => return Some(frame),
            Outgoing::Follow(room, ring) => {
                self.rooms.retain(|(r, _)| *r != room);
                self.rooms.push((room, ring));
            }
            Outgoing::Unfollow(room) => self.rooms.retain(|(r, _)| *r != room),
        }
        None
    }
}

/// Waits for a frame from any of the rooms; never resolves without rooms.
async fn any_room(
    rooms: &mut [(RoomId, broadcast::Receiver<RoomFrame>)],
) -> (RoomId, Result<RoomFrame, RecvError>) {
    match rooms {
        [] => std::future::pending().await,
        [(room, ring)] => (*room, ring.recv().await),
        many => {
            let waits = many
                .iter_mut()
                .map(|(room, ring)| Box::pin(async move { (*room, ring.recv().await) }));
            futures_util::future::select_all(waits).await.0
        }
    }
}
