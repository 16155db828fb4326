//! One WebSocket connection: a reader task that parses and dispatches
//! frames, and a writer task that drains the connection's bounded [`Outbox`]
//! into the socket. When either ends, the other stops.
//!
//! Both tasks are resident for as long as the connection is open, idle or
//! not, so each holds only what it needs for the connection's life: set-up
//! (authentication, the `hello`) runs in axum's upgrade task, which ends
//! once it has started the two (docs/performance.md, "Idle memory").

use super::{
    dispatch::Dispatch,
    socket::{write_frames, Incoming, Outgoing, Socket},
    support::VisitorDispatch,
    Peer,
};
use crate::limits::ClientIp;
use crate::{
    hub::{encode, End, Feed, Frame, Kick, Lagged, Outbox},
    state::AppState,
    support::session::SupportSession,
};
use app::protocol::{close, ErrorCode, Role, ServerFrame, UserId};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::{collections::VecDeque, time::Duration};
use tokio::{task::JoinHandle, time::Instant};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// How often the server pings an otherwise quiet connection.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A connection that sends nothing (not even a pong) for this long is dead.
const IDLE_LIMIT: Duration = Duration::from_secs(75);
/// Frames written to the socket before one flush.
const WRITE_BATCH: usize = 256;
// A batch goes out in one vectored write.
const _: () = assert!(WRITE_BATCH <= super::socket::SLICES);
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What handles a connection's frames: accounts get chat (and, for agents,
/// the desk); visitors get the support frames only.
/// Both are boxed: each holds the app state and its own maps.
enum Handler {
    Member(Box<Dispatch>),
    Visitor(Box<VisitorDispatch>),
}

impl Handler {
    /// Boxed: a frame's handling (store queries and all) is a future of
    /// several KiB. Inline, it would be part of every connection's task for
    /// the connection's whole life, idle or not; boxed, it exists while a
    /// frame is handled.
    async fn handle_text(&mut self, text: &str) {
        match self {
            Handler::Member(d) => Box::pin(d.handle_text(text)).await,
            Handler::Visitor(d) => Box::pin(d.handle_text(text)).await,
        }
    }

    fn refuse(&self, code: ErrorCode, message: String) {
        match self {
            Handler::Member(d) => d.refuse(code, message),
            Handler::Visitor(d) => {
                use super::refusal::Reply;
                crate::refusal::Refusal::new(code, message).reply(&d.outbox)
            }
        }
    }
}

/// A login's session and when it expires: its socket closes (4001, as at
/// logout) then.
pub struct Expiry {
    pub session: String,
    pub at: DateTime<Utc>,
}

/// Sets a connection up and starts its reader and writer tasks; returns
/// when both are started.
pub async fn run(
    socket: Socket,
    state: AppState,
    peer: Peer,
    ip: ClientIp,
    expires: Option<Expiry>,
) {
    let backlog_limit = state.settings.outbound_queue;
    let Some(opened) = Box::pin(open(state.clone(), peer, ip)).await else {
        return;
    };
    let Opened {
        handler,
        outbox,
        feed,
        agent,
        kind,
    } = opened;
    // The hub tells every registered connection when a shutdown begins
    // (`Hub::shut_down_connections`); one registered just after it looks here.
    if state.shutdown.is_cancelled() {
        outbox.finish(End::Shutdown);
    }
    crate::metrics::connection_opened(kind);
    let Socket {
        mut incoming,
        outgoing,
    } = socket;
    // The library's answers to the client's pings go out with our frames.
    incoming.get_mut().answer_through(outbox.clone());
    let writer = tokio::spawn(write_loop(Box::new(Writer {
        out: outgoing,
        feed,
        outbox: outbox.clone(),
        backlog_limit,
    })));
    let reader = Reader {
        incoming,
        handler,
        outbox,
        writer,
        expires,
        agent,
        kind,
        state: state.clone(),
    };
    // Tracked, so that a shutdown waits for it (this upgrade task is too).
    state.sockets.spawn(reader.run());
}

