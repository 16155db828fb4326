//! The hub: which connection is subscribed to which room, who is online where,
//! and fan-out of frames to them.
//!
//! Fan-out serializes a frame once and shares the bytes (reference-counted).
//! Room traffic goes into the room's one `broadcast` ring, which every
//! subscribed connection's writer follows (see [`outbox`]); frames for single
//! connections go into their bounded [`Outbox`].
//!
//! The hub knows nothing of storage: callers store first, then publish.

mod outbox;

pub use outbox::{ConnId, Feed, Kick, Lagged, Outbox};

use app::protocol::{Role, RoomId, ServerFrame, UserId};
use axum::extract::ws::Utf8Bytes;
use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};
use tokio::sync::broadcast;

/// Frames a room's ring holds for its slowest follower. A writer moves frames
/// from the ring into its own bounded backlog whenever it runs, so the ring only
/// has to cover the time a writer waits to be scheduled: one stored batch
/// (`ingest::MAX_BATCH`, published without a pause) with room to spare. A
/// follower that still falls behind is cut off and resumes with `since`.
/// About 80 bytes a slot, allocated while anyone is in the room.
pub const ROOM_RING: usize = 4 * crate::ingest::MAX_BATCH;

/// Serializes a frame for sending. Serialization of our own types cannot fail
/// (no maps with non-string keys, no failing `Serialize` impls).
pub fn encode(frame: &ServerFrame) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(frame).expect("server frames always serialize"))
}

/// One frame published into a room, for every follower but `skip`.
#[derive(Clone, Debug)]
pub struct RoomFrame {
    skip: Option<ConnId>,
    bytes: Utf8Bytes,
}

struct Room {
    ring: broadcast::Sender<RoomFrame>,
    /// Connections subscribed; the room is dropped when none are left.
    subscribers: usize,
    /// Connections per online username, for presence.
    online: HashMap<String, usize>,
}

impl Room {
    fn new() -> Room {
        Room {
            ring: broadcast::channel(ROOM_RING).0,
            subscribers: 0,
            online: HashMap::new(),
        }
    }
}

struct Connection {
    user: UserId,
    username: String,
    /// The role at connect, for announcements to agents. Fixed for the
    /// connection's life: a role change closes the user's connections
    /// ([`Hub::role_changed`]), so this and everything else derived from the
    /// role (the dispatchers' user, the desk's agents) starts again together.
    role: Role,
    /// The session the connection authenticated with (its token hash), so a
    /// logout can close exactly that session's sockets.
    session: String,
    outbox: Outbox,
    rooms: HashSet<RoomId>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, Room>,
    conns: HashMap<ConnId, Connection>,
    /// Support visitors' connections (no account, no rooms), for
    /// announcements to `{"kind": "visitors"}`.
    visitors: HashMap<ConnId, Outbox>,
}

