//! A person's sessions page (list, end one, end the others) and an admin's
//! one-time password reset links, on SQLite and on PostgreSQL. Ending a
//! session takes its token and its sockets at once; a reset link works once,
//! for its own account only, and ends every session of it.

use crate::helpers::*;
use app::protocol::{
    close, AuditAction, AuditEntry, AuthResponse, EndedSessions, NewPasswordReset,
    PasswordResetInfo, SessionInfo, User,
};
use serde_json::json;
use switchboard::auth::token;

on_both_databases!(a_person_sees_and_ends_their_own_sessions);
on_both_databases!(a_reset_link_sets_a_new_password_once);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

async fn login_as(app: &TestApp, name: &str, password: &str, agent: &str) -> AuthResponse {
    let resp = app
        .http
        .post(app.url("/api/auth/login"))
        .header("user-agent", agent)
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "login {name}");
    resp.json().await.unwrap()
}

async fn status(app: &TestApp, method: &str, path: &str, token: &str) -> u16 {
    app.call(method, path, token, None).await.status().as_u16()
}

async fn audited(app: &TestApp, admin: &str, action: AuditAction) -> Vec<AuditEntry> {
    let log: Vec<AuditEntry> = app.ok("GET", "/api/audit", admin, None).await;
    log.into_iter().filter(|e| e.action == action).collect()
}

async fn a_person_sees_and_ends_their_own_sessions(app: &TestApp) {
    let ann = app.register("ann").await; // the first account: admin
    let bob = app.register("bob").await;
    let firefox = login_as(app, "ann", "password123", FIREFOX).await;
    let script = login_as(app, "ann", "password123", "curl/8.5.0").await;
    let mut firefox_tab = app.connect(&firefox.token).await;

    let list: Vec<SessionInfo> = app.ok("GET", "/api/me/sessions", &ann.token, None).await;
    assert_eq!(list.len(), 3, "ann's three sessions, not bob's: {list:?}");
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    let by_browser = |b: &str| {
        list.iter()
            .find(|s| s.browser.as_deref() == Some(b))
            .unwrap_or_else(|| panic!("a {b} session in {list:?}"))
            .clone()
    };
    let ff = by_browser("Firefox");
    assert_eq!(ff.os.as_deref(), Some("Linux"));
    assert_eq!(ff.ip.as_deref(), Some("127.0.0.1"));
    assert!(!ff.current && ff.last_seen_at >= ff.created_at && ff.expires_at > ff.created_at);
    let curl = by_browser("curl");
    assert_eq!(curl.id.len(), app::protocol::SESSION_ID_LEN);
    let bobs: Vec<SessionInfo> = app.ok("GET", "/api/me/sessions", &bob.token, None).await;
    assert_eq!(bobs.len(), 1);
    assert!(bobs[0].current);

    // Bad and unknown ids; bob cannot end ann's session.
    let bad = app
        .call("DELETE", "/api/me/sessions/not-an-id", &ann.token, None)
        .await;
    assert_eq!(bad.status(), 422);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "id");
    let unknown = "/api/me/sessions/0123456789abcdef";
    assert_eq!(status(app, "DELETE", unknown, &ann.token).await, 404);
    let curl_path = format!("/api/me/sessions/{}", curl.id);
    assert_eq!(status(app, "DELETE", &curl_path, &bob.token).await, 404);
    assert_eq!(status(app, "GET", "/api/me", &script.token).await, 200);

    // Ending one: its token and its socket go at once; the others stay.
    let ff_path = format!("/api/me/sessions/{}", ff.id);
    assert_eq!(status(app, "DELETE", &ff_path, &ann.token).await, 204);
    assert_eq!(firefox_tab.closed().await, close::SESSION_ENDED);
    assert_eq!(status(app, "GET", "/api/me", &firefox.token).await, 401);
    assert_eq!(status(app, "GET", "/api/me", &script.token).await, 200);
    assert_eq!(status(app, "DELETE", &ff_path, &ann.token).await, 404);

    // Ending the others keeps this one.
    let ended: EndedSessions = app.ok("DELETE", "/api/me/sessions", &ann.token, None).await;
    assert_eq!(ended.ended, [curl.id.clone()]);
    assert_eq!(status(app, "GET", "/api/me", &script.token).await, 401);
    let list: Vec<SessionInfo> = app.ok("GET", "/api/me/sessions", &ann.token, None).await;
    assert_eq!(list.len(), 1);
    assert!(list[0].current);
    assert_eq!(
        audited(app, &ann.token, AuditAction::SessionEnded)
            .await
            .len(),
        2
    );

    // Ending the current one is logging out.
    let me = format!("/api/me/sessions/{}", list[0].id);
    assert_eq!(status(app, "DELETE", &me, &ann.token).await, 204);
    assert_eq!(status(app, "GET", "/api/me", &ann.token).await, 401);
    assert_eq!(
        status(app, "GET", "/api/me/sessions", &ann.token).await,
        401
    );
}

