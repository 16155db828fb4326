//! Login sessions, stored by the SHA-256 of their token (see `auth::token`).

use super::{on_pool, users::UserRow, BeginWrite, Store, StoreError};
use app::protocol::{User, UserId};
use chrono::{DateTime, Utc};

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(Utc::now())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// The user of a live session; `None` when unknown or expired.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL",
            )
            .bind(token_hash)
            .bind(Utc::now())
            .fetch_optional(pool)
            .await?
        });
        row.map(UserRow::into_user).transpose()
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
                let ended: Vec<String> = sqlx::query_scalar(
                    "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash",
                )
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
