//! Rooms and messages over the WebSocket: live chat, presence, typing, history,
//! deduplication, resume, edits, deletes, unread counts.

use crate::helpers::*;
use app::protocol::{
    ChangeId, ChatMessage, ClientFrame, ErrorCode, ErrorFrame, MessageId, MessagePage, RoomId,
    RoomSummary, ServerFrame, JOIN_HISTORY, MAX_CHANGE_REPLAY, MAX_REPLAY,
};
use switchboard::store::NewMessage;

/// Runs the two-user conversation against whichever database `app` uses.
pub async fn two_users_chat(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "general").await;

    let mut a = app.connect(&ann.token).await;
    let (history, more) = a.join(room.id, None).await;
    assert!(history.is_empty() && !more);
    match a.recv().await {
        ServerFrame::Presence { online, .. } => assert_eq!(online, vec!["ann"]),
        f => panic!("expected presence, got {f:?}"),
    }

    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    match b.recv().await {
        ServerFrame::Presence { online, .. } => assert_eq!(online, vec!["ann", "bob"]),
        f => panic!("expected presence, got {f:?}"),
    }
    match a.recv().await {
        ServerFrame::PresenceChanged { user, online, .. } => assert!(user == "bob" && online),
        f => panic!("expected presence_changed, got {f:?}"),
    }

    b.send(&ClientFrame::Typing { room: room.id }).await;
    match a.recv().await {
        ServerFrame::Typing { user, .. } => assert_eq!(user, "bob"),
        f => panic!("expected typing, got {f:?}"),
    }

    let id = b.post(room.id, "hello ann", "b-1").await;
    match a.recv().await {
        ServerFrame::Message(m) => {
            assert_eq!(
                (m.id, m.author.as_str(), m.body.as_str()),
                (id, "bob", "hello ann")
            );
            assert_eq!(m.client_id, None, "only bob's own connection needs it");
        }
        f => panic!("expected message, got {f:?}"),
    }
    // ann's own message comes back to her with her client id, in either
    // order with its ack
    a.send(&ClientFrame::Send {
        room: room.id,
        body: "hi <b>bob</b>".into(),
        client_id: "a-1".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    let (mut id2, mut echo) = (None, None);
    while id2.is_none() || echo.is_none() {
        match a.recv().await {
            ServerFrame::Ack { client_id, id, .. } if client_id == "a-1" => id2 = Some(id),
            ServerFrame::Message(m) => echo = Some(m),
            f => panic!("expected ack or message, got {f:?}"),
        }
    }
    let (id2, echo) = (id2.unwrap(), echo.unwrap());
    assert_eq!((echo.id, echo.client_id.as_deref()), (id2, Some("a-1")));
    assert!(id2 > id, "ids increase within a room");
    // bob's own echo may come before or after his ack: skip it
    match b
        .recv_until(|f| matches!(f, ServerFrame::Message(m) if m.author == "ann"))
        .await
    {
        ServerFrame::Message(m) => assert_eq!(m.body, "hi <b>bob</b>", "stored and sent as text"),
        _ => unreachable!(),
    }

    drop(b);
    match a
        .recv_until(|f| matches!(f, ServerFrame::PresenceChanged { .. }))
        .await
    {
        ServerFrame::PresenceChanged { user, online, .. } => assert!(user == "bob" && !online),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn two_users_chat_on_sqlite() {
    let app = spawn_app().await;
    two_users_chat(&app).await;
}

#[tokio::test]
async fn history_pages_by_id_over_http() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "history").await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let mut ids = Vec::new();
    for i in 0..120 {
        ids.push(a.post(room.id, &format!("m{i}"), &format!("c{i}")).await);
    }
    // A fresh join shows the newest 50 and says older ones exist.
    let mut fresh = app.connect(&ann.token).await;
    let (latest, more) = fresh.join(room.id, None).await;
    assert!(more);
    assert_eq!(latest.len(), app::protocol::JOIN_HISTORY);
    assert_eq!(latest.last().unwrap().id, *ids.last().unwrap());

    let page = |before: Option<MessageId>, limit: usize| {
        let app = &app;
        let token = ann.token.clone();
        async move {
            let mut url = app.url(&format!("/api/rooms/{}/messages?limit={limit}", room.id));
            if let Some(b) = before {
                url.push_str(&format!("&before={b}"));
            }
            let resp = app.http.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.json::<MessagePage>().await.unwrap()
        }
    };
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let p = page(before, 50).await;
        assert!(
            p.messages.windows(2).all(|w| w[0].id < w[1].id),
            "ascending within a page"
        );
        before = p.messages.first().map(|m| m.id);
        let mut chunk: Vec<MessageId> = p.messages.iter().map(|m| m.id).collect();
        chunk.extend(seen);
        seen = chunk;
        if !p.more {
            break;
        }
    }
    assert_eq!(seen, ids, "paging back reaches every message exactly once");

    // Not a member: forbidden. No such room: 404. Bad limit: 400.
    let bob = app.register("bob").await;
    let resp = app
        .http
        .get(app.url(&format!("/api/rooms/{}/messages", room.id)))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = app
        .http
        .get(app.url("/api/rooms/999/messages"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app
        .http
        .get(app.url(&format!("/api/rooms/{}/messages?limit=0", room.id)))
        .bearer_auth(&ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_same_client_id_is_stored_once_and_acked_with_the_same_id() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "dedupe").await;
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let first = a.post(room.id, "once", "same-id").await;
    // A retry, as after a lost ack, from a new connection.
    let mut a2 = app.connect(&ann.token).await;
    a2.join(room.id, None).await;
    let again = a2.post(room.id, "once", "same-id").await;
    assert_eq!(first, again);
    let (history, _) = app.connect(&ann.token).await.join(room.id, None).await;
    assert_eq!(history.iter().filter(|m| m.body == "once").count(), 1);
    // Bob saw it once: the next message he gets is the following one.
    let next = a.post(room.id, "twice", "other-id").await;
    let mut bodies = Vec::new();
    loop {
        if let ServerFrame::Message(m) = b.recv().await {
            bodies.push(m.body.clone());
            if m.id == next {
                break;
            }
        }
    }
    assert_eq!(bodies, vec!["once", "twice"]);
}

#[tokio::test]
async fn join_since_replays_exactly_what_was_missed() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "resume").await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(a.post(room.id, &format!("m{i}"), &format!("r{i}")).await);
    }
    let mut c = app.connect(&ann.token).await;
    let (missed, more) = c.join(room.id, Some(ids[3])).await;
    assert!(!more);
    assert_eq!(
        missed.iter().map(|m| m.id).collect::<Vec<_>>(),
        ids[4..].to_vec()
    );

    // Past the cap, the replay says more exist and continues from its last id.
    for i in 0..MAX_REPLAY + 5 {
        a.post(room.id, "bulk", &format!("bulk{i}")).await;
    }
    let mut d = app.connect(&ann.token).await;
    let (first, more) = d.join(room.id, Some(*ids.last().unwrap())).await;
    assert!(more);
    assert_eq!(first.len(), MAX_REPLAY);
    let (rest, more) = d.join(room.id, Some(first.last().unwrap().id)).await;
    assert!(!more);
    assert_eq!(rest.len(), 5);
}

