//! Starting a server for a test, and small HTTP and WebSocket clients for it.

use app::protocol::{AuthResponse, ClientFrame, RoomId, RoomSummary, ServerFrame, User};
use futures_util::{SinkExt, StreamExt};
use leptos::config::LeptosOptions;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use switchboard::{
    config::Settings,
    scheduler::{Clock, SystemClock},
    startup::Application,
    state::AppState,
};
use tokio::{net::TcpStream, task::JoinHandle};
use tokio_tungstenite::{
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
    MaybeTlsStream, WebSocketStream,
};
use tokio_util::sync::CancellationToken;

pub const WAIT: Duration = Duration::from_secs(10);

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("switchboard")
        .site_root("target/site")
        .build()
}

/// Which database a test server uses.
pub enum Db {
    /// A fresh SQLite file in a temporary folder.
    Sqlite,
    /// A given URL (a fresh PostgreSQL database, or an existing SQLite file to reopen).
    Url(String),
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db_url: String,
    pub http: reqwest::Client,
    stop: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    _dir: Option<tempfile::TempDir>,
    /// Where attachments go when the database is not a SQLite file (whose
    /// directory holds them otherwise).
    _files: Option<tempfile::TempDir>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Db::Sqlite, |_| {}).await
}

pub async fn spawn_app_with(db: Db, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with_clock(db, Arc::new(SystemClock), tweak).await
}

