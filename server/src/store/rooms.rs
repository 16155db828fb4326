//! Rooms and direct messages, who is in them with which role, and each
//! member's read marker.

use super::BeginWrite;
use super::{conflict, on_pool, Store, StoreError};
use app::protocol::{
    MessageId, ReadUpTo, RoomBan, RoomId, RoomKind, RoomMember, RoomRole, RoomSettings,
    RoomSummary, User, UserId, Visibility,
};
use app::text;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

// The CHECK constraints of the schema allow no other values than those the
// parsers know; should one appear anyway, it reads as the more restricted
// choice (private, a DM, a plain member), never as more access.
fn visibility(s: &str) -> Visibility {
    Visibility::parse(s).unwrap_or(Visibility::Private)
}

fn kind(s: &str) -> RoomKind {
    RoomKind::parse(s).unwrap_or(RoomKind::Dm)
}

fn room_role(s: &str) -> RoomRole {
    RoomRole::parse(s).unwrap_or(RoomRole::Member)
}

/// What a DM's `name` is made of: its participants' usernames, sorted, joined
/// by this. Usernames cannot contain it, so the name splits back into them.
const DM_NAME_SEPARATOR: &str = ", ";

/// The prefix of a DM's `name_key`: a control character, which no room name
/// may contain, so a DM never makes a room name look taken (and never reveals
/// itself through a 409 on a room of the same name).
const DM_NAME_KEY: &str = "\u{1}dm:";

/// A DM's key: its people's ids, sorted, joined by commas — the same for the
/// same people in any order.
fn dm_key(people: &[UserId]) -> String {
    let mut ids: Vec<i64> = people.iter().map(|u| u.0).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    joined: bool,
    unread: i64,
    last_message_id: Option<i64>,
    kind: String,
    visibility: String,
    role: Option<String>,
    topic: String,
    archived_at: Option<DateTime<Utc>>,
    muted_until: Option<DateTime<Utc>>,
}

impl From<SummaryRow> for RoomSummary {
    fn from(r: SummaryRow) -> Self {
        let kind = kind(&r.kind);
        let members = match kind {
            RoomKind::Dm => r.name.split(DM_NAME_SEPARATOR).map(str::to_owned).collect(),
            RoomKind::Room => Vec::new(),
        };
        RoomSummary {
            id: RoomId(r.id),
            name: r.name,
            created_at: r.created_at,
            joined: r.joined,
            unread: r.unread,
            mentions: 0,
            last_message_id: r.last_message_id.map(MessageId),
            visibility: visibility(&r.visibility),
            kind,
            role: r.role.as_deref().map(room_role),
            members,
            topic: r.topic,
            archived: r.archived_at.is_some(),
            // A mute that has run out is over; the row stays until the next.
            muted_until: r.muted_until.filter(|until| *until > Utc::now()),
        }
    }
}

/// Where one user stands in one room: what permission is decided from
/// (`rooms::Access`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub kind: RoomKind,
    pub visibility: Visibility,
    /// `None`: not a member.
    pub role: Option<RoomRole>,
    /// Archived: read-only for everyone.
    pub archived: bool,
    /// The user is muted here until then (possibly a time already past:
    /// compare with the clock).
    pub muted_until: Option<DateTime<Utc>>,
    /// The user is banned from the room.
    pub banned: bool,
}

/// Rooms as one user sees them. Unread counts others' messages past the
/// marker; a thread reply counts when it was also sent to the room, or when
/// the user follows its thread — wrote its parent, or replied in it before
/// (the browser's rule too, `Chat::follows_thread`). A mention in any reply
/// still counts as a mention.
const SUMMARY: &str = "
    SELECT r.id, r.name, r.created_at, r.kind, r.visibility, m.role,
           r.topic, r.archived_at, mu.muted_until,
           (m.user_id IS NOT NULL) AS joined,
           CASE WHEN m.user_id IS NULL THEN 0 ELSE
               (SELECT COUNT(*) FROM messages x
                 WHERE x.room_id = r.id AND x.id > m.last_read_id AND x.author_id <> $1
                       AND (x.thread_id IS NULL OR x.also_in_room
                            OR EXISTS (SELECT 1 FROM messages p
                                        WHERE p.id = x.thread_id AND p.author_id = $1)
                            OR EXISTS (SELECT 1 FROM thread_participants t
                                        WHERE t.parent_id = x.thread_id AND t.user_id = $1
                                              AND t.first_reply_id < x.id)))
           END AS unread,
           (SELECT MAX(x.id) FROM messages x WHERE x.room_id = r.id) AS last_message_id
      FROM rooms r
      LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $1
      LEFT JOIN room_mutes mu ON mu.room_id = r.id AND mu.user_id = $1";

