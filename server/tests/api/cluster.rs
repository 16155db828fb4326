//! Cluster mode: three real nodes (each a full `Application` on port 0) on
//! one fresh PostgreSQL database and one bus, on Redis and on NATS — the
//! ones running on this machine (`TEST_REDIS_URL`, `TEST_NATS_URL`). Each
//! cluster gets its own subject prefix, so tests share the brokers safely.
//!
//! What crosses nodes: chat messages, edits, deletes, typing and presence;
//! announcements to every kind of target, with receipts; role changes and
//! logouts closing sockets elsewhere; the support desk with agent and visitor
//! on different nodes; routing that never exceeds capacity under concurrent
//! opens on three nodes; a schedule that fires once with three schedulers.
//! Faults (a broker restarted mid-stream) live in `cluster_faults.rs`.

use crate::helpers::*;
use crate::support::{
    agent_online, assigned, join as support_join, make_agent, open, say, send, visitor,
    visitor_cookie, Staff,
};
use app::protocol::{close, Announcement, ClientFrame, PushResponse, ServerFrame, SupportTyping};
use chrono::{Duration as ChronoDuration, SubsecRound, Utc};
use serde_json::json;
use std::{sync::Arc, time::Duration};
use switchboard::scheduler::{Clock, ManualClock, SystemClock};

#[derive(Clone, Copy, Debug)]
pub enum Bus {
    Redis,
    Nats,
}

impl Bus {
    pub fn url(self) -> String {
        match self {
            Bus::Redis => {
                std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
            }
            Bus::Nats => {
                std::env::var("TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
            }
        }
    }
}

/// A subject prefix no other test uses.
pub fn unique_prefix() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("sbt{}x{}", std::process::id(), now.as_nanos())
}

pub struct Cluster {
    pub nodes: Vec<TestApp>,
}

impl Cluster {
    /// `n` nodes on a fresh PostgreSQL database and `bus` at `url`, each
    /// connected and aware of the others. `None` when PostgreSQL is
    /// unavailable and not required (see `fresh_postgres_database`).
    pub async fn start(
        bus_url: &str,
        n: usize,
        clock: Option<Arc<ManualClock>>,
    ) -> Option<Cluster> {
        let db = fresh_postgres_database().await?;
        let prefix = unique_prefix();
        let mut nodes = Vec::new();
        for _ in 0..n {
            let clock: Arc<dyn Clock> = match &clock {
                Some(c) => c.clone(),
                None => Arc::new(SystemClock),
            };
            let url = bus_url.to_owned();
            let prefix = prefix.clone();
            nodes.push(
                spawn_app_with_clock(Db::Url(db.clone()), clock, move |s| {
                    s.bus = Some(url);
                    s.bus_prefix = prefix;
                })
                .await,
            );
        }
        let cluster = Cluster { nodes };
        cluster.settled(n - 1).await;
        Some(cluster)
    }

    /// Waits until every node is connected to the bus and knows `peers` others.
    pub async fn settled(&self, peers: usize) {
        eventually("every node connected and aware of the others", || {
            self.nodes.iter().all(|a| {
                a.state.bus.as_ref().is_some_and(|b| b.connected())
                    && a.state.hub.peer_count() == peers
            })
        })
        .await;
    }

    pub async fn stop(self) {
        for n in self.nodes {
            n.stop().await;
        }
    }
}

/// [`staff`] for a cluster: the agents are promoted on the first node, and
/// this returns once every other node has applied the change too. A node
/// closes the sockets of a user whose role changed (4003) when the bus brings
/// it the news, so an agent socket opened on another node before that would
/// be closed under the test's feet; here a probe socket per other node waits
/// for that close.
async fn cluster_staff(c: &Cluster, agents: &[&str]) -> Staff {
    let first = &c.nodes[0];
    let admin = first.register("boss").await.token;
    let mut out = Vec::new();
    for name in agents {
        let a = first.register(name).await;
        let mut probes = Vec::new();
        for node in &c.nodes[1..] {
            probes.push(node.connect(&a.token).await);
        }
        make_agent(first, &admin, a.user.id).await;
        for mut probe in probes {
            assert_eq!(probe.closed().await, close::ROLE_CHANGED);
        }
        out.push((a.user.id, a.token));
    }
    Staff { admin, agents: out }
}

