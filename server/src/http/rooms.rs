//! Rooms over HTTP: list (a page at a time), create, page through history,
//! manage members and their roles, open direct messages. Each handler parses
//! the request and calls the action in [`crate::rooms`], where permission is
//! decided.

use crate::{
    audit,
    auth::AuthUser,
    chat,
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    limits::ClientIp,
    rooms::{self, Departure, RoomAction},
    state::AppState,
    store::RoomPage,
};
use app::protocol::{
    AddMember, AuditAction, BanMember, CreateRoom, MessageId, MessagePage, MuteMember, OpenDm,
    PinnedMessage, RoomBan, RoomId, RoomMember, RoomMute, RoomSettings, RoomSummary, SetRoomRole,
    ThreadPage, UpdateRoom, UserId, MAX_PAGE,
};
use axum::{extract::State, http::StatusCode, Json};
use serde::Deserialize;

/// Most rooms one `GET /api/rooms` answers (and its default `limit`).
pub const MAX_ROOMS_PAGE: usize = 200;

#[derive(Deserialize)]
pub struct RoomsQuery {
    /// The name of the last room of the previous page.
    after: Option<String>,
    /// The id of that room: makes the cursor exact where a room and a DM
    /// share a name.
    after_id: Option<i64>,
    limit: Option<usize>,
    /// `true`: only rooms you joined; `false`: only the others.
    joined: Option<bool>,
    /// Only rooms whose name contains this.
    q: Option<String>,
}

