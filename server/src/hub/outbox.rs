//! One connection's outbound side: the [`Outbox`] the rest of the server pushes
//! into, and the [`Feed`] its writer task drains.
//!
//! Frames meant for one connection (acks, errors, history, presence
//! snapshots) go through a bounded queue of its own ([`Queue`]). Room traffic does not: each
//! room has one `broadcast` ring, and the writer follows the rings of the rooms
//! its connection joined. Publishing a message into a room of 1,000 is then one
//! write into one ring, not 1,000 queue pushes, each with its own semaphore and
//! wake-up (the cost profiled in docs/performance.md).
//!
//! Both roads are bounded twice: in frames (the queue's capacity,
//! `SWITCHBOARD_OUTBOUND_QUEUE`) and in bytes (the connection's [`Budget`],
//! `SWITCHBOARD_OUTBOUND_BYTES`). Counting frames alone let one client that
//! asked for large histories without reading hold a gigabyte of them.

use super::{Except, Frame, RoomFrame};
use app::protocol::RoomId;
use futures_util::task::AtomicWaker;
use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard, OnceLock,
    },
    task::{Context, Poll},
};
use tokio::sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};
use tokio::sync::Notify;

/// Identifies one WebSocket connection for the lifetime of the process.
pub type ConnId = u64;

/// Why a connection is being closed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kick {
    /// Its queue filled up: the client stopped reading.
    SlowConsumer,
    /// Its login session was ended (logout).
    SessionEnded,
    /// Its user's role changed; the client reconnects under the new one.
    RoleChanged,
    /// Its user's account was deactivated: like [`Kick::SessionEnded`]
    /// (close 4001), with its own reason.
    Deactivated,
    /// It sent a frame past the transport limit.
    TooBig,
    /// This node may have missed frames for it (a bus fault): reconnect,
    /// to any node, and resume with `since` (close 1012).
    Resync,
}

/// Why a connection's writer stops: the first of these to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The server cut it off; the writer closes with the kick's code.
    Kicked(Kick),
    /// The node is shutting down: deliver what is queued, then close 1012.
    Shutdown,
    /// The reader ended (the client left, or went silent): nothing more to say.
    Closed,
    /// The client sent a close frame with this code: the writer answers
    /// with the same code (RFC 6455, 5.5.1) and stops.
    Goodbye(u16),
}

/// What travels through a connection's own queue, in order: its frames, and
/// the hub's word on which rooms to follow. Following goes through the same
/// queue as the `history` frame that answers a join, so the writer starts
/// reading the room before it writes the history.
#[derive(Debug)]
enum Outgoing {
    Frame(Frame),
    Follow(RoomId, broadcast::Receiver<RoomFrame>),
    Unfollow(RoomId),
    /// This connection's own copy of the next message it sent to the room
    /// (see [`super::Hub::publish_message`]). Boxed: the largest variant
    /// sets the size of every slot of the queue.
    OwnCopy(Box<(RoomId, Frame)>),
}

/// A connection's own queue: many pushers (the hub, the handlers), one
/// reader (its writer task), at most `capacity` items.
///
/// A mutex around a `VecDeque`, not tokio's `mpsc`: a bounded `mpsc`
/// allocates a cache-padded channel and a first block of 32 slots with every
/// connection (about 1.8 KiB), while an empty `VecDeque` allocates nothing,
/// and most connections are idle most of the time. Room traffic, the hot
/// path, does not come through here (it is read from the rooms' rings).
#[derive(Debug)]
struct Queue {
    items: Mutex<VecDeque<Outgoing>>,
    capacity: usize,
    /// The writer, waiting for an item or for the last [`Outbox`] to go.
    reader: AtomicWaker,
    /// [`Outbox`] handles alive; at zero the reader sees the end.
    senders: AtomicUsize,
    /// The [`Feed`] is gone: nothing more is queued.
    closed: AtomicBool,
}

/// Why an item was not queued.
enum Refused {
    Full,
    Closed,
}

/// A queue emptied with more room than this gives its buffer back, so that
/// a burst (a join's history) does not stay allocated on an idle connection.
const QUEUE_KEEP: usize = 4;

impl Queue {
    fn new(capacity: usize) -> Queue {
        Queue {
            items: Mutex::new(VecDeque::new()),
            capacity,
            reader: AtomicWaker::new(),
            senders: AtomicUsize::new(1),
            closed: AtomicBool::new(false),
        }
    }

