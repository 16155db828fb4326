//! Scheduled announcements and their occurrences.
//!
//! An occurrence is claimed with one conditional UPDATE of its schedule (it
//! names the schedule's `next_run` and `revision` as read) plus an INSERT under
//! the unique `(schedule_id, due_at)` key, in one transaction with the
//! announcement it produces. Only one claimer can win, on SQLite as on
//! PostgreSQL, with several nodes as with one; an edit that lands first makes
//! the claim lose and the scheduler reads the schedule again.

use super::push::{insert_announcement, severity_from, target_columns, target_from, Author};
use super::BeginWrite;
use super::{on_pool, NewAnnouncement, Store, StoreError};
use app::protocol::{
    Announcement, AnnouncementId, ApiKeyId, Occurrence, OccurrenceId, OccurrenceStatus, Repeat,
    ScheduleId, ScheduleStatus, Severity, Target, UserId,
};
use chrono::{DateTime, Utc};

/// What a schedule says, validated; written on create and on every edit.
#[derive(Debug, Clone)]
pub struct ScheduleFields {
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
    pub severity: Severity,
    pub target: Target,
    pub at: DateTime<Utc>,
    pub zone: String,
    pub repeat: Option<Repeat>,
    pub until: Option<DateTime<Utc>>,
}

/// A stored schedule with its bookkeeping and receipt totals.
#[derive(Debug, Clone)]
pub struct StoredSchedule {
    pub id: ScheduleId,
    pub fields: ScheduleFields,
    /// `None` when the author's account was deleted.
    pub author: Option<Author>,
    pub status: ScheduleStatus,
    pub next_run: Option<DateTime<Utc>>,
    pub last_run: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub delivered: i64,
    pub seen: i64,
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    title: Option<String>,
    body: String,
    body_html: String,
    severity: String,
    target_kind: String,
    target_id: Option<i64>,
    at: DateTime<Utc>,
    zone: String,
    repeat: Option<String>,
    until: Option<DateTime<Utc>>,
    author_id: Option<i64>,
    api_key_id: Option<i64>,
    status: String,
    next_run: Option<DateTime<Utc>>,
    last_run: Option<DateTime<Utc>>,
    last_error: Option<String>,
    revision: i64,
    created_at: DateTime<Utc>,
    delivered: i64,
    seen: i64,
}

fn decode(what: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(what.into()))
}

impl ScheduleRow {
    fn into_schedule(self) -> Result<StoredSchedule, StoreError> {
        let repeat = self
            .repeat
            .map(|r| {
                serde_json::from_str(&r)
                    .map_err(|e| decode(format!("schedule {}: bad repeat {r:?}: {e}", self.id)))
            })
            .transpose()?;
        let author = match (self.author_id, self.api_key_id) {
            (Some(u), _) => Some(Author::Admin(UserId(u))),
            (None, Some(k)) => Some(Author::Key(ApiKeyId(k))),
            (None, None) => None,
        };
        Ok(StoredSchedule {
            id: ScheduleId(self.id),
            fields: ScheduleFields {
                title: self.title,
                body: self.body,
                body_html: self.body_html,
                severity: severity_from(&self.severity)?,
                target: target_from(&self.target_kind, self.target_id)?,
                at: self.at,
                zone: self.zone,
                repeat,
                until: self.until,
            },
            author,
            status: ScheduleStatus::parse(&self.status)
                .ok_or_else(|| decode(format!("bad schedule status {:?}", self.status)))?,
            next_run: self.next_run,
            last_run: self.last_run,
            last_error: self.last_error,
            revision: self.revision,
            created_at: self.created_at,
            delivered: self.delivered,
            seen: self.seen,
        })
    }
}

const SELECT: &str = "
    SELECT s.id, s.title, s.body, s.body_html, s.severity, s.target_kind, s.target_id,
           s.at, s.zone, s.repeat, s.until, s.author_id, s.api_key_id, s.status,
           s.next_run, s.last_run, s.last_error, s.revision, s.created_at,
           (SELECT COUNT(*) FROM announcement_receipts r JOIN announcements a
                ON a.id = r.announcement_id WHERE a.schedule_id = s.id) AS delivered,
           (SELECT COUNT(*) FROM announcement_receipts r JOIN announcements a
                ON a.id = r.announcement_id
             WHERE a.schedule_id = s.id AND r.seen_at IS NOT NULL) AS seen
      FROM schedules s";

/// One occurrence about to be decided: which schedule (at which revision),
/// which due time, and what the schedule looks like afterwards.
#[derive(Debug, Clone)]
pub struct Claim {
    pub schedule: ScheduleId,
    pub revision: i64,
    pub due: DateTime<Utc>,
    /// True when `due` is the schedule's stored `next_run` (the scheduler);
    /// false for "send now", which fires outside the recurrence.
    pub due_is_next: bool,
    /// The schedule's next run after this one (`None`: this was the last).
    pub next_run: Option<DateTime<Utc>>,
    pub late: bool,
    pub now: DateTime<Utc>,
}

