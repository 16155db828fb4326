//! The list of scheduled announcements: what, for whom, when (next and last
//! run in the schedule's zone), status, and receipts (delivered / seen), with
//! edit, send now, duplicate and cancel (the last two after a confirmation in
//! the row). Every action answers above the list.

use leptos::prelude::*;

use super::announce_form::{day_name, target_label, wall};
use crate::client::{browser, http, zones};
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{Repeat, RoomSummary, Schedule, ScheduleStatus, Severity, Target, User};
use crate::state::announce_form::{TargetKind, DAYS};

/// What a row's buttons ask the server to do. Both are asked again first:
/// "Send now" may reach everyone, and a cancelled schedule cannot be revived.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    SendNow,
    Cancel,
}

#[component]
pub fn ScheduleList(
    schedules: RwSignal<Option<Result<Vec<Schedule>, String>>>,
    rooms: RwSignal<Vec<RoomSummary>>,
    users: RwSignal<Vec<User>>,
    on_edit: Callback<Schedule>,
    on_duplicate: Callback<Schedule>,
    /// Reload the list (after an action changed a schedule).
    on_changed: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    // What the last action did. Kept here, not in the row: a successful action
    // reloads the list, which rebuilds the rows.
    let notice = RwSignal::new(None::<Result<String, String>>);
    view! {
        <section class="card admin-card" aria-labelledby="schedules-title">
            <div class="card-head">
                <h1 id="schedules-title">{tr(i18n, |l| td_string!(l, admin.schedules.title))}</h1>
                <button type="button" class="button small" on:click=move |_| on_changed.run(())>{tr(i18n, |l| td_string!(l, admin.schedules.refresh))}</button>
            </div>
            <div aria-live="polite" class="list-notice">
                {move || match notice.get() {
                    Some(Ok(m)) => view! { <p class="ok">{m}</p> }.into_any(),
                    Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
            {move || match schedules.get() {
                None => view! { <p class="muted">{tr(i18n, |l| td_string!(l, admin.schedules.loading))}</p> }.into_any(),
                Some(Err(message)) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">{tr(i18n, |l| td_string!(l, admin.schedules.empty))}</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="schedule-table">
                            <thead>
                                <tr>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.schedules.announcement))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.schedules.when))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.schedules.status))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.schedules.receipts))}</th>
                                    <th scope="col"><span class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.schedules.actions))}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|s| view! {
                                    <ScheduleRow schedule=s rooms users on_edit on_duplicate on_changed notice/>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// "Every weekday", "Weekly on Mon, Fri", "Cron 0 9 * * *", or "Once".
fn describe_repeat(l: Locale, repeat: Option<&Repeat>) -> String {
    use crate::protocol::Every;
    match repeat {
        None => td_string!(l, admin.schedules.once).to_string(),
        Some(Repeat::Cron { cron }) => {
            td_string!(l, admin.schedules.cron, cron = cron.clone()).to_string()
        }
        Some(Repeat::Every { every, days }) => match every {
            Every::Day => td_string!(l, admin.schedules.every_day).to_string(),
            Every::Weekday => td_string!(l, admin.schedules.every_weekday).to_string(),
            Every::Month => td_string!(l, admin.schedules.monthly).to_string(),
            Every::Week if days.is_empty() => td_string!(l, admin.schedules.weekly).to_string(),
            Every::Week => {
                let names: Vec<String> = DAYS
                    .into_iter()
                    .filter(|d| days.contains(d))
                    .map(|d| day_name(l, d))
                    .collect();
                let separator = td_string!(l, admin.schedules.day_separator).to_string();
                td_string!(l, admin.schedules.weekly_on, days = names.join(&separator)).to_string()
            }
        },
    }
}

fn describe_target(l: Locale, target: Target, rooms: &[RoomSummary], users: &[User]) -> String {
    match target {
        Target::All => target_label(l, TargetKind::All),
        Target::Agents => target_label(l, TargetKind::Agents),
        Target::Visitors => target_label(l, TargetKind::Visitors),
        Target::Room { room } => rooms
            .iter()
            .find(|r| r.id == room)
            .map(|r| format!("#{}", r.name))
            .unwrap_or_else(|| td_string!(l, admin.schedules.room_id, id = room).to_string()),
        Target::User { user } => users
            .iter()
            .find(|u| u.id == user)
            .map(|u| format!("@{}", u.username))
            .unwrap_or_else(|| td_string!(l, admin.schedules.user_id, id = user).to_string()),
    }
}

fn status_name(l: Locale, status: ScheduleStatus) -> String {
    match status {
        ScheduleStatus::Scheduled => td_string!(l, admin.schedules.statuses.scheduled),
        ScheduleStatus::Sent => td_string!(l, admin.schedules.statuses.sent),
        ScheduleStatus::Cancelled => td_string!(l, admin.schedules.statuses.cancelled),
        ScheduleStatus::Failed => td_string!(l, admin.schedules.statuses.failed),
    }
    .to_string()
}

fn severity_name(l: Locale, severity: Severity) -> String {
    match severity {
        Severity::Info => td_string!(l, admin.schedules.severities.info),
        Severity::Warning => td_string!(l, admin.schedules.severities.warning),
        Severity::Urgent => td_string!(l, admin.schedules.severities.urgent),
    }
    .to_string()
}

#[component]
fn ScheduleRow(
    schedule: Schedule,
    rooms: RwSignal<Vec<RoomSummary>>,
    users: RwSignal<Vec<User>>,
    on_edit: Callback<Schedule>,
    on_duplicate: Callback<Schedule>,
    on_changed: Callback<()>,
    notice: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let lang = Lang::here();
    let busy = RwSignal::new(false);
    // The action waiting for a "yes" in this row.
    let asking = RwSignal::new(None::<Action>);
    let s = StoredValue::new(schedule.clone());
    let id = schedule.id;
    let zone = schedule.zone.clone();
    let shown = move |t: chrono::DateTime<chrono::Utc>| {
        let zone = zone.clone();
        move || {
            zones::in_zone(t, &zone)
                .map(|t| wall(i18n.get_locale(), t))
                .unwrap_or_else(|| t.to_rfc3339())
        }
    };
    let next = schedule.next_run.map(shown.clone());
    let last = schedule.last_run.map(shown);
    let live = schedule.status == ScheduleStatus::Scheduled;
    let headline = schedule
        .title
        .clone()
        .unwrap_or_else(|| schedule.body.chars().take(80).collect());
    let target = schedule.target;
    let status = schedule.status;
    let repeat = schedule.repeat.clone();
    let severity = schedule.severity;

    let act = move |action: Action| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        asking.set(None);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let answer = match action {
                Action::SendNow => http::send_schedule_now(id).await.map(|r| {
                    td_string!(
                        lang.get(),
                        admin.schedules.sent_now,
                        id,
                        count = browser::number(r.connections)
                    )
                    .to_string()
                }),
                Action::Cancel => http::cancel_schedule(id)
                    .await
                    .map(|_| td_string!(lang.get(), admin.schedules.cancelled, id).to_string()),
            };
            let ok = answer.is_ok();
            notice.set(Some(answer.map_err(|e| {
                let error = error_text(lang, &e);
                td_string!(lang.get(), admin.schedules.failed, id, error).to_string()
            })));
            busy.set(false);
            if ok {
                on_changed.run(());
            }
        });
    };

    view! {
        <tr data-schedule-id=id.to_string() class=format!("schedule-row status-{}", schedule.status.as_str())>
            <td>
                <span class=format!("severity-chip severity-{}", schedule.severity.as_str())>{move || severity_name(i18n.get_locale(), severity)}</span>
                " "
                <strong class="schedule-headline">{headline}</strong>
                <div class="muted small">{move || rooms.with(|r| users.with(|u| describe_target(i18n.get_locale(), target, r, u)))}</div>
            </td>
            <td class="small">
                <div>{move || describe_repeat(i18n.get_locale(), repeat.as_ref())} " · " {schedule.zone.clone()}</div>
                {next.map(|n| view! { <div>{tr(i18n, |l| td_string!(l, admin.schedules.next))} <span class="next-run">{n}</span></div> })}
                {last.map(|l| view! { <div class="muted">{tr(i18n, |l| td_string!(l, admin.schedules.last))} <span class="last-run">{l}</span></div> })}
            </td>
            <td>
                <span class=format!("status-badge status-{}", schedule.status.as_str())>{move || status_name(i18n.get_locale(), status)}</span>
                {schedule.last_error.clone().map(|e| view! { <div class="field-error small">{e}</div> })}
            </td>
            <td class="receipts">
                <span class="delivered" title=tr(i18n, |l| td_string!(l, admin.schedules.delivered))>{schedule.delivered}</span>
                " / "
                <span class="seen" title=tr(i18n, |l| td_string!(l, admin.schedules.seen))>{schedule.seen}</span>
            </td>
            <td class="row-actions-cell"><div class="row-actions">
                {move || match asking.get() {
                    Some(action) => {
                        let l = i18n.get_locale();
                        let (question, yes) = match action {
                            Action::SendNow => (
                                rooms.with(|r| users.with(|u| {
                                    let target = describe_target(l, target, r, u);
                                    td_string!(l, admin.schedules.ask_send, target).to_string()
                                })),
                                td_string!(l, admin.schedules.yes_send).to_string(),
                            ),
                            Action::Cancel => (
                                td_string!(l, admin.schedules.ask_cancel).to_string(),
                                td_string!(l, admin.schedules.yes_cancel).to_string(),
                            ),
                        };
                        view! {
                            <div class="row-confirm" role="group" aria-label=td_string!(l, admin.schedules.confirm).to_string()>
                                <span class="small">{question}</span>
                                <button type="button" class="button small primary" class:danger=action == Action::Cancel
                                    disabled=move || busy.get() on:click=move |_| act(action)>{yes}</button>
                                <button type="button" class="button small subtle" on:click=move |_| asking.set(None)>{tr(i18n, |l| td_string!(l, admin.schedules.keep))}</button>
                            </div>
                        }.into_any()
                    }
                    None => view! {
                        {live.then(|| view! {
                            <button type="button" class="button small" on:click=move |_| on_edit.run(s.get_value())>{tr(i18n, |l| td_string!(l, admin.schedules.edit))}</button>
                        })}
                        {(status != ScheduleStatus::Cancelled).then(|| view! {
                            <button type="button" class="button small" disabled=move || busy.get()
                                on:click=move |_| asking.set(Some(Action::SendNow))>{tr(i18n, |l| td_string!(l, admin.schedules.send_now))}</button>
                        })}
                        <button type="button" class="button small subtle" on:click=move |_| on_duplicate.run(s.get_value())>{tr(i18n, |l| td_string!(l, admin.schedules.duplicate))}</button>
                        {live.then(|| view! {
                            <button type="button" class="button small subtle danger-text" disabled=move || busy.get()
                                on:click=move |_| asking.set(Some(Action::Cancel))>{tr(i18n, |l| td_string!(l, admin.schedules.cancel))}</button>
                        })}
                    }.into_any(),
                }}
            </div></td>
        </tr>
    }
    .into_any()
}