async fn a_reset_link_sets_a_new_password_once(app: &TestApp) {
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let mut bobs_tab = app.connect(&bob.token).await;
    let reset_path = |u: &User| format!("/api/users/{}/password-reset", u.id);

    // Admins only; an unknown account is 404.
    assert_eq!(
        status(app, "POST", &reset_path(&root.user), &bob.token).await,
        403
    );
    assert_eq!(
        status(app, "POST", "/api/users/999999/password-reset", &root.token).await,
        404
    );

    let first: NewPasswordReset = app
        .ok("POST", &reset_path(&bob.user), &root.token, None)
        .await;
    assert_eq!(first.username, "bob");
    assert_eq!(first.link, format!("/reset?token={}", first.token));
    let hours = (first.expires_at - chrono::Utc::now()).num_minutes();
    assert!((23 * 60..=24 * 60).contains(&hours), "{hours} minutes");
    // A second link replaces the first.
    let second: NewPasswordReset = app
        .ok("POST", &reset_path(&bob.user), &root.token, None)
        .await;
    let link = |t: &str| format!("/api/password-resets/{t}");
    let anyone = "";
    assert_eq!(status(app, "GET", &link(&first.token), anyone).await, 404);
    let info: PasswordResetInfo = app.ok("GET", &link(&second.token), anyone, None).await;
    assert_eq!(info.username, "bob");

    // A bad password is refused, and the link stays usable.
    let short = app
        .call(
            "POST",
            &link(&second.token),
            anyone,
            Some(json!({"password": "short"})),
        )
        .await;
    assert_eq!(short.status(), 422);
    let body: serde_json::Value = short.json().await.unwrap();
    assert_eq!(body["error"]["field"], "password");
    let used: AuthResponse = app
        .ok(
            "POST",
            &link(&second.token),
            anyone,
            Some(json!({"password": "a new password"})),
        )
        .await;
    assert_eq!(used.user.id, bob.user.id);
    // Every earlier session of bob's is over; the link's own login works.
    assert_eq!(bobs_tab.closed().await, close::SESSION_ENDED);
    assert_eq!(status(app, "GET", "/api/me", &bob.token).await, 401);
    assert_eq!(status(app, "GET", "/api/me", &used.token).await, 200);
    assert_eq!(app.login("bob", "password123").await.status(), 401);
    assert_eq!(app.login("bob", "a new password").await.status(), 200);
    // Once only.
    let again = app
        .call(
            "POST",
            &link(&second.token),
            anyone,
            Some(json!({"password": "another one"})),
        )
        .await;
    assert_eq!(again.status(), 404);
    assert_eq!(app.login("bob", "a new password").await.status(), 200);

    // An expired link is dead.
    let expired = token::generate();
    let now = chrono::Utc::now();
    app.state
        .store
        .create_password_reset(
            &token::digest(&expired),
            cat.user.id,
            root.user.id,
            now - chrono::Duration::hours(25),
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    assert_eq!(status(app, "GET", &link(&expired), anyone).await, 404);

    // A deactivated account gets no link, and a live one stops working.
    let fresh: NewPasswordReset = app
        .ok("POST", &reset_path(&cat.user), &root.token, None)
        .await;
    let user_path = format!("/api/users/{}", cat.user.id);
    let _: User = app
        .ok(
            "PATCH",
            &user_path,
            &root.token,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(
        status(app, "POST", &reset_path(&cat.user), &root.token).await,
        409
    );
    assert_eq!(status(app, "GET", &link(&fresh.token), anyone).await, 404);
    let refused = app
        .call(
            "POST",
            &link(&fresh.token),
            anyone,
            Some(json!({"password": "cat's new one"})),
        )
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(app.login("cat", "password123").await.status(), 403);

    // All of it is in the audit log.
    let made = audited(app, &root.token, AuditAction::PasswordResetCreated).await;
    assert_eq!(made.len(), 3);
    assert_eq!(made[0].actor.as_deref(), Some("root"));
    let done = audited(app, &root.token, AuditAction::PasswordReset).await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].actor.as_deref(), Some("bob"));
}

/// Sets a session's `last_seen_at` directly (SQLite).
async fn seen_at(app: &TestApp, token: &str, at: chrono::DateTime<chrono::Utc>) {
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(&app.db_url).await.unwrap();
    sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
        .bind(at)
        .bind(token::digest(token))
        .execute(&mut db)
        .await
        .unwrap();
}

async fn last_seen(app: &TestApp, token: &str) -> chrono::DateTime<chrono::Utc> {
    let list: Vec<SessionInfo> = app.ok("GET", "/api/me/sessions", token, None).await;
    list.into_iter().find(|s| s.current).unwrap().last_seen_at
}

#[tokio::test]
async fn a_sessions_last_use_is_refreshed_at_most_every_few_minutes() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let now = chrono::Utc::now();
    // Used a while ago: the next request refreshes it.
    seen_at(&app, &ann.token, now - chrono::Duration::minutes(10)).await;
    let refreshed = last_seen(&app, &ann.token).await;
    assert!(
        refreshed >= now - chrono::Duration::seconds(5),
        "{refreshed}"
    );
    // Used a minute ago: a request does not write again.
    let recent = now - chrono::Duration::minutes(1);
    seen_at(&app, &ann.token, recent).await;
    assert_eq!(status(&app, "GET", "/api/me", &ann.token).await, 200);
    let kept = last_seen(&app, &ann.token).await;
    assert_eq!(kept.timestamp_millis(), recent.timestamp_millis());
    app.stop().await;
}
