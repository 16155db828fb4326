//! Invite links: stored by the SHA-256 of their token (like sessions), with
//! how many accounts they may create, how many they did, and until when.
//! Taking a use happens inside the sign-up's own transaction (`users.rs`), so
//! the invite and the account it admits are written together or not at all.

use super::{on_pool, Store, StoreError};
use app::protocol::{Invite, InviteId, InviteState, UserId};
use chrono::{DateTime, Utc};

/// Most invites `list_invites` answers (newest first): a page is plenty for a
/// person reading it, and the answer stays bounded however many were made.
pub const LIST_LIMIT: i64 = 200;

/// Takes one use of a live invite: the `WHERE` re-checks every condition on
/// the row as it is when the update runs. On PostgreSQL a second transaction
/// updating the same row waits for the first and then re-evaluates the
/// condition against the committed row, so two sign-ups cannot both take the
/// last use; on SQLite the write lock serializes them outright.
pub(super) const TAKE_USE: &str = "UPDATE invites SET uses = uses + 1
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses
     RETURNING id";

/// What an invite looks like, for telling someone why it cannot be used.
pub(super) const BY_HASH: &str =
    "SELECT i.id, i.max_uses, i.uses, i.expires_at, i.created_at, u.username AS created_by, i.revoked_at
     FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.token_hash = $1";

const BY_ID: &str =
    "SELECT i.id, i.max_uses, i.uses, i.expires_at, i.created_at, u.username AS created_by, i.revoked_at
     FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.id = $1";

#[derive(sqlx::FromRow)]
pub(super) struct InviteRow {
    id: i64,
    max_uses: i64,
    uses: i64,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    created_by: Option<String>,
    revoked_at: Option<DateTime<Utc>>,
}

impl InviteRow {
    /// Revoked beats used up beats expired: the reason an admin acted on
    /// first is the one worth telling.
    pub(super) fn state(&self, now: DateTime<Utc>) -> InviteState {
        if self.revoked_at.is_some() {
            InviteState::Revoked
        } else if self.uses >= self.max_uses {
            InviteState::UsedUp
        } else if self.expires_at <= now {
            InviteState::Expired
        } else {
            InviteState::Valid
        }
    }

    fn into_invite(self, now: DateTime<Utc>) -> Invite {
        let state = self.state(now);
        Invite {
            id: InviteId(self.id),
            max_uses: self.max_uses,
            uses: self.uses,
            expires_at: self.expires_at,
            created_at: self.created_at,
            created_by: self.created_by,
            revoked_at: self.revoked_at,
            state,
        }
    }
}

impl Store {
    pub async fn create_invite(
        &self,
        token_hash: &str,
        max_uses: u32,
        expires_at: DateTime<Utc>,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Invite, StoreError> {
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO invites (token_hash, max_uses, expires_at, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(token_hash)
            .bind(i64::from(max_uses))
            .bind(expires_at)
            .bind(created_by.0)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        self.invite(InviteId(id), now)
            .await?
            .ok_or_else(|| StoreError::Config("a new invite vanished".into()))
    }

    pub async fn invite(
        &self,
        id: InviteId,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError> {
        let row: Option<InviteRow> = on_pool!(self, pool => {
            sqlx::query_as(BY_ID).bind(id.0).fetch_optional(pool).await?
        });
        Ok(row.map(|r| r.into_invite(now)))
    }

    /// The newest [`LIST_LIMIT`] invites, used and revoked ones included.
    pub async fn list_invites(&self, now: DateTime<Utc>) -> Result<Vec<Invite>, StoreError> {
        let rows: Vec<InviteRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT i.id, i.max_uses, i.uses, i.expires_at, i.created_at,
                        u.username AS created_by, i.revoked_at
                 FROM invites i LEFT JOIN users u ON u.id = i.created_by
                 ORDER BY i.id DESC LIMIT $1",
            )
            .bind(LIST_LIMIT)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|r| r.into_invite(now)).collect())
    }

    /// Revokes an invite; `None` when there is no such invite. Revoking twice
    /// keeps the first time.
    pub async fn revoke_invite(
        &self,
        id: InviteId,
        now: DateTime<Utc>,
    ) -> Result<Option<Invite>, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "UPDATE invites SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING id",
            )
            .bind(now)
            .bind(id.0)
            .fetch_optional(pool)
            .await?
        });
        match found {
            Some(_) => self.invite(id, now).await,
            None => Ok(None),
        }
    }

    /// The state of the invite with this token digest (`Unknown` when none has it).
    pub async fn invite_state(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<InviteState, StoreError> {
        let row: Option<InviteRow> = on_pool!(self, pool => {
            sqlx::query_as(BY_HASH).bind(token_hash).fetch_optional(pool).await?
        });
        Ok(row.map_or(InviteState::Unknown, |r| r.state(now)))
    }
}
