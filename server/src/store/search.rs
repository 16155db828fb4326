//! Full-text search over chat messages: SQLite's FTS5 and PostgreSQL's text
//! search, each over the terms the server makes (`crate::search::terms`), and
//! the start-up pass that indexes messages stored before search existed.

use super::messages::MessageRow;
use super::{on_pool, Backend, Store, StoreError};
use app::protocol::{ChatMessage, MessageId, RoomId, UserId};
use chrono::{DateTime, Utc};

/// What narrows a search besides its words.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Only this room.
    pub room: Option<RoomId>,
    /// Only messages by this person.
    pub author: Option<UserId>,
    /// Only messages older than this one (the next page).
    pub before_id: Option<MessageId>,
    /// Only messages sent before this time.
    pub sent_before: Option<DateTime<Utc>>,
    /// Only messages sent at or after this time.
    pub sent_after: Option<DateTime<Utc>>,
    /// Only messages with files (`has=file`).
    pub has_file: bool,
}

/// How many unindexed messages one step of the start-up pass takes.
const INDEX_BATCH: i64 = 500;

impl Store {
    /// The newest messages matching a search, newest first, at most `limit`,
    /// from the rooms `reader` is a member of (the history's readers; see
    /// `rooms::RoomAction::ReadHistory`). `fts5` and `tsquery` are the same
    /// search in each database's syntax (`search::terms::Query`).
    pub async fn search_messages(
        &self,
        reader: UserId,
        fts5: &str,
        tsquery: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let before = filter.before_id.map_or(i64::MAX, |id| id.0);
        let rows: Vec<MessageRow> = match &self.backend {
            // The index is walked newest first and stops at `limit` rows that
            // pass the filters. Times are stored as RFC 3339 text: compared
            // as instants through julianday(), never as strings.
            Backend::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.id, m.room_id, u.username AS author, m.body, m.client_id,
                            m.sent_at, m.edited_at,
                            (u.deactivated_at IS NOT NULL) AS author_deactivated,
                            m.thread_id, m.also_in_room, m.reply_count, m.last_reply_at
                       FROM message_search s
                       JOIN messages m ON m.id = s.rowid
                       JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = $2
                       JOIN users u ON u.id = m.author_id
                      WHERE message_search MATCH $1
                        AND s.rowid < $3
                        AND ($4 IS NULL OR m.room_id = $4)
                        AND ($5 IS NULL OR m.author_id = $5)
                        AND ($6 IS NULL OR julianday(m.sent_at) < julianday($6))
                        AND ($7 IS NULL OR julianday(m.sent_at) >= julianday($7))
                        AND ($9 = FALSE OR EXISTS (SELECT 1 FROM files f WHERE f.message_id = m.id))
                      ORDER BY s.rowid DESC
                      LIMIT $8",
                )
                .bind(fts5)
                .bind(reader.0)
                .bind(before)
                .bind(filter.room.map(|r| r.0))
                .bind(filter.author.map(|a| a.0))
                .bind(filter.sent_before)
                .bind(filter.sent_after)
                .bind(limit as i64)
                .bind(filter.has_file)
                .fetch_all(pool)
                .await?
            }
            Backend::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT m.id, m.room_id, u.username AS author, m.body, m.client_id,
                            m.sent_at, m.edited_at,
                            (u.deactivated_at IS NOT NULL) AS author_deactivated,
                            m.thread_id, m.also_in_room, m.reply_count, m.last_reply_at
                       FROM messages m
                       JOIN room_members rm ON rm.room_id = m.room_id AND rm.user_id = $2
                       JOIN users u ON u.id = m.author_id
                      WHERE to_tsvector('simple', m.terms) @@ to_tsquery('simple', $1)
                        AND m.id < $3
                        AND ($4::BIGINT IS NULL OR m.room_id = $4)
                        AND ($5::BIGINT IS NULL OR m.author_id = $5)
                        AND ($6::TIMESTAMPTZ IS NULL OR m.sent_at < $6)
                        AND ($7::TIMESTAMPTZ IS NULL OR m.sent_at >= $7)
                        AND ($9 = FALSE OR EXISTS (SELECT 1 FROM files f WHERE f.message_id = m.id))
                      ORDER BY m.id DESC
                      LIMIT $8",
                )
                .bind(tsquery)
                // Planned with this search's values, every time: how many
                // messages hold a word decides between walking the newest
                // messages and reading the text index, and a cached generic
                // plan guesses (p95 over 300 ms on a million messages).
                .persistent(false)
                .bind(reader.0)
                .bind(before)
                .bind(filter.room.map(|r| r.0))
                .bind(filter.author.map(|a| a.0))
                .bind(filter.sent_before)
                .bind(filter.sent_after)
                .bind(limit as i64)
                .bind(filter.has_file)
                .fetch_all(pool)
                .await?
            }
        };
        let mut found: Vec<ChatMessage> = rows
            .into_iter()
            .map(|row| ChatMessage {
                // Only the sender's own copy carries it.
                client_id: None,
                ..row.into()
            })
            .collect();
        self.with_files(&mut found).await?;
        Ok(found)
    }

    /// Indexes one batch of the messages below `below` that have no terms
    /// yet (stored before search existed), newest first; returns the lowest
    /// id it looked at, to go on below, or `None` when none is left. Each
    /// batch is one transaction, so the pass can stop anywhere and resume.
    pub async fn index_unsearchable(&self, below: i64) -> Result<Option<i64>, StoreError> {
        use super::BeginWrite;
        let lowest = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, body FROM messages WHERE id < $1 AND terms IS NULL
                  ORDER BY id DESC LIMIT $2",
            )
            .bind(below)
            .bind(INDEX_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            for (id, body) in &rows {
                sqlx::query("UPDATE messages SET terms = $1 WHERE id = $2")
                    .bind(crate::search::terms::terms(body))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            rows.last().map(|(id, _)| *id)
        });
        Ok(lowest)
    }
}
