//! Room settings and moderation, on SQLite and on PostgreSQL: renaming, the
//! topic and archiving (owners, moderators, admins), mutes (read, never
//! post) and bans from public rooms. What stops a member posting reaches
//! every connection of theirs at once, and a fresh `join` reads it again.

use crate::helpers::*;
use crate::rooms_access::{error_code, frames_so_far};
use app::protocol::{
    AuditEntry, ClientFrame, ErrorCode, RoomBan, RoomId, RoomMember, RoomMute, RoomSettings,
    RoomSummary, ServerFrame,
};
use serde_json::json;

on_both_databases!(owners_and_moderators_rename_describe_and_archive_rooms);
on_both_databases!(a_muted_member_reads_but_cannot_post_until_unmuted);
on_both_databases!(a_banned_user_is_removed_and_cannot_join_again);

/// The status and the error code of a refused request.
async fn refused(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, String, String) {
    let resp = app.call(method, path, token, Some(body)).await;
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.unwrap();
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let field = body["error"]["field"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (status, code, field)
}

async fn send(c: &mut Client, room: RoomId, body: &str, client_id: &str) {
    c.send(&ClientFrame::Send {
        room,
        body: body.into(),
        client_id: client_id.into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
}

fn settings_of(f: &ServerFrame, room: RoomId) -> Option<RoomSettings> {
    match f {
        ServerFrame::RoomUpdated(s) if s.room == room => Some(s.clone()),
        _ => None,
    }
}

async fn next_settings(c: &mut Client, room: RoomId) -> RoomSettings {
    let f = c.recv_until(|f| settings_of(f, room).is_some()).await;
    settings_of(&f, room).unwrap()
}

async fn owners_and_moderators_rename_describe_and_archive_rooms(app: &TestApp) {
    let root = app.register("root").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app.create_room(&ann.token, "General").await.id;
    app.create_room(&ann.token, "Random").await;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    let mut c = app.connect(&carol.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let earlier = b.post(room, "before the archive", "b-0").await;
    let path = format!("/api/rooms/{room}");

    // Members may not; nothing given, a taken name and a bad topic name
    // what is wrong.
    assert_eq!(
        refused(app, "PATCH", &path, &bob.token, json!({"topic": "mine"})).await,
        (403, "forbidden".into(), String::new())
    );
    assert_eq!(
        refused(app, "PATCH", &path, &ann.token, json!({})).await,
        (422, "invalid".into(), "name".into())
    );
    assert_eq!(
        refused(app, "PATCH", &path, &ann.token, json!({"name": "random"})).await,
        (409, "conflict".into(), String::new())
    );
    assert_eq!(
        refused(
            app,
            "PATCH",
            &path,
            &ann.token,
            json!({"topic": "two\nlines"})
        )
        .await,
        (422, "invalid".into(), "topic".into())
    );
    assert_eq!(
        refused(
            app,
            "PATCH",
            &path,
            &ann.token,
            json!({"topic": "x".repeat(251)})
        )
        .await,
        (422, "invalid".into(), "topic".into())
    );

    // The owner renames it and sets a topic: everyone who may list a public
    // room hears it, members or not.
    let renamed: RoomSettings = app
        .ok(
            "PATCH",
            &path,
            &ann.token,
            Some(json!({"name": "Town square", "topic": "  Everything else  "})),
        )
        .await;
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.topic.as_str(),
            renamed.archived
        ),
        ("Town square", "Everything else", false)
    );
    for client in [&mut a, &mut b, &mut c] {
        assert_eq!(next_settings(client, room).await, renamed);
    }
    let listed: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &carol.token, None).await;
    let listed = listed.iter().find(|r| r.id == room).unwrap();
    assert_eq!(
        (listed.name.as_str(), listed.topic.as_str()),
        ("Town square", "Everything else")
    );

    // A moderator may too; archiving makes the room read-only for every
    // follower at once, and it stays readable.
    let promote = app
        .call(
            "PATCH",
            &format!("/api/rooms/{room}/members/{}", bob.user.id),
            &ann.token,
            Some(json!({"role": "moderator"})),
        )
        .await;
    assert_eq!(promote.status(), 200);
    let archived: RoomSettings = app
        .ok("PATCH", &path, &bob.token, Some(json!({"archived": true})))
        .await;
    assert!(archived.archived);
    assert!(next_settings(&mut a, room).await.archived);
    assert!(next_settings(&mut b, room).await.archived);
    send(&mut a, room, "anyone there?", "a-1").await;
    assert_eq!(error_code(&mut a).await, ErrorCode::RoomArchived);
    b.send(&ClientFrame::Edit {
        id: earlier,
        body: "rewritten".into(),
    })
    .await;
    assert_eq!(error_code(&mut b).await, ErrorCode::RoomArchived);
    b.send(&ClientFrame::Typing { room }).await;
    let seen = frames_so_far(&mut a).await;
    assert!(
        !seen
            .iter()
            .any(|f| matches!(f, ServerFrame::Typing { .. } | ServerFrame::Message(_))),
        "nothing is posted or typed in an archived room: {seen:?}"
    );
    // Joining it afresh (as carol does) reads it, and is read-only too.
    let (history, _) = c.join(room, None).await;
    assert_eq!(history.len(), 1);
    send(&mut c, room, "hello?", "c-1").await;
    assert_eq!(error_code(&mut c).await, ErrorCode::RoomArchived);
    let page: app::protocol::MessagePage = app
        .ok(
            "GET",
            &format!("/api/rooms/{room}/messages"),
            &carol.token,
            None,
        )
        .await;
    assert_eq!(page.messages.len(), 1);
    let listed: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &ann.token, None).await;
    assert!(listed.iter().find(|r| r.id == room).unwrap().archived);

    // Reopened, it takes messages again.
    let reopened: RoomSettings = app
        .ok("PATCH", &path, &ann.token, Some(json!({"archived": false})))
        .await;
    assert!(!reopened.archived);
    assert!(!next_settings(&mut a, room).await.archived);
    a.post(room, "back again", "a-2").await;
    c.recv_until(|f| settings_of(f, room).is_some_and(|s| !s.archived))
        .await;
    c.post(room, "me too", "c-2").await;

    // A DM has no settings; a private room's changes reach its members only.
    let dm: RoomSummary = app
        .ok(
            "POST",
            "/api/dms",
            &ann.token,
            Some(json!({"users": [bob.user.id]})),
        )
        .await;
    assert_eq!(
        refused(
            app,
            "PATCH",
            &format!("/api/rooms/{}", dm.id),
            &ann.token,
            json!({"topic": "us"})
        )
        .await,
        (403, "forbidden".into(), String::new())
    );
    let secret: RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "Secret", "visibility": "private"})),
        )
        .await;
    let secret_path = format!("/api/rooms/{}", secret.id);
    assert_eq!(
        refused(
            app,
            "PATCH",
            &secret_path,
            &carol.token,
            json!({"topic": "?"})
        )
        .await,
        (404, "not_found".into(), String::new())
    );
    let _: RoomSettings = app
        .ok(
            "PATCH",
            &secret_path,
            &ann.token,
            Some(json!({"topic": "hush"})),
        )
        .await;
    assert_eq!(next_settings(&mut a, secret.id).await.topic, "hush");
    let carols = frames_so_far(&mut c).await;
    assert!(
        !carols.iter().any(|f| settings_of(f, secret.id).is_some()),
        "a private room's settings reached a non-member: {carols:?}"
    );

    // The audit log has each change, by whom.
    let log: Vec<AuditEntry> = app.ok("GET", "/api/audit", &root.token, None).await;
    let actions: Vec<(&str, Option<&str>)> = log
        .iter()
        .rev()
        .filter(|e| e.action.as_str().starts_with("room_") && e.action.as_str() != "room_created")
        .map(|e| (e.action.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            ("room_renamed", Some("ann")),
            ("room_topic_changed", Some("ann")),
            ("room_archived", Some("bob")),
            ("room_unarchived", Some("ann")),
            ("room_topic_changed", Some("ann")),
        ]
    );
}

