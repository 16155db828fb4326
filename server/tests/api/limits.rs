//! Bad input, rate limits and clients that stop reading.

use crate::helpers::*;
use app::protocol::{ClientFrame, ErrorCode, ErrorFrame, ServerFrame, MAX_BODY_CHARS};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

async fn expect_error(c: &mut Client, want: ErrorCode) -> String {
    match c.recv().await {
        ServerFrame::Error(ErrorFrame { code, message, .. }) => {
            assert_eq!(code, want, "{message}");
            message
        }
        f => panic!("expected {want:?}, got {f:?}"),
    }
}

#[tokio::test]
async fn bad_frames_get_named_errors_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "limits").await;
    let mut c = app.connect(&ann.token).await;

    c.send_text("this is not json").await;
    assert!(expect_error(&mut c, ErrorCode::BadFrame)
        .await
        .contains("malformed"));
    c.send_text(r#"{"type":"shout","room":1}"#).await;
    assert!(expect_error(&mut c, ErrorCode::UnknownType)
        .await
        .contains("shout"));
    c.send_text(r#"{"type":"send","room":1}"#).await;
    assert!(expect_error(&mut c, ErrorCode::BadFrame)
        .await
        .contains("send"));
    c.send_text(&format!(
        r#"{{"type":"typing","room":1,"pad":"{}"}}"#,
        "x".repeat(20_000)
    ))
    .await;
    assert!(expect_error(&mut c, ErrorCode::FrameTooLarge)
        .await
        .contains("16384"));
    c.ws.send(Message::binary(vec![1u8, 2, 3])).await.unwrap();
    expect_error(&mut c, ErrorCode::BadFrame).await;

    c.join(room.id, None).await;
    c.recv().await; // presence
    c.send(&ClientFrame::Send {
        room: room.id,
        body: "é".repeat(MAX_BODY_CHARS + 1),
        client_id: "long".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    let msg = expect_error(&mut c, ErrorCode::Invalid).await;
    assert!(msg.contains("body") && msg.contains("4000"), "{msg}");
    c.send(&ClientFrame::Send {
        room: room.id,
        body: "   ".into(),
        client_id: "blank".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    expect_error(&mut c, ErrorCode::Invalid).await;
    c.send(&ClientFrame::Send {
        room: room.id,
        body: "ok".into(),
        client_id: "".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    assert!(expect_error(&mut c, ErrorCode::Invalid)
        .await
        .contains("client_id"));

    // Still open and working after all that.
    c.post(room.id, "still here", "fine").await;

    // Past the transport limit the connection is closed with 1009.
    c.send_text(&"y".repeat(100_000)).await;
    let closed = loop {
        match tokio::time::timeout(WAIT, c.ws.next()).await.unwrap() {
            Some(Ok(Message::Close(f))) => break f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break None,
        }
    };
    if let Some(code) = closed {
        assert_eq!(code, app::protocol::close::TOO_BIG);
    }
}

#[tokio::test]
async fn the_rate_limit_says_when_to_retry() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.rate_per_sec = 1;
        s.rate_burst = 3;
    })
    .await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "slowly").await;
    let mut c = app.connect(&ann.token).await;
    c.join(room.id, None).await;
    for i in 0..3 {
        c.post(room.id, "ok", &format!("ok{i}")).await;
    }
    c.send(&ClientFrame::Send {
        room: room.id,
        body: "too fast".into(),
        client_id: "fast".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    match c
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await
    {
        ServerFrame::Error(ErrorFrame {
            code,
            retry_after_ms,
            client_id,
            ..
        }) => {
            assert_eq!(code, ErrorCode::RateLimited);
            assert_eq!(client_id.as_deref(), Some("fast"));
            let ms = retry_after_ms.expect("retry_after_ms");
            assert!((1..=1000).contains(&ms), "{ms}");
            tokio::time::sleep(std::time::Duration::from_millis(ms + 20)).await;
        }
        _ => unreachable!(),
    }
    // After waiting as told, the same message goes through.
    c.post(room.id, "too fast", "fast").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_cut_off_and_others_keep_receiving() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        // Small enough to fill quickly, large enough for a reading client's
        // burst (a batch of 128 is 256 frames for the sender: echo + ack).
        s.outbound_queue = 600;
        // This test is about queues, not the rate limit: 3,000 sends in well
        // under a second must all be accepted.
        s.rate_per_sec = 1_000_000;
        s.rate_burst = 1_000_000;
    })
    .await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let sid = app.register("sid").await;
    let room = app.create_room(&ann.token, "firehose").await;

    let mut slow = Client::connect_small_buffer(app.addr, &sid.token).await;
    slow.join(room.id, None).await;
    let mut reader = app.connect(&bob.token).await;
    reader.join(room.id, None).await;
    let mut sender = app.connect(&ann.token).await;
    sender.join(room.id, None).await;
    assert_eq!(app.state.hub.connection_count(), 3);

    // Enough data to fill the slow client's socket buffers and then its queue.
    let body = "z".repeat(3_900);
    let total = 3_000;
    let reading = tokio::spawn(async move {
        let mut got = 0;
        while got < total {
            if let ServerFrame::Message(_) = reader.recv().await {
                got += 1;
            }
        }
        (got, reader)
    });
    // The sender reads its own echoes and acks, or it too would be cut off.
    let (mut tx, mut rx) = sender.ws.split();
    let draining = tokio::spawn(async move {
        let mut acks = 0;
        while acks < total {
            match tokio::time::timeout(WAIT, rx.next()).await {
                Ok(Some(Ok(Message::Text(t)))) if t.as_str().starts_with(r#"{"type":"ack""#) => {
                    acks += 1
                }
                Ok(Some(Ok(_))) => {}
                _ => break,
            }
        }
        acks
    });
    for i in 0..total {
        let frame = ClientFrame::Send {
            room: room.id,
            body: body.clone(),
            client_id: format!("f{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        };
        tx.send(Message::text(serde_json::to_string(&frame).unwrap()))
            .await
            .unwrap();
    }
    assert_eq!(
        draining.await.unwrap(),
        total,
        "every message was acknowledged"
    );
    let (got, _reader) = reading.await.unwrap();
    assert_eq!(got, total, "the reading client got everything");
    // The slow client was disconnected: its stream ends (with 4008 if the close
    // frame got through its full buffers).
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut close_code = None;
    loop {
        match tokio::time::timeout_at(deadline, slow.ws.next())
            .await
            .expect("slow client ends in time")
        {
            Some(Ok(Message::Close(f))) => {
                close_code = f.map(|f| u16::from(f.code));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break,
        }
    }
    if let Some(code) = close_code {
        assert_eq!(code, app::protocol::close::SLOW_CONSUMER);
    }
    // The slow one is gone; the reader and the sender are still connected.
    assert_eq!(app.state.hub.connection_count(), 2);
}
