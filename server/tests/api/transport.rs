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
