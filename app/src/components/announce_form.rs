//! The announcement form: write an announcement, choose who gets it, and send
//! it now or schedule it (date, time, zone, recurrence, end date) with a live
//! preview of the next five due times in the chosen zone. The same form edits
//! a schedule picked from the list. The rules live in
//! [`crate::state::announce_form`]; the server checks everything again and its
//! 422 answers name the field, which is where their message is shown.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Timelike};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::client::{http, zones};
use crate::protocol::{RoomId, RoomSummary, Schedule, Severity, User, UserId};
use crate::state::announce_form::{
    patch_for, Draft, FieldError, RepeatKind, TargetKind, When, DAYS,
};

/// A mistake to show: beside its field when it names one the form has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl From<FieldError> for Problem {
    fn from(e: FieldError) -> Problem {
        Problem {
            field: Some(e.field.to_owned()),
            message: e.message,
        }
    }
}

impl From<http::ApiError> for Problem {
    fn from(e: http::ApiError) -> Problem {
        let field = e.field().map(str::to_owned);
        let text = e.to_string();
        // The server's message starts with "<field>: "; beside the field that is noise.
        let message = match &field {
            Some(f) => text
                .strip_prefix(&format!("{f}: "))
                .map(str::to_owned)
                .unwrap_or(text),
            None => text,
        };
        Problem { field, message }
    }
}

/// The groups of the form a problem can be shown beside.
const PLACES: [&str; 7] = ["title", "body", "target", "at", "zone", "repeat", "until"];

fn place_of(field: &str) -> Option<&'static str> {
    PLACES
        .into_iter()
        .find(|p| field == *p || field.starts_with(&format!("{p}.")))
}

