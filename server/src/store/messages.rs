//! Chat messages: batched inserts with `client_id` deduplication, history in
//! both directions, edits and deletes, and the per-room change counter that
//! lets a reconnecting client catch up on edits and deletes it missed.

use super::files::{attach_files, Uploader};
use super::threads::{count_reply, thread_participants};
use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use app::protocol::{ChangeId, ChatMessage, FileInfo, MessageId, RoomId, ThreadState, UserId};
use chrono::{DateTime, Timelike, Utc};

/// The time now, to the millisecond: what a message's times are stored and
/// sent as. Finer than anyone reads them, and nanoseconds made every
/// `message` frame six bytes longer for each of a room's recipients (and
/// PostgreSQL keeps microseconds, so a live frame and the same message read
/// back differed).
pub fn now_ms() -> DateTime<Utc> {
    let now = Utc::now();
    now.with_nanosecond(now.nanosecond() / 1_000_000 * 1_000_000)
        .unwrap_or(now)
}

/// What a message is found by: its text and its files' names.
fn searchable(m: &NewMessage) -> String {
    terms_with_files(&m.body, m.files.iter().map(|f| f.name.as_str()))
}

/// The search terms of `body` and of the names of the message's files.
fn terms_with_files<'a>(body: &str, names: impl Iterator<Item = &'a str>) -> String {
    let mut text = body.to_owned();
    for name in names {
        text.push(' ');
        text.push_str(&name.replace(['.', '_', '-'], " "));
    }
    crate::search::terms::terms(&text)
}

/// A message to store, already validated.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room: RoomId,
    pub author: UserId,
    pub author_name: String,
    pub body: String,
    pub client_id: String,
    /// Uploads to attach, checked to be the author's and unsent
    /// (`files::attachable`); empty for almost every message.
    pub files: Vec<FileInfo>,
    /// A reply: its thread's parent, checked to be a message of the same
    /// room that is not a reply (`chat::ChatSession::post`).
    pub thread: Option<MessageId>,
    /// A reply also shown in the room.
    pub also_in_room: bool,
}

/// A message's state after its newest change, as a resume replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Edited {
        change: ChangeId,
        message: ChatMessage,
    },
    Deleted {
        change: ChangeId,
        room: RoomId,
        id: MessageId,
    },
}

/// What [`Store::delete_message`] did, in the order to tell the room:
/// the replies that went with a parent, the message, then a reply's parent
/// as it now is.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub room: RoomId,
    pub change: ChangeId,
    /// A parent's replies, deleted with it, each with its change.
    pub replies: Vec<(MessageId, ChangeId)>,
    /// A reply's parent after the reply left.
    pub thread: Option<ThreadState>,
}

/// The stored form of a [`NewMessage`]. `fresh` is false when the same
/// `(author, client_id)` was stored before: then `message` is that earlier one.
#[derive(Debug, Clone)]
pub struct Stored {
    pub message: ChatMessage,
    pub fresh: bool,
    /// The files attached inside the transaction (moved into `message`
    /// before it is returned).
    files: Vec<FileInfo>,
    /// A fresh reply: its thread's parent as it now is, to publish after
    /// the message.
    pub thread: Option<ThreadState>,
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: i64,
    room_id: i64,
    author: String,
    body: String,
    client_id: String,
    sent_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    author_deactivated: bool,
    thread_id: Option<i64>,
    also_in_room: bool,
    reply_count: i32,
    last_reply_at: Option<DateTime<Utc>>,
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
            author_deactivated: r.author_deactivated,
            reactions: Vec::new(),
            files: Vec::new(),
            thread: r.thread_id.map(MessageId),
            also_in_room: r.also_in_room,
            replies: r.reply_count.max(0) as u32,
            last_reply_at: r.last_reply_at,
            participants: Vec::new(),
        }
    }
}

pub(super) const SELECT: &str = "SELECT m.id, m.room_id, u.username AS author, m.body, m.client_id,
                             m.sent_at, m.edited_at,
                             (u.deactivated_at IS NOT NULL) AS author_deactivated,
                             m.thread_id, m.also_in_room, m.reply_count, m.last_reply_at
                        FROM messages m JOIN users u ON u.id = m.author_id";