    fn items(&self) -> MutexGuard<'_, VecDeque<Outgoing>> {
        // A panic while holding the lock leaves a plain queue behind, still usable.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, item: Outgoing) -> Result<(), Refused> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Refused::Closed);
        }
        {
            let mut items = self.items();
            if items.len() >= self.capacity {
                return Err(Refused::Full);
            }
            items.push_back(item);
        }
        self.reader.wake();
        Ok(())
    }

    fn try_pop(&self) -> Option<Outgoing> {
        let mut items = self.items();
        let item = items.pop_front();
        if items.is_empty() && items.capacity() > QUEUE_KEEP {
            *items = VecDeque::new();
        }
        item
    }

    /// The next item; `None` once every [`Outbox`] is gone and the queue is
    /// empty. For the one reader: it alone is woken.
    fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<Outgoing>> {
        // Registered before looking, so a push in between is not missed:
        // one look (one lock) per poll.
        self.reader.register(cx.waker());
        if let Some(item) = self.try_pop() {
            return Poll::Ready(Some(item));
        }
        if self.senders.load(Ordering::Acquire) == 0 {
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        *self.items() = VecDeque::new();
    }
}

/// A handle that queues serialized frames for one connection. Cloned into the
/// hub's registry; the connection's writer task owns the [`Feed`].
///
/// The queue is bounded: a frame that does not fit means the client has stopped
/// reading, and rather than buffer without limit or slow every sender down, the
/// connection is cut off (see [`Kick::SlowConsumer`]).
#[derive(Debug)]
pub struct Outbox {
    pub id: ConnId,
    shared: Arc<Shared>,
}

/// What a connection's [`Outbox`] handles and its [`Feed`] share: one
/// allocation per connection.
#[derive(Debug)]
struct Shared {
    queue: Queue,
    /// The bytes queued for this connection and not yet written.
    budget: Budget,
    /// Set once, when the connection starts to end; the first reason wins.
    end: Ending,
}

impl Clone for Outbox {
    fn clone(&self) -> Outbox {
        self.shared.queue.senders.fetch_add(1, Ordering::Relaxed);
        Outbox {
            id: self.id,
            shared: self.shared.clone(),
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        if self.shared.queue.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.queue.reader.wake();
        }
    }
}

/// The connection's end, and the writer waiting for it. Polled on every one
/// of the writer's wake-ups, so it is an atomic load and a waker check, not a
/// `CancellationToken` (a mutex per poll; three of them were about 2 % of a
/// capped server's time, docs/performance.md).
#[derive(Debug, Default)]
struct Ending {
    why: OnceLock<End>,
    writer: AtomicWaker,
}

/// The bytes of the frames a connection has been given and has not yet
/// written to its socket: those in its own queue, and those its writer took
/// from the rooms' rings and holds. Past `limit` the client is not reading
/// and is cut off, like a full queue.
///
/// An atomic counter, not a semaphore: pushes never wait (a publisher must not
/// be slowed by one reader), and a waiting [`Outbox::drained_to`] must not take
/// released bytes ahead of them, which a fair semaphore would.
#[derive(Debug)]
struct Budget {
    queued: AtomicUsize,
    limit: usize,
    /// Woken by the writer each time it has written a batch, while anyone
    /// waits in [`Outbox::drained_to`] (`waiting`): waking takes a lock, and
    /// nearly always nobody waits.
    drained: Notify,
    waiting: AtomicUsize,
    /// `Unfollow`s queued to the writer and not yet applied. The hub queues
    /// one under its lock, and a room frame is published under that lock
    /// later, so a writer that reads a room frame while this is above zero
    /// may hold a frame published after its connection left the room: it
    /// applies its own queue before writing it (see [`Feed::take_ready`]).
    /// One load per room frame; above zero only for the moment a leave is
    /// in flight.
    unfollows: AtomicUsize,
}

impl Budget {
    /// Counts `bytes` more; false (and nothing counted) past the limit.
    fn charge(&self, bytes: usize) -> bool {
        let before = self.queued.fetch_add(bytes, Ordering::AcqRel);
        if before + bytes > self.limit {
            self.queued.fetch_sub(bytes, Ordering::AcqRel);
            return false;
        }
        true
    }

    fn release(&self, bytes: usize) {
        // SeqCst with `waiting`: either the waiter sees the bytes gone, or
        // this sees the waiter.
        self.queued.fetch_sub(bytes, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.drained.notify_waiters();
        }
    }
}

