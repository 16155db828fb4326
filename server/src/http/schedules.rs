//! Scheduled announcements: create, list, read, edit, cancel, send now, and a
//! preview of the next due times. Every change wakes the scheduler.

use crate::{
    audit,
    auth::Pusher,
    error::{ApiError, ApiJson, ApiPath},
    limits::ClientIp,
    push::{self, Fired, ScheduleSpec, PREVIEW},
    state::AppState,
    store::{Claim, StoredSchedule},
};
use app::protocol::{
    AuditAction, Preview, PushResponse, Schedule, ScheduleId, SchedulePatch, ScheduleRequest,
    ScheduleStatus,
};
use axum::{extract::State, http::StatusCode, Json};

/// Occurrences listed in the answer about one schedule.
const RECENT: usize = 20;

async fn load(state: &AppState, id: i64) -> Result<StoredSchedule, ApiError> {
    state
        .store
        .schedule(ScheduleId(id))
        .await?
        .ok_or(ApiError::NotFound("no such schedule"))
}

/// The full view of one schedule: its next due times and recent occurrences.
async fn detail(state: &AppState, s: StoredSchedule) -> Result<Schedule, ApiError> {
    let upcoming = match (s.next_run, push::recurrence_of(&s)) {
        (Some(next), Ok(r)) => r.upcoming(next, PREVIEW),
        _ => Vec::new(),
    };
    let occurrences = state.store.occurrences(s.id, RECENT).await?;
    Ok(push::view(s, upcoming, occurrences))
}

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    pusher: Pusher,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> Result<(StatusCode, Json<Schedule>), ApiError> {
    let now = state.clock.now();
    let spec = ScheduleSpec::parse(&req, now, false, state.settings.push_min_interval)?;
    push::check_target(&state.store, spec.fields.target).await??;
    let first = spec.recurrence.first().ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("a checked recurrence has no first time"))
    })?;
    let id = state
        .store
        .create_schedule(&spec.fields, pusher.author(), first, now)
        .await?;
    state.scheduler.wake();
    tracing::info!(schedule = %id, first = %first, "schedule created");
    let entry = audit::by_pusher(&pusher, AuditAction::ScheduleCreated)
        .target(format!("schedule {id}"))
        .from_ip(ip);
    audit::record(&state, entry).await;
    let s = load(&state, id.0).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, s).await?)))
}

