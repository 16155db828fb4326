//! Threads, on SQLite and on PostgreSQL: a reply names its parent and goes
//! to the room as a `message` with `thread`, followed by the parent's new
//! counts (`thread`); room history leaves replies out unless they were also
//! sent to the room; a thread reads a page at a time over HTTP, to those who
//! may read the room; a resume replays replies and count changes; deleting
//! a reply counts its parent down, deleting a parent takes its replies.

use crate::helpers::*;
use crate::rooms_access::frames_so_far;
use app::protocol::{
    ChatMessage, ClientFrame, ErrorCode, MessageId, MessagePage, RoomId, RoomSummary, ServerFrame,
    ThreadPage, Visibility,
};
use serde_json::json;

on_both_databases!(replies_count_on_their_parent_and_stay_out_of_room_history);
on_both_databases!(replies_are_checked_and_threads_obey_room_access);
on_both_databases!(deleting_in_a_thread_tells_the_room_and_resumes);
on_both_databases!(participants_follow_first_replies_through_deletes);

fn reply(room: RoomId, parent: MessageId, body: &str, client_id: &str, also: bool) -> ClientFrame {
    ClientFrame::Send {
        room,
        body: body.into(),
        client_id: client_id.into(),
        files: Vec::new(),
        thread: Some(parent),
        also_in_room: also,
    }
}

/// Sends a reply and waits for its ack.
async fn post_reply(
    c: &mut Client,
    room: RoomId,
    parent: MessageId,
    body: &str,
    client_id: &str,
    also: bool,
) -> MessageId {
    c.send(&reply(room, parent, body, client_id, also)).await;
    match c
        .recv_until(|f| {
            matches!(f, ServerFrame::Ack { client_id: x, .. } if x == client_id)
                || matches!(f, ServerFrame::Error(_))
        })
        .await
    {
        ServerFrame::Ack { id, .. } => id,
        other => panic!("expected an ack, got {other:?}"),
    }
}

async fn thread_page(
    app: &TestApp,
    token: &str,
    room: RoomId,
    parent: MessageId,
    q: &str,
) -> ThreadPage {
    app.ok(
        "GET",
        &format!("/api/rooms/{room}/threads/{parent}{q}"),
        token,
        None,
    )
    .await
}

fn ids(messages: &[ChatMessage]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}

