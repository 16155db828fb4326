//! One WebSocket connection: a reader (this task) that parses and dispatches
//! frames, and a writer task that drains the connection's bounded [`Outbox`]
//! into the socket. When either ends, it cancels the other.

use super::{dispatch::Dispatch, support::SupportDispatch, Peer};
use crate::{
    hub::{encode, Kick, Outbox},
    state::AppState,
};
use app::protocol::{close, ErrorCode, Role, ServerFrame};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{
    stream::{SplitSink, SplitStream},
    SinkExt, StreamExt,
};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How often the server pings an otherwise quiet connection.
const PING_EVERY: Duration = Duration::from_secs(30);
/// A connection that sends nothing (not even a pong) for this long is dead.
const IDLE_LIMIT: Duration = Duration::from_secs(75);
/// Frames written to the socket before one flush.
const WRITE_BATCH: usize = 256;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What handles a connection's frames: accounts get chat (and, for agents,
/// the desk); visitors get the support frames only.
/// Both are boxed: each holds the app state and its own maps.
enum Handler {
    Member(Box<Dispatch>),
    Visitor(Box<SupportDispatch>),
}

impl Handler {
    async fn handle_text(&mut self, text: &str) {
        match self {
            Handler::Member(d) => d.handle_text(text).await,
            Handler::Visitor(d) => d.handle_text(text).await,
        }
    }

    fn refuse(&self, code: ErrorCode, message: String) {
        match self {
            Handler::Member(d) => d.refuse(code, message),
            Handler::Visitor(d) => d.refuse(code, message),
        }
    }
}

pub async fn run(socket: WebSocket, state: AppState, peer: Peer) {
    let id = state.hub.next_conn_id();
    let (outbox, rx) = Outbox::new(id, state.settings.outbound_queue);
    let mut agent = None;
    let mut handler = match peer {
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
                state.clone(),
                auth.user,
                outbox.clone(),
            )))
        }
        Peer::Visitor(visitor) => {
            let hello = SupportDispatch::visitor_hello(&state, &visitor.info).await;
            match hello {
                Ok(frame) => outbox.push(encode(&frame)),
                Err(e) => {
                    tracing::error!(error = %e, "reading a visitor's conversations");
                    return;
                }
            };
            state.hub.connect_visitor(outbox.clone());
            tracing::debug!(conn = id, visitor = %visitor.info.id, "visitor connected");
            Handler::Visitor(Box::new(SupportDispatch::for_visitor(
                state.clone(),
                visitor.info,
                outbox.clone(),
            )))
        }
    };

    let (sink, stream) = socket.split();
    let done = CancellationToken::new();
    let writer = tokio::spawn(write_loop(
        sink,
        rx,
        outbox.clone(),
        state.shutdown.clone(),
        done.clone(),
    ));
    read_loop(stream, &mut handler, &outbox, &done).await;
    done.cancel();
    state.hub.disconnect(id);
    state.desk.disconnected(id, agent).await;
    let _ = writer.await;
    tracing::debug!(conn = id, "disconnected");
}

async fn read_loop(
    mut stream: SplitStream<WebSocket>,
    dispatch: &mut Handler,
    outbox: &Outbox,
    done: &CancellationToken,
) {
    loop {
        let next = tokio::select! {
            next = tokio::time::timeout(IDLE_LIMIT, stream.next()) => next,
            _ = done.cancelled() => return,
        };
        match next {
            Err(_elapsed) => return,
            Ok(None) => return,
            Ok(Some(Err(e))) => {
                // The only error worth telling the client about: a frame past
                // the transport limit. Anything else is a broken socket.
                if e.to_string().to_ascii_lowercase().contains("too long")
                    || e.to_string().to_ascii_lowercase().contains("size")
                {
                    outbox.kick(Kick::TooBig);
                }
                return;
            }
            Ok(Some(Ok(Message::Text(text)))) => dispatch.handle_text(text.as_str()).await,
            Ok(Some(Ok(Message::Binary(_)))) => dispatch.refuse(
                ErrorCode::BadFrame,
                "binary frames are not accepted; send JSON text frames".into(),
            ),
            Ok(Some(Ok(Message::Close(_)))) => return,
            // Pings are answered by the library; pongs only prove liveness.
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
        }
    }
}

fn close_for(why: Kick) -> CloseFrame {
    let (code, reason) = match why {
        Kick::SlowConsumer => (
            close::SLOW_CONSUMER,
            "slow consumer: too many frames waiting; reconnect and resume with since",
        ),
        Kick::SessionEnded => (close::SESSION_ENDED, "session ended; log in again"),
        Kick::TooBig => (close::TOO_BIG, "frame larger than 64 KiB"),
    };
    CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }
}

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Utf8Bytes>,
    outbox: Outbox,
    shutdown: CancellationToken,
    done: CancellationToken,
) {
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    let close = loop {
        tokio::select! {
            biased;
            why = outbox.kicked() => break Some(close_for(why)),
            _ = shutdown.cancelled() => {
                // Deliver what is already queued (acks included), then say goodbye.
                let flush = async {
                    while let Ok(frame) = rx.try_recv() {
                        sink.feed(Message::Text(frame)).await?;
                    }
                    sink.flush().await
                };
                let _ = tokio::time::timeout(CLOSE_GRACE, flush).await;
                break Some(CloseFrame {
                    code: close::GOING_AWAY,
                    reason: Utf8Bytes::from_static("server shutting down; reconnect"),
                });
            }
            _ = done.cancelled() => break None,
            frame = rx.recv() => {
                let Some(frame) = frame else { break None };
                // Write everything already queued, then flush once: one syscall
                // for a burst instead of one per frame.
                let write = async {
                    sink.feed(Message::Text(frame)).await?;
                    for _ in 1..WRITE_BATCH {
                        match rx.try_recv() {
                            Ok(frame) => sink.feed(Message::Text(frame)).await?,
                            Err(_) => break,
                        }
                    }
                    sink.flush().await
                };
                // A client that stops reading blocks the write; its queue then
                // fills and the hub kicks it, which must interrupt the write.
                tokio::select! {
                    r = write => if r.is_err() { break None },
                    why = outbox.kicked() => break Some(close_for(why)),
                    _ = done.cancelled() => break None,
                }
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(frame) = close {
        let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(Message::Close(Some(frame)))).await;
    }
    done.cancel();
}
