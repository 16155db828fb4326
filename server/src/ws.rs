//! `GET /ws`: the WebSocket endpoint. Authenticates the upgrade, checks the
//! `Origin`, sizes the socket's buffers and hands it to [`connection::run`].

mod connection;
mod dispatch;
mod origin;

use crate::{auth::AuthUser, state::AppState};
use axum::{
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

/// Frames above this are refused by the transport (close 1009). Between
/// [`app::protocol::MAX_FRAME_BYTES`] and this, the server answers with an
/// `error` frame and keeps the connection.
pub const TRANSPORT_LIMIT: usize = 64 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: AuthUser,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(refused) = origin::check(&headers, &state.settings.allowed_origins) {
        tracing::warn!(origin = %refused, user = %auth.user.username, "cross-origin WebSocket refused");
        return (
            StatusCode::FORBIDDEN,
            "this origin may not open a WebSocket here",
        )
            .into_response();
    }
    if state.shutdown.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    // 4 KiB read buffer: tungstenite's 128 KiB default would cost ~135 KiB per
    // idle connection once zero-filled (measured; see docs/performance.md).
    ws.read_buffer_size(4 * 1024)
        .max_message_size(TRANSPORT_LIMIT)
        .max_frame_size(TRANSPORT_LIMIT)
        .on_upgrade(move |socket| {
            let tracker = state.sockets.clone();
            tracker.track_future(connection::run(socket, state, auth))
        })
}