impl State {
    /// Takes a connection out of a room. Returns who went offline there, if
    /// anyone did, for the caller to announce once the lock is released.
    fn leave(&mut self, room: RoomId, conn: ConnId) -> Option<String> {
        let c = self.conns.get_mut(&conn)?;
        if !c.rooms.remove(&room) {
            return None;
        }
        c.outbox.unfollow(room);
        let r = self.rooms.get_mut(&room)?;
        r.subscribers -= 1;
        let mut gone = None;
        if let Some(count) = r.online.get_mut(&c.username) {
            *count -= 1;
            if *count == 0 {
                r.online.remove(&c.username);
                gone = Some(c.username.clone());
            }
        }
        if r.subscribers == 0 {
            self.rooms.remove(&room);
        }
        gone
    }
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
                rooms: HashSet::new(),
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
        let gone: Vec<(RoomId, String)> = {
            let mut st = self.state();
            let rooms: Vec<RoomId> = st
                .conns
                .get(&conn)
                .map(|c| c.rooms.iter().copied().collect())
                .unwrap_or_default();
            let gone = rooms
                .into_iter()
                .filter_map(|room| st.leave(room, conn).map(|user| (room, user)))
                .collect();
            st.conns.remove(&conn);
            st.visitors.remove(&conn);
            gone
        };
        for (room, user) in gone {
            self.went_offline(room, user);
        }
    }

    /// Subscribes a connection to a room's events. Returns who is online there
    /// (including this user). Tells the room when this user comes online.
    pub fn subscribe(&self, room: RoomId, conn: ConnId) -> Vec<String> {
        let (came_online, username, online) = {
            let mut st = self.state();
            let st = &mut *st;
            let Some(c) = st.conns.get_mut(&conn) else {
                return Vec::new();
            };
            let r = st.rooms.entry(room).or_insert_with(Room::new);
            if !c.rooms.insert(room) {
                return sorted(r.online.keys());
            }
            c.outbox.follow(room, r.ring.subscribe());
            r.subscribers += 1;
            let count = r.online.entry(c.username.clone()).or_insert(0);
            *count += 1;
            (*count == 1, c.username.clone(), sorted(r.online.keys()))
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
        let gone = self.state().leave(room, conn);
        if let Some(user) = gone {
            self.went_offline(room, user);
        }
    }

    fn went_offline(&self, room: RoomId, user: String) {
        self.broadcast(
            room,
            &ServerFrame::PresenceChanged {
                room,
                user,
                online: false,
            },
        );
    }

    /// Sends a frame to every connection subscribed to `room`. Returns how many
    /// connections follow the room.
    pub fn broadcast(&self, room: RoomId, frame: &ServerFrame) -> usize {
        self.fan_out(room, None, frame)
    }

    /// Like [`Hub::broadcast`], skipping one connection.
    pub fn broadcast_except(&self, room: RoomId, skip: ConnId, frame: &ServerFrame) -> usize {
        self.fan_out(room, Some(skip), frame)
    }

    fn fan_out(&self, room: RoomId, skip: Option<ConnId>, frame: &ServerFrame) -> usize {
        // Send outside the lock: waking the room's writers is the costly part.
        let (ring, subscribers) = match self.state().rooms.get(&room) {
            Some(r) => (r.ring.clone(), r.subscribers),
            None => return 0,
        };
        let bytes = encode(frame);
        // An error only means no writer holds a receiver yet (still queued).
        let _ = ring.send(RoomFrame { skip, bytes });
        subscribers - usize::from(skip.is_some())
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

    /// A user's role changed: close their connections so each reconnects
    /// under the new role (close code 4003). Returns how many were closed.
    pub fn role_changed(&self, user: UserId) -> usize {
        let state = self.state();
        let theirs = state.conns.values().filter(|c| c.user == user);
        theirs.map(|c| c.outbox.kick(Kick::RoleChanged)).count()
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

    fn conn(hub: &Hub, user: i64, name: &str, cap: usize) -> (Outbox, Feed) {
        let (o, feed) = Outbox::new(hub.next_conn_id(), cap, 1 << 20);
        hub.connect(UserId(user), name, Role::Member, "s", o.clone());
        (o, feed)
    }

    fn next(feed: &mut Feed) -> Option<String> {
        feed.try_recv()
            .map(|f| f.expect("not lagged").as_str().to_owned())
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
        assert!(next(&mut rb).unwrap().contains(r#""online":true"#));
        assert!(next(&mut rb).is_none());
        hub.disconnect(a1.id);
        assert!(
            next(&mut rb).is_none(),
            "ann still has a connection in the room"
        );
        hub.disconnect(a2.id);
        assert!(next(&mut rb).unwrap().contains(r#""online":false"#));
        assert_eq!(hub.online(room), vec!["bob"]);
    }

    #[test]
    fn room_frames_skip_whom_they_should_and_stop_after_leaving() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (a, mut ra) = conn(&hub, 1, "ann", 8);
        let (b, mut rb) = conn(&hub, 2, "bob", 8);
        hub.subscribe(room, a.id);
        hub.subscribe(room, b.id);
        while next(&mut ra).is_some() {}
        let typing = ServerFrame::Typing {
            room,
            user: "bob".into(),
        };
        assert_eq!(hub.broadcast_except(room, b.id, &typing), 1);
        assert!(next(&mut ra).unwrap().contains("typing"));
        assert!(next(&mut rb).is_none(), "the sender is skipped");
        hub.unsubscribe(room, a.id);
        assert_eq!(hub.broadcast(room, &typing), 1);
        assert!(next(&mut ra).is_none(), "ann left the room");
        assert!(next(&mut rb).unwrap().contains(r#""online":false"#));
        assert!(next(&mut rb).unwrap().contains("typing"));
    }

    #[test]
    fn a_follower_past_the_ring_lags_alone() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (slow, mut rs) = conn(&hub, 1, "slow", 8);
        let (fast, mut rf) = conn(&hub, 2, "fast", 8);
        hub.subscribe(room, slow.id);
        hub.subscribe(room, fast.id);
        let frame = ServerFrame::Typing {
            room,
            user: "x".into(),
        };
        let mut fast_got = 0;
        // fast is reading all along; slow reads nothing until the end
        while next(&mut rf).is_some() {}
        for _ in 0..ROOM_RING + 10 {
            hub.broadcast(room, &frame);
            while next(&mut rf).is_some() {
                fast_got += 1;
            }
        }
        assert_eq!(fast_got, ROOM_RING + 10);
        // slow first gets the frames queued to it alone (presence), then the lag
        let lagged = std::iter::from_fn(|| rs.try_recv()).any(|f| f == Err(Lagged));
        assert!(lagged, "slow must learn that it fell behind");
    }

    #[test]
    fn a_full_direct_queue_kicks_only_that_connection() {
        let hub = Hub::new();
        let (slow, _keep) = conn(&hub, 1, "slow", 2);
        let (fast, mut rf) = conn(&hub, 2, "fast", 64);
        let frame = ServerFrame::Typing {
            room: RoomId(1),
            user: "x".into(),
        };
        for _ in 0..10 {
            hub.broadcast_all(&frame);
        }
        assert!(slow.is_kicked());
        assert!(!fast.is_kicked());
        assert_eq!(std::iter::from_fn(|| next(&mut rf)).count(), 10);
    }

    #[tokio::test]
    async fn a_role_change_closes_only_that_users_connections() {
        let hub = Hub::new();
        let (a1, _ra1) = conn(&hub, 1, "ann", 8);
        let (a2, _ra2) = conn(&hub, 1, "ann", 8);
        let (b, _rb) = conn(&hub, 2, "bob", 8);
        assert_eq!(hub.role_changed(UserId(1)), 2);
        assert!(a1.is_kicked() && a2.is_kicked() && !b.is_kicked());
        assert_eq!(a1.kicked().await, Kick::RoleChanged);
    }
}