/// Polls an async `cond` until it holds, for up to [`WAIT`].
pub async fn until<F: std::future::Future<Output = bool>>(what: &str, cond: impl Fn() -> F) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `cond` until it holds, for up to [`WAIT`].
pub async fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

macro_rules! on_both_buses {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_redis() {
                super::$name(super::Bus::Redis).await
            }
            #[tokio::test]
            async fn on_nats() {
                super::$name(super::Bus::Nats).await
            }
        }
    };
}

on_both_buses!(chat_crosses_nodes);
on_both_buses!(announcements_roles_and_logouts_cross_nodes);
on_both_buses!(a_visitor_on_one_node_is_answered_from_another);
on_both_buses!(concurrent_opens_on_three_nodes_never_exceed_capacity);
on_both_buses!(a_schedule_fires_once_with_three_schedulers);
on_both_buses!(a_removal_on_one_node_stops_delivery_on_another);

async fn chat_crosses_nodes(bus: Bus) {
    let Some(c) = Cluster::start(&bus.url(), 3, None).await else {
        return;
    };
    let [a, b, cc] = &c.nodes[..] else {
        unreachable!()
    };
    let ann = a.register("ann").await; // the first account: admin
    let bob = b.register("bob").await;
    let cat = cc.register("cat").await;
    let room = a.create_room(&ann.token, "lobby").await.id;

    let mut ca = a.connect(&ann.token).await;
    let mut cb = b.connect(&bob.token).await;
    let mut ccat = cc.connect(&cat.token).await;
    ca.join(room, None).await;
    cb.join(room, None).await;
    ccat.join(room, None).await;
    // Presence is the union of every node's.
    for n in &c.nodes {
        eventually("everyone online everywhere", || {
            n.state.hub.online(room) == ["ann", "bob", "cat"]
        })
        .await;
    }

    // Sent on A, acknowledged on A, received on B and C with the same id.
    let id = ca.post(room, "hello from A", "a-1").await;
    for client in [&mut cb, &mut ccat] {
        match client
            .recv_until(|f| matches!(f, ServerFrame::Message(_)))
            .await
        {
            ServerFrame::Message(m) => assert_eq!((m.id, m.body.as_str()), (id, "hello from A")),
            _ => unreachable!(),
        }
    }

    // An edit on B and an admin's delete on A reach the other nodes.
    let mine = cb.post(room, "bob's", "b-1").await;
    cb.send(&ClientFrame::Edit {
        id: mine,
        body: "bob's, edited".into(),
    })
    .await;
    match ccat
        .recv_until(|f| matches!(f, ServerFrame::Edited { .. }))
        .await
    {
        ServerFrame::Edited { id, body, .. } => {
            assert_eq!((id, body.as_str()), (mine, "bob's, edited"))
        }
        _ => unreachable!(),
    }
    ca.send(&ClientFrame::Delete { id: mine }).await;
    match ccat
        .recv_until(|f| matches!(f, ServerFrame::Deleted { .. }))
        .await
    {
        ServerFrame::Deleted { id, .. } => assert_eq!(id, mine),
        _ => unreachable!(),
    }

    // Typing on C reaches A, never its sender.
    ccat.send(&ClientFrame::Typing { room }).await;
    match ca
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await
    {
        ServerFrame::Typing { user, .. } => assert_eq!(user, "cat"),
        _ => unreachable!(),
    }

    // Cat leaves C: A hears cat go offline.
    drop(ccat);
    match ca
        .recv_until(|f| matches!(f, ServerFrame::PresenceChanged { online: false, .. }))
        .await
    {
        ServerFrame::PresenceChanged { user, .. } => assert_eq!(user, "cat"),
        _ => unreachable!(),
    }
    // A second tab of bob's on C: when it closes, bob is still online (on B).
    let mut cb2 = cc.connect(&bob.token).await;
    cb2.join(room, None).await;
    drop(cb2);
    ca.post(room, "marker", "a-2").await;
    let next = ca
        .recv_until(|f| {
            matches!(
                f,
                ServerFrame::PresenceChanged { .. } | ServerFrame::Message(_)
            )
        })
        .await;
    assert!(
        matches!(&next, ServerFrame::Message(m) if m.body == "marker"),
        "bob still has a tab on B, so nobody went offline: {next:?}"
    );
    assert!(a.state.hub.online(room).contains(&"bob".to_owned()));
    c.stop().await;
}