async fn replies_count_on_their_parent_and_stay_out_of_room_history(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let dan = app.register("dan").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    let mut c = app.connect(&cat.token).await;
    let mut d = app.connect(&dan.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    c.join(room, None).await;
    d.join(room, None).await;
    let parent = a.post(room, "lunch at noon?", "a1").await;

    // A reply reaches the room as a message naming its thread, then the
    // parent's counts.
    let r1 = post_reply(&mut b, room, parent, "yes", "b1", false).await;
    let frames = frames_so_far(&mut a).await;
    let at = frames
        .iter()
        .position(|f| matches!(f, ServerFrame::Message(m) if m.id == r1))
        .expect("the reply reaches the room");
    match &frames[at] {
        ServerFrame::Message(m) => {
            assert_eq!((m.thread, m.also_in_room), (Some(parent), false));
        }
        _ => unreachable!(),
    }
    let counted = frames[at + 1..]
        .iter()
        .find_map(|f| match f {
            ServerFrame::Thread(t) => Some(t.clone()),
            _ => None,
        })
        .expect("then the parent's counts");
    assert_eq!(
        (
            counted.room,
            counted.id,
            counted.replies,
            counted.participants.clone()
        ),
        (room, parent, 1, vec!["bob".to_string()])
    );
    assert!(counted.last_reply_at.is_some());

    // One also sent to the room; cat replies too; bob again (a participant once).
    let r2 = post_reply(&mut c, room, parent, "me too", "c1", true).await;
    let r3 = post_reply(&mut b, room, parent, "see you", "b2", false).await;
    let after = a.post(room, "another topic", "a2").await;

    // Room history: the parent with its counts and the reply also sent to
    // the room, not the others.
    let mut fresh = app.connect(&ann.token).await;
    let (history, _) = fresh.join(room, None).await;
    assert_eq!(ids(&history), [parent, r2, after]);
    let p = &history[0];
    assert_eq!(
        (p.replies, p.participants.clone()),
        (3, vec!["bob".to_string(), "cat".to_string()])
    );
    assert!(p.last_reply_at.is_some());
    assert_eq!(
        (history[1].thread, history[1].also_in_room),
        (Some(parent), true)
    );
    let page: MessagePage = app
        .ok(
            "GET",
            &format!("/api/rooms/{room}/messages"),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(ids(&page.messages), [parent, r2, after]);

    // The thread, whole and a page at a time.
    let whole = thread_page(app, &cat.token, room, parent, "").await;
    assert_eq!(whole.parent.id, parent);
    assert_eq!(whole.parent.replies, 3);
    assert_eq!(ids(&whole.messages), [r1, r2, r3]);
    assert!(!whole.more);
    let newest = thread_page(app, &cat.token, room, parent, "?limit=2").await;
    assert_eq!((ids(&newest.messages), newest.more), (vec![r2, r3], true));
    let older = thread_page(
        app,
        &cat.token,
        room,
        parent,
        &format!("?limit=2&before={r2}"),
    )
    .await;
    assert_eq!((ids(&older.messages), older.more), (vec![r1], false));

    // A resume replays replies like any message of the room.
    let mut back = app.connect(&cat.token).await;
    let (replayed, _) = back.join(room, Some(parent)).await;
    assert_eq!(ids(&replayed), [r1, r2, r3, after]);

    // Unread: a reply counts when also sent to the room, or for those who
    // follow its thread. Ann wrote the parent: all three replies count.
    // Dan follows nothing: the parent, cat's reply sent to the room, and
    // ann's next message.
    let unread = |token: String| async move {
        let rooms: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &token, None).await;
        rooms.iter().find(|r| r.id == room).unwrap().unread
    };
    assert_eq!(unread(ann.token.clone()).await, 3, "ann follows her thread");
    assert_eq!(unread(dan.token.clone()).await, 3, "dan follows nothing");
    // Cat follows from her reply on: bob's later reply counts, his earlier
    // one does not (with the parent and ann's message: 3).
    assert_eq!(
        unread(cat.token.clone()).await,
        3,
        "cat follows from her reply"
    );
}

async fn replies_are_checked_and_threads_obey_room_access(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let other = app.create_room(&ann.token, "other").await.id;
    let mut a = app.connect(&ann.token).await;
    a.join(room, None).await;
    a.join(other, None).await;
    let parent = a.post(room, "first", "a1").await;
    let elsewhere = a.post(other, "over there", "a2").await;
    let r1 = post_reply(&mut a, room, parent, "a reply", "a3", false).await;

    // Threads are one level deep.
    let (code, message) = a.refused(&reply(room, r1, "deeper", "a4", false)).await;
    assert_eq!(code, ErrorCode::Invalid);
    assert!(
        message.contains("thread") && message.contains("is a reply"),
        "{message}"
    );
    // The parent is in the same room.
    let (code, message) = a
        .refused(&reply(room, elsewhere, "across", "a5", false))
        .await;
    assert_eq!(code, ErrorCode::Invalid);
    assert!(
        message.contains(&format!("not in room {room}")),
        "{message}"
    );
    let (code, _) = a
        .refused(&reply(room, MessageId(999_999), "nothing", "a6", false))
        .await;
    assert_eq!(code, ErrorCode::Invalid);
    // Nothing of these was stored.
    let whole = thread_page(app, &ann.token, room, parent, "").await;
    assert_eq!(ids(&whole.messages), [r1]);

    // A reply is not a thread; a message of another room is not one here.
    for path in [
        format!("/api/rooms/{room}/threads/{r1}"),
        format!("/api/rooms/{room}/threads/{elsewhere}"),
        format!("/api/rooms/{room}/threads/999999"),
    ] {
        let resp = app.call("GET", &path, &ann.token, None).await;
        assert_eq!(resp.status(), 404, "{path}");
    }
    let resp = app
        .call(
            "GET",
            &format!("/api/rooms/{room}/threads/{parent}?limit=0"),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 400);

    // A private room's threads are its members' only.
    let secret: RoomSummary = app
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "secret", "visibility": Visibility::Private})),
        )
        .await;
    a.join(secret.id, None).await;
    let hidden = a.post(secret.id, "members only", "a7").await;
    post_reply(&mut a, secret.id, hidden, "still members only", "a8", false).await;
    let resp = app
        .call(
            "GET",
            &format!("/api/rooms/{}/threads/{hidden}", secret.id),
            &bob.token,
            None,
        )
        .await;
    assert!(
        resp.status() == 403 || resp.status() == 404,
        "an outsider reads no thread: {}",
        resp.status()
    );
    // Nor can an outsider reply there (not joined, and may not join).
    let mut b = app.connect(&bob.token).await;
    let (code, _) = b
        .refused(&reply(secret.id, hidden, "let me in", "b1", false))
        .await;
    assert!(
        matches!(
            code,
            ErrorCode::NotFound | ErrorCode::NotJoined | ErrorCode::Forbidden
        ),
        "{code:?}"
    );
}