/// Which rooms [`Store::list_rooms`] answers: those the user may see (public
/// rooms, and the private rooms and DMs they are a member of), narrowed so.
#[derive(Debug, Clone, Default)]
pub struct RoomPage {
    /// Rooms named after this one (case-insensitively); from the first if `None`.
    pub after: Option<String>,
    /// With `after`: the id of the room named `after`, so a DM and a room
    /// whose names are the same but for case (the one tie names allow) are
    /// paged exactly, ordered by id.
    pub after_id: Option<RoomId>,
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
pub(super) fn escape_like(s: &str) -> String {
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
    /// Creates a room and makes its creator its owner.
    pub async fn create_room(
        &self,
        name: &str,
        creator: UserId,
        visibility: Visibility,
    ) -> Result<RoomSummary, StoreError> {
        let now = Utc::now();
        let key = name.to_lowercase();
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rooms (name, name_key, sort_key, created_by, created_at, visibility, kind)
                 VALUES ($1, $2, $2, $3, $4, $5, 'room') RETURNING id",
            )
            .bind(name)
            .bind(&key)
            .bind(creator.0)
            .bind(now)
            .bind(visibility.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| conflict(e, "a room with this name exists"))?;
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at, role)
                 VALUES ($1, $2, 0, $3, 'owner')",
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
            visibility,
            kind: RoomKind::Room,
            role: Some(RoomRole::Owner),
            members: Vec::new(),
            topic: String::new(),
            archived: false,
            muted_until: None,
        })
    }

    /// The DM of exactly `people` (at least two, each once), made now if it
    /// does not exist yet: answers its id and whether it was made. Its key —
    /// the sorted ids — is unique, so concurrent opens of the same set make
    /// one room: the loser's insert does nothing and it reads the winner's.
    pub async fn open_dm(
        &self,
        people: &[User],
        opener: UserId,
    ) -> Result<(RoomId, bool), StoreError> {
        let ids: Vec<UserId> = people.iter().map(|u| u.id).collect();
        let dm_key = dm_key(&ids);
        let mut names: Vec<&str> = people.iter().map(|u| u.username.as_str()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        let name = names.join(DM_NAME_SEPARATOR);
        let now = Utc::now();
        let found: (i64, bool) = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // No conflict target: `dm_key` and `name_key` are unique
            // together (one is made from the other), whichever is checked
            // first.
            let made: Option<i64> = sqlx::query_scalar(
                "INSERT INTO rooms
                        (name, name_key, sort_key, created_by, created_at, visibility, kind, dm_key)
                 VALUES ($1, $2, $3, $4, $5, 'private', 'dm', $6)
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(&name)
            .bind(format!("{DM_NAME_KEY}{dm_key}"))
            .bind(name.to_lowercase())
            .bind(opener.0)
            .bind(now)
            .bind(&dm_key)
            .fetch_optional(&mut *tx)
            .await?;
            match made {
                Some(id) => {
                    for person in ids.iter().map(|u| u.0) {
                        sqlx::query(
                            "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at, role)
                             VALUES ($1, $2, 0, $3, 'member')",
                        )
                        .bind(id)
                        .bind(person)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    (id, true)
                }
                None => {
                    let id: i64 = sqlx::query_scalar("SELECT id FROM rooms WHERE dm_key = $1")
                        .bind(&dm_key)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    (id, false)
                }
            }
        });
        Ok((RoomId(found.0), found.1))
    }

    /// The DM of exactly these people, if they have one.
    pub async fn find_dm(&self, people: &[UserId]) -> Result<Option<RoomId>, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM rooms WHERE dm_key = $1")
                .bind(dm_key(people))
                .fetch_optional(pool)
                .await?
        });
        Ok(found.map(RoomId))
    }

    /// What kind of room `room` is and `user`'s role in it; `None` when there
    /// is no such room.
    pub async fn standing(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Standing>, StoreError> {
        type Row = (
            String,
            String,
            Option<String>,
            bool,
            Option<DateTime<Utc>>,
            bool,
        );
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.kind, r.visibility, m.role, (r.archived_at IS NOT NULL),
                        mu.muted_until, (b.user_id IS NOT NULL)
                   FROM rooms r
                   LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $2
                   LEFT JOIN room_mutes mu ON mu.room_id = r.id AND mu.user_id = $2
                   LEFT JOIN room_bans b ON b.room_id = r.id AND b.user_id = $2
                  WHERE r.id = $1",
            )
            .bind(room.0)
            .bind(user.0)
            .fetch_optional(pool)
            .await?
        });
        Ok(
            row.map(|(k, v, role, archived, muted_until, banned)| Standing {
                kind: kind(&k),
                visibility: visibility(&v),
                role: role.as_deref().map(room_role),
                archived,
                muted_until,
                banned,
            }),
        )
    }

    /// A room's name, topic and archived state.
    pub async fn room_settings(&self, room: RoomId) -> Result<Option<RoomSettings>, StoreError> {
        let row: Option<(String, String, bool)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT name, topic, (archived_at IS NOT NULL) FROM rooms WHERE id = $1",
            )
            .bind(room.0)
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(name, topic, archived)| RoomSettings {
            room,
            name,
            topic,
            archived,
        }))
    }

    /// Changes what is given of a room's name, topic and archived state (a
    /// name another room has: `Conflict`). Archiving an archived room keeps
    /// its first date. Answers the settings after the change.
    pub async fn update_room(
        &self,
        room: RoomId,
        name: Option<&str>,
        topic: Option<&str>,
        archived: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<Option<RoomSettings>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if let Some(name) = name {
                let key = name.to_lowercase();
                sqlx::query("UPDATE rooms SET name = $1, name_key = $2, sort_key = $2 WHERE id = $3")
                    .bind(name)
                    .bind(&key)
                    .bind(room.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, "a room with this name exists"))?;
            }
            if let Some(topic) = topic {
                sqlx::query("UPDATE rooms SET topic = $1 WHERE id = $2")
                    .bind(topic)
                    .bind(room.0)
                    .execute(&mut *tx)
                    .await?;
            }
            match archived {
                Some(true) => {
                    sqlx::query(
                        "UPDATE rooms SET archived_at = $1 WHERE id = $2 AND archived_at IS NULL",
                    )
                    .bind(now)
                    .bind(room.0)
                    .execute(&mut *tx)
                    .await?;
                }
                Some(false) => {
                    sqlx::query("UPDATE rooms SET archived_at = NULL WHERE id = $1")
                        .bind(room.0)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
            tx.commit().await?;
        });
        self.room_settings(room).await
    }

    /// Mutes `user` in `room` until `until` (replacing an earlier mute).
    pub async fn mute(
        &self,
        room: RoomId,
        user: UserId,
        until: DateTime<Utc>,
        by: UserId,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO room_mutes (room_id, user_id, muted_until, muted_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (room_id, user_id) DO UPDATE SET muted_until = excluded.muted_until, muted_by = excluded.muted_by",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(until)
            .bind(by.0)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Lifts `user`'s mute in `room`; false when there was none.
    pub async fn unmute(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.lift(
            "DELETE FROM room_mutes WHERE room_id = $1 AND user_id = $2",
            room,
            user,
        )
        .await
    }

    /// Runs one of the fixed `DELETE`s of a mute or a ban; true when it
    /// removed a row.
    async fn lift(
        &self,
        sql: &'static str,
        room: RoomId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let gone = on_pool!(self, pool => {
            sqlx::query(sql)
                .bind(room.0)
                .bind(user.0)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(gone == 1)
    }

    /// Bans `user` from `room` and ends their membership, in one
    /// transaction. Answers when they were banned (an earlier ban keeps its date).
    pub async fn ban(
        &self,
        room: RoomId,
        user: UserId,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, StoreError> {
        let banned_at = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO room_bans (room_id, user_id, banned_at, banned_by) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(now)
            .bind(by.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            let banned_at: DateTime<Utc> = sqlx::query_scalar(
                "SELECT banned_at FROM room_bans WHERE room_id = $1 AND user_id = $2",
            )
            .bind(room.0)
            .bind(user.0)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            banned_at
        });
        Ok(banned_at)
    }

    /// Lifts `user`'s ban from `room`; false when there was none.
    pub async fn unban(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.lift(
            "DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2",
            room,
            user,
        )
        .await
    }

    /// Who is banned from `room`, newest ban first.
    pub async fn room_bans(&self, room: RoomId) -> Result<Vec<RoomBan>, StoreError> {
        let rows: Vec<(i64, String, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.username, b.banned_at FROM room_bans b
                   JOIN users u ON u.id = b.user_id
                  WHERE b.room_id = $1 ORDER BY b.banned_at DESC, u.id",
            )
            .bind(room.0)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, username, banned_at)| RoomBan {
                id: UserId(id),
                username,
                banned_at,
            })
            .collect())
    }

    /// Makes `user` a member with `role`; false if they already were one
    /// (their role is left as it was).
    pub async fn add_member(
        &self,
        room: RoomId,
        user: UserId,
        role: RoomRole,
    ) -> Result<bool, StoreError> {
        let added = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at, role)
                 VALUES ($1, $2, 0, $3, $4) ON CONFLICT (room_id, user_id) DO NOTHING",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(Utc::now())
            .bind(role.as_str())
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(added == 1)
    }

    /// Sets a member's role; false if `user` is not a member.
    pub async fn set_member_role(
        &self,
        room: RoomId,
        user: UserId,
        role: RoomRole,
    ) -> Result<bool, StoreError> {
        let changed = on_pool!(self, pool => {
            sqlx::query("UPDATE room_members SET role = $3 WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user.0)
                .bind(role.as_str())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(changed == 1)
    }

    /// A room's members with their roles, by username.
    pub async fn room_members(&self, room: RoomId) -> Result<Vec<RoomMember>, StoreError> {
        let rows: Vec<(i64, String, String, Option<DateTime<Utc>>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.username, m.role, mu.muted_until FROM room_members m
                   JOIN users u ON u.id = m.user_id
                   LEFT JOIN room_mutes mu ON mu.room_id = m.room_id AND mu.user_id = m.user_id
                  WHERE m.room_id = $1 ORDER BY u.username_key",
            )
            .bind(room.0)
            .fetch_all(pool)
            .await?
        });
        let now = Utc::now();
        Ok(rows
            .into_iter()
            .map(|(id, username, role, muted_until)| RoomMember {
                id: UserId(id),
                username,
                role: room_role(&role),
                muted_until: muted_until.filter(|until| *until > now),
            })
            .collect())
    }

    /// One page of the rooms `user` may see — public rooms, and the private
    /// rooms and DMs they are a member of — ordered by name, with their
    /// membership, unread count and unread mentions: at most `page.limit`,
    /// those named after `page.after` (case-insensitively; see
    /// [`RoomPage::after_id`]), only joined or only other rooms if asked,
    /// only names containing `page.search`.
    pub async fn list_rooms(
        &self,
        user: &User,
        page: &RoomPage,
    ) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!(
            "{SUMMARY}
              WHERE (r.visibility = 'public' OR m.user_id IS NOT NULL)
                AND (r.sort_key > $2 OR (r.sort_key = $2 AND r.id > $6))
                AND ($3 IS NULL OR (m.user_id IS NOT NULL) = $3)
                AND ($4 IS NULL OR r.sort_key LIKE $4 ESCAPE '\\')
              ORDER BY r.sort_key, r.id LIMIT $5"
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
                .bind(page.after_id.map(|r| r.0))
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

    /// Ends `user`'s membership; false if they were not a member.
    pub async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        let removed = on_pool!(self, pool => {
            sqlx::query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
                .bind(room.0)
                .bind(user.0)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(removed == 1)
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
    ) -> Result<bool, StoreError> {
        let moved = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE room_members SET last_read_id = $3
                  WHERE room_id = $1 AND user_id = $2 AND last_read_id < $3",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(up_to.0)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(moved > 0)
    }

    /// Whether `user`'s reads in `room` are told to its members: they send
    /// receipts and the room has at most `max_members` members.
    pub async fn receipts_apply(
        &self,
        room: RoomId,
        user: UserId,
        max_members: i64,
    ) -> Result<bool, StoreError> {
        let applies: Option<bool> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT u.send_receipts
                        AND (SELECT COUNT(*) FROM room_members WHERE room_id = $1) <= $3
                   FROM users u WHERE u.id = $2",
            )
            .bind(room.0)
            .bind(user.0)
            .bind(max_members)
            .fetch_optional(pool)
            .await?
        });
        Ok(applies.unwrap_or(false))
    }

    /// How far each member of `room` who sends receipts has read (those who
    /// have read anything), or `None` when the room has more than
    /// `max_members` members.
    pub async fn read_markers(
        &self,
        room: RoomId,
        max_members: i64,
    ) -> Result<Option<Vec<ReadUpTo>>, StoreError> {
        let rows: Vec<(String, i64, bool)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.username, rm.last_read_id, u.send_receipts
                   FROM room_members rm JOIN users u ON u.id = rm.user_id
                  WHERE rm.room_id = $1
                  ORDER BY rm.user_id
                  LIMIT $2",
            )
            .bind(room.0)
            .bind(max_members + 1)
            .fetch_all(pool)
            .await?
        });
        if rows.len() as i64 > max_members {
            return Ok(None);
        }
        Ok(Some(
            rows.into_iter()
                .filter(|(_, id, sends)| *sends && *id > 0)
                .map(|(user, id, _)| ReadUpTo {
                    user,
                    id: MessageId(id),
                })
                .collect(),
        ))
    }
}
