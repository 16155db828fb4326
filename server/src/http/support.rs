//! The desk's HTTP API for agents and admins: conversation lists and details,
//! transcripts, canned replies, agent capacities and business hours. Live
//! changes travel over the WebSocket (`support.*` frames); these endpoints are
//! for loading and managing.

use crate::{
    auth::{AdminUser, AgentUser},
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    state::AppState,
    store::ListFilter,
    support::{access, Hours},
};
use app::{
    protocol::{
        AgentSettings, AgentStatus, AuthorKind, BusinessHours, CannedReply, CannedReplyRequest,
        ConversationDetail, ConversationId, ConversationRow, Role, User, UserId,
    },
    validate::{AnnouncementTitle, MessageBody},
};
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// Unassigned, oldest first.
    #[default]
    Queue,
    /// Assigned to me and not resolved.
    Mine,
    /// Everything, newest first (admins).
    All,
    /// Resolved, newest first, paged with `before` and `limit`: all of them
    /// for admins, an agent's own for agents.
    Resolved,
    /// Those whose visitor's name or email, or whose messages, hold `q`,
    /// newest first (at most `limit`), as far as the caller may see them.
    Search,
}

/// Longest `q` of a conversation search, in characters.
const MAX_SEARCH_CHARS: usize = 100;

/// Most resolved conversations one request returns.
const MAX_RESOLVED_PAGE: i64 = 200;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tab: Tab,
    /// `resolved` only: conversations with a smaller id.
    before: Option<i64>,
    /// `resolved` and `search`: at most this many (1 to 200, default 50).
    limit: Option<i64>,
    /// `search` only: the text to look for.
    q: Option<String>,
}

/// `GET /api/support/conversations?tab=queue|mine|all|resolved`.
pub async fn list(
    State(state): State<AppState>,
    AgentUser(me): AgentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<ConversationRow>>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_RESOLVED_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_RESOLVED_PAGE}"
        )));
    }
    let filter = match q.tab {
        Tab::Queue => ListFilter::Queue,
        Tab::Mine => ListFilter::Mine(me.user.id),
        Tab::All if me.user.role == Role::Admin => ListFilter::All,
        Tab::All => return Err(ApiError::Forbidden("the \"all\" tab is for admins")),
        Tab::Search => {
            let text = q.q.as_deref().unwrap_or_default().trim();
            let n = text.chars().count();
            if n == 0 || n > MAX_SEARCH_CHARS {
                return Err(app::validate::Invalid {
                    field: "q",
                    problem: format!("must be 1 to {MAX_SEARCH_CHARS} characters"),
                }
                .into());
            }
            let agent = (me.user.role != Role::Admin).then_some(me.user.id);
            let rows = state.store.search_conversations(text, agent, limit);
            return Ok(Json(rows.await?));
        }
        Tab::Resolved => {
            let agent = (me.user.role != Role::Admin).then_some(me.user.id);
            let before = q.before.map(ConversationId);
            let rows = state.store.resolved_conversations(agent, before, limit);
            return Ok(Json(rows.await?));
        }
    };
    Ok(Json(state.store.list_conversations(filter).await?))
}

/// A conversation as `me` may see it: 404 when it does not exist or is not
/// theirs to see ([`access::may_see`]); its visitor's other conversations
/// only as far as the same rule allows.
async fn detail_of(
    state: &AppState,
    me: &User,
    id: ConversationId,
) -> Result<ConversationDetail, ApiError> {
    let store = &state.store;
    let row = store
        .conversation_row(id)
        .await?
        .filter(|r| access::may_see(me.id, me.role, r.assignee.as_ref().map(|a| a.id)))
        .ok_or(ApiError::NotFound("no such conversation"))?;
    let visitor = store
        .visitor(row.visitor)
        .await?
        .ok_or(ApiError::NotFound("no such visitor"))?;
    let (first_response_at, resolved_at, rating) = store
        .conversation_times(id)
        .await?
        .ok_or(ApiError::NotFound("no such conversation"))?;
    let previous = store
        .visitor_conversations(row.visitor)
        .await?
        .into_iter()
        .filter(|c| c.id != id)
        .filter(|c| access::may_see(me.id, me.role, c.assignee.as_ref().map(|a| a.id)))
        .collect();
    let messages = store.support_messages(id, None, true, 10_000).await?;
    Ok(ConversationDetail {
        row,
        visitor,
        first_response_at,
        resolved_at,
        rating,
        previous,
        messages,
    })
}

