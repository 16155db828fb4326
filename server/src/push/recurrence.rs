//! When a schedule is due: its first time, its rule (daily, weekdays, weekly on
//! some days, monthly, or a cron expression) and its end, computed in the
//! schedule's IANA zone so that "every day at 09:00 in Europe/Berlin" stays at
//! 09:00 local time across daylight-saving changes.
//!
//! Local times that do not exist on a given day (the hour skipped in spring)
//! fire at the same moment as the wall time before the change would have
//! (02:30 → 03:30 the day clocks go forward); local times that happen twice
//! (autumn) fire once, at the first. Cron expressions are evaluated by croner,
//! which follows the same rules.

use app::protocol::{Day, Every, Repeat};
use chrono::{
    DateTime, Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc, Weekday,
};
use chrono_tz::Tz;
use std::str::FromStr;

/// Days of the week as a bit set (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DaySet(u8);

impl DaySet {
    const ALL: DaySet = DaySet(0b111_1111);
    const WEEKDAYS: DaySet = DaySet(0b001_1111);

    fn of(days: impl IntoIterator<Item = Weekday>) -> DaySet {
        DaySet(
            days.into_iter()
                .fold(0, |acc, d| acc | 1 << d.num_days_from_monday()),
        )
    }

    fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.num_days_from_monday()) != 0
    }
}

fn weekday(d: Day) -> Weekday {
    match d {
        Day::Mon => Weekday::Mon,
        Day::Tue => Weekday::Tue,
        Day::Wed => Weekday::Wed,
        Day::Thu => Weekday::Thu,
        Day::Fri => Weekday::Fri,
        Day::Sat => Weekday::Sat,
        Day::Sun => Weekday::Sun,
    }
}

#[derive(Debug, Clone)]
enum Rule {
    Once,
    /// On these weekdays, at the local time of `start`.
    Days(DaySet),
    /// On the day of the month of `start` (or the month's last day), at its local time.
    Monthly,
    Cron(Box<croner::Cron>),
}

/// A validated recurrence.
#[derive(Debug, Clone)]
pub struct Recurrence {
    start: DateTime<Utc>,
    zone: Tz,
    rule: Rule,
    until: Option<DateTime<Utc>>,
}

/// Why a rule is not acceptable; the field it is about and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub field: &'static str,
    pub problem: String,
}

fn rule_error(field: &'static str, problem: impl Into<String>) -> RuleError {
    RuleError {
        field,
        problem: problem.into(),
    }
}

/// How far ahead a day-based rule searches (any rule here matches within a
/// week, or a month for monthly, so this is only a guard).
const SEARCH_DAYS: u64 = 800;
const SEARCH_MONTHS: u32 = 1200;
/// How many occurrences [`Recurrence::shortest_gap`] looks at.
pub const GAP_SAMPLES: usize = 200;

impl Recurrence {
    /// A recurrence starting at `start` (its first possible time) in `zone`.
    pub fn new(
        start: DateTime<Utc>,
        zone: Tz,
        repeat: Option<&Repeat>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Recurrence, RuleError> {
        let rule = match repeat {
            None => Rule::Once,
            Some(Repeat::Every { every, days }) => {
                if !days.is_empty() && *every != Every::Week {
                    return Err(rule_error(
                        "repeat.days",
                        "days go only with \"every\": \"week\"",
                    ));
                }
                match every {
                    Every::Day => Rule::Days(DaySet::ALL),
                    Every::Weekday => Rule::Days(DaySet::WEEKDAYS),
                    Every::Week if days.is_empty() => {
                        Rule::Days(DaySet::of([start.with_timezone(&zone).weekday()]))
                    }
                    Every::Week => Rule::Days(DaySet::of(days.iter().copied().map(weekday))),
                    Every::Month => Rule::Monthly,
                }
            }
            Some(Repeat::Cron { cron }) => {
                let parsed = croner::Cron::from_str(cron.trim())
                    .map_err(|e| rule_error("repeat.cron", format!("{e}")))?;
                Rule::Cron(Box::new(parsed))
            }
        };
        let r = Recurrence {
            start,
            zone,
            rule,
            until,
        };
        if let Some(until) = until {
            if until < start {
                return Err(rule_error("until", "is before at"));
            }
        }
        if r.first().is_none() {
            let field = match (&r.rule, until) {
                (Rule::Cron(_), None) => "repeat.cron",
                _ => "until",
            };
            return Err(rule_error(
                field,
                "no occurrence falls between at and until",
            ));
        }
        Ok(r)
    }

    /// The first occurrence.
    pub fn first(&self) -> Option<DateTime<Utc>> {
        self.next_from(self.start)
    }

    /// The first occurrence strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_from(t + chrono::Duration::nanoseconds(1))
    }