/// A page of the rooms the caller may see, by name. A full page means there
/// may be more: ask again with `after` = the last name.
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
        after_id: q.after_id.map(RoomId),
        limit,
        joined: q.joined,
        search: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    Ok(Json(state.store.list_rooms(&auth.user, &page).await?))
}

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiJson(body): ApiJson<CreateRoom>,
) -> Result<(StatusCode, Json<RoomSummary>), ApiError> {
    let room = rooms::create_room(&state, &auth.user, &body.name, body.visibility).await?;
    let entry = audit::by(&auth.user, AuditAction::RoomCreated)
        .target(format!("room {} (#{})", room.id, room.name))
        .detail(room.visibility.as_str())
        .from_ip(ip);
    audit::record(&state, entry).await;
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
    rooms::check(&state.store, room, &auth.user, RoomAction::ReadHistory).await?;
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

/// `GET /api/rooms/{room}/threads/{id}`: a thread, a page of replies at a time.
pub async fn thread(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath((room, parent)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ThreadPage>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let page = chat::thread(
        &state,
        &auth.user,
        RoomId(room),
        MessageId(parent),
        q.before.map(MessageId),
        limit,
    )
    .await?;
    Ok(Json(page))
}

/// `GET /api/rooms/{room}/pins`: the room's pinned messages.
pub async fn pins(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
) -> Result<Json<Vec<PinnedMessage>>, ApiError> {
    Ok(Json(chat::pins(&state, &auth.user, RoomId(room)).await?))
}

pub async fn members(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
) -> Result<Json<Vec<RoomMember>>, ApiError> {
    Ok(Json(
        rooms::members(&state, &auth.user, RoomId(room)).await?,
    ))
}

/// 201 with the new member; 200 when they already were one.
pub async fn add_member(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
    ApiJson(body): ApiJson<AddMember>,
) -> Result<(StatusCode, Json<RoomMember>), ApiError> {
    let (member, added) = rooms::add_member(&state, &auth.user, RoomId(room), body.user).await?;
    let status = if added {
        let entry = audit::by(&auth.user, AuditAction::MemberAdded)
            .target(audit::room(RoomId(room)))
            .detail(format!("user {} ({})", member.id, member.username))
            .from_ip(ip);
        audit::record(&state, entry).await;
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(member)))
}

pub async fn remove_member(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath((room, user)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    rooms::remove_member(
        &state,
        &auth.user,
        RoomId(room),
        UserId(user),
        Departure::Removed,
    )
    .await?;
    let entry = audit::by(&auth.user, AuditAction::MemberRemoved)
        .target(audit::room(RoomId(room)))
        .detail(format!("user {user}"))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_role(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath((room, user)): ApiPath<(i64, i64)>,
    ApiJson(body): ApiJson<SetRoomRole>,
) -> Result<Json<RoomMember>, ApiError> {
    let member = rooms::set_role(&state, &auth.user, RoomId(room), UserId(user), body.role).await?;
    let entry = audit::by(&auth.user, AuditAction::MemberRoleChanged)
        .target(audit::room(RoomId(room)))
        .detail(format!(
            "user {} ({}) is now {}",
            member.id,
            member.username,
            member.role.as_str()
        ))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(Json(member))
}

/// `PATCH /api/rooms/{room}`: rename, set the topic, archive or reopen.
pub async fn update(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateRoom>,
) -> Result<Json<RoomSettings>, ApiError> {
    let room = RoomId(room);
    let rooms::RoomUpdate { before, after } =
        rooms::update_room(&state, &auth.user, room, &body).await?;
    let mut entries = Vec::new();
    if before.name != after.name {
        entries.push((
            AuditAction::RoomRenamed,
            format!("{} → {}", before.name, after.name),
        ));
    }
    if before.topic != after.topic {
        entries.push((AuditAction::RoomTopicChanged, after.topic.clone()));
    }
    if before.archived != after.archived {
        let action = if after.archived {
            AuditAction::RoomArchived
        } else {
            AuditAction::RoomUnarchived
        };
        entries.push((action, after.name.clone()));
    }
    for (action, detail) in entries {
        let entry = audit::by(&auth.user, action)
            .target(audit::room(room))
            .detail(detail)
            .from_ip(ip);
        audit::record(&state, entry).await;
    }
    Ok(Json(after))
}

/// `POST /api/rooms/{room}/mutes`: 200 with the end of the mute.
pub async fn mute(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
    ApiJson(body): ApiJson<MuteMember>,
) -> Result<Json<RoomMute>, ApiError> {
    let room = RoomId(room);
    let (person, until) = rooms::mute(&state, &auth.user, room, body.user, body.minutes).await?;
    let entry = audit::by(&auth.user, AuditAction::MemberMuted)
        .target(audit::room(room))
        .detail(format!("{} for {} min", audit::user(&person), body.minutes))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(Json(RoomMute {
        user: person.id,
        username: person.username,
        until,
    }))
}

/// `DELETE /api/rooms/{room}/mutes/{user}`: 204, muted or not.
pub async fn unmute(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath((room, user)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let room = RoomId(room);
    let lifted = rooms::unmute(&state, &auth.user, room, UserId(user)).await?;
    record_lifted(
        &state,
        ip,
        &auth.user,
        room,
        user,
        lifted,
        AuditAction::MemberUnmuted,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Audits a lifted mute or ban — when there was one to lift: lifting
/// nothing answers 204 too, and is not an event.
async fn record_lifted(
    state: &AppState,
    ip: ClientIp,
    actor: &app::protocol::User,
    room: RoomId,
    user: i64,
    lifted: bool,
    action: AuditAction,
) {
    if lifted {
        let entry = audit::by(actor, action)
            .target(audit::room(room))
            .detail(format!("user {user}"))
            .from_ip(ip);
        audit::record(state, entry).await;
    }
}

/// `GET /api/rooms/{room}/bans`
pub async fn bans(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
) -> Result<Json<Vec<RoomBan>>, ApiError> {
    Ok(Json(rooms::bans(&state, &auth.user, RoomId(room)).await?))
}

/// `POST /api/rooms/{room}/bans`: 201 with the ban.
pub async fn ban(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath(room): ApiPath<i64>,
    ApiJson(body): ApiJson<BanMember>,
) -> Result<(StatusCode, Json<RoomBan>), ApiError> {
    let room = RoomId(room);
    let ban = rooms::ban(&state, &auth.user, room, body.user).await?;
    let entry = audit::by(&auth.user, AuditAction::MemberBanned)
        .target(audit::room(room))
        .detail(format!("user {} ({})", ban.id, ban.username))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok((StatusCode::CREATED, Json(ban)))
}

/// `DELETE /api/rooms/{room}/bans/{user}`: 204, banned or not.
pub async fn unban(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath((room, user)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let room = RoomId(room);
    let lifted = rooms::unban(&state, &auth.user, room, UserId(user)).await?;
    record_lifted(
        &state,
        ip,
        &auth.user,
        room,
        user,
        lifted,
        AuditAction::MemberUnbanned,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

/// 201 when the DM was made, 200 when these people already had one.
pub async fn open_dm(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<OpenDm>,
) -> Result<(StatusCode, Json<RoomSummary>), ApiError> {
    let (room, created) = rooms::open_dm(&state, &auth.user, &body.users).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(room)))
}