/// Counts a [`Outbox::drained_to`] waiter for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Outbox {
    /// A connection's outbox: at most `capacity` frames and `bytes` bytes
    /// waiting for its writer.
    pub fn new(id: ConnId, capacity: usize, bytes: usize) -> (Outbox, Feed) {
        let shared = Arc::new(Shared {
            queue: Queue::new(capacity),
            budget: Budget {
                queued: AtomicUsize::new(0),
                limit: bytes,
                drained: Notify::new(),
                waiting: AtomicUsize::new(0),
                unfollows: AtomicUsize::new(0),
            },
            end: Ending::default(),
        });
        let feed = Feed {
            conn: id,
            rooms: Vec::new(),
            next_room: 0,
            own: VecDeque::new(),
            held: None,
            shared: shared.clone(),
        };
        (Outbox { id, shared }, feed)
    }

    fn budget(&self) -> &Budget {
        &self.shared.budget
    }

    fn end(&self) -> &Ending {
        &self.shared.end
    }

    /// Queues a frame without waiting. Returns false if the frame was not queued
    /// (the connection is closing or has just been cut off for not reading:
    /// too many frames or too many bytes waiting).
    pub fn push(&self, frame: Frame) -> bool {
        self.push_counted(frame.len(), Outgoing::Frame(frame))
    }

    /// Queues `item`, counting its `bytes` against the budget.
    fn push_counted(&self, bytes: usize, item: Outgoing) -> bool {
        if self.is_kicked() {
            return false;
        }
        if !self.budget().charge(bytes) {
            self.kick(Kick::SlowConsumer);
            return false;
        }
        let queued = self.queue(item);
        if !queued {
            self.budget().release(bytes);
        }
        queued
    }

    /// Bytes queued for this connection and not yet written.
    pub fn queued_bytes(&self) -> usize {
        self.budget().queued.load(Ordering::Acquire)
    }

    /// The most bytes that may wait for this connection.
    pub fn byte_limit(&self) -> usize {
        self.budget().limit
    }

    /// Waits until at most `level` bytes are waiting for this connection.
    /// A sender of a long answer (a join's replay) paces itself with it, so
    /// a reading client gets all of it and one that does not read holds at
    /// most the budget. Returns false when the connection is kicked first,
    /// or when nothing at all was written for `stall` (the client stopped
    /// reading); a slow reader that keeps draining waits as long as it takes.
    pub async fn drained_to(&self, level: usize, stall: std::time::Duration) -> bool {
        let _waiting = Waiting::new(&self.budget().waiting);
        loop {
            let drained = self.budget().drained.notified();
            tokio::pin!(drained);
            // Registered before looking, so a release (or a kick, which
            // notifies too) in between is not missed.
            drained.as_mut().enable();
            if self.end().why.get().is_some() {
                return false;
            }
            if self.budget().queued.load(Ordering::SeqCst) <= level {
                return true;
            }
            tokio::select! {
                _ = drained => {}
                _ = tokio::time::sleep(stall) => return false,
            }
        }
    }

    /// The writer wrote `bytes` of what it was given.
    pub fn written(&self, bytes: usize) {
        if bytes > 0 {
            self.budget().release(bytes);
        }
    }

    pub(super) fn follow(&self, room: RoomId, ring: broadcast::Receiver<RoomFrame>) {
        self.queue(Outgoing::Follow(room, ring));
    }

    pub(super) fn unfollow(&self, room: RoomId) {
        // Counted before it is queued, so a writer that can see a frame
        // published after this sees the count too.
        self.budget().unfollows.fetch_add(1, Ordering::SeqCst);
        if !self.queue(Outgoing::Unfollow(room)) {
            self.budget().unfollows.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Counted like any frame of its own until the writer takes it in the
    /// room frame's place (then it is counted as that frame).
    pub(super) fn own_copy(&self, room: RoomId, frame: Frame) {
        self.push_counted(frame.len(), Outgoing::OwnCopy(Box::new((room, frame))));
    }

    fn queue(&self, item: Outgoing) -> bool {
        match self.shared.queue.push(item) {
            Ok(()) => true,
            Err(Refused::Full) => {
                self.kick(Kick::SlowConsumer);
                false
            }
            Err(Refused::Closed) => false,
        }
    }

    /// Cuts the connection off: its writer closes it with `why`'s code.
    pub fn kick(&self, why: Kick) {
        self.finish(End::Kicked(why));
    }

    /// Tells the writer to stop, unless an earlier reason already did.
    pub fn finish(&self, end: End) {
        if self.end().why.set(end).is_ok() {
            self.end().writer.wake();
            self.budget().drained.notify_waiters();
        }
    }

    /// Whether the server cut it off; frames pushed after that are dropped.
    /// (Not after a shutdown began: the acks of messages stored while the
    /// node drains still go out.)
    pub fn is_kicked(&self) -> bool {
        self.kick_reason().is_some()
    }

    pub fn kick_reason(&self) -> Option<Kick> {
        match self.end().why.get() {
            Some(End::Kicked(why)) => Some(*why),
            _ => None,
        }
    }

    /// Resolves when the connection starts to end, with the first reason.
    /// For the one writer task: it alone is woken.
    pub fn poll_end(&self, cx: &mut Context<'_>) -> Poll<End> {
        if let Some(end) = self.end().why.get() {
            return Poll::Ready(*end);
        }
        self.end().writer.register(cx.waker());
        match self.end().why.get() {
            Some(end) => Poll::Ready(*end),
            None => Poll::Pending,
        }
    }
}

/// The connection fell so far behind a room that the room's ring overwrote
/// frames it had not read, or that the room frames its writer holds passed
/// its byte budget. It cannot be told what it missed in-band: it must
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
    rooms: Vec<(RoomId, broadcast::Receiver<RoomFrame>)>,
    /// The room `try_recv` looks at first, rotated so a busy room cannot
    /// starve a quiet one.
    next_room: usize,
    /// Own copies of messages this connection sent, in the order sent, each
    /// waiting for its place in a followed room's ring. At most the room
    /// frames not yet read: one per message of ours in the rings.
    own: VecDeque<(RoomId, Frame)>,
    /// A room frame taken from its ring while an `Unfollow` was in flight,
    /// or before its own copy was in hand, and the own queue could not be
    /// applied first (the caller's limit was reached): written, or dropped
    /// if its room was left, once it has been.
    held: Option<(RoomId, RoomFrame)>,
    /// The own queue, and the budget: direct frames are counted when
    /// pushed, room frames here, when the writer takes them (in the ring
    /// they are shared by the whole room); the writer releases both once
    /// written.
    shared: Arc<Shared>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.shared.queue.close();
    }
}

