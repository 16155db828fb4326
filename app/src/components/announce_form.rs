//! The announcement form: write an announcement, choose who gets it, and send
//! it now or schedule it (date, time, zone, recurrence, end date) with a live
//! preview of the next five due times in the chosen zone. The same form edits
//! a schedule picked from the list. The rules live in
//! [`crate::state::announce_form`]; the server checks everything again and its
//! 422 answers name the field, which is where their message is shown.

use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Weekday};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::client::{browser, http, zones};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, refusal_text, Lang};
use crate::protocol::{Day, RoomId, RoomSummary, Schedule, Severity, User, UserId};
use crate::state::announce_form::{
    patch_for, Draft, FieldError, Mistake, RepeatKind, TargetKind, When, DAYS,
};

/// A mistake to show: beside its field when it names one the form has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    /// A mistake the form found itself, worded in the UI's language.
    fn of_field(lang: Lang, e: FieldError) -> Problem {
        Problem {
            field: Some(e.field.to_owned()),
            message: mistake_text(lang.get(), &e.mistake),
        }
    }

    /// The server's refusal, in the UI's language.
    fn of_api(lang: Lang, e: http::ApiError) -> Problem {
        let field = e.field().map(str::to_owned);
        let message = match &e {
            http::ApiError::Server { code, message, .. } => {
                // The server's message starts with "<field>: "; beside the field that is noise.
                let detail = field
                    .as_ref()
                    .and_then(|f| message.strip_prefix(&format!("{f}: ")))
                    .unwrap_or(message);
                refusal_text(lang, *code, detail)
            }
            http::ApiError::Network(_) => error_text(lang, &e),
        };
        Problem { field, message }
    }
}

/// What a [`Mistake`] says beside its field.
fn mistake_text(l: Locale, mistake: &Mistake) -> String {
    match mistake {
        Mistake::ChooseRoom => td_string!(l, admin.announce.mistakes.choose_room).to_string(),
        Mistake::ChooseUser => td_string!(l, admin.announce.mistakes.choose_user).to_string(),
        Mistake::WriteBody => td_string!(l, admin.announce.mistakes.write_body).to_string(),
        Mistake::ChooseDate => td_string!(l, admin.announce.mistakes.choose_date).to_string(),
        Mistake::ChooseTime => td_string!(l, admin.announce.mistakes.choose_time).to_string(),
        Mistake::ChooseDays => td_string!(l, admin.announce.mistakes.choose_days).to_string(),
        Mistake::WriteCron => td_string!(l, admin.announce.mistakes.write_cron).to_string(),
        Mistake::ChooseZone => td_string!(l, admin.announce.mistakes.choose_zone).to_string(),
        Mistake::UnknownZone(zone) => td_string!(
            l,
            admin.announce.mistakes.unknown_zone,
            zone = format!("{zone:?}")
        )
        .to_string(),
    }
}

/// A day's short name: "Mon", "周一".
pub fn day_name(l: Locale, day: Day) -> String {
    match day {
        Day::Mon => td_string!(l, admin.days.mon),
        Day::Tue => td_string!(l, admin.days.tue),
        Day::Wed => td_string!(l, admin.days.wed),
        Day::Thu => td_string!(l, admin.days.thu),
        Day::Fri => td_string!(l, admin.days.fri),
        Day::Sat => td_string!(l, admin.days.sat),
        Day::Sun => td_string!(l, admin.days.sun),
    }
    .to_string()
}

/// A month's short name: "Dec", "12月".
fn month_name(l: Locale, month: u32) -> String {
    match month {
        1 => td_string!(l, admin.months.jan),
        2 => td_string!(l, admin.months.feb),
        3 => td_string!(l, admin.months.mar),
        4 => td_string!(l, admin.months.apr),
        5 => td_string!(l, admin.months.may),
        6 => td_string!(l, admin.months.jun),
        7 => td_string!(l, admin.months.jul),
        8 => td_string!(l, admin.months.aug),
        9 => td_string!(l, admin.months.sep),
        10 => td_string!(l, admin.months.oct),
        11 => td_string!(l, admin.months.nov),
        _ => td_string!(l, admin.months.dec),
    }
    .to_string()
}

