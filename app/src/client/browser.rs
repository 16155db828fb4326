//! Small facts about the browser the UI asks for: the clock, randomness, local
//! time formatting, page visibility, network state and the WebSocket URL.
//!
//! Each function has a native stand-in so components compile for the server.
//! The server never renders message data (it arrives after hydration), so the
//! stand-ins are never on a path that shows a user anything.

use chrono::{DateTime, Utc};

/// The time now, from the browser's clock (chrono's `Utc::now` panics in
/// WASM without its `wasmbind` feature, which would add its weight).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Utc::now().timestamp_millis() as f64
    }
}

/// Runs `f` after `delay` (a browser timer). Natively nothing runs: the
/// server renders no timers, and unit tests drive the state by hand.
pub fn after(delay: std::time::Duration, f: impl FnOnce() + 'static) {
    #[cfg(target_arch = "wasm32")]
    {
        leptos::prelude::set_timeout(f, delay);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (delay, f);
    }
}

/// Keeps the language the user chose for the next page, site-wide, for a
/// year: the server renders in it from the first byte. Written here rather
/// than by leptos_i18n (see [`crate::language::cookie_options`]).
pub fn remember_language(tag: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        use crate::language::{LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE_SECS};
        let cookie = format!(
            "{LANGUAGE_COOKIE}={tag}; Path=/; Max-Age={LANGUAGE_COOKIE_MAX_AGE_SECS}; SameSite=Lax"
        );
        let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = tag;
}

/// A uniform random number in [0, 1), for jitter.
pub fn random01() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::random()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        f64::from(Utc::now().timestamp_subsec_nanos() % 1000) / 1000.0
    }
}

/// 64 random bits: from `crypto.getRandomValues` (available on plain-HTTP
/// pages too, unlike `randomUUID`), else from `Math.random`.
fn random_u64() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        let mut buf = [0u8; 8];
        let filled = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut buf).is_ok());
        if filled {
            return u64::from_le_bytes(buf);
        }
        let hi = (js_sys::Math::random() * f64::from(u32::MAX)) as u64;
        let lo = (js_sys::Math::random() * f64::from(u32::MAX)) as u64;
        (hi << 32) | lo
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64
    }
}

/// A fresh `client_id` for a message: printable ASCII, well under 64 bytes,
/// unique per tab (time) and across tabs (randomness).
pub fn new_client_id() -> String {
    format!("c{:x}-{:016x}", now_ms() as u64, random_u64())
}

/// The language the UI is shown in, for `Intl`: the `<html lang>` the i18n
/// context keeps up to date (so dates follow the language switcher, not only
/// the browser's setting); the browser's default before hydration.
#[cfg(target_arch = "wasm32")]
fn ui_locale() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.get_attribute("lang"))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "default".to_owned())
}

/// "14:05" in the reader's own time zone and the UI's language.
pub fn local_time(at: DateTime<Utc>) -> String {
    clock(at, None)
}

/// "14:05" as a clock in `zone` (an IANA name) shows it, in the UI's
/// language: someone's local time on their profile card. `Intl` throws for
/// a zone it does not know: check it against `zones::all_zones` first.
pub fn time_in_zone(at: DateTime<Utc>, zone: &str) -> String {
    clock(at, Some(zone))
}

/// Hours and minutes through `Intl`, in `zone` or the reader's own. Outside
/// the browser: UTC.
fn clock(at: DateTime<Utc>, zone: Option<&str>) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &"2-digit".into());
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
        if let Some(zone) = zone {
            let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into());
        }
        String::from(date.to_locale_time_string_with_options(&ui_locale(), &options))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = zone;
        at.format("%H:%M").to_string()
    }
}

/// "Tuesday, March 4, 2026" (in the UI's language), for day dividers and tooltips.
pub fn local_day(at: DateTime<Utc>) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64
        ));
        let options = js_sys::Object::new();
        for (k, v) in [
            ("weekday", "long"),
            ("year", "numeric"),
            ("month", "long"),
            ("day", "numeric"),
        ] {
            let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
        }
        String::from(date.to_locale_date_string(&ui_locale(), &options))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        at.format("%A, %B %-d, %Y").to_string()
    }
}

