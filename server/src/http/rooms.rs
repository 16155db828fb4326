//! Rooms over HTTP: list, create, and page through history.

use crate::{
    auth::AuthUser,
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    state::AppState,
};
use app::{
    protocol::{CreateRoom, MessageId, MessagePage, RoomId, RoomSummary, ServerFrame, MAX_PAGE},
    validate::RoomName,
};
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;

pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<RoomSummary>>, ApiError> {
    Ok(Json(state.store.list_rooms(&auth.user).await?))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<CreateRoom>,
) -> Result<(StatusCode, Json<RoomSummary>), ApiError> {
    let name = RoomName::parse(&body.name)?;
    let room = state.store.create_room(name.as_str(), auth.user.id).await?;
    // Everyone else sees it as a room they have not joined.
    state.hub.broadcast_all(&ServerFrame::RoomCreated {
        room: RoomSummary {
            joined: false,
            ..room.clone()
        },
    });
    Ok((StatusCode::CREATED, Json(room)))
}

#[derive(Deserialize)]
pub struct PageQuery {
    before: Option<i64>,
    limit: Option<usize>,
}

pub async fn messages(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    let room = RoomId(room);
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    if !state.store.room_exists(room).await? {
        return Err(ApiError::NotFound("no such room"));
    }
    if !state.store.is_member(room, auth.user.id).await? {
        return Err(ApiError::Forbidden("join the room to read its messages"));
    }
    let mut messages = state
        .store
        .messages_before(room, q.before.map(MessageId), limit + 1)
        .await?;
    let more = messages.len() > limit;
    if more {
        messages.remove(0);
    }
    Ok(Json(MessagePage { messages, more }))
}
