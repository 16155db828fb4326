//! Reactions: who reacted to a message with which emoji. Adding or taking
//! one back is a change of the message (its room's change counter moves, as
//! for an edit), so a client that was away gets the message's reactions
//! again when it resumes; history and replays carry them on each message.

use super::messages::record_change;
use super::{on_pool, BeginWrite, Store, StoreError};
use app::protocol::{ChangeId, ChatMessage, MessageId, Reaction, RoomId, UserId};
use std::collections::HashMap;

/// Messages' reactions are read in chunks of this many ids (one query each).
const IDS_PER_QUERY: usize = 500;

/// What [`Store::react`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reacted {
    /// The reaction was added or taken back: this change of this room.
    Changed(RoomId, ChangeId),
    /// It was already so (added twice, or taken back when absent).
    Unchanged,
    /// The message does not exist.
    NoMessage,
    /// Adding it would give the message more than `max_emoji` different emoji.
    TooMany,
}

impl Store {
    /// Adds (`on`) or takes back `user`'s reaction `emoji` to message `id`,
    /// allowing at most `max_emoji` different emoji on one message.
    pub async fn react(
        &self,
        id: MessageId,
        user: UserId,
        emoji: &str,
        on: bool,
        max_emoji: usize,
    ) -> Result<Reacted, StoreError> {
        let now = super::messages::now_ms();
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let room: Option<i64> = sqlx::query_scalar("SELECT room_id FROM messages WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            match room {
                None => Reacted::NoMessage,
                Some(room) => {
                    let changed = if on {
                        let kinds: Vec<String> = sqlx::query_scalar(
                            "SELECT DISTINCT emoji FROM message_reactions WHERE message_id = $1",
                        )
                        .bind(id.0)
                        .fetch_all(&mut *tx)
                        .await?;
                        if kinds.len() >= max_emoji && !kinds.iter().any(|k| k == emoji) {
                            return Ok(Reacted::TooMany);
                        }
                        sqlx::query(
                            "INSERT INTO message_reactions (message_id, user_id, emoji, reacted_at)
                             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(id.0)
                        .bind(user.0)
                        .bind(emoji)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                    } else {
                        sqlx::query(
                            "DELETE FROM message_reactions
                              WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                        )
                        .bind(id.0)
                        .bind(user.0)
                        .bind(emoji)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                    };
                    if changed == 0 {
                        Reacted::Unchanged
                    } else {
                        let change = record_change!(tx, room, id);
                        tx.commit().await?;
                        Reacted::Changed(RoomId(room), change)
                    }
                }
            }
        });
        Ok(done)
    }

    /// Fills in the reactions of `messages`: each emoji once, in the order it
    /// was first used, with who reacted in the order they did.
    pub async fn with_reactions(&self, messages: &mut [ChatMessage]) -> Result<(), StoreError> {
        if messages.is_empty() {
            return Ok(());
        }
        let mut found: HashMap<i64, Vec<Reaction>> = HashMap::new();
        for chunk in messages.chunks(IDS_PER_QUERY) {
            let rows: Vec<(i64, String, String)> = on_pool!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT r.message_id, r.emoji, u.username
                       FROM message_reactions r JOIN users u ON u.id = r.user_id
                      WHERE r.message_id IN (",
                );
                let mut ids = query.separated(", ");
                for m in chunk {
                    ids.push_bind(m.id.0);
                }
                // Times are one format on SQLite (the server's), so their
                // text sorts as they do; this is display order only.
                query.push(") ORDER BY r.message_id, r.reacted_at, r.user_id");
                query.build_query_as().fetch_all(pool).await?
            });
            for (message, emoji, user) in rows {
                let list = found.entry(message).or_default();
                match list.iter_mut().find(|r| r.emoji == emoji) {
                    Some(r) => r.users.push(user),
                    None => list.push(Reaction {
                        emoji,
                        users: vec![user],
                    }),
                }
            }
        }
        for m in messages {
            m.reactions = found.remove(&m.id.0).unwrap_or_default();
        }
        Ok(())
    }
}