/// The start of `date` (`YYYY-MM-DD`, as a date input gives it) plus
/// `days`, in the reader's own time zone: what "messages after the 3rd"
/// means to them. Outside the browser: UTC.
pub fn local_midnight(date: &str, days: u32) -> Option<DateTime<Utc>> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    #[cfg(target_arch = "wasm32")]
    {
        use chrono::Datelike;
        let at = js_sys::Date::new_with_year_month_day(
            day.year() as u32,
            day.month0() as i32,
            (day.day() + days) as i32,
        );
        DateTime::from_timestamp_millis(at.get_time() as i64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Some(
            (day + chrono::Days::new(days.into()))
                .and_time(chrono::NaiveTime::MIN)
                .and_utc(),
        )
    }
}

/// Scrolls the message `id` shown inside `scroller` (a message list or a
/// thread's) to the middle of the view, if it is there.
pub fn center_message(scroller: &leptos::web_sys::HtmlDivElement, id: impl std::fmt::Display) {
    #[cfg(target_arch = "wasm32")]
    if let Some(el) = scroller
        .query_selector(&format!("[data-message-id=\"{id}\"]"))
        .ok()
        .flatten()
    {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&options);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (scroller, id.to_string());
}

/// Whether the window is as narrow as a phone's (the layout's 768 px
/// breakpoint): panes then cover the room instead of sitting beside it.
pub fn narrow_screen() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.inner_width().ok())
            .and_then(|w| w.as_f64())
            .is_some_and(|w| w <= 768.0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        false
    }
}

/// "12,345" (or "12 345", …) as the UI's language writes numbers, through
/// `Intl` (`Number.prototype.toLocaleString`). Outside the browser: digits.
pub fn number(n: usize) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::Number::from(n as f64).to_locale_string(&ui_locale()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        n.to_string()
    }
}

/// Whether the tab is in front of the user (not a background tab).
pub fn page_visible() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| !d.hidden())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        true
    }
}

/// Whether the browser believes it has a network.
pub fn online() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        true
    }
}

/// `ws(s)://<this host>/ws`: the socket lives on the page's own origin, so the
/// session cookie goes with the upgrade request.
pub fn ws_url() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let location = web_sys::window().map(|w| w.location());
        let host = location
            .as_ref()
            .and_then(|l| l.host().ok())
            .unwrap_or_default();
        let secure = location
            .as_ref()
            .and_then(|l| l.protocol().ok())
            .is_some_and(|p| p == "https:");
        format!("{}://{host}/ws", if secure { "wss" } else { "ws" })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::from("ws://127.0.0.1/ws")
    }
}

/// `http(s)://<this host>`, for examples the UI shows (curl lines).
pub fn origin() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::from("http://127.0.0.1:3000")
    }
}

/// Loads the page again (a visitor who started over is a new visitor).
pub fn reload() {
    #[cfg(target_arch = "wasm32")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Writes to the browser console (diagnostics only; users see errors in the UI).
pub fn warn(message: &str) {
    leptos::logging::warn!("{message}");
}

// --- Support console: remembered settings and desktop notifications ---------

/// A value from `localStorage` (none outside the browser, or when storage is off).
pub fn local_get(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(key).ok().flatten())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = key;
        None
    }
}

/// Stores a value in `localStorage`; a browser that refuses only forgets it.
pub fn local_set(key: &str, value: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (key, value);
    }
}

/// Whether desktop notifications are `granted`, `denied` or not asked yet
/// (`default`); `unsupported` where the browser has none.
pub fn notification_permission() -> &'static str {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let supported = web_sys::window().is_some_and(|w| {
            js_sys::Reflect::has(w.unchecked_ref(), &"Notification".into()).unwrap_or(false)
        });
        if !supported {
            return "unsupported";
        }
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => "granted",
            web_sys::NotificationPermission::Denied => "denied",
            _ => "default",
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "unsupported"
    }
}

/// Asks for permission to show notifications (only from a click: browsers
/// ignore or penalise asking on load). Resolves to the new permission.
pub async fn request_notifications() -> &'static str {
    #[cfg(target_arch = "wasm32")]
    {
        if notification_permission() == "unsupported" {
            return "unsupported";
        }
        if let Ok(promise) = web_sys::Notification::request_permission() {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        notification_permission()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "unsupported"
    }
}

/// Shows a desktop notification when the user allowed them; nothing otherwise.
pub fn notify(title: &str, body: &str) {
    #[cfg(target_arch = "wasm32")]
    if notification_permission() == "granted" {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        options.set_tag("switchboard-console");
        let _ = web_sys::Notification::new_with_options(title, &options);
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (title, body);
    }
}