/// `GET /api/support/conversations/{id}`: history (notes included), visitor
/// info and previous conversations.
pub async fn detail(
    State(state): State<AppState>,
    AgentUser(me): AgentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ConversationDetail>, ApiError> {
    Ok(Json(detail_of(&state, &me.user, ConversationId(id)).await?))
}

/// Times in a transcript: to the second, in UTC, said so.
const TRANSCRIPT_TIME: &str = "%Y-%m-%d %H:%M:%S UTC";

/// `GET /api/support/conversations/{id}/transcript`: the conversation as
/// plain text, as a download. Private notes are marked as such.
pub async fn transcript(
    State(state): State<AppState>,
    AgentUser(me): AgentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let d = detail_of(&state, &me.user, ConversationId(id)).await?;
    let mut text = format!(
        "Conversation {} with {}{}\nStarted {}\nStatus {}\n\n",
        d.row.id,
        d.visitor.name.as_deref().unwrap_or("a visitor"),
        d.visitor
            .email
            .as_deref()
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default(),
        d.row.created_at.format(TRANSCRIPT_TIME),
        d.row.status.as_str(),
    );
    for m in &d.messages {
        let who = match (m.author_kind, m.private) {
            (AuthorKind::System, _) => "(system)".to_owned(),
            (_, true) => format!("{} (private note)", m.author),
            _ => m.author.clone(),
        };
        text.push_str(&format!(
            "[{}] {who}: {}\n",
            m.sent_at.format(TRANSCRIPT_TIME),
            m.body
        ));
    }
    if let Some(r) = &d.rating {
        text.push_str(&format!(
            "\nRating: {}/5{}\n",
            r.score,
            r.comment
                .as_deref()
                .map(|c| format!(" — {c}"))
                .unwrap_or_default()
        ));
    }
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"conversation-{}.txt\"",
        d.row.id
    ))
    .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

/// `GET /api/support/canned`.
pub async fn canned(
    State(state): State<AppState>,
    _agent: AgentUser,
) -> Result<Json<Vec<CannedReply>>, ApiError> {
    Ok(Json(state.store.canned_replies().await?))
}

fn canned_fields(r: &CannedReplyRequest) -> Result<(String, String), ApiError> {
    let title = AnnouncementTitle::parse(Some(&r.title))?
        .ok_or(app::validate::Invalid {
            field: "title",
            problem: "must not be empty".into(),
        })?
        .into_string();
    let body = MessageBody::parse(&r.body)?.into_string();
    Ok((title, body))
}

/// `POST /api/support/canned` (admin).
pub async fn create_canned(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<CannedReplyRequest>,
) -> Result<(StatusCode, Json<CannedReply>), ApiError> {
    let (title, body) = canned_fields(&req)?;
    let reply = state.store.create_canned_reply(&title, &body).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

/// `PUT /api/support/canned/{id}` (admin).
pub async fn update_canned(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CannedReplyRequest>,
) -> Result<Json<CannedReply>, ApiError> {
    let (title, body) = canned_fields(&req)?;
    if !state.store.update_canned_reply(id, &title, &body).await? {
        return Err(ApiError::NotFound("no such canned reply"));
    }
    Ok(Json(CannedReply { id, title, body }))
}

/// `DELETE /api/support/canned/{id}` (admin).
pub async fn delete_canned(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_canned_reply(id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("no such canned reply"))
    }
}

/// `GET /api/support/agents`: every agent and admin with availability, load
/// and capacity.
pub async fn agents(
    State(state): State<AppState>,
    _agent: AgentUser,
) -> Result<Json<Vec<AgentStatus>>, ApiError> {
    Ok(Json(state.desk.agents().await?))
}

/// `PATCH /api/support/agents/{id}` (admin): `{capacity}`, 0–100.
pub async fn set_agent(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<AgentSettings>,
) -> Result<Json<AgentStatus>, ApiError> {
    if !(0..=100).contains(&req.capacity) {
        return Err(app::validate::Invalid {
            field: "capacity",
            problem: "must be 0 to 100".into(),
        }
        .into());
    }
    let user = state
        .store
        .user(UserId(id))
        .await?
        .filter(|u| u.role >= Role::Agent)
        .ok_or(ApiError::NotFound("no such agent"))?;
    state.store.set_capacity(user.id, req.capacity).await?;
    state.desk.publish_agent(user.id).await;
    // More room may drain the queue.
    state.desk.wake();
    let status = state
        .desk
        .agent_status(user.id)
        .await?
        .ok_or(ApiError::NotFound("no such agent"))?;
    Ok(Json(status))
}

/// `GET /api/support/hours`.
pub async fn hours(
    State(state): State<AppState>,
    _agent: AgentUser,
) -> Result<Json<BusinessHours>, ApiError> {
    Ok(Json(state.store.business_hours().await?))
}

/// `PUT /api/support/hours` (admin): replaces the business hours.
pub async fn set_hours(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<BusinessHours>,
) -> Result<Json<BusinessHours>, ApiError> {
    let parsed = Hours::parse(&req)?;
    state.store.set_business_hours(&req).await?;
    state.desk.set_hours(parsed);
    Ok(Json(req))
}
