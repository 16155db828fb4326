//! Announcements: what one is (rendered once, on the server), who it reaches,
//! and firing one, whether pushed now or due on a schedule. The HTTP handlers
//! (`http/push.rs`, `http/schedules.rs`) and the scheduler task
//! (`scheduler.rs`) call in here; storage is `store/push.rs` and
//! `store/schedules.rs`.

pub mod recurrence;

use crate::{
    hub::{Hub, Topic},
    refusal::Refusal,
    state::AppState,
    store::{Author, Claim, NewAnnouncement, ScheduleFields, Store, StoreError, StoredSchedule},
};
use app::{
    protocol::{
        Announcement, AnnouncementId, ErrorCode, Occurrence, OccurrenceStatus, Role, Schedule,
        ScheduleRequest, ServerFrame, Target, User,
    },
    validate::{AnnouncementBody, AnnouncementTitle, Invalid},
};
use chrono::{DateTime, FixedOffset, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use recurrence::Recurrence;
use std::str::FromStr;

/// Occurrences sent later than this after their due time are marked `late`.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::seconds(1);
/// How many due times a preview or a schedule's answer lists.
pub const PREVIEW: usize = 5;

/// Markdown to HTML that is safe to insert into a page: pulldown-cmark renders,
/// ammonia removes scripts, event handlers, `javascript:` links and the like.
pub fn render_markdown(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    sanitizer().clean(&out).to_string()
}

/// ammonia's defaults, without images: a remote `<img>` would make every
/// reader's browser fetch it, telling the image's host who read the
/// announcement and when. Markdown images are dropped; links stay.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static CLEAN: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CLEAN.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"]);
        b
    })
}

/// The checked, rendered content of an announcement.
pub struct Content {
    pub title: Option<String>,
    pub body: String,
    pub body_html: String,
}

impl Content {
    pub fn parse(title: Option<&str>, body: &str) -> Result<Content, Invalid> {
        let title = AnnouncementTitle::parse(title)?.map(AnnouncementTitle::into_string);
        let body = AnnouncementBody::parse(body)?;
        Ok(Content {
            title,
            body_html: render_markdown(body.as_str()),
            body: body.as_str().to_owned(),
        })
    }
}

/// Whether the target exists (a room or a user named by id); `Err` names the field.
pub async fn check_target(
    store: &Store,
    target: Target,
) -> Result<Result<(), Invalid>, StoreError> {
    Ok(match target {
        Target::Room { room } if !store.room_exists(room).await? => Err(Invalid {
            field: "target.room",
            problem: format!("room {room} does not exist"),
        }),
        Target::User { user } if store.user(user).await?.is_none() => Err(Invalid {
            field: "target.user",
            problem: format!("user {user} does not exist"),
        }),
        _ => Ok(()),
    })
}

/// Hands a stored announcement to every live connection of its targets and
/// records who got it. Returns the number of connections.
pub async fn deliver(
    store: &Store,
    hub: &Hub,
    a: &Announcement,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let topic = match a.target {
        Target::All => Topic::All,
        Target::Room { room } => Topic::Users {
            users: store.room_member_ids(room).await?,
        },
        Target::User { user } => Topic::User { user },
        Target::Agents => Topic::Agents,
        // Visitors online now; they have no account, so no inbox and no
        // receipts: `users` stays empty and only `connections` counts them.
        Target::Visitors => Topic::Visitors,
    };
    let delivery = hub.publish(topic, ServerFrame::Announcement(a.clone()));
    store.record_deliveries(a.id, &delivery.users, now).await?;
    Ok(delivery.connections)
}

/// Records that `user` saw (or dismissed) an announcement addressed to them,
/// from the `announcement_seen`/`_dismiss` frames and the HTTP inbox alike.
pub async fn mark_seen(
    state: &AppState,
    user: &User,
    id: AnnouncementId,
    dismiss: bool,
) -> Result<(), Refusal> {
    state.limits.mark.admit(&user.id, "marking announcements")?;
    // The role decides whether "agents" announcements are theirs.
    let is_agent = user.role >= Role::Agent;
    let found = state
        .store
        .mark_seen(id, user.id, is_agent, dismiss, state.clock.now())
        .await?;
    if found {
        Ok(())
    } else {
        Err(Refusal::new(
            ErrorCode::NotFound,
            format!("announcement {id} does not exist or is not for you"),
        ))
    }
}

