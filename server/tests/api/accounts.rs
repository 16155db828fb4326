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
    app.login(name, "password123").await
}

async fn a_deactivated_account_is_locked_out_at_once(app: &TestApp) {
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&root.token, "general").await.id;
    // Two sessions (two devices), one socket each, and a bystander.
    let second: app::protocol::AuthResponse = login(app, "bob").await.json().await.unwrap();
    let mut tab1 = app.connect(&bob.token).await;
    tab1.join(room, None).await;
    tab1.post(room, "bye all", "b-1").await;
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
    let wrong = app.login("bob", "not-his-password").await;
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

    // His old messages keep his name, marked as a deactivated account's, in
    // history over HTTP and in a join's.
    let history = format!("/api/rooms/{room}/messages");
    let page: app::protocol::MessagePage = app.ok("GET", &history, &root.token, None).await;
    let said = page.messages.iter().find(|m| m.author == "bob").unwrap();
    assert!(said.author_deactivated);
    let (joined, _) = bystander.join(room, None).await;
    assert!(joined
        .iter()
        .any(|m| m.author == "bob" && m.author_deactivated));

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
    let page: app::protocol::MessagePage = app.ok("GET", &history, &root.token, None).await;
    assert!(page.messages.iter().all(|m| !m.author_deactivated));
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

on_both_databases!(the_audit_log_records_who_did_what_from_where);

async fn the_audit_log_records_who_did_what_from_where(app: &TestApp) {
    use app::protocol::{AuditAction as A, AuditEntry};
    let root = app.register("root").await;
    let bob = app.register("bob").await;
    // A failed login, a role change, a deactivation, a private room with a
    // member added and removed, an API key and an invite.
    let wrong = app.login("bob", "nope-nope-nope").await;
    assert_eq!(wrong.status(), 401);
    let users = format!("/api/users/{}", bob.user.id);
    let _: User = app
        .ok("PATCH", &users, &root.token, Some(json!({"role": "agent"})))
        .await;
    let room: app::protocol::RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &root.token,
            Some(json!({"name": "ops", "visibility": "private"})),
        )
        .await;
    let members = format!("/api/rooms/{}/members", room.id);
    let _: serde_json::Value = app
        .ok(
            "POST",
            &members,
            &root.token,
            Some(json!({"user": bob.user.id})),
        )
        .await;
    let gone = app
        .call(
            "DELETE",
            &format!("{members}/{}", bob.user.id),
            &root.token,
            None,
        )
        .await;
    assert_eq!(gone.status(), 204);
    let _: serde_json::Value = app
        .ok(
            "POST",
            "/api/keys",
            &root.token,
            Some(json!({"name": "billing"})),
        )
        .await;
    let _: serde_json::Value = app
        .ok(
            "POST",
            "/api/invites",
            &root.token,
            Some(json!({"uses": 1, "expires_in_hours": 24})),
        )
        .await;
    let _: User = app
        .ok("PATCH", &users, &root.token, Some(json!({"active": false})))
        .await;

    let log: Vec<AuditEntry> = app.ok("GET", "/api/audit", &root.token, None).await;
    let actions: Vec<A> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            A::Deactivated,
            A::InviteCreated,
            A::ApiKeyCreated,
            A::MemberRemoved,
            A::MemberAdded,
            A::RoomCreated,
            A::RoleChanged,
            A::LoginFailed,
            A::SignedUp,
            A::SignedUp,
        ],
        "{log:#?}"
    );
    let ids: Vec<i64> = log.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let deactivated = &log[0];
    assert_eq!(deactivated.actor.as_deref(), Some("root"));
    assert_eq!(deactivated.actor_id, Some(root.user.id));
    assert_eq!(
        deactivated.target.as_deref(),
        Some(format!("user {} (bob)", bob.user.id).as_str())
    );
    assert_eq!(deactivated.ip.as_deref(), Some("127.0.0.1"));
    let failed = &log[7];
    assert_eq!(failed.actor, None);
    assert_eq!(failed.target.as_deref(), Some("bob"));
    assert_eq!(failed.detail.as_deref(), Some("wrong password"));
    assert_eq!(log[6].detail.as_deref(), Some("member → agent"));
    assert_eq!(log[5].detail.as_deref(), Some("private"));

    // Paging back from an id; admins only; a bad limit is named.
    let older: Vec<AuditEntry> = app
        .ok(
            "GET",
            &format!("/api/audit?before={}&limit=2", log[7].id),
            &root.token,
            None,
        )
        .await;
    assert_eq!(older, log[8..10].to_vec());
    let member = app.register("carol").await;
    assert_eq!(
        app.call("GET", "/api/audit", &member.token, None)
            .await
            .status(),
        403
    );
    let bad = app
        .call("GET", "/api/audit?limit=0", &root.token, None)
        .await;
    assert_eq!(bad.status(), 422);
}

on_both_databases!(a_password_change_ends_the_other_sessions);

async fn a_password_change_ends_the_other_sessions(app: &TestApp) {
    let _root = app.register("root").await;
    let bob = app.register("bob").await;
    let other: app::protocol::AuthResponse = login(app, "bob").await.json().await.unwrap();
    let mut here = app.connect(&bob.token).await;
    let mut elsewhere = app.connect(&other.token).await;

    // The current password must be right, and the new one valid.
    let wrong = app
        .call(
            "POST",
            "/api/me/password",
            &bob.token,
            Some(json!({"current": "guess-guess", "new": "a-new-password"})),
        )
        .await;
    assert_eq!(wrong.status(), 403);
    let short = app
        .call(
            "POST",
            "/api/me/password",
            &bob.token,
            Some(json!({"current": "password123", "new": "short"})),
        )
        .await;
    assert_eq!(short.status(), 422);
    let body: serde_json::Value = short.json().await.unwrap();
    assert_eq!(body["error"]["field"], "new", "{body}");

    let changed = app
        .call(
            "POST",
            "/api/me/password",
            &bob.token,
            Some(json!({"current": "password123", "new": "a-new-password"})),
        )
        .await;
    assert_eq!(changed.status(), 204);
    // The other device is logged out at once; this one stays.
    assert_eq!(elsewhere.closed().await, close::SESSION_ENDED);
    assert_eq!(
        app.call("GET", "/api/me", &other.token, None)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.call("GET", "/api/me", &bob.token, None).await.status(),
        200
    );
    here.send(&ClientFrame::Typing { room: RoomId(999) }).await;
    assert!(matches!(here.recv().await, ServerFrame::Error { .. }));
    // The old password no longer logs in; the new one does.
    assert_eq!(login(app, "bob").await.status(), 401);
    let fresh = app.login("bob", "a-new-password").await;
    assert_eq!(fresh.status(), 200);
}