    /// The first occurrence at or after `t`.
    pub fn next_from(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let t = t.max(self.start);
        let found = match &self.rule {
            Rule::Once => (self.start >= t).then_some(self.start),
            Rule::Days(days) => self.next_day_based(t, |d| days.contains(d.weekday())),
            Rule::Monthly => self.next_monthly(t),
            Rule::Cron(cron) => {
                let from = t.with_timezone(&self.zone);
                match cron.find_next_occurrence(&from, true) {
                    // croner works in whole seconds: a sub-second `t` may give
                    // back the second it lies in.
                    Ok(x) if x.with_timezone(&Utc) < t => cron
                        .find_next_occurrence(&from, false)
                        .ok()
                        .map(|x| x.with_timezone(&Utc)),
                    Ok(x) => Some(x.with_timezone(&Utc)),
                    Err(_) => None,
                }
            }
        }?;
        match self.until {
            Some(until) if found > until => None,
            _ => Some(found),
        }
    }

    /// The shortest time between two consecutive occurrences among the first
    /// [`GAP_SAMPLES`]; `None` for a rule that fires once. Day-based rules are
    /// a day apart at least; only cron can be tighter, and a cron pattern
    /// repeats its shortest gap within its smallest period, which the samples
    /// cover many times over.
    pub fn shortest_gap(&self) -> Option<chrono::Duration> {
        if matches!(self.rule, Rule::Once) {
            return None;
        }
        let times = self.upcoming(self.start, GAP_SAMPLES);
        times.windows(2).map(|w| w[1] - w[0]).min()
    }

    /// Up to `n` occurrences at or after `t`.
    pub fn upcoming(&self, t: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut next = self.next_from(t);
        while let Some(x) = next {
            out.push(x);
            if out.len() == n {
                break;
            }
            next = self.next_after(x);
        }
        out
    }

    fn local_start(&self) -> (NaiveDate, NaiveTime) {
        let local = self.start.with_timezone(&self.zone).naive_local();
        (local.date(), local.time())
    }

    fn next_day_based(
        &self,
        t: DateTime<Utc>,
        matches: impl Fn(NaiveDate) -> bool,
    ) -> Option<DateTime<Utc>> {
        let (start_date, time) = self.local_start();
        // A day early: a skipped local time may resolve to an instant after t
        // on the previous local date.
        let mut d = t
            .with_timezone(&self.zone)
            .date_naive()
            .pred_opt()?
            .max(start_date);
        for _ in 0..SEARCH_DAYS {
            if matches(d) {
                let at = resolve(self.zone, d.and_time(time));
                if at >= t {
                    return Some(at);
                }
            }
            d = d.checked_add_days(Days::new(1))?;
        }
        None
    }

