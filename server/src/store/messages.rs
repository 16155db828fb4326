//! Chat messages: batched inserts with `client_id` deduplication, history in
//! both directions, edits and deletes.

use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use app::protocol::{ChatMessage, MessageId, RoomId, UserId};
use chrono::{DateTime, Utc};

/// A message to store, already validated.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room: RoomId,
    pub author: UserId,
    pub author_name: String,
    pub body: String,
    pub client_id: String,
}

/// The stored form of a [`NewMessage`]. `fresh` is false when the same
/// `(author, client_id)` was stored before: then `message` is that earlier one.
#[derive(Debug, Clone)]
pub struct Stored {
    pub message: ChatMessage,
    pub fresh: bool,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    room_id: i64,
    author: String,
    body: String,
    client_id: String,
    sent_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
}

impl From<MessageRow> for ChatMessage {
    fn from(r: MessageRow) -> Self {
        ChatMessage {
            room: RoomId(r.room_id),
            id: MessageId(r.id),
            author: r.author,
            body: r.body,
            sent_at: r.sent_at,
            edited_at: r.edited_at,
            client_id: Some(r.client_id),
        }
    }
}

const SELECT: &str = "SELECT m.id, m.room_id, u.username AS author, m.body, m.client_id,
                             m.sent_at, m.edited_at
                        FROM messages m JOIN users u ON u.id = m.author_id";

impl Store {
    /// Stores a batch in one transaction (one fsync for the lot), in order, so
    /// ids follow the order of `batch`. A `(author, client_id)` seen before is
    /// not stored again; its earlier message comes back with `fresh: false`.
    ///
    /// Takes anything that borrows as a [`NewMessage`], so ingest can pass
    /// references into its queue instead of copying every body.
    pub async fn insert_messages<M>(&self, batch: &[M]) -> Result<Vec<Stored>, StoreError>
    where
        M: std::borrow::Borrow<NewMessage> + Sync,
    {
        let mut out = Vec::with_capacity(batch.len());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for m in batch {
                let m: &NewMessage = m.borrow();
                let now = Utc::now();
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO messages (room_id, author_id, body, client_id, sent_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (author_id, client_id) DO NOTHING
                     RETURNING id",
                )
                .bind(m.room.0)
                .bind(m.author.0)
                .bind(&m.body)
                .bind(&m.client_id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let stored = match inserted {
                    Some(id) => Stored {
                        message: ChatMessage {
                            room: m.room,
                            id: MessageId(id),
                            author: m.author_name.clone(),
                            body: m.body.clone(),
                            sent_at: now,
                            edited_at: None,
                            client_id: Some(m.client_id.clone()),
                        },
                        fresh: true,
                    },
                    None => {
                        let sql = format!("{SELECT} WHERE m.author_id = $1 AND m.client_id = $2");
                        let row: MessageRow = sqlx::query_as(&sql)
                            .bind(m.author.0)
                            .bind(&m.client_id)
                            .fetch_one(&mut *tx)
                            .await?;
                        Stored { message: row.into(), fresh: false }
                    }
                };
                out.push(stored);
            }
            tx.commit().await?;
        });
        Ok(out)
    }

    /// Messages with id > `since`, oldest first, at most `limit`.
    pub async fn messages_after(
        &self,
        room: RoomId,
        since: MessageId,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let sql = format!("{SELECT} WHERE m.room_id = $1 AND m.id > $2 ORDER BY m.id ASC LIMIT $3");
        let rows: Vec<MessageRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(room.0)
                .bind(since.0)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The `limit` newest messages with id < `before` (all, when `None`),
    /// returned oldest first.
    pub async fn messages_before(
        &self,
        room: RoomId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let sql =
            format!("{SELECT} WHERE m.room_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3");
        let rows: Vec<MessageRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(room.0)
                .bind(before.map_or(i64::MAX, |b| b.0))
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        });
        let mut out: Vec<ChatMessage> = rows.into_iter().map(Into::into).collect();
        out.reverse();
        Ok(out)
    }

    /// One message and its author's id.
    pub async fn message(
        &self,
        id: MessageId,
    ) -> Result<Option<(ChatMessage, UserId)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            message: MessageRow,
            author_id: i64,
        }
        let sql = format!("{SELECT} WHERE m.id = $1").replacen(
            "m.edited_at",
            "m.edited_at, m.author_id",
            1,
        );
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        Ok(row.map(|r| (r.message.into(), UserId(r.author_id))))
    }

    /// Replaces a body; returns the time of the edit.
    pub async fn edit_message(
        &self,
        id: MessageId,
        body: &str,
    ) -> Result<DateTime<Utc>, StoreError> {
        let now = Utc::now();
        on_pool!(self, pool => {
            sqlx::query("UPDATE messages SET body = $1, edited_at = $2 WHERE id = $3")
                .bind(body)
                .bind(now)
                .bind(id.0)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(now)
    }

    pub async fn delete_message(&self, id: MessageId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM messages WHERE id = $1")
                .bind(id.0)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }
}
