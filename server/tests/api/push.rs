//! Announcements: immediate pushes (API keys and admin tokens), the inbox and
//! receipts, and scheduled ones on a manual clock — firing once on time,
//! recurring across a DST change, edits, cancels, "send now", restarts with
//! overdue occurrences, permission re-checks, and every refusal named.

use crate::helpers::*;
use app::protocol::{
    Announcement, AnnouncementStats, ApiKey, ErrorFrame, InboxEntry, NewApiKey, OccurrenceStatus,
    PushResponse, Schedule, ScheduleStatus, ServerFrame,
};
use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard::scheduler::ManualClock;

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A server on a manual clock standing at `t0`.
async fn app_at(db: Db, t0: DateTime<Utc>) -> (TestApp, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(t0));
    let app = spawn_app_with_clock(db, clock.clone(), |_| {}).await;
    (app, clock)
}

impl TestApp {
    /// Asserts the request is refused with `status` and a message naming `field`.
    async fn refused(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
        status: u16,
        field: &str,
    ) -> String {
        let resp = self.call(method, path, token, Some(body.clone())).await;
        assert_eq!(resp.status(), status, "{body}");
        let err: Value = resp.json().await.unwrap();
        let message = err["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{body} -> {message}"
        );
        if status == 422 {
            // A form puts the message beside the field the body names.
            assert_eq!(err["error"]["field"], field, "{body} -> {err}");
        }
        message
    }
}

/// The next announcement frame (other frames are skipped).
async fn next_announcement(c: &mut Client) -> Announcement {
    match c
        .recv_until(|f| matches!(f, ServerFrame::Announcement(_)))
        .await
    {
        ServerFrame::Announcement(a) => a,
        _ => unreachable!(),
    }
}

/// Proves `c` received no announcement before now: pushes a marker to its
/// user and checks that the marker is the next announcement it sees.
async fn assert_nothing_before_marker(app: &TestApp, admin: &str, c: &mut Client, user: i64) {
    let marker: PushResponse = app
        .ok(
            "POST",
            "/api/push",
            admin,
            Some(json!({"title": "marker", "body": "m", "target": {"kind": "user", "user": user}})),
        )
        .await;
    let a = next_announcement(c).await;
    assert_eq!(
        a.id, marker.id,
        "an announcement arrived before the marker: {a:?}"
    );
}

fn schedule_body(at: DateTime<Utc>, body: &str, target: Value) -> Value {
    json!({"body": body, "target": target, "at": rfc(at), "zone": "UTC"})
}