/// "Tue 1 Dec 2026, 09:00 (UTC+01:00)" (in Chinese "2026年12月1日 周二
/// 09:00（UTC+01:00）"): a due time as the zone's wall clock.
pub fn wall(l: Locale, t: DateTime<FixedOffset>) -> String {
    let time = if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
    let day = match t.weekday() {
        Weekday::Mon => Day::Mon,
        Weekday::Tue => Day::Tue,
        Weekday::Wed => Day::Wed,
        Weekday::Thu => Day::Thu,
        Weekday::Fri => Day::Fri,
        Weekday::Sat => Day::Sat,
        Weekday::Sun => Day::Sun,
    };
    td_string!(
        l,
        admin.wall,
        weekday = day_name(l, day),
        day = t.day(),
        month = month_name(l, t.month()),
        year = t.format("%Y").to_string(),
        time = t.format(time).to_string(),
        offset = t.format("%:z").to_string()
    )
    .to_string()
}

/// Who an announcement goes to, as the form's picker names it.
pub fn target_label(l: Locale, kind: TargetKind) -> String {
    match kind {
        TargetKind::All => td_string!(l, admin.announce.targets.all),
        TargetKind::Room => td_string!(l, admin.announce.targets.room),
        TargetKind::User => td_string!(l, admin.announce.targets.user),
        TargetKind::Agents => td_string!(l, admin.announce.targets.agents),
        TargetKind::Visitors => td_string!(l, admin.announce.targets.visitors),
    }
    .to_string()
}

fn repeat_label(l: Locale, kind: RepeatKind) -> String {
    match kind {
        RepeatKind::Never => td_string!(l, admin.announce.repeats.never),
        RepeatKind::Day => td_string!(l, admin.announce.repeats.day),
        RepeatKind::Weekday => td_string!(l, admin.announce.repeats.weekday),
        RepeatKind::Week => td_string!(l, admin.announce.repeats.week),
        RepeatKind::Month => td_string!(l, admin.announce.repeats.month),
        RepeatKind::Cron => td_string!(l, admin.announce.repeats.cron),
    }
    .to_string()
}

/// The groups of the form a problem can be shown beside.
const PLACES: [&str; 7] = ["title", "body", "target", "at", "zone", "repeat", "until"];

fn place_of(field: &str) -> Option<&'static str> {
    PLACES
        .into_iter()
        .find(|p| field == *p || field.starts_with(&format!("{p}.")))
}