/// Marks as seen every one of `ids` addressed to `user` (the inbox page,
/// which lists them all); answers those marked. One limit check for the
/// batch: it is one request, made once per page view.
pub async fn mark_seen_batch(
    state: &AppState,
    user: &User,
    ids: &[AnnouncementId],
) -> Result<Vec<AnnouncementId>, Refusal> {
    if ids.len() > app::protocol::MAX_SEEN_BATCH {
        return Err(Invalid {
            field: "ids",
            problem: format!(
                "holds {} ids; at most {} at once",
                ids.len(),
                app::protocol::MAX_SEEN_BATCH
            ),
        }
        .into());
    }
    state.limits.mark.admit(&user.id, "marking announcements")?;
    let is_agent = user.role >= Role::Agent;
    Ok(state
        .store
        .mark_seen_all(ids, user.id, is_agent, false, state.clock.now())
        .await?)
}

// ---------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------

/// A schedule request, checked: what to store and when it is due.
pub struct ScheduleSpec {
    pub fields: ScheduleFields,
    pub recurrence: Recurrence,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        field,
        problem: problem.into(),
    }
}

pub fn parse_zone(zone: &str) -> Result<Tz, Invalid> {
    Tz::from_str(zone.trim()).map_err(|_| {
        invalid(
            "zone",
            format!("{zone:?} is not a known time zone; use an IANA name such as Europe/Berlin"),
        )
    })
}

/// A time for a schedule, in whole seconds. An RFC 3339 time with an offset
/// (`…Z`, `…+09:00`) is an instant and is taken as it is, whatever the zone's
/// offset then: the zone only says how a recurrence moves. A local time
/// without an offset (`2026-12-01T09:00` or `…T09:00:00`) is read in `zone`,
/// and refused when the clocks skip it or pass it twice, since only the
/// caller knows which of the two they meant.
pub fn parse_local(field: &'static str, text: &str, zone: Tz) -> Result<DateTime<Utc>, Invalid> {
    let text = text.trim();
    if let Ok(given) = DateTime::parse_from_rfc3339(text) {
        let given = given.with_nanosecond(0).unwrap_or(given);
        return Ok(given.with_timezone(&Utc));
    }
    let local = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or_else(|| {
            invalid(
                field,
                format!(
                    "{text:?} is not a time: use RFC 3339 (2026-12-01T09:00:00+01:00 or …Z), \
                     or a local time in the zone (2026-12-01T09:00)"
                ),
            )
        })?;
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(x) => Ok(x.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(invalid(
            field,
            format!(
                "{} does not exist in {zone}: the clocks skip it (daylight saving)",
                local.format("%Y-%m-%d %H:%M")
            ),
        )),
        chrono::LocalResult::Ambiguous(a, b) => Err(invalid(
            field,
            format!(
                "{} happens twice in {zone} (daylight saving ends): add the offset, {} or {}",
                local.format("%Y-%m-%d %H:%M"),
                a.offset().fix(),
                b.offset().fix()
            ),
        )),
    }
}

/// `at` as a reader of the error expects it: in the schedule's zone.
fn shown_in(at: DateTime<Utc>, zone: Tz) -> String {
    format!(
        "{} {zone}",
        at.with_timezone(&zone).format("%Y-%m-%d %H:%M")
    )
}

impl ScheduleSpec {
    /// Checks a request. `at` must be in the future unless `at_may_be_past`
    /// (an edit that keeps the stored first time).
    pub fn parse(
        req: &ScheduleRequest,
        now: DateTime<Utc>,
        at_may_be_past: bool,
        min_interval: std::time::Duration,
    ) -> Result<ScheduleSpec, Invalid> {
        let content = Content::parse(req.title.as_deref(), &req.body)?;
        let zone = parse_zone(&req.zone)?;
        let at = parse_local("at", &req.at, zone)?;
        if !at_may_be_past && at <= now {
            return Err(invalid(
                "at",
                format!("{} is in the past", shown_in(at, zone)),
            ));
        }
        let until = req
            .until
            .as_deref()
            .map(|u| parse_local("until", u, zone))
            .transpose()?;
        let recurrence = Recurrence::new(at, zone, req.repeat.as_ref(), until)
            .map_err(|e| invalid(e.field, e.problem))?;
        // A schedule firing every second would be a broadcast flood that an
        // API key could start; SWITCHBOARD_PUSH_MIN_INTERVAL_SECS bounds it.
        if let Some(gap) = recurrence.shortest_gap() {
            let min = chrono::Duration::from_std(min_interval).unwrap_or(chrono::Duration::MAX);
            if gap < min {
                let field = match req.repeat {
                    Some(app::protocol::Repeat::Cron { .. }) => "repeat.cron",
                    _ => "repeat",
                };
                return Err(invalid(
                    field,
                    format!(
                        "repeats every {} s; the shortest interval allowed is {} s",
                        gap.num_seconds(),
                        min_interval.as_secs()
                    ),
                ));
            }
        }
        Ok(ScheduleSpec {
            fields: ScheduleFields {
                title: content.title,
                body: content.body,
                body_html: content.body_html,
                severity: req.severity,
                target: req.target,
                at,
                zone: zone.name().to_owned(),
                repeat: req.repeat.clone(),
                until,
            },
            recurrence,
        })
    }
}

