//! Immediate announcements (`POST /api/push`), their receipts, and each user's
//! inbox of announcements with seen and dismissed marks.

use crate::{
    auth::{AuthUser, Pusher},
    error::{ApiError, ApiJson, ApiPath},
    push::{self, Content},
    state::AppState,
    store::NewAnnouncement,
};
use app::protocol::{
    AnnouncementId, AnnouncementStats, InboxEntry, PushRequest, PushResponse, Role, SeenBatch,
    SeenMarked,
};
use axum::{extract::State, http::StatusCode, Json};

/// Most entries `GET /api/announcements` returns (the newest).
const INBOX: usize = 100;

pub async fn push(
    State(state): State<AppState>,
    pusher: Pusher,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<(StatusCode, Json<PushResponse>), ApiError> {
    let content = Content::parse(req.title.as_deref(), &req.body)?;
    push::check_target(&state.store, req.target).await??;
    let now = state.clock.now();
    let a = state
        .store
        .insert_announcement(
            &NewAnnouncement {
                title: content.title,
                body_html: content.body_html,
                severity: req.severity,
                target: req.target,
                author: pusher.author(),
                schedule: None,
                due_at: None,
                late: false,
            },
            now,
        )
        .await?;
    let connections = push::deliver(&state.store, &state.hub, &a, now).await?;
    tracing::info!(announcement = %a.id, target = ?a.target, connections, "announcement pushed");
    Ok((
        StatusCode::CREATED,
        Json(PushResponse {
            id: a.id,
            connections,
        }),
    ))
}

/// One announcement with its delivered and seen counts.
pub async fn stats(
    State(state): State<AppState>,
    _pusher: Pusher,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AnnouncementStats>, ApiError> {
    state
        .store
        .announcement_stats(AnnouncementId(id))
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("no such announcement"))
}

pub async fn inbox(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<InboxEntry>>, ApiError> {
    let user = &auth.user;
    let entries = state
        .store
        .inbox(user.id, user.role >= Role::Agent, INBOX, state.clock.now())
        .await?;
    Ok(Json(entries))
}

pub async fn dismiss(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    mark(&state, &auth, id, true).await
}

/// `POST /api/announcements/seen {ids}`: the inbox page marks what it lists.
pub async fn seen_batch(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiJson(batch): ApiJson<SeenBatch>,
) -> Result<Json<SeenMarked>, ApiError> {
    let seen = push::mark_seen_batch(&state, &auth.user, &batch.ids).await?;
    Ok(Json(SeenMarked { seen }))
}

pub async fn seen(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    mark(&state, &auth, id, false).await
}

async fn mark(
    state: &AppState,
    auth: &AuthUser,
    id: i64,
    dismiss: bool,
) -> Result<StatusCode, ApiError> {
    push::mark_seen(state, &auth.user, AnnouncementId(id), dismiss).await?;
    Ok(StatusCode::NO_CONTENT)
}
