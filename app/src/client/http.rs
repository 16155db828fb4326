//! The HTTP half of the API (`/api/...`), typed with the shared wire structs.
//!
//! Every call is same-origin, so the HttpOnly session cookie rides along and JS
//! never touches it. Failures come back as [`ApiError`], which either carries
//! the server's `{error: {code, message}}` or says the server could not be
//! reached. Outside the browser the transport is a stand-in that always fails:
//! the server renders pages without data, and the browser loads it after
//! hydration.

use serde::{de::DeserializeOwned, Serialize};

use crate::protocol::{AddMember, OpenDm, RoomMember, Visibility};
use crate::protocol::{
    AnnouncementId, ApiKey, ApiKeyId, AuthResponse, CreateApiKey, CreateRoom, Credentials,
    ErrorBody, ErrorCode, InboxEntry, MessageId, MessagePage, NewApiKey, Preview, PushRequest,
    PushResponse, Role, RoomId, RoomSummary, Schedule, ScheduleId, SchedulePatch, ScheduleRequest,
    SessionRequest, UpdateUser, User, UserId, VisitorSession,
};
use crate::protocol::{BanMember, MuteMember, RoomBan, RoomMute, RoomSettings, UpdateRoom};
use crate::protocol::{
    CreateAccount, CreateInvite, Invite, InviteId, NewInvite, Registration, RegistrationInfo,
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
    visitor_token: Option<&str>,
) -> Result<(u16, String), ApiError> {
    use gloo_net::http::Request;
    let mut builder = match method {
        Method::Get => Request::get(path),
        Method::Post => Request::post(path),
        Method::Patch => Request::patch(path),
        Method::Put => Request::put(path),
        Method::Delete => Request::delete(path),
    }
    .header("Accept", "application/json");
    if let Some(token) = visitor_token {
        builder = builder.header(crate::protocol::VISITOR_TOKEN_HEADER, token);
    }
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
    _visitor_token: Option<&str>,
) -> Result<(u16, String), ApiError> {
    Err(ApiError::Network("only available in the browser".into()))
}

/// Turns a non-2xx answer into an [`ApiError`]. Bodies that are not our error
/// shape (a proxy's HTML page, say) still give a sensible code from the status.
pub(crate) fn error_from(status: u16, text: &str) -> ApiError {
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
        415 => (
            ErrorCode::UnsupportedType,
            "That type of file is not accepted.",
        ),
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
    call_as_visitor(method, path, body, None).await
}

