//! The announcement form as plain data: what the admin typed, and how it
//! becomes a push, a new schedule or an edit. Kept apart from the component so
//! the rules (targets, local time + zone → RFC 3339, end dates, what an edit
//! sends) are tested natively.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::protocol::{
    Day, Every, PushRequest, Repeat, RoomId, Schedule, SchedulePatch, ScheduleRequest, Severity,
    Target, UserId,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    All,
    Room,
    User,
    Agents,
    Visitors,
}

impl TargetKind {
    pub const ALL: [TargetKind; 5] = [
        TargetKind::All,
        TargetKind::Room,
        TargetKind::User,
        TargetKind::Agents,
        TargetKind::Visitors,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::All => "all",
            TargetKind::Room => "room",
            TargetKind::User => "user",
            TargetKind::Agents => "agents",
            TargetKind::Visitors => "visitors",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Send at once, or at a date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Now,
    Later,
}

/// The recurrence picker's choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepeatKind {
    Never,
    Day,
    Weekday,
    Week,
    Month,
    Cron,
}

impl RepeatKind {
    pub const ALL: [RepeatKind; 6] = [
        RepeatKind::Never,
        RepeatKind::Day,
        RepeatKind::Weekday,
        RepeatKind::Week,
        RepeatKind::Month,
        RepeatKind::Cron,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RepeatKind::Never => "never",
            RepeatKind::Day => "day",
            RepeatKind::Weekday => "weekday",
            RepeatKind::Week => "week",
            RepeatKind::Month => "month",
            RepeatKind::Cron => "cron",
        }
    }

    pub fn parse(s: &str) -> Option<RepeatKind> {
        RepeatKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The week's days in the order the form and the list show them (their
/// names are the component's, in the UI's language).
pub const DAYS: [Day; 7] = [
    Day::Mon,
    Day::Tue,
    Day::Wed,
    Day::Thu,
    Day::Fri,
    Day::Sat,
    Day::Sun,
];

/// What is missing or wrong in the form; the component words it in the UI's
/// language beside the field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mistake {
    ChooseRoom,
    ChooseUser,
    WriteBody,
    ChooseDate,
    ChooseTime,
    ChooseDays,
    WriteCron,
    ChooseZone,
    /// The zone as typed: not one the browser knows.
    UnknownZone(String),
}

/// A mistake found before anything is sent, named by the field it is about
/// (the same names the server uses in its 422 answers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub mistake: Mistake,
}

fn field_error(field: &'static str, mistake: Mistake) -> FieldError {
    FieldError { field, mistake }
}

/// Everything the form holds, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub severity: Severity,
    pub target: TargetKind,
    pub room: Option<RoomId>,
    pub user: Option<UserId>,
    pub when: When,
    /// `YYYY-MM-DD`, from `<input type=date>`.
    pub date: String,
    /// `HH:MM` or `HH:MM:SS`, from `<input type=time step=1>`.
    pub time: String,
    pub zone: String,
    pub repeat: RepeatKind,
    pub days: Vec<Day>,
    pub cron: String,
    /// The last day it may fire (`YYYY-MM-DD`), empty for no end.
    pub until: String,
}

impl Draft {
    /// An empty form that sends now; a schedule defaults to `start` in `zone`.
    pub fn new(zone: String, start: NaiveDateTime) -> Draft {
        Draft {
            title: String::new(),
            body: String::new(),
            severity: Severity::Info,
            target: TargetKind::All,
            room: None,
            user: None,
            when: When::Now,
            date: start.format("%Y-%m-%d").to_string(),
            time: start.format("%H:%M").to_string(),
            zone,
            repeat: RepeatKind::Never,
            days: Vec::new(),
            cron: String::new(),
            until: String::new(),
        }
    }

    /// The form once an announcement went out: ready for the next one, with
    /// the same audience and zone, but nothing of the last one's content,
    /// timing or severity (an "urgent" must not carry over by accident).
    pub fn after_sent(&mut self) {
        self.title.clear();
        self.body.clear();
        self.severity = Severity::Info;
        self.when = When::Now;
        self.repeat = RepeatKind::Never;
        self.days.clear();
        self.cron.clear();
        self.until.clear();
    }