/// What room history shows: messages that are not replies, and replies
/// also sent to the room.
const IN_ROOM: &str = "(m.thread_id IS NULL OR m.also_in_room)";

/// Inserts the rows of a batch of [`NewMessage`]s with one statement, all
/// at time `$now`, skipping any `(author, client_id)` stored before.
/// Evaluates to the new rows' ids by `(author, client_id)`. A macro so the
/// same text compiles for both backends inside `on_pool!`, on a pool or in a
/// transaction.
macro_rules! insert_rows {
    ($executor:expr, $batch:expr, $now:expr) => {{
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO messages (room_id, author_id, body, client_id, sent_at, terms, thread_id, also_in_room) ",
        );
        insert.push_values($batch, |mut row, m| {
            let m: &NewMessage = m.borrow();
            row.push_bind(m.room.0)
                .push_bind(m.author.0)
                .push_bind(m.body.as_str())
                .push_bind(m.client_id.as_str())
                .push_bind($now)
                .push_bind(searchable(m))
                .push_bind(m.thread.map(|t| t.0))
                .push_bind(m.thread.is_some() && m.also_in_room);
        });
        insert.push(
            " ON CONFLICT (author_id, client_id) DO NOTHING
              RETURNING id, author_id, client_id",
        );
        // Rows come back for what was inserted, in no promised order:
        // matched to the batch by (author, client_id), each used once.
        let inserted: std::collections::HashMap<(i64, String), i64> = insert
            .build_query_as::<(i64, i64, String)>()
            .fetch_all($executor)
            .await?
            .into_iter()
            .map(|(id, author, client_id)| ((author, client_id), id))
            .collect();
        inserted
    }};
}

/// The message stored before under `$m`'s `(author, client_id)`: a retried
/// send, or one sent twice in the same batch.
macro_rules! stored_before {
    ($executor:expr, $m:expr) => {{
        let m: &NewMessage = $m;
        let sql = format!("{SELECT} WHERE m.author_id = $1 AND m.client_id = $2");
        let row: MessageRow = sqlx::query_as(&sql)
            .bind(m.author.0)
            .bind(&m.client_id)
            .fetch_one($executor)
            .await?;
        Stored {
            message: row.into(),
            fresh: false,
            files: Vec::new(),
            thread: None,
        }
    }};
}

/// A message just stored as `id`.
fn fresh(
    m: &NewMessage,
    id: i64,
    now: DateTime<Utc>,
    thread: Option<ThreadState>,
    files: Vec<FileInfo>,
) -> Stored {
    // None when the parent went meanwhile.
    let parent = thread.as_ref().map(|t| t.id);
    Stored {
        thread,
        files,
        message: ChatMessage {
            room: m.room,
            id: MessageId(id),
            author: m.author_name.clone(),
            body: m.body.clone(),
            sent_at: now,
            edited_at: None,
            client_id: Some(m.client_id.clone()),
            // Who posts now is active.
            author_deactivated: false,
            also_in_room: parent.is_some() && m.also_in_room,
            thread: parent,
            ..Default::default()
        },
        fresh: true,
    }
}

