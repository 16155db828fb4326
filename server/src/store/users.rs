//! Accounts: creation (the very first one is made admin), look-ups, roles.

use super::{conflict, on_pool, Backend, BeginWrite, Store, StoreError};
use app::protocol::{Role, User, UserId};
use chrono::Utc;

/// PostgreSQL advisory-lock key that serializes sign-ups (any constant of our
/// own; `pg_advisory_xact_lock` takes a bigint).
const SIGN_UP_LOCK: i64 = 0x5357_4244_5355; // "SWBDSU"

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
}

impl UserRow {
    pub(super) fn into_user(self) -> Result<User, StoreError> {
        let role = Role::parse(&self.role).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Decode(
                format!("unknown role {:?} for user {}", self.role, self.id).into(),
            ))
        })?;
        Ok(User {
            id: UserId(self.id),
            username: self.username,
            role,
        })
    }
}

impl Store {
    /// Creates an account. The first account ever created becomes admin.
    ///
    /// The check and the insert are one statement in a write transaction. On
    /// SQLite that transaction holds the write lock, so sign-ups are serialized.
    /// On PostgreSQL two concurrent statements could each see an empty table
    /// (neither sees the other's uncommitted row), so sign-ups first take a
    /// transaction-scoped advisory lock: they are rare and the password hash
    /// dominates their cost anyway.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let postgres = matches!(self.backend, Backend::Postgres(_));
        let row: Result<UserRow, sqlx::Error> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                if postgres {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(SIGN_UP_LOCK)
                        .execute(&mut *tx)
                        .await?;
                }
                let row = sqlx::query_as(
                    "INSERT INTO users (username, username_key, password_hash, role, created_at)
                     SELECT $1, $2, $3,
                            CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'member' ELSE 'admin' END,
                            $4
                     RETURNING id, username, role",
                )
                .bind(username)
                .bind(username.to_lowercase())
                .bind(password_hash)
                .bind(Utc::now())
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row)
            }
            .await
        });
        row.map_err(|e| conflict(e, "username is taken"))?
            .into_user()
    }

    /// The account and its password hash, by username (any case).
    pub async fn user_with_hash(
        &self,
        username: &str,
    ) -> Result<Option<(User, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, username, role, password_hash FROM users WHERE username_key = $1",
            )
            .bind(username.to_lowercase())
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| Ok((r.user.into_user()?, r.password_hash)))
            .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, username, role FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::into_user).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, username, role FROM users ORDER BY username_key")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// Changes a user's role; `None` when there is no such user.
    pub async fn set_role(&self, id: UserId, role: Role) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as("UPDATE users SET role = $1 WHERE id = $2 RETURNING id, username, role")
                .bind(role.as_str())
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::into_user).transpose()
    }

    /// How many admins there are (an admin may not demote the last one).
    pub async fn admin_count(&self) -> Result<i64, StoreError> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'")
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }
}
