//! API keys for other services: stored as SHA-256 hashes with a name, when they
//! were created and last used, and whether they were revoked.

use super::{on_pool, Store, StoreError};
use app::protocol::{ApiKey, ApiKeyId, UserId};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: ApiKeyId(r.id),
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const COLUMNS: &str = "id, name, created_at, last_used_at, revoked_at";

impl Store {
    pub async fn create_api_key(
        &self,
        name: &str,
        key_hash: &str,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, StoreError> {
        let sql = format!(
            "INSERT INTO api_keys (name, key_hash, created_by, created_at)
             VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
        );
        let row: KeyRow = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(name)
                .bind(key_hash)
                .bind(created_by.0)
                .bind(now)
                .fetch_one(pool)
                .await?
        });
        Ok(row.into())
    }

    /// Every key, revoked ones included, newest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY id DESC");
        let rows: Vec<KeyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Revokes a key; `None` when there is no such key. Revoking twice keeps
    /// the first revocation time.
    pub async fn revoke_api_key(
        &self,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, StoreError> {
        let sql = format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2
             RETURNING {COLUMNS}"
        );
        let row: Option<KeyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(now).bind(id.0).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// The live (not revoked) key with this hash, marking it used now.
    pub async fn use_api_key(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, StoreError> {
        let sql = format!(
            "UPDATE api_keys SET last_used_at = $1 WHERE key_hash = $2 AND revoked_at IS NULL
             RETURNING {COLUMNS}"
        );
        let row: Option<KeyRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(now).bind(key_hash).fetch_optional(pool).await?
        });
        Ok(row.map(Into::into))
    }

    /// Whether a key exists and is not revoked (checked again when a schedule
    /// it created fires).
    pub async fn api_key_live(&self, id: ApiKeyId) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
                .bind(id.0)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }
}
