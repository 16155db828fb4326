//! Accounts: creation (the very first one is made admin; later ones are
//! admitted by the registration policy, in the same transaction), look-ups, roles.

use super::{conflict, invites, on_pool, Backend, BeginWrite, Store, StoreError};
use app::protocol::{InviteState, Role, User, UserId};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// PostgreSQL advisory-lock key that serializes sign-ups (any constant of our
/// own; `pg_advisory_xact_lock` takes a bigint).
const SIGN_UP_LOCK: i64 = 0x5357_4244_5355; // "SWBDSU"

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    /// Read where the query selects it ([`USER_COLUMNS`]); elsewhere the
    /// query itself only finds active accounts (a session's user).
    #[sqlx(default)]
    pub deactivated: bool,
}

/// The columns of a [`UserRow`], deactivation included.
pub(super) const USER_COLUMNS: &str =
    "id, username, role, (deactivated_at IS NOT NULL) AS deactivated";

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
            active: !self.deactivated,
        })
    }
}

/// What admits a sign-up once the first account exists, as the caller read
/// the registration policy. The very first account ignores it (see
/// [`Store::sign_up`]).
#[derive(Clone, Copy, Debug)]
pub enum Admission<'a> {
    /// Anyone may register (`open`).
    Open,
    /// One use of the invite whose token has this SHA-256 is taken with the
    /// account (`invite`); `None` when the request named no invite.
    Invite(Option<&'a str>),
    /// Nobody may register (`closed`).
    Closed,
    /// An admin creates the account, with this role.
    ByAdmin(Role),
}

/// Why a sign-up was turned away (nothing was written).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignUpRefusal {
    /// No account exists and this request may not make the first one.
    SetupRequired,
    Closed,
    InviteRequired,
    /// The invite cannot be used; never [`InviteState::Valid`].
    Invite(InviteState),
}

#[derive(Debug, Error)]
pub enum SignUpError {
    #[error("sign-up refused: {0:?}")]
    Refused(SignUpRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Creates an account. The first account ever created becomes admin.
    /// Same as [`Store::sign_up`] with [`Admission::Open`], for tools and tests.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        match self
            .sign_up(username, password_hash, Admission::Open, true, Utc::now())
            .await
        {
            Ok(user) => Ok(user),
            Err(SignUpError::Store(e)) => Err(e),
            Err(SignUpError::Refused(r)) => Err(StoreError::Config(format!(
                "an open sign-up was refused: {r:?}"
            ))),
        }
    }

