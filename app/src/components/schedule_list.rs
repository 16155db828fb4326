//! The list of scheduled announcements: what, for whom, when (next and last
//! run in the schedule's zone), status, and receipts (delivered / seen), with
//! edit, send now, duplicate and cancel (the last two after a confirmation in
//! the row). Every action answers above the list.

use leptos::prelude::*;

use super::announce_form::wall;
use crate::client::{http, zones};
use crate::protocol::{Repeat, RoomSummary, Schedule, ScheduleStatus, Target, User};
use crate::state::announce_form::DAYS;

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
    // What the last action did. Kept here, not in the row: a successful action
    // reloads the list, which rebuilds the rows.
    let notice = RwSignal::new(None::<Result<String, String>>);
    view! {
        <section class="card admin-card" aria-labelledby="schedules-title">
            <div class="card-head">
                <h1 id="schedules-title">"Scheduled announcements"</h1>
                <button type="button" class="button small" on:click=move |_| on_changed.run(())>"Refresh"</button>
            </div>
            <div aria-live="polite" class="list-notice">
                {move || match notice.get() {
                    Some(Ok(m)) => view! { <p class="ok">{m}</p> }.into_any(),
                    Some(Err(m)) => view! { <p class="form-error" role="alert">{m}</p> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
            {move || match schedules.get() {
                None => view! { <p class="muted">"Loading schedules…"</p> }.into_any(),
                Some(Err(message)) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="muted">"Nothing scheduled yet. Use the form above and choose “Schedule for later”."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-scroll">
                        <table class="schedule-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Announcement"</th>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Delivered / seen"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
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
fn describe_repeat(repeat: Option<&Repeat>) -> String {
    use crate::protocol::Every;
    match repeat {
        None => "Once".into(),
        Some(Repeat::Cron { cron }) => format!("Cron {cron}"),
        Some(Repeat::Every { every, days }) => match every {
            Every::Day => "Every day".into(),
            Every::Weekday => "Every weekday".into(),
            Every::Month => "Monthly".into(),
            Every::Week if days.is_empty() => "Weekly".into(),
            Every::Week => {
                let names: Vec<&str> = DAYS
                    .iter()
                    .filter(|(d, _)| days.contains(d))
                    .map(|(_, label)| *label)
                    .collect();
                format!("Weekly on {}", names.join(", "))
            }
        },
    }
}

fn describe_target(target: Target, rooms: &[RoomSummary], users: &[User]) -> String {
    match target {
        Target::All => "Everyone".into(),
        Target::Agents => "All agents".into(),
        Target::Visitors => "Support visitors online".into(),
        Target::Room { room } => rooms
            .iter()
            .find(|r| r.id == room)
            .map(|r| format!("#{}", r.name))
            .unwrap_or_else(|| format!("room {room}")),
        Target::User { user } => users
            .iter()
            .find(|u| u.id == user)
            .map(|u| format!("@{}", u.username))
            .unwrap_or_else(|| format!("user {user}")),
    }
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
    let busy = RwSignal::new(false);
    // The action waiting for a "yes" in this row.
    let asking = RwSignal::new(None::<Action>);
    let s = StoredValue::new(schedule.clone());
    let id = schedule.id;
    let zone = schedule.zone.clone();
    let shown = |t: chrono::DateTime<chrono::Utc>| {
        zones::in_zone(t, &zone)
            .map(wall)
            .unwrap_or_else(|| t.to_rfc3339())
    };
    let next = schedule.next_run.map(shown);
    let last = schedule.last_run.map(shown);
    let live = schedule.status == ScheduleStatus::Scheduled;
    let headline = schedule
        .title
        .clone()
        .unwrap_or_else(|| schedule.body.chars().take(80).collect());
    let target = schedule.target;
    let status = schedule.status;

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
                    format!(
                        "Schedule {id} sent now to {} live connection(s).",
                        r.connections
                    )
                }),
                Action::Cancel => http::cancel_schedule(id)
                    .await
                    .map(|_| format!("Schedule {id} cancelled.")),
            };
            let ok = answer.is_ok();
            notice.set(Some(answer.map_err(|e| format!("Schedule {id}: {e}"))));
            busy.set(false);
            if ok {
                on_changed.run(());
            }
        });
    };

    view! {
        <tr data-schedule-id=id.to_string() class=format!("schedule-row status-{}", schedule.status.as_str())>
            <td>
                <span class=format!("severity-chip severity-{}", schedule.severity.as_str())>{schedule.severity.as_str()}</span>
                " "
                <strong class="schedule-headline">{headline}</strong>
                <div class="muted small">{move || rooms.with(|r| users.with(|u| describe_target(target, r, u)))}</div>
            </td>
            <td class="small">
                <div>{describe_repeat(schedule.repeat.as_ref())} " · " {schedule.zone.clone()}</div>
                {next.map(|n| view! { <div>"Next: " <span class="next-run">{n}</span></div> })}
                {last.map(|l| view! { <div class="muted">"Last: " <span class="last-run">{l}</span></div> })}
            </td>
            <td>
                <span class=format!("status-badge status-{}", schedule.status.as_str())>{schedule.status.as_str()}</span>
                {schedule.last_error.clone().map(|e| view! { <div class="field-error small">{e}</div> })}
            </td>
            <td class="receipts">
                <span class="delivered" title="Accounts reached">{schedule.delivered}</span>
                " / "
                <span class="seen" title="Accounts that opened or dismissed it">{schedule.seen}</span>
            </td>
            <td class="row-actions-cell"><div class="row-actions">
                {move || match asking.get() {
                    Some(action) => {
                        let (question, yes) = match action {
                            Action::SendNow => (
                                rooms.with(|r| users.with(|u| format!("Send it now? It goes to: {}.", describe_target(target, r, u)))),
                                "Yes, send now",
                            ),
                            Action::Cancel => ("Cancel this schedule? It will not run again.".to_owned(), "Yes, cancel it"),
                        };
                        view! {
                            <div class="row-confirm" role="group" aria-label="Confirm">
                                <span class="small">{question}</span>
                                <button type="button" class="button small primary" class:danger=action == Action::Cancel
                                    disabled=move || busy.get() on:click=move |_| act(action)>{yes}</button>
                                <button type="button" class="button small subtle" on:click=move |_| asking.set(None)>"Keep"</button>
                            </div>
                        }.into_any()
                    }
                    None => view! {
                        {live.then(|| view! {
                            <button type="button" class="button small" on:click=move |_| on_edit.run(s.get_value())>"Edit"</button>
                        })}
                        {(status != ScheduleStatus::Cancelled).then(|| view! {
                            <button type="button" class="button small" disabled=move || busy.get()
                                on:click=move |_| asking.set(Some(Action::SendNow))>"Send now"</button>
                        })}
                        <button type="button" class="button small subtle" on:click=move |_| on_duplicate.run(s.get_value())>"Duplicate"</button>
                        {live.then(|| view! {
                            <button type="button" class="button small subtle danger-text" disabled=move || busy.get()
                                on:click=move |_| asking.set(Some(Action::Cancel))>"Cancel"</button>
                        })}
                    }.into_any(),
                }}
            </div></td>
        </tr>
    }
    .into_any()
}
