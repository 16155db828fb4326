//! The widget where third-party cookies are blocked (issue 15): the visitor
//! token (the visitor cookie's own signed value) stands in for the cookie on
//! `POST /api/support/session` (the `switchboard-visitor` header) and on the
//! WebSocket (the `switchboard.visitor.<token>` subprotocol, which the server
//! must pick); a bad or foreign token counts for nothing, like a tampered
//! cookie; the cookie wins when both come; signed identities work the same
//! way; "Start over" retires the key; the iframe's `host` must be allowed.

use crate::helpers::*;
use crate::support::{open, staff};
use crate::visitor_security::{identity, with_widget_secret};
use app::protocol::{
    ConversationRow, ServerFrame, SignedIdentity, SupportHello, VisitorSession,
    VISITOR_TOKEN_HEADER, VISITOR_TOKEN_PROTOCOL,
};
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

/// `POST /api/support/session` from a browser that keeps no cookie, showing
/// `token` if it has one (as the widget's iframe does).
async fn session(
    app: &TestApp,
    token: Option<&str>,
    identity: Option<&SignedIdentity>,
) -> VisitorSession {
    let mut req = app
        .http
        .post(app.url("/api/support/session"))
        .json(&json!({ "identity": identity }));
    if let Some(t) = token {
        req = req.header(VISITOR_TOKEN_HEADER, t);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// A visitor socket opened with the token as its subprotocol and no cookie;
/// checks the server picked the protocol (a browser drops the socket else).
async fn visitor_by_token(
    app: &TestApp,
    token: &str,
) -> Result<(Client, ServerFrame), tungstenite::Error> {
    let mut req = format!("ws://{}/ws", app.addr)
        .into_client_request()
        .unwrap();
    let protocol = format!("{VISITOR_TOKEN_PROTOCOL}{token}");
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&protocol).unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req).await?;
    assert_eq!(
        resp.headers()["sec-websocket-protocol"].to_str().unwrap(),
        protocol
    );
    let mut c = Client::new(ws);
    let hello = c.recv().await;
    assert!(
        matches!(hello, ServerFrame::SupportHello { .. }),
        "{hello:?}"
    );
    Ok((c, hello))
}

fn conversations(hello: &ServerFrame) -> Vec<ConversationRow> {
    match hello {
        ServerFrame::SupportHello(SupportHello { conversations, .. }) => conversations.clone(),
        _ => unreachable!(),
    }
}

