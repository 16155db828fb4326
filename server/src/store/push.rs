//! Announcements and their receipts: who got one (live or from the inbox), who
//! saw it, who dismissed it. Who an announcement is for is decided here, in SQL,
//! so the inbox and the receipts agree with live delivery.

use super::BeginWrite;
use super::{on_pool, Store, StoreError};
use app::protocol::{
    Announcement, AnnouncementId, AnnouncementStats, ApiKeyId, InboxEntry, OccurrenceId, RoomId,
    ScheduleId, Severity, Target, UserId,
};
use chrono::{DateTime, Utc};

/// Who sent an announcement or made a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Admin(UserId),
    Key(ApiKeyId),
}

impl Author {
    pub(super) fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            Author::Admin(u) => (Some(u.0), None),
            Author::Key(k) => (None, Some(k.0)),
        }
    }
}

/// An announcement to store, already rendered and validated.
#[derive(Debug, Clone)]
pub struct NewAnnouncement {
    pub title: Option<String>,
    pub body_html: String,
    pub severity: Severity,
    pub target: Target,
    pub author: Author,
    pub schedule: Option<ScheduleId>,
    pub due_at: Option<DateTime<Utc>>,
    pub late: bool,
}

/// A target as its two columns.
pub(super) fn target_columns(t: Target) -> (&'static str, Option<i64>) {
    match t {
        Target::All => ("all", None),
        Target::Room { room } => ("room", Some(room.0)),
        Target::User { user } => ("user", Some(user.0)),
        Target::Agents => ("agents", None),
        Target::Visitors => ("visitors", None),
    }
}

pub(super) fn target_from(kind: &str, id: Option<i64>) -> Result<Target, StoreError> {
    let bad = || {
        StoreError::Database(sqlx::Error::Decode(
            format!("bad target {kind} {id:?}").into(),
        ))
    };
    Ok(match (kind, id) {
        ("all", _) => Target::All,
        ("room", Some(id)) => Target::Room { room: RoomId(id) },
        ("user", Some(id)) => Target::User { user: UserId(id) },
        ("agents", _) => Target::Agents,
        ("visitors", _) => Target::Visitors,
        _ => return Err(bad()),
    })
}

pub(super) fn severity_from(s: &str) -> Result<Severity, StoreError> {
    Severity::parse(s).ok_or_else(|| {
        StoreError::Database(sqlx::Error::Decode(format!("bad severity {s:?}").into()))
    })
}

#[derive(sqlx::FromRow)]
struct AnnouncementRow {
    id: i64,
    occurrence_id: Option<i64>,
    title: Option<String>,
    body_html: String,
    severity: String,
    target_kind: String,
    target_id: Option<i64>,
    due_at: Option<DateTime<Utc>>,
    sent_at: DateTime<Utc>,
    late: bool,
}

impl AnnouncementRow {
    fn into_announcement(self) -> Result<Announcement, StoreError> {
        Ok(Announcement {
            id: AnnouncementId(self.id),
            occurrence: self.occurrence_id.map(OccurrenceId),
            title: self.title,
            body_html: self.body_html,
            severity: severity_from(&self.severity)?,
            target: target_from(&self.target_kind, self.target_id)?,
            due_at: self.due_at,
            sent_at: self.sent_at,
            late: self.late,
        })
    }
}

const A_COLUMNS: &str = "a.id, a.occurrence_id, a.title, a.body_html, a.severity, a.target_kind,
                         a.target_id, a.due_at, a.sent_at, a.late";

/// The announcements user `$1` is a target of (`$2`: whether the user is an agent or admin).
const FOR_USER: &str = "(a.target_kind = 'all'
      OR (a.target_kind = 'user' AND a.target_id = $1)
      OR (a.target_kind = 'agents' AND $2)
      OR (a.target_kind = 'room' AND EXISTS
            (SELECT 1 FROM room_members m WHERE m.room_id = a.target_id AND m.user_id = $1)))";

