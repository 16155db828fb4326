//! Business hours (admin): the desk's time zone, weekly opening periods,
//! holidays and the away message. No periods means always open. The server
//! validates (`422` names the bad field) and applies them at once.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::client::{http, zones};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{BusinessHours, Day, OpeningPeriod};

const DAYS: [(Day, &str); 7] = [
    (Day::Mon, "mon"),
    (Day::Tue, "tue"),
    (Day::Wed, "wed"),
    (Day::Thu, "thu"),
    (Day::Fri, "fri"),
    (Day::Sat, "sat"),
    (Day::Sun, "sun"),
];

fn day_str(day: Day) -> &'static str {
    DAYS.iter()
        .find(|(d, _)| *d == day)
        .map_or("mon", |(_, s)| s)
}

fn day_parse(s: &str) -> Day {
    DAYS.iter()
        .find(|(_, x)| *x == s)
        .map_or(Day::Mon, |(d, _)| *d)
}

/// A day as the period picker names it: "mon", "周一".
fn day_label(l: Locale, day: Day) -> String {
    match day {
        Day::Mon => td_string!(l, admin.hours.days.mon),
        Day::Tue => td_string!(l, admin.hours.days.tue),
        Day::Wed => td_string!(l, admin.hours.days.wed),
        Day::Thu => td_string!(l, admin.hours.days.thu),
        Day::Fri => td_string!(l, admin.hours.days.fri),
        Day::Sat => td_string!(l, admin.hours.days.sat),
        Day::Sun => td_string!(l, admin.hours.days.sun),
    }
    .to_string()
}

