//! Cluster faults, with clients that behave like the app: on any close they
//! reconnect (to another node if theirs is gone), join again with `since`,
//! and resend what was not acknowledged under the same `client_id`.
//!
//! - The broker (our own `redis-server` or `nats-server` on a free port, never
//!   the machine's) is killed and restarted mid-stream.
//! - A node (a real `server` process) is killed with SIGKILL mid-stream.
//!
//! Either way: every acknowledged message reaches the reader, none twice in
//! the database, none missing (0 lost, 0 gaps, 0 duplicates).

use crate::cluster::{unique_prefix, Cluster};
use crate::helpers::*;
use app::protocol::{ClientFrame, ErrorFrame, MessageId, RoomId, ServerFrame};
use std::{
    collections::BTreeSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

/// A broker process of our own, on a fixed port so it can be restarted there.
struct OwnBroker {
    child: std::process::Child,
    port: u16,
    nats: bool,
}

impl OwnBroker {
    async fn start(nats: bool) -> OwnBroker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Self::spawn(nats, port);
        let b = OwnBroker { child, port, nats };
        b.wait_listening().await;
        b
    }

    fn spawn(nats: bool, port: u16) -> std::process::Child {
        let mut cmd = if nats {
            let mut c = std::process::Command::new("nats-server");
            c.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
            c
        } else {
            let mut c = std::process::Command::new("redis-server");
            c.args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]);
            c
        };
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the broker starts (redis-server / nats-server installed)")
    }

    async fn wait_listening(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the broker did not listen"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn url(&self) -> String {
        let scheme = if self.nats { "nats" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn restart(&mut self) {
        self.child = Self::spawn(self.nats, self.port);
        self.wait_listening().await;
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A socket, or `None` while the node refuses (down, or not up yet).
async fn try_connect(addr: SocketAddr, token: &str) -> Option<Client> {
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let (ws, _) = tokio::time::timeout(
        Duration::from_secs(2),
        tokio_tungstenite::connect_async(req),
    )
    .await
    .ok()?
    .ok()?;
    let mut c = Client::new(ws);
    match c.next_or_close(WAIT).await {
        Ok(ServerFrame::Hello { .. }) => Some(c),
        _ => None,
    }
}

/// Connects to the first node of `addrs` that answers, from `from` on,
/// retrying for up to [`WAIT`]; returns the client and the node's index.
async fn connect_any(addrs: &[SocketAddr], token: &str, from: usize) -> (Client, usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut i = from;
    loop {
        if let Some(c) = try_connect(addrs[i % addrs.len()], token).await {
            return (c, i % addrs.len());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no node took the connection"
        );
        i += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a reading client saw.
#[derive(Default)]
struct Seen {
    ids: BTreeSet<MessageId>,
    closes: Vec<Option<u16>>,
    /// Who the reader believes is online in the room (its `presence`
    /// snapshots, then `presence_changed`), as the app keeps it.
    online: BTreeSet<String>,
}

/// Reads `room` for ever (until aborted), resuming after every close.
async fn read_resuming(
    addrs: Vec<SocketAddr>,
    token: String,
    room: RoomId,
    seen: Arc<Mutex<Seen>>,
) {
    let mut node = 0;
    loop {
        let (mut c, at) = connect_any(&addrs, &token, node).await;
        node = at;
        let since = seen.lock().unwrap().ids.last().copied();
        let join = ClientFrame::Join {
            room,
            since,
            changes_since: None,
        };
        if !c.try_send(&join).await {
            continue;
        }
        loop {
            match c.next_or_close(Duration::from_secs(120)).await {
                Ok(ServerFrame::History { messages, .. }) => seen
                    .lock()
                    .unwrap()
                    .ids
                    .extend(messages.iter().map(|m| m.id)),
                Ok(ServerFrame::Message(m)) => {
                    seen.lock().unwrap().ids.insert(m.id);
                }
                Ok(ServerFrame::Presence { online, .. }) => {
                    seen.lock().unwrap().online = online.into_iter().collect()
                }
                Ok(ServerFrame::PresenceChanged { user, online, .. }) => {
                    let mut seen = seen.lock().unwrap();
                    if online {
                        seen.online.insert(user);
                    } else {
                        seen.online.remove(&user);
                    }
                }
                Ok(_) => {}
                Err(code) => {
                    seen.lock().unwrap().closes.push(code);
                    break;
                }
            }
        }
    }
}

/// Sends `n` messages, each acknowledged before the next, resuming (and
/// resending under the same `client_id`) after every close. `at` is called
/// with the count acknowledged so far, after each ack. Returns the ids.
async fn send_resuming(
    addrs: &[SocketAddr],
    token: &str,
    room: RoomId,
    n: usize,
    mut at: impl AsyncFnMut(usize),
) -> (Vec<MessageId>, usize) {
    let mut conn: Option<Client> = None;
    let mut node = 0;
    let mut connects = 0;
    let mut acked = Vec::new();
    while acked.len() < n {
        let c = match &mut conn {
            Some(c) => c,
            None => {
                let (mut fresh, at_node) = connect_any(addrs, token, node).await;
                node = at_node;
                connects += 1;
                let join = ClientFrame::Join {
                    room,
                    since: acked.last().copied(),
                    changes_since: None,
                };
                if !fresh.try_send(&join).await {
                    continue;
                }
                conn.insert(fresh)
            }
        };
        let cid = format!("m{}", acked.len());
        let send = ClientFrame::Send {
            room,
            body: format!("message {}", acked.len()),
            client_id: cid.clone(),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        };
        // Any failure: reconnect (to the next node if this one is gone),
        // join again and send the same client_id again.
        let mut lost = !c.try_send(&send).await;
        while !lost {
            match c.next_or_close(Duration::from_secs(60)).await {
                Ok(ServerFrame::Ack { client_id, id, .. }) if client_id == cid => {
                    acked.push(id);
                    at(acked.len()).await;
                    break;
                }
                Ok(ServerFrame::Error(ErrorFrame {
                    client_id: Some(x), ..
                })) if x == cid => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    break; // not acknowledged: sent again next round
                }
                Ok(_) => {}
                Err(_) => lost = true,
            }
        }
        if lost {
            conn = None;
            node += 1;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (acked, connects - 1)
}

/// Waits until `seen` holds every id in `acked`.
async fn all_arrive(seen: &Mutex<Seen>, acked: &[MessageId]) {
    let want: BTreeSet<MessageId> = acked.iter().copied().collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let missing: Vec<MessageId> = want
            .difference(&seen.lock().unwrap().ids)
            .copied()
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} acknowledged messages never arrived: {:?}",
            missing.len(),
            &missing[..missing.len().min(10)]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_broker_restart_mid_stream_loses_nothing(nats: bool) {
    let mut broker = OwnBroker::start(nats).await;
    let Some(c) = Cluster::start(&broker.url(), 2, None).await else {
        return;
    };
    let [a, b] = &c.nodes[..] else { unreachable!() };
    let ann = a.register("ann").await;
    let bob = b.register("bob").await;
    let room = a.create_room(&ann.token, "lobby").await.id;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let reader = tokio::spawn(read_resuming(
        vec![b.addr],
        bob.token.clone(),
        room,
        seen.clone(),
    ));

    // Quiet for longer than the broker connection's keep-alive: a healthy
    // bus closes nobody.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        seen.lock().unwrap().closes.is_empty(),
        "a healthy bus resynced clients"
    );

    let n = 150;
    let (acked, _) = send_resuming(&[a.addr], &ann.token, room, n, async |done| {
        if done == 50 {
            broker.kill();
            tokio::time::sleep(Duration::from_secs(1)).await;
            broker.restart().await;
        }
    })
    .await;
    assert_eq!(acked.len(), n);
    all_arrive(&seen, &acked).await;
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.closes
                .contains(&Some(app::protocol::close::SERVICE_RESTART)),
            "the reader was told to resync: {:?}",
            seen.closes
        );
        let extra: Vec<_> = seen.ids.iter().filter(|id| !acked.contains(id)).collect();
        assert!(extra.is_empty(), "messages nobody sent: {extra:?}");
    }
    // Resends were stored once.
    let stored = a
        .state
        .store
        .messages_before(room, None, 1000)
        .await
        .unwrap();
    assert_eq!(stored.len(), n, "one row per message");
    reader.abort();
    c.stop().await;
}

#[tokio::test]
async fn a_redis_restart_mid_stream_loses_nothing() {
    a_broker_restart_mid_stream_loses_nothing(false).await
}

#[tokio::test]
async fn a_nats_restart_mid_stream_loses_nothing() {
    a_broker_restart_mid_stream_loses_nothing(true).await
}

#[tokio::test]
async fn a_node_killed_mid_stream_loses_nothing_on_redis() {
    a_node_killed_mid_stream_loses_nothing_and_its_users_go_offline(crate::cluster::Bus::Redis)
        .await
}

#[tokio::test]
async fn a_node_killed_mid_stream_loses_nothing_on_nats() {
    a_node_killed_mid_stream_loses_nothing_and_its_users_go_offline(crate::cluster::Bus::Nats).await
}

async fn a_node_killed_mid_stream_loses_nothing_and_its_users_go_offline(bus: crate::cluster::Bus) {
    let Some(db) = fresh_postgres_database().await else {
        return;
    };
    let bus = bus.url();
    let prefix = unique_prefix();
    let env = [
        ("DATABASE_URL", db.as_str()),
        ("SWITCHBOARD_BUS", bus.as_str()),
        ("SWITCHBOARD_BUS_PREFIX", prefix.as_str()),
        ("SWITCHBOARD_RATE_PER_SEC", "1000"),
        ("SWITCHBOARD_RATE_BURST", "1000"),
    ];
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(start_server_binary(&env).await);
    }
    let http = reqwest::Client::new();
    for n in &nodes {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let body: serde_json::Value = http
                .get(format!("http://{}/readyz", n.addr))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if body["ready"] == true && body["peers"] == 2 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "not ready: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let ann = register_at(&http, addrs[0], "ann").await.token;
    let bob = register_at(&http, addrs[1], "bob").await.token;
    let ghost = register_at(&http, addrs[2], "ghost").await.token;
    let room = create_room_at(&http, addrs[0], &ann, "lobby").await.id;

    // The ghost is only on the node that will die.
    let mut g = try_connect(addrs[0], &ghost).await.expect("ghost connects");
    g.send(&ClientFrame::Join {
        room,
        since: None,
        changes_since: None,
    })
    .await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let reader = tokio::spawn(read_resuming(
        vec![addrs[1]],
        bob.clone(),
        room,
        seen.clone(),
    ));

    let ghost_seen = tokio::time::Instant::now() + WAIT;
    while !seen.lock().unwrap().online.contains("ghost") {
        assert!(
            tokio::time::Instant::now() < ghost_seen,
            "bob never saw the ghost online"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let n = 100;
    let victim = std::cell::RefCell::new(Some(nodes.remove(0)));
    let (acked, reconnects) = send_resuming(&[addrs[0], addrs[2]], &ann, room, n, async |done| {
        if done == 30 {
            if let Some(mut v) = victim.borrow_mut().take() {
                v.kill9();
            }
        }
    })
    .await;
    drop(g);
    assert_eq!(acked.len(), n);
    assert!(reconnects >= 1, "the sender moved to another node");
    all_arrive(&seen, &acked).await;

    // Its users go offline on the other nodes once it has been silent for
    // the peer TTL (10 s), without any goodbye.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while seen.lock().unwrap().online.contains("ghost") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dead node's user never went offline"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stored: app::protocol::MessagePage = http
        .get(format!(
            "http://{}/api/rooms/{}/messages?limit=200",
            addrs[1], room
        ))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let distinct: BTreeSet<MessageId> = stored.messages.iter().map(|m| m.id).collect();
    assert_eq!(
        (stored.messages.len(), distinct.len()),
        (n, n),
        "one row per message"
    );
    reader.abort();
}