/// The reader task: what it keeps for the connection's life.
struct Reader {
    incoming: Incoming,
    handler: Handler,
    outbox: Outbox,
    /// Ends when the writer has stopped (the socket broke, or the server
    /// closed it); then the reader stops too.
    writer: JoinHandle<()>,
    expires: Option<Expiry>,
    /// The agent whose console this is, for the desk's bookkeeping.
    agent: Option<UserId>,
    kind: &'static str,
    state: AppState,
}

impl Reader {
    async fn run(mut self) {
        let writer_done = self.read_loop().await;
        self.outbox.finish(End::Closed);
        self.state.hub.disconnect(self.outbox.id);
        Box::pin(self.state.desk.disconnected(self.agent)).await;
        if !writer_done {
            let _ = (&mut self.writer).await;
        }
        crate::metrics::connection_closed(self.kind);
        tracing::debug!(conn = self.outbox.id, "disconnected");
    }

    /// Reads and handles frames until the client leaves, goes silent for
    /// [`IDLE_LIMIT`], or the writer stops; true in the last case.
    ///
    /// One timer serves the idle limit and the session's expiry, and it is
    /// not reset per frame: when it fires early, it is set again from the
    /// time the last frame came.
    async fn read_loop(&mut self) -> bool {
        let mut heard = Instant::now();
        let timer = tokio::time::sleep_until(self.deadline(heard));
        tokio::pin!(timer);
        loop {
            let next = tokio::select! {
                next = self.incoming.next() => next,
                _ = &mut self.writer => return true,
                _ = &mut timer => {
                    if self.expired() {
                        // Like a logout: the session's sockets, this one
                        // included, close with 4001; the writer's end then
                        // stops this loop.
                        if let Some(Expiry { session, .. }) = self.expires.take() {
                            self.state.hub.publish(
                                crate::hub::Topic::Session { session },
                                crate::hub::Event::Close {
                                    why: Kick::SessionEnded,
                                },
                            );
                        }
                    } else if heard.elapsed() >= IDLE_LIMIT {
                        return false;
                    }
                    timer.as_mut().reset(self.deadline(heard));
                    continue;
                }
            };
            heard = Instant::now();
            match next {
                None => return false,
                Some(Err(e)) => {
                    // The only error worth telling the client about: a frame past
                    // the transport limit. Anything else is a broken socket.
                    if matches!(e, WsError::Capacity(_)) {
                        self.outbox.kick(Kick::TooBig);
                    }
                    return false;
                }
                Some(Ok(Message::Text(text))) => {
                    crate::metrics::frame_in();
                    self.handler.handle_text(text.as_str()).await
                }
                Some(Ok(Message::Binary(_))) => self.handler.refuse(
                    ErrorCode::BadFrame,
                    "binary frames are not accepted; send JSON text frames".into(),
                ),
                Some(Ok(Message::Close(frame))) => {
                    let code = frame
                        .map(|f| f.code)
                        .filter(|code| code.is_allowed())
                        .map_or(close::NORMAL, u16::from);
                    self.outbox.finish(End::Goodbye(code));
                    return false;
                }
                // Pings are answered by the library (through the outbox);
                // pongs only prove liveness.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            }
        }
    }

    /// When the timer should next fire: the idle limit counted from the last
    /// frame, or the session's expiry if sooner. An expiry is looked at least
    /// monthly, so the arithmetic stays small whatever
    /// `SWITCHBOARD_SESSION_DAYS` says.
    fn deadline(&self, heard: Instant) -> Instant {
        let idle = heard + IDLE_LIMIT;
        match &self.expires {
            Some(Expiry { at, .. }) => {
                let left = (*at - Utc::now())
                    .to_std()
                    .unwrap_or_default()
                    .min(Duration::from_secs(31 * 24 * 3600));
                idle.min(Instant::now() + left)
            }
            None => idle,
        }
    }

    fn expired(&self) -> bool {
        matches!(&self.expires, Some(Expiry { at, .. }) if Utc::now() >= *at)
    }
}

/// A connection registered with the hub, its first frame queued.
struct Opened {
    handler: Handler,
    outbox: Outbox,
    feed: Feed,
    /// The agent whose console this is, for the desk's bookkeeping.
    agent: Option<UserId>,
    kind: &'static str,
}

/// Registers the connection and queues its `hello`; `None` if a visitor's
/// conversations could not be read (the socket is then dropped).
async fn open(state: AppState, peer: Peer, ip: ClientIp) -> Option<Opened> {
    let id = state.hub.next_conn_id();
    let (outbox, feed) = Outbox::new(
        id,
        state.settings.outbound_queue,
        state.settings.outbound_bytes,
    );
    let mut agent = None;
    let kind = match &peer {
        Peer::User(_) => "member",
        Peer::Visitor(_) => "visitor",
    };
    let handler = match peer {
        Peer::User(auth) => {
            state.hub.connect(
                auth.user.id,
                &auth.user.username,
                auth.user.role,
                &auth.session,
                outbox.clone(),
            );
            if auth.user.role >= Role::Agent {
                state.desk.agent_connected(&auth.user);
                agent = Some(auth.user.id);
            }
            outbox.push(encode(&ServerFrame::Hello {
                user: auth.user.clone(),
            }));
            tracing::debug!(conn = id, user = %auth.user.username, "connected");
            Handler::Member(Box::new(Dispatch::new(
                state,
                auth.user,
                outbox.clone(),
                ip,
            )))
        }
        Peer::Visitor(visitor) => {
            let hello = SupportSession::visitor_hello(&state, visitor.info.as_ref()).await;
            match hello {
                Ok(frame) => outbox.push(encode(&frame)),
                Err(e) => {
                    tracing::error!(error = %e, "reading a visitor's conversations");
                    return None;
                }
            };
            state.hub.connect_visitor(outbox.clone());
            tracing::debug!(conn = id, visitor = ?visitor.info.as_ref().map(|v| v.id), "visitor connected");
            Handler::Visitor(Box::new(VisitorDispatch {
                session: SupportSession::for_visitor(state, visitor, outbox.clone()),
                outbox: outbox.clone(),
            }))
        }
    };
    Some(Opened {
        handler,
        outbox,
        feed,
        agent,
        kind,
    })
}

fn close_for(why: Kick) -> Frame {
    let (code, reason) = match why {
        Kick::SlowConsumer => (
            close::SLOW_CONSUMER,
            "slow consumer: too many frames waiting; reconnect and resume with since",
        ),
        Kick::SessionEnded => (close::SESSION_ENDED, "session ended; log in again"),
        Kick::RoleChanged => (close::ROLE_CHANGED, "your role changed; reconnect"),
        Kick::Deactivated => (close::SESSION_ENDED, "account deactivated"),
        Kick::TooBig => (close::TOO_BIG, "frame larger than 64 KiB"),
        Kick::Resync => (
            close::SERVICE_RESTART,
            "this node may have missed frames; reconnect and resume with since",
        ),
    };
    Frame::close(code, reason)
}

/// What the writer task owns. Handed over boxed: the task's future then
/// holds these once, as its locals, and not a second time as its argument.
struct Writer {
    out: Outgoing,
    feed: Feed,
    outbox: Outbox,
    backlog_limit: usize,
}

async fn write_loop(writer: Box<Writer>) {
    let Writer {
        mut out,
        mut feed,
        outbox,
        backlog_limit,
    } = *writer;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    // Built once and polled first on every wake-up; one atomic load while
    // nothing has ended.
    let stop = std::future::poll_fn(|cx| outbox.poll_end(cx));
    tokio::pin!(stop);
    // Frames taken from the feed and not yet written. Bounded: a client that
    // stops reading blocks the write, this fills, and the client is cut off.
    let mut backlog = Backlog {
        frames: VecDeque::new(),
        limit: backlog_limit,
    };
    // The frames being written; swapped with the backlog's, so that neither
    // allocates once both have grown to a burst.
    let mut batch: VecDeque<Frame> = VecDeque::new();
    // Set while a write is under way: stopped then, the socket may be left
    // mid-frame, and nothing more can be written to it.
    let mut torn = false;
    let ending = 'run: loop {
        if backlog.frames.is_empty() {
            tokio::select! {
                biased;
                s = &mut stop => break 'run s,
                next = feed.recv() => match next {
                    Some(frame) => if let Err(why) = backlog.take(frame) { break 'run why },
                    None => break 'run End::Closed,
                },
                _ = ping.tick() => backlog.frames.push_back(Frame::ping()),
            }
        }
        // Write everything already waiting at once: one vectored write for a
        // burst instead of one per frame.
        if feed.drain_into(&mut backlog.frames, WRITE_BATCH).is_err()
            || backlog.frames.len() > backlog.limit
        {
            break 'run End::Kicked(Kick::SlowConsumer);
        }
        let n = backlog.frames.len().min(WRITE_BATCH);
        if n == backlog.frames.len() {
            std::mem::swap(&mut backlog.frames, &mut batch);
        } else {
            batch.extend(backlog.frames.drain(..n));
        }
        // Counted against the connection's byte budget until written.
        let bytes: usize = batch.iter().map(Frame::len).sum();
        let frames = batch.len();
        let write = write_frames(&mut out, &mut batch);
        tokio::pin!(write);
        torn = true;
        // Keep taking frames while the write is blocked, so that a client that
        // stops reading is noticed by its backlog, not by a ring it lags.
        loop {
            tokio::select! {
                biased;
                s = &mut stop => {
                    // Finish the batch, so that a close frame can follow it.
                    if s != End::Closed {
                        // Nothing more from the rooms will be written
                        // (a shutdown still delivers what they hold).
                        if s != End::Shutdown {
                            feed.leave_rooms();
                        }
                        let done = tokio::time::timeout(CLOSE_GRACE, &mut write).await;
                        torn = !matches!(done, Ok(Ok(())));
                    }
                    break 'run s;
                }
                written = &mut write => match written {
                    Ok(()) => {
                        torn = false;
                        outbox.written(bytes);
                        crate::metrics::frames_out(frames);
                        break;
                    }
                    Err(_) => break 'run End::Closed,
                },
                next = feed.recv() => match next {
                    Some(frame) => if let Err(why) = backlog.take(frame) { break 'run why },
                    None => break 'run End::Closed,
                },
            }
        }
    };
    let close = match ending {
        End::Kicked(why) => {
            outbox.kick(why); // so that everyone else stops queueing to it
            crate::metrics::kicked(match why {
                Kick::SlowConsumer => "slow_consumer",
                Kick::SessionEnded => "session_ended",
                Kick::RoleChanged => "role_changed",
                Kick::Deactivated => "deactivated",
                Kick::TooBig => "too_big",
                Kick::Resync => "resync",
            });
            (!torn).then(|| close_for(why))
        }
        End::Goodbye(code) => (!torn).then(|| Frame::close(code, "")),
        End::Shutdown if torn => None,
        End::Shutdown => {
            // Deliver what is already queued (acks included), then say goodbye.
            let flush = async {
                let _ = feed.drain_into(&mut backlog.frames, usize::MAX);
                write_frames(&mut out, &mut backlog.frames).await
            };
            match tokio::time::timeout(CLOSE_GRACE, flush).await {
                Ok(Ok(())) => Some(Frame::close(
                    close::SERVICE_RESTART,
                    "this node is shutting down; reconnect",
                )),
                // Cut off mid-frame, or broken: no close frame can follow.
                _ => None,
            }
        }
        End::Closed => None,
    };
    // Leave the rooms' rings before the close frame's wait (up to
    // CLOSE_GRACE on a stuck socket): a follower that takes nothing more
    // would hold them back, and ingest waits for every follower.
    drop(feed);
    if let Some(frame) = close {
        let mut last = VecDeque::from([frame]);
        let _ = tokio::time::timeout(CLOSE_GRACE, write_frames(&mut out, &mut last)).await;
    }
}

/// The writer's frames in hand, and its bound (in frames; their bytes are
/// bounded by the outbox's budget, which charged them on the way in).
struct Backlog {
    frames: VecDeque<Frame>,
    limit: usize,
}

impl Backlog {
    fn take(&mut self, frame: Result<Frame, Lagged>) -> Result<(), End> {
        match frame {
            Ok(frame) if self.frames.len() < self.limit => {
                self.frames.push_back(frame);
                Ok(())
            }
            // Too far behind: in its own backlog, in a room's ring, or in bytes.
            _ => Err(End::Kicked(Kick::SlowConsumer)),
        }
    }
}
