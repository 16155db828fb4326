//! The HTTP edge: connection timeouts and caps, security headers, the
//! cross-site guard on unsafe methods, body limits, and sessions that end.

use crate::helpers::*;
use app::protocol::close;
use serde_json::{json, Value};
use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

/// Reads until the server closes the connection (EOF or reset) and returns
/// what it sent and how long that took; panics after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "still open after {limit:?}; got {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

/// A TCP connection to `addr` from the local address `from` (all of
/// 127.0.0.0/8 is loopback on Linux, so 127.0.0.2 is a second client).
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    socket.connect(addr).await.unwrap()
}

/// `GET /api/me` on a fresh connection from `from`: the status line, or
/// `None` when the connection was refused or closed without an answer.
async fn status_from(from: &str, addr: SocketAddr) -> Option<String> {
    let mut s = connect_from(from, addr).await;
    let req = format!("GET /api/me HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return None;
    }
    let (text, _) = read_until_closed(&mut s, WAIT).await;
    text.lines()
        .next()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_at_the_header_timeout() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /api/me HTTP/1.1\r\nhost: x\r\nx-slow: ")
        .await
        .unwrap();
    let (_, took) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(
        took >= Duration::from_millis(900),
        "closed too early: {took:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /api/me HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    // The answer comes, the connection is kept alive, then closed when no
    // next request arrives in time.
    let (text, took) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_request_body_is_closed_at_the_idle_timeout() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.header_timeout = Duration::from_secs(30);
        s.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(
        b"POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 100\r\n\r\n{\"username\":",
    )
    .await
    .unwrap();
    let (_, took) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(900), "{took:?}");
    app.stop().await;
}

#[tokio::test]
async fn connections_over_the_per_ip_cap_are_refused_while_others_are_served() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.max_connections_per_ip = 4;
        s.header_timeout = Duration::from_secs(30);
    })
    .await;
    // Four idle connections from 127.0.0.1 fill its places (each answered
    // once, so it surely is admitted and counted).
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = connect_from("127.0.0.1", app.addr).await;
        s.write_all(b"GET /api/me HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = tokio::time::timeout(WAIT, s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 401"));
        held.push(s);
    }
    // A fifth from the same address is closed, with a 503 at most.
    let fifth = status_from("127.0.0.1", app.addr).await;
    assert!(
        fifth.as_deref().is_none_or(|l| l.contains(" 503")),
        "{fifth:?}"
    );
    // Another address is served, pages included.
    assert_eq!(
        status_from("127.0.0.2", app.addr).await.as_deref(),
        Some("HTTP/1.1 401 Unauthorized")
    );
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let page = other.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    drop(page);
    drop(other);
    // Once the held connections close, 127.0.0.1 is served again.
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        if status_from("127.0.0.1", app.addr).await.as_deref() == Some("HTTP/1.1 401 Unauthorized")
        {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "served again after the others closed");
    app.stop().await;
}

#[tokio::test]
async fn the_server_keeps_answering_after_the_total_cap_is_hit() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.max_connections = 8;
        s.header_timeout = Duration::from_secs(30);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    // Give the accept loop time to admit them all (bounded poll).
    for _ in 0..100 {
        if status_from("127.0.0.2", app.addr).await.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Well over the cap: every extra connection is closed, none waits.
    for _ in 0..50 {
        let s = status_from("127.0.0.3", app.addr).await;
        assert!(s.as_deref().is_none_or(|l| l.contains(" 503")), "{s:?}");
    }
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        if let Ok(r) = app.http.get(app.url("/")).send().await {
            if r.status() == 200 {
                served = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "GET / answers again");
    app.stop().await;
}

#[tokio::test]
async fn websockets_still_upgrade_and_shutdown_says_reconnect_elsewhere() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let mut c = app.connect(&ann.token).await;
    let state = app.state.clone();
    let stopping = tokio::spawn(app.stop());
    assert_eq!(c.closed().await, close::SERVICE_RESTART);
    stopping.await.unwrap();
    assert!(state.shutdown.is_cancelled());
}

fn csp(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {}", resp.url()))
        .to_str()
        .unwrap()
        .to_owned()
}