// ---------------------------------------------------------------------------
// Immediate push
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_api_key_push_reaches_online_users_at_once_and_offline_ones_in_the_inbox() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let key: NewApiKey = app
        .ok(
            "POST",
            "/api/keys",
            &admin.token,
            Some(json!({"name": "billing"})),
        )
        .await;
    assert!(key.key.starts_with("sbk_"));
    let mut b = app.connect(&bob.token).await;

    let sent: PushResponse = app
        .ok(
            "POST",
            "/api/push",
            &key.key,
            Some(
                json!({"title": "Maintenance", "body": "**Down** at 22:00 <script>x()</script>",
                        "severity": "warning", "target": {"kind": "all"}}),
            ),
        )
        .await;
    assert_eq!(sent.connections, 1, "only bob is online");
    let a = next_announcement(&mut b).await;
    assert_eq!(a.id, sent.id);
    assert_eq!(a.title.as_deref(), Some("Maintenance"));
    assert!(
        a.body_html.contains("<strong>Down</strong>"),
        "{}",
        a.body_html
    );
    assert!(!a.body_html.contains("<script"), "{}", a.body_html);
    assert_eq!((a.occurrence, a.due_at, a.late), (None, None, false));

    // Carol was offline: the inbox has it, unread.
    let inbox: Vec<InboxEntry> = app
        .ok("GET", "/api/announcements", &carol.token, None)
        .await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].announcement.id, sent.id);
    assert!(!inbox[0].seen && !inbox[0].dismissed);
    // She dismisses it; it stays in the inbox, marked.
    let resp = app
        .call(
            "POST",
            &format!("/api/announcements/{}/dismiss", sent.id),
            &carol.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 204);
    let inbox: Vec<InboxEntry> = app
        .ok("GET", "/api/announcements", &carol.token, None)
        .await;
    assert!(inbox[0].seen && inbox[0].dismissed);
    // Bob saw it over the WebSocket.
    b.send_text(&format!(
        r#"{{"type":"announcement_seen","id":{}}}"#,
        sent.id
    ))
    .await;
    b.send_text(r#"{"type":"announcement_seen","id":999999}"#)
        .await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame { code, .. }) => {
            assert_eq!(code, app::protocol::ErrorCode::NotFound)
        }
        _ => unreachable!(),
    }
    // The error came after the first frame was handled: receipts are in.
    let stats: AnnouncementStats = app
        .ok("GET", &format!("/api/push/{}", sent.id), &key.key, None)
        .await;
    assert_eq!((stats.delivered, stats.seen), (2, 2));
    // Somebody else's dismissal of an announcement not for them is refused.
    let private: PushResponse = app
        .ok(
            "POST",
            "/api/push",
            &admin.token,
            Some(json!({"body": "just bob", "target": {"kind": "user", "user": bob.user.id}})),
        )
        .await;
    let resp = app
        .call(
            "POST",
            &format!("/api/announcements/{}/dismiss", private.id),
            &carol.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_inbox_marks_what_it_lists_in_one_request() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let sent: PushResponse = app
            .ok(
                "POST",
                "/api/push",
                &admin.token,
                Some(json!({"body": format!("news {n}"), "target": {"kind": "all"}})),
            )
            .await;
        ids.push(sent.id);
    }
    let only_carol: PushResponse = app
        .ok(
            "POST",
            "/api/push",
            &admin.token,
            Some(json!({"body": "carol only", "target": {"kind": "user", "user": carol.user.id}})),
        )
        .await;
    // Bob marks his three, and tries carol's and one that does not exist.
    let mut asked = ids.clone();
    asked.extend([only_carol.id, app::protocol::AnnouncementId(999_999)]);
    let marked: app::protocol::SeenMarked = app
        .ok(
            "POST",
            "/api/announcements/seen",
            &bob.token,
            Some(json!({ "ids": asked })),
        )
        .await;
    assert_eq!(marked.seen, ids);
    let inbox: Vec<InboxEntry> = app.ok("GET", "/api/announcements", &bob.token, None).await;
    assert_eq!(inbox.len(), 3);
    assert!(inbox.iter().all(|e| e.seen && !e.dismissed));
    // Carol's is still unread.
    let inbox: Vec<InboxEntry> = app
        .ok("GET", "/api/announcements", &carol.token, None)
        .await;
    assert!(inbox.iter().all(|e| !e.seen));
    // Too many at once is named.
    let resp = app
        .call(
            "POST",
            "/api/announcements/seen",
            &bob.token,
            Some(json!({ "ids": (1..=101).collect::<Vec<i64>>() })),
        )
        .await;
    assert_eq!(resp.status(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["field"], "ids", "{body}");
}

#[tokio::test]
async fn api_keys_are_shown_once_admin_only_and_revocable() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let push = json!({"body": "hi", "target": {"kind": "all"}});

    assert_eq!(
        app.call("POST", "/api/keys", &bob.token, Some(json!({"name": "x"})))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call("POST", "/api/push", &bob.token, Some(push.clone()))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call("POST", "/api/push", "nonsense", Some(push.clone()))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.call("POST", "/api/push", "sbk_0000", Some(push.clone()))
            .await
            .status(),
        401
    );
    app.refused(
        "POST",
        "/api/keys",
        &admin.token,
        json!({"name": " "}),
        422,
        "name",
    )
    .await;

    let key: NewApiKey = app
        .ok(
            "POST",
            "/api/keys",
            &admin.token,
            Some(json!({"name": "ci"})),
        )
        .await;
    let listed: Vec<Value> = app.ok("GET", "/api/keys", &admin.token, None).await;
    assert_eq!(listed.len(), 1);
    assert!(
        listed[0].get("key").is_none(),
        "the key is never shown again"
    );
    assert!(listed[0]["last_used_at"].is_null());

    let _: PushResponse = app
        .ok("POST", "/api/push", &key.key, Some(push.clone()))
        .await;
    let listed: Vec<ApiKey> = app.ok("GET", "/api/keys", &admin.token, None).await;
    assert!(listed[0].last_used_at.is_some());
    // A key cannot manage keys.
    assert_eq!(
        app.call("GET", "/api/keys", &key.key, None).await.status(),
        401
    );

    let revoked: ApiKey = app
        .ok(
            "DELETE",
            &format!("/api/keys/{}", key.info.id),
            &admin.token,
            None,
        )
        .await;
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        app.call("POST", "/api/push", &key.key, Some(push))
            .await
            .status(),
        401
    );
    assert_eq!(
        app.call("DELETE", "/api/keys/999", &admin.token, None)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn each_target_reaches_only_its_audience() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app.create_room(&bob.token, "ops").await;
    let resp = app
        .call(
            "PATCH",
            &format!("/api/users/{}", carol.user.id),
            &admin.token,
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let mut b = app.connect(&bob.token).await;
    let mut c = app.connect(&carol.token).await;
    let push = |target: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let r: PushResponse = app
                .ok(
                    "POST",
                    "/api/push",
                    &token,
                    Some(json!({"body": "x", "target": target})),
                )
                .await;
            r
        }
    };

    let to_room = push(json!({"kind": "room", "room": room.id})).await;
    assert_eq!(to_room.connections, 1);
    assert_eq!(next_announcement(&mut b).await.id, to_room.id);
    assert_nothing_before_marker(&app, &admin.token, &mut c, carol.user.id.0).await;

    let to_agents = push(json!({"kind": "agents"})).await;
    assert_eq!(to_agents.connections, 1);
    assert_eq!(next_announcement(&mut c).await.id, to_agents.id);
    assert_nothing_before_marker(&app, &admin.token, &mut b, bob.user.id.0).await;

    let to_visitors = push(json!({"kind": "visitors"})).await;
    assert_eq!(
        to_visitors.connections, 0,
        "there are no visitor connections yet"
    );

    // The inbox follows the same rules.
    let inbox: Vec<InboxEntry> = app.ok("GET", "/api/announcements", &bob.token, None).await;
    let ids: Vec<_> = inbox.iter().map(|e| e.announcement.id).collect();
    assert!(ids.contains(&to_room.id) && !ids.contains(&to_agents.id));
}

