//! One-time password reset links an admin makes for an account (issue 13):
//! stored by the SHA-256 of their token like sessions, at most one per
//! account (a new link replaces the old), deleted when used. Using one sets
//! the password and ends every session of the account in one transaction.

use super::{on_pool, users::UserRow, users::USER_COLUMNS, BeginWrite, Store, StoreError};
use app::protocol::{User, UserId};
use chrono::{DateTime, Utc};

impl Store {
    /// Makes the account's reset link the one with this digest, replacing any
    /// earlier one.
    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        created_by: UserId,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO password_resets (token_hash, user_id, created_by, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash,
                     created_by = excluded.created_by, created_at = excluded.created_at,
                     expires_at = excluded.expires_at",
            )
            .bind(token_hash)
            .bind(user.0)
            .bind(created_by.0)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// The account a live reset link is for, and until when it works; `None`
    /// when the link is unknown, used, replaced or expired, or its account is
    /// deactivated.
    pub async fn password_reset(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, DateTime<Utc>)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            expires_at: DateTime<Utc>,
        }
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.username, u.role, (u.deactivated_at IS NOT NULL) AS deactivated,
                        r.expires_at
                 FROM password_resets r JOIN users u ON u.id = r.user_id
                 WHERE r.token_hash = $1 AND r.expires_at > $2 AND u.deactivated_at IS NULL",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| Ok((r.user.into_user()?, r.expires_at)))
            .transpose()
    }

    /// Uses a reset link: deletes it, sets the account's password and ends
    /// every session of the account, all or nothing. Answers the account and
    /// the ended sessions' digests (their sockets are closed by the caller);
    /// `None` when the link is not live or the account is deactivated.
    pub async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, Vec<String>)>, StoreError> {
        let done: Option<(UserRow, Vec<String>)> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2
                     RETURNING user_id",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(user) = user else { return Ok::<_, sqlx::Error>(None) };
                let row: Option<UserRow> = sqlx::query_as(&format!(
                    "UPDATE users SET password_hash = $1 WHERE id = $2 AND deactivated_at IS NULL
                     RETURNING {USER_COLUMNS}"
                ))
                .bind(password_hash)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
                // A deactivated account keeps its link unused (dropping the
                // transaction rolls the delete back).
                let Some(row) = row else { return Ok(None) };
                let ended: Vec<String> =
                    sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash")
                        .bind(user)
                        .fetch_all(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(Some((row, ended)))
            }
            .await?
        });
        done.map(|(row, ended)| Ok((row.into_user()?, ended)))
            .transpose()
    }
}
