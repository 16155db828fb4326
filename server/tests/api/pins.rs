//! Pinned messages, on SQLite and on PostgreSQL: anyone who may write in a
//! room pins and unpins, the room hears `pinned`, the list reads latest
//! first with who pinned, it is bounded, a deleted message leaves it, and a
//! private room's pins are its members' only.

use crate::helpers::*;
use crate::rooms_access::frames_so_far;
use app::protocol::{
    ClientFrame, ErrorCode, MessageId, PinnedMessage, RoomId, RoomSummary, ServerFrame, Visibility,
    MAX_PINS,
};
use serde_json::json;
use switchboard::store::NewMessage;

on_both_databases!(pins_are_told_to_the_room_and_listed);
on_both_databases!(pins_are_bounded_and_private_rooms_keep_theirs);

async fn pins(app: &TestApp, token: &str, room: RoomId) -> Vec<(MessageId, String)> {
    let list: Vec<PinnedMessage> = app
        .ok("GET", &format!("/api/rooms/{room}/pins"), token, None)
        .await;
    list.into_iter().map(|p| (p.message.id, p.by)).collect()
}

fn pinned_in(frames: &[ServerFrame]) -> Vec<(MessageId, String, bool)> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Pinned { id, user, on, .. } => Some((*id, user.clone(), *on)),
            _ => None,
        })
        .collect()
}

async fn pins_are_told_to_the_room_and_listed(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let first = a.post(room, "the plan", "a1").await;
    let second = a.post(room, "the dates", "a2").await;

    b.send(&ClientFrame::Pin { id: first }).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Pinned { .. }))
        .await
    {
        ServerFrame::Pinned {
            room: r,
            id,
            user,
            on,
        } => {
            assert_eq!((r, id, user.as_str(), on), (room, first, "bob", true));
        }
        _ => unreachable!(),
    }
    // Pinning again changes nothing and tells nobody.
    b.send(&ClientFrame::Pin { id: first }).await;
    frames_so_far(&mut b).await;
    assert_eq!(pinned_in(&frames_so_far(&mut a).await), []);

    a.send(&ClientFrame::Pin { id: second }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Pinned { id, .. } if *id == second))
        .await;
    assert_eq!(
        pins(app, &bob.token, room).await,
        [(second, "ann".to_string()), (first, "bob".to_string())],
        "latest pinned first"
    );

    // Anyone who may write unpins.
    a.send(&ClientFrame::Unpin { id: first }).await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Pinned { id, .. } if *id == first))
        .await
    {
        ServerFrame::Pinned { on, user, .. } => assert_eq!((on, user.as_str()), (false, "ann")),
        _ => unreachable!(),
    }
    assert_eq!(
        pins(app, &ann.token, room).await,
        [(second, "ann".to_string())]
    );

    // A deleted message leaves the list.
    a.send(&ClientFrame::Delete { id: second }).await;
    b.recv_until(|f| matches!(f, ServerFrame::Deleted { id, .. } if *id == second))
        .await;
    assert_eq!(pins(app, &ann.token, room).await, []);
    let (code, _) = a.refused(&ClientFrame::Pin { id: second }).await;
    assert_eq!(code, ErrorCode::NotFound);
}

async fn pins_are_bounded_and_private_rooms_keep_theirs(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "busy").await.id;
    // Stored through the store, to spare a round trip each.
    let batch: Vec<NewMessage> = (0..=MAX_PINS)
        .map(|i| NewMessage {
            room,
            author: ann.user.id,
            author_name: ann.user.username.clone(),
            body: format!("m{i}"),
            client_id: format!("c{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        })
        .collect();
    let ids: Vec<MessageId> = app
        .state
        .store
        .insert_messages(&batch)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.message.id)
        .collect();
    // Two people pin, within the per-person rate.
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    for (i, id) in ids[..MAX_PINS].iter().enumerate() {
        let c = if i % 2 == 0 { &mut a } else { &mut b };
        c.send(&ClientFrame::Pin { id: *id }).await;
        c.recv_until(|f| matches!(f, ServerFrame::Pinned { id: p, .. } if p == id))
            .await;
    }
    let (code, message) = a.refused(&ClientFrame::Pin { id: ids[MAX_PINS] }).await;
    assert_eq!(code, ErrorCode::Invalid);
    assert!(
        message.contains(&format!("at most {MAX_PINS}")),
        "{message}"
    );
    assert_eq!(pins(app, &ann.token, room).await.len(), MAX_PINS);
    // One out, one in.
    a.send(&ClientFrame::Unpin { id: ids[0] }).await;
    a.send(&ClientFrame::Pin { id: ids[MAX_PINS] }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Pinned { id, on: true, .. } if *id == ids[MAX_PINS]))
        .await;

    // A private room's pins: members only.
    let secret: RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "secret", "visibility": Visibility::Private})),
        )
        .await;
    a.join(secret.id, None).await;
    let hidden = a.post(secret.id, "members only", "s1").await;
    a.send(&ClientFrame::Pin { id: hidden }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Pinned { id, .. } if *id == hidden))
        .await;
    let resp = app
        .call(
            "GET",
            &format!("/api/rooms/{}/pins", secret.id),
            &bob.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 404);
    let (code, _) = b.refused(&ClientFrame::Unpin { id: hidden }).await;
    assert_eq!(code, ErrorCode::NotFound);
    assert_eq!(pins(app, &ann.token, secret.id).await.len(), 1);
}