#[tokio::test]
async fn bad_pushes_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let t = &admin.token;
    let all = json!({"kind": "all"});
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "  ", "target": all}),
        422,
        "body",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "x".repeat(10_001), "target": all}),
        422,
        "body",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"title": "t".repeat(201), "body": "x", "target": all}),
        422,
        "title",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "x", "target": {"kind": "room", "room": 77}}),
        422,
        "target.room",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "x", "target": {"kind": "user", "user": 77}}),
        422,
        "target.user",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "x", "target": {"kind": "moon"}}),
        400,
        "request body",
    )
    .await;
    app.refused(
        "POST",
        "/api/push",
        t,
        json!({"body": "x", "target": all, "severity": "meh"}),
        400,
        "request body",
    )
    .await;
}

// ---------------------------------------------------------------------------
// Scheduled push, on a manual clock
// ---------------------------------------------------------------------------

async fn one_off_fires_once_at_its_time(db: Db) {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, clock) = app_at(db, t0).await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let mut b = app.connect(&bob.token).await;
    let due = t0 + Duration::seconds(60);
    let s: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(due, "Standup in *5*", json!({"kind": "all"}))),
        )
        .await;
    assert_eq!(
        (s.status, s.next_run),
        (ScheduleStatus::Scheduled, Some(due))
    );
    assert_eq!(s.upcoming.len(), 1);

    clock.advance(Duration::seconds(59));
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &admin.token, &mut b, bob.user.id.0).await;

    clock.advance(Duration::seconds(1));
    let a = next_announcement(&mut b).await;
    assert_eq!(a.due_at, Some(due));
    assert!(!a.late);
    assert!(a.occurrence.is_some());
    assert!(a.body_html.contains("<em>5</em>"));

    // Never again, however much time passes.
    clock.advance(Duration::hours(25));
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &admin.token, &mut b, bob.user.id.0).await;

    let s: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", s.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(s.status, ScheduleStatus::Sent);
    assert_eq!((s.next_run, s.last_run), (None, Some(due)));
    assert_eq!(s.delivered, 1);
    assert_eq!(s.occurrences.len(), 1);
    assert_eq!(s.occurrences[0].status, OccurrenceStatus::Sent);
    assert_eq!(s.occurrences[0].announcement, Some(a.id));
}

#[tokio::test]
async fn a_one_off_fires_once_at_its_time() {
    one_off_fires_once_at_its_time(Db::Sqlite).await;
}

#[tokio::test]
async fn a_one_off_fires_once_at_its_time_on_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        one_off_fires_once_at_its_time(Db::Url(url)).await;
    }
}

