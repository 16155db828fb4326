//! Private rooms, room roles and direct messages: every permission rule, over
//! HTTP and the WebSocket, on SQLite and on PostgreSQL. A non-member learns
//! nothing of a private room or a DM — not from lists, history, `join`,
//! `send`, `typing`, `read`, announcements of new rooms, presence or typing —
//! and a removed member loses the room on every connection at once.

use crate::helpers::*;
use app::protocol::{
    ClientFrame, ErrorCode, ErrorFrame, MessageId, RoomId, RoomKind, RoomMember, RoomRole,
    RoomSummary, ServerFrame, Visibility, MAX_DM_PEOPLE,
};
use serde_json::json;

on_both_databases!(private_rooms_and_their_traffic_stay_with_their_members);
on_both_databases!(members_are_managed_by_owners_moderators_and_admins);
on_both_databases!(a_removed_member_loses_the_room_on_every_connection_at_once);
on_both_databases!(the_same_people_always_get_the_same_direct_message);
on_both_databases!(concurrent_opens_of_one_direct_message_make_one_room);
on_both_databases!(direct_messages_are_for_their_participants_only);
on_both_databases!(edits_and_deletes_follow_room_access);

/// Accounts for a test: `root` registers first and so is the admin.
struct People {
    root: app::protocol::AuthResponse,
    ann: app::protocol::AuthResponse,
    bob: app::protocol::AuthResponse,
    carol: app::protocol::AuthResponse,
}

async fn people(app: &TestApp) -> People {
    People {
        root: app.register("root").await,
        ann: app.register("ann").await,
        bob: app.register("bob").await,
        carol: app.register("carol").await,
    }
}

pub async fn private_room(app: &TestApp, token: &str, name: &str) -> RoomSummary {
    let resp = app
        .call(
            "POST",
            "/api/rooms",
            token,
            Some(json!({"name": name, "visibility": "private"})),
        )
        .await;
    assert_eq!(resp.status(), 201, "create private room {name}");
    resp.json().await.unwrap()
}