/// The recurrence of a stored schedule (its fields were checked when stored).
pub fn recurrence_of(s: &StoredSchedule) -> Result<Recurrence, String> {
    let zone = Tz::from_str(&s.fields.zone).map_err(|e| format!("stored zone: {e}"))?;
    Recurrence::new(s.fields.at, zone, s.fields.repeat.as_ref(), s.fields.until)
        .map_err(|e| format!("stored {}: {}", e.field, e.problem))
}

/// A time shown in a zone's offset.
pub fn in_zone(t: DateTime<Utc>, zone: &str) -> DateTime<FixedOffset> {
    match Tz::from_str(zone) {
        Ok(tz) => t.with_timezone(&tz).fixed_offset(),
        Err(_) => t.fixed_offset(),
    }
}

/// The request that would recreate a stored schedule (what an edit starts from).
pub fn as_request(s: &StoredSchedule) -> ScheduleRequest {
    ScheduleRequest {
        title: s.fields.title.clone(),
        body: s.fields.body.clone(),
        severity: s.fields.severity,
        target: s.fields.target,
        at: in_zone(s.fields.at, &s.fields.zone).to_rfc3339(),
        zone: s.fields.zone.clone(),
        repeat: s.fields.repeat.clone(),
        until: s
            .fields
            .until
            .map(|u| in_zone(u, &s.fields.zone).to_rfc3339()),
    }
}

/// A stored schedule as the API shows it.
pub fn view(
    s: StoredSchedule,
    upcoming: Vec<DateTime<Utc>>,
    occurrences: Vec<Occurrence>,
) -> Schedule {
    let zone = s.fields.zone.clone();
    Schedule {
        id: s.id,
        title: s.fields.title,
        body: s.fields.body,
        body_html: s.fields.body_html,
        severity: s.fields.severity,
        target: s.fields.target,
        at: in_zone(s.fields.at, &zone),
        repeat: s.fields.repeat,
        until: s.fields.until.map(|u| in_zone(u, &zone)),
        status: s.status,
        next_run: s.next_run,
        last_run: s.last_run,
        last_error: s.last_error,
        delivered: s.delivered,
        seen: s.seen,
        created_at: s.created_at,
        upcoming: upcoming.into_iter().map(|t| in_zone(t, &zone)).collect(),
        occurrences,
        zone,
    }
}

/// What became of one firing.
#[derive(Debug)]
pub enum Fired {
    /// Stored and handed to this many connections.
    Sent(Announcement, usize),
    /// Not sent, for this reason (recorded on the occurrence and the schedule).
    Failed(String),
    /// Someone else claimed it, or the schedule changed since it was read.
    Lost,
}

/// Whether the schedule may still be sent: its author is still an admin (or
/// its API key is not revoked) and its target still exists. `Err` is the reason.
pub async fn may_send(store: &Store, s: &StoredSchedule) -> Result<Result<(), String>, StoreError> {
    match s.author {
        None => return Ok(Err("its author's account no longer exists".into())),
        Some(Author::Admin(id)) => match store.user(id).await? {
            None => return Ok(Err("its author's account no longer exists".into())),
            Some(u) if u.role != Role::Admin => {
                return Ok(Err(format!(
                    "its author {} is no longer an admin",
                    u.username
                )))
            }
            Some(_) => {}
        },
        Some(Author::Key(id)) => {
            if !store.api_key_live(id).await? {
                return Ok(Err("the API key that created it was revoked".into()));
            }
        }
    }
    Ok(match s.fields.target {
        Target::Room { room } if !store.room_exists(room).await? => {
            Err(format!("its target room {room} no longer exists"))
        }
        Target::User { user } if store.user(user).await?.is_none() => {
            Err(format!("its target user {user} no longer exists"))
        }
        _ => Ok(()),
    })
}