/// "Tue 1 Dec 2026, 09:00 (UTC+01:00)": a due time as the zone's wall clock.
pub fn wall(t: DateTime<FixedOffset>) -> String {
    let time = if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
    t.format(&format!("%a %-d %b %Y, {time} (UTC%:z)"))
        .to_string()
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
                    Err(e) => return preview.set(Some(Err(e.into()))),
                };
                leptos::task::spawn_local(async move {
                    let answer = http::preview_schedule(&request).await;
                    if generation.get_value() == mine {
                        preview.set(Some(answer.map(|p| p.upcoming).map_err(Problem::from)));
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
                Err(e) => return problem.set(Some(e.into())),
            };
            busy.set(true);
            leptos::task::spawn_local(async move {
                match http::push(&request).await {
                    Ok(sent) => {
                        done.set(Some(format!(
                            "Sent (announcement {}) to {} live connection(s); offline targets find it in their inbox.",
                            sent.id, sent.connections
                        )));
                        reset();
                        on_saved.run(());
                    }
                    Err(e) => problem.set(Some(e.into())),
                }
                busy.set(false);
            });
            return;
        }
        let request = match d.schedule_request(zones::with_zone_offset) {
            Ok(r) => r,
            Err(e) => return problem.set(Some(e.into())),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = match &original {
                Some(s) => http::update_schedule(s.id, &patch_for(s, request)).await,
                None => http::create_schedule(&request).await,
            };
            match answer {
                Ok(s) => {
                    let next = s
                        .upcoming
                        .first()
                        .map(|t| format!(" Next: {}.", wall(*t)))
                        .unwrap_or_default();
                    let verb = if original.is_some() {
                        "Saved"
                    } else {
                        "Scheduled"
                    };
                    done.set(Some(format!("{verb}: schedule {}.{next}", s.id)));
                    reset();
                    on_saved.run(());
                }
                Err(e) => problem.set(Some(e.into())),
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
            "Save changes"
        } else if scheduling() {
            "Schedule"
        } else {
            "Send now"
        }
    };

    view! {
        <section class="card admin-card" aria-labelledby="announce-title" id="announce-form">
            <h1 id="announce-title">
                {move || match editing.get() {
                    Some(s) => format!("Edit schedule {}", s.id),
                    None => "New announcement".to_string(),
                }}
            </h1>
            <form class="announce-form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="announce-title-input">"Title " <span class="muted small">"(optional)"</span></label>
                    <input id="announce-title-input" type="text" maxlength="200" prop:value=title on:input=on_title/>
                    <span class="field-error">{beside("title")}</span>
                </div>
                <div class="field">
                    <label for="announce-body">"Message"</label>
                    <textarea id="announce-body" rows="4" prop:value=body on:input=on_body
                        placeholder="Markdown: **bold**, _italic_, [links](https://example.com), lists"></textarea>
                    <span class="field-error">{beside("body")}</span>
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="announce-severity">"Severity"</label>
                        <select id="announce-severity"
                            prop:value=move || draft.with(|d| d.severity.as_str())
                            on:change=move |ev| {
                                if let Some(s) = Severity::parse(&event_target_value(&ev)) {
                                    draft.update(|d| d.severity = s);
                                }
                            }>
                            <option value="info">"Info"</option>
                            <option value="warning">"Warning"</option>
                            <option value="urgent">"Urgent"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="announce-target">"Send to"</label>
                        <select id="announce-target"
                            prop:value=move || draft.with(|d| d.target.as_str())
                            on:change=move |ev| {
                                if let Some(t) = TargetKind::parse(&event_target_value(&ev)) {
                                    draft.update(|d| d.target = t);
                                }
                            }>
                            {TargetKind::ALL
                                .into_iter()
                                .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <Show when=move || draft.with(|d| d.target == TargetKind::Room)>
                        <div class="field">
                            <label for="announce-room">"Room"</label>
                            <select id="announce-room"
                                prop:value=move || draft.with(|d| d.room.map(|r| r.to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let room = event_target_value(&ev).parse().ok().map(RoomId);
                                    draft.update(|d| d.room = room);
                                }>
                                <option value="">"Choose a room…"</option>
                                {move || rooms.get().into_iter()
                                    .map(|r| view! { <option value=r.id.to_string()>{format!("#{}", r.name)}</option> })
                                    .collect_view()}
                            </select>
                        </div>
                    </Show>
                    <Show when=move || draft.with(|d| d.target == TargetKind::User)>
                        <div class="field">
                            <label for="announce-user">"User"</label>
                            <select id="announce-user"
                                prop:value=move || draft.with(|d| d.user.map(|u| u.to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let user = event_target_value(&ev).parse().ok().map(UserId);
                                    draft.update(|d| d.user = user);
                                }>
                                <option value="">"Choose a user…"</option>
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
                        <legend>"When"</legend>
                        <label class="choice">
                            <input type="radio" name="when" value="now"
                                prop:checked=move || draft.with(|d| d.when == When::Now)
                                on:change=move |_| draft.update(|d| d.when = When::Now)/>
                            "Send now"
                        </label>
                        <label class="choice">
                            <input type="radio" name="when" value="later"
                                prop:checked=move || draft.with(|d| d.when == When::Later)
                                on:change=move |_| draft.update(|d| d.when = When::Later)/>
                            "Schedule for later"
                        </label>
                    </fieldset>
                </Show>

                <Show when=scheduling>
                    <div class="schedule-fields">
                        <div class="field-row">
                            <div class="field">
                                <label for="announce-date">"Date"</label>
                                <input id="announce-date" type="date" prop:value=date on:input=on_date/>
                            </div>
                            <div class="field">
                                <label for="announce-time">"Time"</label>
                                <input id="announce-time" type="time" step="1" prop:value=time on:input=on_time/>
                            </div>
                            <div class="field grow">
                                <label for="announce-zone">"Time zone"</label>
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
                                <label for="announce-repeat">"Repeat"</label>
                                <select id="announce-repeat"
                                    prop:value=move || draft.with(|d| d.repeat.as_str())
                                    on:change=move |ev| {
                                        if let Some(r) = RepeatKind::parse(&event_target_value(&ev)) {
                                            draft.update(|d| d.repeat = r);
                                        }
                                    }>
                                    {RepeatKind::ALL
                                        .into_iter()
                                        .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                            <Show when=move || draft.with(|d| d.repeat == RepeatKind::Cron)>
                                <div class="field grow">
                                    <label for="announce-cron">"Cron expression " <span class="muted small">"(minute hour day month weekday, in the zone above)"</span></label>
                                    <input id="announce-cron" type="text" spellcheck="false" placeholder="0 9 * * mon-fri"
                                        prop:value=cron on:input=on_cron/>
                                </div>
                            </Show>
                            <Show when=move || draft.with(|d| d.repeat != RepeatKind::Never)>
                                <div class="field">
                                    <label for="announce-until">"Until " <span class="muted small">"(optional)"</span></label>
                                    <input id="announce-until" type="date" prop:value=until on:input=on_until/>
                                </div>
                            </Show>
                        </div>
                        <Show when=move || draft.with(|d| d.repeat == RepeatKind::Week)>
                            <fieldset class="days">
                                <legend>"On"</legend>
                                {DAYS.into_iter().map(|(day, label)| view! {
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
                                        {label}
                                    </label>
                                }).collect_view()}
                            </fieldset>
                        </Show>
                        <span class="field-error">{beside("repeat")}</span>
                        <span class="field-error">{beside("until")}</span>
                        <div class="preview" aria-live="polite">
                            <h2 class="preview-title">{move || format!("Next occurrences in {}", draft.with(|d| d.zone.clone()))}</h2>
                            {move || match preview.get() {
                                None => view! { <p class="muted small">"…"</p> }.into_any(),
                                Some(Err(p)) => view! { <p class="field-error">{p.message}</p> }.into_any(),
                                Some(Ok(list)) if list.is_empty() => view! {
                                    <p class="field-error">"No occurrence from now on: pick a later time."</p>
                                }.into_any(),
                                Some(Ok(list)) => view! {
                                    <ol class="preview-list">
                                        {list.into_iter().map(|t| view! { <li>{wall(t)}</li> }).collect_view()}
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
                        <button type="button" class="button subtle" on:click=move |_| reset()>"Stop editing"</button>
                    </Show>
                </div>
            </form>
        </section>
    }
    .into_any()
}