pub async fn list(
    State(state): State<AppState>,
    _pusher: Pusher,
) -> Result<Json<Vec<Schedule>>, ApiError> {
    let all = state.store.list_schedules().await?;
    Ok(Json(
        all.into_iter()
            .map(|s| push::view(s, Vec::new(), Vec::new()))
            .collect(),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    _pusher: Pusher,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Schedule>, ApiError> {
    let s = load(&state, id).await?;
    Ok(Json(detail(&state, s).await?))
}

pub async fn patch(
    State(state): State<AppState>,
    ip: ClientIp,
    pusher: Pusher,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<SchedulePatch>,
) -> Result<Json<Schedule>, ApiError> {
    let s = load(&state, id).await?;
    if s.status == ScheduleStatus::Cancelled {
        return Err(ApiError::Conflict(
            "the schedule is cancelled; duplicate it instead".into(),
        ));
    }
    let mut req = push::as_request(&s);
    let at_may_be_past = patch.at.is_none();
    if let Some(title) = patch.title {
        req.title = title;
    }
    if let Some(body) = patch.body {
        req.body = body;
    }
    if let Some(severity) = patch.severity {
        req.severity = severity;
    }
    if let Some(target) = patch.target {
        req.target = target;
    }
    if let Some(at) = patch.at {
        req.at = at;
    }
    if let Some(zone) = patch.zone {
        req.zone = zone;
    }
    if let Some(repeat) = patch.repeat {
        req.repeat = repeat;
    }
    if let Some(until) = patch.until {
        req.until = until;
    }
    let now = state.clock.now();
    let spec = ScheduleSpec::parse(&req, now, at_may_be_past, state.settings.push_min_interval)?;
    push::check_target(&state.store, spec.fields.target).await??;
    // Never again before what has already fired, nor in the past.
    let from = match s.last_run {
        Some(last) => now.max(last + chrono::Duration::nanoseconds(1)),
        None => now,
    };
    let next_run = spec.recurrence.next_from(from);
    if !state
        .store
        .update_schedule(s.id, s.revision, &spec.fields, next_run, now)
        .await?
    {
        return Err(ApiError::Conflict(
            "the schedule changed while you edited it (it fired, or someone else edited it); reload and try again".into(),
        ));
    }
    state.scheduler.wake();
    tracing::info!(schedule = %s.id, next_run = ?next_run, "schedule edited");
    let entry = audit::by_pusher(&pusher, AuditAction::ScheduleEdited)
        .target(format!("schedule {}", s.id))
        .from_ip(ip);
    audit::record(&state, entry).await;
    let s = load(&state, id).await?;
    Ok(Json(detail(&state, s).await?))
}

/// `DELETE`: cancels the schedule (it stays listed, as cancelled).
pub async fn cancel(
    State(state): State<AppState>,
    ip: ClientIp,
    pusher: Pusher,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Schedule>, ApiError> {
    let s = load(&state, id).await?;
    if !state.store.cancel_schedule(s.id, state.clock.now()).await? {
        let now = load(&state, id).await?;
        return Err(ApiError::Conflict(format!(
            "the schedule is {}; only a scheduled one can be cancelled",
            now.status.as_str()
        )));
    }
    state.scheduler.wake();
    tracing::info!(schedule = %s.id, "schedule cancelled");
    let entry = audit::by_pusher(&pusher, AuditAction::ScheduleCancelled)
        .target(format!("schedule {}", s.id))
        .from_ip(ip);
    audit::record(&state, entry).await;
    let s = load(&state, id).await?;
    Ok(Json(detail(&state, s).await?))
}

/// Sends one occurrence now. A one-off is then done; a recurring schedule
/// keeps its next run.
pub async fn send_now(
    State(state): State<AppState>,
    _pusher: Pusher,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<PushResponse>), ApiError> {
    let s = load(&state, id).await?;
    if s.status == ScheduleStatus::Cancelled {
        return Err(ApiError::Conflict("the schedule is cancelled".into()));
    }
    let now = state.clock.now();
    let claim = Claim {
        schedule: s.id,
        revision: s.revision,
        due: now,
        due_is_next: false,
        next_run: s.fields.repeat.as_ref().and(s.next_run),
        late: false,
        now,
    };
    let fired = push::fire(&state.store, &state.hub, &s, &claim).await?;
    state.scheduler.wake();
    match fired {
        Fired::Sent(a, connections) => Ok((
            StatusCode::CREATED,
            Json(PushResponse {
                id: a.id,
                connections,
            }),
        )),
        Fired::Failed(reason) => Err(ApiError::Conflict(format!("not sent: {reason}"))),
        Fired::Lost => Err(ApiError::Conflict(
            "the schedule changed at the same moment; try again".into(),
        )),
    }
}

/// The next due times of a schedule as the form has it (the form's preview).
/// A first time in the past is allowed here — the form may be editing a
/// recurring schedule that has already started — and the preview starts at
/// now; creating a schedule still refuses a past `at`.
pub async fn preview(
    State(state): State<AppState>,
    _pusher: Pusher,
    ApiJson(req): ApiJson<ScheduleRequest>,
) -> Result<Json<Preview>, ApiError> {
    let now = state.clock.now();
    let spec = ScheduleSpec::parse(&req, now, true, state.settings.push_min_interval)?;
    let upcoming = spec
        .recurrence
        .upcoming(spec.fields.at.max(now), PREVIEW)
        .into_iter()
        .map(|t| push::in_zone(t, &spec.fields.zone))
        .collect();
    Ok(Json(Preview { upcoming }))
}