#[tokio::test]
async fn a_daily_schedule_in_berlin_keeps_nine_oclock_across_the_dst_change() {
    // Clocks in Berlin go forward on Sunday 2026-03-29.
    let t0: DateTime<Utc> = "2026-03-26T12:00:00Z".parse().unwrap();
    let (app, clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let mut a = app.connect(&admin.token).await;
    let s: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(json!({
                "body": "Good morning", "target": {"kind": "all"},
                "at": "2026-03-27T09:00:00+01:00", "zone": "Europe/Berlin",
                "repeat": {"every": "day"}, "until": "2026-03-30T12:00:00+02:00"
            })),
        )
        .await;
    let shown: Vec<String> = s.upcoming.iter().map(|t| t.to_rfc3339()).collect();
    assert_eq!(
        shown,
        [
            "2026-03-27T09:00:00+01:00",
            "2026-03-28T09:00:00+01:00",
            "2026-03-29T09:00:00+02:00",
            "2026-03-30T09:00:00+02:00",
        ]
    );
    let expected: Vec<DateTime<Utc>> = [
        "2026-03-27T08:00:00Z",
        "2026-03-28T08:00:00Z",
        "2026-03-29T07:00:00Z",
        "2026-03-30T07:00:00Z",
    ]
    .iter()
    .map(|t| t.parse().unwrap())
    .collect();
    for due in &expected {
        // A second early: nothing yet.
        clock.set(*due - Duration::seconds(1));
        app.state.scheduler.settle().await;
        assert_nothing_before_marker(&app, &admin.token, &mut a, admin.user.id.0).await;
        clock.set(*due);
        let got = next_announcement(&mut a).await;
        assert_eq!(got.due_at, Some(*due));
        assert!(!got.late);
    }
    clock.set("2026-04-05T00:00:00Z".parse().unwrap());
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &admin.token, &mut a, admin.user.id.0).await;
    let s: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", s.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(s.status, ScheduleStatus::Sent, "ended by until");
    assert_eq!(s.occurrences.len(), 4);
}

#[tokio::test]
async fn edits_and_cancels_before_the_due_time_take_effect() {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let mut a = app.connect(&admin.token).await;
    let all = json!({"kind": "all"});
    let s: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(
                t0 + Duration::seconds(60),
                "old",
                all.clone(),
            )),
        )
        .await;
    let later = t0 + Duration::seconds(120);
    let edited: Schedule = app
        .ok(
            "PATCH",
            &format!("/api/schedules/{}", s.id),
            &admin.token,
            Some(json!({"body": "new", "at": rfc(later), "severity": "urgent"})),
        )
        .await;
    assert_eq!(edited.next_run, Some(later));
    assert_eq!(edited.body, "new");

    let doomed: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(t0 + Duration::seconds(90), "doomed", all)),
        )
        .await;
    let cancelled: Schedule = app
        .ok(
            "DELETE",
            &format!("/api/schedules/{}", doomed.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(
        (cancelled.status, cancelled.next_run),
        (ScheduleStatus::Cancelled, None)
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("/api/schedules/{}", doomed.id),
            &admin.token,
            None
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        app.call(
            "PATCH",
            &format!("/api/schedules/{}", doomed.id),
            &admin.token,
            Some(json!({"body": "x"}))
        )
        .await
        .status(),
        409
    );

    clock.set(t0 + Duration::seconds(100));
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &admin.token, &mut a, admin.user.id.0).await;
    clock.set(later);
    let got = next_announcement(&mut a).await;
    assert_eq!(got.body_html.trim(), "<p>new</p>");
    assert_eq!(got.severity, app::protocol::Severity::Urgent);
    assert_eq!(got.due_at, Some(later));

    let list: Vec<Schedule> = app.ok("GET", "/api/schedules", &admin.token, None).await;
    let statuses: Vec<_> = list.iter().map(|s| (s.id, s.status)).collect();
    assert!(statuses.contains(&(s.id, ScheduleStatus::Sent)));
    assert!(statuses.contains(&(doomed.id, ScheduleStatus::Cancelled)));
}

#[tokio::test]
async fn send_now_delivers_at_once_ends_a_one_off_and_keeps_a_recurrence() {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let mut b = app.connect(&bob.token).await;
    let due = t0 + Duration::hours(1);
    let one: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(
                due,
                "one",
                json!({"kind": "user", "user": bob.user.id}),
            )),
        )
        .await;
    let sent: PushResponse = app
        .ok(
            "POST",
            &format!("/api/schedules/{}/send-now", one.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(sent.connections, 1);
    let got = next_announcement(&mut b).await;
    assert_eq!((got.id, got.due_at, got.late), (sent.id, Some(t0), false));
    let one: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", one.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(
        (one.status, one.next_run, one.delivered),
        (ScheduleStatus::Sent, None, 1)
    );
    clock.set(due + Duration::seconds(1));
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &admin.token, &mut b, bob.user.id.0).await;

    let mut body = schedule_body(due + Duration::hours(1), "daily", json!({"kind": "all"}));
    body["repeat"] = json!({"every": "day"});
    let daily: Schedule = app
        .ok("POST", "/api/schedules", &admin.token, Some(body))
        .await;
    let _: PushResponse = app
        .ok(
            "POST",
            &format!("/api/schedules/{}/send-now", daily.id),
            &admin.token,
            None,
        )
        .await;
    let daily: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", daily.id),
            &admin.token,
            None,
        )
        .await;
    assert_eq!(daily.status, ScheduleStatus::Scheduled);
    assert_eq!(daily.next_run, Some(due + Duration::hours(1)));
}