impl Feed {
    fn budget(&self) -> &Budget {
        &self.shared.budget
    }

    /// The next frame to write; `None` once the connection's [`Outbox`] is
    /// gone. Cancel-safe: a frame is never taken and then dropped.
    pub async fn recv(&mut self) -> Option<Result<Frame, Lagged>> {
        loop {
            if let Some(frame) = self.try_recv() {
                return Some(frame);
            }
            // Own frames first: after a join, the history before the room's
            // newer frames.
            tokio::select! {
                biased;
                item = std::future::poll_fn(|cx| self.shared.queue.poll_pop(cx)) => {
                    if let Some(frame) = self.apply(item?) {
                        return Some(Ok(frame));
                    }
                }
                (room, frame) = any_room(&mut self.rooms) => match frame {
                    // Settled by `take_ready`, own queue first.
                    Ok(frame) if self.leaving() || self.copy_queued(room, &frame) => {
                        self.held = Some((room, frame))
                    }
                    Ok(frame) => if let Some(bytes) = self.mine(room, frame) {
                        return Some(self.charge(bytes));
                    },
                    Err(RecvError::Lagged(_)) => return Some(Err(Lagged)),
                    Err(RecvError::Closed) => self.unfollow(room),
                },
            }
        }
    }

    /// Stops following every room at once: the connection is ending and
    /// will write nothing more from them. A writer that still has to finish
    /// a write (up to a grace period on a stuck socket) lets the rings go
    /// first, since ingest waits for every follower to take its frames.
    pub fn leave_rooms(&mut self) {
        self.rooms.clear();
        self.held = None;
        let copies: usize = self.own.drain(..).map(|(_, copy)| copy.len()).sum();
        if copies > 0 {
            self.budget().release(copies);
        }
    }

    /// Like [`Feed::recv`], but only what is ready now.
    pub fn try_recv(&mut self) -> Option<Result<Frame, Lagged>> {
        let mut got = None;
        match self.take_ready(1, |frame| got = Some(frame)) {
            Ok(()) => got.map(Ok),
            Err(lagged) => Some(Err(lagged)),
        }
    }

    /// Moves what is ready now into `out` until it holds `upto`.
    pub fn drain_into(&mut self, out: &mut VecDeque<Frame>, upto: usize) -> Result<(), Lagged> {
        let room = upto.saturating_sub(out.len());
        self.take_ready(room, |frame| out.push_back(frame))
    }