/// Defines `$name`, which stores a batch of messages on one connection of
/// type `$conn`, opening its transactions with `$begin`: one text for both
/// backends, as `on_pool!` gives elsewhere, but on a connection, so that
/// ingest can keep one of its own ([`super::writer`]).
macro_rules! store_batch_on {
    ($name:ident, $conn:ty, $begin:literal) => {
        /// Stores `batch` on `c` (see [`Store::insert_messages`]). The files
        /// attached are still in `Stored::files`, and a retried send's earlier
        /// message has none yet: [`Store::finish_stored`] sees to both.
        pub(super) async fn $name<M>(c: &mut $conn, batch: &[M]) -> Result<Vec<Stored>, StoreError>
        where
            M: std::borrow::Borrow<NewMessage> + Sync,
        {
            let mut out = Vec::with_capacity(batch.len());
            if batch.is_empty() {
                return Ok(out);
            }
            // One timestamp and one INSERT for the batch. A statement per
            // message was a round trip each to SQLite's worker thread (two
            // context switches) or to PostgreSQL: the most of ingest's cost
            // per message.
            let now = now_ms();
            // Most batches are plain messages: their one INSERT is the whole
            // write, and a statement on its own commits atomically. Without
            // BEGIN and COMMIT that is one round trip to the database instead
            // of three, in a quiet chat (a message a batch) for every message
            // (docs/performance.md, "Session 29"). Replies and files change
            // other rows too, so they take a transaction.
            let plain = batch.iter().all(|m| {
                let m: &NewMessage = m.borrow();
                m.thread.is_none() && m.files.is_empty()
            });
            if plain {
                let mut inserted = insert_rows!(&mut *c, batch, now);
                for m in batch {
                    let m: &NewMessage = m.borrow();
                    out.push(match inserted.remove(&(m.author.0, m.client_id.clone())) {
                        Some(id) => fresh(m, id, now, None, Vec::new()),
                        None => stored_before!(&mut *c, m),
                    });
                }
                return Ok(out);
            }
            let mut tx = sqlx::Connection::begin_with(&mut *c, $begin).await?;
            let mut inserted = insert_rows!(&mut *tx, batch, now);
            for m in batch {
                let m: &NewMessage = m.borrow();
                out.push(match inserted.remove(&(m.author.0, m.client_id.clone())) {
                    Some(id) => {
                        let thread = match m.thread {
                            Some(parent) => count_reply!(tx, m.room, parent, id, now),
                            None => None,
                        };
                        let files = if m.files.is_empty() {
                            Vec::new()
                        } else {
                            attach_files!(
                                tx,
                                "message_id",
                                id,
                                &Uploader::User(m.author),
                                m.files,
                                now
                            )
                        };
                        fresh(m, id, now, thread, files)
                    }
                    None => stored_before!(&mut *tx, m),
                });
            }
            tx.commit().await?;
            Ok(out)
        }
    };
}

// BEGIN IMMEDIATE: see `super::BeginWrite`.
store_batch_on!(
    store_batch_sqlite,
    sqlx::SqliteConnection,
    "BEGIN IMMEDIATE"
);
store_batch_on!(store_batch_postgres, sqlx::PgConnection, "BEGIN");

impl Store {
    /// Stores a batch atomically (one fsync for the lot), in order, so ids
    /// follow the order of `batch`. A `(author, client_id)` seen before is
    /// not stored again; its earlier message comes back with `fresh: false`.
    ///
    /// Takes anything that borrows as a [`NewMessage`], so ingest can pass
    /// references into its queue instead of copying every body. Ingest
    /// itself stores through its own connection ([`super::MessageWriter`]).
    pub async fn insert_messages<M>(&self, batch: &[M]) -> Result<Vec<Stored>, StoreError>
    where
        M: std::borrow::Borrow<NewMessage> + Sync,
    {
        let out = match &self.backend {
            super::Backend::Sqlite(pool) => {
                store_batch_sqlite(&mut *pool.acquire().await?, batch).await?
            }
            super::Backend::Postgres(pool) => {
                store_batch_postgres(&mut *pool.acquire().await?, batch).await?
            }
        };
        self.finish_stored(out).await
    }

    /// Moves the attached files into their messages, and gives a retried
    /// send's earlier message its files.
    pub(super) async fn finish_stored(
        &self,
        mut out: Vec<Stored>,
    ) -> Result<Vec<Stored>, StoreError> {
        for stored in &mut out {
            stored.message.files = std::mem::take(&mut stored.files);
        }
        // A retried send answers with the message as stored, files and all.
        if out.iter().any(|s| !s.fresh) {
            let mut again: Vec<ChatMessage> = out
                .iter()
                .filter(|s| !s.fresh)
                .map(|s| s.message.clone())
                .collect();
            self.with_files(&mut again).await?;
            for (stored, message) in out.iter_mut().filter(|s| !s.fresh).zip(again) {
                stored.message = message;
            }
        }
        Ok(out)
    }