async fn a_muted_member_reads_but_cannot_post_until_unmuted(app: &TestApp) {
    let root = app.register("root").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let carol = app.register("carol").await;
    let room = app.create_room(&ann.token, "General").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b1 = app.connect(&bob.token).await;
    let mut b2 = app.connect(&bob.token).await;
    a.join(room, None).await;
    b1.join(room, None).await;
    b2.join(room, None).await;
    let mut c = app.connect(&carol.token).await;
    c.join(room, None).await;
    let earlier = b1.post(room, "before the mute", "b-0").await;
    let mutes = format!("/api/rooms/{room}/mutes");
    let mute =
        |user: app::protocol::UserId, minutes: i64| json!({"user": user, "minutes": minutes});

    // Members may not mute; the length is checked; nobody mutes themselves.
    assert_eq!(
        refused(app, "POST", &mutes, &carol.token, mute(bob.user.id, 10)).await,
        (403, "forbidden".into(), String::new())
    );
    for minutes in [0, 30 * 24 * 60 + 1] {
        assert_eq!(
            refused(app, "POST", &mutes, &ann.token, mute(bob.user.id, minutes)).await,
            (422, "invalid".into(), "minutes".into())
        );
    }
    assert_eq!(
        refused(app, "POST", &mutes, &ann.token, mute(ann.user.id, 10)).await,
        (422, "invalid".into(), "user".into())
    );

    // Muted: every connection of bob's is told until when and refused.
    let muted: RoomMute = app
        .ok("POST", &mutes, &ann.token, Some(mute(bob.user.id, 10)))
        .await;
    let left = muted.until - chrono::Utc::now();
    assert!(
        left > chrono::Duration::minutes(9) && left <= chrono::Duration::minutes(10),
        "{left:?}"
    );
    for b in [&mut b1, &mut b2] {
        match b
            .recv_until(|f| matches!(f, ServerFrame::Muted { .. }))
            .await
        {
            ServerFrame::Muted { room: r, until } => {
                assert_eq!((r, until), (room, Some(muted.until)))
            }
            _ => unreachable!(),
        }
    }
    send(&mut b1, room, "let me speak", "b-1").await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::Muted);
    send(&mut b2, room, "from the other tab", "b-2").await;
    assert_eq!(error_code(&mut b2).await, ErrorCode::Muted);
    b1.send(&ClientFrame::Edit {
        id: earlier,
        body: "sneaky edit".into(),
    })
    .await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::Muted);
    b1.send(&ClientFrame::Typing { room }).await;
    // He still reads the room.
    a.post(room, "you can still read this", "a-1").await;
    b1.recv_until(|f| matches!(f, ServerFrame::Message(m) if m.body == "you can still read this"))
        .await;
    let seen = frames_so_far(&mut a).await;
    assert!(
        !seen.iter().any(|f| matches!(f, ServerFrame::Typing { .. })),
        "a muted member's typing was relayed: {seen:?}"
    );
    let listed: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &bob.token, None).await;
    assert_eq!(
        listed.iter().find(|r| r.id == room).unwrap().muted_until,
        Some(muted.until)
    );
    let members: Vec<RoomMember> = app
        .ok(
            "GET",
            &format!("/api/rooms/{room}/members"),
            &ann.token,
            None,
        )
        .await;
    let bobs = members.iter().find(|m| m.id == bob.user.id).unwrap();
    assert_eq!(bobs.muted_until, Some(muted.until));
    // The answer to a role change says so too.
    let re_roled: RoomMember = app
        .ok(
            "PATCH",
            &format!("/api/rooms/{room}/members/{}", bob.user.id),
            &ann.token,
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(re_roled.muted_until, Some(muted.until));

    // Leaving and joining again, or a new connection, does not lift it.
    b2.send(&ClientFrame::Leave { room }).await;
    b2.recv_until(|f| matches!(f, ServerFrame::Left { .. }))
        .await;
    b1.recv_until(|f| matches!(f, ServerFrame::Left { .. }))
        .await;
    b2.join(room, None).await;
    send(&mut b2, room, "rejoined", "b-3").await;
    assert_eq!(error_code(&mut b2).await, ErrorCode::Muted);
    let mut b3 = app.connect(&bob.token).await;
    b3.join(room, None).await;
    send(&mut b3, room, "new tab", "b-4").await;
    assert_eq!(error_code(&mut b3).await, ErrorCode::Muted);

    // A moderator mutes plain members only.
    let promote = app
        .call(
            "PATCH",
            &format!("/api/rooms/{room}/members/{}", carol.user.id),
            &ann.token,
            Some(json!({"role": "moderator"})),
        )
        .await;
    assert_eq!(promote.status(), 200);
    assert_eq!(
        refused(app, "POST", &mutes, &carol.token, mute(ann.user.id, 10)).await,
        (403, "forbidden".into(), String::new())
    );
    assert_eq!(
        refused(app, "POST", &mutes, &carol.token, mute(root.user.id, 10)).await,
        (403, "forbidden".into(), String::new())
    );

    // Unmuted: told, and posting again at once.
    let lifted = app
        .call(
            "DELETE",
            &format!("{mutes}/{}", bob.user.id),
            &carol.token,
            None,
        )
        .await;
    assert_eq!(lifted.status(), 204);
    b3.recv_until(|f| matches!(f, ServerFrame::Muted { until: None, .. }))
        .await;
    b3.post(room, "thanks", "b-5").await;
    b2.recv_until(|f| matches!(f, ServerFrame::Muted { until: None, .. }))
        .await;
    b2.post(room, "thanks again", "b-6").await;

    let log: Vec<AuditEntry> = app.ok("GET", "/api/audit", &root.token, None).await;
    let actions: Vec<(&str, Option<&str>)> = log
        .iter()
        .rev()
        .filter(|e| e.action.as_str().starts_with("member_") && e.action.as_str().contains("mute"))
        .map(|e| (e.action.as_str(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            ("member_muted", Some("ann")),
            ("member_unmuted", Some("carol"))
        ]
    );
}

async fn a_banned_user_is_removed_and_cannot_join_again(app: &TestApp) {
    let _root = app.register("root").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "General").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b1 = app.connect(&bob.token).await;
    let mut b2 = app.connect(&bob.token).await;
    a.join(room, None).await;
    b1.join(room, None).await;
    b2.join(room, None).await;
    let bans = format!("/api/rooms/{room}/bans");

    assert_eq!(
        refused(app, "POST", &bans, &bob.token, json!({"user": ann.user.id})).await,
        (403, "forbidden".into(), String::new())
    );
    let ban: RoomBan = {
        let resp = app
            .call(
                "POST",
                &bans,
                &ann.token,
                Some(json!({"user": bob.user.id})),
            )
            .await;
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    };
    assert_eq!((ban.id, ban.username.as_str()), (bob.user.id, "bob"));
    for b in [&mut b1, &mut b2] {
        match b
            .recv_until(|f| matches!(f, ServerFrame::MemberRemoved { .. }))
            .await
        {
            ServerFrame::MemberRemoved { room: r, banned } => assert_eq!((r, banned), (room, true)),
            _ => unreachable!(),
        }
    }
    // Nothing more of the room reaches him, and he cannot come back.
    a.post(room, "after the ban", "a-1").await;
    let frames = frames_so_far(&mut b1).await;
    assert!(
        !frames.iter().any(|f| matches!(f, ServerFrame::Message(_))),
        "{frames:?}"
    );
    send(&mut b1, room, "let me in", "b-1").await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::NotJoined);
    b1.send(&ClientFrame::Join {
        room,
        since: None,
        changes_since: None,
    })
    .await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::Forbidden);
    let listed: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &bob.token, None).await;
    let listed = listed.iter().find(|r| r.id == room).unwrap();
    assert!(!listed.joined, "still listed (a public room), not joined");
    let banned: Vec<RoomBan> = app.ok("GET", &bans, &ann.token, None).await;
    assert_eq!(banned, [ban.clone()]);
    assert_eq!(
        app.call("GET", &bans, &bob.token, None)
            .await
            .status()
            .as_u16(),
        403
    );

    // A private room is for members only already: remove, not ban.
    let secret: RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "Secret", "visibility": "private"})),
        )
        .await;
    assert_eq!(
        refused(
            app,
            "POST",
            &format!("/api/rooms/{}/bans", secret.id),
            &ann.token,
            json!({"user": bob.user.id})
        )
        .await,
        (422, "invalid".into(), "user".into())
    );

    // Unbanned, he may join again.
    let lifted = app
        .call(
            "DELETE",
            &format!("{bans}/{}", bob.user.id),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(lifted.status(), 204);
    b1.join(room, None).await;
    b1.post(room, "I am back", "b-2").await;
    let none: Vec<RoomBan> = app.ok("GET", &bans, &ann.token, None).await;
    assert!(none.is_empty());
}