async fn overdue_occurrences_after_a_restart(db: impl Fn(&TestApp) -> Db, first: Db) {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, _clock) = app_at(first, t0).await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let all = json!({"kind": "all"});
    let early = t0 + Duration::minutes(1);
    let late = t0 + Duration::minutes(90);
    let missed: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(early, "too old", all.clone())),
        )
        .await;
    let kept: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(schedule_body(late, "still worth it", all)),
        )
        .await;
    let reopen = db(&app);
    let _dir = app.stop().await;

    // Back two hours later: one occurrence is 119 minutes late (past the
    // one-hour grace), the other 30 minutes.
    let (app, _clock) = app_at(reopen, t0 + Duration::hours(2)).await;
    app.state.scheduler.settle().await;
    let login: app::protocol::AuthResponse = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "admin", "password": "password123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", missed.id),
            &login.token,
            None,
        )
        .await;
    assert_eq!(m.status, ScheduleStatus::Failed);
    assert!(
        m.last_error.as_deref().unwrap_or("").contains("missed"),
        "{m:?}"
    );
    assert_eq!(m.occurrences[0].status, OccurrenceStatus::Missed);
    let k: Schedule = app
        .ok(
            "GET",
            &format!("/api/schedules/{}", kept.id),
            &login.token,
            None,
        )
        .await;
    assert_eq!(k.status, ScheduleStatus::Sent);
    assert!(k.occurrences[0].late);

    // Bob was offline throughout: the inbox has the late one with its due time.
    let bob_login: app::protocol::AuthResponse = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "bob", "password": "password123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = bob;
    let inbox: Vec<InboxEntry> = app
        .ok("GET", "/api/announcements", &bob_login.token, None)
        .await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].announcement.due_at, Some(late));
    assert!(inbox[0].announcement.late);
    assert!(!inbox[0].seen);
}

#[tokio::test]
async fn after_a_restart_overdue_occurrences_are_sent_late_or_recorded_missed() {
    overdue_occurrences_after_a_restart(|app| Db::Url(app.db_url.clone()), Db::Sqlite).await;
}

#[tokio::test]
async fn after_a_restart_overdue_occurrences_are_sent_late_or_recorded_missed_on_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        overdue_occurrences_after_a_restart(|app| Db::Url(app.db_url.clone()), Db::Url(url)).await;
    }
}

#[tokio::test]
async fn an_author_who_lost_the_admin_role_makes_the_occurrence_fail_visibly() {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, clock) = app_at(Db::Sqlite, t0).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let s: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            &ann.token,
            Some(schedule_body(
                t0 + Duration::minutes(5),
                "x",
                json!({"kind": "all"}),
            )),
        )
        .await;
    // Bob becomes admin and takes ann's role away.
    let _: Value = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", bob.user.id),
            &ann.token,
            Some(json!({"role": "admin"})),
        )
        .await;
    let _: Value = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &bob.token,
            Some(json!({"role": "member"})),
        )
        .await;
    let mut b = app.connect(&bob.token).await;
    clock.advance(Duration::minutes(5));
    app.state.scheduler.settle().await;
    assert_nothing_before_marker(&app, &bob.token, &mut b, bob.user.id.0).await;
    let s: Schedule = app
        .ok("GET", &format!("/api/schedules/{}", s.id), &bob.token, None)
        .await;
    assert_eq!(s.status, ScheduleStatus::Failed);
    assert!(
        s.last_error
            .as_deref()
            .unwrap()
            .contains("no longer an admin"),
        "{:?}",
        s.last_error
    );
    assert_eq!(s.occurrences[0].status, OccurrenceStatus::Failed);
}