    /// The form filled from a stored schedule, to edit it or to start a copy.
    pub fn from_schedule(s: &Schedule) -> Draft {
        let local = s.at.naive_local();
        let (repeat, days, cron) = match &s.repeat {
            None => (RepeatKind::Never, Vec::new(), String::new()),
            Some(Repeat::Cron { cron }) => (RepeatKind::Cron, Vec::new(), cron.clone()),
            Some(Repeat::Every { every, days }) => (
                match every {
                    Every::Day => RepeatKind::Day,
                    Every::Weekday => RepeatKind::Weekday,
                    Every::Week => RepeatKind::Week,
                    Every::Month => RepeatKind::Month,
                },
                days.clone(),
                String::new(),
            ),
        };
        let (target, room, user) = match s.target {
            Target::All => (TargetKind::All, None, None),
            Target::Room { room } => (TargetKind::Room, Some(room), None),
            Target::User { user } => (TargetKind::User, None, Some(user)),
            Target::Agents => (TargetKind::Agents, None, None),
            Target::Visitors => (TargetKind::Visitors, None, None),
        };
        Draft {
            title: s.title.clone().unwrap_or_default(),
            body: s.body.clone(),
            severity: s.severity,
            target,
            room,
            user,
            when: When::Later,
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M:%S").to_string(),
            zone: s.zone.clone(),
            repeat,
            days,
            cron,
            until: s
                .until
                .map(|u| u.naive_local().format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }

    pub fn target(&self) -> Result<Target, FieldError> {
        Ok(match self.target {
            TargetKind::All => Target::All,
            TargetKind::Agents => Target::Agents,
            TargetKind::Visitors => Target::Visitors,
            TargetKind::Room => Target::Room {
                room: self
                    .room
                    .ok_or_else(|| field_error("target", Mistake::ChooseRoom))?,
            },
            TargetKind::User => Target::User {
                user: self
                    .user
                    .ok_or_else(|| field_error("target", Mistake::ChooseUser))?,
            },
        })
    }

    fn title(&self) -> Option<String> {
        let t = self.title.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }

    fn body(&self) -> Result<String, FieldError> {
        if self.body.trim().is_empty() {
            return Err(field_error("body", Mistake::WriteBody));
        }
        Ok(self.body.clone())
    }

    pub fn push_request(&self) -> Result<PushRequest, FieldError> {
        Ok(PushRequest {
            title: self.title(),
            body: self.body()?,
            severity: self.severity,
            target: self.target()?,
        })
    }

    /// The date and time fields as a wall-clock time.
    pub fn local_start(&self) -> Result<NaiveDateTime, FieldError> {
        let date = NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
            .map_err(|_| field_error("at", Mistake::ChooseDate))?;
        let text = self.time.trim();
        let time = NaiveTime::parse_from_str(text, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
            .map_err(|_| field_error("at", Mistake::ChooseTime))?;
        Ok(date.and_time(time))
    }

    pub fn repeat(&self) -> Result<Option<Repeat>, FieldError> {
        let every = |every| {
            Some(Repeat::Every {
                every,
                days: vec![],
            })
        };
        Ok(match self.repeat {
            RepeatKind::Never => None,
            RepeatKind::Day => every(Every::Day),
            RepeatKind::Weekday => every(Every::Weekday),
            RepeatKind::Month => every(Every::Month),
            RepeatKind::Week => {
                if self.days.is_empty() {
                    return Err(field_error("repeat.days", Mistake::ChooseDays));
                }
                let mut days = self.days.clone();
                days.sort();
                days.dedup();
                Some(Repeat::Every {
                    every: Every::Week,
                    days,
                })
            }
            RepeatKind::Cron => {
                let cron = self.cron.trim();
                if cron.is_empty() {
                    return Err(field_error("repeat.cron", Mistake::WriteCron));
                }
                Some(Repeat::Cron {
                    cron: cron.to_owned(),
                })
            }
        })
    }

    /// The schedule this form describes. `offset` reads a wall-clock time in a
    /// zone (the browser's `Intl` in the app: [`crate::client::zones`]).
    pub fn schedule_request(
        &self,
        offset: impl Fn(NaiveDateTime, &str) -> Option<DateTime<FixedOffset>>,
    ) -> Result<ScheduleRequest, FieldError> {
        let zone = self.zone.trim();
        if zone.is_empty() {
            return Err(field_error("zone", Mistake::ChooseZone));
        }
        let unknown = || field_error("zone", Mistake::UnknownZone(zone.to_owned()));
        let at = offset(self.local_start()?, zone).ok_or_else(unknown)?;
        let until = match self.until.trim() {
            "" => None,
            day => {
                let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .map_err(|_| field_error("until", Mistake::ChooseDate))?;
                // The whole last day counts: its end, in the schedule's zone.
                let end = date.and_hms_opt(23, 59, 59).unwrap_or_default();
                Some(offset(end, zone).ok_or_else(unknown)?.to_rfc3339())
            }
        };
        Ok(ScheduleRequest {
            title: self.title(),
            body: self.body()?,
            severity: self.severity,
            target: self.target()?,
            at: at.to_rfc3339(),
            zone: zone.to_owned(),
            repeat: self.repeat()?,
            until,
        })
    }
}

/// The change that turns `original` into `request`. `at` is sent only when it
/// moved (or the zone did): an edit to a recurring schedule whose first time
/// has passed keeps that time without tripping "in the past".
pub fn patch_for(original: &Schedule, request: ScheduleRequest) -> SchedulePatch {
    let moved = DateTime::parse_from_rfc3339(&request.at)
        .map(|at| at.with_timezone(&Utc) != original.at.with_timezone(&Utc))
        .unwrap_or(true);
    let rezoned = request.zone != original.zone;
    SchedulePatch {
        title: Some(request.title),
        body: Some(request.body),
        severity: Some(request.severity),
        target: Some(request.target),
        at: (moved || rezoned).then_some(request.at),
        zone: Some(request.zone),
        repeat: Some(request.repeat),
        until: Some(request.until),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ScheduleId, ScheduleStatus};
    use chrono::TimeZone;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    /// A fixed +01:00 zone called "Test/Plus1"; anything else is unknown.
    fn plus_one(local: NaiveDateTime, zone: &str) -> Option<DateTime<FixedOffset>> {
        (zone == "Test/Plus1")
            .then(|| {
                FixedOffset::east_opt(3600)?
                    .from_local_datetime(&local)
                    .single()
            })
            .flatten()
    }

    fn draft() -> Draft {
        let mut d = Draft::new("Test/Plus1".into(), at("2026-12-01T09:00:00"));
        d.body = "**Maintenance** tonight".into();
        d.when = When::Later;
        d
    }

    /// Issue 11.5: an urgent announcement must not make the next one urgent.
    #[test]
    fn a_sent_form_is_ready_for_the_next_announcement() {
        let mut d = draft();
        d.title = "Down".into();
        d.severity = Severity::Urgent;
        d.repeat = RepeatKind::Day;
        d.target = TargetKind::Agents;
        d.after_sent();
        assert_eq!(d.severity, Severity::Info);
        assert!(d.title.is_empty() && d.body.is_empty());
        assert_eq!((d.when, d.repeat), (When::Now, RepeatKind::Never));
        // Who it goes to and the zone stay: the next one is often alike.
        assert_eq!(d.target, TargetKind::Agents);
        assert_eq!(d.zone, "Test/Plus1");
    }

    #[test]
    fn a_schedule_carries_the_zone_offset_and_an_end_of_day_until() {
        let mut d = draft();
        d.time = "09:00:30".into();
        d.repeat = RepeatKind::Week;
        d.days = vec![Day::Fri, Day::Mon, Day::Fri];
        d.until = "2026-12-31".into();
        let r = d.schedule_request(plus_one).unwrap();
        assert_eq!(r.at, "2026-12-01T09:00:30+01:00");
        assert_eq!(r.zone, "Test/Plus1");
        assert_eq!(r.until.as_deref(), Some("2026-12-31T23:59:59+01:00"));
        assert_eq!(
            r.repeat,
            Some(Repeat::Every {
                every: Every::Week,
                days: vec![Day::Mon, Day::Fri]
            })
        );
        assert_eq!(r.title, None);
        assert_eq!(r.target, Target::All);
    }

    #[test]
    fn missing_pieces_name_their_field() {
        let mut d = draft();
        d.body = "  ".into();
        assert_eq!(d.push_request().unwrap_err().field, "body");
        let mut d = draft();
        d.target = TargetKind::Room;
        assert_eq!(d.push_request().unwrap_err().field, "target");
        d.room = Some(RoomId(3));
        assert_eq!(
            d.push_request().unwrap().target,
            Target::Room { room: RoomId(3) }
        );
        let mut d = draft();
        d.zone = "Mars/Olympus".into();
        assert_eq!(d.schedule_request(plus_one).unwrap_err().field, "zone");
        let mut d = draft();
        d.time = String::new();
        assert_eq!(d.schedule_request(plus_one).unwrap_err().field, "at");
        let mut d = draft();
        d.repeat = RepeatKind::Week;
        assert_eq!(
            d.schedule_request(plus_one).unwrap_err().field,
            "repeat.days"
        );
        d.repeat = RepeatKind::Cron;
        assert_eq!(
            d.schedule_request(plus_one).unwrap_err().field,
            "repeat.cron"
        );
        d.cron = " 0 9 * * 1 ".into();
        assert_eq!(
            d.schedule_request(plus_one).unwrap().repeat,
            Some(Repeat::Cron {
                cron: "0 9 * * 1".into()
            })
        );
    }

    fn stored(request: &ScheduleRequest) -> Schedule {
        Schedule {
            id: ScheduleId(1),
            title: request.title.clone(),
            body: request.body.clone(),
            body_html: String::new(),
            severity: request.severity,
            target: request.target,
            at: DateTime::parse_from_rfc3339(&request.at).unwrap(),
            zone: request.zone.clone(),
            repeat: request.repeat.clone(),
            until: request
                .until
                .as_deref()
                .map(|u| DateTime::parse_from_rfc3339(u).unwrap()),
            status: ScheduleStatus::Scheduled,
            next_run: None,
            last_run: None,
            last_error: None,
            delivered: 0,
            seen: 0,
            created_at: Utc::now(),
            upcoming: vec![],
            occurrences: vec![],
        }
    }

    #[test]
    fn a_stored_schedule_fills_the_form_back_and_an_edit_keeps_an_unmoved_time() {
        let mut d = draft();
        d.title = "Heads up".into();
        d.repeat = RepeatKind::Weekday;
        d.until = "2027-01-10".into();
        let request = d.schedule_request(plus_one).unwrap();
        let s = stored(&request);
        let back = Draft::from_schedule(&s);
        assert_eq!(back.date, "2026-12-01");
        assert_eq!(back.time, "09:00:00");
        assert_eq!(back.until, "2027-01-10");
        assert_eq!(back.repeat, RepeatKind::Weekday);
        assert_eq!(back.title, "Heads up");

        let mut edited = back.clone();
        edited.body = "changed".into();
        let patch = patch_for(&s, edited.schedule_request(plus_one).unwrap());
        assert_eq!(patch.at, None, "an unmoved time is not resent");
        assert_eq!(patch.body.as_deref(), Some("changed"));
        assert_eq!(patch.title, Some(Some("Heads up".into())));

        edited.time = "10:00".into();
        let patch = patch_for(&s, edited.schedule_request(plus_one).unwrap());
        assert_eq!(patch.at.as_deref(), Some("2026-12-01T10:00:00+01:00"));
        edited.repeat = RepeatKind::Never;
        edited.until.clear();
        let patch = patch_for(&s, edited.schedule_request(plus_one).unwrap());
        assert_eq!(
            patch.repeat,
            Some(None),
            "removing the recurrence sends null"
        );
        assert_eq!(patch.until, Some(None));
    }
}