fn assert_security_headers(resp: &reqwest::Response) {
    let policy = csp(resp);
    for needed in [
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
        "script-src 'self'",
    ] {
        assert!(
            policy.contains(needed),
            "{}: {needed} in {policy}",
            resp.url()
        );
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(
        resp.headers()["x-content-type-options"],
        "nosniff",
        "{}",
        resp.url()
    );
    assert_eq!(
        resp.headers()["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.widget_origins = vec!["https://shop.example".into()];
    })
    .await;
    // A page: its inline scripts run only with the nonce in the policy.
    let page = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_security_headers(&page);
    let policy = csp(&page);
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce")
        .to_owned();
    let html = page.text().await.unwrap();
    // leptos_i18n renders an empty `<script></script>` as a placeholder (it
    // holds translations only in its dynamic-load mode). A script with no
    // text never runs, so the policy has nothing to allow; every other one
    // must carry the nonce.
    let scripts = html.matches("<script").count() - html.matches("<script></script>").count();
    assert!(scripts >= 1, "{html}");
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries this response's nonce: {html}"
    );
    // Another page gets another nonce.
    let again = app.http.get(app.url("/")).send().await.unwrap();
    assert!(!csp(&again).contains(&nonce));

    for (path, status) in [
        ("/api/me", 401),
        ("/api/no-such-thing", 404),
        ("/no-such-page", 404),
        ("/login", 200),
    ] {
        let resp = app.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), status, "{path}");
        assert_security_headers(&resp);
    }
    let error = app
        .http
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "nobody", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error.status(), 401);
    assert_security_headers(&error);

    // The support page keeps its own list of who may frame it, once.
    let support = app.http.get(app.url("/support")).send().await.unwrap();
    assert_eq!(support.status(), 200);
    assert_security_headers(&support);
    let policy = csp(&support);
    assert!(
        policy.contains("frame-ancestors 'self' https://shop.example"),
        "{policy}"
    );
    assert_eq!(policy.matches("frame-ancestors").count(), 1, "{policy}");
    assert_eq!(policy.matches("script-src").count(), 1, "{policy}");
    assert!(
        policy.contains("'nonce-"),
        "the page's scripts still run: {policy}"
    );
    app.stop().await;
}

/// The session cookie `register` sets, as a `Cookie` header value.
async fn register_with_cookie(app: &TestApp, name: &str) -> (String, String) {
    let resp = app
        .http
        .post(app.url("/api/auth/register"))
        .json(&json!({"username": name, "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let cookie = resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    (cookie, body["token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn cookie_requests_with_unsafe_methods_must_come_from_our_pages() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.allowed_origins = vec!["https://chat.example.com".into()];
    })
    .await;
    let (cookie, token) = register_with_cookie(&app, "ann").await;
    let own = format!("http://{}", app.addr);
    let mut n = 0;
    let mut create = |headers: &[(&str, &str)]| {
        n += 1;
        let mut req = app
            .http
            .post(app.url("/api/rooms"))
            .json(&json!({ "name": format!("room-{n}") }));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send()
    };
    // A foreign page with the cookie: refused in our error shape.
    for headers in [
        vec![
            ("cookie", cookie.as_str()),
            ("origin", "http://evil.example"),
        ],
        vec![("cookie", cookie.as_str()), ("origin", "null")],
        // same host and port, another scheme: another origin
        vec![
            ("cookie", cookie.as_str()),
            ("origin", &own.replace("http://", "https://")),
        ],
        vec![
            ("cookie", cookie.as_str()),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![("cookie", cookie.as_str()), ("sec-fetch-site", "same-site")],
    ] {
        let resp = create(&headers).await.unwrap();
        assert_eq!(resp.status(), 403, "{headers:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{headers:?}");
    }
    // Our own page, a listed origin, a browser saying same-origin, a client
    // with no such headers, and a bearer token from anywhere: allowed.
    let bearer = format!("Bearer {token}");
    for headers in [
        vec![("cookie", cookie.as_str()), ("origin", own.as_str())],
        vec![
            ("cookie", cookie.as_str()),
            ("origin", "https://chat.example.com"),
        ],
        vec![
            ("cookie", cookie.as_str()),
            ("sec-fetch-site", "same-origin"),
        ],
        vec![("cookie", cookie.as_str())],
        vec![
            ("authorization", bearer.as_str()),
            ("origin", "http://evil.example"),
        ],
    ] {
        let resp = create(&headers).await.unwrap();
        assert_eq!(resp.status(), 201, "{headers:?}");
    }
    // Reading stays open to any origin (it changes nothing).
    let read = app
        .http
        .get(app.url("/api/me"))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn websocket_origins_compare_the_scheme_too() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    Client::connect(app.addr, &ann.token, Some(&format!("http://{}", app.addr))).await;
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/ws", app.addr),
    )
    .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", ann.token).parse().unwrap(),
    );
    req.headers_mut()
        .insert("origin", format!("https://{}", app.addr).parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    app.stop().await;
}

#[tokio::test]
async fn an_oversized_body_is_413_in_our_error_shape() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let body = serde_json::to_vec(&json!({ "name": "x".repeat(3 * 1024 * 1024) })).unwrap();
    // With a Content-Length over the limit.
    let resp = app
        .http
        .post(app.url("/api/rooms"))
        .bearer_auth(&ann.token)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "payload_too_large", "{answer}");
    // Chunked, with no length announced: the limit is met while reading.
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/rooms HTTP/1.1\r\nhost: {}\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        app.addr, ann.token
    );
    s.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        // The server may stop reading once over the limit.
        if s.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}}") {
        match tokio::time::timeout(WAIT, s.read(&mut buf)).await.unwrap() {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");
    app.stop().await;
}

