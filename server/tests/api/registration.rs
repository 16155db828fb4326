//! Who may create an account (`SWITCHBOARD_REGISTRATION`): open, invite links,
//! closed with admin-made accounts, and the first-run setup token that
//! protects a fresh install on a public address.

use crate::helpers::*;
use app::protocol::{
    Invite, InviteState, NewInvite, RegistrationInfo, RegistrationPolicy, Role, User,
};
use serde_json::{json, Value};
use std::{process::Stdio, sync::Arc, time::Duration};
use switchboard::scheduler::ManualClock;

/// The server's URL for `path` over 127.0.0.1, also when it listens on 0.0.0.0.
fn local(app: &TestApp, path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", app.addr.port())
}

/// `POST /api/auth/register` with `extra` fields; the status and the JSON answer.
async fn register(app: &TestApp, username: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"username": username, "password": "password123"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let resp = app
        .http
        .post(local(app, "/api/auth/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn policy(app: &TestApp, query: &str) -> RegistrationInfo {
    let resp = app
        .http
        .get(local(app, &format!("/api/auth/policy{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn invite(app: &TestApp, admin: &str, uses: u32, hours: u32) -> NewInvite {
    let resp = app
        .call(
            "POST",
            "/api/invites",
            admin,
            Some(json!({"uses": uses, "expires_in_hours": hours})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn open_registration_is_the_default_and_the_policy_says_so() {
    let app = spawn_app().await;
    let info = policy(&app, "").await;
    assert_eq!(
        info,
        RegistrationInfo {
            policy: RegistrationPolicy::Open,
            first_account: true,
            setup_required: false,
            invite: None,
        }
    );
    assert_eq!(app.register("ann").await.user.role, Role::Admin);
    assert_eq!(app.register("bob").await.user.role, Role::Member);
    assert!(!policy(&app, "").await.first_account);
}

#[tokio::test]
async fn invite_registration_needs_a_live_invite_and_counts_its_uses() {
    let app = spawn_app_with(Db::Sqlite, |s| s.registration = RegistrationPolicy::Invite).await;
    // The first account needs no invite (nobody could have made one yet).
    let ann = app.register("ann").await;
    assert_eq!(ann.user.role, Role::Admin);

    let (status, body) = register(&app, "bob", json!({})).await;
    assert_eq!((status, code(&body)), (403, "invite_required"), "{body}");

    let made = invite(&app, &ann.token, 2, 24).await;
    assert_eq!(made.link, format!("/register?invite={}", made.token));
    assert_eq!((made.invite.max_uses, made.invite.uses), (2, 0));
    assert_eq!(made.invite.state, InviteState::Valid);
    let q = format!("?invite={}", made.token);
    assert_eq!(policy(&app, &q).await.invite, Some(InviteState::Valid));

    for name in ["bob", "carol"] {
        let (status, body) = register(&app, name, json!({"invite": made.token})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["user"]["role"], "member");
    }
    let (status, body) = register(&app, "dave", json!({"invite": made.token})).await;
    assert_eq!((status, code(&body)), (403, "invite_invalid"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("used"));
    assert_eq!(policy(&app, &q).await.invite, Some(InviteState::UsedUp));

    let (status, body) = register(&app, "dave", json!({"invite": "nonsense"})).await;
    assert_eq!((status, code(&body)), (403, "invite_invalid"), "{body}");
    assert_eq!(
        policy(&app, "?invite=nonsense").await.invite,
        Some(InviteState::Unknown)
    );

    let listed: Vec<Invite> = app.ok("GET", "/api/invites", &ann.token, None).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].uses, listed[0].state), (2, InviteState::UsedUp));
    assert_eq!(listed[0].created_by.as_deref(), Some("ann"));
}

#[tokio::test]
async fn a_taken_name_does_not_use_up_an_invite() {
    let app = spawn_app_with(Db::Sqlite, |s| s.registration = RegistrationPolicy::Invite).await;
    let ann = app.register("ann").await;
    let made = invite(&app, &ann.token, 1, 1).await;
    let (status, _) = register(&app, "ANN", json!({"invite": made.token})).await;
    assert_eq!(status, 409);
    let (status, body) = register(&app, "bob", json!({"invite": made.token})).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn an_invite_expires() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = spawn_app_with_clock(Db::Sqlite, clock.clone(), |s| {
        s.registration = RegistrationPolicy::Invite
    })
    .await;
    let ann = app.register("ann").await;
    let made = invite(&app, &ann.token, 5, 1).await;
    clock.advance(chrono::Duration::minutes(61));
    let (status, body) = register(&app, "bob", json!({"invite": made.token})).await;
    assert_eq!((status, code(&body)), (403, "invite_invalid"), "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let q = format!("?invite={}", made.token);
    assert_eq!(policy(&app, &q).await.invite, Some(InviteState::Expired));
}

#[tokio::test]
async fn a_revoked_invite_admits_nobody() {
    let app = spawn_app_with(Db::Sqlite, |s| s.registration = RegistrationPolicy::Invite).await;
    let ann = app.register("ann").await;
    let made = invite(&app, &ann.token, 3, 24).await;
    let path = format!("/api/invites/{}", made.invite.id);
    let revoked: Invite = app.ok("DELETE", &path, &ann.token, None).await;
    assert_eq!(revoked.state, InviteState::Revoked);
    assert!(revoked.revoked_at.is_some());
    let (status, body) = register(&app, "bob", json!({"invite": made.token})).await;
    assert_eq!((status, code(&body)), (403, "invite_invalid"), "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    let resp = app
        .call("DELETE", "/api/invites/999", &ann.token, None)
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn invites_are_checked_when_created() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    for (body, field) in [
        (json!({"uses": 0, "expires_in_hours": 1}), "uses"),
        (json!({"uses": 1001, "expires_in_hours": 1}), "uses"),
        (
            json!({"uses": 1, "expires_in_hours": 0}),
            "expires_in_hours",
        ),
        (
            json!({"uses": 1, "expires_in_hours": 100000}),
            "expires_in_hours",
        ),
    ] {
        let resp = app
            .call("POST", "/api/invites", &ann.token, Some(body))
            .await;
        assert_eq!(resp.status(), 422);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["field"], field);
    }
}

/// Many sign-ups race for one single-use invite: exactly one account is made.
async fn single_use_invite_admits_one_of_many(db: Db) {
    let app = spawn_app_with(db, |s| s.registration = RegistrationPolicy::Invite).await;
    let ann = app.register("ann").await;
    let made = invite(&app, &ann.token, 1, 1).await;
    let app = Arc::new(app);
    let racers = (0..8).map(|i| {
        let app = app.clone();
        let token = made.token.clone();
        tokio::spawn(
            async move { register(&app, &format!("racer{i}"), json!({"invite": token})).await },
        )
    });
    let mut made_accounts = 0;
    for r in racers {
        let (status, body) = r.await.unwrap();
        match status {
            201 => made_accounts += 1,
            403 => assert_eq!(code(&body), "invite_invalid", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(made_accounts, 1);
    let users: Vec<User> = app.ok("GET", "/api/users", &ann.token, None).await;
    assert_eq!(users.len(), 2);
}

#[tokio::test]
async fn concurrent_sign_ups_use_a_single_use_invite_once_on_sqlite() {
    single_use_invite_admits_one_of_many(Db::Sqlite).await;
}

#[tokio::test]
async fn concurrent_sign_ups_use_a_single_use_invite_once_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    single_use_invite_admits_one_of_many(Db::Url(url)).await;
}

#[tokio::test]
async fn closed_registration_leaves_account_making_to_admins() {
    let app = spawn_app_with(Db::Sqlite, |s| s.registration = RegistrationPolicy::Closed).await;
    // The first account is still made by whoever runs the server.
    let ann = app.register("ann").await;
    assert_eq!(ann.user.role, Role::Admin);
    assert_eq!(policy(&app, "").await.policy, RegistrationPolicy::Closed);

    let (status, body) = register(&app, "bob", json!({})).await;
    assert_eq!(
        (status, code(&body)),
        (403, "registration_closed"),
        "{body}"
    );
    // Refused before anything else, so a bad password does not matter.
    let (status, body) = register(&app, "bob", json!({"password": "x"})).await;
    assert_eq!(
        (status, code(&body)),
        (403, "registration_closed"),
        "{body}"
    );

    let made = app
        .call(
            "POST",
            "/api/users",
            &ann.token,
            Some(json!({"username": "bob", "password": "initial-pass", "role": "agent"})),
        )
        .await;
    assert_eq!(made.status(), 201);
    let bob: User = made.json().await.unwrap();
    assert_eq!((bob.username.as_str(), bob.role), ("bob", Role::Agent));
    let login = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "bob", "password": "initial-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);

    let dup = app
        .call(
            "POST",
            "/api/users",
            &ann.token,
            Some(json!({"username": "BOB", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(dup.status(), 409);
    let short = app
        .call(
            "POST",
            "/api/users",
            &ann.token,
            Some(json!({"username": "carol", "password": "short"})),
        )
        .await;
    assert_eq!(short.status(), 422);
    // Without a role the account is a member.
    let carol: User = app
        .ok(
            "POST",
            "/api/users",
            &ann.token,
            Some(json!({"username": "carol", "password": "initial-pass"})),
        )
        .await;
    assert_eq!(carol.role, Role::Member);
}

#[tokio::test]
async fn only_admins_manage_invites_and_make_accounts() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let made = invite(&app, &ann.token, 1, 1).await;
    let revoke = format!("/api/invites/{}", made.invite.id);
    let account = json!({"username": "mallory", "password": "password123", "role": "admin"});
    let invite_body = json!({"uses": 1, "expires_in_hours": 1});
    let attempts = [
        ("GET", "/api/invites", None),
        ("POST", "/api/invites", Some(invite_body)),
        ("DELETE", revoke.as_str(), None),
        ("POST", "/api/users", Some(account)),
    ];
    for (method, path, body) in attempts {
        let as_member = app.call(method, path, &bob.token, body.clone()).await;
        assert_eq!(as_member.status(), 403, "{method} {path} as a member");
        let anonymous = app.call(method, path, "", body).await;
        assert_eq!(anonymous.status(), 401, "{method} {path} anonymously");
    }
    let users: Vec<User> = app.ok("GET", "/api/users", &ann.token, None).await;
    assert_eq!(users.len(), 2, "no account was made");
    let listed: Vec<Invite> = app.ok("GET", "/api/invites", &ann.token, None).await;
    assert_eq!(listed[0].state, InviteState::Valid, "not revoked");
}

#[tokio::test]
async fn on_loopback_the_first_account_needs_no_setup_token() {
    let app = spawn_app().await;
    assert!(app.addr.ip().is_loopback());
    assert!(app.state.setup.is_none());
}

#[tokio::test]
async fn off_loopback_the_first_account_needs_the_setup_token() {
    // Listening on every interface is what makes a server public; the test
    // still talks to it over 127.0.0.1 only.
    let app = spawn_app_with(Db::Sqlite, |s| s.addr = "0.0.0.0:0".parse().unwrap()).await;
    let token = app
        .state
        .setup
        .as_ref()
        .expect("a setup token off loopback")
        .token()
        .to_owned();
    let info = policy(&app, "").await;
    assert!(info.first_account && info.setup_required, "{info:?}");

    let (status, body) = register(&app, "mallory", json!({})).await;
    assert_eq!((status, code(&body)), (403, "setup_required"), "{body}");
    let (status, body) = register(&app, "mallory", json!({"setup": "0".repeat(64)})).await;
    assert_eq!((status, code(&body)), (403, "setup_required"), "{body}");

    let (status, body) = register(&app, "ann", json!({"setup": token})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    let info = policy(&app, "").await;
    assert!(!info.first_account && !info.setup_required, "{info:?}");
    // Then the policy (open here) applies; the token is not needed again.
    let (status, body) = register(&app, "bob", json!({})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["role"], "member");
}

/// The real binary on a public address prints the setup link in its log, and
/// that link's token makes the first account — even with registration closed.
#[tokio::test]
async fn the_server_prints_its_setup_link_when_it_listens_publicly() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/setup.db", dir.path().display()),
        )
        .env("SWITCHBOARD_ADDR", format!("0.0.0.0:{port}"))
        .env("SWITCHBOARD_REGISTRATION", "closed")
        .env("LEPTOS_OUTPUT_NAME", "switchboard")
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("server binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("first-run setup: open http://") {
                return line;
            }
        }
        panic!("the server's log ended without a setup link");
    })
    .await
    .expect("a setup link in the log in time");
    let token: String = line
        .split("/register?setup=")
        .nth(1)
        .expect("the link has a setup token")
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{line}");
    assert!(line.contains(&format!(":{port}/register")), "{line}");

    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let post = |body: Value| {
        http.post(format!("{base}/api/auth/register"))
            .json(&body)
            .send()
    };
    let refused = post(json!({"username": "mallory", "password": "password123"}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let ann = post(json!({"username": "ann", "password": "password123", "setup": token}))
        .await
        .unwrap();
    assert_eq!(ann.status(), 201);
    let ann: app::protocol::AuthResponse = ann.json().await.unwrap();
    assert_eq!(ann.user.role, Role::Admin);
    // Closed from now on, token or not.
    let again = post(json!({"username": "bob", "password": "password123", "setup": token}))
        .await
        .unwrap();
    assert_eq!(again.status(), 403);
    let body: Value = again.json().await.unwrap();
    assert_eq!(code(&body), "registration_closed");
    child.start_kill().unwrap();
    let _ = child.wait().await;
}
