//! Issue 9, items 3 and 6: what one chat client can make the server hold or
//! do. Bounded bytes per connection, a join's replay in bounded pages, rate
//! limits on every state-changing frame and `/api` request, and the room list
//! a page at a time.

use crate::helpers::*;
use app::protocol::{
    ChangeId, ClientFrame, ErrorCode, ErrorFrame, MessageId, RoomId, RoomSummary, ServerFrame,
};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use switchboard::{config::Rate, ws::HISTORY_PAGE_BYTES};
use tokio_tungstenite::tungstenite::Message;

/// A body of 4,000 characters of 4 bytes: the largest message there is.
fn largest_body(tag: usize) -> String {
    let mut b = format!("{tag} ");
    while b.chars().count() < 4_000 {
        b.push('😀');
    }
    b
}

/// Posts `n` messages in waves (so the sender's own echoes never pile up)
/// and returns their ids.
async fn post_many(
    c: &mut Client,
    room: RoomId,
    n: usize,
    body: impl Fn(usize) -> String,
) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for wave in (0..n).collect::<Vec<_>>().chunks(10) {
        for &i in wave {
            c.send(&ClientFrame::Send {
                room,
                body: body(i),
                client_id: format!("r{room}-{i}"),
                files: Vec::new(),
                thread: None,
                also_in_room: false,
            })
            .await;
        }
        let mut acked = 0;
        while acked < wave.len() {
            match c.recv().await {
                ServerFrame::Ack { id, .. } => {
                    ids.push(id);
                    acked += 1;
                }
                ServerFrame::Error(ErrorFrame { message, .. }) => panic!("{message}"),
                _ => {}
            }
        }
    }
    ids.sort();
    ids
}