async fn deleting_in_a_thread_tells_the_room_and_resumes(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    let parent = a.post(room, "plans?", "a1").await;
    let r1 = post_reply(&mut b, room, parent, "one", "b1", false).await;
    let r2 = post_reply(&mut b, room, parent, "two", "b2", false).await;
    let last = a.post(room, "newest", "a2").await;
    frames_so_far(&mut a).await;

    // Where a client that has everything so far would resume from.
    let mut watcher = app.connect(&ann.token).await;
    watcher
        .send(&ClientFrame::Join {
            room,
            since: None,
            changes_since: None,
        })
        .await;
    let changes = match watcher
        .recv_until(|f| matches!(f, ServerFrame::History { .. }))
        .await
    {
        ServerFrame::History { changes, .. } => changes,
        _ => unreachable!(),
    };
    drop(watcher);

    // Deleting a reply: the reply goes, then the parent counts one less.
    b.send(&ClientFrame::Delete { id: r2 }).await;
    a.recv_until(|f| matches!(f, ServerFrame::Deleted { id, .. } if *id == r2))
        .await;
    match a.recv_until(|f| matches!(f, ServerFrame::Thread(_))).await {
        ServerFrame::Thread(t) => assert_eq!((t.id, t.replies), (parent, 1)),
        _ => unreachable!(),
    }
    let whole = thread_page(app, &ann.token, room, parent, "").await;
    assert_eq!((ids(&whole.messages), whole.parent.replies), (vec![r1], 1));

    // A client away since then: the replay says the reply is gone and what
    // the parent counts now.
    let mut back = app.connect(&ann.token).await;
    back.send(&ClientFrame::Join {
        room,
        since: Some(last),
        changes_since: Some(changes),
    })
    .await;
    let mut replayed = Vec::new();
    loop {
        match back.recv().await {
            ServerFrame::History { .. } => break,
            f => replayed.push(f),
        }
    }
    assert!(replayed
        .iter()
        .any(|f| matches!(f, ServerFrame::Deleted { id, .. } if *id == r2)));
    let thread = replayed
        .iter()
        .find_map(|f| match f {
            ServerFrame::Thread(t) => Some(t.clone()),
            _ => None,
        })
        .expect("the parent's counts in the replay");
    assert_eq!((thread.id, thread.replies), (parent, 1));

    // Deleting the parent takes its replies: each is told, reply first.
    frames_so_far(&mut b).await;
    a.send(&ClientFrame::Delete { id: parent }).await;
    let mut gone = Vec::new();
    while gone.last() != Some(&parent) {
        if let ServerFrame::Deleted { id, .. } = b
            .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
            .await
        {
            gone.push(id);
        }
    }
    assert_eq!(gone, [r1, parent]);
    let resp = app
        .call(
            "GET",
            &format!("/api/rooms/{room}/threads/{parent}"),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 404);
    let mut fresh = app.connect(&bob.token).await;
    let (history, _) = fresh.join(room, None).await;
    assert_eq!(ids(&history), [last]);
    let (all, _) = fresh.join(room, Some(MessageId(0))).await;
    assert_eq!(ids(&all), [last], "the replies are gone from the store too");
}

/// The repliers a parent lists are in the order of each one's first reply
/// still there: deleting someone's first reply moves them back, deleting
/// their last takes them off.
async fn participants_follow_first_replies_through_deletes(app: &TestApp) {
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let cat = app.register("cat").await;
    let room = app.create_room(&ann.token, "general").await.id;
    let mut a = app.connect(&ann.token).await;
    let mut b = app.connect(&bob.token).await;
    let mut c = app.connect(&cat.token).await;
    a.join(room, None).await;
    b.join(room, None).await;
    c.join(room, None).await;
    let parent = a.post(room, "who is in?", "a1").await;
    let r1 = post_reply(&mut b, room, parent, "me", "b1", false).await;
    let r2 = post_reply(&mut c, room, parent, "me too", "c1", false).await;
    post_reply(&mut b, room, parent, "still me", "b2", false).await;
    frames_so_far(&mut a).await;
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();

    b.send(&ClientFrame::Delete { id: r1 }).await;
    let told = match a.recv_until(|f| matches!(f, ServerFrame::Thread(_))).await {
        ServerFrame::Thread(t) => t,
        _ => unreachable!(),
    };
    assert_eq!(
        (told.replies, told.participants),
        (2, names(&["cat", "bob"]))
    );

    c.send(&ClientFrame::Delete { id: r2 }).await;
    let told = match a.recv_until(|f| matches!(f, ServerFrame::Thread(_))).await {
        ServerFrame::Thread(t) => t,
        _ => unreachable!(),
    };
    assert_eq!((told.replies, told.participants), (1, names(&["bob"])));

    // History says the same.
    let mut fresh = app.connect(&ann.token).await;
    let (history, _) = fresh.join(room, None).await;
    let p = history.iter().find(|m| m.id == parent).unwrap();
    assert_eq!((p.replies, p.participants.clone()), (1, names(&["bob"])));
    let whole = thread_page(app, &ann.token, room, parent, "").await;
    assert_eq!(whole.parent.participants, names(&["bob"]));
}