/// Fires one occurrence: checks permission again, claims it (storing the
/// announcement in the same transaction), delivers it, marks it sent.
pub async fn fire(
    store: &Store,
    hub: &Hub,
    s: &StoredSchedule,
    claim: &Claim,
) -> Result<Fired, StoreError> {
    let author = match (may_send(store, s).await?, s.author) {
        (Ok(()), Some(author)) => author,
        (Ok(()), None) => unreachable!("may_send refuses a schedule without an author"),
        (Err(reason), _) => {
            tracing::warn!(schedule = %s.id, due = %claim.due, %reason, "occurrence failed");
            return Ok(
                if store
                    .record_unsent(claim, OccurrenceStatus::Failed, &reason)
                    .await?
                {
                    Fired::Failed(reason)
                } else {
                    Fired::Lost
                },
            );
        }
    };
    let new = NewAnnouncement {
        title: s.fields.title.clone(),
        body_html: s.fields.body_html.clone(),
        severity: s.fields.severity,
        target: s.fields.target,
        author,
        schedule: Some(s.id),
        due_at: Some(claim.due),
        late: claim.late,
    };
    let Some(a) = store.claim_occurrence(claim, &new).await? else {
        return Ok(Fired::Lost);
    };
    let connections = deliver(store, hub, &a, claim.now).await?;
    if let Ok(late) = (claim.now - claim.due).to_std() {
        crate::metrics::schedule_lateness(late);
    }
    if let Some(occurrence) = a.occurrence {
        store.occurrence_sent(occurrence).await?;
    }
    tracing::info!(schedule = %s.id, announcement = %a.id, due = %claim.due, late = claim.late, connections, "occurrence sent");
    Ok(Fired::Sent(a, connections))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = render_markdown("**hi** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>hi</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn remote_images_are_dropped_and_links_kept() {
        let html = render_markdown(
            "![tracker](https://evil.example/pixel.png) <img src=\"https://evil.example/x.gif\"> [docs](https://example.com)",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
        assert!(html.contains("<a href=\"https://example.com\""), "{html}");
    }

    #[test]
    fn instants_are_taken_as_given_and_local_times_read_in_the_zone() {
        let berlin = chrono_tz::Europe::Berlin;
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            parse_local("at", "2026-12-01T09:00:00+01:00", berlin).unwrap(),
            utc("2026-12-01T08:00:00Z")
        );
        // An instant whose offset is not Berlin's is still one instant.
        assert_eq!(
            parse_local("at", "2026-12-01T08:00:00Z", berlin).unwrap(),
            utc("2026-12-01T08:00:00Z")
        );
        assert_eq!(
            parse_local("at", "2026-12-01T17:00:00+09:00", berlin).unwrap(),
            utc("2026-12-01T08:00:00Z")
        );
        // With an offset, a time in the skipped hour is unambiguous too.
        assert_eq!(
            parse_local("at", "2026-03-29T02:30:00+01:00", berlin).unwrap(),
            utc("2026-03-29T01:30:00Z")
        );
        // Local times: read in the zone; refused when skipped or repeated.
        assert_eq!(
            parse_local("at", "2026-12-01T09:00", berlin).unwrap(),
            utc("2026-12-01T08:00:00Z")
        );
        let gap = parse_local("at", "2026-03-29T02:30", berlin).unwrap_err();
        assert_eq!(gap.field, "at");
        assert!(gap.problem.contains("does not exist"), "{}", gap.problem);
        let twice = parse_local("at", "2026-10-25T02:30:00", berlin).unwrap_err();
        assert!(twice.problem.contains("twice"), "{}", twice.problem);
        assert!(
            twice.problem.contains("+02:00") && twice.problem.contains("+01:00"),
            "{}",
            twice.problem
        );
        // The repeated hour with an offset: each reading is accepted.
        let first = parse_local("at", "2026-10-25T02:30:00+02:00", berlin).unwrap();
        let second = parse_local("at", "2026-10-25T02:30:00+01:00", berlin).unwrap();
        assert_eq!(second - first, chrono::Duration::hours(1));
        assert!(parse_local("at", "tomorrow", berlin).is_err());
        assert_eq!(parse_zone("Mars/Olympus").unwrap_err().field, "zone");
    }
}
