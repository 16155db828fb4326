//! `GET /ws`: the WebSocket endpoint. Authenticates the upgrade, checks the
//! `Origin`, sizes the socket's buffers and hands it to [`connection::run`].

mod connection;
pub(crate) mod dispatch;
mod origin;
mod refusal;
mod socket;
mod support;

pub use crate::chat::replay::HISTORY_PAGE_BYTES;

use crate::{
    auth::{extract::token_from, AuthUser, Visitor},
    error::ApiError,
    state::AppState,
};
use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::{request::Parts, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use std::net::SocketAddr;

/// Who opened a socket: an account (session cookie or bearer token) or a
/// support visitor (the visitor cookie, or the visitor token offered as a
/// subprotocol where the cookie is blocked).
pub enum Peer {
    User(AuthUser),
    Visitor(Visitor),
}

impl Peer {
    fn name(&self) -> String {
        match self {
            Peer::User(a) => a.user.username.clone(),
            Peer::Visitor(v) => match &v.info {
                Some(info) => format!("visitor {}", info.id),
                None => "a new visitor".into(),
            },
        }
    }
}

impl FromRequestParts<AppState> for Peer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // An account wins when both are present (an agent trying the widget).
        if token_from(parts).is_some() {
            match AuthUser::from_request_parts(parts, state).await {
                Ok(auth) => return Ok(Peer::User(auth)),
                Err(e)
                    if crate::auth::visitor::visitor_key(&parts.headers, state.desk.signer())
                        .is_none() =>
                {
                    return Err(e)
                }
                Err(_) => {}
            }
        }
        Visitor::from_request_parts(parts, state)
            .await
            .map(Peer::Visitor)
            .map_err(|_| {
                ApiError::Unauthorized("log in, or open /support for a visitor cookie or token")
            })
    }
}

/// Frames above this are refused by the transport (close 1009). Between
/// [`app::protocol::MAX_FRAME_BYTES`] and this, the server answers with an
/// `error` frame and keeps the connection.
pub const TRANSPORT_LIMIT: usize = 64 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ip: crate::limits::ClientIp,
    headers: HeaderMap,
    peer: Peer,
    ws: socket::Handshake,
) -> Response {
    if let Err(refused) = origin::check(&headers, Some(addr.ip()), &state.settings) {
        tracing::warn!(origin = %refused, user = %peer.name(), "cross-origin WebSocket refused");
        return (
            StatusCode::FORBIDDEN,
            "this origin may not open a WebSocket here",
        )
            .into_response();
    }
    if state.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    // A login's socket closes (4001) when its session expires, as at logout.
    let expires = match &peer {
        Peer::User(auth) => match state.store.session_expiry(&auth.session).await {
            Ok(Some(at)) => Some(connection::Expiry {
                session: auth.session.clone(),
                at,
            }),
            Ok(None) => {
                return ApiError::Unauthorized("the session has ended; log in again")
                    .into_response()
            }
            Err(e) => return ApiError::from(e).into_response(),
        },
        Peer::Visitor(_) => None,
    };
    // The widget's iframe offers its visitor token as a subprotocol; the
    // browser drops a socket whose offer the server does not pick.
    let ws = match crate::auth::visitor::token_protocol(&headers) {
        Some(p) => ws.protocol(p),
        None => ws,
    };
    // 1 KiB read buffer: tungstenite zero-fills it, so every byte of it is
    // resident for every idle connection (its 128 KiB default cost ~135 KiB
    // each; 4 KiB cost ~3 KiB more than this; see docs/performance.md). Client
    // frames are small (a chat message is at most 4,000 characters) and a
    // larger frame only takes a few more reads; the buffer grows for it.
    ws.config(
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .read_buffer_size(1024)
            .max_message_size(Some(TRANSPORT_LIMIT))
            .max_frame_size(Some(TRANSPORT_LIMIT)),
    )
    .on_upgrade(move |socket| {
        let tracker = state.sockets.clone();
        tracker.track_future(connection::run(socket, state, peer, ip, expires))
    })
}

/// Answers a `ping`. The frame is the same for everyone, so it is encoded
/// once. A client that pings without reading fills its bounded outbox and is
/// dropped as any slow consumer is.
fn pong(outbox: &crate::hub::Outbox) {
    static PONG: std::sync::OnceLock<crate::hub::Frame> = std::sync::OnceLock::new();
    outbox.push(
        PONG.get_or_init(|| crate::hub::encode(&app::protocol::ServerFrame::Pong))
            .clone(),
    );
}
