//! Threads: a parent's repliers, a thread's replies a page at a time, and
//! the parent's state after a reply is deleted. Adding a reply updates its
//! parent inside the batch insert (`messages.rs`), with [`count_reply!`].
//! Who replied is kept in `thread_participants` (a row per person, with
//! their first reply), so listing them never reads the whole thread.

use super::{on_pool, Store, StoreError};
use app::protocol::{ChatMessage, MessageId, MAX_THREAD_PARTICIPANTS};
use std::collections::HashMap;

/// Most parents whose repliers one query reads.
const IDS_PER_QUERY: usize = 500;

/// The login names of who replied in `parent`'s thread, in the order of
/// their first reply, at most [`MAX_THREAD_PARTICIPANTS`]; evaluates to a
/// `Vec<String>`. A macro so the same text runs inside a transaction on
/// both backends (like `record_change!`).
macro_rules! thread_participants {
    ($tx:expr, $parent:expr) => {{
        let parent: MessageId = $parent;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT u.username FROM thread_participants t JOIN users u ON u.id = t.user_id
              WHERE t.parent_id = $1
              ORDER BY t.first_reply_id LIMIT $2",
        )
        .bind(parent.0)
        .bind(app::protocol::MAX_THREAD_PARTICIPANTS as i64)
        .fetch_all(&mut *$tx)
        .await?;
        names
    }};
}
pub(super) use thread_participants;

/// Counts reply `$reply` (just inserted) on its parent `$parent`, inside
/// the insert's transaction: the parent's count and last reply move and it
/// takes a change id, like a reaction. Evaluates to the parent's
/// `Option<ThreadState>`: `None` when the parent was deleted after the reply
/// was checked, and then the reply stays in the room as a plain message.
macro_rules! count_reply {
    ($tx:expr, $room:expr, $parent:expr, $reply:expr, $now:expr) => {{
        let room: RoomId = $room;
        let parent: MessageId = $parent;
        let counted: Option<i32> = sqlx::query_scalar(
            "UPDATE messages SET reply_count = reply_count + 1, last_reply_at = $1
              WHERE id = $2 AND room_id = $3 AND thread_id IS NULL
              RETURNING reply_count",
        )
        .bind($now)
        .bind(parent.0)
        .bind(room.0)
        .fetch_optional(&mut *$tx)
        .await?;
        match counted {
            Some(replies) => {
                let change = record_change!($tx, room.0, parent);
                sqlx::query(
                    "INSERT INTO thread_participants (parent_id, user_id, first_reply_id)
                     SELECT $1, author_id, id FROM messages WHERE id = $2
                     ON CONFLICT (parent_id, user_id) DO NOTHING",
                )
                .bind(parent.0)
                .bind($reply)
                .execute(&mut *$tx)
                .await?;
                let participants = thread_participants!($tx, parent);
                Some(ThreadState {
                    room,
                    id: parent,
                    replies: replies.max(0) as u32,
                    last_reply_at: Some($now),
                    participants,
                    change,
                })
            }
            None => {
                sqlx::query(
                    "UPDATE messages SET thread_id = NULL, also_in_room = FALSE WHERE id = $1",
                )
                .bind($reply)
                .execute(&mut *$tx)
                .await?;
                None
            }
        }
    }};
}
pub(super) use count_reply;

impl Store {
    /// Fills in `participants` of the messages that have replies.
    pub async fn with_participants(&self, messages: &mut [ChatMessage]) -> Result<(), StoreError> {
        let parents: Vec<i64> = messages
            .iter()
            .filter(|m| m.replies > 0)
            .map(|m| m.id.0)
            .collect();
        if parents.is_empty() {
            return Ok(());
        }
        let mut found: HashMap<i64, Vec<String>> = HashMap::new();
        for chunk in parents.chunks(IDS_PER_QUERY) {
            let rows: Vec<(i64, String)> = on_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT t.parent_id, u.username
                       FROM thread_participants t JOIN users u ON u.id = t.user_id
                      WHERE t.parent_id IN (",
                );
                let mut ids = query.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                query.push(") ORDER BY t.parent_id, t.first_reply_id");
                query.build_query_as().fetch_all(pool).await?
            });
            for (parent, name) in rows {
                let list = found.entry(parent).or_default();
                if list.len() < MAX_THREAD_PARTICIPANTS {
                    list.push(name);
                }
            }
        }
        for m in messages.iter_mut().filter(|m| m.replies > 0) {
            m.participants = found.remove(&m.id.0).unwrap_or_default();
        }
        Ok(())
    }

    /// The `limit` newest replies in `parent`'s thread with id < `before`
    /// (all, when `None`), oldest first, with their reactions and files.
    pub async fn thread_replies(
        &self,
        parent: MessageId,
        before: Option<MessageId>,
        limit: usize,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        self.page_below("m.thread_id = $1", parent.0, before, limit)
            .await
    }
}