#[tokio::test]
async fn any_rfc3339_instant_is_accepted_and_local_times_are_read_in_the_zone() {
    // Issue 11.10: "…Z" with zone Europe/Berlin used to be a 422 because its
    // offset was not Berlin's; it names one instant, so it is accepted.
    let t0: DateTime<Utc> = "2026-01-10T12:00:00Z".parse().unwrap();
    let (app, _clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let t = &admin.token;
    let create = |at: &str| {
        json!({"body": "x", "target": {"kind": "all"}, "at": at,
               "zone": "Europe/Berlin", "repeat": {"every": "day"}})
    };
    let utc: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            t,
            Some(create("2026-06-01T07:00:00Z")),
        )
        .await;
    let tokyo: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            t,
            Some(create("2026-06-01T16:00:00+09:00")),
        )
        .await;
    let local: Schedule = app
        .ok(
            "POST",
            "/api/schedules",
            t,
            Some(create("2026-06-01T09:00")),
        )
        .await;
    for s in [&utc, &tokyo, &local] {
        // Shown back in the zone, and recurring at 09:00 Berlin time.
        assert_eq!(s.at.to_rfc3339(), "2026-06-01T09:00:00+02:00", "{s:?}");
    }
    // A past time is named in the schedule's zone, not echoed raw.
    let past = app
        .refused(
            "POST",
            "/api/schedules",
            t,
            create("2026-01-10T10:00:00Z"),
            422,
            "at",
        )
        .await;
    assert!(
        past.contains("2026-01-10 11:00 Europe/Berlin is in the past"),
        "{past}"
    );
}

