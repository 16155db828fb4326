//! Account lifecycle: an admin deactivates an account (its tokens answer 401
//! at once, its sockets close with 4001, login is refused, an agent leaves
//! the desk) and reactivates it; the rules that keep somebody able to manage
//! accounts. On SQLite and on PostgreSQL.

use crate::helpers::*;
use app::protocol::{close, ClientFrame, ErrorCode, Role, RoomId, ServerFrame, User};
use serde_json::json;

on_both_databases!(a_deactivated_account_is_locked_out_at_once);
on_both_databases!(somebody_can_always_manage_accounts);
on_both_databases!(a_deactivated_agent_leaves_the_desk);
on_both_databases!(the_people_directory_offers_active_accounts_only);

async fn login(app: &TestApp, name: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": name, "password": "password123"}))
        .send()
        .await
        .unwrap()
}

async fn a_deactivated_account_is_locked_out_at_once(app: &TestApp) {
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    // Two sessions (two devices), one socket each, and a bystander.
    let second: app::protocol::AuthResponse = login(app, "bob").await.json().await.unwrap();
    let mut tab1 = app.connect(&bob.token).await;
    let mut tab2 = app.connect(&second.token).await;
    let mut bystander = app.connect(&root.token).await;
    let path = format!("/api/users/{}", bob.user.id);

    let off: User = app
        .ok("PATCH", &path, &root.token, Some(json!({"active": false})))
        .await;
    assert!(!off.active);
    assert_eq!(off.role, Role::Member, "the role is kept");
    assert_eq!(tab1.closed().await, close::SESSION_ENDED);
    assert_eq!(tab2.closed().await, close::SESSION_ENDED);
    for token in [&bob.token, &second.token] {
        assert_eq!(app.call("GET", "/api/me", token, None).await.status(), 401);
    }
    // The bystander's socket still answers.
    bystander
        .send(&ClientFrame::Typing { room: RoomId(999) })
        .await;
    assert!(matches!(bystander.recv().await, ServerFrame::Error { .. }));

    // The right password is refused with its own code; a wrong one says
    // nothing about the account.
    let refused = login(app, "bob").await;
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        body["error"]["code"],
        ErrorCode::AccountDeactivated.as_str()
    );
    let wrong = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "bob", "password": "not-his-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    // The admin's list says so; the name is still taken.
    let users: Vec<User> = app.ok("GET", "/api/users", &root.token, None).await;
    let listed = users.iter().find(|u| u.id == bob.user.id).unwrap();
    assert!(!listed.active);
    let taken = app
        .http
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": "Bob", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), 409);

    // Deactivating again changes nothing; reactivating lets bob log in, but
    // the old sessions stay ended.
    let again: User = app
        .ok("PATCH", &path, &root.token, Some(json!({"active": false})))
        .await;
    assert!(!again.active);
    let on: User = app
        .ok("PATCH", &path, &root.token, Some(json!({"active": true})))
        .await;
    assert!(on.active);
    assert_eq!(
        app.call("GET", "/api/me", &bob.token, None).await.status(),
        401
    );
    assert_eq!(login(app, "bob").await.status(), 200);
}

async fn somebody_can_always_manage_accounts(app: &TestApp) {
    let root = app.register("root").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let patch = |id: app::protocol::UserId, token: &str, body: serde_json::Value| {
        let token = token.to_owned();
        async move {
            app.call("PATCH", &format!("/api/users/{id}"), &token, Some(body))
                .await
        }
    };
    // Members may not deactivate anyone.
    let forbidden = patch(bob.user.id, &ann.token, json!({"active": false})).await;
    assert_eq!(forbidden.status(), 403);
    // Nobody deactivates themselves, and the last admin stays.
    let myself = patch(root.user.id, &root.token, json!({"active": false})).await;
    assert_eq!(myself.status(), 409);
    // An empty change names what is missing.
    let empty = patch(bob.user.id, &root.token, json!({})).await;
    assert_eq!(empty.status(), 422);
    let body: serde_json::Value = empty.json().await.unwrap();
    assert_eq!(body["error"]["field"], "role", "{body}");
    // With a second admin, the first may be deactivated by them; then the
    // second is the last active admin and can be neither demoted nor
    // deactivated.
    let made: User = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &root.token,
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(made.role, Role::Admin);
    let root_off = patch(root.user.id, &ann.token, json!({"active": false})).await;
    assert_eq!(root_off.status(), 200);
    let demote = patch(ann.user.id, &ann.token, json!({"role": "member"})).await;
    assert_eq!(demote.status(), 409);
    let nobody_left = patch(ann.user.id, &bob.token, json!({"active": false})).await;
    assert_eq!(nobody_left.status(), 403, "bob is no admin");
    // A deactivated admin's old token is no admin any more either.
    let stale = patch(bob.user.id, &root.token, json!({"active": false})).await;
    assert_eq!(stale.status(), 401);
    let unknown = patch(
        app::protocol::UserId(9999),
        &ann.token,
        json!({"active": false}),
    )
    .await;
    assert_eq!(unknown.status(), 404);
}

