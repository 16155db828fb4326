//! The bus: how the nodes of a cluster hear each other, through the broker
//! named by `SWITCHBOARD_BUS` (Redis pub/sub or NATS). Without one there is a
//! single node and nothing here runs: the hub delivers in-process.
//!
//! Every node holds one subscription, on a pattern covering the cluster's
//! subjects (`<prefix>.*`), and publishes on the same subjects. What travels
//! is small: each publication of the hub ([`Body::Publish`], a topic and an
//! event, serialized once per node on each side), presence and agent
//! availability changes, every [`SNAPSHOT_EVERY`] a snapshot of both, and
//! every [`ALIVE_EVERY`] a sign of life. The
//! database stays the record: an ack still means "committed", history and
//! replays are read from it, and nothing depends on the bus for durability.
//!
//! The broker is at most once, so loss is detected and repaired rather than
//! prevented: every envelope carries its node's sequence number, and a node
//! that sees a gap (or whose own broker connection broke and came back)
//! closes its clients with 1012; they reconnect and resume with `since`
//! from the database, missing nothing. A node that stops sending anything for
//! [`PEER_TTL`](crate::hub::peers::PEER_TTL) is forgotten, its users
//! offline — and since it may have acknowledged messages it never got to
//! publish (killed between its commit and its publish), every other node
//! resyncs its clients too.

pub mod broker;

use crate::{
    hub::{peers, Event, Hub, Kick, Topic},
    store::Store,
    support::Desk,
};
use app::protocol::{Availability, RoomId, ServerFrame, UserId};
use broker::{Broker, Inbound};
use serde::{Deserialize, Serialize};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// How often a node sends its full snapshot (presence, agents).
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(10);
/// How often a node says it is alive (and carries its sequence number, so a
/// lost envelope is noticed within this time even when nothing else is sent).
pub const ALIVE_EVERY: Duration = Duration::from_secs(2);
/// Envelopes waiting to be published before new ones are dropped (and the
/// other nodes, seeing the gap, resync their clients).
const OUTBOUND: usize = 64 * 1024;
/// Envelopes received and not yet applied before the broker client waits.
const INBOUND: usize = 64 * 1024;

/// What one node tells the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "b", rename_all = "snake_case")]
pub enum Body {
    /// A publication of the hub, for the other nodes' connections.
    Publish { topic: Topic, event: Event },
    /// A user's first connection on the sending node joined `room`
    /// (`online`), or their last one there left it.
    Presence {
        room: RoomId,
        user: String,
        online: bool,
    },
    /// An agent's availability on the sending node changed. `set`: the agent
    /// chose it, so every node where they are connected adopts it.
    Agent {
        agent: UserId,
        availability: Availability,
        set: bool,
    },
    /// Everything the sending node has: who is online in which room, and the
    /// agents connected to it with their availability.
    Snapshot {
        rooms: peers::RoomsOnline,
        agents: peers::AgentsOnDuty,
    },
    /// A node started (or reconnected): everyone answers with a snapshot.
    Hello,
    /// Nothing new; the sender is alive (and this is its next number).
    Alive,
    /// A node is shutting down: forget it now rather than after the TTL.
    Bye,
}

impl Body {
    /// The last part of its subject.
    fn kind(&self) -> &'static str {
        match self {
            Body::Publish { .. } => "publish",
            Body::Presence { .. } => "presence",
            Body::Agent { .. } => "agent",
            Body::Snapshot { .. } => "snapshot",
            Body::Hello => "hello",
            Body::Alive => "alive",
            Body::Bye => "bye",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The sending node, so it ignores its own envelopes coming back.
    node: String,
    /// Per sending node, from 1, without gaps.
    seq: u64,
    /// When it was published (milliseconds since the epoch, the sender's
    /// clock), for the bus lag metric.
    at: i64,
    body: Body,
}

/// The sending side: a bounded queue to the publishing task. Never waits: a
/// publisher (a connection task, the ingest task) must not be slowed by the
/// broker.
pub struct Link {
    node: String,
    /// The last number given, and the queue: numbered and queued under one
    /// lock, so the queue's order is the numbers' order.
    queue: std::sync::Mutex<(u64, mpsc::Sender<(u64, Body)>)>,
    dropped: AtomicU64,
}

impl Link {
    pub fn send(&self, body: Body) {
        self.send_with(|| body)
    }