fn status_of(e: tungstenite::Error) -> u16 {
    match e {
        tungstenite::Error::Http(resp) => resp.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn without_cookies_the_token_keeps_the_visitor_and_their_conversation() {
    let app = spawn_app().await;
    let first = session(&app, None, None).await;
    assert!(first.visitor.is_none(), "a token alone stores nothing");
    let (mut v, hello) = visitor_by_token(&app, &first.token).await.unwrap();
    assert!(conversations(&hello).is_empty());
    let c = open(&mut v, "my order never came", "o1").await;
    drop(v);

    // The next visit: no cookie, the token the embedding site kept.
    let again = session(&app, Some(&first.token), None).await;
    assert_eq!(again.token, first.token, "the same visitor");
    assert!(again.visitor.is_some());
    let (_v, hello) = visitor_by_token(&app, &again.token).await.unwrap();
    let listed: Vec<_> = conversations(&hello).iter().map(|r| r.id).collect();
    assert_eq!(listed, vec![c]);
    app.stop().await;
}

#[tokio::test]
async fn a_tampered_or_foreign_token_counts_for_nothing() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let mine = session(&app, None, None).await;
    let (mut v, _) = visitor_by_token(&app, &mine.token).await.unwrap();
    open(&mut v, "private", "o1").await;
    drop(v);

    let (key, mac) = mine.token.split_once('.').unwrap();
    let last = if mac.ends_with('0') { '1' } else { '0' };
    let flipped = format!("{key}.{}{last}", &mac[..mac.len() - 1]);
    // Signed by another server (another secret) for the same key.
    let foreign = session(&other, None, None).await.token;
    let foreign_same_key = format!("{key}.{}", foreign.split_once('.').unwrap().1);
    for bad in [flipped.as_str(), foreign_same_key.as_str(), "nonsense"] {
        // The socket is refused, as with a tampered cookie...
        let refused = visitor_by_token(&app, bad).await.map(|_| ()).unwrap_err();
        assert_eq!(status_of(refused), 401, "{bad}");
        // ...and the session call starts a stranger with nothing.
        let s = session(&app, Some(bad), None).await;
        assert!(s.visitor.is_none(), "{bad}");
        assert_ne!(s.token, mine.token);
        assert!(!s.token.starts_with(key));
    }
    app.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn the_cookie_wins_over_the_token() {
    let app = spawn_app().await;
    let a = session(&app, None, None).await;
    let b = session(&app, None, None).await;
    let resp = app
        .http
        .post(app.url("/api/support/session"))
        .header("cookie", format!("sb_visitor={}", a.token))
        .header(VISITOR_TOKEN_HEADER, &b.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let s: VisitorSession = resp.json().await.unwrap();
    assert_eq!(s.token, a.token);
    app.stop().await;
}

#[tokio::test]
async fn a_signed_identity_works_with_the_token() {
    let app = with_widget_secret().await;
    let id = identity("cust-42", "Ada");
    let s = session(&app, None, Some(&id)).await;
    assert!(s.verified);
    let (mut v, hello) = visitor_by_token(&app, &s.token).await.unwrap();
    assert!(matches!(
        hello,
        ServerFrame::SupportHello(SupportHello { verified: true, .. })
    ));
    let c = open(&mut v, "about my invoice", "o1").await;
    drop(v);
    // Back with the kept token and the identity: the same visitor.
    let again = session(&app, Some(&s.token), Some(&id)).await;
    assert_eq!(
        (again.visitor, again.token.as_str()),
        (s.visitor, s.token.as_str())
    );
    let (_v, hello) = visitor_by_token(&app, &again.token).await.unwrap();
    assert_eq!(conversations(&hello)[0].id, c);
    app.stop().await;
}

#[tokio::test]
async fn start_over_retires_the_key_and_the_agents_keep_the_conversation() {
    let app = spawn_app().await;
    let desk = staff(&app, &["ann"]).await;
    let s = session(&app, None, None).await;
    let (mut v, _) = visitor_by_token(&app, &s.token).await.unwrap();
    let c = open(&mut v, "delete my data please", "o1").await;
    drop(v);

    // Not a plain form post from another site: JSON only.
    let form = app
        .http
        .post(app.url("/api/support/forget"))
        .header(VISITOR_TOKEN_HEADER, &s.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    let resp = app
        .http
        .post(app.url("/api/support/forget"))
        .header(VISITOR_TOKEN_HEADER, &s.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let cleared = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("sb_visitor=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );

    // The old token (a copy left anywhere) opens nothing now.
    let (_v, hello) = visitor_by_token(&app, &s.token).await.unwrap();
    assert!(conversations(&hello).is_empty());
    let again = session(&app, Some(&s.token), None).await;
    assert!(again.visitor.is_none());
    // The agents still have it.
    let all: Vec<ConversationRow> = app
        .ok(
            "GET",
            "/api/support/conversations?tab=all",
            &desk.admin,
            None,
        )
        .await;
    assert!(all.iter().any(|r| r.id == c));
    app.stop().await;
}

#[tokio::test]
async fn the_iframe_serves_only_an_allowed_host_and_leaves_the_cookie_to_the_session_call() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.widget_origins = vec!["https://shop.example".into()];
    })
    .await;
    let get = |query: &'static str| app.http.get(app.url(&format!("/support?{query}"))).send();
    let ok = get("embed=1&host=https%3A%2F%2Fshop.example")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers().get("set-cookie").is_none(),
        "a cookie issued here would beat the kept token"
    );
    let refused = get("embed=1&host=https%3A%2F%2Fevil.example")
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // Outside the widget the page still issues the cookie.
    assert!(get("x=1")
        .await
        .unwrap()
        .headers()
        .get("set-cookie")
        .is_some());
    app.stop().await;
}

#[tokio::test]
async fn behind_https_the_cookie_is_one_a_cross_site_iframe_may_keep() {
    let app = spawn_app_with(Db::Sqlite, |s| s.secure_cookies = true).await;
    let resp = app
        .http
        .post(app.url("/api/support/session"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let s: VisitorSession = resp.json().await.unwrap();
    assert!(
        cookie.starts_with(&format!("sb_visitor={};", s.token)),
        "{cookie}"
    );
    assert!(
        cookie.contains("SameSite=None; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    app.stop().await;
}
