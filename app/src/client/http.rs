//! The HTTP half of the API (`/api/...`), typed with the shared wire structs.
//!
//! Every call is same-origin, so the HttpOnly session cookie rides along and JS
//! never touches it. Failures come back as [`ApiError`], which either carries
//! the server's `{error: {code, message}}` or says the server could not be
//! reached. Outside the browser the transport is a stand-in that always fails:
//! the server renders pages without data, and the browser loads it after
//! hydration.

use serde::{de::DeserializeOwned, Serialize};

use crate::protocol::{
    AnnouncementId, ApiKey, ApiKeyId, AuthResponse, CreateApiKey, CreateRoom, Credentials,
    ErrorBody, ErrorCode, InboxEntry, MessageId, MessagePage, NewApiKey, Preview, PushRequest,
    PushResponse, Role, RoomId, RoomSummary, Schedule, ScheduleId, SchedulePatch, ScheduleRequest,
    SessionRequest, SetRole, User, UserId, VisitorSession,
};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error. `message` is written for people.
    #[error("{message}")]
    Server {
        status: u16,
        code: ErrorCode,
        message: String,
        /// The request field a 422 is about, when the server named one.
        field: Option<String>,
    },
    /// No usable answer: offline, server down, or a body we could not read.
    #[error("Could not reach the server ({0}). Check your connection and try again.")]
    Network(String),
}

