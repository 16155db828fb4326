//! HTTP transport: what a browser gets besides the API's answers.

use crate::helpers::spawn_app;

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_ask() {
    let app = spawn_app().await;
    let get = |encoding: &'static str| {
        app.http
            .get(app.url("/login"))
            .header("accept-encoding", encoding)
            .send()
    };
    for (asked, expected) in [
        ("br, gzip", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let resp = get(asked).await.unwrap();
        assert_eq!(resp.status(), 200);
        let encoding = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(encoding.as_deref(), expected, "Accept-Encoding: {asked}");
        let body = resp.bytes().await.unwrap();
        if expected.is_none() {
            assert!(String::from_utf8_lossy(&body).contains("<html"));
        }
    }
    app.stop().await;
}

/// The app's dead-socket check (browsers cannot see WebSocket pings): a
/// `ping` frame is answered by `pong` at once, on accounts' and visitors'
/// connections alike, between other frames and without a rate limit.
#[tokio::test]
async fn ping_frames_are_answered_with_pong() {
    use app::protocol::{ClientFrame, ServerFrame};
    let app = spawn_app().await;
    let alice = app.register("pinger").await;
    let mut ws = app.connect(&alice.token).await;
    let pong = |f: &ServerFrame| matches!(f, ServerFrame::Pong);
    for _ in 0..20 {
        ws.send(&ClientFrame::Ping {}).await;
        ws.recv_until(pong).await;
    }
    // The wire form is the documented one.
    ws.send_text(r#"{"type":"ping"}"#).await;
    ws.recv_until(pong).await;

    let cookie = crate::support::visitor_cookie(&app).await;
    let (mut visitor, _) = crate::support::visitor(&app, &cookie).await;
    visitor.send(&ClientFrame::Ping {}).await;
    visitor.recv_until(pong).await;
    app.stop().await;
}

/// The WebSocket's own ping (a control frame, which some clients and proxies
/// send) is answered with a pong carrying the same bytes, in order with the
/// app's frames: the server writes its frames itself (`ws/socket.rs`) and
/// the library's answers go through the same writer.
#[tokio::test]
async fn websocket_pings_are_answered_between_frames() {
    use app::protocol::{ClientFrame, ServerFrame};
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let app = spawn_app().await;
    let alice = app.register("control").await;
    let mut ws = app.connect(&alice.token).await;
    for i in 0..5u8 {
        ws.ws
            .send(Message::Ping(vec![i, b'x'].into()))
            .await
            .expect("ping sent");
        ws.send(&ClientFrame::Ping {}).await;
        // The pong first (the ping came first), then the app's `pong`.
        let mut got_control = false;
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.ws.next())
                .await
                .expect("an answer in time")
                .expect("the socket is open")
                .expect("a well-formed frame");
            match next {
                Message::Pong(data) => {
                    assert_eq!(&data[..], &[i, b'x'], "the pong echoes the ping");
                    got_control = true;
                }
                Message::Text(t) => {
                    let frame: ServerFrame = serde_json::from_str(t.as_str()).expect("JSON");
                    if matches!(frame, ServerFrame::Pong) {
                        assert!(got_control, "the control pong comes before the app's");
                        break;
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    app.stop().await;
}

/// A client's close frame is answered with a close frame carrying its code
/// (the closing handshake of RFC 6455, 5.5.1), and then the socket ends.
#[tokio::test]
async fn a_client_close_is_answered_with_its_code() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::{
        protocol::{frame::coding::CloseCode, CloseFrame},
        Message,
    };
    let app = spawn_app().await;
    let alice = app.register("leaver").await;
    let mut ws = app.connect(&alice.token).await;
    ws.ws
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: "leaving the page".into(),
        })))
        .await
        .expect("close sent");
    let answer = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), ws.ws.next())
            .await
            .expect("an answer in time")
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("the socket ended without answering the close: {other:?}"),
        }
    };
    assert_eq!(answer.map(|f| f.code), Some(CloseCode::Away));
    app.stop().await;
}