/// The next text frame, raw, and parsed.
async fn recv_raw(c: &mut Client) -> (usize, ServerFrame) {
    loop {
        match tokio::time::timeout(WAIT, c.ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return (t.len(), serde_json::from_str(t.as_str()).unwrap());
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

fn expect_rate_limited(f: ServerFrame) -> u64 {
    match f {
        ServerFrame::Error(ErrorFrame {
            code: ErrorCode::RateLimited,
            retry_after_ms: Some(ms),
            ..
        }) => ms,
        other => panic!("expected rate_limited with retry_after_ms, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_comes_in_bounded_pages_and_misses_nothing() {
    let app = spawn_app_with(Db::Sqlite, |s| s.edit_rate.burst = 1_000).await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "big").await;
    let mut c = app.connect(&ann.token).await;
    c.join(room.id, None).await;
    let ids = post_many(&mut c, room.id, 60, largest_body).await;

    // Resuming from before the first: 60 messages of 16 KiB in pages.
    let mut reader = app.connect(&ann.token).await;
    reader
        .send(&ClientFrame::Join {
            room: room.id,
            since: Some(MessageId(0)),
            changes_since: None,
        })
        .await;
    let mut got = Vec::new();
    let mut pages = 0;
    loop {
        let (len, frame) = recv_raw(&mut reader).await;
        if let ServerFrame::History {
            messages,
            more,
            partial,
            ..
        } = frame
        {
            pages += 1;
            assert!(len <= HISTORY_PAGE_BYTES + 1024, "a page of {len} bytes");
            got.extend(messages.into_iter().map(|m| m.id));
            if !partial {
                assert!(!more, "everything fitted in one join");
                break;
            }
        }
    }
    assert!(pages >= 4, "{pages} pages for 60 large messages");
    assert_eq!(got, ids, "every message once, in order");

    // A fresh join: the newest that fit one page, and `more` says older exist.
    let mut fresh = app.connect(&ann.token).await;
    fresh
        .send(&ClientFrame::Join {
            room: room.id,
            since: None,
            changes_since: None,
        })
        .await;
    let (len, frame) = recv_raw(&mut fresh).await;
    assert!(len <= HISTORY_PAGE_BYTES + 1024, "{len}");
    match frame {
        ServerFrame::History {
            messages,
            more,
            partial,
            ..
        } => {
            assert!(more && !partial);
            assert!(!messages.is_empty() && messages.len() < 50);
            assert_eq!(messages.last().unwrap().id, *ids.last().unwrap());
        }
        other => panic!("expected history, got {other:?}"),
    }

    // Changes are replayed a chunk at a time, each message once: edit 70.
    let small = app.create_room(&ann.token, "small").await;
    c.join(small.id, None).await;
    let small_ids = post_many(&mut c, small.id, 70, |i| format!("m{i}")).await;
    for id in &small_ids {
        c.send(&ClientFrame::Edit {
            id: *id,
            body: format!("edited {id}"),
        })
        .await;
    }
    for _ in 0..70 {
        c.recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
            .await;
    }
    let mut resumer = app.connect(&ann.token).await;
    resumer
        .send(&ClientFrame::Join {
            room: small.id,
            since: Some(*small_ids.last().unwrap()),
            changes_since: Some(ChangeId(0)),
        })
        .await;
    let mut edited = Vec::new();
    loop {
        match resumer.recv().await {
            ServerFrame::Edited { id, body, .. } => {
                assert_eq!(body, format!("edited {id}"));
                edited.push(id);
            }
            ServerFrame::History {
                changes, messages, ..
            } => {
                assert_eq!(changes, ChangeId(70));
                assert!(messages.is_empty());
                break;
            }
            _ => {}
        }
    }
    assert_eq!(
        edited, small_ids,
        "each changed message once, in change order"
    );
}

/// The attack of issue 9: joins that ask for the largest replay, sent
/// without reading. The server holds at most the byte budget for the
/// connection and closes it as a slow consumer once it has not read for
/// `replay::STALL` (10 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joins_sent_without_reading_are_cut_off_not_buffered() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.outbound_bytes = 1 << 20;
        // The byte bound is under test here, not the join limit.
        s.join_rate.burst = 1_000;
    })
    .await;
    let ann = app.register("ann").await;
    let mallory = app.register("mallory").await;
    let room = app.create_room(&ann.token, "big").await;
    let mut c = app.connect(&ann.token).await;
    c.join(room.id, None).await;
    post_many(&mut c, room.id, 100, largest_body).await;

    let mut attacker = Client::connect_small_buffer(app.addr, &mallory.token).await;
    for _ in 0..200 {
        attacker
            .send(&ClientFrame::Join {
                room: room.id,
                since: Some(MessageId(0)),
                changes_since: None,
            })
            .await;
    }
    // Everyone else is unaffected meanwhile.
    c.post(room.id, "still fine", "fine").await;
    // Cut off within the stall time (plus margin); the hub lets it go.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(25);
    while app.state.hub.connection_count() > 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the attacker is still connected"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Reading now: what was queued (at most the budget), then 4008 if the
    // close frame got through its full buffers, or the end of the stream.
    let mut bytes = 0;
    let close = loop {
        match tokio::time::timeout(WAIT, attacker.ws.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Text(t))) => bytes += t.len(),
            Some(Ok(Message::Close(f))) => break f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break None,
        }
    };
    if let Some(code) = close {
        assert_eq!(code, app::protocol::close::SLOW_CONSUMER);
    }
    // Socket buffers hold some, the server held at most 1 MiB more.
    assert!(bytes < 8 << 20, "{bytes} bytes reached the attacker");
}

/// The same attack against the real binary, measuring its resident memory:
/// before the fix 200 such joins made it grow by over a gigabyte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_stays_small_under_a_join_flood() {
    let server = start_server_binary(&[
        ("SWITCHBOARD_RATE_PER_SEC", "100000"),
        ("SWITCHBOARD_RATE_BURST", "100000"),
        ("SWITCHBOARD_JOIN_BURST", "100000"),
    ])
    .await;
    let (addr, pid) = (server.addr, server.child.id());
    let http = reqwest::Client::new();
    let ann = register_at(&http, addr, "ann").await.token;
    let mallory = register_at(&http, addr, "mallory").await.token;
    let room = create_room_at(&http, addr, &ann, "big").await;
    let mut c = Client::connect(addr, &ann, None).await;
    c.join(room.id, None).await;
    // 500 of the largest messages: one full replay is 8 MB of JSON.
    post_many(&mut c, room.id, 500, largest_body).await;
    drop(c);

    let rss = || proc_status_kib(pid, "VmRSS") / 1024;
    let before = rss();
    let attacker = Client::connect_small_buffer(addr, &mallory).await;
    let (mut tx, _rx) = attacker.ws.split();
    for _ in 0..200 {
        let join = ClientFrame::Join {
            room: room.id,
            since: Some(MessageId(0)),
            changes_since: None,
        };
        tx.send(Message::text(serde_json::to_string(&join).unwrap()))
            .await
            .unwrap();
    }
    // Watch it for three seconds while the joins are being answered.
    let mut peak = before;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss());
    }
    println!("VmRSS before the flood {before} MiB, peak during it {peak} MiB");
    assert!(
        peak < before + 64,
        "resident memory grew from {before} MiB to {peak} MiB"
    );
    drop(server);
}