async fn status(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> u16 {
    app.call(method, path, token, body).await.status().as_u16()
}

/// The HTTP error's status and body.
async fn refused(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let resp = app.call(method, path, token, body).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn add(app: &TestApp, token: &str, room: RoomId, user: app::protocol::UserId) -> u16 {
    status(
        app,
        "POST",
        &format!("/api/rooms/{room}/members"),
        token,
        Some(json!({ "user": user })),
    )
    .await
}

async fn remove(app: &TestApp, token: &str, room: RoomId, user: app::protocol::UserId) -> u16 {
    status(
        app,
        "DELETE",
        &format!("/api/rooms/{room}/members/{user}"),
        token,
        None,
    )
    .await
}

async fn set_role(
    app: &TestApp,
    token: &str,
    room: RoomId,
    user: app::protocol::UserId,
    role: &str,
) -> u16 {
    status(
        app,
        "PATCH",
        &format!("/api/rooms/{room}/members/{user}"),
        token,
        Some(json!({ "role": role })),
    )
    .await
}

async fn members(app: &TestApp, token: &str, room: RoomId) -> Vec<RoomMember> {
    app.ok("GET", &format!("/api/rooms/{room}/members"), token, None)
        .await
}

/// The next `error` frame's code (other frames are dropped).
pub async fn error_code(c: &mut Client) -> ErrorCode {
    match c.recv_until(|f| matches!(f, ServerFrame::Error(_))).await {
        ServerFrame::Error(ErrorFrame { code, .. }) => code,
        _ => unreachable!(),
    }
}

/// Every frame the server queued for this connection before the answer to a
/// `ping`, twice over: a room frame published before the first ping that was
/// going to reach it is written by the second `pong` at the latest (the
/// writer takes what is ready, its own queue first, then the rooms', in one
/// pass).
pub async fn frames_so_far(c: &mut Client) -> Vec<ServerFrame> {
    let mut frames = Vec::new();
    for _ in 0..2 {
        c.send(&ClientFrame::Ping {}).await;
        loop {
            match c.recv().await {
                ServerFrame::Pong => break,
                f => frames.push(f),
            }
        }
    }
    frames
}

/// The room a frame is about, if any.
fn room_of(f: &ServerFrame) -> Option<RoomId> {
    match f {
        ServerFrame::History { room, .. }
        | ServerFrame::Ack { room, .. }
        | ServerFrame::Edited { room, .. }
        | ServerFrame::Deleted { room, .. }
        | ServerFrame::Presence { room, .. }
        | ServerFrame::PresenceChanged { room, .. }
        | ServerFrame::Typing { room, .. }
        | ServerFrame::Left { room }
        | ServerFrame::MemberRemoved { room, .. }
        | ServerFrame::MemberRole { room, .. } => Some(*room),
        ServerFrame::Message(m) => Some(m.room),
        ServerFrame::RoomCreated { room } | ServerFrame::MemberAdded { room } => Some(room.id),
        _ => None,
    }
}

pub fn nothing_of(frames: &[ServerFrame], room: RoomId) {
    let leaked: Vec<&ServerFrame> = frames.iter().filter(|f| room_of(f) == Some(room)).collect();
    assert!(leaked.is_empty(), "room {room} leaked: {leaked:?}");
}

fn listed(rooms: &[RoomSummary], room: RoomId) -> bool {
    rooms.iter().any(|r| r.id == room)
}

async fn private_rooms_and_their_traffic_stay_with_their_members(app: &TestApp) {
    let p = people(app).await;
    let mut a = app.connect(&p.ann.token).await;
    let mut b = app.connect(&p.bob.token).await;
    let mut r = app.connect(&p.root.token).await;

    let secret = private_room(app, &p.ann.token, "Secret").await;
    assert_eq!(
        (secret.visibility, secret.kind, secret.role, secret.joined),
        (
            Visibility::Private,
            RoomKind::Room,
            Some(RoomRole::Owner),
            true
        )
    );
    // Only its creator's sockets hear of it: the public room made next is
    // the first thing the others hear.
    match a.recv().await {
        ServerFrame::RoomCreated { room } => {
            assert_eq!((room.id, room.joined), (secret.id, true));
            assert_eq!(room.visibility, Visibility::Private);
        }
        f => panic!("expected room_created, got {f:?}"),
    }
    let lobby = app.create_room(&p.ann.token, "Lobby").await;
    assert_eq!(lobby.visibility, Visibility::Public);
    for c in [&mut b, &mut r] {
        match c.recv().await {
            ServerFrame::RoomCreated { room } => assert_eq!(room.id, lobby.id),
            f => panic!("expected lobby's room_created, got {f:?}"),
        }
    }

    // Lists: never to others, the admin included, however asked.
    for query in [
        "/api/rooms",
        "/api/rooms?joined=true",
        "/api/rooms?joined=false",
        "/api/rooms?q=secr",
        "/api/rooms?after=a&limit=200",
    ] {
        for token in [&p.bob.token, &p.root.token] {
            let rooms: Vec<RoomSummary> = app.ok("GET", query, token, None).await;
            assert!(!listed(&rooms, secret.id), "{query}: {rooms:?}");
            assert!(
                query.contains("joined=true") || query.contains("q=") || listed(&rooms, lobby.id)
            );
        }
    }
    let mine: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.ann.token, None).await;
    let listed_secret = mine
        .iter()
        .find(|r| r.id == secret.id)
        .expect("listed to ann");
    assert_eq!(listed_secret.visibility, Visibility::Private);
    assert_eq!(listed_secret.role, Some(RoomRole::Owner));
    let bobs: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.bob.token, None).await;
    let lobby_to_bob = bobs.iter().find(|r| r.id == lobby.id).unwrap();
    assert_eq!((lobby_to_bob.joined, lobby_to_bob.role), (false, None));

    // HTTP: to bob it does not exist; the admin may know it (to manage it)
    // but reads it only as a member.
    let history = format!("/api/rooms/{}/messages", secret.id);
    let (code, body) = refused(app, "GET", &history, &p.bob.token, None).await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (_, never) = refused(app, "GET", "/api/rooms/99999/messages", &p.bob.token, None).await;
    assert_eq!(
        never["error"]["message"]
            .as_str()
            .unwrap()
            .replace("99999", &secret.id.to_string()),
        body["error"]["message"].as_str().unwrap(),
        "the same answer as a room that never existed"
    );
    let (code, body) = refused(app, "GET", &history, &p.root.token, None).await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let members_path = format!("/api/rooms/{}/members", secret.id);
    assert_eq!(
        status(app, "GET", &members_path, &p.bob.token, None).await,
        404
    );
    assert_eq!(members(app, &p.root.token, secret.id).await.len(), 1);

    // WebSocket: join, send, typing and read are refused, as not found.
    let room = secret.id;
    b.send(&ClientFrame::Join {
        room,
        since: None,
        changes_since: None,
    })
    .await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    b.send(&ClientFrame::Send {
        room,
        body: "let me in".into(),
        client_id: "b-1".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    match b.recv_until(|f| matches!(f, ServerFrame::Error(_))).await {
        ServerFrame::Error(ErrorFrame {
            code, client_id, ..
        }) => assert_eq!(
            (code, client_id.as_deref()),
            (ErrorCode::NotFound, Some("b-1"))
        ),
        _ => unreachable!(),
    }
    b.send(&ClientFrame::Typing { room }).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    b.send(&ClientFrame::Read {
        room,
        id: MessageId(1),
    })
    .await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    r.send(&ClientFrame::Join {
        room,
        since: None,
        changes_since: None,
    })
    .await;
    assert_eq!(error_code(&mut r).await, ErrorCode::Forbidden);

    // The members' traffic — presence, typing, messages, announcements to
    // the room — reaches nobody else.
    let mut a2 = app.connect(&p.ann.token).await;
    a.join(room, None).await;
    a2.join(room, None).await;
    a.send(&ClientFrame::Typing { room }).await;
    a.post(room, "only for members", "a-1").await;
    let push: app::protocol::PushResponse = app
        .ok(
            "POST",
            "/api/push",
            &p.root.token,
            Some(json!({"body": "to the room", "target": {"kind": "room", "room": room}})),
        )
        .await;
    assert_eq!(push.connections, 2, "ann's two sockets");
    match a2
        .recv_until(|f| matches!(f, ServerFrame::Message(_)))
        .await
    {
        ServerFrame::Message(m) => assert_eq!(m.body, "only for members"),
        _ => unreachable!(),
    }
    for c in [&mut b, &mut r] {
        let frames = frames_so_far(c).await;
        nothing_of(&frames, room);
        assert!(
            !frames
                .iter()
                .any(|f| matches!(f, ServerFrame::Announcement(_))),
            "{frames:?}"
        );
    }
}

async fn members_are_managed_by_owners_moderators_and_admins(app: &TestApp) {
    let p = people(app).await;
    let dave = app.register("dave").await;
    let room = private_room(app, &p.ann.token, "Team").await.id;
    let mut b = app.connect(&p.bob.token).await;

    // An outsider cannot add anyone: the room does not exist for them.
    assert_eq!(add(app, &p.bob.token, room, p.carol.user.id).await, 404);
    // The owner adds bob: 201, and his sockets get the room as he sees it.
    assert_eq!(add(app, &p.ann.token, room, p.bob.user.id).await, 201);
    match b
        .recv_until(|f| matches!(f, ServerFrame::MemberAdded { .. }))
        .await
    {
        ServerFrame::MemberAdded { room: r } => {
            assert_eq!(
                (r.id, r.joined, r.role),
                (room, true, Some(RoomRole::Member))
            );
            assert_eq!(r.visibility, Visibility::Private);
        }
        _ => unreachable!(),
    }
    // Again: nothing changes.
    assert_eq!(add(app, &p.ann.token, room, p.bob.user.id).await, 200);
    // Unknown people and malformed bodies are refused.
    let (code, body) = refused(
        app,
        "POST",
        &format!("/api/rooms/{room}/members"),
        &p.ann.token,
        Some(json!({"user": 99999})),
    )
    .await;
    assert_eq!((code, body["error"]["field"].as_str()), (422, Some("user")));
    assert_eq!(
        status(
            app,
            "POST",
            &format!("/api/rooms/{room}/members"),
            &p.ann.token,
            Some(json!({"username": "bob"})),
        )
        .await,
        400
    );

    // A plain member may not add, remove or promote.
    let (code, body) = refused(
        app,
        "POST",
        &format!("/api/rooms/{room}/members"),
        &p.bob.token,
        Some(json!({"user": p.carol.user.id})),
    )
    .await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(remove(app, &p.bob.token, room, p.ann.user.id).await, 403);
    assert_eq!(
        set_role(app, &p.bob.token, room, p.bob.user.id, "owner").await,
        403
    );

    // The owner makes bob a moderator; his sockets are told.
    assert_eq!(
        set_role(app, &p.ann.token, room, p.bob.user.id, "moderator").await,
        200
    );
    match b
        .recv_until(|f| matches!(f, ServerFrame::MemberRole { .. }))
        .await
    {
        ServerFrame::MemberRole {
            room: r,
            user,
            role,
        } => {
            assert_eq!((r, user, role), (room, p.bob.user.id, RoomRole::Moderator))
        }
        _ => unreachable!(),
    }
    assert_eq!(
        set_role(app, &p.ann.token, room, p.bob.user.id, "king").await,
        400
    );
    assert_eq!(
        set_role(app, &p.ann.token, room, dave.user.id, "member").await,
        404
    );

    // A moderator adds and removes plain members, but not owners, and gives no roles.
    assert_eq!(add(app, &p.bob.token, room, p.carol.user.id).await, 201);
    assert_eq!(
        set_role(app, &p.bob.token, room, p.carol.user.id, "moderator").await,
        403
    );
    assert_eq!(remove(app, &p.bob.token, room, p.ann.user.id).await, 403);
    assert_eq!(remove(app, &p.carol.token, room, p.bob.user.id).await, 403);
    assert_eq!(remove(app, &p.bob.token, room, p.carol.user.id).await, 204);
    assert_eq!(remove(app, &p.bob.token, room, p.carol.user.id).await, 404);

    // An admin who is not a member manages the room, and lists it.
    assert_eq!(add(app, &p.root.token, room, dave.user.id).await, 201);
    assert_eq!(
        set_role(app, &p.root.token, room, dave.user.id, "owner").await,
        200
    );
    let listed = members(app, &p.root.token, room).await;
    let roles: Vec<(&str, RoomRole)> = listed
        .iter()
        .map(|m| (m.username.as_str(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("ann", RoomRole::Owner),
            ("bob", RoomRole::Moderator),
            ("dave", RoomRole::Owner)
        ]
    );
    // An owner removes a moderator; a member removes themself (leaves).
    assert_eq!(remove(app, &dave.token, room, p.bob.user.id).await, 204);
    assert_eq!(add(app, &p.ann.token, room, p.carol.user.id).await, 201);
    assert_eq!(
        remove(app, &p.carol.token, room, p.carol.user.id).await,
        204
    );
    assert_eq!(remove(app, &p.root.token, room, dave.user.id).await, 204);
    let left: Vec<String> = members(app, &p.ann.token, room)
        .await
        .into_iter()
        .map(|m| m.username)
        .collect();
    assert_eq!(left, ["ann"]);

    // Public rooms: the creator owns them, and anyone may still join.
    let lobby = app.create_room(&p.ann.token, "Lobby").await;
    assert_eq!(lobby.role, Some(RoomRole::Owner));
    let mut c = app.connect(&p.carol.token).await;
    c.join(lobby.id, None).await;
    let lobby_members = members(app, &p.ann.token, lobby.id).await;
    assert!(lobby_members
        .iter()
        .any(|m| m.username == "carol" && m.role == RoomRole::Member));
}

async fn a_removed_member_loses_the_room_on_every_connection_at_once(app: &TestApp) {
    let p = people(app).await;
    let room = private_room(app, &p.ann.token, "Team").await.id;
    let lobby = app.create_room(&p.ann.token, "Lobby").await.id;
    assert_eq!(add(app, &p.ann.token, room, p.bob.user.id).await, 201);
    let mut a = app.connect(&p.ann.token).await;
    let mut b1 = app.connect(&p.bob.token).await;
    let mut b2 = app.connect(&p.bob.token).await;
    a.join(room, None).await;
    b1.join(room, None).await;
    b1.join(lobby, None).await;
    b1.post(room, "before", "b-0").await;
    frames_so_far(&mut b1).await;
    frames_so_far(&mut b2).await;

    assert_eq!(remove(app, &p.ann.token, room, p.bob.user.id).await, 204);
    // Both of bob's sockets are told, the one that never joined it too.
    for c in [&mut b1, &mut b2] {
        match c.recv().await {
            ServerFrame::MemberRemoved { room: r, .. } => assert_eq!(r, room),
            f => panic!("expected member_removed, got {f:?}"),
        }
    }
    // ann sees bob go (his only connection in the room left it).
    match a
        .recv_until(|f| matches!(f, ServerFrame::PresenceChanged { online: false, .. }))
        .await
    {
        ServerFrame::PresenceChanged { user, .. } => assert_eq!(user, "bob"),
        _ => unreachable!(),
    }
    // Nothing published after the removal reaches him.
    a.post(room, "after", "a-1").await;
    a.send(&ClientFrame::Typing { room }).await;
    let frames = frames_so_far(&mut b1).await;
    nothing_of(&frames, room);
    // ...while the rooms he keeps go on.
    let mut a_lobby = app.connect(&p.ann.token).await;
    a_lobby.join(lobby, None).await;
    a_lobby.post(lobby, "still here", "a-2").await;
    match b1
        .recv_until(|f| matches!(f, ServerFrame::Message(_)))
        .await
    {
        ServerFrame::Message(m) => assert_eq!((m.room, m.body.as_str()), (lobby, "still here")),
        _ => unreachable!(),
    }
    // And everything he tries in it is refused.
    b1.send(&ClientFrame::Send {
        room,
        body: "hello?".into(),
        client_id: "b-1".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::NotFound);
    b1.send(&ClientFrame::Join {
        room,
        since: Some(MessageId(0)),
        changes_since: None,
    })
    .await;
    assert_eq!(error_code(&mut b1).await, ErrorCode::NotFound);
    let history = format!("/api/rooms/{room}/messages");
    assert_eq!(status(app, "GET", &history, &p.bob.token, None).await, 404);
    let listed_to_bob: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.bob.token, None).await;
    assert!(!listed(&listed_to_bob, room));
    nothing_of(&frames_so_far(&mut b2).await, room);

    // Added back, he joins again; leaving with the `leave` frame ends the
    // membership and takes the room from all his sockets, each told `left`.
    assert_eq!(add(app, &p.ann.token, room, p.bob.user.id).await, 201);
    for c in [&mut b1, &mut b2] {
        c.recv_until(|f| matches!(f, ServerFrame::MemberAdded { .. }))
            .await;
    }
    b1.join(room, None).await;
    b2.join(room, None).await;
    b1.send(&ClientFrame::Leave { room }).await;
    for c in [&mut b1, &mut b2] {
        c.recv_until(|f| matches!(f, ServerFrame::Left { room: r } if *r == room))
            .await;
    }
    a.post(room, "after leaving", "a-3").await;
    for c in [&mut b1, &mut b2] {
        nothing_of(&frames_so_far(c).await, room);
    }
    assert!(!members(app, &p.ann.token, room)
        .await
        .iter()
        .any(|m| m.username == "bob"));
}

async fn open_dm(
    app: &TestApp,
    token: &str,
    users: &[app::protocol::UserId],
) -> (u16, RoomSummary) {
    let resp = app
        .call("POST", "/api/dms", token, Some(json!({ "users": users })))
        .await;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    assert!(status == 200 || status == 201, "{status} {text}");
    (status, serde_json::from_str(&text).unwrap())
}

async fn the_same_people_always_get_the_same_direct_message(app: &TestApp) {
    let p = people(app).await;
    let (ann, bob, carol) = (p.ann.user.id, p.bob.user.id, p.carol.user.id);
    let mut b = app.connect(&p.bob.token).await;
    let mut c = app.connect(&p.carol.token).await;

    let (code, dm) = open_dm(app, &p.ann.token, &[bob]).await;
    assert_eq!(code, 201);
    assert_eq!(
        (dm.kind, dm.visibility, dm.joined, dm.role),
        (
            RoomKind::Dm,
            Visibility::Private,
            true,
            Some(RoomRole::Member)
        )
    );
    assert_eq!(dm.name, "ann, bob");
    assert_eq!(dm.members, ["ann", "bob"]);
    // Its other participant's sockets hear of it; nobody else's.
    match b.recv().await {
        ServerFrame::RoomCreated { room } => {
            assert_eq!(
                (room.id, room.kind, room.joined),
                (dm.id, RoomKind::Dm, true)
            )
        }
        f => panic!("expected room_created, got {f:?}"),
    }
    nothing_of(&frames_so_far(&mut c).await, dm.id);

    // Found again, whoever asks and however the people are listed.
    for (token, users) in [
        (&p.ann.token, vec![bob]),
        (&p.ann.token, vec![bob, ann, bob]),
        (&p.bob.token, vec![ann]),
        (&p.bob.token, vec![bob, ann]),
    ] {
        let (code, again) = open_dm(app, token, &users).await;
        assert_eq!((code, again.id), (200, dm.id), "{users:?}");
    }
    // A group is another set of people, so another DM — the same for its
    // three people in any order.
    let (code, group) = open_dm(app, &p.ann.token, &[bob, carol]).await;
    assert_eq!(code, 201);
    assert_ne!(group.id, dm.id);
    assert_eq!(group.members, ["ann", "bob", "carol"]);
    let (code, again) = open_dm(app, &p.carol.token, &[bob, ann]).await;
    assert_eq!((code, again.id), (200, group.id));

    // Up to eight people, the caller included; nobody unknown, nobody alone.
    let mut many = Vec::new();
    for i in 0..MAX_DM_PEOPLE {
        many.push(app.register(&format!("user{i}")).await.user.id);
    }
    let (code, _) = open_dm(app, &p.ann.token, &many[..MAX_DM_PEOPLE - 1]).await;
    assert_eq!(code, 201, "eight with ann");
    let (code, body) = refused(
        app,
        "POST",
        "/api/dms",
        &p.ann.token,
        Some(json!({ "users": many })),
    )
    .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid");
    assert_eq!(body["error"]["field"], "users");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 8 people"), "{message}");
    for users in [json!([]), json!([ann]), json!([99999])] {
        let (code, body) = refused(
            app,
            "POST",
            "/api/dms",
            &p.ann.token,
            Some(json!({ "users": users })),
        )
        .await;
        assert_eq!(
            (code, body["error"]["field"].as_str()),
            (422, Some("users")),
            "{body}"
        );
    }
    assert_eq!(
        status(
            app,
            "POST",
            "/api/dms",
            &p.ann.token,
            Some(json!({"user": bob}))
        )
        .await,
        400
    );

    // A DM never makes a room name look taken.
    let room = app.create_room(&p.ann.token, "ann, bob").await;
    // Paging one by one walks every room and DM ann sees once, in name order.
    let mut seen = Vec::new();
    let mut cursor: Option<(String, RoomId)> = None;
    loop {
        let path = match &cursor {
            None => "/api/rooms?limit=1".to_owned(),
            Some((name, id)) => {
                format!("/api/rooms?limit=1&after={}&after_id={id}", urlencode(name))
            }
        };
        let page: Vec<RoomSummary> = app.ok("GET", &path, &p.ann.token, None).await;
        let Some(last) = page.last() else { break };
        seen.push(last.id);
        cursor = Some((last.name.clone(), last.id));
        assert!(seen.len() < 50, "paging does not end: {seen:?}");
    }
    let all: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.ann.token, None).await;
    assert_eq!(seen, all.iter().map(|r| r.id).collect::<Vec<_>>());
    assert!(listed(&all, room.id) && listed(&all, dm.id) && listed(&all, group.id));
    let found: Vec<RoomSummary> = app
        .ok("GET", "/api/rooms?q=carol", &p.ann.token, None)
        .await;
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), [group.id]);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn concurrent_opens_of_one_direct_message_make_one_room(app: &TestApp) {
    let p = people(app).await;
    let (ann, bob) = (p.ann.user.id, p.bob.user.id);
    let asks: Vec<(&str, Vec<app::protocol::UserId>)> = (0..12)
        .map(|i| match i % 4 {
            0 => (p.ann.token.as_str(), vec![bob]),
            1 => (p.bob.token.as_str(), vec![ann]),
            2 => (p.ann.token.as_str(), vec![bob, ann]),
            _ => (p.bob.token.as_str(), vec![ann, bob]),
        })
        .collect();
    // All in flight at once.
    let answers = futures_util::future::join_all(
        asks.iter().map(|(token, users)| open_dm(app, token, users)),
    )
    .await;
    let made = answers.iter().filter(|(code, _)| *code == 201).count();
    assert_eq!(made, 1, "{answers:?}");
    let id = answers[0].1.id;
    assert!(answers.iter().all(|(_, dm)| dm.id == id), "{answers:?}");
    let dms: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.ann.token, None).await;
    assert_eq!(dms.iter().filter(|r| r.kind == RoomKind::Dm).count(), 1);
}

