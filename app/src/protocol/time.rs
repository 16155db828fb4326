//! How the protocol's times are read: every `DateTime<Utc>` field carries
//! `#[serde(deserialize_with = "time::read")]` (`read_opt` for an `Option`).
//!
//! The server reads them with chrono's own `Deserialize`: API clients send
//! times, and it accepts any RFC 3339 form chrono does. The browser only
//! reads times the server wrote (`2026-11-25T19:37:04.123Z`), and chrono's
//! reader for those is its general format parser: about 19 KB of code in
//! each WASM bundle, for one format. [`parse`] reads RFC 3339 in a few
//! hundred bytes; a test checks it against chrono on every shape the server
//! writes and on malformed ones (docs/performance.md, "First load").

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{de, Deserialize, Deserializer};
use std::fmt;

/// Reads a time: chrono's reader on the server, [`parse`] in the browser.
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    #[cfg(target_arch = "wasm32")]
    return deserializer.deserialize_str(Rfc3339);
    #[cfg(not(target_arch = "wasm32"))]
    return DateTime::<Utc>::deserialize(deserializer);
}

/// [`read`] for an optional time: `null` is `None` (the field needs
/// `default` as well, for "absent is `None`").
pub fn read_opt<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[derive(Deserialize)]
    struct Time(#[serde(deserialize_with = "read")] DateTime<Utc>);
    Ok(Option::<Time>::deserialize(deserializer)?.map(|t| t.0))
}

/// Reads an RFC 3339 string with [`parse`].
#[cfg_attr(not(any(target_arch = "wasm32", test)), allow(dead_code))]
struct Rfc3339;

