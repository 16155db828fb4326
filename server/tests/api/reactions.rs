//! Reactions, on SQLite and on PostgreSQL: live to the room, once per person
//! and emoji, carried by history, replayed to a client that was away, and
//! refused (naming why) for text, outsiders, archived rooms and too many
//! kinds.

use crate::helpers::*;
use crate::rooms_access::{error_code, frames_so_far};
use app::protocol::{ChangeId, ClientFrame, ErrorCode, MessageId, Reaction, RoomId, ServerFrame};
use serde_json::json;

on_both_databases!(reactions_reach_the_room_and_stay_with_the_message);
on_both_databases!(who_may_react_and_with_what);

fn react(id: MessageId, emoji: &str) -> ClientFrame {
    ClientFrame::React {
        id,
        emoji: emoji.into(),
    }
}

async fn reaction(c: &mut Client) -> (String, String, bool, ChangeId) {
    match c
        .recv_until(|f| matches!(f, ServerFrame::Reaction { .. }))
        .await
    {
        ServerFrame::Reaction {
            emoji,
            user,
            on,
            change,
            ..
        } => (emoji, user, on, change),
        _ => unreachable!(),
    }
}

fn shape(reactions: &[Reaction]) -> Vec<String> {
    reactions
        .iter()
        .map(|r| format!("{}:{}", r.emoji, r.users.join("+")))
        .collect()
}

async fn reactions_reach_the_room_and_stay_with_the_message(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room: RoomId = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let id = a.post(room, "ship it?", "a1").await;
    let later = a.post(room, "later one", "a2").await;

    b.send(&react(id, "👍")).await;
    assert_eq!(reaction(&mut a).await.0, "👍");
    let (emoji, user, on, first) = reaction(&mut b).await;
    assert_eq!((emoji.as_str(), user.as_str(), on), ("👍", "bob", true));
    // Twice is once: nothing changes, nothing is sent.
    b.send(&react(id, "👍")).await;
    a.send(&react(id, "👍")).await;
    a.send(&react(id, "👨‍👩‍👧")).await;
    assert_eq!(reaction(&mut a).await.0, "👍");
    assert_eq!(reaction(&mut a).await.0, "👨‍👩‍👧");
    let seen: Vec<_> = frames_so_far(&mut b)
        .await
        .into_iter()
        .filter(|f| matches!(f, ServerFrame::Reaction { .. }))
        .collect();
    assert_eq!(seen.len(), 2, "{seen:?}");

    // History carries them: each emoji once, people in the order they came.
    let (history, _) = app.connect(&bob.token).await.join(room, None).await;
    let message = history.iter().find(|m| m.id == id).unwrap();
    assert_eq!(shape(&message.reactions), ["👍:bob+ann", "👨‍👩‍👧:ann"]);
    assert!(history
        .iter()
        .find(|m| m.id == later)
        .unwrap()
        .reactions
        .is_empty());
    let page: app::protocol::MessagePage = app
        .ok(
            "GET",
            &format!("/api/rooms/{room}/messages"),
            &bob.token,
            None,
        )
        .await;
    assert_eq!(shape(&page.messages[0].reactions), ["👍:bob+ann", "👨‍👩‍👧:ann"]);

    // Bob is away while Ann takes hers back; resuming, he gets the
    // message's reactions now, and no "edited".
    drop(b);
    a.send(&ClientFrame::Unreact {
        id,
        emoji: "👍".into(),
    })
    .await;
    let (_, _, on, _) = reaction(&mut a).await;
    assert!(!on);
    let mut b = app.connect(&bob.token).await;
    b.send(&ClientFrame::Join {
        room,
        since: Some(later),
        changes_since: Some(first),
    })
    .await;
    let replayed = b
        .recv_until(|f| matches!(f, ServerFrame::Reactions { id: r, .. } if *r == id))
        .await;
    let ServerFrame::Reactions { reactions, .. } = replayed else {
        unreachable!()
    };
    assert_eq!(shape(&reactions), ["👍:bob", "👨‍👩‍👧:ann"]);
    let rest = frames_so_far(&mut b).await;
    assert!(
        !rest.iter().any(|f| matches!(f, ServerFrame::Edited { .. })),
        "a reaction is not an edit: {rest:?}"
    );

    // Deleting the message takes its reactions with it.
    a.send(&ClientFrame::Delete { id }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await;
    b.send(&react(id, "👍")).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
}

async fn who_may_react_and_with_what(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room: RoomId = app.create_room(&ann.token, "general").await.id;
    let secret: app::protocol::RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "secret", "visibility": "private"})),
        )
        .await;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    a.join(secret.id, None).await;
    let id = a.post(room, "hello", "a1").await;
    let hidden = a.post(secret.id, "psst", "a2").await;

    // Text is not a reaction; each bad one is named.
    for bad in [
        "",
        "ok",
        "1",
        "👍👍👍👍👍👍👍👍👍",
        "a👍",
        " 👍",
        "\u{200d}",
    ] {
        a.send(&react(id, bad)).await;
        assert_eq!(error_code(&mut a).await, ErrorCode::Invalid, "{bad:?}");
    }
    for good in ["❤️", "1️⃣", "🇨🇳", "👍🏽"] {
        a.send(&react(id, good)).await;
        assert_eq!(reaction(&mut a).await.0, good);
    }
    // Not a member of the public room yet: join first. The private room's
    // message does not exist for him.
    b.send(&react(id, "👍")).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::Forbidden);
    b.send(&react(hidden, "👍")).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::NotFound);
    b.join(room, None).await;
    b.send(&react(id, "👍")).await;
    assert_eq!(reaction(&mut b).await.1, "bob");

    // At most 20 different emoji on a message.
    let many = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
    ];
    for e in many {
        a.send(&react(id, e)).await;
        reaction(&mut a).await;
    }
    a.send(&react(id, "🙃")).await;
    assert_eq!(error_code(&mut a).await, ErrorCode::Invalid);
    // One already there may still be added to.
    b.send(&react(id, "😀")).await;
    assert_eq!(reaction(&mut b).await.0, "😀");

    // An archived room takes no reactions.
    app.ok::<serde_json::Value>(
        "PATCH",
        &format!("/api/rooms/{room}"),
        &ann.token,
        Some(json!({"archived": true})),
    )
    .await;
    b.send(&react(id, "🎉")).await;
    assert_eq!(error_code(&mut b).await, ErrorCode::RoomArchived);
}