async fn direct_messages_are_for_their_participants_only(app: &TestApp) {
    let p = people(app).await;
    let (_, dm) = open_dm(app, &p.ann.token, &[p.bob.user.id]).await;
    let room = dm.id;

    // The participants chat in it like in any room.
    let mut a = app.connect(&p.ann.token).await;
    let mut b = app.connect(&p.bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let id = a.post(room, "psst", "a-1").await;
    match b.recv_until(|f| matches!(f, ServerFrame::Message(_))).await {
        ServerFrame::Message(m) => assert_eq!((m.id, m.body.as_str()), (id, "psst")),
        _ => unreachable!(),
    }
    let page: app::protocol::MessagePage = app
        .ok(
            "GET",
            &format!("/api/rooms/{room}/messages"),
            &p.bob.token,
            None,
        )
        .await;
    assert_eq!(page.messages.len(), 1);
    let listed_to_bob: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &p.bob.token, None).await;
    let unread = listed_to_bob.iter().find(|r| r.id == room).unwrap().unread;
    assert_eq!(unread, 1);

    // Others — the admin included — get nothing: not listed, not found.
    for token in [&p.carol.token, &p.root.token] {
        let rooms: Vec<RoomSummary> = app.ok("GET", "/api/rooms", token, None).await;
        assert!(!listed(&rooms, room));
        for path in [
            format!("/api/rooms/{room}/messages"),
            format!("/api/rooms/{room}/members"),
        ] {
            assert_eq!(status(app, "GET", &path, token, None).await, 404, "{path}");
        }
        assert_eq!(add(app, token, room, p.carol.user.id).await, 404);
        let mut c = app.connect(token).await;
        c.send(&ClientFrame::Join {
            room,
            since: None,
            changes_since: None,
        })
        .await;
        assert_eq!(error_code(&mut c).await, ErrorCode::NotFound);
        c.send(&ClientFrame::Delete { id }).await;
        assert_eq!(error_code(&mut c).await, ErrorCode::NotFound);
    }

    // Its people are fixed: nobody is added, removed or given a role, not
    // even by a participant.
    let (code, body) = refused(
        app,
        "POST",
        &format!("/api/rooms/{room}/members"),
        &p.ann.token,
        Some(json!({"user": p.carol.user.id})),
    )
    .await;
    assert_eq!(code, 403);
    assert!(body["error"]["message"].as_str().unwrap().contains("fixed"));
    assert_eq!(remove(app, &p.ann.token, room, p.bob.user.id).await, 403);
    assert_eq!(remove(app, &p.bob.token, room, p.bob.user.id).await, 403);
    assert_eq!(
        set_role(app, &p.ann.token, room, p.bob.user.id, "owner").await,
        403
    );
    // `leave` only stops this connection following it: bob is still in it.
    b.send(&ClientFrame::Leave { room }).await;
    b.recv_until(|f| matches!(f, ServerFrame::Left { .. }))
        .await;
    assert_eq!(members(app, &p.ann.token, room).await.len(), 2);
    b.join(room, None).await;
}