#[tokio::test]
async fn joins_and_leaves_are_limited_per_user() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.join_rate.per_min = 60;
        s.join_rate.burst = 3;
    })
    .await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "r").await;
    let mut c = app.connect(&ann.token).await;
    c.join(room.id, None).await;
    c.send(&ClientFrame::Leave { room: room.id }).await;
    c.recv_until(|f| matches!(f, ServerFrame::Left { .. }))
        .await;
    c.join(room.id, None).await;
    // A second connection of the same user shares the budget.
    let mut other = app.connect(&ann.token).await;
    other
        .send(&ClientFrame::Join {
            room: room.id,
            since: None,
            changes_since: None,
        })
        .await;
    let ms = expect_rate_limited(other.recv().await);
    assert!((1..=1000).contains(&ms), "{ms}");
    tokio::time::sleep(Duration::from_millis(ms + 20)).await;
    other.join(room.id, None).await;
}

#[tokio::test]
async fn edits_deletes_and_marks_are_limited_typing_is_dropped() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        // A burst of two and no refill worth the name: at the default rate a
        // token comes back every 100 ms, which a busy machine can take
        // between two frames (it flaked under a parallel build).
        s.edit_rate = Rate::new(1, 2);
        s.mark_rate = Rate::new(1, 2);
        s.room_create_per_min = 100;
    })
    .await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let room = app.create_room(&ann.token, "r").await;
    let mut c = app.connect(&ann.token).await;
    c.join(room.id, None).await;
    let ids = post_many(&mut c, room.id, 3, |i| format!("m{i}")).await;
    c.send(&ClientFrame::Edit {
        id: ids[0],
        body: "one".into(),
    })
    .await;
    c.recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await;
    c.send(&ClientFrame::Delete { id: ids[1] }).await;
    c.recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await;
    c.send(&ClientFrame::Edit {
        id: ids[2],
        body: "three".into(),
    })
    .await;
    expect_rate_limited(
        c.recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await,
    );
    // Nothing changed: the message is as it was.
    let (history, _) = app.connect(&ann.token).await.join(room.id, None).await;
    assert_eq!(history.last().unwrap().body, "m2");

    // Read marks over the limit are dropped quietly; announcement marks
    // are refused with the wait.
    let mut b = app.connect(&bob.token).await;
    b.join(room.id, None).await;
    b.send(&ClientFrame::Read {
        room: room.id,
        id: ids[0],
    })
    .await;
    let seen = ClientFrame::AnnouncementSeen {
        id: app::protocol::AnnouncementId(1),
    };
    b.send(&seen).await;
    match b
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame { code, .. }) => assert_eq!(code, ErrorCode::NotFound),
        _ => unreachable!(),
    }
    // Over the limit: dropped without a word…
    b.send(&ClientFrame::Read {
        room: room.id,
        id: ids[2],
    })
    .await;
    b.send(&seen).await;
    expect_rate_limited(
        b.recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await,
    );
    // …so the marker stayed at the first message: the third is unread.
    let listed: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &bob.token, None).await;
    assert_eq!(listed[0].unread, 1);

    // Typing: at most 10 notices at once per user, across rooms; the rest
    // are dropped without an error.
    let mut rooms = Vec::new();
    for i in 0..12 {
        let r = app.create_room(&bob.token, &format!("t{i}")).await;
        b.join(r.id, None).await;
        c.join(r.id, None).await;
        rooms.push(r.id);
    }
    for r in &rooms {
        b.send(&ClientFrame::Typing { room: *r }).await;
    }
    // A marker after them: a message from bob in the last room.
    b.post(rooms[11], "done", "done").await;
    let mut typing = 0;
    loop {
        match c.recv().await {
            ServerFrame::Typing { .. } => typing += 1,
            ServerFrame::Message(m) if m.body == "done" => break,
            ServerFrame::Error(ErrorFrame { message, .. }) => panic!("{message}"),
            _ => {}
        }
    }
    // 10 at once; one more at most if the bucket refilled meanwhile.
    assert!(
        (10..12).contains(&typing),
        "{typing} typing notices relayed"
    );
}

