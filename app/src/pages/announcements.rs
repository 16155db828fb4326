//! `/admin/announcements`: the announcement form (send now or schedule), the
//! list of schedules with their receipts, and the API keys other services use.
//! Admins only; the server checks every call again.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use leptos::prelude::*;

use crate::client::{browser, http, zones};
use crate::components::{
    admin_gate::AdminGate, admin_header::AdminHeader, announce_form::AnnounceForm,
    api_keys::ApiKeys, schedule_list::ScheduleList,
};
use crate::language::{error_text, Lang};
use crate::protocol::{RoomSummary, Schedule, ScheduleStatus, User};
use crate::state::announce_form::{Draft, When};

#[component]
pub fn AnnouncementsPage() -> impl IntoView {
    view! {
        <main class="admin-page">
            // The admin tabs only for admins: a member is turned away, not
            // shown the way in.
            <AdminGate>
                <AdminHeader current="/admin/announcements"/>
                <AnnouncementsDesk/>
            </AdminGate>
        </main>
    }
    .into_any()
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(browser::now_ms() as i64).unwrap_or_default()
}

/// A fresh form: the browser's zone, and the next whole hour for a schedule.
fn fresh_draft() -> Draft {
    let zone = zones::browser_zone();
    let local = zones::in_zone(now(), &zone)
        .map(|t| t.naive_local())
        .unwrap_or_else(|| now().naive_utc());
    let start = local
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .unwrap_or(local)
        + chrono::Duration::hours(1);
    Draft::new(zone, start)
}

/// Longest wait before the list refreshes itself at a schedule's due time
/// (a browser timer cannot wait longer than about 24.8 days anyway).
const MAX_WAIT_MS: i64 = 6 * 60 * 60 * 1000;

#[component]
fn AnnouncementsDesk() -> impl IntoView {
    let lang = Lang::here();
    let rooms = RwSignal::new(Vec::<RoomSummary>::new());
    let users = RwSignal::new(Vec::<User>::new());
    let schedules = RwSignal::new(None::<Result<Vec<Schedule>, String>>);
    let editing = RwSignal::new(None::<Schedule>);
    let draft = RwSignal::new(fresh_draft());

    let reload = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            let answer = http::schedules().await.map_err(|e| error_text(lang, &e));
            schedules.set(Some(answer));
        });
    });
    Effect::new(move |_| {
        reload.run(());
        leptos::task::spawn_local(async move {
            if let Ok(mut list) = http::rooms().await {
                list.sort_by_key(|r| r.name.to_lowercase());
                rooms.set(list);
            }
            if let Ok(mut list) = http::users().await {
                list.sort_by_key(|u| u.username.to_lowercase());
                users.set(list);
            }
        });
    });

    // Refresh the list just after the earliest next run, so a schedule firing
    // shows as sent (with its delivery count) without a reload. One timer,
    // re-armed whenever the list changes; it only runs at due times.
    let timer = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let next = schedules.with(|s| {
            s.as_ref().and_then(|r| r.as_ref().ok()).and_then(|list| {
                list.iter()
                    .filter(|s| s.status == ScheduleStatus::Scheduled)
                    .filter_map(|s| s.next_run)
                    .min()
            })
        });
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        timer.set_value(next.and_then(|due| {
            // A second after the due time: the occurrence is recorded by then.
            let wait = ((due - now()).num_milliseconds() + 1_000).clamp(1_000, MAX_WAIT_MS);
            set_timeout_with_handle(move || reload.run(()), Duration::from_millis(wait as u64)).ok()
        }));
    });
    on_cleanup(move || {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
    });

    let scroll_to_form = || {
        #[cfg(target_arch = "wasm32")]
        if let Some(form) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("announce-form"))
        {
            form.scroll_into_view();
        }
    };
    let on_edit = Callback::new(move |s: Schedule| {
        draft.set(Draft::from_schedule(&s));
        editing.set(Some(s));
        scroll_to_form();
    });
    let on_duplicate = Callback::new(move |s: Schedule| {
        let mut copy = Draft::from_schedule(&s);
        copy.when = When::Later;
        editing.set(None);
        draft.set(copy);
        scroll_to_form();
    });

    view! {
        <AnnounceForm draft editing rooms users on_saved=reload/>
        <ScheduleList schedules rooms users on_edit on_duplicate on_changed=reload/>
        <ApiKeys/>
    }
    .into_any()
}
