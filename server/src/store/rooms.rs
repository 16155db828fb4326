//! Rooms, who has joined them, and each member's read marker.

use super::BeginWrite;
use super::{conflict, on_pool, Store, StoreError};
use app::protocol::{MessageId, RoomId, RoomSummary, User, UserId};
use app::text;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    joined: bool,
    unread: i64,
    last_message_id: Option<i64>,
}

impl From<SummaryRow> for RoomSummary {
    fn from(r: SummaryRow) -> Self {
        RoomSummary {
            id: RoomId(r.id),
            name: r.name,
            created_at: r.created_at,
            joined: r.joined,
            unread: r.unread,
            mentions: 0,
            last_message_id: r.last_message_id.map(MessageId),
        }
    }
}

/// Rooms as one user sees them. Unread counts others' messages past the marker.
const SUMMARY: &str = "
    SELECT r.id, r.name, r.created_at,
           (m.user_id IS NOT NULL) AS joined,
           CASE WHEN m.user_id IS NULL THEN 0 ELSE
               (SELECT COUNT(*) FROM messages x
                 WHERE x.room_id = r.id AND x.id > m.last_read_id AND x.author_id <> $1)
           END AS unread,
           (SELECT MAX(x.id) FROM messages x WHERE x.room_id = r.id) AS last_message_id
      FROM rooms r
      LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $1";

/// Which rooms [`Store::list_rooms`] answers.
#[derive(Debug, Clone, Default)]
pub struct RoomPage {
    /// Rooms named after this one (case-insensitively); from the first if `None`.
    pub after: Option<String>,
    /// Most rooms to answer.
    pub limit: usize,
    /// Only joined rooms (`Some(true)`) or only the others (`Some(false)`).
    pub joined: Option<bool>,
    /// Only rooms whose name contains this, case-insensitively.
    pub search: Option<String>,
}

/// Most unread messages that look like mentions [`Store::unread_mentions`]
/// reads: a badge says "@" either way, and this keeps a long-unread busy room
/// from costing a large read on every page load.
const MENTION_SCAN: i64 = 1000;

fn with_mentions(mut room: RoomSummary, counts: &HashMap<RoomId, i64>) -> RoomSummary {
    room.mentions = counts.get(&room.id).copied().unwrap_or(0);
    room
}

/// `s` as a literal inside a `LIKE … ESCAPE '\'` pattern (usernames may hold `_`).
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Creates a room and makes its creator a member.
    pub async fn create_room(
        &self,
        name: &str,
        creator: UserId,
    ) -> Result<RoomSummary, StoreError> {
        let now = Utc::now();
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rooms (name, name_key, created_by, created_at)
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(name.to_lowercase())
            .bind(creator.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, "a room with this name exists"))?;
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at)
                 VALUES ($1, $2, 0, $3)",
            )
            .bind(id)
            .bind(creator.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        });
        Ok(RoomSummary {
            id: RoomId(id),
            name: name.to_owned(),
            created_at: now,
            joined: true,
            unread: 0,
            mentions: 0,
            last_message_id: None,
        })
    }

    /// One page of rooms, ordered by name, with `user`'s membership, unread
    /// count and unread mentions: at most `page.limit`, those named after
    /// `page.after` (case-insensitively, as names are unique), only joined
    /// or only other rooms if asked, only names containing `page.search`.
    pub async fn list_rooms(
        &self,
        user: &User,
        page: &RoomPage,
    ) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!(
            "{SUMMARY}
              WHERE r.name_key > $2
                AND ($3 IS NULL OR (m.user_id IS NOT NULL) = $3)
                AND ($4 IS NULL OR r.name_key LIKE $4 ESCAPE '\\')
              ORDER BY r.name_key LIMIT $5"
        );
        let after = page
            .after
            .as_deref()
            .map(str::to_lowercase)
            .unwrap_or_default();
        let search = page
            .search
            .as_deref()
            .map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let rows: Vec<SummaryRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(user.id.0)
                .bind(&after)
                .bind(page.joined)
                .bind(&search)
                .bind(page.limit as i64)
                .fetch_all(pool)
                .await?
        });
        let mentions = self.unread_mentions(user, None).await?;
        Ok(rows
            .into_iter()
            .map(|row| with_mentions(row.into(), &mentions))
            .collect())
    }

    /// One room as `user` sees it.
    pub async fn room_summary(
        &self,
        room: RoomId,
        user: &User,
    ) -> Result<Option<RoomSummary>, StoreError> {
        let sql = format!("{SUMMARY} WHERE r.id = $2");
        let row: Option<SummaryRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(user.id.0).bind(room.0).fetch_optional(pool).await?
        });
        let mentions = self.unread_mentions(user, Some(room)).await?;
        Ok(row.map(|row| with_mentions(row.into(), &mentions)))
    }

    /// Per room (or in `only`), others' messages past `user`'s read marker
    /// that mention them. SQL's `LIKE` narrows the search; [`text::mentions`]
    /// decides, since `LIKE` cannot tell `@ann` from `@anna`. At most
    /// [`MENTION_SCAN`] candidates are read, newest first.
    async fn unread_mentions(
        &self,
        user: &User,
        only: Option<RoomId>,
    ) -> Result<HashMap<RoomId, i64>, StoreError> {
        let pattern = format!("%@{}%", escape_like(&user.username.to_lowercase()));
        let candidates: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT x.room_id, x.body FROM messages x
                   JOIN room_members m ON m.room_id = x.room_id AND m.user_id = $1
                  WHERE x.id > m.last_read_id AND x.author_id <> $1
                        AND lower(x.body) LIKE $2 ESCAPE '\\'
                        AND ($3 IS NULL OR x.room_id = $3)
                  ORDER BY x.id DESC LIMIT $4",
            )
            .bind(user.id.0)
            .bind(&pattern)
            .bind(only.map(|r| r.0))
            .bind(MENTION_SCAN)
            .fetch_all(pool)
            .await?
        });
        let mut counts = HashMap::new();
        for (room, body) in candidates {
            if text::mentions(&body, &user.username) {
                *counts.entry(RoomId(room)).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    pub async fn room_exists(&self, room: RoomId) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM rooms WHERE id = $1")
                .bind(room.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Makes `user` a member (idempotent).
    pub async fn join_room(&self, room: RoomId, user: UserId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at)
                 VALUES ($1, $2, 0, $3) ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    pub async fn leave_room(&self, room: RoomId, user: UserId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user.0)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }

    pub async fn is_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT room_id FROM room_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Moves the read marker forward to `up_to` (never backward).
    pub async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        up_to: MessageId,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE room_members SET last_read_id = $3
                  WHERE room_id = $1 AND user_id = $2 AND last_read_id < $3",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(up_to.0)
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }
}
