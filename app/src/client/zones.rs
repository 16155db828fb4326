//! Time zones as the browser knows them (`Intl`): the browser's own zone, the
//! list for the zone picker, and the UTC offset a wall-clock time has in a zone.
//!
//! The scheduling form needs an RFC 3339 time *with the zone's offset* for the
//! date and time the admin typed. The browser computes a candidate here; the
//! server checks it against its own tz database and answers a 422 naming the
//! field when the time does not exist (a DST gap) or the zone is unknown, so
//! the server stays the authority and this file only has to be right for
//! times that exist.
//!
//! Native stand-ins (for server rendering) know only UTC.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// The browser's zone (`Intl.DateTimeFormat().resolvedOptions().timeZone`), or `UTC`.
pub fn browser_zone() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "UTC".into())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "UTC".into()
    }
}

/// Every zone the browser supports, for the picker (`UTC` first).
pub fn all_zones() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    let mut zones: Vec<String> =
        js_sys::Intl::supported_values_of(js_sys::Intl::SupportedValuesKey::TimeZone)
            .iter()
            .filter_map(|v| v.as_string())
            .collect();
    #[cfg(not(target_arch = "wasm32"))]
    let mut zones: Vec<String> = Vec::new();
    zones.retain(|z| z != "UTC");
    zones.insert(0, "UTC".into());
    zones
}

/// The wall-clock time in `zone` at the instant `utc_ms` (milliseconds since
/// the epoch), or `None` when the browser does not know the zone.
#[cfg(target_arch = "wasm32")]
fn wall_time(zone: &str, utc_ms: i64) -> Option<NaiveDateTime> {
    use js_sys::{Array, Intl::DateTimeFormat, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    let options = Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("second", "2-digit"),
    ] {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    // `new Intl.DateTimeFormat` throws a RangeError for an unknown zone:
    // construct it through Reflect so that becomes `None`, not a trap.
    let constructor: JsValue = Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| Reflect::get(&intl, &"DateTimeFormat".into()))
        .ok()?;
    let args = Array::of2(&Array::of1(&"en-US".into()), &options);
    let format: DateTimeFormat =
        Reflect::construct(constructor.dyn_ref::<js_sys::Function>()?, &args)
            .ok()?
            .into();
    let date = js_sys::Date::new(&JsValue::from_f64(utc_ms as f64));
    let mut fields = [0i64; 6];
    for part in format.format_to_parts(&date).iter() {
        let kind = Reflect::get(&part, &"type".into()).ok()?.as_string()?;
        let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
        let slot = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        fields[slot] = value.parse().ok()?;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(fields[0]).ok()?,
        u32::try_from(fields[1]).ok()?,
        u32::try_from(fields[2]).ok()?,
    )?;
    // Some engines print midnight as 24 even with h23; treat it as 0.
    let time = chrono::NaiveTime::from_hms_opt(
        u32::try_from(fields[3] % 24).ok()?,
        u32::try_from(fields[4]).ok()?,
        u32::try_from(fields[5]).ok()?,
    )?;
    Some(date.and_time(time))
}

#[cfg(not(target_arch = "wasm32"))]
fn wall_time(zone: &str, utc_ms: i64) -> Option<NaiveDateTime> {
    (zone == "UTC")
        .then(|| DateTime::from_timestamp_millis(utc_ms))
        .flatten()
        .map(|t| t.naive_utc())
}

/// The zone's offset from UTC at an instant, in seconds.
fn offset_at(zone: &str, utc: NaiveDateTime) -> Option<i32> {
    let ms = utc.and_utc().timestamp_millis();
    let wall = wall_time(zone, ms)?;
    i32::try_from((wall - utc).num_seconds()).ok()
}

/// `local` read in `zone`, with the offset the zone has then. For a time that
/// occurs twice (clocks going back) the earlier one; for a time that does not
/// exist (clocks skipping it) the offset before the jump, which the server
/// will refuse by name. `None` when the browser does not know the zone.
pub fn with_zone_offset(local: NaiveDateTime, zone: &str) -> Option<DateTime<FixedOffset>> {
    resolve(local, |utc| offset_at(zone, utc))
}

/// The zone-offset arithmetic, separate from `Intl` so it can be tested natively.
fn resolve(
    local: NaiveDateTime,
    offset_at: impl Fn(NaiveDateTime) -> Option<i32>,
) -> Option<DateTime<FixedOffset>> {
    // The offsets in force a day either side bracket every transition near
    // `local`; try the earlier one first so an ambiguous time reads as the
    // first of its two instants.
    let day = chrono::Duration::days(1);
    let before = offset_at(local - day)?;
    let after = offset_at(local + day)?;
    for seconds in [before, after] {
        let offset = FixedOffset::east_opt(seconds)?;
        let utc = local - chrono::Duration::seconds(i64::from(seconds));
        if offset_at(utc)? == seconds {
            return offset.from_local_datetime(&local).single();
        }
    }
    FixedOffset::east_opt(before)?
        .from_local_datetime(&local)
        .single()
}

/// An instant shown as wall-clock time in `zone` (with its offset), for lists.
pub fn in_zone(t: DateTime<Utc>, zone: &str) -> Option<DateTime<FixedOffset>> {
    let seconds = offset_at(zone, t.naive_utc())?;
    Some(t.with_timezone(&FixedOffset::east_opt(seconds)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    /// Berlin in 2026: CET (+1) until 2026-03-29 01:00 UTC, CEST (+2) until
    /// 2026-10-25 01:00 UTC.
    fn berlin(utc: NaiveDateTime) -> Option<i32> {
        let start = local("2026-03-29T01:00");
        let end = local("2026-10-25T01:00");
        Some(if utc >= start && utc < end {
            7200
        } else {
            3600
        })
    }

    #[test]
    fn ordinary_times_get_the_offset_in_force() {
        let winter = resolve(local("2026-01-15T09:00"), berlin).unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-01-15T09:00:00+01:00");
        let summer = resolve(local("2026-07-01T09:00"), berlin).unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T09:00:00+02:00");
        // The morning after the spring change.
        let next = resolve(local("2026-03-29T09:00"), berlin).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-03-29T09:00:00+02:00");
    }

    #[test]
    fn repeated_hour_reads_as_the_first_and_skipped_hour_keeps_the_old_offset() {
        let twice = resolve(local("2026-10-25T02:30"), berlin).unwrap();
        assert_eq!(twice.to_rfc3339(), "2026-10-25T02:30:00+02:00");
        let gap = resolve(local("2026-03-29T02:30"), berlin).unwrap();
        assert_eq!(gap.to_rfc3339(), "2026-03-29T02:30:00+01:00");
    }

    #[test]
    fn native_stand_in_knows_utc_only() {
        let t = with_zone_offset(local("2026-05-01T12:00"), "UTC").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-01T12:00:00+00:00");
        assert!(with_zone_offset(local("2026-05-01T12:00"), "Europe/Berlin").is_none());
        assert_eq!(all_zones(), vec!["UTC".to_string()]);
    }
}
