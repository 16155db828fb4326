//! Accounts, sessions and roles over HTTP, and who may open `/ws`.

use crate::helpers::*;
use app::protocol::{Role, User};
use serde_json::json;

#[tokio::test]
async fn first_account_is_admin_and_later_ones_are_members() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    assert_eq!(ann.user.role, Role::Admin);
    assert_eq!(bob.user.role, Role::Member);
    assert!(!ann.token.is_empty() && ann.token != bob.token);
}

#[tokio::test]
async fn register_sets_an_httponly_cookie_that_authenticates() {
    let app = spawn_app().await;
    let resp = app
        .http
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": "carol", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("sb_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let me: User = app
        .http
        .get(app.url("/api/me"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me.username, "carol");
}

#[tokio::test]
async fn duplicate_and_invalid_registrations_are_refused_with_reasons() {
    let app = spawn_app().await;
    app.register("dave").await;
    let dup = app
        .http
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": "DAVE", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);
    let body: serde_json::Value = dup.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");

    let short = app
        .http
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": "erin", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 422);
    let body: serde_json::Value = short.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("password"));

    let garbage = app
        .http
        .post(app.url("/api/auth/register"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let body: serde_json::Value = garbage.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_frame");
}

#[tokio::test]
async fn login_logout_and_wrong_passwords() {
    let app = spawn_app().await;
    app.register("fay").await;
    let login = |username: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/api/auth/login"))
                .json(&json!({"username": username, "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = login("fay", "wrongpassword").await;
    assert_eq!(wrong.status(), 401);
    let unknown = login("nobody", "wrongpassword").await;
    assert_eq!(unknown.status(), 401);
    let (a, b): (serde_json::Value, serde_json::Value) =
        (wrong.json().await.unwrap(), unknown.json().await.unwrap());
    assert_eq!(a, b, "the answer does not reveal whether the user exists");

    let ok = login("fay", "password123").await;
    assert_eq!(ok.status(), 200);
    let auth: app::protocol::AuthResponse = ok.json().await.unwrap();
    let me = app
        .http
        .get(app.url("/api/me"))
        .bearer_auth(&auth.token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);

    let out = app
        .http
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&auth.token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let me = app
        .http
        .get(app.url("/api/me"))
        .bearer_auth(&auth.token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn failed_logins_take_about_as_long_whether_or_not_the_user_exists() {
    let app = spawn_app().await;
    app.register("gus").await;
    let time = |username: &'static str| {
        let app = &app;
        async move {
            let start = std::time::Instant::now();
            for _ in 0..3 {
                app.http
                    .post(app.url("/api/auth/login"))
                    .json(&json!({"username": username, "password": "wrongpassword"}))
                    .send()
                    .await
                    .unwrap();
            }
            start.elapsed().as_secs_f64()
        }
    };
    time("nobody").await; // warm up the dummy hash
    let existing = time("gus").await;
    let missing = time("nobody").await;
    let ratio = existing.max(missing) / existing.min(missing);
    assert!(
        ratio < 2.0,
        "existing {existing:.3}s vs missing {missing:.3}s"
    );
}

#[tokio::test]
async fn admins_list_users_and_change_roles_members_cannot() {
    let app = spawn_app().await;
    let admin = app.register("root").await;
    let member = app.register("henry").await;
    let list = app
        .http
        .get(app.url("/api/users"))
        .bearer_auth(&member.token)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 403);
    let users: Vec<User> = app
        .http
        .get(app.url("/api/users"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    let changed: User = app
        .http
        .patch(app.url(&format!("/api/users/{}", member.user.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"role": "agent"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed.role, Role::Agent);
    let last_admin = app
        .http
        .patch(app.url(&format!("/api/users/{}", admin.user.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"role": "member"}))
        .send()
        .await
        .unwrap();
    assert_eq!(last_admin.status(), 409);
    let bad_role = app
        .http
        .patch(app.url(&format!("/api/users/{}", member.user.id)))
        .bearer_auth(&admin.token)
        .json(&json!({"role": "wizard"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_role.status(), 400);
}

#[tokio::test]
async fn a_role_change_renews_that_users_sockets_under_the_new_role() {
    let app = spawn_app().await;
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let mut bob_tab1 = app.connect(&bob.token).await;
    let mut bob_tab2 = app.connect(&bob.token).await;
    let mut bystander = app.connect(&root.token).await;
    let path = format!("/api/users/{}", bob.user.id);
    // The same role again changes nothing, so nothing is closed.
    let same = app
        .call("PATCH", &path, &root.token, Some(json!({"role": "member"})))
        .await;
    assert_eq!(same.status(), 200);
    let promoted = app
        .call("PATCH", &path, &root.token, Some(json!({"role": "agent"})))
        .await;
    assert_eq!(promoted.status(), 200);
    let renewed = app::protocol::close::ROLE_CHANGED;
    assert_eq!(bob_tab1.closed().await, renewed);
    assert_eq!(bob_tab2.closed().await, renewed);
    // Others keep their socket: it still answers.
    bystander
        .send(&app::protocol::ClientFrame::Typing {
            room: app::protocol::RoomId(999),
        })
        .await;
    assert!(matches!(
        bystander.recv().await,
        app::protocol::ServerFrame::Error { .. }
    ));
    // Reconnecting says hello with the new role.
    let (_, user) = Client::greeted(app.addr, &bob.token, None).await;
    assert_eq!(user.role, Role::Agent);
}

#[tokio::test]
async fn websocket_needs_a_session_and_a_trusted_origin() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;

    let anonymous = app.http.get(app.url("/ws")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    // Same origin works; a foreign page is refused before the upgrade.
    Client::connect(app.addr, &ann.token, Some(&format!("http://{}", app.addr))).await;
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/ws", app.addr),
    )
    .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", ann.token).parse().unwrap(),
    );
    req.headers_mut()
        .insert("origin", "http://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn extra_origins_can_be_allowed() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.allowed_origins = vec!["https://chat.example.com".into()]
    })
    .await;
    let ann = app.register("ann").await;
    Client::connect(app.addr, &ann.token, Some("https://chat.example.com")).await;
}

#[tokio::test]
async fn logout_closes_that_sessions_sockets() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let mut c = app.connect(&ann.token).await;
    app.http
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(c.closed().await, app::protocol::close::SESSION_ENDED);
}
