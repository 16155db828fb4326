//! The audit log: append-only rows (the schema's triggers refuse updates and
//! deletes), read newest first in pages.

use super::{on_pool, Store, StoreError};
use app::protocol::{AuditAction, AuditEntry, UserId};
use chrono::{DateTime, Utc};

/// One line to append. `actor` is who acted, `None` when nobody was logged in.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor: Option<(UserId, String)>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor_id: Option<i64>,
    actor: Option<String>,
    action: String,
    target: Option<String>,
    detail: Option<String>,
    ip: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id.map(UserId),
            actor: r.actor,
            action: AuditAction::parse(&r.action),
            target: r.target,
            detail: r.detail,
            ip: r.ip,
        }
    }
}

impl Store {
    pub async fn append_audit(&self, e: &NewAuditEntry) -> Result<(), StoreError> {
        let (actor_id, actor) = match &e.actor {
            Some((id, name)) => (Some(id.0), Some(name.as_str())),
            None => (None, None),
        };
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO audit_log (at, actor_id, actor, action, target, detail, ip)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.at)
            .bind(actor_id)
            .bind(actor)
            .bind(e.action.as_str())
            .bind(e.target.as_deref())
            .bind(e.detail.as_deref())
            .bind(e.ip.as_deref())
            .execute(pool)
            .await
            .map(drop)?
        });
        Ok(())
    }

    /// At most `limit` entries older than `before` (the newest when `None`),
    /// newest first.
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, at, actor_id, actor, action, target, detail, ip FROM audit_log
                 WHERE ($1 IS NULL OR id < $1) ORDER BY id DESC LIMIT $2",
            )
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}