/// A server whose scheduler and schedule API run on `clock` (a
/// `ManualClock` lets a test move time on without waiting).
pub async fn spawn_app_with_clock(
    db: Db,
    clock: Arc<dyn Clock>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let (dir, db_url) = match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (Some(dir), url)
        }
        Db::Url(url) => (None, url),
    };
    let mut settings = Settings::defaults();
    settings.addr = "127.0.0.1:0".parse().unwrap();
    settings.database_url = db_url.clone();
    let files = match &dir {
        Some(_) => None,
        None => {
            let files = tempfile::tempdir().expect("temp dir");
            settings.files = Some(files.path().display().to_string());
            Some(files)
        }
    };
    settings.rate_per_sec = 1000;
    settings.rate_burst = 1000;
    tweak(&mut settings);
    let app = Application::build_with_clock(settings, leptos_options(), clock)
        .await
        .expect("server starts");
    let addr = app.local_addr();
    let state = app.state().clone();
    let stop = CancellationToken::new();
    let s = stop.clone();
    let task = tokio::spawn(app.run_until_stopped(async move { s.cancelled().await }));
    TestApp {
        addr,
        state,
        db_url,
        http: reqwest::Client::new(),
        stop,
        task,
        _dir: dir,
        _files: files,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server gracefully and waits for it; returns the temp dir so a
    /// restarted server can reopen the same database.
    pub async fn stop(self) -> Option<tempfile::TempDir> {
        self.stop.cancel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("server stops in time")
            .expect("server task")
            .expect("server ran cleanly");
        self._dir
    }

    pub async fn register(&self, username: &str) -> AuthResponse {
        let resp = self
            .http
            .post(self.url("/api/auth/register"))
            .json(&serde_json::json!({"username": username, "password": "password123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "register {username}");
        resp.json().await.unwrap()
    }

    /// `POST /api/auth/login` with `password`, as it answers.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn create_room(&self, token: &str, name: &str) -> RoomSummary {
        let resp = self
            .http
            .post(self.url("/api/rooms"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        resp.json().await.unwrap()
    }

    pub async fn connect(&self, token: &str) -> Client {
        Client::connect(self.addr, token, None).await
    }

    /// An HTTP request as `token` (a session token or an API key), with an
    /// optional JSON body. `method` is `"GET"`, `"POST"`…
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// [`TestApp::call`] that must succeed (2xx), parsed from its JSON answer.
    pub async fn ok<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> T {
        let resp = self.call(method, path, token, body).await;
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client speaking the shared protocol.
pub struct Client {
    pub ws: Ws,
    /// Frames [`Client::post`] read before its ack: the message itself may
    /// come first (docs/protocol.md: either order), and a test waiting for
    /// it must still get it. [`Client::recv`] returns these first.
    early: std::collections::VecDeque<ServerFrame>,
}

impl Client {
    pub fn new(ws: Ws) -> Client {
        Client {
            ws,
            early: Default::default(),
        }
    }

    pub async fn connect(addr: SocketAddr, token: &str, origin: Option<&str>) -> Client {
        Client::greeted(addr, token, origin).await.0
    }

    /// Connects and returns the client with the user its `hello` named.
    pub async fn greeted(addr: SocketAddr, token: &str, origin: Option<&str>) -> (Client, User) {
        let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        if let Some(o) = origin {
            req.headers_mut()
                .insert("origin", HeaderValue::from_str(o).unwrap());
        }
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("ws connects");
        let mut c = Client::new(ws);
        match c.recv().await {
            ServerFrame::Hello { user } => (c, user),
            other => panic!("expected hello, got {other:?}"),
        }
    }

    /// A client whose socket receive buffer is tiny, so that not reading
    /// backs up into the server quickly.
    pub async fn connect_small_buffer(addr: SocketAddr, token: &str) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(stream))
            .await
            .expect("ws connects");
        let mut c = Client::new(ws);
        assert!(matches!(c.recv().await, ServerFrame::Hello { .. }));
        c
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).unwrap()).await;
    }

    /// Sends a frame; false when the connection is already gone (the
    /// server may close it at any moment in the fault tests).
    pub async fn try_send(&mut self, frame: &ClientFrame) -> bool {
        let text = serde_json::to_string(frame).unwrap();
        self.ws.send(Message::text(text)).await.is_ok()
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("ws send");
    }

    /// The next protocol frame (pings skipped), or a panic after [`WAIT`].
    pub async fn recv(&mut self) -> ServerFrame {
        if let Some(frame) = self.early.pop_front() {
            return frame;
        }
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("stream open")
                .expect("ws ok");
            match msg {
                Message::Text(t) => {
                    return serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("bad server frame {t}: {e}"))
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    /// The next protocol frame, or `Err` with the close code (`None`: the
    /// socket broke without one) when the connection ends. Waits up to `wait`.
    pub async fn next_or_close(&mut self, wait: Duration) -> Result<ServerFrame, Option<u16>> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Err(_) => panic!("no frame within {wait:?}"),
                Ok(Some(Ok(Message::Text(t)))) => {
                    return Ok(serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("bad server frame {t}: {e}")))
                }
                Ok(Some(Ok(Message::Close(f)))) => return Err(f.map(|f| u16::from(f.code))),
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return Err(None),
            }
        }
    }

    /// Reads until the server closes the socket, returning the close code
    /// (frames before it are dropped; a panic after [`WAIT`]).
    pub async fn closed(&mut self) -> u16 {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(f)))) => {
                    return f.map_or(1005, |f| u16::from(f.code));
                }
                Ok(Some(Ok(_))) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }

    /// Frames until one matches, returning it (the others are dropped).
    pub async fn recv_until(&mut self, mut pred: impl FnMut(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let f = self.recv().await;
            if pred(&f) {
                return f;
            }
        }
    }

    /// Joins and returns the history's messages (every page of it) and the
    /// last page's `more`.
    pub async fn join(
        &mut self,
        room: RoomId,
        since: Option<app::protocol::MessageId>,
    ) -> (Vec<app::protocol::ChatMessage>, bool) {
        self.send(&ClientFrame::Join {
            room,
            since,
            changes_since: None,
        })
        .await;
        let mut all = Vec::new();
        loop {
            match self
                .recv_until(|f| matches!(f, ServerFrame::History { room: r, .. } if *r == room))
                .await
            {
                ServerFrame::History {
                    messages,
                    more,
                    partial,
                    ..
                } => {
                    all.extend(messages);
                    if !partial {
                        return (all, more);
                    }
                }
                _ => unreachable!(),
            }
        }
    }

    /// Sends a frame that must be refused; returns the `error`'s code and message.
    pub async fn refused(&mut self, frame: &ClientFrame) -> (app::protocol::ErrorCode, String) {
        self.send(frame).await;
        match self
            .recv_until(|f| matches!(f, ServerFrame::Error(_)))
            .await
        {
            ServerFrame::Error(e) => (e.code, e.message),
            _ => unreachable!(),
        }
    }

    /// Sends a message and waits for its ack; returns the stored id.
    pub async fn post(
        &mut self,
        room: RoomId,
        body: &str,
        client_id: &str,
    ) -> app::protocol::MessageId {
        self.send(&ClientFrame::Send {
            room,
            body: body.into(),
            client_id: client_id.into(),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        })
        .await;
        // Frames before the ack are kept for later `recv`s, after any
        // already kept.
        let mut before = Vec::new();
        let answer = loop {
            let f = self.recv().await;
            if matches!(&f, ServerFrame::Ack { client_id: c, .. } if c == client_id)
                || matches!(f, ServerFrame::Error { .. })
            {
                break f;
            }
            before.push(f);
        };
        self.early.extend(before);
        match answer {
            ServerFrame::Ack { id, .. } => id,
            other => panic!("expected ack, got {other:?}"),
        }
    }
}

