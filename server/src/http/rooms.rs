//! Rooms over HTTP: list (a page at a time), create, and page through history.

use crate::{
    auth::AuthUser,
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    hub::Topic,
    state::AppState,
    store::RoomPage,
};
use app::{
    protocol::{CreateRoom, MessageId, MessagePage, RoomId, RoomSummary, ServerFrame, MAX_PAGE},
    validate::RoomName,
};
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;

/// Most rooms one `GET /api/rooms` answers (and its default `limit`).
pub const MAX_ROOMS_PAGE: usize = 200;

#[derive(Deserialize)]
pub struct RoomsQuery {
    /// The name of the last room of the previous page.
    after: Option<String>,
    limit: Option<usize>,
    /// `true`: only rooms you joined; `false`: only the others.
    joined: Option<bool>,
    /// Only rooms whose name contains this.
    q: Option<String>,
}

/// A page of rooms by name. A full page means there may be more: ask again
/// with `after` = the last name.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<RoomsQuery>,
) -> Result<Json<Vec<RoomSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(MAX_ROOMS_PAGE);
    if limit == 0 || limit > MAX_ROOMS_PAGE {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_ROOMS_PAGE}"
        )));
    }
    let page = RoomPage {
        after: q.after,
        limit,
        joined: q.joined,
        search: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    Ok(Json(state.store.list_rooms(&auth.user, &page).await?))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<CreateRoom>,
) -> Result<(StatusCode, Json<RoomSummary>), ApiError> {
    let name = RoomName::parse(&body.name)?;
    // Tighter than other writes: every new room is announced to everyone.
    state
        .limits
        .room_create
        .check(&auth.user.id)
        .map_err(ApiError::RateLimited)?;
    let room = state.store.create_room(name.as_str(), auth.user.id).await?;
    // Everyone else sees it as a room they have not joined.
    state.hub.publish(
        Topic::All,
        ServerFrame::RoomCreated {
            room: RoomSummary {
                joined: false,
                ..room.clone()
            },
        },
    );
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