async fn a_deactivated_agent_leaves_the_desk(app: &TestApp) {
    let root = app.register("root").await;
    let ann = app.register("ann").await;
    let _: User = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &root.token,
            Some(json!({"role": "agent"})),
        )
        .await;
    let agents = || async {
        let list: Vec<serde_json::Value> = app
            .ok("GET", "/api/support/agents", &root.token, None)
            .await;
        list.iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(agents().await.contains(&"ann".to_owned()));
    let _: User = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &root.token,
            Some(json!({"active": false})),
        )
        .await;
    assert!(!agents().await.contains(&"ann".to_owned()));
    // Reactivated, she is listed again (offline until she connects).
    let _: User = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &root.token,
            Some(json!({"active": true})),
        )
        .await;
    assert!(agents().await.contains(&"ann".to_owned()));
}

async fn the_people_directory_offers_active_accounts_only(app: &TestApp) {
    let root = app.register("root").await;
    let ann = app.register("ann").await;
    let _anna = app.register("Anna_B").await;
    let bob = app.register("bob").await;
    let names = |list: Vec<User>| list.into_iter().map(|u| u.username).collect::<Vec<_>>();
    // Any member may search, any case; `_` is a letter, not a wildcard.
    let found: Vec<User> = app.ok("GET", "/api/people?q=AN", &bob.token, None).await;
    assert_eq!(names(found), ["ann", "Anna_B"]);
    let found: Vec<User> = app.ok("GET", "/api/people?q=a_", &bob.token, None).await;
    assert_eq!(names(found), ["Anna_B"]);
    let everyone: Vec<User> = app.ok("GET", "/api/people", &bob.token, None).await;
    assert_eq!(everyone.len(), 4);
    assert_eq!(
        app.call("GET", "/api/people?q=a", "no-such-token", None)
            .await
            .status(),
        401
    );
    let long = "x".repeat(65);
    let too_long = app
        .call("GET", &format!("/api/people?q={long}"), &bob.token, None)
        .await;
    assert_eq!(too_long.status(), 422);

    // A DM with ann exists before she is deactivated; afterwards she is not
    // offered, nobody starts a new DM with her or invites her, and the old
    // DM still opens.
    let dm: app::protocol::RoomSummary = app
        .ok(
            "POST",
            "/api/dms",
            &bob.token,
            Some(json!({"users": [ann.user.id]})),
        )
        .await;
    let _: User = app
        .ok(
            "PATCH",
            &format!("/api/users/{}", ann.user.id),
            &root.token,
            Some(json!({"active": false})),
        )
        .await;
    let found: Vec<User> = app.ok("GET", "/api/people?q=an", &bob.token, None).await;
    assert_eq!(names(found), ["Anna_B"]);
    let group = app
        .call(
            "POST",
            "/api/dms",
            &bob.token,
            Some(json!({"users": [ann.user.id, root.user.id]})),
        )
        .await;
    assert_eq!(group.status(), 422);
    let again: app::protocol::RoomSummary = app
        .ok(
            "POST",
            "/api/dms",
            &bob.token,
            Some(json!({"users": [ann.user.id]})),
        )
        .await;
    assert_eq!(again.id, dm.id);
    let room = app.create_room(&bob.token, "bobs").await;
    let invite = app
        .call(
            "POST",
            &format!("/api/rooms/{}/members", room.id),
            &bob.token,
            Some(json!({"user": ann.user.id})),
        )
        .await;
    assert_eq!(invite.status(), 422);
}