/// A new, empty PostgreSQL database for one test, or `None` (with a loud
/// message) when PostgreSQL is unreachable — unless `REQUIRE_POSTGRES=1`, when
/// that is a failure. The server at `TEST_POSTGRES_URL` (default
/// `postgres://postgres@127.0.0.1:5432/test`) is used to create it.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::{Connection, Executor};
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("REQUIRE_POSTGRES=1 but PostgreSQL at {admin_url} is unreachable: {e}");
            }
            eprintln!("\n*** SKIPPED: PostgreSQL at {admin_url} is unreachable ({e}); set REQUIRE_POSTGRES=1 to make this fail ***\n");
            return None;
        }
    };
    drop_stale_test_databases(&mut conn).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let name = format!(
        "sb_test_{}_{}_{}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    );
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    Some(format!("{base}/{name}"))
}

/// Test databases are not dropped at the end of a test (the server may still
/// hold connections); those over an hour old are dropped here instead.
async fn drop_stale_test_databases(conn: &mut sqlx::PgConnection) {
    use sqlx::Executor;
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'sb_test_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for name in names {
        let created: Option<u64> = name
            .strip_prefix("sb_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse().ok());
        if created.is_some_and(|c| c + 3600 < now) {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
                .await;
        }
    }
}

/// The real server binary, on a free port with a fresh database; killed on drop.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `env` on top of a fresh SQLite database (an
/// entry for `DATABASE_URL` replaces it).
pub async fn start_server_binary(env: &[(&str, &str)]) -> ServerProcess {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // SWITCHBOARD_TEST_SERVER_BIN: another build of the binary (the default,
    // beside this test's build, may be replaced by a build from another
    // checkout sharing the target directory).
    let bin = std::env::var("SWITCHBOARD_TEST_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_server").to_owned());
    let mut cmd = std::process::Command::new(bin);
    cmd.env("LEPTOS_OUTPUT_NAME", "switchboard")
        .env("LEPTOS_SITE_ROOT", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/x.db", dir.path().display()),
        )
        .env("SWITCHBOARD_ADDR", addr.to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("the server binary starts");
    let server = ServerProcess {
        child,
        addr,
        _dir: dir,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server did not listen in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

impl ServerProcess {
    /// Kills the process at once (SIGKILL: no goodbye, no drain).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field of /proc/<pid>/status, in KiB.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{field} in {status}"))
}

/// Registers `name` on a server process (password `password123`).
pub async fn register_at(http: &reqwest::Client, addr: SocketAddr, name: &str) -> AuthResponse {
    let resp = http
        .post(format!("http://{addr}/api/auth/register"))
        .json(&serde_json::json!({"username": name, "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "register {name}");
    resp.json().await.unwrap()
}

/// Creates a room on a server process as the holder of `token`.
pub async fn create_room_at(
    http: &reqwest::Client,
    addr: SocketAddr,
    token: &str,
    name: &str,
) -> RoomSummary {
    let resp = http
        .post(format!("http://{addr}/api/rooms"))
        .bearer_auth(token)
        .json(&serde_json::json!({"name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "create room {name}");
    resp.json().await.unwrap()
}

/// Runs a test on a fresh SQLite database and on a fresh PostgreSQL one
/// (skipped loudly when PostgreSQL is unreachable and not required).
macro_rules! on_both_databases {
    ($name:ident) => {
        mod $name {
            use crate::helpers::*;

            #[tokio::test]
            async fn on_sqlite() {
                super::$name(&spawn_app().await).await
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(url) = fresh_postgres_database().await else {
                    return;
                };
                super::$name(&spawn_app_with(Db::Url(url), |_| {}).await).await
            }
        }
    };
}