    /// Sends what `make` builds, building it under the queue's lock. A
    /// snapshot is built this way: every change is sent after it is made,
    /// so a change missing from the snapshot is queued after it, and one in
    /// it was queued before — a receiver applying them in order never ends
    /// up with an older state than the sender's.
    pub fn send_with(&self, make: impl FnOnce() -> Body) {
        let full = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            let body = make();
            // Numbered even when dropped: the receivers see the gap.
            q.0 += 1;
            let seq = q.0;
            q.1.try_send((seq, body)).is_err()
        };
        if full {
            crate::metrics::bus_dropped();
            let n = self.dropped.fetch_add(1, Ordering::Relaxed);
            if n.is_power_of_two() {
                tracing::warn!(dropped = n + 1, "the bus queue is full; dropping envelopes");
            }
        }
    }

    pub fn node(&self) -> &str {
        &self.node
    }
}

/// What the rest of the node may ask of the bus.
#[derive(Clone)]
pub struct BusStatus {
    connected: Arc<AtomicBool>,
    pub node: String,
}

impl BusStatus {
    /// Whether the broker connection is up (for `/readyz`).
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }
}

/// A fresh node id: random, so a restarted node is a new one to its peers.
fn node_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// Connects to the broker and starts the bus tasks; attaches the hub to it.
/// Returns once the tasks run (the broker may still be coming up: see
/// [`BusStatus::connected`]). Cancelling `shutdown` sends the node's goodbye
/// and ends them: cancel it after the last publication.
pub async fn start(
    url: &str,
    prefix: &str,
    hub: Arc<Hub>,
    desk: Desk,
    store: Store,
    shutdown: CancellationToken,
) -> Result<(BusStatus, JoinHandle<()>), broker::BrokerError> {
    let node = node_id();
    let (in_tx, in_rx) = mpsc::channel(INBOUND);
    let stop = CancellationToken::new();
    let broker = Broker::start(url, prefix, in_tx, stop.clone()).await?;
    let (out_tx, out_rx) = mpsc::channel(OUTBOUND);
    let link = Arc::new(Link {
        node: node.clone(),
        queue: std::sync::Mutex::new((0, out_tx)),
        dropped: AtomicU64::new(0),
    });
    hub.attach(link.clone());
    let status = BusStatus {
        connected: Arc::new(AtomicBool::new(false)),
        node: node.clone(),
    };
    let publisher = tokio::spawn(publish(broker, prefix.to_owned(), node.clone(), out_rx));
    let node_task = Node {
        me: node.clone(),
        hub,
        desk,
        store,
        link,
        status: status.clone(),
        last_seq: HashMap::new(),
        own_prefix: format!(r#"{{"node":"{node}""#),
    };
    tracing::info!(node = %node, bus = %crate::config::redact_url(url), "joining the cluster");
    let task = tokio::spawn(async move {
        node_task.run(in_rx, shutdown).await;
        stop.cancel();
        // The queue closes when the link's last holder (the hub) is gone;
        // the goodbye is already in it, so give it a moment to go out.
        let _ = tokio::time::timeout(Duration::from_secs(1), publisher).await;
    });
    Ok((status, task))
}

/// Publishes queued envelopes in order. A failure drops the envelope (its
/// number becomes a gap for the receivers) and is logged once per outage.
async fn publish(
    mut broker: Broker,
    prefix: String,
    node: String,
    mut rx: mpsc::Receiver<(u64, Body)>,
) {
    let mut failing = false;
    while let Some((seq, body)) = rx.recv().await {
        let subject = format!("{prefix}.{}", body.kind());
        let bye = matches!(body, Body::Bye);
        let payload = serde_json::to_vec(&Envelope {
            node: node.clone(),
            seq,
            at: chrono::Utc::now().timestamp_millis(),
            body,
        })
        .expect("envelopes always serialize");
        match broker.publish(subject, payload.into()).await {
            Ok(()) if failing => {
                crate::metrics::bus_published();
                tracing::info!("publishing on the bus again");
                failing = false;
            }
            Ok(()) => crate::metrics::bus_published(),
            Err(e) if !failing => {
                crate::metrics::bus_dropped();
                tracing::warn!(error = %e, "cannot publish on the bus; other nodes will resync");
                failing = true;
            }
            Err(_) => crate::metrics::bus_dropped(),
        }
        if bye {
            broker.flush().await;
            return;
        }
    }
}

/// The receiving side: applies what the other nodes say.
struct Node {
    me: String,
    hub: Arc<Hub>,
    desk: Desk,
    store: Store,
    link: Arc<Link>,
    status: BusStatus,
    /// The last sequence number seen from each node.
    last_seq: HashMap<String, u64>,
    /// How our own envelopes begin (`node` is serialized first).
    own_prefix: String,
}

impl Node {
    async fn run(mut self, mut inbound: mpsc::Receiver<Inbound>, shutdown: CancellationToken) {
        let mut snapshots = tokio::time::interval(SNAPSHOT_EVERY);
        let mut alive = tokio::time::interval(ALIVE_EVERY);
        let mut expiry = tokio::time::interval(Duration::from_secs(1));
        let mut was_up = false;
        let mut broke = false;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => {
                    self.link.send(Body::Bye);
                    return;
                }
                next = inbound.recv() => match next {
                    None => return,
                    Some(Inbound::Up) => {
                        self.status.connected.store(true, Ordering::Release);
                        crate::metrics::bus_connected(true);
                        if was_up && broke {
                            // While we were cut off the others published
                            // things our clients never got.
                            self.resync("the bus connection came back");
                        }
                        was_up = true;
                        broke = false;
                        self.link.send(Body::Hello);
                        self.send_snapshot();
                    }
                    Some(Inbound::Down) => {
                        self.status.connected.store(false, Ordering::Release);
                        crate::metrics::bus_connected(false);
                        broke = true;
                    }
                    Some(Inbound::Message(payload)) => self.receive(&payload).await,
                },
                _ = snapshots.tick() => self.send_snapshot(),
                _ = alive.tick() => self.link.send(Body::Alive),
                _ = expiry.tick() => {
                    let silent = self.hub.silent_peers();
                    for node in &silent {
                        tracing::warn!(node = %node, "a node went silent; forgetting it");
                        self.forget(node);
                    }
                    if !silent.is_empty() {
                        self.resync("a node died; it may not have published all it acknowledged");
                    }
                }
            }
        }
    }

    fn send_snapshot(&self) {
        self.link.send_with(|| Body::Snapshot {
            rooms: self.hub.local_presence(),
            agents: self.desk.local_agents(),
        });
    }

    fn resync(&self, why: &str) {
        crate::metrics::bus_resync();
        let closed = self.hub.close_all(Kick::Resync);
        tracing::warn!(closed, why, "resyncing this node's clients");
    }

    fn forget(&mut self, node: &str) {
        self.hub.peer_gone(node);
        self.last_seq.remove(node);
        self.desk.wake();
    }

    async fn receive(&mut self, payload: &[u8]) {
        // Our own envelopes come back on the shared subscription: recognise
        // them by their first field, without parsing the rest.
        if payload.starts_with(self.own_prefix.as_bytes()) {
            return;
        }
        let env: Envelope = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable envelope on the bus; ignored");
                return;
            }
        };
        if env.node == self.me {
            return;
        }
        let lag = chrono::Utc::now().timestamp_millis() - env.at;
        crate::metrics::bus_received(u64::try_from(lag).ok().map(Duration::from_millis));
        let node = env.node;
        if !self.last_seq.contains_key(&node) && !matches!(env.body, Body::Hello | Body::Bye) {
            // A node we do not know (or had forgotten): ask for its snapshot.
            self.link.send(Body::Hello);
        }
        if let Some(last) = self.last_seq.insert(node.clone(), env.seq) {
            if env.seq != last + 1 && env.seq > last {
                crate::metrics::bus_gap();
                tracing::warn!(node = %node, missed = env.seq - last - 1, "frames from a node were lost");
                self.resync("frames from another node were lost");
            }
        }
        self.hub.peer_heard(&node);
        match env.body {
            Body::Publish { topic, event } => {
                let delivery = self.hub.deliver_remote(&topic, &event);
                // Receipts are recorded where the recipients are.
                if let Event::Frame {
                    frame: ServerFrame::Announcement(a),
                } = &event
                {
                    if !delivery.users.is_empty() {
                        let now = chrono::Utc::now();
                        if let Err(e) = self
                            .store
                            .record_deliveries(a.id, &delivery.users, now)
                            .await
                        {
                            tracing::error!(error = %e, "recording deliveries from another node");
                        }
                    }
                }
            }
            Body::Presence { room, user, online } => {
                self.hub.peer_presence(&node, room, user, online)
            }
            Body::Agent {
                agent,
                availability,
                set,
            } => {
                self.hub.peer_agent(&node, agent, availability);
                if set {
                    self.desk.adopt_availability(agent, availability);
                }
                self.desk.wake();
            }
            Body::Snapshot { rooms, agents } => {
                self.hub.peer_snapshot(&node, rooms, agents);
                self.desk.wake();
            }
            Body::Hello => self.send_snapshot(),
            Body::Alive => {}
            Body::Bye => self.forget(&node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_begins_with_its_node_so_its_sender_skips_it_unparsed() {
        let env = Envelope {
            node: "abc".into(),
            seq: 7,
            at: 0,
            body: Body::Alive,
        };
        let bytes = serde_json::to_vec(&env).unwrap();
        assert!(bytes.starts_with(br#"{"node":"abc""#));
    }
}
