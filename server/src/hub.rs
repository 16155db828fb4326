//! The hub: which connection is subscribed to which room, who is online where,
//! and fan-out of frames to them.
//!
//! Fan-out serializes a frame once and hands the same bytes (reference-counted)
//! to every recipient's bounded [`Outbox`]. A room's member list is an
//! `Arc<Vec<_>>` replaced on join/leave (copy-on-write), so a broadcast clones
//! one `Arc` under the lock and pushes to recipients with no lock held.
//!
//! The hub knows nothing of storage: callers store first, then publish.

mod outbox;

pub use outbox::{ConnId, Kick, Outbox};

use app::protocol::{Role, RoomId, ServerFrame, UserId};
use axum::extract::ws::Utf8Bytes;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
};

/// Serializes a frame for sending. Serialization of our own types cannot fail
/// (no maps with non-string keys, no failing `Serialize` impls).
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("server frames always serialize"))
}

#[derive(Clone)]
struct Member {
    conn: ConnId,
    outbox: Outbox,
}

#[derive(Default)]
struct Room {
    members: Arc<Vec<Member>>,
    /// Connections per online username, for presence.
    online: HashMap<String, usize>,
}

struct Connection {
    user: UserId,
    username: String,
    /// Kept current by [`Hub::set_role`], for announcements to agents.
    role: Role,
    /// The session the connection authenticated with (its token hash), so a
    /// logout can close exactly that session's sockets.
    session: String,
    outbox: Outbox,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, Room>,
    conns: HashMap<ConnId, Connection>,
    /// Support visitors' connections (no account, no rooms), for
    /// announcements to `{"kind": "visitors"}`.
    visitors: HashMap<ConnId, Outbox>,
}