#[component]
pub fn SupportHours() -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let hours = RwSignal::new(BusinessHours::default());
    let holiday = RwSignal::new(String::new());
    let status = RwSignal::new(None::<Result<String, String>>);
    // The zone came from the browser, not from saved settings: say so.
    let zone_guessed = RwSignal::new(false);
    let zone_list = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        zone_list.set(zones::all_zones());
        leptos::task::spawn_local(async move {
            match http::support_hours().await {
                Ok(mut h) => {
                    // Never set up (the server's default): start from the
                    // admin's own zone, as the announcement form does, rather
                    // than UTC.
                    if h == BusinessHours::default() {
                        h.zone = zones::browser_zone();
                        zone_guessed.set(h.zone != "UTC");
                    }
                    hours.set(h)
                }
                Err(e) => status.set(Some(Err(error_text(lang, &e)))),
            }
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = hours.get_untracked();
        leptos::task::spawn_local(async move {
            match http::set_support_hours(&request).await {
                Ok(saved) => {
                    hours.set(saved);
                    zone_guessed.set(false);
                    status.set(Some(Ok(
                        td_string!(lang.get(), admin.hours.saved).to_string()
                    )));
                }
                Err(e) => {
                    let field = e.field().map(|f| format!(" ({f})")).unwrap_or_default();
                    status.set(Some(Err(format!("{}{field}", error_text(lang, &e)))));
                }
            }
        });
    };
    let add_holiday = move |_| {
        if let Ok(date) = NaiveDate::parse_from_str(&holiday.get_untracked(), "%Y-%m-%d") {
            hours.update(|h| {
                if !h.holidays.contains(&date) {
                    h.holidays.push(date);
                    h.holidays.sort();
                }
            });
            holiday.set(String::new());
        }
    };
    let period_row = move |i: usize, p: OpeningPeriod| {
        let n = i + 1;
        view! {
            <li class="period-row">
                <select class="input" aria-label=move || t_string!(i18n, admin.hours.day_of, n).to_string() prop:value=day_str(p.day)
                    on:change=move |ev| {
                        let day = day_parse(&event_target_value(&ev));
                        hours.update(|h| if let Some(p) = h.periods.get_mut(i) { p.day = day; });
                    }>
                    {DAYS.iter().map(|(d, s)| {
                        let d = *d;
                        view! { <option value=*s>{move || day_label(i18n.get_locale(), d)}</option> }
                    }).collect_view()}
                </select>
                <input type="time" class="input" aria-label=move || t_string!(i18n, admin.hours.from, n).to_string() prop:value=p.from.clone()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        hours.update(|h| if let Some(p) = h.periods.get_mut(i) { p.from = v; });
                    }/>
                <input type="text" class="input time-to" inputmode="numeric" aria-label=move || t_string!(i18n, admin.hours.to, n).to_string() prop:value=p.to.clone()
                    placeholder=tr(i18n, |l| td_string!(l, admin.hours.to_placeholder))
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        hours.update(|h| if let Some(p) = h.periods.get_mut(i) { p.to = v; });
                    }/>
                <button class="button subtle small" type="button" aria-label=move || t_string!(i18n, admin.hours.remove_period, n).to_string()
                    on:click=move |_| hours.update(|h| { if i < h.periods.len() { h.periods.remove(i); } })>
                    {tr(i18n, |l| td_string!(l, admin.hours.remove))}
                </button>
            </li>
        }
    };

    view! {
        <section class="card admin-card support-hours" aria-labelledby="hours-title">
            <h2 id="hours-title">{tr(i18n, |l| td_string!(l, admin.hours.title))}</h2>
            <form on:submit=save>
                <div class="field">
                    <label for="hours-zone">{tr(i18n, |l| td_string!(l, admin.hours.zone))}</label>
                    <input id="hours-zone" class="input" type="text" list="hours-zone-list" autocomplete="off" spellcheck="false"
                        placeholder="Europe/Berlin" prop:value=move || hours.with(|h| h.zone.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); hours.update(|h| h.zone = v); zone_guessed.set(false); }/>
                    <datalist id="hours-zone-list">
                        {move || zone_list.get().into_iter().map(|z| view! { <option value=z.clone()></option> }).collect_view()}
                    </datalist>
                    <Show when=move || zone_guessed.get()>
                        <p class="muted small">{tr(i18n, |l| td_string!(l, admin.hours.zone_from_browser))}</p>
                    </Show>
                </div>
                <h3>{tr(i18n, |l| td_string!(l, admin.hours.periods))}</h3>
                <p class="muted small">{tr(i18n, |l| td_string!(l, admin.hours.periods_hint))}</p>
                <Show when=move || hours.with(|h| !h.periods.is_empty())>
                    <div class="period-row period-head muted small" aria-hidden="true">
                        <span>{tr(i18n, |l| td_string!(l, admin.hours.day))}</span>
                        <span>{tr(i18n, |l| td_string!(l, admin.hours.opens))}</span>
                        <span>{tr(i18n, |l| td_string!(l, admin.hours.closes))}</span>
                        <span></span>
                    </div>
                </Show>
                <ol class="period-list">
                    {move || hours.with(|h| h.periods.clone()).into_iter().enumerate()
                        .map(|(i, p)| period_row(i, p)).collect_view()}
                </ol>
                <button class="button subtle small" type="button" on:click=move |_| hours.update(|h| h.periods.push(OpeningPeriod {
                    day: Day::Mon,
                    from: "09:00".into(),
                    to: "17:00".into(),
                }))>{tr(i18n, |l| td_string!(l, admin.hours.add_period))}</button>
                <h3>{tr(i18n, |l| td_string!(l, admin.hours.holidays))}</h3>
                <ul class="holiday-list">
                    {move || hours.with(|h| h.holidays.clone()).into_iter().map(|d| view! {
                        <li>
                            {d.format("%Y-%m-%d").to_string()}
                            <button class="button subtle small" type="button" aria-label=move || t_string!(i18n, admin.hours.remove_holiday, date = d).to_string()
                                on:click=move |_| hours.update(|h| h.holidays.retain(|x| *x != d))>{tr(i18n, |l| td_string!(l, admin.hours.remove))}</button>
                        </li>
                    }).collect_view()}
                </ul>
                <span class="holiday-add">
                    <input type="date" class="input" aria-label=tr(i18n, |l| td_string!(l, admin.hours.holiday_date)) prop:value=move || holiday.get()
                        on:input=move |ev| holiday.set(event_target_value(&ev))/>
                    <button class="button subtle small" type="button" on:click=add_holiday>{tr(i18n, |l| td_string!(l, admin.hours.add_holiday))}</button>
                </span>
                <label>
                    <span>{tr(i18n, |l| td_string!(l, admin.hours.away))}</span>
                    <textarea class="input" rows="3" placeholder=tr(i18n, |l| td_string!(l, admin.hours.away_placeholder)) prop:value=move || hours.with(|h| h.away_message.clone().unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            hours.update(|h| h.away_message = (!v.trim().is_empty()).then_some(v));
                        }></textarea>
                </label>
                <div class="form-actions">
                    <button class="button primary small" type="submit">{tr(i18n, |l| td_string!(l, admin.hours.save))}</button>
                </div>
                {move || status.get().map(|s| match s {
                    Ok(m) => view! { <p class="muted small" role="status">{m}</p> }.into_any(),
                    Err(m) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                })}
            </form>
        </section>
    }
    .into_any()
}