#[tokio::test]
async fn bad_schedules_are_refused_naming_the_field() {
    let t0: DateTime<Utc> = "2026-01-10T12:00:00Z".parse().unwrap();
    let (app, _clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let t = &admin.token;
    let ok = json!({"body": "x", "target": {"kind": "all"},
                    "at": "2026-06-01T09:00:00+02:00", "zone": "Europe/Berlin"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    app.refused(
        "POST",
        "/api/schedules",
        t,
        with("at", json!("2026-01-10T11:59:59Z")),
        422,
        "at",
    )
    .await;
    // The preview accepts a past first time (the form may be editing a
    // recurring schedule that has started) and previews from now.
    let mut past_daily = with("at", json!("2026-01-09T09:00:00+01:00"));
    past_daily["repeat"] = json!({"every": "day"});
    let preview: app::protocol::Preview = app
        .ok("POST", "/api/schedules/preview", t, Some(past_daily))
        .await;
    assert_eq!(
        preview.upcoming.first().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-01-11T09:00:00+01:00")
    );
    for path in ["/api/schedules", "/api/schedules/preview"] {
        app.refused(
            "POST",
            path,
            t,
            with("at", json!("next tuesday")),
            422,
            "at",
        )
        .await;
        app.refused(
            "POST",
            path,
            t,
            with("at", json!("2026-03-29T02:30")),
            422,
            "at",
        )
        .await;
        // 02:30 on the last Sunday of October happens twice in Berlin: a
        // local time without an offset cannot say which.
        app.refused(
            "POST",
            path,
            t,
            with("at", json!("2026-10-25T02:30:00")),
            422,
            "at",
        )
        .await;
        app.refused(
            "POST",
            path,
            t,
            with("zone", json!("Europe/Atlantis")),
            422,
            "zone",
        )
        .await;
        app.refused(
            "POST",
            path,
            t,
            with("repeat", json!({"cron": "99 * * * *"})),
            422,
            "repeat.cron",
        )
        .await;
        // Issue 9.13: a schedule may not fire every second, nor twice within
        // the one-minute floor even once a day (the irregular gap is found too).
        for tight in ["* * * * * *", "*/30 * * * * *", "0,30 0 9 * * *"] {
            app.refused(
                "POST",
                path,
                t,
                with("repeat", json!({"cron": tight})),
                422,
                "repeat.cron",
            )
            .await;
        }
        app.refused(
            "POST",
            path,
            t,
            with("repeat", json!({"every": "day", "days": ["mon"]})),
            422,
            "repeat.days",
        )
        .await;
        app.refused(
            "POST",
            path,
            t,
            with("until", json!("2026-05-01T00:00:00Z")),
            422,
            "until",
        )
        .await;
        app.refused("POST", path, t, with("until", json!("soon")), 422, "until")
            .await;
        app.refused("POST", path, t, with("body", json!("")), 422, "body")
            .await;
        app.refused(
            "POST",
            path,
            t,
            with("repeat", json!({"every": "yearly"})),
            400,
            "request body",
        )
        .await;
        app.refused(
            "POST",
            path,
            t,
            with("repeat", json!({"every": "day", "cron": "* * * * *"})),
            400,
            "request body",
        )
        .await;
    }
    app.refused(
        "POST",
        "/api/schedules",
        t,
        with("target", json!({"kind": "room", "room": 5})),
        422,
        "target.room",
    )
    .await;
    let every_minute: app::protocol::Preview = app
        .ok(
            "POST",
            "/api/schedules/preview",
            t,
            Some(with("repeat", json!({"cron": "* * * * *"}))),
        )
        .await;
    assert_eq!(
        every_minute.upcoming.len(),
        5,
        "once a minute is the floor, allowed"
    );
    let preview: app::protocol::Preview = app
        .ok(
            "POST",
            "/api/schedules/preview",
            t,
            Some(with("repeat", json!({"cron": "0 9 * * mon-fri"}))),
        )
        .await;
    let shown: Vec<String> = preview.upcoming.iter().map(|t| t.to_rfc3339()).collect();
    assert_eq!(
        shown,
        [
            "2026-06-01T09:00:00+02:00",
            "2026-06-02T09:00:00+02:00",
            "2026-06-03T09:00:00+02:00",
            "2026-06-04T09:00:00+02:00",
            "2026-06-05T09:00:00+02:00",
        ]
    );
    assert_eq!(
        app.call("GET", "/api/schedules/999", t, None)
            .await
            .status(),
        404
    );
    let member = app.register("member").await;
    assert_eq!(
        app.call("POST", "/api/schedules", &member.token, Some(ok))
            .await
            .status(),
        403
    );
}

// ---------------------------------------------------------------------------
// The store's claim, on both backends
// ---------------------------------------------------------------------------

async fn an_occurrence_is_claimed_once(store: switchboard::store::Store) {
    use switchboard::store::{Author, Claim, NewAnnouncement, ScheduleFields};
    let ann = store.create_user("ann", "hash").await.unwrap();
    let now = Utc::now().trunc_subsecs(0);
    let due = now + Duration::minutes(1);
    let fields = ScheduleFields {
        title: None,
        body: "b".into(),
        body_html: "<p>b</p>".into(),
        severity: app::protocol::Severity::Info,
        target: app::protocol::Target::All,
        at: due,
        zone: "UTC".into(),
        repeat: None,
        until: None,
    };
    let id = store
        .create_schedule(&fields, Author::Admin(ann.id), due, now)
        .await
        .unwrap();
    let s = store.schedule(id).await.unwrap().unwrap();
    let claim = Claim {
        schedule: id,
        revision: s.revision,
        due,
        due_is_next: true,
        next_run: None,
        late: false,
        now: due,
    };
    let new = NewAnnouncement {
        title: None,
        body_html: fields.body_html.clone(),
        severity: fields.severity,
        target: fields.target,
        author: Author::Admin(ann.id),
        schedule: Some(id),
        due_at: Some(due),
        late: false,
    };
    // Two claimers at once (two nodes, or a node and a retry): one wins.
    let (a, b) = tokio::join!(
        store.claim_occurrence(&claim, &new),
        store.claim_occurrence(&claim, &new)
    );
    let winners = [a.unwrap(), b.unwrap()];
    assert_eq!(winners.iter().filter(|w| w.is_some()).count(), 1);
    assert!(store
        .claim_occurrence(&claim, &new)
        .await
        .unwrap()
        .is_none());
    // Nothing is due any more: the winner moved the schedule on.
    assert_eq!(store.due_schedules(due, 10).await.unwrap().len(), 0);
    // The winner "crashed" before marking it sent: start-up settles it as sent,
    // without sending it again.
    assert_eq!(store.settle_interrupted_occurrences().await.unwrap(), 1);
    let occ = store.occurrences(id, 10).await.unwrap();
    assert_eq!(occ.len(), 1);
    assert_eq!(occ[0].status, OccurrenceStatus::Sent);
    let s = store.schedule(id).await.unwrap().unwrap();
    assert_eq!(
        (s.status, s.next_run, s.last_run),
        (ScheduleStatus::Sent, None, Some(due))
    );
}

#[tokio::test]
async fn the_store_claims_an_occurrence_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/claim.db", dir.path().display());
    an_occurrence_is_claimed_once(switchboard::store::Store::connect(&url).await.unwrap()).await;
}

#[tokio::test]
async fn the_store_claims_an_occurrence_once_on_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        an_occurrence_is_claimed_once(switchboard::store::Store::connect(&url).await.unwrap())
            .await;
    }
}

// ---------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------

