//! How to reach a server under test as a chat client: the HTTP setup Switchboard
//! needs (accounts, a room), and opening a WebSocket that is ready to receive
//! (authenticated and, for Switchboard, joined to the room).

use crate::servers::{Kind, Server};
use anyhow::{bail, Context};
use app::protocol::{
    AuthResponse, ClientFrame, CreateRoom, Credentials, ErrorFrame, RoomId, RoomSummary,
    ServerFrame,
};
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::{net::TcpStream, sync::Semaphore};
use tokio_tungstenite::{
    tungstenite::{
        client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig, Message,
    },
    MaybeTlsStream, WebSocketStream,
};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long opening and joining one connection may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(20);
/// Registrations in flight at once: each costs the server an argon2 hash.
const REGISTER_CONCURRENCY: usize = 4;
/// Frames read while waiting for `history` and `presence` after a join.
const JOIN_FRAMES: usize = 200;

/// One server, as a client sees it.
#[derive(Clone, Debug)]
pub struct Target {
    pub kind: Kind,
    pub url: String,
    /// The room every member joins (the bare server has one, implicit: 0).
    pub room: RoomId,
    /// Bearer tokens; connection `i` uses `tokens[i % len]` (Switchboard only).
    pub tokens: Vec<String>,
    /// Whether connections join the room after connecting.
    pub join: bool,
}

impl Target {
    /// A target on the bare server.
    pub fn bare(server: &Server) -> Target {
        Target {
            kind: Kind::Bare,
            url: server.ws_url(),
            room: RoomId(0),
            tokens: Vec::new(),
            join: false,
        }
    }

    /// Registers `users` accounts on a Switchboard server and, if `join`,
    /// creates the room they will all join.
    pub async fn switchboard(server: &Server, users: usize, join: bool) -> anyhow::Result<Target> {
        let http = http_client()?;
        let base = server.http_base();
        let gate = std::sync::Arc::new(Semaphore::new(REGISTER_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..users.max(1) {
            let (http, base, gate) = (http.clone(), base.clone(), gate.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire().await.context("semaphore closed")?;
                register(&http, &base, &format!("lt{i}")).await
            });
        }
        let mut tokens = Vec::with_capacity(users);
        while let Some(done) = tasks.join_next().await {
            tokens.push(done.context("registration task")??);
        }
        let room = if join {
            create_room(&http, &base, &tokens[0], "loadtest").await?
        } else {
            RoomId(0)
        };
        Ok(Target {
            kind: Kind::Switchboard,
            url: server.ws_url(),
            room,
            tokens,
            join,
        })
    }

    /// Room `n` on the bare server (`/ws?room=n`).
    pub fn bare_room(server: &Server, n: u32) -> Target {
        Target {
            url: format!("{}?room={n}", server.ws_url()),
            room: RoomId(i64::from(n)),
            ..Target::bare(server)
        }
    }

    /// The same accounts in another new room, `name`, created by account
    /// `by` (a user may create only a few rooms a minute).
    pub async fn another_room(
        &self,
        server: &Server,
        name: &str,
        by: usize,
    ) -> anyhow::Result<Target> {
        let http = http_client()?;
        let token = &self.tokens[by % self.tokens.len()];
        Ok(Target {
            room: create_room(&http, &server.http_base(), token, name).await?,
            ..self.clone()
        })
    }

    /// The same room and accounts on another node of the same cluster (the
    /// nodes share one database, so they know both).
    pub fn on(&self, server: &Server) -> Target {
        Target {
            url: server.ws_url(),
            ..self.clone()
        }
    }

    /// Opens connection number `i` and waits until it is ready to receive:
    /// for Switchboard, `hello` and (when joining) `history` and `presence`.
    pub async fn open(&self, i: usize, read_buffer: usize) -> anyhow::Result<Ws> {
        tokio::time::timeout(OPEN_TIMEOUT, self.open_inner(i, read_buffer))
            .await
            .context("timed out opening a connection")?
    }

    async fn open_inner(&self, i: usize, read_buffer: usize) -> anyhow::Result<Ws> {
        let mut req = self
            .url
            .as_str()
            .into_client_request()
            .context("building the request")?;
        if !self.tokens.is_empty() {
            let token = &self.tokens[i % self.tokens.len()];
            let value =
                HeaderValue::from_str(&format!("Bearer {token}")).context("token as header")?;
            req.headers_mut().insert("authorization", value);
        }
        let config = WebSocketConfig::default().read_buffer_size(read_buffer);
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true)
            .await
            .context("WebSocket handshake")?;
        if self.kind == Kind::Bare {
            return Ok(ws);
        }
        match next_frame(&mut ws).await? {
            ServerFrame::Hello { .. } => {}
            other => bail!("expected hello, got {other:?}"),
        }
        if !self.join {
            return Ok(ws);
        }
        let join = ClientFrame::Join {
            room: self.room,
            since: None,
            changes_since: None,
        };
        let text = serde_json::to_string(&join).context("encoding join")?;
        ws.send(Message::text(text)).await.context("sending join")?;
        let (mut history, mut presence) = (false, false);
        for _ in 0..JOIN_FRAMES {
            match next_frame(&mut ws).await? {
                ServerFrame::History { room, .. } if room == self.room => history = true,
                ServerFrame::Presence { room, .. } if room == self.room => presence = true,
                ServerFrame::Error(ErrorFrame { code, message, .. }) => {
                    bail!("join refused: {code:?}: {message}")
                }
                _ => {}
            }
            if history && presence {
                return Ok(ws);
            }
        }
        bail!("no history and presence within {JOIN_FRAMES} frames of joining")
    }
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")
}

async fn create_room(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
) -> anyhow::Result<RoomId> {
    let resp = http
        .post(format!("{base}/api/rooms"))
        .bearer_auth(token)
        .json(&CreateRoom {
            name: name.into(),
            visibility: Default::default(),
        })
        .send()
        .await
        .context("POST /api/rooms")?;
    let status = resp.status();
    if !status.is_success() {
        bail!(
            "POST /api/rooms: {status}: {}",
            resp.text().await.unwrap_or_default()
        );
    }
    Ok(resp
        .json::<RoomSummary>()
        .await
        .context("reading the new room")?
        .id)
}

async fn register(http: &reqwest::Client, base: &str, username: &str) -> anyhow::Result<String> {
    let creds = Credentials {
        username: username.to_owned(),
        password: "loadtest-password".to_owned(),
    };
    let resp = http
        .post(format!("{base}/api/auth/register"))
        .json(&creds)
        .send()
        .await
        .with_context(|| format!("registering {username}"))?;
    let status = resp.status();
    if !status.is_success() {
        bail!(
            "registering {username}: {status}: {}",
            resp.text().await.unwrap_or_default()
        );
    }
    Ok(resp
        .json::<AuthResponse>()
        .await
        .context("reading the token")?
        .token)
}

/// The next protocol frame, skipping pings and pongs.
async fn next_frame(ws: &mut Ws) -> anyhow::Result<ServerFrame> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str())
                    .with_context(|| format!("decoding {text}"));
            }
            Some(Ok(Message::Close(frame))) => bail!("closed by the server: {frame:?}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e).context("reading a frame"),
            None => bail!("connection ended"),
        }
    }
}
