//! Read receipts, on SQLite and on PostgreSQL: a read that moves someone's
//! marker goes to the room as `receipt`; a join gets everyone's markers as
//! `receipts`; people who turned receipts off are never told about; rooms
//! with too many members send none. In support, the visitor and the staff
//! see when the other side has read.

use crate::helpers::*;
use crate::rooms_access::frames_so_far;
use crate::support::{agent_online, make_agent, open, send, visitor, visitor_cookie};
use app::protocol::{
    AuthorKind, ClientFrame, ConversationId, MessageId, ReadUpTo, RoomId, ServerFrame,
    SupportHistory, SupportMessageId, SupportReceipt,
};
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

on_both_databases!(support_reads_reach_the_other_side);

fn support_read(conversation: ConversationId, id: SupportMessageId) -> ClientFrame {
    ClientFrame::SupportRead { conversation, id }
}

async fn support_receipt(c: &mut Client) -> SupportReceipt {
    match c
        .recv_until(|f| matches!(f, ServerFrame::SupportReceipt(_)))
        .await
    {
        ServerFrame::SupportReceipt(r) => r,
        _ => unreachable!(),
    }
}

async fn support_history(c: &mut Client, conversation: ConversationId) -> SupportHistory {
    c.send(&ClientFrame::SupportJoin {
        conversation,
        since: None,
    })
    .await;
    match c
        .recv_until(|f| matches!(f, ServerFrame::SupportHistory(_)))
        .await
    {
        ServerFrame::SupportHistory(h) => h,
        _ => unreachable!(),
    }
}

async fn support_reads_reach_the_other_side(app: &TestApp) {
    let admin = app.register("boss").await;
    let agent = app.register("alice").await;
    make_agent(app, &admin.token, agent.user.id).await;
    let mut desk = agent_online(app, &agent.token).await;
    let cookie = visitor_cookie(app).await;
    let (mut v, _) = visitor(app, &cookie).await;
    let conversation = open(&mut v, "my parcel is lost", "o1").await;
    let first = support_history(&mut desk, conversation).await.messages[0].id;

    // The agent reads the visitor's message: the visitor is told.
    desk.send(&support_read(conversation, first)).await;
    let r = support_receipt(&mut v).await;
    assert_eq!(
        (r.conversation, r.by, r.id),
        (conversation, AuthorKind::Agent, first)
    );

    // The agent answers; the visitor reads it: the agent is told.
    desk.send(&send(conversation, "Let me look", "a1")).await;
    let answer = match desk
        .recv_until(|f| matches!(f, ServerFrame::SupportAck(_)))
        .await
    {
        ServerFrame::SupportAck(a) => a.id,
        _ => unreachable!(),
    };
    v.send(&support_read(conversation, answer)).await;
    let r = loop {
        let r = support_receipt(&mut desk).await;
        if r.by == AuthorKind::Visitor {
            break r;
        }
    };
    assert_eq!(r.id, answer);

    // Both markers come with the conversation's history.
    let h = support_history(&mut desk, conversation).await;
    assert_eq!((h.visitor_read, h.agent_read), (Some(answer), Some(first)));

    // A marker never points past the conversation's messages, nor goes back.
    v.send(&support_read(
        conversation,
        SupportMessageId(answer.0 + 100),
    ))
    .await;
    v.send(&support_read(conversation, first)).await;
    let h = support_history(&mut desk, conversation).await;
    assert_eq!(h.visitor_read, Some(answer));

    // An agent who turned receipts off reads silently.
    let _: serde_json::Value = app
        .ok(
            "PATCH",
            "/api/me/profile",
            &agent.token,
            Some(json!({"receipts": false})),
        )
        .await;
    v.send(&send(conversation, "thanks", "v2")).await;
    let thanks = match v
        .recv_until(|f| matches!(f, ServerFrame::SupportAck(_)))
        .await
    {
        ServerFrame::SupportAck(a) => a.id,
        _ => unreachable!(),
    };
    desk.send(&support_read(conversation, thanks)).await;
    let h = support_history(&mut desk, conversation).await;
    assert_eq!(h.agent_read, Some(first));
}