impl ApiError {
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            ApiError::Server {
                code: ErrorCode::Unauthorized,
                ..
            } | ApiError::Server { status: 401, .. }
        )
    }

    /// The request field the server blamed (`at`, `zone`, `repeat.cron`, …).
    pub fn field(&self) -> Option<&str> {
        match self {
            ApiError::Server { field, .. } => field.as_deref(),
            ApiError::Network(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

/// The raw exchange: a status and a body text, or a transport failure.
#[cfg(target_arch = "wasm32")]
async fn exchange(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), ApiError> {
    use gloo_net::http::Request;
    let builder = match method {
        Method::Get => Request::get(path),
        Method::Post => Request::post(path),
        Method::Patch => Request::patch(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    }
    .header("Accept", "application/json");
    let request = match body {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    Ok((status, text))
}

#[cfg(not(target_arch = "wasm32"))]
async fn exchange(
    _method: Method,
    _path: &str,
    _body: Option<String>,
) -> Result<(u16, String), ApiError> {
    Err(ApiError::Network("only available in the browser".into()))
}

/// Turns a non-2xx answer into an [`ApiError`]. Bodies that are not our error
/// shape (a proxy's HTML page, say) still give a sensible code from the status.
fn error_from(status: u16, text: &str) -> ApiError {
    if let Ok(ErrorBody { error }) = serde_json::from_str::<ErrorBody>(text) {
        return ApiError::Server {
            status,
            code: error.code,
            message: error.message,
            field: error.field,
        };
    }
    let (code, message) = match status {
        401 => (ErrorCode::Unauthorized, "Please log in."),
        403 => (ErrorCode::Forbidden, "You are not allowed to do that."),
        404 => (ErrorCode::NotFound, "Not found."),
        409 => (ErrorCode::Conflict, "That name is taken."),
        413 => (ErrorCode::PayloadTooLarge, "That is too large to send."),
        429 => (ErrorCode::RateLimited, "Too many requests; wait a moment."),
        503 => (
            ErrorCode::Unavailable,
            "The server is restarting; try again shortly.",
        ),
        _ => (ErrorCode::Internal, "The server had a problem; try again."),
    };
    ApiError::Server {
        status,
        code,
        message: message.into(),
        field: None,
    }
}

async fn call<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let (status, text) = exchange(method, path, body).await?;
    if !(200..300).contains(&status) {
        return Err(error_from(status, &text));
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Network(format!("unexpected answer: {e}")))
}

fn json(value: &impl Serialize) -> Result<Option<String>, ApiError> {
    serde_json::to_string(value)
        .map(Some)
        .map_err(|e| ApiError::Network(e.to_string()))
}

/// `GET /api/me`: who is logged in (401 when nobody).
pub async fn me() -> Result<User, ApiError> {
    call(Method::Get, "/api/me", None).await
}

pub async fn login(credentials: &Credentials) -> Result<AuthResponse, ApiError> {
    call(Method::Post, "/api/auth/login", json(credentials)?).await
}

pub async fn register(credentials: &Credentials) -> Result<AuthResponse, ApiError> {
    call(Method::Post, "/api/auth/register", json(credentials)?).await
}

/// `POST /api/auth/logout` (204, no body).
pub async fn logout() -> Result<(), ApiError> {
    let (status, text) = exchange(Method::Post, "/api/auth/logout", None).await?;
    if (200..300).contains(&status) || status == 401 {
        Ok(())
    } else {
        Err(error_from(status, &text))
    }
}

pub async fn rooms() -> Result<Vec<RoomSummary>, ApiError> {
    call(Method::Get, "/api/rooms", None).await
}

pub async fn create_room(name: &str) -> Result<RoomSummary, ApiError> {
    let body = json(&CreateRoom {
        name: name.to_owned(),
    })?;
    call(Method::Post, "/api/rooms", body).await
}

/// One page of a room's history: up to `limit` messages just below `before`
/// (the newest page when `before` is `None`), in ascending id order.
pub async fn messages(
    room: RoomId,
    before: Option<MessageId>,
    limit: usize,
) -> Result<MessagePage, ApiError> {
    let path = match before {
        Some(id) => format!("/api/rooms/{room}/messages?before={id}&limit={limit}"),
        None => format!("/api/rooms/{room}/messages?limit={limit}"),
    };
    call(Method::Get, &path, None).await
}

pub async fn users() -> Result<Vec<User>, ApiError> {
    call(Method::Get, "/api/users", None).await
}

pub async fn set_role(user: UserId, role: Role) -> Result<User, ApiError> {
    call(
        Method::Patch,
        &format!("/api/users/{user}"),
        json(&SetRole { role })?,
    )
    .await
}

/// `GET /api/announcements`: your newest announcements, newest first.
pub async fn announcements() -> Result<Vec<InboxEntry>, ApiError> {
    call(Method::Get, "/api/announcements", None).await
}

/// `POST /api/announcements/{id}/seen` or `/dismiss` (204, no body).
pub async fn announcement_receipt(id: AnnouncementId, dismiss: bool) -> Result<(), ApiError> {
    let what = if dismiss { "dismiss" } else { "seen" };
    no_content(Method::Post, &format!("/api/announcements/{id}/{what}")).await
}

/// A call whose success has no body (204).
async fn no_content(method: Method, path: &str) -> Result<(), ApiError> {
    let (status, text) = exchange(method, path, None).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(error_from(status, &text))
    }
}

/// `POST /api/push`: send an announcement now.
pub async fn push(request: &PushRequest) -> Result<PushResponse, ApiError> {
    call(Method::Post, "/api/push", json(request)?).await
}

pub async fn schedules() -> Result<Vec<Schedule>, ApiError> {
    call(Method::Get, "/api/schedules", None).await
}

pub async fn create_schedule(request: &ScheduleRequest) -> Result<Schedule, ApiError> {
    call(Method::Post, "/api/schedules", json(request)?).await
}

pub async fn update_schedule(id: ScheduleId, patch: &SchedulePatch) -> Result<Schedule, ApiError> {
    call(Method::Patch, &format!("/api/schedules/{id}"), json(patch)?).await
}

/// `DELETE /api/schedules/{id}`: cancel it (it stays listed as cancelled).
pub async fn cancel_schedule(id: ScheduleId) -> Result<Schedule, ApiError> {
    call(Method::Delete, &format!("/api/schedules/{id}"), None).await
}

pub async fn send_schedule_now(id: ScheduleId) -> Result<PushResponse, ApiError> {
    call(Method::Post, &format!("/api/schedules/{id}/send-now"), None).await
}

/// The next due times the form's schedule would have, in its zone.
pub async fn preview_schedule(request: &ScheduleRequest) -> Result<Preview, ApiError> {
    call(Method::Post, "/api/schedules/preview", json(request)?).await
}

pub async fn api_keys() -> Result<Vec<ApiKey>, ApiError> {
    call(Method::Get, "/api/keys", None).await
}

pub async fn create_api_key(name: &str) -> Result<NewApiKey, ApiError> {
    let body = json(&CreateApiKey {
        name: name.to_owned(),
    })?;
    call(Method::Post, "/api/keys", body).await
}

pub async fn revoke_api_key(id: ApiKeyId) -> Result<ApiKey, ApiError> {
    call(Method::Delete, &format!("/api/keys/{id}"), None).await
}

/// `POST /api/support/session`: the support page's visitor (the cookie is
/// issued if missing), with the embedding site's signed identity if any.
pub async fn support_session(request: &SessionRequest) -> Result<VisitorSession, ApiError> {
    call(Method::Post, "/api/support/session", json(request)?).await
}

// --- Support desk (agents and admins) ----------------------------------------

/// `GET /api/support/conversations/{id}`: history with notes, visitor, previous ones.
pub async fn support_conversation(
    id: crate::protocol::ConversationId,
) -> Result<crate::protocol::ConversationDetail, ApiError> {
    call(
        Method::Get,
        &format!("/api/support/conversations/{id}"),
        None,
    )
    .await
}

/// `GET /api/support/conversations?tab=resolved`: resolved conversations,
/// newest first, below `before` (an agent's own; admins get all).
pub async fn resolved_conversations(
    before: Option<crate::protocol::ConversationId>,
    limit: usize,
) -> Result<Vec<crate::protocol::ConversationRow>, ApiError> {
    let before = before.map(|b| format!("&before={b}")).unwrap_or_default();
    let path = format!("/api/support/conversations?tab=resolved&limit={limit}{before}");
    call(Method::Get, &path, None).await
}

/// Where the transcript of a conversation downloads from.
pub fn support_transcript_url(id: crate::protocol::ConversationId) -> String {
    format!("/api/support/conversations/{id}/transcript")
}

pub async fn support_canned() -> Result<Vec<crate::protocol::CannedReply>, ApiError> {
    call(Method::Get, "/api/support/canned", None).await
}

pub async fn create_canned(
    request: &crate::protocol::CannedReplyRequest,
) -> Result<crate::protocol::CannedReply, ApiError> {
    call(Method::Post, "/api/support/canned", json(request)?).await
}

pub async fn update_canned(
    id: i64,
    request: &crate::protocol::CannedReplyRequest,
) -> Result<crate::protocol::CannedReply, ApiError> {
    call(
        Method::Put,
        &format!("/api/support/canned/{id}"),
        json(request)?,
    )
    .await
}

pub async fn delete_canned(id: i64) -> Result<(), ApiError> {
    no_content(Method::Delete, &format!("/api/support/canned/{id}")).await
}

pub async fn support_agents() -> Result<Vec<crate::protocol::AgentStatus>, ApiError> {
    call(Method::Get, "/api/support/agents", None).await
}

pub async fn set_agent_capacity(
    agent: UserId,
    capacity: i64,
) -> Result<crate::protocol::AgentStatus, ApiError> {
    let body = json(&crate::protocol::AgentSettings { capacity })?;
    call(Method::Patch, &format!("/api/support/agents/{agent}"), body).await
}

pub async fn support_hours() -> Result<crate::protocol::BusinessHours, ApiError> {
    call(Method::Get, "/api/support/hours", None).await
}

pub async fn set_support_hours(
    hours: &crate::protocol::BusinessHours,
) -> Result<crate::protocol::BusinessHours, ApiError> {
    call(Method::Put, "/api/support/hours", json(hours)?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_and_bare_statuses() {
        let e = error_from(
            409,
            r#"{"error":{"code":"conflict","message":"Room \"x\" exists."}}"#,
        );
        assert_eq!(e.to_string(), "Room \"x\" exists.");
        assert!(!e.is_unauthorized());
        let e = error_from(401, "<html>nope</html>");
        assert!(e.is_unauthorized());
        assert!(matches!(
            error_from(502, ""),
            ApiError::Server {
                code: ErrorCode::Internal,
                ..
            }
        ));
    }
}