/// With 10,000 schedules pending, 200 probe schedules fall due 50 ms apart; the
/// lateness of each (server: `sent_at - due_at`; end to end: when the client
/// has the frame) is measured on the real clock and the p50/p99/max printed.
/// Run: `cargo test -p server --release --test api -- --ignored --nocapture lateness`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; about a minute"]
async fn lateness_p99_with_10000_pending_schedules() {
    use switchboard::store::{Author, ScheduleFields};
    const PENDING: usize = 10_000;
    const PROBES: usize = 200;
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let bob = app.register("bob").await;
    let mut b = app.connect(&bob.token).await;
    let store = &app.state.store;
    let fields = |at: DateTime<Utc>, target| ScheduleFields {
        title: None,
        body: "b".into(),
        body_html: "<p>b</p>".into(),
        severity: app::protocol::Severity::Info,
        target,
        at,
        zone: "UTC".into(),
        repeat: None,
        until: None,
    };
    let author = Author::Admin(admin.user.id);
    let started = std::time::Instant::now();
    let now = Utc::now().trunc_subsecs(0);
    for i in 0..PENDING {
        let at = now + Duration::days(1) + Duration::seconds(i as i64);
        store
            .create_schedule(&fields(at, app::protocol::Target::All), author, at, now)
            .await
            .unwrap();
    }
    eprintln!(
        "{PENDING} pending schedules stored in {:?} ({})",
        started.elapsed(),
        store.backend_name()
    );
    let first = Utc::now() + Duration::seconds(2);
    let mut dues = Vec::new();
    for i in 0..PROBES {
        let at = first + Duration::milliseconds(50 * i as i64);
        let target = app::protocol::Target::User { user: bob.user.id };
        store
            .create_schedule(&fields(at, target), author, at, Utc::now())
            .await
            .unwrap();
        dues.push(at);
    }
    app.state.scheduler.wake();
    let mut server = Vec::new();
    let mut end_to_end = Vec::new();
    for _ in 0..PROBES {
        let a = next_announcement(&mut b).await;
        let due = a.due_at.unwrap();
        end_to_end.push((Utc::now() - due).num_microseconds().unwrap());
        server.push((a.sent_at - due).num_microseconds().unwrap());
    }
    let pct = |v: &mut Vec<i64>, p: f64| {
        v.sort_unstable();
        v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1] as f64 / 1000.0
    };
    for (name, v) in [("server", &mut server), ("end to end", &mut end_to_end)] {
        eprintln!(
            "lateness ({name}, {PROBES} probes, {PENDING} pending): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(v, 0.50),
            pct(v, 0.99),
            pct(v, 1.0)
        );
    }
    assert!(pct(&mut end_to_end, 0.99) < 50.0, "p99 lateness over 50 ms");
}

#[tokio::test]
async fn editing_a_recurring_schedule_after_it_fired_moves_only_future_runs() {
    let t0 = Utc::now().trunc_subsecs(0);
    let (app, clock) = app_at(Db::Sqlite, t0).await;
    let admin = app.register("admin").await;
    let mut a = app.connect(&admin.token).await;
    let first = t0 + Duration::minutes(1);
    let mut body = schedule_body(first, "daily", json!({"kind": "all"}));
    body["repeat"] = json!({"every": "day"});
    let s: Schedule = app
        .ok("POST", "/api/schedules", &admin.token, Some(body))
        .await;
    assert_eq!(s.upcoming.len(), 5);
    clock.set(first);
    let got = next_announcement(&mut a).await;
    assert_eq!(got.due_at, Some(first));

    // Weekly from now on: the next run is a week after the first, not the first again.
    let s: Schedule = app
        .ok(
            "PATCH",
            &format!("/api/schedules/{}", s.id),
            &admin.token,
            Some(json!({"repeat": {"every": "week"}, "title": "Weekly"})),
        )
        .await;
    assert_eq!(s.next_run, Some(first + Duration::days(7)));
    assert_eq!(s.title.as_deref(), Some("Weekly"));
    assert_eq!(s.status, ScheduleStatus::Scheduled);
    // Removing the recurrence ends it: the one-off time has passed.
    let s: Schedule = app
        .ok(
            "PATCH",
            &format!("/api/schedules/{}", s.id),
            &admin.token,
            Some(json!({"repeat": null})),
        )
        .await;
    assert_eq!((s.status, s.next_run), (ScheduleStatus::Sent, None));
    // Moving `at` into the past is refused; the stored past `at` is not.
    app.refused(
        "PATCH",
        &format!("/api/schedules/{}", s.id),
        &admin.token,
        json!({"at": rfc(t0)}),
        422,
        "at",
    )
    .await;

    // Dismissed over the WebSocket: the inbox shows it.
    a.send_text(&format!(
        r#"{{"type":"announcement_dismiss","id":{}}}"#,
        got.id
    ))
    .await;
    // The connection handles its frames in order: the answer to a frame sent
    // after the dismiss means the dismiss has been stored.
    a.send_text(r#"{"type":"typing","room":999999}"#).await;
    a.recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert_nothing_before_marker(&app, &admin.token, &mut a, admin.user.id.0).await;
    let inbox: Vec<InboxEntry> = app
        .ok("GET", "/api/announcements", &admin.token, None)
        .await;
    let entry = inbox.iter().find(|e| e.announcement.id == got.id).unwrap();
    assert!(entry.seen && entry.dismissed);
}