    /// Hands at most `limit` frames that are ready now to `take`: the
    /// connection's own first, then the rooms' in turn (rotated so a busy
    /// room cannot starve a quiet one). The room frames' bytes are charged
    /// to the budget at once.
    ///
    /// A room frame read while an `Unfollow` is in flight waits until the
    /// own queue, where that `Unfollow` is, has been applied, and is dropped
    /// if its room was left: so nothing a room publishes after a
    /// connection left it — or was removed from it — is written to it.
    fn take_ready(&mut self, limit: usize, mut take: impl FnMut(Frame)) -> Result<(), Lagged> {
        let mut taken = 0;
        let mut charged = 0;
        let emptied = self.take_own(limit, &mut taken, &mut take);
        if let Some((room, frame)) = self.held.take() {
            if !emptied {
                self.held = Some((room, frame));
                return Ok(());
            }
            if let Some(bytes) = self.settled(room, frame) {
                charged += bytes.len();
                take(bytes);
                taken += 1;
            }
        }
        let mut empty = 0;
        while taken < limit && empty < self.rooms.len() {
            let i = self.next_room % self.rooms.len();
            self.next_room = i + 1;
            let room = self.rooms[i].0;
            match self.rooms[i].1.try_recv() {
                Ok(frame) if self.leaving() || self.copy_queued(room, &frame) => {
                    empty = 0;
                    if !self.take_own(limit, &mut taken, &mut take) {
                        self.held = Some((room, frame));
                        break;
                    }
                    if let Some(bytes) = self.settled(room, frame) {
                        charged += bytes.len();
                        take(bytes);
                        taken += 1;
                    }
                }
                Ok(frame) => {
                    if let Some(bytes) = self.mine(room, frame) {
                        charged += bytes.len();
                        take(bytes);
                        taken += 1;
                    }
                    empty = 0;
                }
                Err(TryRecvError::Lagged(_)) => return Err(Lagged),
                Err(TryRecvError::Empty) => empty += 1,
                // The room was dropped (everyone left) and perhaps made anew:
                // a new subscription arrives as its own `Follow`.
                Err(TryRecvError::Closed) => self.drop_room(i),
            }
        }
        if charged > 0 && !self.budget().charge(charged) {
            return Err(Lagged);
        }
        Ok(())
    }

    /// Applies the connection's own queue, handing its frames to `take` while
    /// fewer than `limit` are taken; true when it is empty (every item
    /// queued so far was applied), false when the limit stopped it.
    fn take_own(&mut self, limit: usize, taken: &mut usize, take: &mut impl FnMut(Frame)) -> bool {
        while *taken < limit {
            let Some(item) = self.shared.queue.try_pop() else {
                return true;
            };
            if let Some(frame) = self.apply(item) {
                take(frame);
                *taken += 1;
            }
        }
        false
    }

    /// Whether an `Unfollow` is on its way through the own queue.
    fn leaving(&self) -> bool {
        self.budget().unfollows.load(Ordering::Acquire) > 0
    }

    /// Whether `frame` stands for an own copy that is not in hand yet: it is
    /// still in the own queue. The publisher queued the copy before it sent
    /// the frame, but from another thread (ingest's) that can fall between
    /// the writer's look at its queue and its look at the ring; the queue is
    /// then applied first, as for a leave in flight.
    fn copy_queued(&self, room: RoomId, frame: &RoomFrame) -> bool {
        matches!(frame.except, Some(Except::OwnCopy(c)) if c == self.conn)
            && !self.own.iter().any(|(r, _)| *r == room)
    }

    /// A room frame read while an `Unfollow` was in flight (or before its
    /// own copy was in hand), once the own queue has been applied: what to
    /// write for it, nothing if the room is no longer followed.
    fn settled(&mut self, room: RoomId, frame: RoomFrame) -> Option<Frame> {
        if self.rooms.iter().any(|(r, _)| *r == room) {
            self.mine(room, frame)
        } else {
            None
        }
    }

    /// Counts a room frame against the budget as the writer takes it.
    fn charge(&self, frame: Frame) -> Result<Frame, Lagged> {
        if self.budget().charge(frame.len()) {
            Ok(frame)
        } else {
            Err(Lagged)
        }
    }