/// A call that also presents the visitor token (the widget's iframe, where
/// the visitor cookie may be blocked; the server prefers the cookie).
async fn call_as_visitor<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<String>,
    visitor_token: Option<&str>,
) -> Result<T, ApiError> {
    let (status, text) = exchange(method, path, body, visitor_token).await?;
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

/// Changes the password; the account's other sessions end.
pub async fn change_password(current: String, new: String) -> Result<(), ApiError> {
    let body = json(&crate::protocol::ChangePassword { current, new })?;
    no_content_as_visitor(Method::Post, "/api/me/password", body, None).await
}

pub async fn login(credentials: &Credentials) -> Result<AuthResponse, ApiError> {
    call(Method::Post, "/api/auth/login", json(credentials)?).await
}

/// `POST /api/auth/register`, with the invite or setup token from the link.
pub async fn register(registration: &Registration) -> Result<AuthResponse, ApiError> {
    call(Method::Post, "/api/auth/register", json(registration)?).await
}

/// `GET /api/auth/policy`: who may register, and the state of `invite`.
pub async fn registration_policy(invite: Option<&str>) -> Result<RegistrationInfo, ApiError> {
    let path = match invite {
        Some(token) => format!("/api/auth/policy?invite={}", query_value(token)),
        None => "/api/auth/policy".to_owned(),
    };
    call(Method::Get, &path, None).await
}

/// `GET /api/invites` (admin): the newest invites.
pub async fn invites() -> Result<Vec<Invite>, ApiError> {
    call(Method::Get, "/api/invites", None).await
}

/// `POST /api/invites` (admin): the answer holds the link, shown only now.
pub async fn create_invite(uses: u32, expires_in_hours: u32) -> Result<NewInvite, ApiError> {
    let body = json(&CreateInvite {
        uses,
        expires_in_hours,
    })?;
    call(Method::Post, "/api/invites", body).await
}

pub async fn revoke_invite(id: InviteId) -> Result<Invite, ApiError> {
    call(Method::Delete, &format!("/api/invites/{id}"), None).await
}

/// `POST /api/users` (admin): an account with an initial password and a role.
pub async fn create_account(account: &CreateAccount) -> Result<User, ApiError> {
    call(Method::Post, "/api/users", json(account)?).await
}

/// `POST /api/auth/logout` (204, no body).
/// `POST /api/users/{id}/password-reset` (admin): a one-time link.
pub async fn create_password_reset(
    user: UserId,
) -> Result<crate::protocol::NewPasswordReset, ApiError> {
    call(
        Method::Post,
        &format!("/api/users/{user}/password-reset"),
        None,
    )
    .await
}

/// `GET /api/password-resets/{token}`: whose password the link sets.
pub async fn password_reset(token: &str) -> Result<crate::protocol::PasswordResetInfo, ApiError> {
    call(
        Method::Get,
        &format!("/api/password-resets/{}", query_value(token)),
        None,
    )
    .await
}

/// `POST /api/password-resets/{token}`: sets the password and logs in.
pub async fn use_password_reset(token: &str, password: String) -> Result<AuthResponse, ApiError> {
    let body = json(&crate::protocol::UsePasswordReset { password })?;
    call(
        Method::Post,
        &format!("/api/password-resets/{}", query_value(token)),
        body,
    )
    .await
}

/// `GET /api/profiles?users=`: these people's profiles (unknown names are
/// left out).
pub async fn profiles(names: &[String]) -> Result<Vec<crate::protocol::Profile>, ApiError> {
    let users: Vec<String> = names.iter().map(|n| query_value(n)).collect();
    call(
        Method::Get,
        &format!("/api/profiles?users={}", users.join(",")),
        None,
    )
    .await
}

/// `GET /api/me/profile`.
pub async fn my_profile() -> Result<crate::protocol::Profile, ApiError> {
    call(Method::Get, "/api/me/profile", None).await
}

/// `PATCH /api/me/profile`.
pub async fn update_profile(
    change: &crate::protocol::UpdateProfile,
) -> Result<crate::protocol::Profile, ApiError> {
    call(Method::Patch, "/api/me/profile", json(change)?).await
}

/// `PUT /api/me/avatar` with a picture the person chose (the server reads
/// it by its content and resizes it).
#[cfg(target_arch = "wasm32")]
pub async fn upload_avatar(file: web_sys::File) -> Result<crate::protocol::Profile, ApiError> {
    use gloo_net::http::Request;
    let network = |e: gloo_net::Error| ApiError::Network(e.to_string());
    let response = Request::put("/api/me/avatar")
        .header("Accept", "application/json")
        .body(wasm_bindgen::JsValue::from(file))
        .map_err(network)?
        .send()
        .await
        .map_err(network)?;
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    if !(200..300).contains(&status) {
        return Err(error_from(status, &text));
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Network(format!("unexpected answer: {e}")))
}

/// `DELETE /api/me/avatar`: back to initials.
pub async fn remove_avatar() -> Result<crate::protocol::Profile, ApiError> {
    call(Method::Delete, "/api/me/avatar", None).await
}

/// `GET /api/me/sessions`: this person's sessions, newest first.
pub async fn sessions() -> Result<Vec<crate::protocol::SessionInfo>, ApiError> {
    call(Method::Get, "/api/me/sessions", None).await
}

/// `DELETE /api/me/sessions/{id}`: ends one session.
pub async fn end_session(id: &str) -> Result<(), ApiError> {
    no_content(
        Method::Delete,
        &format!("/api/me/sessions/{}", query_value(id)),
    )
    .await
}

/// `DELETE /api/me/sessions`: ends every session but this one.
pub async fn end_other_sessions() -> Result<(), ApiError> {
    // The answer lists the ended ids; the page reloads the list instead.
    no_content(Method::Delete, "/api/me/sessions").await
}

pub async fn logout() -> Result<(), ApiError> {
    let (status, text) = exchange(Method::Post, "/api/auth/logout", None, None).await?;
    if (200..300).contains(&status) || status == 401 {
        Ok(())
    } else {
        Err(error_from(status, &text))
    }
}

/// Rooms per `GET /api/rooms` page the app asks for (the server's largest).
pub const ROOMS_PAGE: usize = 200;
/// Rooms you have not joined shown at first in "Browse rooms"; more on demand.
pub const BROWSE_PAGE: usize = 50;
/// Most pages of joined rooms loaded (40,000 rooms): the loop must end.
const MAX_JOINED_PAGES: usize = 200;

/// The room list for the sidebar: every room you joined (page after page)
/// and the first [`BROWSE_PAGE`] of the others.
pub async fn rooms() -> Result<Vec<RoomSummary>, ApiError> {
    let mut all: Vec<RoomSummary> = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_JOINED_PAGES {
        let page: Vec<RoomSummary> = call(
            Method::Get,
            &rooms_path(Some(true), after.as_deref(), None, ROOMS_PAGE),
            None,
        )
        .await?;
        let full = page.len() == ROOMS_PAGE;
        after = page.last().map(|r| r.name.clone());
        all.extend(page);
        if !full {
            break;
        }
    }
    all.extend(other_rooms(None, None).await?);
    Ok(all)
}

/// A page of the rooms you have not joined, by name: after `after`, only
/// names containing `search`. A full page ([`BROWSE_PAGE`]) means ask again.
pub async fn other_rooms(
    after: Option<&str>,
    search: Option<&str>,
) -> Result<Vec<RoomSummary>, ApiError> {
    call(
        Method::Get,
        &rooms_path(Some(false), after, search, BROWSE_PAGE),
        None,
    )
    .await
}

/// `/api/rooms` with its query.
pub fn rooms_path(
    joined: Option<bool>,
    after: Option<&str>,
    search: Option<&str>,
    limit: usize,
) -> String {
    let mut path = format!("/api/rooms?limit={limit}");
    if let Some(j) = joined {
        path.push_str(&format!("&joined={j}"));
    }
    if let Some(a) = after {
        path.push_str(&format!("&after={}", query_value(a)));
    }
    if let Some(q) = search.filter(|q| !q.trim().is_empty()) {
        path.push_str(&format!("&q={}", query_value(q.trim())));
    }
    path
}

/// Percent-encodes a query value (room names may hold `&`, `#`, spaces…).
fn query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn create_room(name: &str, visibility: Visibility) -> Result<RoomSummary, ApiError> {
    let body = json(&CreateRoom {
        name: name.to_owned(),
        visibility,
    })?;
    call(Method::Post, "/api/rooms", body).await
}

/// `POST /api/dms`: the DM between you and `users`, made or found again.
pub async fn open_dm(users: Vec<UserId>) -> Result<RoomSummary, ApiError> {
    call(Method::Post, "/api/dms", json(&OpenDm { users })?).await
}

/// `GET /api/audit`: up to `limit` entries older than `before`, newest first.
pub async fn audit(
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<crate::protocol::AuditEntry>, ApiError> {
    let path = match before {
        Some(id) => format!("/api/audit?before={id}&limit={limit}"),
        None => format!("/api/audit?limit={limit}"),
    };
    call(Method::Get, &path, None).await
}

/// `GET /api/people?q=`: active accounts whose name contains `q`.
pub async fn people(q: &str) -> Result<Vec<User>, ApiError> {
    call(
        Method::Get,
        &format!("/api/people?q={}", query_value(q)),
        None,
    )
    .await
}

pub async fn room_members(room: RoomId) -> Result<Vec<RoomMember>, ApiError> {
    call(Method::Get, &format!("/api/rooms/{room}/members"), None).await
}

pub async fn add_member(room: RoomId, user: UserId) -> Result<RoomMember, ApiError> {
    let body = json(&AddMember { user })?;
    call(Method::Post, &format!("/api/rooms/{room}/members"), body).await
}

pub async fn remove_member(room: RoomId, user: UserId) -> Result<(), ApiError> {
    no_content(Method::Delete, &format!("/api/rooms/{room}/members/{user}")).await
}

/// Renames a room, sets its topic, archives or reopens it.
pub async fn update_room(room: RoomId, change: &UpdateRoom) -> Result<RoomSettings, ApiError> {
    call(Method::Patch, &format!("/api/rooms/{room}"), json(change)?).await
}

pub async fn mute(room: RoomId, user: UserId, minutes: i64) -> Result<RoomMute, ApiError> {
    let body = json(&MuteMember { user, minutes })?;
    call(Method::Post, &format!("/api/rooms/{room}/mutes"), body).await
}

pub async fn unmute(room: RoomId, user: UserId) -> Result<(), ApiError> {
    no_content(Method::Delete, &format!("/api/rooms/{room}/mutes/{user}")).await
}

pub async fn bans(room: RoomId) -> Result<Vec<RoomBan>, ApiError> {
    call(Method::Get, &format!("/api/rooms/{room}/bans"), None).await
}

pub async fn ban(room: RoomId, user: UserId) -> Result<RoomBan, ApiError> {
    let body = json(&BanMember { user })?;
    call(Method::Post, &format!("/api/rooms/{room}/bans"), body).await
}

pub async fn unban(room: RoomId, user: UserId) -> Result<(), ApiError> {
    no_content(Method::Delete, &format!("/api/rooms/{room}/bans/{user}")).await
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

/// `GET /api/rooms/{room}/pins`: the room's pinned messages, latest first.
pub async fn pins(room: RoomId) -> Result<Vec<crate::protocol::PinnedMessage>, ApiError> {
    call(Method::Get, &format!("/api/rooms/{room}/pins"), None).await
}

/// `GET /api/rooms/{room}/threads/{parent}`: the parent and a page of replies.
pub async fn thread(
    room: RoomId,
    parent: MessageId,
    before: Option<MessageId>,
    limit: usize,
) -> Result<crate::protocol::ThreadPage, ApiError> {
    let path = match before {
        Some(id) => format!("/api/rooms/{room}/threads/{parent}?before={id}&limit={limit}"),
        None => format!("/api/rooms/{room}/threads/{parent}?limit={limit}"),
    };
    call(Method::Get, &path, None).await
}

/// `GET /api/search` (see [`search_path`]).
pub async fn search(ask: &SearchAsk) -> Result<crate::protocol::SearchPage, ApiError> {
    call(Method::Get, &search_path(ask), None).await
}

/// What a search asks for; empty fields are left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchAsk {
    pub q: String,
    pub room: Option<RoomId>,
    pub from: String,
    /// The next page: results older than this message.
    pub before_id: Option<MessageId>,
    /// Sent before / at or after these instants (RFC 3339).
    pub before: Option<String>,
    pub after: Option<String>,
}

/// `/api/search` with its query.
pub fn search_path(ask: &SearchAsk) -> String {
    let mut path = format!("/api/search?q={}", query_value(ask.q.trim()));
    if let Some(room) = ask.room {
        path.push_str(&format!("&room={room}"));
    }
    if !ask.from.trim().is_empty() {
        path.push_str(&format!("&from={}", query_value(ask.from.trim())));
    }
    if let Some(id) = ask.before_id {
        path.push_str(&format!("&before={id}"));
    } else if let Some(at) = &ask.before {
        path.push_str(&format!("&before={}", query_value(at)));
    }
    if let Some(at) = &ask.after {
        path.push_str(&format!("&after={}", query_value(at)));
    }
    path
}

pub async fn users() -> Result<Vec<User>, ApiError> {
    call(Method::Get, "/api/users", None).await
}

/// `PATCH /api/users/{id}`: a new role, or deactivation/reactivation.
pub async fn update_user(user: UserId, change: UpdateUser) -> Result<User, ApiError> {
    call(Method::Patch, &format!("/api/users/{user}"), json(&change)?).await
}

pub async fn set_role(user: UserId, role: Role) -> Result<User, ApiError> {
    update_user(
        user,
        UpdateUser {
            role: Some(role),
            ..UpdateUser::default()
        },
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

/// `POST /api/announcements/seen`: marks every listed announcement seen.
pub async fn announcements_seen(
    ids: Vec<AnnouncementId>,
) -> Result<crate::protocol::SeenMarked, ApiError> {
    let body = json(&crate::protocol::SeenBatch { ids })?;
    call(Method::Post, "/api/announcements/seen", body).await
}

/// A call whose success has no body (204).
async fn no_content(method: Method, path: &str) -> Result<(), ApiError> {
    no_content_as_visitor(method, path, None, None).await
}

/// [`no_content`] with a body and the visitor token.
async fn no_content_as_visitor(
    method: Method,
    path: &str,
    body: Option<String>,
    visitor_token: Option<&str>,
) -> Result<(), ApiError> {
    let (status, text) = exchange(method, path, body, visitor_token).await?;
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
/// issued if missing), with the embedding site's signed identity if any, and
/// the visitor token the embedding site kept, used when the cookie is missing.
pub async fn support_session(
    request: &SessionRequest,
    visitor_token: Option<&str>,
) -> Result<VisitorSession, ApiError> {
    let body = json(request)?;
    call_as_visitor(Method::Post, "/api/support/session", body, visitor_token).await
}

/// `POST /api/support/forget` ("Start over"): this browser's visitor is
/// forgotten (the cookie cleared, the old key retired).
pub async fn forget_visitor(visitor_token: Option<&str>) -> Result<(), ApiError> {
    let body = json(&crate::protocol::ForgetRequest {})?;
    no_content_as_visitor(Method::Post, "/api/support/forget", body, visitor_token).await
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

/// `GET /api/support/conversations?tab=search&q=`: conversations whose
/// visitor's name or email, or whose messages, hold `q`, newest first.
pub async fn search_conversations(
    q: &str,
) -> Result<Vec<crate::protocol::ConversationRow>, ApiError> {
    let path = format!(
        "/api/support/conversations?tab=search&limit=50&q={}",
        query_value(q.trim())
    );
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
    fn search_queries_are_encoded() {
        let ask = SearchAsk {
            q: " 开会 & more ".into(),
            room: Some(RoomId(3)),
            from: "ann".into(),
            before: Some("2026-12-01T00:00:00+08:00".into()),
            ..SearchAsk::default()
        };
        assert_eq!(
            search_path(&ask),
            "/api/search?q=%E5%BC%80%E4%BC%9A%20%26%20more&room=3&from=ann&before=2026-12-01T00%3A00%3A00%2B08%3A00"
        );
        // A page's cursor wins over a date.
        let next = SearchAsk {
            before_id: Some(MessageId(9)),
            ..ask
        };
        assert!(search_path(&next).ends_with("&from=ann&before=9"));
    }

    #[test]
    fn room_queries_are_encoded() {
        assert_eq!(
            rooms_path(Some(false), Some("R&D #1"), Some(" é "), 50),
            "/api/rooms?limit=50&joined=false&after=R%26D%20%231&q=%C3%A9"
        );
        assert_eq!(
            rooms_path(None, None, Some("  "), 200),
            "/api/rooms?limit=200"
        );
    }

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