/// Shared by every connection task. A `std::sync::Mutex`, not a Tokio one:
/// nothing is awaited while it is held and every critical section is short.
#[derive(Default)]
pub struct Hub {
    state: Mutex<State>,
    next_conn: AtomicU64,
}

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps behind, still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Registers a new connection.
    pub fn connect(&self, user: UserId, username: &str, role: Role, session: &str, outbox: Outbox) {
        self.state().conns.insert(
            outbox.id,
            Connection {
                user,
                username: username.to_owned(),
                role,
                session: session.to_owned(),
                outbox,
            },
        );
    }

    /// Registers a support visitor's connection.
    pub fn connect_visitor(&self, outbox: Outbox) {
        self.state().visitors.insert(outbox.id, outbox);
    }

    /// Sends a frame to every support visitor connected to this node,
    /// serialized once. Returns how many connections it was queued for.
    pub fn deliver_to_visitors(&self, frame: &ServerFrame) -> usize {
        let outboxes: Vec<Outbox> = self.state().visitors.values().cloned().collect();
        let bytes = encode(frame);
        outboxes.iter().filter(|o| o.push(bytes.clone())).count()
    }

    /// Removes a connection from every room it was in and from the registry.
    pub fn disconnect(&self, conn: ConnId) {
        let rooms: Vec<RoomId> = {
            let st = self.state();
            st.rooms
                .iter()
                .filter(|(_, r)| r.members.iter().any(|m| m.conn == conn))
                .map(|(id, _)| *id)
                .collect()
        };
        for room in rooms {
            self.unsubscribe(room, conn);
        }
        let mut st = self.state();
        st.conns.remove(&conn);
        st.visitors.remove(&conn);
    }

    /// Subscribes a connection to a room's events. Returns who is online there
    /// (including this user). Tells the room when this user comes online.
    pub fn subscribe(&self, room: RoomId, conn: ConnId) -> Vec<String> {
        let (came_online, username, online) = {
            let mut st = self.state();
            let Some(c) = st.conns.get(&conn) else {
                return Vec::new();
            };
            let (username, outbox) = (c.username.clone(), c.outbox.clone());
            let r = st.rooms.entry(room).or_default();
            if r.members.iter().any(|m| m.conn == conn) {
                return sorted(r.online.keys());
            }
            Arc::make_mut(&mut r.members).push(Member { conn, outbox });
            let count = r.online.entry(username.clone()).or_insert(0);
            *count += 1;
            (*count == 1, username, sorted(r.online.keys()))
        };
        if came_online {
            self.broadcast_except(
                room,
                conn,
                &ServerFrame::PresenceChanged {
                    room,
                    user: username,
                    online: true,
                },
            );
        }
        online
    }

    /// Unsubscribes a connection from a room; tells the room if its user is
    /// now offline there.
    pub fn unsubscribe(&self, room: RoomId, conn: ConnId) {
        let went_offline = {
            let mut st = self.state();
            let username = st
                .conns
                .get(&conn)
                .map(|c| c.username.clone())
                .unwrap_or_default();
            let Some(r) = st.rooms.get_mut(&room) else {
                return;
            };
            let Some(pos) = r.members.iter().position(|m| m.conn == conn) else {
                return;
            };
            Arc::make_mut(&mut r.members).remove(pos);
            let mut gone = None;
            if let Some(count) = r.online.get_mut(&username) {
                *count -= 1;
                if *count == 0 {
                    r.online.remove(&username);
                    gone = Some(username);
                }
            }
            if r.members.is_empty() {
                st.rooms.remove(&room);
            }
            gone
        };
        if let Some(user) = went_offline {
            self.broadcast(
                room,
                &ServerFrame::PresenceChanged {
                    room,
                    user,
                    online: false,
                },
            );
        }
    }

    /// Sends a frame to every connection subscribed to `room`. Returns how many
    /// connections it was queued for.
    pub fn broadcast(&self, room: RoomId, frame: &ServerFrame) -> usize {
        self.fan_out(room, None, frame)
    }

    /// Like [`Hub::broadcast`], skipping one connection.
    pub fn broadcast_except(&self, room: RoomId, skip: ConnId, frame: &ServerFrame) -> usize {
        self.fan_out(room, Some(skip), frame)
    }

    fn fan_out(&self, room: RoomId, skip: Option<ConnId>, frame: &ServerFrame) -> usize {
        let members = match self.state().rooms.get(&room) {
            Some(r) => Arc::clone(&r.members),
            None => return 0,
        };
        let bytes = encode(frame);
        members
            .iter()
            .filter(|m| Some(m.conn) != skip)
            .filter(|m| m.outbox.push(bytes.clone()))
            .count()
    }

    /// Sends a frame to every connection on this node.
    pub fn broadcast_all(&self, frame: &ServerFrame) -> usize {
        let outboxes: Vec<Outbox> = self
            .state()
            .conns
            .values()
            .map(|c| c.outbox.clone())
            .collect();
        let bytes = encode(frame);
        outboxes.iter().filter(|o| o.push(bytes.clone())).count()
    }

    /// Sends a frame to every connection of one user. Returns how many.
    pub fn send_to_user(&self, user: UserId, frame: &ServerFrame) -> usize {
        let outboxes: Vec<Outbox> = self
            .state()
            .conns
            .values()
            .filter(|c| c.user == user)
            .map(|c| c.outbox.clone())
            .collect();
        let bytes = encode(frame);
        outboxes.iter().filter(|o| o.push(bytes.clone())).count()
    }

    /// Sends a frame to every connection whose user passes `to` (given the
    /// user and their role), serialized once. Returns how many connections it
    /// was queued for and which users they belong to (each once).
    pub fn deliver(&self, to: impl Fn(UserId, Role) -> bool, frame: &ServerFrame) -> Delivery {
        let targets: Vec<(UserId, Outbox)> = self
            .state()
            .conns
            .values()
            .filter(|c| to(c.user, c.role))
            .map(|c| (c.user, c.outbox.clone()))
            .collect();
        let bytes = encode(frame);
        let mut delivery = Delivery::default();
        for (user, outbox) in targets {
            if outbox.push(bytes.clone()) {
                delivery.connections += 1;
                delivery.users.push(user);
            }
        }
        delivery.users.sort_unstable();
        delivery.users.dedup();
        delivery
    }

    /// A user's role changed: later deliveries by role see the new one.
    pub fn set_role(&self, user: UserId, role: Role) {
        for c in self.state().conns.values_mut().filter(|c| c.user == user) {
            c.role = role;
        }
    }

    /// Closes every connection that authenticated with `session`.
    pub fn end_session(&self, session: &str) {
        for c in self.state().conns.values().filter(|c| c.session == session) {
            c.outbox.kick(Kick::SessionEnded);
        }
    }

    /// Who is online in a room.
    pub fn online(&self, room: RoomId) -> Vec<String> {
        self.state()
            .rooms
            .get(&room)
            .map(|r| sorted(r.online.keys()))
            .unwrap_or_default()
    }

    /// How many connections are registered (for metrics and tests).
    pub fn connection_count(&self) -> usize {
        self.state().conns.len()
    }
}

