//! The WebSocket handshake and the socket's two halves.
//!
//! Reading uses tungstenite: client frames are masked, may be fragmented and
//! must be checked (UTF-8, sizes, control frames), and it does all that
//! well. Writing does not: every frame the server sends is a [`Frame`]
//! already in its wire form, shared by all its recipients, so the writer
//! hands the frames of a batch to the kernel in one vectored write, with no
//! per-recipient framing or copy into a library's buffer (the fan-out's hot
//! path; docs/performance.md, "Session 22").
//!
//! The one thing tungstenite still writes is its automatic pong to a
//! client's ping. [`Inbound`] gathers those bytes and queues them to the
//! connection's writer through its [`Outbox`], between whole frames. (A
//! client's close is answered by the writer itself: `End::Goodbye`.)

use crate::{
    error::ApiError,
    hub::{Frame, Outbox},
};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode, Version},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use std::{
    collections::VecDeque,
    future::{poll_fn, Future},
    io::{self, IoSlice},
    pin::Pin,
    task::{Context, Poll},
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio_tungstenite::{
    tungstenite::{
        handshake::derive_accept_key,
        protocol::{Role, WebSocketConfig},
    },
    WebSocketStream,
};

type Io = TokioIo<Upgraded>;

/// The client's frames, as tungstenite reads them.
pub type Incoming = WebSocketStream<Inbound>;
/// The socket's write half: the connection's writer task alone writes here.
pub type Outgoing = WriteHalf<Io>;

/// A valid WebSocket handshake (RFC 6455, 4.2.1), not yet answered.
pub struct Handshake {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
    protocol: Option<HeaderValue>,
    config: WebSocketConfig,
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let refuse =
            |what: &str| ApiError::BadRequest(format!("not a WebSocket handshake: {what}"));
        if parts.version > Version::HTTP_11 {
            return Err(refuse("open the WebSocket over HTTP/1.1"));
        }
        if parts.method != Method::GET {
            return Err(refuse("the method must be GET"));
        }
        if !has_token(&parts.headers, header::CONNECTION, "upgrade") {
            return Err(refuse("the Connection header must include upgrade"));
        }
        if !has_token(&parts.headers, header::UPGRADE, "websocket") {
            return Err(refuse("the Upgrade header must be websocket"));
        }
        if !has_token(&parts.headers, header::SEC_WEBSOCKET_VERSION, "13") {
            return Err(refuse("Sec-WebSocket-Version must be 13"));
        }
        let key = parts
            .headers
            .get(header::SEC_WEBSOCKET_KEY)
            .ok_or_else(|| refuse("Sec-WebSocket-Key is missing"))?
            .clone();
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or_else(|| refuse("this connection cannot be upgraded"))?;
        Ok(Handshake {
            key,
            on_upgrade,
            protocol: None,
            config: WebSocketConfig::default(),
        })
    }
}

/// Whether a comma-separated header holds `token` (any case).
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value
            .as_bytes()
            .split(|&b| b == b',')
            .any(|part| part.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

impl Handshake {
    /// Picks `protocol` as the subprotocol the answer names (the client
    /// offered it).
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocol = HeaderValue::from_str(protocol).ok();
        self
    }

    /// How tungstenite reads the client's frames.
    pub fn config(mut self, config: WebSocketConfig) -> Self {
        self.config = config;
        self
    }

    /// Answers `101 Switching Protocols`; once the connection has switched,
    /// `callback` runs with the socket (in a task of its own, as axum's
    /// upgrade does).
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Handshake {
            key,
            on_upgrade,
            protocol,
            config,
        } = self;
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!(error = %e, "WebSocket upgrade failed");
                    return;
                }
            };
            let (read, write) = tokio::io::split(TokioIo::new(upgraded));
            let inbound = Inbound {
                read,
                written: Vec::new(),
                replies: None,
            };
            let incoming =
                WebSocketStream::from_raw_socket(inbound, Role::Server, Some(config)).await;
            callback(Socket {
                incoming,
                outgoing: write,
            })
            .await;
        });
        let mut response = (
            StatusCode::SWITCHING_PROTOCOLS,
            [
                (header::CONNECTION, HeaderValue::from_static("upgrade")),
                (header::UPGRADE, HeaderValue::from_static("websocket")),
            ],
        )
            .into_response();
        let accept = HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
            .expect("base64 is a valid header value");
        response
            .headers_mut()
            .insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        if let Some(protocol) = protocol {
            response
                .headers_mut()
                .insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
        }
        response
    }
}

/// An upgraded connection.
pub struct Socket {
    pub incoming: Incoming,
    pub outgoing: Outgoing,
}

/// The read half as tungstenite sees it: reads come from the socket, and
/// what tungstenite writes (its pongs) is queued
/// to the connection's writer when it flushes, as whole frames.
pub struct Inbound {
    read: ReadHalf<Io>,
    written: Vec<u8>,
    replies: Option<Outbox>,
}

impl Inbound {
    /// Where tungstenite's answers go from now on (before this, during
    /// set-up, nothing is read, so nothing is answered).
    pub fn answer_through(&mut self, outbox: Outbox) {
        self.replies = Some(outbox);
    }
}

impl AsyncRead for Inbound {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.read).poll_read(cx, buf)
    }
}

impl AsyncWrite for Inbound {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// tungstenite flushes after writing whole frames, so what was gathered
    /// is whole frames.
    fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.written.is_empty() {
            let frames = Frame::raw(Bytes::from(std::mem::take(&mut self.written)));
            if let Some(outbox) = &self.replies {
                outbox.push(frames);
            }
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Most frames handed to one vectored write (Linux takes up to 1,024): the
/// writer's whole batch, so a batch is one system call. At 64, a batch of a
/// hundred frames or more took two to four calls, and one call per batch
/// raised the capped fan-out from 0.53× to 0.68× the bare server's
/// (docs/performance.md, "Session 28").
pub const SLICES: usize = 256;

/// Writes `frames` to the socket whole and in order, emptying it, with one
/// vectored write per [`SLICES`] frames when the socket takes them all.
/// Cancel-safe only in the sense the writer needs: dropped, it leaves the
/// socket mid-frame, so the socket is not written again.
pub async fn write_frames(out: &mut Outgoing, frames: &mut VecDeque<Frame>) -> io::Result<()> {
    // Bytes of the first frame already written.
    let mut done = 0;
    while !frames.is_empty() {
        let mut n = poll_fn(|cx| {
            let mut slices = [IoSlice::new(&[]); SLICES];
            let mut count = 0;
            for (slot, frame) in slices.iter_mut().zip(frames.iter()) {
                let wire = frame.wire();
                *slot = IoSlice::new(if count == 0 { &wire[done..] } else { wire });
                count += 1;
            }
            Pin::new(&mut *out).poll_write_vectored(cx, &slices[..count])
        })
        .await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        // Drop what went out; remember how far into the next frame it got.
        while n > 0 {
            let left = frames[0].wire().len() - done;
            if n >= left {
                n -= left;
                done = 0;
                frames.pop_front();
            } else {
                done += n;
                n = 0;
            }
        }
    }
    poll_fn(|cx| Pin::new(&mut *out).poll_flush(cx)).await
}
