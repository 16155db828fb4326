//! The HTTP server's accept loop, in place of `axum::serve`, which has no
//! timeouts and no connection cap: 1,100 idle TCP connections used up the file
//! descriptors and the server stopped answering, and a client sending half a
//! request head kept its connection for minutes.
//!
//! Here every connection is admitted against a total and a per-IP cap
//! ([`admission`]), must send a complete request head within the header
//! timeout (hyper's `header_read_timeout`, which also runs while a keep-alive
//! connection waits for its next request), and is closed when no byte moves
//! for the idle timeout ([`activity`]) until it becomes a WebSocket, which has
//! its own heartbeat. Accept errors (such as running out of descriptors) do not
//! end the loop: it backs off and logs at most once a second.
//!
//! Shutdown is what `axum::serve`'s graceful shutdown did: stop accepting, ask
//! every connection to finish its current request, wait for them.

pub mod activity;
pub mod admission;

use activity::{LastActive, Tracked};
use admission::{Admission, Refused};
use axum::{body::Body, extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::pin,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{io::AsyncWriteExt, net::TcpListener, net::TcpStream};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

/// Limits of the transport, from `Settings`.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// Exempt from the per-IP cap (the trusted proxies).
    pub exempt: Vec<IpAddr>,
}

/// Descriptors kept free of connections for the database, log files and
/// the odd file served from disk.
const RESERVED_FDS: u64 = 128;

/// How long to wait after an accept error before accepting again. Short:
/// the usual cause (no descriptors left) passes as soon as any connection
/// closes, and the listen backlog holds new clients meanwhile.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Raises the soft limit on open files to the hard one (many systems start
/// services at 1024, far below what a chat server with idle WebSockets
/// needs) and returns how many connections fit under it.
pub fn connections_that_fit(wanted: usize) -> usize {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => {
            let fit = soft.saturating_sub(RESERVED_FDS).max(1);
            if (wanted as u64) > fit {
                tracing::warn!(
                    open_files = soft,
                    wanted,
                    "SWITCHBOARD_MAX_CONNECTIONS lowered to {fit} to fit the open-files limit"
                );
                fit as usize
            } else {
                wanted
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read or raise the open-files limit");
            wanted
        }
    }
}

/// Logs a recurring error at most once a second, counting the ones it skipped.
struct Throttled {
    what: &'static str,
    last: Option<Instant>,
    skipped: u64,
}

impl Throttled {
    fn new(what: &'static str) -> Throttled {
        Throttled {
            what,
            last: None,
            skipped: 0,
        }
    }

    fn log(&mut self, detail: &dyn std::fmt::Display) {
        if self
            .last
            .is_some_and(|l| l.elapsed() < Duration::from_secs(1))
        {
            self.skipped += 1;
            return;
        }
        tracing::warn!(skipped = self.skipped, "{}: {detail}", self.what);
        self.last = Some(Instant::now());
        self.skipped = 0;
    }
}

/// Errors that concern one connection, not the listener: nothing to wait for.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves `router` on `listener` until `stop` resolves, then shuts down
/// gracefully: no new connections, open ones finish their request (idle
/// keep-alive ones close at once); returns when they have all closed.
/// Upgraded connections (WebSockets) are not waited for here.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let admission = Admission::new(
        limits.max_connections,
        limits.max_connections_per_ip,
        limits.exempt.clone(),
    );
    let limits = Arc::new(limits);
    let closing = CancellationToken::new();
    let connections = TaskTracker::new();
    let mut accept_errors = Throttled::new("accept failed");
    let mut refusals = Throttled::new("connection refused");
    let mut stop = pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                accept_errors.log(&e);
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let place = match admission.admit(peer.ip()) {
            Ok(place) => place,
            Err(why) => {
                refusals.log(&format_args!(
                    "{} from {}",
                    match why {
                        Refused::Total => "too many connections",
                        Refused::PerIp => "too many connections from one address",
                    },
                    peer.ip()
                ));
                refuse(stream);
                continue;
            }
        };
        // Chat frames are small and latency matters more than packet count.
        let _ = stream.set_nodelay(true);
        let (io, last) = Tracked::new(stream, place);
        connections.spawn(connection(
            io,
            last,
            peer,
            router.clone(),
            limits.clone(),
            closing.clone(),
        ));
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections.wait().await;
}

/// Answers a connection over a cap with a bare 503 if the socket takes it at
/// once (it never waits), then closes it.
fn refuse(stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\
        content-length: 0\r\nconnection: close\r\n\r\n";
    let _ = stream.try_write(BUSY);
    tokio::spawn(async move {
        // Closing with the request unread would reset the connection and
        // could discard the 503 before the client reads it.
        let mut stream = stream;
        let _ = tokio::time::timeout(Duration::from_millis(100), stream.shutdown()).await;
    });
}

async fn connection(
    io: Tracked<TcpStream>,
    last: LastActive,
    peer: SocketAddr,
    router: Router,
    limits: Arc<ServeLimits>,
    closing: CancellationToken,
) {
    // Handlers see the peer as `ConnectInfo<SocketAddr>`, as with
    // `into_make_service_with_connect_info` (`limits::ClientIp` reads it).
    let service = service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req.map(Body::new))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let mut conn = pin!(builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades());
    let mut closing_seen = false;
    loop {
        let idle_deadline = last.at() + limits.idle_timeout;
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                return;
            }
            _ = closing.cancelled(), if !closing_seen => {
                closing_seen = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(idle_deadline.into()) => {
                // Bytes may have moved since the deadline was computed.
                if last.at() + limits.idle_timeout <= Instant::now() {
                    tracing::debug!(%peer, "idle connection closed");
                    return;
                }
            }
        }
    }
}