    /// What this connection writes for a frame from `room`'s ring: the
    /// frame, nothing, or the own copy that stands in for it.
    fn mine(&mut self, room: RoomId, frame: RoomFrame) -> Option<Frame> {
        if frame.mark.is_some() {
            // Dropped here: this follower has taken it.
            return None;
        }
        match frame.except {
            Some(except) if except.conn() == self.conn => match except {
                Except::Skip(_) => None,
                Except::OwnCopy(_) => {
                    let at = self.own.iter().position(|(r, _)| *r == room)?;
                    let (_, copy) = self.own.remove(at)?;
                    // Its caller counts it again, as the room's frame.
                    self.budget().queued.fetch_sub(copy.len(), Ordering::AcqRel);
                    Some(copy)
                }
            },
            _ => Some(frame.bytes),
        }
    }

    fn apply(&mut self, item: Outgoing) -> Option<Frame> {
        match item {
            Outgoing::Frame(frame) => return Some(frame),
            Outgoing::Follow(room, ring) => {
                self.unfollow(room);
                self.rooms.push((room, ring));
            }
            Outgoing::Unfollow(room) => {
                self.budget().unfollows.fetch_sub(1, Ordering::AcqRel);
                self.unfollow(room);
            }
            // Kept for its place in the ring; written at once if this
            // connection does not follow the room (then no place comes).
            Outgoing::OwnCopy(copy) => {
                let (room, frame) = *copy;
                if !self.rooms.iter().any(|(r, _)| *r == room) {
                    return Some(frame);
                }
                self.own.push_back((room, frame));
            }
        }
        None
    }

    fn unfollow(&mut self, room: RoomId) {
        self.rooms.retain(|(r, _)| *r != room);
        self.forget_own(room);
    }

    fn drop_room(&mut self, i: usize) {
        let (room, _) = self.rooms.remove(i);
        self.forget_own(room);
    }

    /// Drops the own copies waiting for a room's ring that is no longer
    /// followed (their frames went with it), and their count.
    fn forget_own(&mut self, room: RoomId) {
        let mut dropped = 0;
        self.own.retain(|(r, copy)| {
            let keep = *r != room;
            if !keep {
                dropped += copy.len();
            }
            keep
        });
        if dropped > 0 {
            self.budget().release(dropped);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn frame(text: &'static str) -> Frame {
        Frame::text(text)
    }

    /// A waker that records being woken.
    #[derive(Default)]
    struct Woken(AtomicBool);

    impl futures_util::task::ArcWake for Woken {
        fn wake_by_ref(this: &Arc<Self>) {
            this.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn the_queue_keeps_order_and_ends_when_every_outbox_is_gone() {
        let (outbox, mut feed) = Outbox::new(1, 8, 1 << 20);
        let copy = outbox.clone();
        assert!(outbox.push(frame("one")));
        assert!(copy.push(frame("two")));
        assert_eq!(feed.recv().await, Some(Ok(frame("one"))));
        assert_eq!(feed.recv().await, Some(Ok(frame("two"))));
        drop(outbox);
        // One handle left: the writer still waits for it.
        let woken = Arc::new(Woken::default());
        let waker = futures_util::task::waker(woken.clone());
        let mut recv = Box::pin(feed.recv());
        let pending = recv.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(pending.is_pending(), "ended while an outbox was alive");
        assert!(!woken.0.load(Ordering::SeqCst));
        // The last one going wakes the waiting writer, with the end.
        drop(copy);
        assert!(woken.0.load(Ordering::SeqCst), "the writer was not woken");
        assert_eq!(recv.await, None);
    }

    #[test]
    fn an_idle_queue_holds_no_buffer_and_gives_a_bursts_back() {
        let (outbox, mut feed) = Outbox::new(1, 64, 1 << 20);
        assert_eq!(outbox.shared.queue.items().capacity(), 0);
        for _ in 0..40 {
            assert!(outbox.push(frame("history")));
        }
        let mut out = VecDeque::new();
        feed.drain_into(&mut out, 256).unwrap();
        assert_eq!(out.len(), 40);
        assert_eq!(
            outbox.shared.queue.items().capacity(),
            0,
            "kept after the burst"
        );
    }

    #[test]
    fn nothing_is_queued_once_the_writer_is_gone() {
        let (outbox, feed) = Outbox::new(1, 8, 1 << 20);
        assert!(outbox.push(frame("before")));
        drop(feed);
        assert!(!outbox.push(frame("after")));
        // Not a slow consumer: the connection is simply over.
        assert!(!outbox.is_kicked());
        assert_eq!(outbox.shared.queue.items().len(), 0, "queued frames freed");
    }
}
