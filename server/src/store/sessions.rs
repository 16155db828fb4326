//! Login sessions, stored by the SHA-256 of their token (see `auth::token`),
//! with what the sessions page shows of each: where it was started and when
//! it was last used.

use super::{on_pool, users::UserRow, BeginWrite, Store, StoreError};
use app::protocol::{SessionInfo, User, UserId, SESSION_ID_LEN};
use chrono::{DateTime, Utc};

/// Where a session was started, as the sessions page shows it.
#[derive(Debug, Clone, Default)]
pub struct SessionOrigin {
    pub ip: Option<String>,
    /// The `User-Agent` header as sent, cut to [`USER_AGENT_MAX`] characters.
    pub user_agent: Option<String>,
}

/// Longest `User-Agent` kept: real browsers send about 150 characters.
pub const USER_AGENT_MAX: usize = 256;

/// How stale a session's `last_seen_at` may get before a request refreshes
/// it: one write per session every few minutes instead of one per request
/// (on SQLite every write takes the database's only write lock).
pub const SEEN_EVERY: chrono::Duration = chrono::Duration::minutes(5);

/// Ends every session of a user (`$1`) but one (`$2`), answering the ended
/// sessions' digests: a password change, and "log out everywhere else".
const END_OTHERS: &str =
    "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash";

/// Most sessions the sessions page lists (newest first); more only when a
/// script logs in in a loop, and the oldest are the least interesting.
pub const LIST_LIMIT: i64 = 100;

#[derive(sqlx::FromRow)]
struct LiveSession {
    #[sqlx(flatten)]
    user: UserRow,
    last_seen_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    last_seen_at: Option<DateTime<Utc>>,
    user_agent: Option<String>,
    ip: Option<String>,
}

/// The public name of a session: the start of its token's digest. Enough to
/// tell one person's sessions apart, and no help in logging in (the digest is
/// of a 256-bit random token, and only part of it is shown).
pub fn session_id(token_hash: &str) -> &str {
    token_hash.get(..SESSION_ID_LEN).unwrap_or(token_hash)
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
        origin: &SessionOrigin,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let agent = origin
            .user_agent
            .as_deref()
            .map(|a| a.chars().take(USER_AGENT_MAX).collect::<String>());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, user_agent, ip, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $3)",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(now)
            .bind(expires_at)
            .bind(agent)
            .bind(origin.ip.as_deref())
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// The user of a live session; `None` when unknown or expired. Refreshes
    /// the session's `last_seen_at` when it is older than [`SEEN_EVERY`].
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let now = Utc::now();
        let row: Option<LiveSession> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.username, u.role, s.last_seen_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        if row.last_seen_at.is_none_or(|at| now - at >= SEEN_EVERY) {
            on_pool!(self, pool => {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash)
                    .execute(pool)
                    .await
                    .map(drop)?
            });
        }
        row.user.into_user().map(Some)
    }

    /// The live sessions of `user`, newest first; `current` marks the one
    /// with this digest.
    pub async fn list_sessions(
        &self,
        user: UserId,
        current: &str,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let rows: Vec<SessionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT token_hash, created_at, expires_at, last_seen_at, user_agent, ip
                 FROM sessions WHERE user_id = $1 AND expires_at > $2
                 ORDER BY created_at DESC LIMIT $3",
            )
            .bind(user.0)
            .bind(Utc::now())
            .bind(LIST_LIMIT)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| {
                let device = crate::auth::device::describe(r.user_agent.as_deref());
                SessionInfo {
                    id: session_id(&r.token_hash).to_owned(),
                    current: r.token_hash == current,
                    browser: device.browser,
                    os: device.os,
                    ip: r.ip,
                    created_at: r.created_at,
                    last_seen_at: r.last_seen_at.unwrap_or(r.created_at),
                    expires_at: r.expires_at,
                }
            })
            .collect())
    }

    /// Ends the sessions of `user` whose public id is `id` (one, unless two
    /// digests share their first [`SESSION_ID_LEN`] hex digits); answers the
    /// ended sessions' digests, empty when there was none.
    pub async fn end_session(&self, user: UserId, id: &str) -> Result<Vec<String>, StoreError> {
        // `LIKE` with a prefix of hex digits only (the caller checked), so no
        // pattern characters reach it.
        let pattern = format!("{id}%");
        let ended: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "DELETE FROM sessions WHERE user_id = $1 AND token_hash LIKE $2 RETURNING token_hash",
            )
            .bind(user.0)
            .bind(&pattern)
            .fetch_all(pool)
            .await?
        });
        Ok(ended)
    }

    /// Ends every session of `user` but `keep`; answers the ended digests.
    pub async fn end_other_sessions(
        &self,
        user: UserId,
        keep: &str,
    ) -> Result<Vec<String>, StoreError> {
        let ended: Vec<String> = on_pool!(self, pool => {
            sqlx::query_scalar(END_OTHERS)
                .bind(user.0)
                .bind(keep)
                .fetch_all(pool)
                .await?
        });
        Ok(ended)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }

    /// When a live session ends; `None` when unknown or already expired.
    pub async fn session_expiry(
        &self,
        token_hash: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<DateTime<Utc>> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(Utc::now())
                .fetch_optional(pool)
                .await?
        });
        Ok(at)
    }

    /// Sets a new password hash and ends every other session of the user, in
    /// one transaction; answers the ended sessions' token hashes (their
    /// sockets are closed by the caller).
    pub async fn change_password(
        &self,
        user: UserId,
        password_hash: &str,
        keep_session: &str,
    ) -> Result<Vec<String>, StoreError> {
        let ended: Vec<String> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                let ended: Vec<String> = sqlx::query_scalar(END_OTHERS)
                    .bind(user.0)
                    .bind(keep_session)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(ended)
            }
            .await?
        });
        Ok(ended)
    }

    /// The password hash of an account, by id.
    pub async fn password_hash(&self, user: UserId) -> Result<Option<String>, StoreError> {
        let hash: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(hash)
    }

    /// Deletes the sessions that expired before `now`; returns how many.
    pub async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }
}
