//! Read receipts, on SQLite and on PostgreSQL: a read that moves someone's
//! marker goes to the room as `receipt`; a join gets everyone's markers as
//! `receipts`; people who turned receipts off are never told about; rooms
//! with too many members send none.

use crate::helpers::*;
use crate::rooms_access::frames_so_far;
use app::protocol::{ClientFrame, MessageId, ReadUpTo, RoomId, ServerFrame};
use serde_json::json;

on_both_databases!(reads_reach_the_room_as_receipts_unless_turned_off);

fn read(room: RoomId, id: MessageId) -> ClientFrame {
    ClientFrame::Read { room, id }
}

fn receipts_in(frames: &[ServerFrame]) -> Vec<(String, MessageId)> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Receipt { user, id, .. } => Some((user.clone(), *id)),
            _ => None,
        })
        .collect()
}

/// The `receipts` frame a fresh connection of `token` gets on joining.
async fn markers_on_join(app: &TestApp, token: &str, room: RoomId) -> Vec<ReadUpTo> {
    let mut c = app.connect(token).await;
    c.join(room, None).await;
    match c
        .recv_until(|f| matches!(f, ServerFrame::Receipts { .. }))
        .await
    {
        ServerFrame::Receipts { receipts, .. } => receipts,
        _ => unreachable!(),
    }
}

async fn reads_reach_the_room_as_receipts_unless_turned_off(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let first = a.post(room, "did you see this?", "a1").await;

    b.send(&read(room, first)).await;
    match a
        .recv_until(|f| matches!(f, ServerFrame::Receipt { .. }))
        .await
    {
        ServerFrame::Receipt { room: r, user, id } => {
            assert_eq!((r, user.as_str(), id), (room, "bob", first));
        }
        _ => unreachable!(),
    }
    // The same read again moves nothing and tells nobody.
    b.send(&read(room, first)).await;
    assert_eq!(receipts_in(&frames_so_far(&mut a).await), []);

    // A join gets how far everyone has read.
    let markers = markers_on_join(app, &ann.token, room).await;
    assert_eq!(
        markers,
        [ReadUpTo {
            user: "bob".into(),
            id: first
        }]
    );

    // Bob turns receipts off: his reads stay his.
    let profile: serde_json::Value = app
        .ok(
            "PATCH",
            "/api/me/profile",
            &bob.token,
            Some(json!({"receipts": false})),
        )
        .await;
    assert_eq!(profile["receipts"], false);
    let second = a.post(room, "and this?", "a2").await;
    b.send(&read(room, second)).await;
    // Ann's own read still goes out, so the room is still sending receipts.
    a.send(&read(room, second)).await;
    let seen = receipts_in(&frames_so_far(&mut b).await);
    // Bob's only receipt is the one from before he turned them off.
    let bobs: Vec<MessageId> = seen
        .iter()
        .filter(|(user, _)| user == "bob")
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(bobs, [first]);
    assert!(seen.contains(&("ann".to_owned(), second)), "{seen:?}");
    let markers = markers_on_join(app, &ann.token, room).await;
    assert_eq!(
        markers,
        [ReadUpTo {
            user: "ann".into(),
            id: second
        }]
    );

    // Rooms over the limit have no markers to give (the limit is 50; the
    // store takes it as a parameter).
    let store = &app.state.store;
    assert!(store.read_markers(room, 2).await.unwrap().is_some());
    assert!(store.read_markers(room, 1).await.unwrap().is_none());
    assert!(!store.receipts_apply(room, ann.user.id, 1).await.unwrap());
}