#[tokio::test]
async fn room_creation_has_its_own_tighter_limit() {
    let app = spawn_app_with(Db::Sqlite, |s| s.room_create_per_min = 2).await;
    let ann = app.register("ann").await;
    app.create_room(&ann.token, "one").await;
    app.create_room(&ann.token, "two").await;
    let resp = app
        .call(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(serde_json::json!({"name": "three"})),
        )
        .await;
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Nobody heard of a third room.
    let rooms: Vec<RoomSummary> = app.ok("GET", "/api/rooms", &ann.token, None).await;
    assert_eq!(rooms.len(), 2);
}

#[tokio::test]
async fn every_state_changing_api_request_passes_one_limit() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.api_write_rate.per_min = 60;
        s.api_write_rate.burst = 3;
    })
    .await;
    let ann = app.register("ann").await;
    // Three writes (answered however they are), then 429 in our shape.
    for _ in 0..3 {
        let resp = app
            .call("POST", "/api/announcements/999/seen", &ann.token, None)
            .await;
        assert_eq!(resp.status(), 404);
    }
    let resp = app
        .call("POST", "/api/announcements/999/dismiss", &ann.token, None)
        .await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Reads are not counted, nor are logins, which have limits of their own.
    for _ in 0..5 {
        let resp = app.call("GET", "/api/rooms", &ann.token, None).await;
        assert_eq!(resp.status(), 200);
    }
    let login = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&serde_json::json!({"username": "ann", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    // Another user has their own budget…
    let bob = app.register("bob").await;
    let resp = app
        .call("POST", "/api/announcements/999/seen", &bob.token, None)
        .await;
    assert_eq!(resp.status(), 404);
    // …and without a login the address is counted.
    for _ in 0..3 {
        let resp = app.http.post(app.url("/api/rooms")).send().await.unwrap();
        assert_eq!(resp.status(), 401);
    }
    let resp = app.http.post(app.url("/api/rooms")).send().await.unwrap();
    assert_eq!(resp.status(), 429);
}

#[tokio::test]
async fn the_room_list_comes_a_page_at_a_time() {
    let app = spawn_app_with(Db::Sqlite, |s| s.room_create_per_min = 100).await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    for name in ["delta", "Alpha", "charlie", "bravo", "echo"] {
        app.create_room(&ann.token, name).await;
    }
    app.create_room(&bob.token, "bobs").await;
    let names = |rooms: Vec<RoomSummary>| rooms.into_iter().map(|r| r.name).collect::<Vec<_>>();
    let get = |q: &'static str| app.ok::<Vec<RoomSummary>>("GET", q, &bob.token, None);
    // Without a query: every room (up to 200), by name, as before.
    assert_eq!(
        names(get("/api/rooms").await),
        ["Alpha", "bobs", "bravo", "charlie", "delta", "echo"]
    );
    assert_eq!(names(get("/api/rooms?limit=2").await), ["Alpha", "bobs"]);
    assert_eq!(
        names(get("/api/rooms?limit=2&after=bobs").await),
        ["bravo", "charlie"]
    );
    assert_eq!(
        names(get("/api/rooms?limit=2&after=echo").await),
        Vec::<String>::new()
    );
    assert_eq!(names(get("/api/rooms?joined=true").await), ["bobs"]);
    assert_eq!(
        names(get("/api/rooms?joined=false&limit=1").await),
        ["Alpha"]
    );
    assert_eq!(names(get("/api/rooms?q=HAR").await), ["charlie"]);
    for bad in [
        "/api/rooms?limit=0",
        "/api/rooms?limit=201",
        "/api/rooms?joined=maybe",
    ] {
        let resp = app.call("GET", bad, &bob.token, None).await;
        assert_eq!(resp.status(), 400, "{bad}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_frame");
    }
}