/// Most rows of one multi-row INSERT (3 parameters each; SQLite allows 32,766).
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Stores an immediate announcement (scheduled ones are stored by
    /// [`Store::claim_occurrence`], in the claim's transaction).
    pub async fn insert_announcement(
        &self,
        a: &NewAnnouncement,
        now: DateTime<Utc>,
    ) -> Result<Announcement, StoreError> {
        let stored = on_pool!(self, pool => insert_announcement!(pool, a, None, now));
        Ok(stored)
    }

    /// The announcement with its receipt counts.
    pub async fn announcement_stats(
        &self,
        id: AnnouncementId,
    ) -> Result<Option<AnnouncementStats>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            a: AnnouncementRow,
            delivered: i64,
            seen: i64,
        }
        let sql = format!(
            "SELECT {A_COLUMNS},
                    (SELECT COUNT(*) FROM announcement_receipts r WHERE r.announcement_id = a.id) AS delivered,
                    (SELECT COUNT(*) FROM announcement_receipts r
                      WHERE r.announcement_id = a.id AND r.seen_at IS NOT NULL) AS seen
               FROM announcements a WHERE a.id = $1"
        );
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.map(|r| {
            Ok(AnnouncementStats {
                announcement: r.a.into_announcement()?,
                delivered: r.delivered,
                seen: r.seen,
            })
        })
        .transpose()
    }

    /// Notes that these users received an announcement (live). Repeats are ignored.
    pub async fn record_deliveries(
        &self,
        id: AnnouncementId,
        users: &[UserId],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let pairs: Vec<(i64, i64)> = users.iter().map(|u| (id.0, u.0)).collect();
        self.insert_receipts(&pairs, now).await
    }

    async fn insert_receipts(
        &self,
        pairs: &[(i64, i64)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if pairs.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in pairs.chunks(ROWS_PER_INSERT) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO announcement_receipts (announcement_id, user_id, delivered_at)
                     VALUES {} ON CONFLICT DO NOTHING",
                    values.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (a, u) in chunk {
                    q = q.bind(*a).bind(*u).bind(now);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user's inbox: the newest `limit` announcements they are a target of,
    /// with their own seen and dismissed marks. Fetching them counts as delivery.
    pub async fn inbox(
        &self,
        user: UserId,
        is_agent: bool,
        limit: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<InboxEntry>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            a: AnnouncementRow,
            seen_at: Option<DateTime<Utc>>,
            dismissed_at: Option<DateTime<Utc>>,
        }
        let sql = format!(
            "SELECT {A_COLUMNS}, r.seen_at, r.dismissed_at
               FROM announcements a
               LEFT JOIN announcement_receipts r ON r.announcement_id = a.id AND r.user_id = $1
              WHERE {FOR_USER}
              ORDER BY a.id DESC LIMIT $3"
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(user.0)
                .bind(is_agent)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        });
        let pairs: Vec<(i64, i64)> = rows.iter().map(|r| (r.a.id, user.0)).collect();
        self.insert_receipts(&pairs, now).await?;
        rows.into_iter()
            .map(|r| {
                Ok(InboxEntry {
                    announcement: r.a.into_announcement()?,
                    seen: r.seen_at.is_some() || r.dismissed_at.is_some(),
                    dismissed: r.dismissed_at.is_some(),
                })
            })
            .collect()
    }

    /// Marks an announcement seen (and, with `dismiss`, dismissed) by a user.
    /// False when the user is not one of its targets (or it does not exist).
    pub async fn mark_seen(
        &self,
        id: AnnouncementId,
        user: UserId,
        is_agent: bool,
        dismiss: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let marked = self
            .mark_seen_all(&[id], user, is_agent, dismiss, now)
            .await?;
        Ok(!marked.is_empty())
    }

    /// [`Store::mark_seen`] for several announcements in one transaction (the
    /// inbox page marks all it lists at once); answers those that are the
    /// user's, in the order asked.
    pub async fn mark_seen_all(
        &self,
        ids: &[AnnouncementId],
        user: UserId,
        is_agent: bool,
        dismiss: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<AnnouncementId>, StoreError> {
        let visible_sql =
            format!("SELECT a.id FROM announcements a WHERE a.id = $3 AND {FOR_USER}");
        let dismissed = dismiss.then_some(now);
        let mut marked = Vec::with_capacity(ids.len());
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for &id in ids {
            let visible: Option<i64> = sqlx::query_scalar(&visible_sql)
                .bind(user.0)
                .bind(is_agent)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            if visible.is_none() {
                continue;
            }
            sqlx::query(
                "INSERT INTO announcement_receipts
                        (announcement_id, user_id, delivered_at, seen_at, dismissed_at)
                 VALUES ($1, $2, $3, $3, $4)
                 ON CONFLICT (announcement_id, user_id) DO UPDATE
                    SET seen_at = COALESCE(announcement_receipts.seen_at, excluded.seen_at),
                        dismissed_at = COALESCE(announcement_receipts.dismissed_at, excluded.dismissed_at)",
            )
            .bind(id.0)
            .bind(user.0)
            .bind(now)
            .bind(dismissed)
            .execute(&mut *tx)
            .await?;
            marked.push(id);
            }
            tx.commit().await?;
        });
        Ok(marked)
    }

    /// The ids of a room's members (the targets of a room announcement).
    pub async fn room_member_ids(&self, room: RoomId) -> Result<Vec<UserId>, StoreError> {
        let ids: Vec<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT user_id FROM room_members WHERE room_id = $1")
                .bind(room.0)
                .fetch_all(pool)
                .await?
        });
        Ok(ids.into_iter().map(UserId).collect())
    }
}

/// Inserts an announcement on a given executor (a pool connection, or a claim's
/// transaction) and evaluates to the stored [`Announcement`]. A macro rather than
/// a function so the same text compiles for both backends inside `on_pool!`.
macro_rules! insert_announcement {
    ($conn:expr, $a:expr, $occurrence:expr, $now:expr) => {{
        let a: &$crate::store::NewAnnouncement = $a;
        let occurrence: Option<app::protocol::OccurrenceId> = $occurrence;
        let now: chrono::DateTime<chrono::Utc> = $now;
        let (kind, target_id) = $crate::store::push::target_columns(a.target);
        let (author_id, key_id) = a.author.columns();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO announcements (title, body_html, severity, target_kind, target_id,
                                        author_id, api_key_id, schedule_id, occurrence_id,
                                        due_at, sent_at, late)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(a.title.clone())
        .bind(a.body_html.clone())
        .bind(a.severity.as_str())
        .bind(kind)
        .bind(target_id)
        .bind(author_id)
        .bind(key_id)
        .bind(a.schedule.map(|s| s.0))
        .bind(occurrence.map(|o| o.0))
        .bind(a.due_at)
        .bind(now)
        .bind(a.late)
        .fetch_one($conn)
        .await?;
        app::protocol::Announcement {
            id: app::protocol::AnnouncementId(id),
            occurrence,
            title: a.title.clone(),
            body_html: a.body_html.clone(),
            severity: a.severity,
            target: a.target,
            due_at: a.due_at,
            sent_at: now,
            late: a.late,
        }
    }};
}
pub(crate) use insert_announcement;