#[component]
pub fn AnnounceForm(
    draft: RwSignal<Draft>,
    /// The schedule being edited, if any (set by the list's "Edit").
    editing: RwSignal<Option<Schedule>>,
    rooms: RwSignal<Vec<RoomSummary>>,
    users: RwSignal<Vec<User>>,
    /// Called after a successful send, schedule or edit.
    on_saved: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let problem = RwSignal::new(None::<Problem>);
    let done = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let zone_list = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| zone_list.set(zones::all_zones()));

    let scheduling = move || editing.with(Option::is_some) || draft.with(|d| d.when == When::Later);

    // The preview follows the form, 300 ms after the last change; an answer
    // that arrives after a newer change is dropped.
    let preview = RwSignal::new(None::<Result<Vec<DateTime<FixedOffset>>, Problem>>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let d = draft.get();
        if !scheduling() {
            preview.set(None);
            return;
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() != mine {
                    return;
                }
                let mut d = d;
                if d.body.trim().is_empty() {
                    // The preview is about times; the body is checked on save.
                    d.body = "preview".into();
                }
                let request = match d.schedule_request(zones::with_zone_offset) {
                    Ok(r) => r,
                    Err(e) => return preview.set(Some(Err(Problem::of_field(lang, e)))),
                };
                leptos::task::spawn_local(async move {
                    let answer = http::preview_schedule(&request).await;
                    if generation.get_value() == mine {
                        preview.set(Some(
                            answer
                                .map(|p| p.upcoming)
                                .map_err(|e| Problem::of_api(lang, e)),
                        ));
                    }
                });
            },
            Duration::from_millis(300),
        );
    });

    // What was submitted last: once the form no longer says that, the
    // answer about it ("… is in the past", "Sent …") is out of date.
    let submitted = StoredValue::new(None::<Draft>);
    Effect::new(move |_| {
        let now = draft.get();
        if submitted.with_value(|s| s.as_ref().is_some_and(|s| *s != now)) {
            submitted.set_value(None);
            problem.set(None);
            done.set(None);
        }
    });

    let reset = move || {
        editing.set(None);
        draft.update(Draft::after_sent);
        submitted.set_value(Some(draft.get_untracked()));
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        done.set(None);
        let d = draft.get_untracked();
        submitted.set_value(Some(d.clone()));
        let original = editing.get_untracked();
        if original.is_none() && d.when == When::Now {
            let request = match d.push_request() {
                Ok(r) => r,
                Err(e) => return problem.set(Some(Problem::of_field(lang, e))),
            };
            busy.set(true);
            leptos::task::spawn_local(async move {
                match http::push(&request).await {
                    Ok(sent) => {
                        done.set(Some(
                            td_string!(
                                lang.get(),
                                admin.announce.sent,
                                id = sent.id,
                                count = browser::number(sent.connections)
                            )
                            .to_string(),
                        ));
                        reset();
                        on_saved.run(());
                    }
                    Err(e) => problem.set(Some(Problem::of_api(lang, e))),
                }
                busy.set(false);
            });
            return;
        }
        let request = match d.schedule_request(zones::with_zone_offset) {
            Ok(r) => r,
            Err(e) => return problem.set(Some(Problem::of_field(lang, e))),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = match &original {
                Some(s) => http::update_schedule(s.id, &patch_for(s, request)).await,
                None => http::create_schedule(&request).await,
            };
            match answer {
                Ok(s) => {
                    let l = lang.get();
                    let next = s
                        .upcoming
                        .first()
                        .map(|t| td_string!(l, admin.announce.next, time = wall(l, *t)).to_string())
                        .unwrap_or_default();
                    let what = if original.is_some() {
                        td_string!(l, admin.announce.saved, id = s.id).to_string()
                    } else {
                        td_string!(l, admin.announce.scheduled, id = s.id).to_string()
                    };
                    done.set(Some(format!("{what}{next}")));
                    reset();
                    on_saved.run(());
                }
                Err(e) => problem.set(Some(Problem::of_api(lang, e))),
            }
            busy.set(false);
        });
    };

    // The message for one place of the form, if the problem is about it.
    let beside = move |place: &'static str| {
        move || {
            problem.with(|p| {
                p.as_ref()
                    .filter(|p| p.field.as_deref().and_then(place_of) == Some(place))
                    .map(|p| p.message.clone())
            })
        }
    };
    let general = move || {
        problem.with(|p| {
            p.as_ref()
                .filter(|p| p.field.as_deref().and_then(place_of).is_none())
                .map(|p| p.message.clone())
        })
    };

    let text_field = move |get: fn(&Draft) -> &String, set: fn(&mut Draft, String)| {
        (
            move || draft.with(|d| get(d).clone()),
            move |ev: leptos::ev::Event| draft.update(|d| set(d, event_target_value(&ev))),
        )
    };
    let (title, on_title) = text_field(|d| &d.title, |d, v| d.title = v);
    let (body, on_body) = text_field(|d| &d.body, |d, v| d.body = v);
    let (date, on_date) = text_field(|d| &d.date, |d, v| d.date = v);
    let (time, on_time) = text_field(|d| &d.time, |d, v| d.time = v);
    let (zone, on_zone) = text_field(|d| &d.zone, |d, v| d.zone = v);
    let (cron, on_cron) = text_field(|d| &d.cron, |d, v| d.cron = v);
    let (until, on_until) = text_field(|d| &d.until, |d, v| d.until = v);

    let submit_label = move || {
        if editing.with(Option::is_some) {
            t_string!(i18n, admin.announce.save_changes)
        } else if scheduling() {
            t_string!(i18n, admin.announce.schedule)
        } else {
            t_string!(i18n, admin.announce.send_now)
        }
        .to_string()
    };

    view! {
        <section class="card admin-card" aria-labelledby="announce-title" id="announce-form">
            <h1 id="announce-title">
                {move || match editing.get() {
                    Some(s) => t_string!(i18n, admin.announce.edit, id = s.id).to_string(),
                    None => t_string!(i18n, admin.announce.new).to_string(),
                }}
            </h1>
            <form class="announce-form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="announce-title-input">{tr(i18n, |l| td_string!(l, admin.announce.title))} <span class="muted small">{tr(i18n, |l| td_string!(l, admin.announce.optional))}</span></label>
                    <input id="announce-title-input" type="text" maxlength="200" prop:value=title on:input=on_title/>
                    <span class="field-error">{beside("title")}</span>
                </div>
                <div class="field">
                    <label for="announce-body">{tr(i18n, |l| td_string!(l, admin.announce.message))}</label>
                    <textarea id="announce-body" rows="4" prop:value=body on:input=on_body
                        placeholder=tr(i18n, |l| td_string!(l, admin.announce.body_placeholder))></textarea>
                    <span class="field-error">{beside("body")}</span>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="announce-severity">{tr(i18n, |l| td_string!(l, admin.announce.severity))}</label>
                        <select id="announce-severity"
                            prop:value=move || draft.with(|d| d.severity.as_str())
                            on:change=move |ev| {
                                if let Some(s) = Severity::parse(&event_target_value(&ev)) {
                                    draft.update(|d| d.severity = s);
                                }
                            }>
                            <option value="info">{tr(i18n, |l| td_string!(l, admin.announce.severities.info))}</option>
                            <option value="warning">{tr(i18n, |l| td_string!(l, admin.announce.severities.warning))}</option>
                            <option value="urgent">{tr(i18n, |l| td_string!(l, admin.announce.severities.urgent))}</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="announce-target">{tr(i18n, |l| td_string!(l, admin.announce.send_to))}</label>
                        <select id="announce-target"
                            prop:value=move || draft.with(|d| d.target.as_str())
                            on:change=move |ev| {
                                if let Some(t) = TargetKind::parse(&event_target_value(&ev)) {
                                    draft.update(|d| d.target = t);
                                }
                            }>
                            {TargetKind::ALL
                                .into_iter()
                                .map(|k| view! { <option value=k.as_str()>{move || target_label(i18n.get_locale(), k)}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <Show when=move || draft.with(|d| d.target == TargetKind::Room)>
                        <div class="field">
                            <label for="announce-room">{tr(i18n, |l| td_string!(l, admin.announce.room))}</label>
                            <select id="announce-room"
                                prop:value=move || draft.with(|d| d.room.map(|r| r.to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let room = event_target_value(&ev).parse().ok().map(RoomId);
                                    draft.update(|d| d.room = room);
                                }>
                                <option value="">{tr(i18n, |l| td_string!(l, admin.announce.choose_room))}</option>
                                {move || rooms.get().into_iter()
                                    .map(|r| view! { <option value=r.id.to_string()>{format!("#{}", r.name)}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                    </Show>
                    <Show when=move || draft.with(|d| d.target == TargetKind::User)>
                        <div class="field">
                            <label for="announce-user">{tr(i18n, |l| td_string!(l, admin.announce.user))}</label>
                            <select id="announce-user"
                                prop:value=move || draft.with(|d| d.user.map(|u| u.to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let user = event_target_value(&ev).parse().ok().map(UserId);
                                    draft.update(|d| d.user = user);
                                }>
                                <option value="">{tr(i18n, |l| td_string!(l, admin.announce.choose_user))}</option>
                                {move || users.get().into_iter()
                                    .map(|u| view! { <option value=u.id.to_string()>{u.username}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                    </Show>
                </div>
                <span class="field-error">{beside("target")}</span>

                <Show when=move || editing.with(Option::is_none)>
                    <fieldset class="when">
                        <legend>{tr(i18n, |l| td_string!(l, admin.announce.when))}</legend>
                        <label class="choice">
                            <input type="radio" name="when" value="now"
                                prop:checked=move || draft.with(|d| d.when == When::Now)
                                on:change=move |_| draft.update(|d| d.when = When::Now)/>
                            {tr(i18n, |l| td_string!(l, admin.announce.now))}
                        </label>
                        <label class="choice">
                            <input type="radio" name="when" value="later"
                                prop:checked=move || draft.with(|d| d.when == When::Later)
                                on:change=move |_| draft.update(|d| d.when = When::Later)/>
                            {tr(i18n, |l| td_string!(l, admin.announce.later))}
                        </label>
                    </fieldset>
                </Show>

                <Show when=scheduling>
                    <div class="schedule-fields">
                        <div class="field-row">
                            <div class="field">
                                <label for="announce-date">{tr(i18n, |l| td_string!(l, admin.announce.date))}</label>
                                <input id="announce-date" type="date" prop:value=date on:input=on_date/>
                            </div>
                            <div class="field">
                                <label for="announce-time">{tr(i18n, |l| td_string!(l, admin.announce.time))}</label>
                                <input id="announce-time" type="time" step="1" prop:value=time on:input=on_time/>
                            </div>
                            <div class="field grow">
                                <label for="announce-zone">{tr(i18n, |l| td_string!(l, admin.announce.zone))}</label>
                                <input id="announce-zone" type="text" list="zone-list" autocomplete="off"
                                    spellcheck="false" prop:value=zone on:input=on_zone/>
                                <datalist id="zone-list">
                                    {move || zone_list.get().into_iter()
                                        .map(|z| view! { <option value=z/> })
                                        .collect_view()}
                                </datalist>
                            </div>
                        </div>
                        <span class="field-error">{beside("at")}</span>
                        <span class="field-error">{beside("zone")}</span>
                        <div class="field-row">
                            <div class="field">
                                <label for="announce-repeat">{tr(i18n, |l| td_string!(l, admin.announce.repeat))}</label>
                                <select id="announce-repeat"
                                    prop:value=move || draft.with(|d| d.repeat.as_str())
                                    on:change=move |ev| {
                                        if let Some(r) = RepeatKind::parse(&event_target_value(&ev)) {
                                            draft.update(|d| d.repeat = r);
                                        }
                                    }>
                                    {RepeatKind::ALL
                                        .into_iter()
                                        .map(|k| view! { <option value=k.as_str()>{move || repeat_label(i18n.get_locale(), k)}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                            <Show when=move || draft.with(|d| d.repeat == RepeatKind::Cron)>
                                <div class="field grow">
                                    <label for="announce-cron">{tr(i18n, |l| td_string!(l, admin.announce.cron))} <span class="muted small">{tr(i18n, |l| td_string!(l, admin.announce.cron_hint))}</span></label>
                                    <input id="announce-cron" type="text" spellcheck="false" placeholder="0 9 * * mon-fri"
                                        prop:value=cron on:input=on_cron/>
                                </div>
                            </Show>
                            <Show when=move || draft.with(|d| d.repeat != RepeatKind::Never)>
                                <div class="field">
                                    <label for="announce-until">{tr(i18n, |l| td_string!(l, admin.announce.until))} <span class="muted small">{tr(i18n, |l| td_string!(l, admin.announce.optional))}</span></label>
                                    <input id="announce-until" type="date" prop:value=until on:input=on_until/>
                                </div>
                            </Show>
                        </div>
                        <Show when=move || draft.with(|d| d.repeat == RepeatKind::Week)>
                            <fieldset class="days">
                                <legend>{tr(i18n, |l| td_string!(l, admin.announce.on))}</legend>
                                {DAYS.into_iter().map(|day| view! {
                                    <label class="choice">
                                        <input type="checkbox"
                                            prop:checked=move || draft.with(|d| d.days.contains(&day))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                draft.update(|d| {
                                                    d.days.retain(|x| *x != day);
                                                    if on {
                                                        d.days.push(day);
                                                    }
                                                });
                                            }/>
                                        {move || day_name(i18n.get_locale(), day)}
                                    </label>
                                }).collect_view()}
                            </fieldset>
                        </Show>
                        <span class="field-error">{beside("repeat")}</span>
                        <span class="field-error">{beside("until")}</span>
                        <div class="preview" aria-live="polite">
                            <h2 class="preview-title">{move || t_string!(i18n, admin.announce.preview, zone = draft.with(|d| d.zone.clone())).to_string()}</h2>
                            {move || match preview.get() {
                                None => view! { <p class="muted small">"…"</p> }.into_any(),
                                Some(Err(p)) => view! { <p class="field-error">{p.message}</p> }.into_any(),
                                Some(Ok(list)) if list.is_empty() => view! {
                                    <p class="field-error">{tr(i18n, |l| td_string!(l, admin.announce.no_occurrence))}</p>
                                }.into_any(),
                                Some(Ok(list)) => view! {
                                    <ol class="preview-list">
                                        {list.into_iter().map(|t| view! { <li>{move || wall(i18n.get_locale(), t)}</li> }).collect_view()}
                                    </ol>
                                }.into_any(),
                            }}
                        </div>
                    </div>
                </Show>

                {move || general().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                {move || done.get().map(|m| view! { <p class="ok" role="status">{m}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || busy.get()>{submit_label}</button>
                    <Show when=move || editing.with(Option::is_some)>
                        <button type="button" class="button subtle" on:click=move |_| reset()>{tr(i18n, |l| td_string!(l, admin.announce.stop_editing))}</button>
                    </Show>
                </div>
            </form>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// English reads exactly as before the translation (the end-to-end tests
    /// match it); Chinese has its own order.
    #[test]
    fn due_times_read_as_the_zone_wall_clock_in_either_language() {
        for text in ["2026-12-01T09:00:00+01:00", "2027-03-14T17:05:09-04:00"] {
            let t = DateTime::parse_from_rfc3339(text).unwrap();
            let time = if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
            let before = t
                .format(&format!("%a %-d %b %Y, {time} (UTC%:z)"))
                .to_string();
            assert_eq!(wall(Locale::en, t), before);
        }
        let t = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+01:00").unwrap();
        assert_eq!(
            wall(Locale::zh_CN, t),
            "2026年12月1日 周二 09:00（UTC+01:00）"
        );
    }

    #[test]
    fn form_mistakes_read_as_before_in_english() {
        let zone = Mistake::UnknownZone("Mars/Olympus".into());
        assert_eq!(
            mistake_text(Locale::en, &zone),
            "\"Mars/Olympus\" is not a time zone this browser knows"
        );
        assert_eq!(
            mistake_text(Locale::en, &Mistake::ChooseDays),
            "choose at least one day"
        );
        assert_eq!(
            target_label(Locale::en, TargetKind::Visitors),
            "Support visitors online"
        );
    }
}