impl Claim {
    /// UPDATE schedules for this claim: $1 next_run, $2 last_run (the due time),
    /// $3 status, $4 last_error, $5 now, $6 id, $7 revision (and $2 again as
    /// the expected `next_run` when the scheduler claims).
    fn update_sql(&self) -> &'static str {
        if self.due_is_next {
            "UPDATE schedules SET next_run = $1, last_run = $2, status = $3, last_error = $4,
                                  updated_at = $5
              WHERE id = $6 AND revision = $7 AND status = 'scheduled' AND next_run = $2"
        } else {
            "UPDATE schedules SET next_run = $1, last_run = $2, status = $3, last_error = $4,
                                  updated_at = $5
              WHERE id = $6 AND revision = $7 AND status <> 'cancelled'"
        }
    }
}

#[derive(sqlx::FromRow)]
struct OccurrenceRow {
    id: i64,
    due_at: DateTime<Utc>,
    status: String,
    fired_at: DateTime<Utc>,
    late: bool,
    reason: Option<String>,
    announcement_id: Option<i64>,
}

impl Store {
    pub async fn create_schedule(
        &self,
        f: &ScheduleFields,
        author: Author,
        next_run: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<ScheduleId, StoreError> {
        let (kind, target_id) = target_columns(f.target);
        let (author_id, key_id) = author.columns();
        let repeat = f
            .repeat
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("repeat serializes"));
        let id: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO schedules (title, body, body_html, severity, target_kind, target_id,
                                        at, zone, repeat, until, author_id, api_key_id,
                                        status, next_run, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                         'scheduled', $13, $14, $14)
                 RETURNING id",
            )
            .bind(&f.title)
            .bind(&f.body)
            .bind(&f.body_html)
            .bind(f.severity.as_str())
            .bind(kind)
            .bind(target_id)
            .bind(f.at)
            .bind(&f.zone)
            .bind(&repeat)
            .bind(f.until)
            .bind(author_id)
            .bind(key_id)
            .bind(next_run)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(ScheduleId(id))
    }

    pub async fn schedule(&self, id: ScheduleId) -> Result<Option<StoredSchedule>, StoreError> {
        let sql = format!("{SELECT} WHERE s.id = $1");
        let row: Option<ScheduleRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?
        });
        row.map(ScheduleRow::into_schedule).transpose()
    }

    /// Every schedule, the soonest due first, then the most recent.
    pub async fn list_schedules(&self) -> Result<Vec<StoredSchedule>, StoreError> {
        let sql = format!(
            "{SELECT} ORDER BY CASE WHEN s.next_run IS NULL THEN 1 ELSE 0 END, s.next_run, s.id DESC"
        );
        let rows: Vec<ScheduleRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(ScheduleRow::into_schedule).collect()
    }

    /// Replaces what a schedule says, if it is still at `revision` and not
    /// cancelled. `next_run: None` ends it (status `sent`). False if it lost the race.
    pub async fn update_schedule(
        &self,
        id: ScheduleId,
        revision: i64,
        f: &ScheduleFields,
        next_run: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (kind, target_id) = target_columns(f.target);
        let repeat = f
            .repeat
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("repeat serializes"));
        let status = if next_run.is_some() {
            ScheduleStatus::Scheduled
        } else {
            ScheduleStatus::Sent
        };
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE schedules SET title = $1, body = $2, body_html = $3, severity = $4,
                        target_kind = $5, target_id = $6, at = $7, zone = $8, repeat = $9,
                        until = $10, next_run = $11, status = $12, last_error = NULL,
                        updated_at = $13, revision = revision + 1
                  WHERE id = $14 AND revision = $15 AND status <> 'cancelled'",
            )
            .bind(&f.title)
            .bind(&f.body)
            .bind(&f.body_html)
            .bind(f.severity.as_str())
            .bind(kind)
            .bind(target_id)
            .bind(f.at)
            .bind(&f.zone)
            .bind(&repeat)
            .bind(f.until)
            .bind(next_run)
            .bind(status.as_str())
            .bind(now)
            .bind(id.0)
            .bind(revision)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Cancels a schedule that is still scheduled. False if it is not.
    pub async fn cancel_schedule(
        &self,
        id: ScheduleId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE schedules SET status = 'cancelled', next_run = NULL, updated_at = $1,
                        revision = revision + 1
                  WHERE id = $2 AND status = 'scheduled'",
            )
            .bind(now)
            .bind(id.0)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Scheduled schedules due at or before `now`, the earliest first.
    pub async fn due_schedules(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StoredSchedule>, StoreError> {
        // The receipt totals are not needed here; they cost little on rows
        // that have not fired yet.
        let sql = format!(
            "{SELECT} WHERE s.status = 'scheduled' AND s.next_run <= $1 ORDER BY s.next_run LIMIT $2"
        );
        let rows: Vec<ScheduleRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(now).bind(limit as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(ScheduleRow::into_schedule).collect()
    }

    /// The earliest `next_run` of any scheduled schedule.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let t: Option<DateTime<Utc>> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT next_run FROM schedules WHERE status = 'scheduled' AND next_run IS NOT NULL
                  ORDER BY next_run LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        });
        Ok(t)
    }

    /// Claims an occurrence and stores the announcement it produces, in one
    /// transaction. `None` when someone else claimed it first or the schedule
    /// changed since it was read.
    pub async fn claim_occurrence(
        &self,
        c: &Claim,
        a: &NewAnnouncement,
    ) -> Result<Option<Announcement>, StoreError> {
        let status = if c.next_run.is_some() {
            ScheduleStatus::Scheduled
        } else {
            ScheduleStatus::Sent
        };
        let stored = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let won = sqlx::query(c.update_sql())
                .bind(c.next_run)
                .bind(c.due)
                .bind(status.as_str())
                .bind(None::<String>)
                .bind(c.now)
                .bind(c.schedule.0)
                .bind(c.revision)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !won {
                return Ok(None);
            }
            let occurrence: Option<i64> = sqlx::query_scalar(
                "INSERT INTO occurrences (schedule_id, due_at, status, fired_at, late)
                 VALUES ($1, $2, 'firing', $3, $4)
                 ON CONFLICT (schedule_id, due_at) DO NOTHING RETURNING id",
            )
            .bind(c.schedule.0)
            .bind(c.due)
            .bind(c.now)
            .bind(c.late)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(occurrence) = occurrence else {
                // Fired before (a "send now" in the same instant): never twice.
                return Ok(None);
            };
            let announcement = insert_announcement!(
                &mut *tx,
                a,
                Some(OccurrenceId(occurrence)),
                c.now
            );
            tx.commit().await?;
            announcement
        });
        Ok(Some(stored))
    }

    /// Records an occurrence that was not sent (missed or failed) with the
    /// reason, and moves the schedule on. False if the claim lost.
    pub async fn record_unsent(
        &self,
        c: &Claim,
        status: OccurrenceStatus,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let schedule_status = if c.next_run.is_some() {
            ScheduleStatus::Scheduled
        } else {
            ScheduleStatus::Failed
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let won = sqlx::query(c.update_sql())
                .bind(c.next_run)
                .bind(c.due)
                .bind(schedule_status.as_str())
                .bind(reason)
                .bind(c.now)
                .bind(c.schedule.0)
                .bind(c.revision)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !won {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO occurrences (schedule_id, due_at, status, fired_at, late, reason)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (schedule_id, due_at) DO NOTHING",
            )
            .bind(c.schedule.0)
            .bind(c.due)
            .bind(status.as_str())
            .bind(c.now)
            .bind(c.late)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(true)
    }

    /// Marks a claimed occurrence as sent once it has been handed to the hub.
    pub async fn occurrence_sent(&self, id: OccurrenceId) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE occurrences SET status = 'sent' WHERE id = $1")
                .bind(id.0)
                .execute(pool)
                .await
                .map(drop)?
        });
        Ok(())
    }

    /// At start-up: occurrences claimed but not marked sent when the server
    /// stopped. Their announcements were stored with the claim, so their
    /// targets find them in the inbox; they are never sent live a second time.
    pub async fn settle_interrupted_occurrences(&self) -> Result<u64, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE occurrences SET status = 'sent' WHERE status = 'firing'")
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// A schedule's most recent occurrences, newest first.
    pub async fn occurrences(
        &self,
        schedule: ScheduleId,
        limit: usize,
    ) -> Result<Vec<Occurrence>, StoreError> {
        let rows: Vec<OccurrenceRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT o.id, o.due_at, o.status, o.fired_at, o.late, o.reason,
                        a.id AS announcement_id
                   FROM occurrences o LEFT JOIN announcements a ON a.occurrence_id = o.id
                  WHERE o.schedule_id = $1 ORDER BY o.due_at DESC, o.id DESC LIMIT $2",
            )
            .bind(schedule.0)
            .bind(limit as i64)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Occurrence {
                    id: OccurrenceId(r.id),
                    due_at: r.due_at,
                    status: OccurrenceStatus::parse(&r.status)
                        .ok_or_else(|| decode(format!("bad occurrence status {:?}", r.status)))?,
                    fired_at: r.fired_at,
                    late: r.late,
                    announcement: r.announcement_id.map(AnnouncementId),
                    reason: r.reason,
                })
            })
            .collect()
    }
}