    /// Creates an account if `admission` lets it in.
    ///
    /// When no account exists yet, this one becomes admin whatever the
    /// admission, provided `may_be_first` (the server runs on loopback, or the
    /// request carried the first-run setup token); otherwise it is refused
    /// with [`SignUpRefusal::SetupRequired`]. Later accounts are members (or
    /// the admin's choice) and need `admission`; an invite's use is taken in
    /// the same transaction as the insert, so a name that turns out to be
    /// taken does not use up the invite.
    ///
    /// Everything is one write transaction. On SQLite it holds the write lock,
    /// so sign-ups are serialized. On PostgreSQL two concurrent transactions
    /// could each see an empty table (neither sees the other's uncommitted
    /// row), so sign-ups first take a transaction-scoped advisory lock: they
    /// are rare and the password hash dominates their cost anyway.
    pub async fn sign_up(
        &self,
        username: &str,
        password_hash: &str,
        admission: Admission<'_>,
        may_be_first: bool,
        now: DateTime<Utc>,
    ) -> Result<User, SignUpError> {
        let postgres = matches!(self.backend, Backend::Postgres(_));
        let row: Result<Result<UserRow, SignUpRefusal>, sqlx::Error> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                if postgres {
                    sqlx::query("SELECT pg_advisory_xact_lock($1)")
                        .bind(SIGN_UP_LOCK)
                        .execute(&mut *tx)
                        .await?;
                }
                let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
                    .fetch_one(&mut *tx)
                    .await?;
                let role = match (any, admission) {
                    (_, Admission::ByAdmin(role)) => role,
                    (false, _) if may_be_first => Role::Admin,
                    (false, _) => return Ok(Err(SignUpRefusal::SetupRequired)),
                    (true, Admission::Open) => Role::Member,
                    (true, Admission::Closed) => return Ok(Err(SignUpRefusal::Closed)),
                    (true, Admission::Invite(None)) => {
                        return Ok(Err(SignUpRefusal::InviteRequired))
                    }
                    (true, Admission::Invite(Some(hash))) => {
                        let taken: Option<i64> = sqlx::query_scalar(invites::TAKE_USE)
                            .bind(hash)
                            .bind(now)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if taken.is_none() {
                            let invite: Option<invites::InviteRow> =
                                sqlx::query_as(invites::BY_HASH)
                                    .bind(hash)
                                    .fetch_optional(&mut *tx)
                                    .await?;
                            let state = invite.map_or(InviteState::Unknown, |i| i.state(now));
                            // The update found nothing to take, so the row
                            // (if any) is not usable; say so even if the
                            // clock moved between the two statements.
                            let state = match state {
                                InviteState::Valid => InviteState::Expired,
                                other => other,
                            };
                            return Ok(Err(SignUpRefusal::Invite(state)));
                        }
                        Role::Member
                    }
                };
                let row = sqlx::query_as(
                    "INSERT INTO users (username, username_key, password_hash, role, created_at)
                     VALUES ($1, $2, $3, $4, $5)
                     RETURNING id, username, role, FALSE AS deactivated",
                )
                .bind(username)
                .bind(username.to_lowercase())
                .bind(password_hash)
                .bind(role.as_str())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Ok(row))
            }
            .await
        });
        match row.map_err(|e| conflict(e, "username is taken"))? {
            Ok(row) => Ok(row.into_user()?),
            Err(refusal) => Err(SignUpError::Refused(refusal)),
        }
    }

    /// Whether any account exists (a fresh install has none).
    pub async fn has_users(&self) -> Result<bool, StoreError> {
        let any: bool = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
                .fetch_one(pool)
                .await?
        });
        Ok(any)
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
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS}, password_hash FROM users WHERE username_key = $1"
            ))
            .bind(username.to_lowercase())
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| Ok((r.user.into_user()?, r.password_hash)))
            .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::into_user).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username_key"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// Changes a user's role; `None` when there is no such user.
    pub async fn set_role(&self, id: UserId, role: Role) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "UPDATE users SET role = $1 WHERE id = $2 RETURNING {USER_COLUMNS}"
            ))
                .bind(role.as_str())
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        row.map(UserRow::into_user).transpose()
    }

    /// Deactivates an account (ending every session it has, in the same
    /// transaction, so its tokens answer 401 at once) or reactivates it;
    /// `None` when there is no such user. Deactivating an inactive account
    /// keeps its first `deactivated_at`.
    pub async fn set_active(
        &self,
        id: UserId,
        active: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                let sql = if active {
                    format!("UPDATE users SET deactivated_at = NULL WHERE id = $1 RETURNING {USER_COLUMNS}")
                } else {
                    format!(
                        "UPDATE users SET deactivated_at = COALESCE(deactivated_at, $2)
                         WHERE id = $1 RETURNING {USER_COLUMNS}"
                    )
                };
                let mut query = sqlx::query_as(&sql).bind(id.0);
                if !active {
                    query = query.bind(now);
                }
                let row: Option<UserRow> = query.fetch_optional(&mut *tx).await?;
                if row.is_some() && !active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok::<_, sqlx::Error>(row)
            }
            .await?
        });
        row.map(UserRow::into_user).transpose()
    }

    /// Active accounts whose name contains `search` (any case), by name, at
    /// most `limit`: the people directory every member may search.
    pub async fn search_people(&self, search: &str, limit: i64) -> Result<Vec<User>, StoreError> {
        let pattern = format!("%{}%", super::rooms::escape_like(&search.to_lowercase()));
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {USER_COLUMNS} FROM users
                 WHERE deactivated_at IS NULL AND username_key LIKE $1 ESCAPE '\\'
                 ORDER BY username_key LIMIT $2"
            ))
            .bind(&pattern)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(UserRow::into_user).collect()
    }

    /// How many active admins there are (an admin may not demote or
    /// deactivate the last one).
    pub async fn admin_count(&self) -> Result<i64, StoreError> {
        let n: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL",
            )
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }
}