    fn next_monthly(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start_date, time) = self.local_start();
        let day = start_date.day();
        let from = t.with_timezone(&self.zone).date_naive().pred_opt()?;
        let mut month = NaiveDate::from_ymd_opt(from.year(), from.month(), 1)?.max(
            NaiveDate::from_ymd_opt(start_date.year(), start_date.month(), 1)?,
        );
        for _ in 0..SEARCH_MONTHS {
            let last = month.checked_add_months(Months::new(1))?.pred_opt()?.day();
            let date = month.with_day(day.min(last))?;
            let at = resolve(self.zone, date.and_time(time));
            if at >= t {
                return Some(at);
            }
            month = month.checked_add_months(Months::new(1))?;
        }
        None
    }
}

/// A local wall time in `zone` as an instant: the first of two in a repeated
/// hour; for a skipped one, the wall time read with the offset in force just
/// before the change.
pub fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(x) => x.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            use chrono::Offset;
            let before = local - chrono::Duration::days(1);
            let offset = zone.offset_from_utc_datetime(&before).fix();
            (local - offset).and_utc()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        match chrono_tz::Europe::Berlin.from_local_datetime(&naive) {
            LocalResult::Single(x) => x.with_timezone(&Utc),
            other => panic!("{s} is {other:?} in Berlin"),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn every(every: Every, days: Vec<Day>) -> Option<Repeat> {
        Some(Repeat::Every { every, days })
    }

    #[test]
    fn daily_in_berlin_keeps_local_time_across_both_dst_changes() {
        let tz = chrono_tz::Europe::Berlin;
        // Clocks go forward on 2026-03-29 and back on 2026-10-25.
        let r = Recurrence::new(
            berlin("2026-03-27 09:00"),
            tz,
            every(Every::Day, vec![]).as_ref(),
            None,
        )
        .unwrap();
        let got = r.upcoming(berlin("2026-03-27 09:00"), 4);
        assert_eq!(
            got,
            vec![
                utc("2026-03-27T08:00:00Z"),
                utc("2026-03-28T08:00:00Z"),
                utc("2026-03-29T07:00:00Z"),
                utc("2026-03-30T07:00:00Z"),
            ]
        );
        let autumn = r.upcoming(utc("2026-10-24T00:00:00Z"), 3);
        assert_eq!(
            autumn,
            vec![
                utc("2026-10-24T07:00:00Z"),
                utc("2026-10-25T08:00:00Z"),
                utc("2026-10-26T08:00:00Z"),
            ]
        );
    }

    #[test]
    fn a_skipped_local_time_fires_an_hour_later_and_a_repeated_one_once() {
        let tz = chrono_tz::Europe::Berlin;
        let r = Recurrence::new(
            berlin("2026-03-28 02:30"),
            tz,
            every(Every::Day, vec![]).as_ref(),
            None,
        )
        .unwrap();
        assert_eq!(
            r.upcoming(berlin("2026-03-28 02:30"), 3),
            vec![
                utc("2026-03-28T01:30:00Z"),
                // 02:30 does not exist on the 29th: 01:30 UTC = 03:30 CEST
                utc("2026-03-29T01:30:00Z"),
                utc("2026-03-30T00:30:00Z"),
            ]
        );
        let r = Recurrence::new(
            berlin("2026-10-24 02:30"),
            tz,
            every(Every::Day, vec![]).as_ref(),
            None,
        )
        .unwrap();
        assert_eq!(
            r.upcoming(berlin("2026-10-24 02:30"), 3),
            vec![
                utc("2026-10-24T00:30:00Z"),
                // 02:30 happens twice on the 25th: the first (CEST) only
                utc("2026-10-25T00:30:00Z"),
                utc("2026-10-26T01:30:00Z"),
            ]
        );
    }

    #[test]
    fn weekdays_weekly_monthly_and_until() {
        let tz = chrono_tz::Europe::Berlin;
        // 2026-11-27 is a Friday.
        let start = berlin("2026-11-27 17:00");
        let r = Recurrence::new(start, tz, every(Every::Weekday, vec![]).as_ref(), None).unwrap();
        assert_eq!(
            r.upcoming(start, 3),
            vec![
                start,
                berlin("2026-11-30 17:00"),
                berlin("2026-12-01 17:00")
            ]
        );
        let r = Recurrence::new(
            start,
            tz,
            every(Every::Week, vec![Day::Tue, Day::Sun]).as_ref(),
            None,
        )
        .unwrap();
        assert_eq!(
            r.upcoming(start, 3),
            vec![
                berlin("2026-11-29 17:00"),
                berlin("2026-12-01 17:00"),
                berlin("2026-12-06 17:00")
            ]
        );
        let r = Recurrence::new(start, tz, every(Every::Week, vec![]).as_ref(), None).unwrap();
        assert_eq!(
            r.upcoming(start, 2),
            vec![start, berlin("2026-12-04 17:00")]
        );
        let jan31 = berlin("2027-01-31 08:00");
        let r = Recurrence::new(
            jan31,
            tz,
            every(Every::Month, vec![]).as_ref(),
            Some(berlin("2027-04-01 00:00")),
        )
        .unwrap();
        assert_eq!(
            r.upcoming(jan31, 5),
            vec![
                jan31,
                berlin("2027-02-28 08:00"),
                berlin("2027-03-31 08:00")
            ]
        );
    }

    #[test]
    fn the_shortest_gap_is_found_even_when_it_is_rare() {
        let tz = chrono_tz::Europe::Berlin;
        let gap = |cron: &str| {
            let repeat = Repeat::Cron { cron: cron.into() };
            Recurrence::new(berlin("2026-03-20 00:00"), tz, Some(&repeat), None)
                .unwrap()
                .shortest_gap()
        };
        assert_eq!(gap("* * * * * *"), Some(chrono::Duration::seconds(1)));
        assert_eq!(gap("*/5 * * * *"), Some(chrono::Duration::minutes(5)));
        assert_eq!(gap("0,30 0 9 * * *"), Some(chrono::Duration::seconds(30)));
        let daily = Repeat::Every {
            every: Every::Day,
            days: vec![],
        };
        let r = Recurrence::new(berlin("2026-03-20 00:00"), tz, Some(&daily), None).unwrap();
        assert!(r.shortest_gap().unwrap() >= chrono::Duration::hours(23));
        let once = Recurrence::new(berlin("2026-03-20 00:00"), tz, None, None).unwrap();
        assert_eq!(once.shortest_gap(), None);
    }

    #[test]
    fn cron_in_a_zone_follows_its_clock() {
        let tz = chrono_tz::Europe::Berlin;
        let cron = Some(Repeat::Cron {
            cron: "0 9 * * 1".into(),
        });
        let r = Recurrence::new(berlin("2026-03-20 00:00"), tz, cron.as_ref(), None).unwrap();
        assert_eq!(
            r.upcoming(berlin("2026-03-20 00:00"), 2),
            vec![utc("2026-03-23T08:00:00Z"), utc("2026-03-30T07:00:00Z")]
        );
    }

    #[test]
    fn bad_rules_name_their_field() {
        let tz = chrono_tz::Europe::Berlin;
        let start = berlin("2026-11-27 17:00");
        let err = |repeat: Option<Repeat>, until| {
            Recurrence::new(start, tz, repeat.as_ref(), until)
                .unwrap_err()
                .field
        };
        assert_eq!(
            err(
                Some(Repeat::Cron {
                    cron: "61 * * * *".into()
                }),
                None
            ),
            "repeat.cron"
        );
        assert_eq!(
            err(
                Some(Repeat::Cron {
                    cron: "not cron".into()
                }),
                None
            ),
            "repeat.cron"
        );
        assert_eq!(err(every(Every::Day, vec![Day::Mon]), None), "repeat.days");
        assert_eq!(err(None, Some(berlin("2026-11-27 16:00"))), "until");
        assert_eq!(
            err(
                every(Every::Week, vec![Day::Mon]),
                Some(berlin("2026-11-29 00:00"))
            ),
            "until"
        );
    }
}