/// Sessions in the database, and how many of them are expired. One
/// statement, so both counts come from the same snapshot: two would race the
/// server's purge and could read 4 rows, then none expired.
async fn sessions(db_url: &str) -> (i64, i64) {
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(db_url).await.unwrap();
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN expires_at <= ? THEN 1 ELSE 0 END), 0)
           FROM sessions",
    )
    .bind(chrono::Utc::now())
    .fetch_one(&mut db)
    .await
    .unwrap()
}

#[tokio::test]
async fn expired_sessions_are_purged_at_start() {
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    for i in 0..3 {
        app.state
            .store
            .create_session(
                &format!("expired-{i}"),
                ann.user.id,
                past,
                &Default::default(),
            )
            .await
            .unwrap();
    }
    let db_url = app.db_url.clone();
    assert_eq!(sessions(&db_url).await, (4, 3));
    let dir = app.stop().await;
    let app = spawn_app_with(Db::Url(db_url.clone()), |_| {}).await;
    let mut left = (0, 0);
    for _ in 0..100 {
        left = sessions(&db_url).await;
        if left.1 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left, (1, 0), "only the live session is left");
    // and it still logs in
    let me = app.call("GET", "/api/me", &ann.token, None).await;
    assert_eq!(me.status(), 200);
    app.stop().await;
    drop(dir);
}

#[tokio::test]
async fn a_websocket_closes_with_4001_when_its_session_expires() {
    use switchboard::auth::token;
    let app = spawn_app().await;
    let ann = app.register("ann").await;
    // A second session of ann's that ends two seconds from now.
    let short = token::generate();
    let ends = chrono::Utc::now() + chrono::Duration::seconds(2);
    app.state
        .store
        .create_session(
            &token::digest(&short),
            ann.user.id,
            ends,
            &Default::default(),
        )
        .await
        .unwrap();
    let mut expiring = app.connect(&short).await;
    let mut lasting = app.connect(&ann.token).await;
    let started = Instant::now();
    assert_eq!(expiring.closed().await, close::SESSION_ENDED);
    assert!(started.elapsed() >= Duration::from_millis(1000));
    // The other session's socket is untouched.
    let room = app.create_room(&ann.token, "still-here").await;
    lasting.join(room.id, None).await;
    app.stop().await;
}

// --- Logins and registrations: rate limits and the cost of hashing ---------

