//! Pinned messages: per room, the messages its people chose to keep at hand.
//! Not a change of the message (no change id): the list is read whole when
//! a room opens or a client reconnects, and `pinned` frames keep it live.

use super::messages::{MessageRow, SELECT};
use super::{on_pool, BeginWrite, Store, StoreError};
use app::protocol::{ChatMessage, MessageId, PinnedMessage, RoomId, UserId};
use chrono::{DateTime, Utc};

/// What [`Store::pin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinned {
    /// Pinned or unpinned, in this room.
    Changed(RoomId),
    /// It was already so.
    Unchanged,
    NoMessage,
    /// Pinning it would make the room's list longer than allowed.
    TooMany,
}

impl Store {
    /// Pins (`on`) or unpins message `id` as `user`; a room holds at most
    /// `max` pins.
    pub async fn pin(
        &self,
        id: MessageId,
        user: UserId,
        on: bool,
        max: usize,
    ) -> Result<Pinned, StoreError> {
        let now = super::messages::now_ms();
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let room: Option<i64> = sqlx::query_scalar("SELECT room_id FROM messages WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            match room {
                None => Pinned::NoMessage,
                Some(room) => {
                    let changed = if on {
                        let count: i64 =
                            sqlx::query_scalar("SELECT COUNT(*) FROM message_pins WHERE room_id = $1")
                                .bind(room)
                                .fetch_one(&mut *tx)
                                .await?;
                        let here: Option<i64> =
                            sqlx::query_scalar("SELECT message_id FROM message_pins WHERE message_id = $1")
                                .bind(id.0)
                                .fetch_optional(&mut *tx)
                                .await?;
                        if here.is_none() && count as usize >= max {
                            return Ok(Pinned::TooMany);
                        }
                        sqlx::query(
                            "INSERT INTO message_pins (message_id, room_id, pinned_by, pinned_at)
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(id.0)
                        .bind(room)
                        .bind(user.0)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                    } else {
                        sqlx::query("DELETE FROM message_pins WHERE message_id = $1")
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                    };
                    tx.commit().await?;
                    if changed == 0 {
                        Pinned::Unchanged
                    } else {
                        Pinned::Changed(RoomId(room))
                    }
                }
            }
        });
        Ok(done)
    }

    /// The room's pinned messages, the latest pinned first, with who pinned
    /// each and when.
    pub async fn pins(&self, room: RoomId) -> Result<Vec<PinnedMessage>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            message: MessageRow,
            pinned_by: String,
            pinned_at: DateTime<Utc>,
        }
        let sql = SELECT
            .replacen(
                "FROM messages m JOIN users u ON u.id = m.author_id",
                "FROM message_pins p
               JOIN messages m ON m.id = p.message_id
               JOIN users u ON u.id = m.author_id
               JOIN users pu ON pu.id = p.pinned_by",
                1,
            )
            .replacen(
                "SELECT ",
                "SELECT pu.username AS pinned_by, p.pinned_at, ",
                1,
            );
        let sql =
            format!("{sql} WHERE p.room_id = $1 ORDER BY p.pinned_at DESC, p.message_id DESC");
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(room.0).fetch_all(pool).await?
        });
        let mut messages: Vec<ChatMessage> = Vec::with_capacity(rows.len());
        let mut pins = Vec::with_capacity(rows.len());
        for r in rows {
            messages.push(r.message.into());
            pins.push((r.pinned_by, r.pinned_at));
        }
        self.with_files(&mut messages).await?;
        Ok(messages
            .into_iter()
            .zip(pins)
            .map(|(message, (by, at))| PinnedMessage { message, by, at })
            .collect())
    }
}
