//! Login sessions, stored by the SHA-256 of their token (see `auth::token`).

use super::{on_pool, users::UserRow, Store, StoreError};
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