async fn edits_and_deletes_follow_room_access(app: &TestApp) {
    let p = people(app).await;
    let room = private_room(app, &p.ann.token, "Team").await.id;
    assert_eq!(add(app, &p.ann.token, room, p.bob.user.id).await, 201);
    assert_eq!(add(app, &p.ann.token, room, p.carol.user.id).await, 201);
    let mut a = app.connect(&p.ann.token).await;
    let mut b = app.connect(&p.bob.token).await;
    let mut c = app.connect(&p.carol.token).await;
    for (client, room) in [(&mut a, room), (&mut b, room), (&mut c, room)] {
        client.join(room, None).await;
    }
    let bobs = b.post(room, "bob's", "b-1").await;
    let carols = c.post(room, "carol's", "c-1").await;

    // A plain member deletes only their own.
    b.send(&ClientFrame::Delete { id: carols }).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::Forbidden);
    // A moderator deletes anyone's in the room.
    assert_eq!(
        set_role(app, &p.ann.token, room, p.bob.user.id, "moderator").await,
        200
    );
    b.send(&ClientFrame::Delete { id: carols }).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await
    {
        ServerFrame::Deleted { id, .. } => assert_eq!(id, carols),
        _ => unreachable!(),
    }
    // Removed, bob can no longer edit or delete even his own: to him the
    // message is gone with the room.
    assert_eq!(remove(app, &p.ann.token, room, p.bob.user.id).await, 204);
    b.send(&ClientFrame::Edit {
        id: bobs,
        body: "changed".into(),
    })
    .await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    b.send(&ClientFrame::Delete { id: bobs }).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    // The admin moderates the private room without being in it.
    let mut r = app.connect(&p.root.token).await;
    r.send(&ClientFrame::Delete { id: bobs }).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await
    {
        ServerFrame::Deleted { id, .. } => assert_eq!(id, bobs),
        _ => unreachable!(),
    }
}