async fn login(
    http: &reqwest::Client,
    app: &TestApp,
    name: &str,
    password: &str,
) -> reqwest::Response {
    http.post(app.url("/api/auth/login"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn code_of(resp: reqwest::Response) -> (u16, Option<u64>, String) {
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body: Value = resp.json().await.unwrap();
    (
        status,
        retry,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn logins_are_limited_per_name_alike_for_real_and_unknown_accounts() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.auth_name_per_min = 3;
    })
    .await;
    app.register("ann").await;
    // Register counted one attempt for "ann"; two wrong passwords use the rest.
    for _ in 0..2 {
        assert_eq!(
            login(&app.http, &app, "ann", "wrong-password")
                .await
                .status(),
            401
        );
    }
    for _ in 0..3 {
        assert_eq!(
            login(&app.http, &app, "ghost", "wrong-password")
                .await
                .status(),
            401
        );
    }
    // Now both are locked the same way, and the right password does not help.
    let real = code_of(login(&app.http, &app, "ann", "password123").await).await;
    let unknown = code_of(login(&app.http, &app, "ghost", "password123").await).await;
    assert_eq!(real.0, 429);
    assert_eq!((real.0, real.2.as_str()), (unknown.0, unknown.2.as_str()));
    assert!(real.1.is_some_and(|s| s >= 1) && unknown.1.is_some());
    // Case and spaces do not make a new name.
    assert_eq!(
        login(&app.http, &app, " ANN ", "password123")
            .await
            .status(),
        429
    );
    // Another name is unaffected.
    assert_eq!(
        login(&app.http, &app, "bob", "password123").await.status(),
        401
    );
    app.stop().await;
}

#[tokio::test]
async fn logins_and_registrations_are_limited_per_address() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.auth_ip_per_min = 3;
    })
    .await;
    app.register("ann").await;
    assert_eq!(
        login(&app.http, &app, "ann", "password123").await.status(),
        200
    );
    assert_eq!(
        login(&app.http, &app, "bob", "password123").await.status(),
        401
    );
    let (status, retry, code) = code_of(
        app.http
            .post(app.url("/api/auth/register"))
            .json(&json!({"username": "carol", "password": "password123"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    assert!(retry.is_some_and(|s| s >= 1));
    // Another address still gets in.
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        login(&other, &app, "ann", "password123").await.status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn password_checks_beyond_the_queue_are_refused_with_503() {
    let app = spawn_app_with(Db::Sqlite, |s| {
        s.hash_threads = 1;
        s.hash_queue = 0;
        s.auth_ip_per_min = 1000;
    })
    .await;
    let (counts, _) = raw_login_burst(app.addr, 16).await;
    let busy = counts.get(&503).copied().unwrap_or(0);
    assert_eq!(
        counts.get(&401).copied().unwrap_or(0) + busy,
        16,
        "{counts:?}"
    );
    assert!(busy > 0, "some were refused rather than queued");
    app.stop().await;
}

/// 64 parallel logins for unknown users: how many got each status, and the
/// server's peak resident memory (VmHWM) afterwards, in KiB.
async fn login_burst(server: &ServerProcess) -> (std::collections::BTreeMap<u16, usize>, u64) {
    let (counts, ()) = raw_login_burst(server.addr, 64).await;
    (counts, proc_status_kib(server.child.id(), "VmHWM"))
}

/// `n` logins for unknown users on raw connections, all opened first and
/// then written to at once, so the requests really arrive together.
async fn raw_login_burst(
    addr: SocketAddr,
    n: usize,
) -> (std::collections::BTreeMap<u16, usize>, ()) {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(TcpStream::connect(addr).await.unwrap());
    }
    for (i, s) in streams.iter_mut().enumerate() {
        let body = json!({"username": format!("nobody{i}"), "password": "password123"}).to_string();
        let req = format!(
            "POST /api/auth/login HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            addr,
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
    }
    let answers = streams.into_iter().map(|mut s| {
        tokio::spawn(async move { read_until_closed(&mut s, Duration::from_secs(120)).await.0 })
    });
    let mut counts = std::collections::BTreeMap::new();
    for a in answers {
        let text = a.await.unwrap();
        let status: u16 = text
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {text:?}"));
        let retry_after = text.to_ascii_lowercase().contains("\r\nretry-after: ");
        assert!(
            matches!(
                (status, retry_after),
                (401, false) | (429, true) | (503, true)
            ),
            "{text}"
        );
        *counts.entry(status).or_insert(0) += 1;
    }
    (counts, ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_logins_for_unknown_users_stays_within_bounded_memory() {
    // Default settings: the per-address limit refuses most of the burst.
    let server = start_server_binary(&[]).await;
    let before = proc_status_kib(server.child.id(), "VmRSS");
    let (counts, peak) = login_burst(&server).await;
    eprintln!(
        "defaults: {counts:?}; VmRSS before {} MiB, peak {} MiB",
        before / 1024,
        peak / 1024
    );
    assert!(peak < 200 * 1024, "peak {} MiB", peak / 1024);
    assert!(
        counts.contains_key(&429),
        "the per-address limit refused some: {counts:?}"
    );
    drop(server);
    // Without that limit every login reaches the hashing pool; made small
    // here (one thread, one waiting) so that it surely overflows, its queue
    // refuses what it cannot take soon.
    let server = start_server_binary(&[
        ("SWITCHBOARD_AUTH_IP_PER_MIN", "1000"),
        ("SWITCHBOARD_HASH_THREADS", "1"),
        ("SWITCHBOARD_HASH_QUEUE", "1"),
    ])
    .await;
    let (counts, peak) = login_burst(&server).await;
    eprintln!("no address limit: {counts:?}; peak {} MiB", peak / 1024);
    assert!(peak < 200 * 1024, "peak {} MiB", peak / 1024);
    assert!(
        counts.contains_key(&503),
        "the hashing queue refused some: {counts:?}"
    );
}
