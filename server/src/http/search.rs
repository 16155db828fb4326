//! `GET /api/search`: reads the query string and calls [`crate::search`].

use crate::{
    auth::AuthUser,
    error::{ApiError, ApiQuery},
    search::{self, Ask},
    state::AppState,
    store::SearchFilter,
};
use app::{
    protocol::{MessageId, RoomId, SearchPage, SEARCH_PAGE, SEARCH_PAGE_MAX},
    validate::Invalid,
};
use axum::{extract::State, Json};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    room: Option<i64>,
    from: Option<String>,
    /// A message id (the next page: older than it), or a date or instant
    /// (sent before it).
    before: Option<String>,
    /// A date or instant: sent at or after it.
    after: Option<String>,
    /// `file`: only messages with attachments.
    has: Option<String>,
    limit: Option<usize>,
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant.
fn instant(field: &'static str, text: &str) -> Result<DateTime<Utc>, Invalid> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| Invalid {
            field,
            problem: format!(
                "{text:?} is not a message id, a date (YYYY-MM-DD) or an RFC 3339 time"
            ),
        })
}

/// `GET /api/search?q=&room=&from=&before=&after=&has=&limit=`.
pub async fn search(
    State(state): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchPage>, ApiError> {
    let limit = q.limit.unwrap_or(SEARCH_PAGE);
    if limit == 0 || limit > SEARCH_PAGE_MAX {
        return Err(Invalid {
            field: "limit",
            problem: format!("must be 1 to {SEARCH_PAGE_MAX}"),
        }
        .into());
    }
    let mut filter = SearchFilter::default();
    if let Some(before) = q.before.as_deref().filter(|b| !b.is_empty()) {
        match before.parse::<i64>() {
            Ok(id) => filter.before_id = Some(MessageId(id)),
            Err(_) => filter.sent_before = Some(instant("before", before)?),
        }
    }
    if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
        filter.sent_after = Some(instant("after", after)?);
    }
    match q.has.as_deref().map(str::trim) {
        None | Some("") => {}
        Some("file") => filter.has_file = true,
        Some(other) => {
            return Err(Invalid {
                field: "has",
                problem: format!("{other:?}: the one filter is has=file"),
            }
            .into())
        }
    }
    let ask = Ask {
        q: q.q,
        room: q.room.map(RoomId),
        from: q
            .from
            .filter(|f| !f.trim().is_empty())
            .map(|f| f.trim().to_owned()),
        filter,
        limit,
    };
    Ok(Json(search::search(&state, &auth.user, ask).await?))
}