/// What [`Hub::deliver`] reached.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub connections: usize,
    pub users: Vec<UserId>,
}

fn sorted<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = names.cloned().collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::UserId;

    fn conn(
        hub: &Hub,
        user: i64,
        name: &str,
        cap: usize,
    ) -> (Outbox, tokio::sync::mpsc::Receiver<Utf8Bytes>) {
        let (o, rx) = Outbox::new(hub.next_conn_id(), cap);
        hub.connect(UserId(user), name, Role::Member, "s", o.clone());
        (o, rx)
    }

    #[test]
    fn presence_counts_connections_per_user() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (a1, _r1) = conn(&hub, 1, "ann", 8);
        let (a2, _r2) = conn(&hub, 1, "ann", 8);
        let (b, mut rb) = conn(&hub, 2, "bob", 8);
        hub.subscribe(room, b.id);
        assert_eq!(hub.subscribe(room, a1.id), vec!["ann", "bob"]);
        hub.subscribe(room, a2.id);
        // bob heard ann come online once, not twice
        assert!(rb.try_recv().unwrap().as_str().contains(r#""online":true"#));
        assert!(rb.try_recv().is_err());
        hub.disconnect(a1.id);
        assert!(
            rb.try_recv().is_err(),
            "ann still has a connection in the room"
        );
        hub.disconnect(a2.id);
        assert!(rb
            .try_recv()
            .unwrap()
            .as_str()
            .contains(r#""online":false"#));
        assert_eq!(hub.online(room), vec!["bob"]);
    }

    #[test]
    fn a_full_queue_kicks_only_that_connection() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (slow, _keep) = conn(&hub, 1, "slow", 2);
        let (fast, mut rf) = conn(&hub, 2, "fast", 64);
        hub.subscribe(room, slow.id);
        hub.subscribe(room, fast.id);
        while rf.try_recv().is_ok() {}
        let frame = ServerFrame::Typing {
            room,
            user: "x".into(),
        };
        for _ in 0..10 {
            hub.broadcast(room, &frame);
        }
        assert!(slow.is_kicked());
        assert!(!fast.is_kicked());
        assert_eq!(std::iter::from_fn(|| rf.try_recv().ok()).count(), 10);
    }

    #[test]
    fn deliver_by_role_follows_role_changes() {
        let hub = Hub::new();
        let (_a1, mut ra1) = conn(&hub, 1, "ann", 8);
        let (_a2, mut ra2) = conn(&hub, 1, "ann", 8);
        let (_b, mut rb) = conn(&hub, 2, "bob", 8);
        let frame = ServerFrame::Typing {
            room: RoomId(1),
            user: "x".into(),
        };
        let agents = |_: UserId, r: Role| r >= Role::Agent;
        assert_eq!(hub.deliver(agents, &frame), Delivery::default());
        hub.set_role(UserId(1), Role::Agent);
        let d = hub.deliver(agents, &frame);
        assert_eq!((d.connections, d.users), (2, vec![UserId(1)]));
        assert!(ra1.try_recv().is_ok() && ra2.try_recv().is_ok());
        assert!(rb.try_recv().is_err());
    }
}
