//! Business hours: weekly opening periods and holidays in one IANA zone,
//! parsed once from [`BusinessHours`] and asked "open at this instant?".
//! It does not decide routing: outside hours conversations are still stored
//! and queued, and visitors are shown the away message.

use app::{
    protocol::{BusinessHours, Day},
    validate::Invalid,
};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::HashSet;

/// Shown when no away message is configured.
pub const DEFAULT_AWAY: &str = app::protocol::DEFAULT_AWAY_MESSAGE;

/// Parsed business hours.
#[derive(Debug, Clone)]
pub struct Hours {
    zone: Tz,
    /// (day, first minute open, first minute closed), minutes since local midnight.
    periods: Vec<(Weekday, u32, u32)>,
    holidays: HashSet<NaiveDate>,
    away: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        field,
        problem: problem.into(),
    }
}

/// `HH:MM` (00:00–24:00) as minutes since midnight.
fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
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

impl Hours {
    pub fn parse(h: &BusinessHours) -> Result<Hours, Invalid> {
        let zone: Tz = h
            .zone
            .parse()
            .map_err(|_| invalid("zone", format!("{:?} is not an IANA time zone", h.zone)))?;
        let mut periods = Vec::with_capacity(h.periods.len());
        for p in &h.periods {
            let from = minutes(&p.from)
                .ok_or_else(|| invalid("from", format!("{:?} is not HH:MM", p.from)))?;
            let to =
                minutes(&p.to).ok_or_else(|| invalid("to", format!("{:?} is not HH:MM", p.to)))?;
            if to <= from {
                return Err(invalid(
                    "to",
                    format!(
                        "{} must be after {} (split periods at midnight)",
                        p.to, p.from
                    ),
                ));
            }
            periods.push((weekday(p.day), from, to));
        }
        let away = h
            .away_message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .unwrap_or(DEFAULT_AWAY);
        if away.chars().count() > 1000 {
            return Err(invalid("away_message", "must be at most 1000 characters"));
        }
        Ok(Hours {
            zone,
            periods,
            holidays: h.holidays.iter().copied().collect(),
            away: away.to_owned(),
        })
    }

    /// Open at `t`: no periods configured means always open (holidays aside).
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.zone);
        if self.holidays.contains(&local.date_naive()) {
            return false;
        }
        if self.periods.is_empty() {
            return true;
        }
        let (day, minute) = (local.weekday(), local.hour() * 60 + local.minute());
        self.periods
            .iter()
            .any(|&(d, from, to)| d == day && (from..to).contains(&minute))
    }

    pub fn away_message(&self) -> &str {
        &self.away
    }
}

impl Default for Hours {
    fn default() -> Self {
        Hours::parse(&BusinessHours::default()).expect("the defaults parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::OpeningPeriod;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn periods_holidays_and_zone() {
        let period = |day, from: &str, to: &str| OpeningPeriod {
            day,
            from: from.into(),
            to: to.into(),
        };
        let h = Hours::parse(&BusinessHours {
            zone: "Europe/Berlin".into(),
            periods: vec![
                period(Day::Mon, "09:00", "12:00"),
                period(Day::Mon, "13:00", "17:30"),
                period(Day::Sat, "22:00", "24:00"),
            ],
            holidays: vec![NaiveDate::from_ymd_opt(2026, 12, 28).unwrap()],
            away_message: None,
        })
        .unwrap();
        // Monday 30 Nov 2026, Berlin is UTC+1.
        assert!(h.is_open(at("2026-11-30T08:00:00Z")));
        assert!(!h.is_open(at("2026-11-30T11:30:00Z")), "lunch");
        assert!(h.is_open(at("2026-11-30T16:29:00Z")));
        assert!(!h.is_open(at("2026-11-30T16:30:00Z")));
        assert!(!h.is_open(at("2026-11-30T07:59:00Z")));
        assert!(
            h.is_open(at("2026-12-05T22:59:00Z")),
            "Saturday 23:59 local"
        );
        assert!(!h.is_open(at("2026-12-28T09:00:00Z")), "holiday Monday");
        assert_eq!(h.away_message(), DEFAULT_AWAY);
        assert!(Hours::default().is_open(at("2026-12-25T03:00:00Z")));
    }

    #[test]
    fn bad_hours_are_named() {
        let mut b = BusinessHours {
            zone: "Mars/Olympus".into(),
            ..BusinessHours::default()
        };
        assert_eq!(Hours::parse(&b).unwrap_err().field, "zone");
        b.zone = "UTC".into();
        b.periods = vec![OpeningPeriod {
            day: Day::Tue,
            from: "18:00".into(),
            to: "09:00".into(),
        }];
        assert_eq!(Hours::parse(&b).unwrap_err().field, "to");
        b.periods[0].from = "9am".into();
        assert_eq!(Hours::parse(&b).unwrap_err().field, "from");
    }
}