/// Rooms and memberships made before private rooms existed (schema 0008)
/// come out public, their creators owners and everyone else members.
async fn existing_rooms_migrate_as_public_rooms(url: &str, sqlite: bool) {
    let folder = if sqlite {
        "migrations/sqlite"
    } else {
        "migrations/postgres"
    };
    let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(folder))
        .await
        .unwrap();
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|m| m.version < 9)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let now = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap();
    let setup = [
        "INSERT INTO users (username, username_key, password_hash, role, created_at)
         VALUES ('ann', 'ann', 'x', 'admin', $1), ('bob', 'bob', 'x', 'member', $1)",
        "INSERT INTO rooms (name, name_key, created_by, created_at)
         VALUES ('Old', 'old', 1, $1)",
        "INSERT INTO room_members (room_id, user_id, last_read_id, joined_at)
         VALUES (1, 1, 0, $1), (1, 2, 0, $1)",
    ];
    if sqlite {
        let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        migrator.run(&pool).await.unwrap();
        for sql in setup {
            sqlx::query(sql).bind(now).execute(&pool).await.unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        migrator.run(&pool).await.unwrap();
        for sql in setup {
            sqlx::query(sql).bind(now).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    // Starting the server brings the schema up to date.
    let app = spawn_app_with(Db::Url(url.to_owned()), |_| {}).await;
    // The made-up password hashes log nobody in: read through the store.
    let store = &app.state.store;
    let ann = store.user(app::protocol::UserId(1)).await.unwrap().unwrap();
    let bob = store.user(app::protocol::UserId(2)).await.unwrap().unwrap();
    let old = RoomId(1);
    let to_ann = store.room_summary(old, &ann).await.unwrap().unwrap();
    assert_eq!(
        (to_ann.visibility, to_ann.kind, to_ann.role),
        (Visibility::Public, RoomKind::Room, Some(RoomRole::Owner))
    );
    let to_bob = store.room_summary(old, &bob).await.unwrap().unwrap();
    assert_eq!(to_bob.role, Some(RoomRole::Member));
    // Still listed, paged and found by name like before.
    let page = switchboard::store::RoomPage {
        after: Some("a".into()),
        limit: 10,
        search: Some("ol".into()),
        ..Default::default()
    };
    let listed = store.list_rooms(&bob, &page).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [old]);
    // And a new room may not take its name.
    let taken = store
        .create_room("OLD", ann.id, Visibility::Private)
        .await
        .unwrap_err();
    assert!(matches!(taken, switchboard::store::StoreError::Conflict(_)));
}

#[tokio::test]
async fn existing_rooms_migrate_as_public_rooms_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/old.db", dir.path().display());
    existing_rooms_migrate_as_public_rooms(&url, true).await;
}

#[tokio::test]
async fn existing_rooms_migrate_as_public_rooms_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    existing_rooms_migrate_as_public_rooms(&url, false).await;
}
