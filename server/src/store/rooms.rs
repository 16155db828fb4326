//! Rooms, who has joined them, and each member's read marker.

use super::BeginWrite;
use super::{conflict, on_pool, Store, StoreError};
use app::protocol::{MessageId, RoomId, RoomSummary, UserId};
use chrono::{DateTime, Utc};

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
            last_message_id: None,
        })
    }

    /// Every room, ordered by name, with `user`'s membership and unread count.
    pub async fn list_rooms(&self, user: UserId) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!("{SUMMARY} ORDER BY r.name_key");
        let rows: Vec<SummaryRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(user.0).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One room as `user` sees it.
    pub async fn room_summary(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<RoomSummary>, StoreError> {
        let sql = format!("{SUMMARY} WHERE r.id = $2");
        let row: Option<SummaryRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(user.0).bind(room.0).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
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