/// A member removed from a private room through node A, while connected to
/// node B, is told on B and gets nothing of the room after it: the removal is
/// a publication every node applies to its own connections.
async fn a_removal_on_one_node_stops_delivery_on_another(bus: Bus) {
    use crate::rooms_access::{error_code, frames_so_far, nothing_of};
    use app::protocol::{ErrorCode, RoomSummary};
    let Some(c) = Cluster::start(&bus.url(), 2, None).await else {
        return;
    };
    let [a, b] = &c.nodes[..] else { unreachable!() };
    let ann = a.register("ann").await;
    let bob = a.register("bob").await;
    let room: RoomSummary = a
        .ok(
            "POST",
            "/api/rooms",
            &ann.token,
            Some(json!({"name": "team", "visibility": "private"})),
        )
        .await;
    let room = room.id;
    let lobby = a.create_room(&ann.token, "lobby").await.id;
    let members = format!("/api/rooms/{room}/members");
    let added = a
        .call(
            "POST",
            &members,
            &ann.token,
            Some(json!({"user": bob.user.id})),
        )
        .await;
    assert_eq!(added.status(), 201);

    let mut ca = a.connect(&ann.token).await;
    let mut cb = b.connect(&bob.token).await;
    ca.join(room, None).await;
    ca.join(lobby, None).await;
    cb.join(room, None).await;
    cb.join(lobby, None).await;
    let before = ca.post(room, "before", "a-1").await;
    match cb
        .recv_until(|f| matches!(f, ServerFrame::Message(_)))
        .await
    {
        ServerFrame::Message(m) => assert_eq!(m.id, before),
        _ => unreachable!(),
    }

    // A mute and an archiving decided on A silence bob on B at once, and
    // lifting them frees him there as fast.
    let mutes = format!("/api/rooms/{room}/mutes");
    let muted = a
        .call(
            "POST",
            &mutes,
            &ann.token,
            Some(json!({"user": bob.user.id, "minutes": 5})),
        )
        .await;
    assert_eq!(muted.status(), 200);
    cb.recv_until(|f| matches!(f, ServerFrame::Muted { room: r, until: Some(_) } if *r == room))
        .await;
    cb.send(&ClientFrame::Send {
        room,
        body: "muted?".into(),
        client_id: "b-m".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    assert_eq!(error_code(&mut cb).await, ErrorCode::Muted);
    let unmuted = a
        .call(
            "DELETE",
            &format!("{mutes}/{}", bob.user.id),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(unmuted.status(), 204);
    cb.recv_until(|f| matches!(f, ServerFrame::Muted { room: r, until: None } if *r == room))
        .await;
    cb.post(room, "free again", "b-f").await;
    let lobby_path = format!("/api/rooms/{lobby}");
    let archive = |archived: bool| {
        a.call(
            "PATCH",
            &lobby_path,
            &ann.token,
            Some(json!({ "archived": archived })),
        )
    };
    assert_eq!(archive(true).await.status(), 200);
    cb.recv_until(|f| matches!(f, ServerFrame::RoomUpdated(s) if s.room == lobby && s.archived))
        .await;
    cb.send(&ClientFrame::Send {
        room: lobby,
        body: "archived?".into(),
        client_id: "b-a".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    assert_eq!(error_code(&mut cb).await, ErrorCode::RoomArchived);
    assert_eq!(archive(false).await.status(), 200);
    cb.recv_until(|f| matches!(f, ServerFrame::RoomUpdated(s) if s.room == lobby && !s.archived))
        .await;
    // Whatever the above left queued for bob (his own message's copy) is
    // read now, so what follows the removal is judged alone.
    frames_so_far(&mut cb).await;
    // A's own connection heard the reopening before the marker below.
    ca.recv_until(|f| matches!(f, ServerFrame::RoomUpdated(s) if s.room == lobby && !s.archived))
        .await;

    let resp = a
        .call(
            "DELETE",
            &format!("{members}/{}", bob.user.id),
            &ann.token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 204);
    cb.recv_until(|f| matches!(f, ServerFrame::MemberRemoved { room: r, .. } if *r == room))
        .await;
    // What A publishes next crosses the bus in order: the lobby's message
    // reaches bob after the room's would have.
    ca.post(room, "after", "a-2").await;
    ca.post(lobby, "marker", "a-3").await;
    let mut frames = Vec::new();
    loop {
        match cb.recv().await {
            ServerFrame::Message(m) if m.room == lobby => break,
            f => frames.push(f),
        }
    }
    frames.extend(frames_so_far(&mut cb).await);
    nothing_of(&frames, room);
    cb.send(&ClientFrame::Send {
        room,
        body: "still here?".into(),
        client_id: "b-1".into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    })
    .await;
    assert_eq!(error_code(&mut cb).await, ErrorCode::NotFound);
    c.stop().await;
}

async fn next_announcement(c: &mut Client) -> Announcement {
    match c
        .recv_until(|f| matches!(f, ServerFrame::Announcement(_)))
        .await
    {
        ServerFrame::Announcement(a) => a,
        _ => unreachable!(),
    }
}

async fn announcements_roles_and_logouts_cross_nodes(bus: Bus) {
    let Some(c) = Cluster::start(&bus.url(), 3, None).await else {
        return;
    };
    let [a, b, cc] = &c.nodes[..] else {
        unreachable!()
    };
    let desk = cluster_staff(&c, &["agnes"]).await;
    let bob = b.register("bob").await;
    let mut cbob = b.connect(&bob.token).await;
    let mut cagent = cc.connect(&desk.agents[0].1).await;
    let cookie = visitor_cookie(b).await;
    let (mut cvis, _) = visitor(b, &cookie).await;

    let push = |target: serde_json::Value, body: &str| {
        let body = json!({"body": body, "target": target});
        let admin = desk.admin.clone();
        async move {
            let a: PushResponse = a.ok("POST", "/api/push", &admin, Some(body)).await;
            a
        }
    };
    let all = push(json!({"kind": "all"}), "to all").await;
    assert_eq!(next_announcement(&mut cbob).await.id, all.id);
    assert_eq!(next_announcement(&mut cagent).await.id, all.id);
    // Receipts are recorded by the nodes that delivered.
    until("both receipts recorded", || async {
        let stats = a.state.store.announcement_stats(all.id).await.unwrap();
        stats.is_some_and(|s| s.delivered == 2)
    })
    .await;

    let agents = push(json!({"kind": "agents"}), "to agents").await;
    assert_eq!(next_announcement(&mut cagent).await.id, agents.id);
    let to_bob = push(json!({"kind": "user", "user": bob.user.id}), "to bob").await;
    assert_eq!(
        next_announcement(&mut cbob).await.id,
        to_bob.id,
        "bob got nothing meant for agents"
    );
    let visitors = push(json!({"kind": "visitors"}), "to visitors").await;
    assert_eq!(next_announcement(&mut cvis).await.id, visitors.id);

    // A role change made on A closes bob's socket on B (4003).
    let resp = a
        .call(
            "PATCH",
            &format!("/api/users/{}", bob.user.id),
            &desk.admin,
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cbob.closed().await, close::ROLE_CHANGED);

    // A logout on A closes that session's socket on C (4001).
    let mut again = cc.connect(&bob.token).await;
    let resp = a.call("POST", "/api/auth/logout", &bob.token, None).await;
    assert!(resp.status().is_success());
    assert_eq!(again.closed().await, close::SESSION_ENDED);

    // A deactivation on A closes bob's sockets on B and C (4001), and his
    // token is refused on every node.
    let fresh: app::protocol::AuthResponse =
        a.login("bob", "password123").await.json().await.unwrap();
    let mut on_b = b.connect(&fresh.token).await;
    let mut on_c = cc.connect(&fresh.token).await;
    let resp = a
        .call(
            "PATCH",
            &format!("/api/users/{}", bob.user.id),
            &desk.admin,
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(on_b.closed().await, close::SESSION_ENDED);
    assert_eq!(on_c.closed().await, close::SESSION_ENDED);
    for node in [b, cc] {
        let me = node.call("GET", "/api/me", &fresh.token, None).await;
        assert_eq!(me.status(), 401);
    }
    c.stop().await;
}

async fn a_visitor_on_one_node_is_answered_from_another(bus: Bus) {
    let Some(c) = Cluster::start(&bus.url(), 3, None).await else {
        return;
    };
    let [a, b, _] = &c.nodes[..] else {
        unreachable!()
    };
    let desk = cluster_staff(&c, &["agnes"]).await;
    let (agnes, token) = desk.agents[0].clone();
    // The agent is online on B; routing runs on every node.
    let mut agent = agent_online(b, &token).await;
    eventually("A knows the agent is online", || {
        a.state.desk.online_agents() == [agnes]
    })
    .await;

    let cookie = visitor_cookie(a).await;
    let (mut v, _) = visitor(a, &cookie).await;
    let conv = open(&mut v, "where is my parcel?", "v-1").await;
    assert_eq!(
        assigned(&mut v, conv).await,
        Some(agnes),
        "routed to the agent on B"
    );
    match agent
        .recv_until(|f| matches!(f, ServerFrame::SupportConversation(r) if r.id == conv))
        .await
    {
        ServerFrame::SupportConversation(row) => assert_eq!(row.id, conv),
        _ => unreachable!(),
    }
    let history = support_join(&mut agent, conv, None).await;
    assert!(history.iter().any(|m| m.body == "where is my parcel?"));

    // The reply on B reaches the visitor on A; the visitor's typing on A reaches B.
    say(&mut agent, send(conv, "on its way", "g-1")).await;
    match v
        .recv_until(|f| matches!(f, ServerFrame::SupportMessage(m) if m.body == "on its way"))
        .await
    {
        ServerFrame::SupportMessage(m) => assert_eq!(m.conversation, conv),
        _ => unreachable!(),
    }
    v.send(&ClientFrame::SupportTyping { conversation: conv })
        .await;
    agent
        .recv_until(|f| matches!(f, ServerFrame::SupportTyping(SupportTyping { conversation, .. }) if *conversation == conv))
        .await;
    c.stop().await;
}

async fn concurrent_opens_on_three_nodes_never_exceed_capacity(bus: Bus) {
    let Some(c) = Cluster::start(&bus.url(), 3, None).await else {
        return;
    };
    let [a, b, cc] = &c.nodes[..] else {
        unreachable!()
    };
    let desk = cluster_staff(&c, &["agnes", "arne"]).await;
    for (id, _) in &desk.agents {
        let resp = a
            .call(
                "PATCH",
                &format!("/api/support/agents/{id}"),
                &desk.admin,
                Some(json!({"capacity": 3})),
            )
            .await;
        assert!(resp.status().is_success(), "{}", resp.status());
    }
    let _agnes = agent_online(b, &desk.agents[0].1).await;
    let _arne = agent_online(cc, &desk.agents[1].1).await;
    for n in &c.nodes {
        eventually("both agents online everywhere", || {
            n.state.desk.online_agents().len() == 2
        })
        .await;
    }

    // Twenty visitors, spread over the three nodes, open at the same moment.
    let mut visitors = Vec::new();
    for i in 0..20 {
        let node = &c.nodes[i % 3];
        let cookie = visitor_cookie(node).await;
        visitors.push(visitor(node, &cookie).await.0);
    }
    let opens = visitors.iter_mut().enumerate().map(|(i, v)| {
        let cid = format!("v-{i}");
        async move { open(v, "help", &cid).await }
    });
    let conversations = futures_util::future::join_all(opens).await;
    assert_eq!(conversations.len(), 20);

    // Routing settles on every node; then: 3 each, 14 waiting, none twice.
    for n in &c.nodes {
        n.state.desk.settle().await;
    }
    let store = &a.state.store;
    until("six conversations assigned", || async {
        store.open_loads().await.unwrap().values().sum::<i64>() == 6
    })
    .await;
    for n in &c.nodes {
        n.state.desk.settle().await;
    }
    let loads = store.open_loads().await.unwrap();
    for (id, _) in &desk.agents {
        assert_eq!(loads.get(id).copied(), Some(3), "agent {id}: {loads:?}");
    }
    assert_eq!(store.queue().await.unwrap().len(), 14);
    // Each conversation was assigned at most once: one "Assigned to" line.
    for conv in &conversations {
        let lines = store
            .support_messages(*conv, None, true, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.body.starts_with("Assigned to"))
            .count();
        assert!(lines <= 1, "conversation {conv} assigned {lines} times");
    }
    c.stop().await;
}

async fn a_schedule_fires_once_with_three_schedulers(bus: Bus) {
    let t0 = Utc::now().trunc_subsecs(0);
    let clock = Arc::new(ManualClock::new(t0));
    let Some(c) = Cluster::start(&bus.url(), 3, Some(clock.clone())).await else {
        return;
    };
    let a = &c.nodes[0];
    let admin = a.register("boss").await;
    let mut clients = Vec::new();
    for (i, n) in c.nodes.iter().enumerate() {
        let u = n.register(&format!("user{i}")).await;
        clients.push((u.user.id, n.connect(&u.token).await));
    }
    let due = t0 + ChronoDuration::seconds(60);
    let _s: serde_json::Value = a
        .ok(
            "POST",
            "/api/schedules",
            &admin.token,
            Some(json!({"body": "standup", "target": {"kind": "all"},
                        "at": due.to_rfc3339(), "zone": "UTC"})),
        )
        .await;
    clock.advance(ChronoDuration::seconds(61));
    for n in &c.nodes {
        n.state.scheduler.settle().await;
    }
    let mut ids = Vec::new();
    for (_, cl) in clients.iter_mut() {
        ids.push(next_announcement(cl).await.id);
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one announcement: {ids:?}"
    );
    // And no second one: the next announcement each gets is a marker.
    for (user, cl) in clients.iter_mut() {
        let marker: PushResponse = a
            .ok(
                "POST",
                "/api/push",
                &admin.token,
                Some(json!({"body": "marker", "target": {"kind": "user", "user": user}})),
            )
            .await;
        assert_eq!(
            next_announcement(cl).await.id,
            marker.id,
            "the schedule fired twice"
        );
    }
    c.stop().await;
}

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    let Some(db) = fresh_postgres_database().await else {
        return;
    };
    let connects = (0..3).map(|_| switchboard::store::Store::connect(&db));
    for r in futures_util::future::join_all(connects).await {
        r.expect("every node starts");
    }
    let store = switchboard::store::Store::connect(&db).await.unwrap();
    assert_eq!(store.backend_name(), "postgres");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db)
        .await
        .unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let files = std::fs::read_dir("migrations/postgres").unwrap().count() as i64;
    assert_eq!(applied, files, "each migration applied once");
}

#[tokio::test]
async fn a_bus_with_sqlite_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = switchboard::config::Settings::defaults();
    settings.addr = "127.0.0.1:0".parse().unwrap();
    settings.database_url = format!("sqlite://{}/x.db", dir.path().display());
    settings.bus = Some(Bus::Redis.url());
    let err = switchboard::startup::Application::build(settings, leptos_options())
        .await
        .err()
        .expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("PostgreSQL"), "{text}");
}

#[tokio::test]
async fn readyz_reports_the_bus_and_healthz_the_process() {
    let Some(c) = Cluster::start(&Bus::Redis.url(), 2, None).await else {
        return;
    };
    let a = &c.nodes[0];
    let health = a.http.get(a.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = a.http.get(a.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["bus"], "connected");
    assert_eq!(body["database"], true);
    assert_eq!(body["peers"], 1);
    // The bus is counted (the recorder is process-wide, so only names are checked).
    let metrics = a
        .http
        .get(a.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "switchboard_bus_published_total",
        "switchboard_bus_received_total",
        "switchboard_bus_lag_seconds_bucket",
    ] {
        assert!(metrics.contains(name), "{name} missing");
    }
    c.stop().await;
    // One node, no bus: ready without one.
    let single = spawn_app().await;
    let body: serde_json::Value = single
        .http
        .get(single.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["ready"].clone(), body["bus"].clone()),
        (json!(true), json!("none"))
    );
    single.stop().await;
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format_and_can_be_locked() {
    let app = spawn_app_with(Db::Sqlite, |s| s.metrics_token = Some("m3tr1cs".into())).await;
    let ann = app.register("ann").await;
    let room = app.create_room(&ann.token, "lobby").await.id;
    let mut c = app.connect(&ann.token).await;
    c.join(room, None).await;
    c.post(room, "counted", "c-1").await;

    let open = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(open.status(), 401, "the token is asked for");
    let resp = app
        .http
        .get(app.url("/metrics"))
        .bearer_auth("m3tr1cs")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = resp.text().await.unwrap();
    for name in [
        "switchboard_connections{kind=\"member\"}",
        "switchboard_frames_in_total",
        "switchboard_frames_out_total",
        "switchboard_deliveries_total{topic=\"room\"}",
        "switchboard_ack_seconds_bucket",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    app.stop().await;
}

on_both_buses!(a_node_that_drains_says_goodbye);

async fn a_node_that_drains_says_goodbye(bus: Bus) {
    let Some(mut c) = Cluster::start(&bus.url(), 2, None).await else {
        return;
    };
    let b = c.nodes.pop().unwrap();
    let a = &c.nodes[0];
    let ann = a.register("ann").await;
    let bob = b.register("bob").await;
    let room = a.create_room(&ann.token, "lobby").await.id;
    let mut ca = a.connect(&ann.token).await;
    ca.join(room, None).await;
    let mut cb = b.connect(&bob.token).await;
    cb.join(room, None).await;
    eventually("bob online on A", || a.state.hub.online(room).len() == 2).await;

    // SIGTERM's path: bob's socket is told to reconnect elsewhere, and A
    // hears the goodbye at once — bob is offline long before the peer TTL.
    let started = std::time::Instant::now();
    let stopping = tokio::spawn(b.stop());
    assert_eq!(cb.closed().await, close::SERVICE_RESTART);
    match ca
        .recv_until(|f| matches!(f, ServerFrame::PresenceChanged { online: false, .. }))
        .await
    {
        ServerFrame::PresenceChanged { user, .. } => assert_eq!(user, "bob"),
        _ => unreachable!(),
    }
    assert!(
        started.elapsed() < switchboard::hub::peers::PEER_TTL / 2,
        "took {:?}",
        started.elapsed()
    );
    stopping.await.unwrap();
    eventually("A forgot B", || a.state.hub.peer_count() == 0).await;
    c.stop().await;
}

#[tokio::test]
async fn a_resume_in_a_cluster_reaches_back_for_messages_committed_elsewhere() {
    let Some(c) = Cluster::start(&Bus::Redis.url(), 2, None).await else {
        return;
    };
    let [a, b] = &c.nodes[..] else { unreachable!() };
    let ann = a.register("ann").await;
    let room = a.create_room(&ann.token, "lobby").await.id;
    // Two messages a moment apart, as two nodes would commit them; the
    // client got the second live but never the first (its node died before
    // publishing it, or it was still on its way).
    let new = |cid: &str| switchboard::store::NewMessage {
        room,
        author: ann.user.id,
        author_name: "ann".into(),
        body: format!("body {cid}"),
        client_id: cid.into(),
        files: Vec::new(),
        thread: None,
        also_in_room: false,
    };
    let stored = a
        .state
        .store
        .insert_messages(&[new("x-1"), new("x-2")])
        .await
        .unwrap();
    let (first, second) = (stored[0].message.id, stored[1].message.id);
    let mut cb = b.connect(&ann.token).await;
    let (replayed, _) = cb.join(room, Some(second)).await;
    assert!(
        replayed.iter().any(|m| m.id == first),
        "resuming after {second:?} brings {first:?} too: {replayed:?}"
    );
    c.stop().await;
}