    /// Messages with id > `since`, oldest first, at most `limit`: thread
    /// replies too (a resume replays threads as it does the room).
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
        let mut out: Vec<ChatMessage> = rows.into_iter().map(Into::into).collect();
        self.with_reactions(&mut out).await?;
        self.with_files(&mut out).await?;
        self.with_participants(&mut out).await?;
        Ok(out)
    }

    /// Where a resume from `since` starts in a cluster: the oldest message of
    /// `room` up to `since` sent at most `window` before `since` was (`None`
    /// when `since` is gone). Ids are taken at commit on every node, so a
    /// message committed on one node just before `since` on another can reach
    /// a client after it — or, from a node that died, only through a resume;
    /// a client holding `since` may lack it.
    pub async fn resume_floor(
        &self,
        room: RoomId,
        since: MessageId,
        window: chrono::Duration,
    ) -> Result<Option<MessageId>, StoreError> {
        let sent: Option<DateTime<Utc>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT sent_at FROM messages WHERE id = $1 AND room_id = $2")
                .bind(since.0)
                .bind(room.0)
                .fetch_optional(pool)
                .await?
        });
        let Some(sent) = sent else {
            return Ok(None);
        };
        let floor: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MIN(id) FROM messages WHERE room_id = $1 AND id <= $2 AND sent_at >= $3",
            )
            .bind(room.0)
            .bind(since.0)
            .bind(sent - window)
            .fetch_one(pool)
            .await?
        });
        Ok(floor.map(MessageId))
    }

    /// The `limit` newest messages of the room's history (not thread
    /// replies, unless also sent to the room) with id < `before` (all, when
    /// `None`), returned oldest first.
    pub async fn messages_before(
        &self,
        room: RoomId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        self.page_below(
            &format!("m.room_id = $1 AND {IN_ROOM}"),
            room.0,
            before,
            limit,
        )
        .await
    }

    /// The `limit` newest messages matching `filter` (SQL over `m`, with
    /// `key` as `$1`) with id < `before` (all, when `None`), oldest first,
    /// with their reactions, files and repliers: a page of a room's history
    /// or of a thread.
    pub(super) async fn page_below(
        &self,
        filter: &str,
        key: i64,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        let sql = format!("{SELECT} WHERE {filter} AND m.id < $2 ORDER BY m.id DESC LIMIT $3");
        let rows: Vec<MessageRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(key)
                .bind(before.map_or(i64::MAX, |b| b.0))
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        });
        let mut out: Vec<ChatMessage> = rows.into_iter().map(Into::into).collect();
        out.reverse();
        self.with_reactions(&mut out).await?;
        self.with_files(&mut out).await?;
        self.with_participants(&mut out).await?;
        Ok(out)
    }

    /// One message (without its reactions and files) and its author's id.
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

    /// Replaces a body and records the change, in one transaction. Returns the
    /// room, the time of the edit and its change id; `None` if the message is
    /// gone (deleted since it was looked up).
    pub async fn edit_message(
        &self,
        id: MessageId,
        body: &str,
    ) -> Result<Option<(RoomId, DateTime<Utc>, ChangeId)>, StoreError> {
        let now = now_ms();
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Still found by its files' names after the edit.
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name FROM files WHERE message_id = $1 ORDER BY position")
                    .bind(id.0)
                    .fetch_all(&mut *tx)
                    .await?;
            let room: Option<i64> = sqlx::query_scalar(
                "UPDATE messages SET body = $1, edited_at = $2, terms = $4
                  WHERE id = $3 RETURNING room_id",
            )
            .bind(body)
            .bind(now)
            .bind(id.0)
            .bind(terms_with_files(body, names.iter().map(String::as_str)))
            .fetch_optional(&mut *tx)
            .await?;
            match room {
                // Dropping `tx` rolls back (nothing was written).
                None => None,
                Some(room) => {
                    let change = record_change!(tx, room, id);
                    tx.commit().await?;
                    Some((RoomId(room), now, change))
                }
            }
        });
        Ok(done)
    }

    /// Deletes a message and records the change, in one transaction; `None`
    /// if it was already gone. A parent's replies go with it (each a change
    /// of its own); a reply's parent is counted down (a change too).
    pub async fn delete_message(&self, id: MessageId) -> Result<Option<Deleted>, StoreError> {
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(i64, Option<i64>, i64)> = sqlx::query_as(
                "DELETE FROM messages WHERE id = $1 RETURNING room_id, thread_id, author_id",
            )
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                None => None,
                Some((room, parent, author)) => {
                    let mut replies = Vec::new();
                    if parent.is_none() {
                        let gone: Vec<i64> = sqlx::query_scalar(
                            "DELETE FROM messages WHERE thread_id = $1 RETURNING id",
                        )
                        .bind(id.0)
                        .fetch_all(&mut *tx)
                        .await?;
                        for reply in gone {
                            let reply = MessageId(reply);
                            replies.push((reply, record_change!(tx, room, reply)));
                        }
                        replies.sort();
                    }
                    let change = record_change!(tx, room, id);
                    let mut thread = None;
                    if let Some(parent) = parent.map(MessageId) {
                        // The newest reply left, or the last one's time if
                        // none is left.
                        let counted: Option<(i32, Option<DateTime<Utc>>)> = sqlx::query_as(
                            "UPDATE messages SET reply_count = reply_count - 1,
                                    last_reply_at = COALESCE(
                                        (SELECT MAX(r.sent_at) FROM messages r WHERE r.thread_id = $1),
                                        last_reply_at)
                              WHERE id = $1 RETURNING reply_count, last_reply_at",
                        )
                        .bind(parent.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some((count, last_reply_at)) = counted {
                            let change = record_change!(tx, room, parent);
                            // The author stays a participant from their
                            // first reply still there, or leaves the list.
                            sqlx::query(
                                "DELETE FROM thread_participants WHERE parent_id = $1 AND user_id = $2",
                            )
                            .bind(parent.0)
                            .bind(author)
                            .execute(&mut *tx)
                            .await?;
                            sqlx::query(
                                "INSERT INTO thread_participants (parent_id, user_id, first_reply_id)
                                 SELECT thread_id, author_id, MIN(id) FROM messages
                                  WHERE thread_id = $1 AND author_id = $2
                                  GROUP BY thread_id, author_id",
                            )
                            .bind(parent.0)
                            .bind(author)
                            .execute(&mut *tx)
                            .await?;
                            let participants = thread_participants!(tx, parent);
                            thread = Some(ThreadState {
                                room: RoomId(room),
                                id: parent,
                                replies: count.max(0) as u32,
                                last_reply_at,
                                participants,
                                change,
                            });
                        }
                    }
                    tx.commit().await?;
                    Some(Deleted { room: RoomId(room), change, replies, thread })
                }
            }
        });
        Ok(done)
    }

    /// The room's newest change id (0 before its first edit or delete).
    pub async fn last_change(&self, room: RoomId) -> Result<ChangeId, StoreError> {
        let last: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT last_change FROM rooms WHERE id = $1")
                .bind(room.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(ChangeId(last.unwrap_or(0)))
    }

    /// How many messages with id <= `up_to` changed after `after`, counting
    /// at most `cap` (a resume decides between a replay and a reset by it
    /// before reading the replay a chunk at a time).
    pub async fn count_changes_after(
        &self,
        room: RoomId,
        after: ChangeId,
        up_to: MessageId,
        cap: usize,
    ) -> Result<usize, StoreError> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT 1 FROM message_changes
                   WHERE room_id = $1 AND change_id > $2 AND message_id <= $3
                   LIMIT $4) AS c",
            )
            .bind(room.0)
            .bind(after.0)
            .bind(up_to.0)
            .bind(cap as i64)
            .fetch_one(pool)
            .await?
        });
        Ok(n as usize)
    }

    /// The current state of every message with id <= `up_to` whose newest
    /// change is after `after`, in change order, at most `limit`.
    ///
    /// Messages above `up_to` are left out: a resuming client gets those in
    /// the `history` itself, already in their current state.
    pub async fn changes_after(
        &self,
        room: RoomId,
        after: ChangeId,
        up_to: MessageId,
        limit: usize,
    ) -> Result<Vec<Change>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            change_id: i64,
            message_id: i64,
            // All NULL when the message is gone.
            author: Option<String>,
            body: Option<String>,
            client_id: Option<String>,
            sent_at: Option<DateTime<Utc>>,
            edited_at: Option<DateTime<Utc>>,
            author_deactivated: bool,
            thread_id: Option<i64>,
            also_in_room: Option<bool>,
            reply_count: Option<i32>,
            last_reply_at: Option<DateTime<Utc>>,
        }
        // A change row without its message is a delete; with it, the message's
        // current body (its newest change may be an edit after an edit).
        let sql = "SELECT c.change_id, c.message_id, u.username AS author,
                          m.body, m.client_id, m.sent_at, m.edited_at,
                          (u.deactivated_at IS NOT NULL) AS author_deactivated,
                          m.thread_id, m.also_in_room, m.reply_count, m.last_reply_at
                     FROM message_changes c
                     LEFT JOIN messages m ON m.id = c.message_id
                     LEFT JOIN users u ON u.id = m.author_id
                    WHERE c.room_id = $1 AND c.change_id > $2 AND c.message_id <= $3
                    ORDER BY c.change_id ASC
                    LIMIT $4";
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(room.0)
                .bind(after.0)
                .bind(up_to.0)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        });
        let mut changes: Vec<Change> = rows
            .into_iter()
            .map(|r| match (r.author, r.body, r.client_id, r.sent_at) {
                (Some(author), Some(body), Some(client_id), Some(sent_at)) => Change::Edited {
                    change: ChangeId(r.change_id),
                    message: ChatMessage {
                        room,
                        id: MessageId(r.message_id),
                        author,
                        body,
                        sent_at,
                        edited_at: r.edited_at,
                        client_id: Some(client_id),
                        author_deactivated: r.author_deactivated,
                        thread: r.thread_id.map(MessageId),
                        also_in_room: r.also_in_room.unwrap_or(false),
                        replies: r.reply_count.unwrap_or(0).max(0) as u32,
                        last_reply_at: r.last_reply_at,
                        ..Default::default()
                    },
                },
                _ => Change::Deleted {
                    change: ChangeId(r.change_id),
                    room,
                    id: MessageId(r.message_id),
                },
            })
            .collect();
        // A replayed message carries its reactions: adding or taking one back
        // is a change too.
        let mut edited: Vec<ChatMessage> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Edited { message, .. } => Some(message.clone()),
                Change::Deleted { .. } => None,
            })
            .collect();
        self.with_reactions(&mut edited).await?;
        self.with_files(&mut edited).await?;
        self.with_participants(&mut edited).await?;
        let mut edited = edited.into_iter();
        for c in &mut changes {
            if let Change::Edited { message, .. } = c {
                *message = edited.next().expect("one per edited change");
            }
        }
        Ok(changes)
    }
}

/// Takes the room's next change id and makes it `message`'s newest change;
/// evaluates to the [`ChangeId`]. Used inside the transaction that makes the
/// change: the counter's row lock (PostgreSQL) or the write lock (SQLite,
/// `BEGIN IMMEDIATE`) is held to the commit, so within a room change ids are
/// committed in order and without gaps; a rolled-back change takes its number
/// back with it. A macro rather than a function so the same text compiles for
/// both backends inside `on_pool!` (like `insert_announcement!`).
macro_rules! record_change {
    ($tx:expr, $room:expr, $message:expr) => {{
        let room: i64 = $room;
        let message: MessageId = $message;
        let change: i64 = sqlx::query_scalar(
            "UPDATE rooms SET last_change = last_change + 1 WHERE id = $1 RETURNING last_change",
        )
        .bind(room)
        .fetch_one(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO message_changes (message_id, room_id, change_id) VALUES ($1, $2, $3)
             ON CONFLICT (message_id) DO UPDATE SET change_id = excluded.change_id",
        )
        .bind(message.0)
        .bind(room)
        .bind(change)
        .execute(&mut *$tx)
        .await?;
        ChangeId(change)
    }};
}
pub(super) use record_change;