impl de::Visitor<'_> for Rfc3339 {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 time, e.g. \"2026-11-25T19:37:04.123Z\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).ok_or_else(|| E::invalid_value(de::Unexpected::Str(text), &self))
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339, section 5.6; `t`,
/// `z` and a space for `T` accepted, as chrono does), as a UTC time. A
/// fraction longer than nanoseconds is cut; second 60 is a leap second, as
/// in chrono. `None` for anything else, or a date or time that does not exist.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let number = |at: usize, len: usize| -> Option<u32> {
        b.get(at..at + len)?.iter().try_fold(0, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, c)| b.get(at) != Some(&c))
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 2)?, number(8, 2)?)?;
    let (hour, minute, mut second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    let mut at = 19;
    let mut nanos = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        nanos = number(at, digits.min(9))? * 10u32.pow(9 - digits.min(9) as u32);
        at += digits;
    }
    let offset_minutes = match &b[at.min(b.len())..] {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (number(at + 1, 2)?, number(at + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    if second == 60 {
        second = 59;
        nanos += 1_000_000_000;
    }
    let local = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    Some((local - TimeDelta::minutes(offset_minutes)).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono(text: &str) -> Option<DateTime<Utc>> {
        text.parse::<DateTime<chrono::FixedOffset>>()
            .ok()
            .map(|t| t.to_utc())
    }

    /// Every time the server writes reads back the same, through serde too.
    #[test]
    fn reads_what_the_server_writes() {
        let mut checked = 0;
        for secs in [0, 1, 59, 86_399, 951_782_400, 1_764_600_000, 4_102_444_799] {
            for nanos in [0, 1, 4_000_000, 123_000_000, 123_456_000, 999_999_999] {
                let time = DateTime::from_timestamp(secs, nanos).unwrap();
                let json = serde_json::to_string(&time).unwrap();
                assert_eq!(parse(&json[1..json.len() - 1]), Some(time), "{json}");
                let mut de = serde_json::Deserializer::from_str(&json);
                assert_eq!(
                    de::Deserializer::deserialize_str(&mut de, Rfc3339).unwrap(),
                    time
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 42);
    }

    /// Where both read a text, they agree; what chrono refuses, this refuses
    /// too.
    #[test]
    fn agrees_with_chrono() {
        let texts = [
            "2026-11-25T19:37:04.123Z",
            "2026-11-25t19:37:04z",
            "2026-11-25 19:37:04Z",
            "2026-11-25T19:37:04.1234567891234Z",
            "2026-11-25T19:37:04+01:00",
            "2026-11-25T00:30:00-05:30",
            "2026-01-01T00:00:00+23:59",
            "2024-02-29T12:00:00Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
        ];
        for text in texts {
            assert!(parse(text).is_some(), "{text}");
            assert_eq!(parse(text), chrono(text), "{text}");
        }
        let refused = [
            "",
            "2026-11-25",
            "2026-11-25T19:37:04",
            "2026-11-25T19:37Z",
            "2026-11-25T19:37:04.Z",
            "2026-11-25T19:37:04.123",
            "2026-11-25T19:37:04Zjunk",
            "2026-11-25T19:37:04+01",
            "2026-11-25T19:37:04+24:00",
            "2026-11-25T19:37:04+01:60",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T23:60:00Z",
            "2026-11-25T23:59:61Z",
            "2026-11-25X19:37:04Z",
            "2026/11/25T19:37:04Z",
            "20a6-11-25T19:37:04Z",
            "2026-11-25T19:37:04.12a Z",
            "２０２６-11-25T19:37:04Z",
        ];
        for text in refused {
            assert_eq!(parse(text), None, "{text}");
            assert_eq!(chrono(text), None, "chrono reads {text}");
        }
        // A signed (expanded) year: chrono reads it, the server never writes
        // one, and the browser need not.
        assert_eq!(parse("+2026-11-25T19:37:04Z"), None);
    }

    /// Every `DateTime<Utc>` field of the protocol is read through [`read`]
    /// or [`read_opt`] (one left out brings chrono's parser back into the
    /// browser's bundles, and nothing else would notice), and every optional
    /// one also has `default`, so that an absent field is still `None`.
    #[test]
    fn every_time_field_is_read_here() {
        let sources = [
            ("protocol.rs", include_str!("../protocol.rs")),
            ("account.rs", include_str!("account.rs")),
            ("files.rs", include_str!("files.rs")),
            ("profile.rs", include_str!("profile.rs")),
            ("registration.rs", include_str!("registration.rs")),
            ("search.rs", include_str!("search.rs")),
            ("support.rs", include_str!("support.rs")),
            ("wire.rs", include_str!("wire.rs")),
        ];
        let mut fields = 0;
        for (file, text) in sources {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let line = line.trim();
                let optional = line.ends_with(": Option<DateTime<Utc>>,");
                if !(optional || line.ends_with(": DateTime<Utc>,")) || line.starts_with("//") {
                    continue;
                }
                fields += 1;
                // The attribute just above, on one line or as rustfmt
                // spreads it over several.
                let mut start = i - 1;
                while !lines[start].trim().starts_with("#[") && lines[i - 1].trim() == ")]" {
                    start -= 1;
                }
                let attribute: String = lines[start..i].iter().map(|l| l.trim()).collect();
                let wanted = if optional {
                    "deserialize_with = \"crate::protocol::time::read_opt\""
                } else {
                    "deserialize_with = \"crate::protocol::time::read\""
                };
                assert!(
                    attribute.starts_with("#[serde(")
                        && attribute.trim_end_matches(")]").ends_with(wanted),
                    "{file}:{}: `{line}` is not read by time::read",
                    i + 1
                );
                assert!(
                    !optional || attribute.contains("default"),
                    "{file}:{}: `{line}` needs `default`",
                    i + 1
                );
            }
        }
        assert!(fields >= 40, "only {fields} time fields found");
    }

    /// A bad time is refused with its text named, and `null` is `None`.
    #[test]
    fn errors_name_the_text() {
        let mut de = serde_json::Deserializer::from_str("\"yesterday\"");
        let error = de::Deserializer::deserialize_str(&mut de, Rfc3339).unwrap_err();
        assert!(error.to_string().contains("yesterday"), "{error}");
        #[derive(Deserialize, Debug, PartialEq)]
        struct T {
            #[serde(default, deserialize_with = "read_opt")]
            at: Option<DateTime<Utc>>,
        }
        for (json, at) in [
            ("{}", None),
            ("{\"at\":null}", None),
            (
                "{\"at\":\"1970-01-01T00:00:01Z\"}",
                DateTime::from_timestamp(1, 0),
            ),
        ] {
            assert_eq!(serde_json::from_str::<T>(json).unwrap(), T { at }, "{json}");
        }
    }
}
