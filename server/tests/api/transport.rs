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