#[tokio::test]
async fn edits_and_deletes_are_live_and_checked() {
    let app = spawn_app().await;
    let admin = app.register("admin").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "edits").await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    let id = a.post(room.id, "typo", "e1").await;

    b.send(&ClientFrame::Edit {
        id,
        body: "hacked".into(),
    })
    .await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        _ => unreachable!(),
    }
    a.send(&ClientFrame::Edit {
        id,
        body: "fixed".into(),
    })
    .await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await
    {
        ServerFrame::Edited { id: eid, body, .. } => {
            assert_eq!((eid, body.as_str()), (id, "fixed"))
        }
        _ => unreachable!(),
    }
    b.send(&ClientFrame::Delete { id }).await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame { code, .. }) => assert_eq!(code, ErrorCode::Forbidden),
        _ => unreachable!(),
    }
    // An admin may delete anyone's message.
    let mut root = app.connect(&admin.token).await;
    root.join(room.id, None).await;
    root.send(&ClientFrame::Delete { id }).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await
    {
        ServerFrame::Deleted { id: did, .. } => assert_eq!(did, id),
        _ => unreachable!(),
    }
    let (history, _) = app.connect(&ann.token).await.join(room.id, None).await;
    assert!(history.iter().all(|m| m.id != id));
    // The audit log has it, with the address the socket came from.
    let log: Vec<app::protocol::AuditEntry> = app.ok("GET", "/api/audit", &admin.token, None).await;
    let deletion = log
        .iter()
        .find(|e| e.action == app::protocol::AuditAction::MessageDeletedByModerator)
        .expect("the deletion is audited");
    assert_eq!(deletion.actor_id, Some(admin.user.id));
    assert_eq!(deletion.ip.as_deref(), Some("127.0.0.1"));

    // Promoted while connected: bob's socket is renewed (4003) and the new
    // one may delete at once.
    let second = a.post(room.id, "second", "e2").await;
    let promoted = app
        .http
        .patch(app.url(&format!("/api/users/{}", bob.user.id)))
        .bearer_auth(&admin.token)
        .json(&serde_json::json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(promoted.status(), 200);
    assert_eq!(b.closed().await, app::protocol::close::ROLE_CHANGED);
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    b.send(&ClientFrame::Delete { id: second }).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await
    {
        ServerFrame::Deleted { id: did, .. } => assert_eq!(did, second),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn unread_counts_follow_the_read_marker() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "unread").await;
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    let mut last = MessageId(0);
    for i in 0..3 {
        last = a.post(room.id, "news", &format!("u{i}")).await;
    }
    let rooms = |token: String| {
        let app = &app;
        async move {
            app.http
                .get(app.url("/api/rooms"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Vec<RoomSummary>>()
                .await
                .unwrap()
        }
    };
    let r = rooms(bob.token.clone()).await;
    assert_eq!(
        (r[0].joined, r[0].unread, r[0].last_message_id),
        (true, 3, Some(last))
    );
    assert_eq!(
        rooms(ann.token.clone()).await[0].unread,
        0,
        "your own messages are not unread"
    );
    b.send(&ClientFrame::Read {
        room: room.id,
        id: last,
    })
    .await;
    // The read marker is stored by the time a later frame is answered.
    b.join(room.id, Some(last)).await;
    assert_eq!(rooms(bob.token.clone()).await[0].unread, 0);
}

#[tokio::test]
async fn rooms_are_announced_and_leave_stops_delivery() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let mut b = app.connect(&bob.token).await;
    let room = app.create_room(&ann.token, "Announcements").await;
    match b.recv().await {
        ServerFrame::RoomCreated { room: r } => assert_eq!((r.id, r.joined), (room.id, false)),
        f => panic!("expected room_created, got {f:?}"),
    }
    let dup = app
        .http
        .post(app.url("/api/rooms"))
        .bearer_auth(&bob.token)
        .json(&serde_json::json!({"name": "announcements"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);

    b.send(&ClientFrame::Send {
        room: room.id,
        body: "x".into(),
        client_id: "nj".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    match b.recv().await {
        ServerFrame::Error(ErrorFrame {
            code, client_id, ..
        }) => {
            assert_eq!(code, ErrorCode::NotJoined);
            assert_eq!(client_id.as_deref(), Some("nj"));
        }
        f => panic!("expected error, got {f:?}"),
    }
    b.join(room.id, None).await;
    b.send(&ClientFrame::Leave { room: room.id }).await;
    b.recv_until(|f| matches!(f, ServerFrame::Left { .. }))
        .await;
    let mut a = app.connect(&ann.token).await;
    a.join(room.id, None).await;
    a.post(room.id, "after bob left", "l1").await;
    b.send(&ClientFrame::Join {
        room: app::protocol::RoomId(9999),
        since: None,
        changes_since: None,
    })
    .await;
    // Bob gets the not_found for the bogus room, and no message from the room he left.
    match b.recv().await {
        ServerFrame::Error(ErrorFrame { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        f => panic!("expected not_found, got {f:?}"),
    }
}

/// What a resuming `join` sends up to and including its `history`: the
/// replayed changes, then the history's messages, `changes` and `reset`.
async fn resume(
    c: &mut Client,
    room: RoomId,
    since: MessageId,
    changes_since: ChangeId,
) -> (Vec<ServerFrame>, Vec<ChatMessage>, ChangeId, bool) {
    c.send(&ClientFrame::Join {
        room,
        since: Some(since),
        changes_since: Some(changes_since),
    })
    .await;
    let mut replayed = Vec::new();
    loop {
        match c.recv().await {
            ServerFrame::History {
                messages,
                changes,
                reset,
                ..
            } => return (replayed, messages, changes, reset),
            f @ (ServerFrame::Edited { .. } | ServerFrame::Deleted { .. }) => replayed.push(f),
            // A changed message's reactions follow its `edited` (there are
            // none here; reactions.rs tests them): the same message, no more.
            ServerFrame::Reactions { id, reactions, .. } => {
                assert!(reactions.is_empty());
                assert!(
                    matches!(replayed.last(), Some(ServerFrame::Edited { id: e, .. }) if *e == id),
                    "reactions of {id} without its edit: {replayed:?}"
                );
            }
            // The previous join's, on a connection that resumes twice.
            ServerFrame::Presence { .. } => {}
            other => panic!("expected changes then history, got {other:?}"),
        }
    }
}

/// Frames up to the ack of a marker message: proves nothing else was queued.
async fn frames_until_marker(c: &mut Client, room: RoomId, marker: &str) -> Vec<ServerFrame> {
    c.send(&ClientFrame::Send {
        room,
        body: marker.into(),
        client_id: marker.into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    let mut frames = Vec::new();
    loop {
        match c.recv().await {
            ServerFrame::Ack { .. } => return frames,
            f => frames.push(f),
        }
    }
}

/// A client away while an old message is edited and another deleted gets
/// exactly those changes when it resumes, once; the next resume gets none.
pub async fn a_resume_replays_edits_and_deletes_made_while_away(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "changes").await;
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(b.post(room.id, &format!("m{i}"), &format!("c{i}")).await);
    }
    // A change before Ann's first join: reflected in her history already.
    b.send(&ClientFrame::Edit {
        id: ids[3],
        body: "m3 fixed".into(),
    })
    .await;
    b.recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await;

    let mut a = app.connect(&ann.token).await;
    a.send(&ClientFrame::Join {
        room: room.id,
        since: None,
        changes_since: None,
    })
    .await;
    let (held, cursor) = match a
        .recv_until(|f| matches!(f, ServerFrame::History { .. }))
        .await
    {
        ServerFrame::History {
            messages,
            changes,
            reset,
            ..
        } => {
            assert!(!reset);
            (messages, changes)
        }
        _ => unreachable!(),
    };
    assert_eq!(held.len(), 4);
    assert_eq!(held[3].body, "m3 fixed");
    assert_eq!(cursor, ChangeId(1));
    let since = held.last().unwrap().id;
    drop(a);

    // While Ann is away: an old message edited twice, another deleted, and a
    // new message posted and edited (that one comes in the history itself).
    for body in ["m0 draft", "m0 final"] {
        b.send(&ClientFrame::Edit {
            id: ids[0],
            body: body.into(),
        })
        .await;
        b.recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
            .await;
    }
    b.send(&ClientFrame::Delete { id: ids[1] }).await;
    b.recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await;
    let new = b.post(room.id, "m4", "c4").await;
    b.send(&ClientFrame::Edit {
        id: new,
        body: "m4 fixed".into(),
    })
    .await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await
    {
        ServerFrame::Edited { change, .. } => assert_eq!(change, ChangeId(5)),
        _ => unreachable!(),
    }

    let mut a = app.connect(&ann.token).await;
    let (replayed, messages, changes, reset) = resume(&mut a, room.id, since, cursor).await;
    assert!(!reset);
    assert_eq!(changes, ChangeId(5));
    // Exactly the two old messages, each once, as they are now, in change order.
    assert_eq!(replayed.len(), 2, "{replayed:?}");
    match &replayed[0] {
        ServerFrame::Edited {
            room: r,
            id,
            body,
            change,
            ..
        } => {
            assert_eq!((*r, *id, body.as_str()), (room.id, ids[0], "m0 final"));
            assert_eq!(*change, ChangeId(3));
        }
        f => panic!("expected the edit, got {f:?}"),
    }
    assert_eq!(
        replayed[1],
        ServerFrame::Deleted {
            room: room.id,
            id: ids[1],
            change: ChangeId(4)
        }
    );
    assert_eq!(
        messages
            .iter()
            .map(|m| (m.id, m.body.as_str()))
            .collect::<Vec<_>>(),
        vec![(new, "m4 fixed")]
    );
    let after = frames_until_marker(&mut a, room.id, "marker-1").await;
    assert!(
        after
            .iter()
            .all(|f| !matches!(f, ServerFrame::Edited { .. } | ServerFrame::Deleted { .. })),
        "a change came twice: {after:?}"
    );
    drop(a);

    // Resuming again from where that left off: nothing to replay.
    let mut a = app.connect(&ann.token).await;
    let (replayed, messages, again, reset) = resume(&mut a, room.id, new, changes).await;
    assert!(replayed.is_empty() && !reset, "{replayed:?}");
    assert_eq!(again, changes);
    assert_eq!(messages.len(), 1, "only the marker is new");

    // A client that resumes with no cursor at all (changes_since 0) gets the
    // current state of every changed message it could hold, nothing more.
    let mut c = app.connect(&ann.token).await;
    let (replayed, _, _, _) = resume(&mut c, room.id, since, ChangeId(0)).await;
    let ids_replayed: Vec<MessageId> = replayed
        .iter()
        .map(|f| match f {
            ServerFrame::Edited { id, .. } | ServerFrame::Deleted { id, .. } => *id,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(ids_replayed, vec![ids[3], ids[0], ids[1]]);
}

#[tokio::test]
async fn a_resume_replays_edits_and_deletes_made_while_away_on_sqlite() {
    let app = spawn_app().await;
    a_resume_replays_edits_and_deletes_made_while_away(&app).await;
}

#[tokio::test]
async fn too_many_changes_to_replay_resets_the_room() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "busy").await;
    // Stored and changed through the store, to spare 500 round trips (the
    // WebSocket path is the test above); one message more than the cap.
    let store = &app.state.store;
    let batch: Vec<NewMessage> = (0..=MAX_CHANGE_REPLAY)
        .map(|i| NewMessage {
            room: room.id,
            author: ann.user.id,
            author_name: ann.user.username.clone(),
            body: format!("m{i}"),
            client_id: format!("c{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        })
        .collect();
    let ids: Vec<MessageId> = store
        .insert_messages(&batch)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.message.id)
        .collect();
    let since = *ids.last().unwrap();
    for id in &ids[..MAX_CHANGE_REPLAY] {
        store.edit_message(*id, "changed").await.unwrap().unwrap();
    }

    // Exactly the cap: replayed.
    let mut a = app.connect(&ann.token).await;
    let (replayed, _, changes, reset) = resume(&mut a, room.id, since, ChangeId(0)).await;
    assert!(!reset);
    assert_eq!(replayed.len(), MAX_CHANGE_REPLAY);
    assert_eq!(changes, ChangeId(MAX_CHANGE_REPLAY as i64));

    // One more: no replay, a fresh snapshot marked `reset`.
    store.edit_message(since, "changed").await.unwrap().unwrap();
    let mut a = app.connect(&ann.token).await;
    let (replayed, messages, changes, reset) = resume(&mut a, room.id, since, ChangeId(0)).await;
    assert!(reset);
    assert!(replayed.is_empty());
    assert_eq!(changes, ChangeId(MAX_CHANGE_REPLAY as i64 + 1));
    assert_eq!(messages.len(), JOIN_HISTORY);
    assert_eq!(messages.last().unwrap().id, since);
    assert!(messages.iter().all(|m| m.body == "changed"));
    // From the cursor that reset gave, the next resume is quiet again.
    let (replayed, _, _, reset) = resume(&mut a, room.id, since, changes).await;
    assert!(replayed.is_empty() && !reset);
}
