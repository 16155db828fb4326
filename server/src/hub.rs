//! The hub: every live connection on this node, what each follows (rooms,
//! support conversations, the desk's consoles), who is online where, and the
//! one way a live frame goes out: [`Hub::publish`] with a typed [`Topic`].
//!
//! Fan-out serializes a frame once and shares the bytes (reference-counted).
//! Room traffic goes into the room's one `broadcast` ring, which every
//! subscribed connection's writer follows (see [`outbox`]); frames for other
//! topics go into each recipient's bounded [`Outbox`].
//!
//! With a bus (cluster mode, `bus.rs`) every publication also goes to the
//! other nodes, which deliver it to their own connections; presence is then
//! the union of every node's, kept in [`peers`].
//!
//! The hub knows nothing of storage: callers store first, then publish.

mod frame;
mod outbox;
pub mod peers;
mod remote;
pub mod topic;

pub use frame::Frame;
pub use outbox::{ConnId, End, Feed, Kick, Lagged, Outbox};
pub use topic::{Audience, Consoles, Event, Topic, Voice, VoiceChange};

use crate::{
    bus::{Body, Link},
    support::access,
};
use app::protocol::{ChatMessage, ConversationId, Role, RoomId, ServerFrame, UserId};
use peers::Peers;
use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, OnceLock,
    },
};
use tokio::sync::broadcast;

/// Frames a room's ring holds for its slowest follower. A writer moves frames
/// from the ring into its own bounded backlog whenever it runs, so the ring only
/// has to cover the time a writer waits to be scheduled: one stored batch
/// (`ingest::MAX_BATCH`, published without a pause) with room to spare. A
/// follower that still falls behind is cut off and resumes with `since`.
/// About 80 bytes a slot (80 KiB a room), allocated while anyone is in the
/// room.
pub const ROOM_RING: usize = 4 * crate::ingest::MAX_BATCH;

/// Serializes a frame for sending. Serialization of our own types cannot fail
/// (no maps with non-string keys, no failing `Serialize` impls).
pub fn encode(frame: &ServerFrame) -> Frame {
    Frame::json(frame)
}

/// One frame published into a room, for every follower but `except`'s.
/// Copied out of the ring once per follower, so it holds nothing more that
/// needs counting than the shared bytes.
#[derive(Clone, Debug)]
pub struct RoomFrame {
    except: Option<Except>,
    bytes: Frame,
    /// Set on a pacing mark ([`Hub::mark`]), which is written to nobody.
    mark: Option<Mark>,
}

/// A pacing mark: put at the end of rooms' rings by [`Hub::mark`], and
/// dropped with the last copy of it, by the last follower to take it. The
/// [`Marked`] made with it then resolves: every follower of every marked
/// room has taken everything published there before the mark.
///
/// The ring tells ingest this for free: tokio's `broadcast` drops a value
/// when its last reader has taken it, and a writer drops its copy of a mark
/// as soon as it sees one. Polling the rings' backlogs instead cost a
/// millisecond's sleep per batch, most of a message's latency in a quiet
/// chat (docs/performance.md, "Session 28").
#[derive(Clone, Debug)]
pub struct Mark {
    /// Never sent on: its channel closes when the last copy goes.
    _last: Arc<tokio::sync::oneshot::Sender<()>>,
}

/// Resolves once every copy of its [`Mark`] is gone.
pub struct Marked(tokio::sync::oneshot::Receiver<()>);

impl Mark {
    pub fn new() -> (Mark, Marked) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (
            Mark {
                _last: Arc::new(tx),
            },
            Marked(rx),
        )
    }
}

impl Marked {
    /// Whether every copy is gone already.
    pub fn is_done(&mut self) -> bool {
        !matches!(
            self.0.try_recv(),
            Err(tokio::sync::oneshot::error::TryRecvError::Empty)
        )
    }

    /// Waits until every copy is gone.
    pub async fn done(self) {
        // Nothing is ever sent: the channel closes when the last `Mark` goes.
        let _ = self.0.await;
    }
}

/// A new message's copy for its author's connection (with its `client_id`),
/// and the room's event for everyone else (without: only the author needs it).
fn author_copy(mut message: ChatMessage) -> (Frame, Event) {
    let copy = encode(&ServerFrame::Message(message.clone()));
    message.client_id = None;
    (copy, ServerFrame::Message(message).into())
}

/// The one connection of this node that a publication treats differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Except {
    /// Gets nothing (the sender of a typing notice).
    Skip(ConnId),
    /// Gets its own copy instead, which was queued to it just before (a
    /// message's author: the copy carries its `client_id`).
    OwnCopy(ConnId),
}

impl Except {
    fn conn(self) -> ConnId {
        match self {
            Except::Skip(c) | Except::OwnCopy(c) => c,
        }
    }
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

/// A signed-in connection's account, as publishing needs it.
struct Account {
    user: UserId,
    username: String,
    /// The role at connect. Fixed for the connection's life: a role change
    /// closes the user's connections, so this and everything else derived
    /// from the role (the dispatchers' user, the desk's agents) starts again
    /// together.
    role: Role,
    /// The session the connection authenticated with (its token hash), so a
    /// logout can close exactly that session's sockets.
    session: String,
}

struct Connection {
    /// `None` for a support visitor (no account, no rooms).
    account: Option<Account>,
    outbox: Outbox,
    /// The rooms it follows, and what may stop it posting in each.
    rooms: HashMap<RoomId, Voice>,
    /// Whether it subscribed to the desk's events (`support.subscribe`).
    console: bool,
}

/// One listener of a support conversation.
struct Listener {
    conn: ConnId,
    /// The agent or admin listening, `None` for the visitor. Staff receive
    /// private notes; visitors never do. An agent who may no longer see the
    /// conversation (it went to someone else) is dropped ([`Event::Revoke`]).
    staff: Option<(UserId, Role)>,
}

#[derive(Default)]
struct State {
    rooms: HashMap<RoomId, Room>,
    conns: HashMap<ConnId, Connection>,
    conversations: HashMap<ConversationId, Vec<Listener>>,
    /// What the other nodes of a cluster reported (empty on one node).
    peers: Peers,
}

impl State {
    /// Whether `user` is online in `room` here or on another node, leaving
    /// out what `except` reported.
    fn online_anywhere(&self, room: RoomId, user: &str, except: Option<&str>) -> bool {
        self.rooms
            .get(&room)
            .is_some_and(|r| r.online.contains_key(user))
            || self.peers.online(room, user, except)
    }

    /// Everyone online in `room` on any node.
    fn online_in(&self, room: RoomId) -> Vec<String> {
        let mut online: HashSet<&String> = self.peers.online_in(room).collect();
        if let Some(r) = self.rooms.get(&room) {
            online.extend(r.online.keys());
        }
        sorted(online.into_iter())
    }
}

impl State {
    /// Takes a connection out of a room. Returns who went offline there, if
    /// anyone did, for the caller to announce once the lock is released.
    fn leave(&mut self, room: RoomId, conn: ConnId) -> Option<String> {
        let c = self.conns.get_mut(&conn)?;
        c.rooms.remove(&room)?;
        c.outbox.unfollow(room);
        let r = self.rooms.get_mut(&room)?;
        r.subscribers -= 1;
        let mut gone = None;
        let name = &c.account.as_ref()?.username;
        if let Some(count) = r.online.get_mut(name) {
            *count -= 1;
            if *count == 0 {
                r.online.remove(name);
                gone = Some(name.clone());
            }
        }
        if r.subscribers == 0 {
            self.rooms.remove(&room);
        }
        gone
    }

    fn unlisten(&mut self, conversation: ConversationId, conn: ConnId) {
        if let Some(list) = self.conversations.get_mut(&conversation) {
            list.retain(|l| l.conn != conn);
            if list.is_empty() {
                self.conversations.remove(&conversation);
            }
        }
    }

    /// The connections a non-room topic names, with their user (`None` for
    /// visitors).
    fn targets(&self, topic: &Topic) -> Vec<(Option<UserId>, Outbox)> {
        let accounts = |keep: &dyn Fn(&Account) -> bool| -> Vec<(Option<UserId>, Outbox)> {
            self.conns
                .values()
                .filter_map(|c| {
                    let a = c.account.as_ref()?;
                    keep(a).then(|| (Some(a.user), c.outbox.clone()))
                })
                .collect()
        };
        match topic {
            Topic::Room { room } => self
                .conns
                .values()
                .filter(|c| c.rooms.contains_key(room))
                .map(|c| (c.account.as_ref().map(|a| a.user), c.outbox.clone()))
                .collect(),
            Topic::Conversation {
                conversation,
                audience,
            } => match self.conversations.get(conversation) {
                Some(list) => list
                    .iter()
                    .filter(|l| l.staff.is_some() || *audience == Audience::Everyone)
                    .filter_map(|l| {
                        let c = self.conns.get(&l.conn)?;
                        Some((l.staff.map(|(u, _)| u), c.outbox.clone()))
                    })
                    .collect(),
                None => Vec::new(),
            },
            Topic::Consoles { scope } => self
                .conns
                .values()
                .filter(|c| c.console)
                .filter_map(|c| {
                    let a = c.account.as_ref()?;
                    scope
                        .admits(a.user, a.role)
                        .then(|| (Some(a.user), c.outbox.clone()))
                })
                .collect(),
            Topic::User { user } => accounts(&|a| a.user == *user),
            Topic::Session { session } => accounts(&|a| a.session == *session),
            Topic::Users { users } => {
                let users: HashSet<&UserId> = users.iter().collect();
                accounts(&|a| users.contains(&a.user))
            }
            Topic::Agents => accounts(&|a| a.role >= Role::Agent),
            Topic::All => accounts(&|_| true),
            Topic::Visitors => self
                .conns
                .values()
                .filter(|c| c.account.is_none())
                .map(|c| (None, c.outbox.clone()))
                .collect(),
        }
    }

    /// Staff listening to `conversation` who may no longer see it under
    /// `assignee` stop listening; answers their outboxes.
    fn revoke(&mut self, conversation: ConversationId, assignee: Option<UserId>) -> Vec<Outbox> {
        let Some(list) = self.conversations.get_mut(&conversation) else {
            return Vec::new();
        };
        let (kept, dropped): (Vec<Listener>, Vec<Listener>) = std::mem::take(list)
            .into_iter()
            .partition(|l| l.staff.is_none_or(|(u, r)| access::may_see(u, r, assignee)));
        if kept.is_empty() {
            self.conversations.remove(&conversation);
        } else {
            *list = kept;
        }
        dropped
            .iter()
            .filter_map(|l| self.conns.get(&l.conn).map(|c| c.outbox.clone()))
            .collect()
    }
}

/// Shared by every connection task. A `std::sync::Mutex`, not a Tokio one:
/// nothing is awaited while it is held and every critical section is short.
#[derive(Default)]
pub struct Hub {
    state: Mutex<State>,
    next_conn: AtomicU64,
    /// The way to the other nodes, set once at start in cluster mode.
    link: OnceLock<Arc<Link>>,
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

    /// Joins this hub to a cluster: from now on publications and presence
    /// changes also go to the other nodes.
    pub fn attach(&self, link: Arc<Link>) {
        let _ = self.link.set(link);
    }

    /// Sends something to the other nodes, if there are any.
    pub(crate) fn tell_peers(&self, body: Body) {
        if let Some(link) = self.link.get() {
            link.send(body);
        }
    }

    // --- connections and what they follow ----------------------------------

    /// Registers a signed-in connection.
    pub fn connect(&self, user: UserId, username: &str, role: Role, session: &str, outbox: Outbox) {
        self.register(
            Some(Account {
                user,
                username: username.to_owned(),
                role,
                session: session.to_owned(),
            }),
            outbox,
        );
    }

    /// Registers a support visitor's connection.
    pub fn connect_visitor(&self, outbox: Outbox) {
        self.register(None, outbox);
    }

    fn register(&self, account: Option<Account>, outbox: Outbox) {
        self.state().conns.insert(
            outbox.id,
            Connection {
                account,
                outbox,
                rooms: HashMap::new(),
                console: false,
            },
        );
    }

    /// The node is shutting down (call after cancelling the shutdown token):
    /// every connection's writer delivers what is queued and closes with
    /// 1012. A connection registered after this looks at the token itself
    /// (`ws::connection::run`), so none is missed.
    pub fn shut_down_connections(&self) {
        let outboxes: Vec<Outbox> = self
            .state()
            .conns
            .values()
            .map(|c| c.outbox.clone())
            .collect();
        for outbox in outboxes {
            outbox.finish(End::Shutdown);
        }
    }

    /// Removes a connection from everything it followed and from the registry.
    pub fn disconnect(&self, conn: ConnId) {
        let gone: Vec<(RoomId, String)> = {
            let mut st = self.state();
            let rooms: Vec<RoomId> = st
                .conns
                .get(&conn)
                .map(|c| c.rooms.keys().copied().collect())
                .unwrap_or_default();
            let gone = rooms
                .into_iter()
                .filter_map(|room| st.leave(room, conn).map(|user| (room, user)))
                .collect();
            for list in st.conversations.values_mut() {
                list.retain(|l| l.conn != conn);
            }
            st.conversations.retain(|_, l| !l.is_empty());
            st.conns.remove(&conn);
            gone
        };
        for (room, user) in gone {
            self.went_offline(room, user);
        }
    }

    /// Subscribes a connection to a room's events. Returns who is online there
    /// (including this user). Tells the room when this user comes online.
    pub fn subscribe(&self, room: RoomId, conn: ConnId) -> Vec<String> {
        let (first_here, elsewhere, username, online) = {
            let mut st = self.state();
            let st = &mut *st;
            let Some(c) = st.conns.get_mut(&conn) else {
                return Vec::new();
            };
            let Some(account) = &c.account else {
                return Vec::new();
            };
            let username = account.username.clone();
            let r = st.rooms.entry(room).or_insert_with(Room::new);
            if let std::collections::hash_map::Entry::Vacant(e) = c.rooms.entry(room) {
                e.insert(Voice::default());
                c.outbox.follow(room, r.ring.subscribe());
                r.subscribers += 1;
                let count = r.online.entry(username.clone()).or_insert(0);
                *count += 1;
                let first_here = *count == 1;
                let elsewhere = st.peers.online(room, &username, None);
                (first_here, elsewhere, username, st.online_in(room))
            } else {
                (false, true, username, st.online_in(room))
            }
        };
        if first_here {
            self.tell_peers(Body::Presence {
                room,
                user: username.clone(),
                online: true,
            });
            if !elsewhere {
                let came = ServerFrame::PresenceChanged {
                    room,
                    user: username,
                    online: true,
                };
                self.deliver(
                    &Topic::Room { room },
                    &came.into(),
                    Some(Except::Skip(conn)),
                );
            }
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

    /// A user's last connection here left `room`: tell the other nodes, and
    /// the room if nobody elsewhere still has them there.
    fn went_offline(&self, room: RoomId, user: String) {
        self.tell_peers(Body::Presence {
            room,
            user: user.clone(),
            online: false,
        });
        if !self.state().peers.online(room, &user, None) {
            self.announce_presence(room, user, false);
        }
    }

    /// Tells this node's followers of `room` (only: every node derives the
    /// same from what all nodes reported).
    fn announce_presence(&self, room: RoomId, user: String, online: bool) {
        let frame = ServerFrame::PresenceChanged { room, user, online };
        self.deliver(&Topic::Room { room }, &frame.into(), None);
    }

    /// Subscribes a connection to a conversation's events (idempotent):
    /// `staff` is the agent or admin, `None` the visitor. The caller has
    /// checked that they may see it.
    pub fn listen(
        &self,
        conversation: ConversationId,
        conn: ConnId,
        staff: Option<(UserId, Role)>,
    ) {
        let mut st = self.state();
        if !st.conns.contains_key(&conn) {
            return;
        }
        let list = st.conversations.entry(conversation).or_default();
        if !list.iter().any(|l| l.conn == conn) {
            list.push(Listener { conn, staff });
        }
    }

    pub fn unlisten(&self, conversation: ConversationId, conn: ConnId) {
        self.state().unlisten(conversation, conn);
    }

    /// Subscribes a signed-in connection to the desk's events (idempotent).
    pub fn add_console(&self, conn: ConnId) {
        if let Some(c) = self.state().conns.get_mut(&conn) {
            c.console = c.account.is_some();
        }
    }

    // --- publishing ----------------------------------------------------------

    /// Publishes to every recipient `topic` names, on this node and (in a
    /// cluster) on every other. Returns what it reached on this node.
    pub fn publish(&self, topic: Topic, event: impl Into<Event>) -> Delivery {
        self.publish_from(topic, event.into(), None)
    }

    /// Like [`Hub::publish`], leaving out one connection of this node (the
    /// sender's own typing notice).
    pub fn publish_except(&self, topic: Topic, event: impl Into<Event>, skip: ConnId) -> Delivery {
        self.publish_from(topic, event.into(), Some(Except::Skip(skip)))
    }

    /// Publishes a new message to its room. Only the connection that sent it
    /// needs its `client_id` (to match its pending copy); everyone else gets
    /// the frame without it, which is smaller for every recipient. The
    /// author's copy goes through its own queue, where its writer keeps it
    /// until it reaches this frame's place in the room, so it keeps its order
    /// among the room's messages.
    pub fn publish_message(&self, message: ChatMessage, author: &Outbox) -> Delivery {
        let room = message.room;
        let (copy, frame) = author_copy(message);
        // Queued before the room's frame, so the writer has it in hand when
        // it meets that frame.
        author.own_copy(room, copy);
        self.publish_from(
            Topic::Room { room },
            frame,
            Some(Except::OwnCopy(author.id)),
        )
    }

    /// Publishes a new message to its room like [`Hub::publish_message`],
    /// but to every connection except its author's, and returns the author's
    /// copy (with its `client_id`) for the caller to send later: ingest holds
    /// it, with the `ack`, until the message is on the disk (`ingest::sync`).
    pub fn publish_message_to_others(&self, message: ChatMessage, author: &Outbox) -> Frame {
        let room = message.room;
        let (copy, frame) = author_copy(message);
        self.publish_from(Topic::Room { room }, frame, Some(Except::Skip(author.id)));
        copy
    }

    fn publish_from(&self, topic: Topic, event: Event, skip: Option<Except>) -> Delivery {
        let delivery = self.deliver(&topic, &event, skip);
        if self.link.get().is_some() {
            self.tell_peers(Body::Publish { topic, event });
        }
        delivery
    }

    /// Delivers what another node published to this node's connections.
    pub(crate) fn deliver_remote(&self, topic: &Topic, event: &Event) -> Delivery {
        self.deliver(topic, event, None)
    }

    fn deliver(&self, topic: &Topic, event: &Event, skip: Option<Except>) -> Delivery {
        let delivery = self.deliver_here(topic, event, skip);
        crate::metrics::delivered(topic.name(), delivery.connections);
        delivery
    }

    fn deliver_here(&self, topic: &Topic, event: &Event, skip: Option<Except>) -> Delivery {
        match (topic, event) {
            (Topic::Room { room }, Event::Frame { frame }) => self.to_room(*room, skip, frame),
            (Topic::Conversation { conversation, .. }, Event::Revoke { assignee, frame }) => {
                let dropped = self.state().revoke(*conversation, *assignee);
                let bytes = encode(frame);
                let connections = dropped.iter().filter(|o| o.push(bytes.clone())).count();
                Delivery {
                    connections,
                    users: Vec::new(),
                }
            }
            (_, Event::Revoke { .. }) => Delivery::default(),
            (topic, Event::Frame { frame }) => {
                // Queued outside the lock: waking writers is the costly part.
                let targets = self.state().targets(topic);
                let bytes = encode(frame);
                let mut delivery = Delivery::default();
                for (user, outbox) in targets {
                    if Some(outbox.id) != skip.map(Except::conn) && outbox.push(bytes.clone()) {
                        delivery.connections += 1;
                        delivery.users.extend(user);
                    }
                }
                delivery.users.sort_unstable();
                delivery.users.dedup();
                delivery
            }
            (topic, Event::Leave { room, frame }) => {
                // Unfollowed under the lock, so the `Unfollow` is queued to
                // each connection before anything published afterwards, and
                // before the frame that says why.
                let (targets, offline) = {
                    let mut st = self.state();
                    let targets = st.targets(topic);
                    let offline: Vec<String> = targets
                        .iter()
                        .filter_map(|(_, outbox)| st.leave(*room, outbox.id))
                        .collect();
                    (targets, offline)
                };
                let bytes = encode(frame);
                let connections = targets
                    .iter()
                    .filter(|(_, outbox)| outbox.push(bytes.clone()))
                    .count();
                for user in offline {
                    self.went_offline(*room, user);
                }
                Delivery {
                    connections,
                    users: Vec::new(),
                }
            }
            (
                topic,
                Event::Voice {
                    room,
                    change,
                    frame,
                },
            ) => {
                let targets = {
                    let mut st = self.state();
                    let targets = st.targets(topic);
                    for (_, outbox) in &targets {
                        if let Some(v) = st
                            .conns
                            .get_mut(&outbox.id)
                            .and_then(|c| c.rooms.get_mut(room))
                        {
                            v.apply(*change);
                        }
                    }
                    targets
                };
                let bytes = encode(frame);
                let connections = targets
                    .iter()
                    .filter(|(_, outbox)| outbox.push(bytes.clone()))
                    .count();
                Delivery {
                    connections,
                    users: Vec::new(),
                }
            }
            (topic, Event::Close { why }) => {
                let targets = self.state().targets(topic);
                for (_, outbox) in &targets {
                    outbox.kick(*why);
                }
                Delivery {
                    connections: targets.len(),
                    users: Vec::new(),
                }
            }
        }
    }

    /// A room's ring and its subscriber count, if anyone here follows it.
    /// Sends go outside the hub's lock: waking the room's writers is the
    /// costly part.
    fn ring(&self, room: RoomId) -> Option<(broadcast::Sender<RoomFrame>, usize)> {
        let state = self.state();
        let r = state.rooms.get(&room)?;
        Some((r.ring.clone(), r.subscribers))
    }

    fn to_room(&self, room: RoomId, except: Option<Except>, frame: &ServerFrame) -> Delivery {
        let Some((ring, subscribers)) = self.ring(room) else {
            return Delivery::default();
        };
        let bytes = encode(frame);
        // An error only means no writer holds a receiver yet (still queued).
        let _ = ring.send(RoomFrame {
            except,
            bytes,
            mark: None,
        });
        Delivery {
            connections: subscribers - usize::from(matches!(except, Some(Except::Skip(_)))),
            users: Vec::new(),
        }
    }

    /// Puts a copy of `mark` at the end of `room`'s ring, behind everything
    /// published there so far (ingest paces itself with it: `ingest::taken`).
    /// A room nobody follows here keeps nothing.
    pub fn mark(&self, room: RoomId, mark: &Mark) {
        let Some((ring, _)) = self.ring(room) else {
            return;
        };
        // An error (no receiver) hands the copy back, and it is dropped.
        let _ = ring.send(RoomFrame {
            except: None,
            bytes: Frame::raw(bytes::Bytes::new()),
            mark: Some(mark.clone()),
        });
    }

    // --- looking inside ------------------------------------------------------

    /// Who is online in a room, on any node.
    pub fn online(&self, room: RoomId) -> Vec<String> {
        self.state().online_in(room)
    }

    /// Whether a connection follows a room: it joined it, and neither left
    /// nor lost it since ([`Event::Leave`]). What lets it post, type and mark
    /// messages read there.
    pub fn follows(&self, conn: ConnId, room: RoomId) -> bool {
        self.voice(conn, room).is_some()
    }

    /// What may stop a connection posting in a room it follows (`None`:
    /// it does not follow it).
    pub fn voice(&self, conn: ConnId, room: RoomId) -> Option<Voice> {
        self.state()
            .conns
            .get(&conn)
            .and_then(|c| c.rooms.get(&room).copied())
    }

    /// Takes what a `join` read from the store into a connection's voice in
    /// a room it follows, keeping the stricter ([`Voice::merge`]) of that and
    /// what [`Event::Voice`] delivered since it subscribed.
    pub fn hear(&self, conn: ConnId, room: RoomId, voice: Voice) {
        if let Some(v) = self
            .state()
            .conns
            .get_mut(&conn)
            .and_then(|c| c.rooms.get_mut(&room))
        {
            v.merge(voice);
        }
    }

    /// How many connections are registered (for metrics and tests).
    pub fn connection_count(&self) -> usize {
        self.state().conns.len()
    }
}

/// What a publication reached on this node: connections, and the users they
/// belong to (each once; not counted for rooms, whose followers are reached
/// through the ring).
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
    use app::protocol::{ConversationId, SupportAssigned, UserId};

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
        assert_eq!(
            hub.publish_except(Topic::Room { room }, typing.clone(), b.id)
                .connections,
            1
        );
        assert!(next(&mut ra).unwrap().contains("typing"));
        assert!(next(&mut rb).is_none(), "the sender is skipped");
        hub.unsubscribe(room, a.id);
        assert_eq!(
            hub.publish(Topic::Room { room }, typing.clone())
                .connections,
            1
        );
        assert!(next(&mut ra).is_none(), "ann left the room");
        assert!(next(&mut rb).unwrap().contains(r#""online":false"#));
        assert!(next(&mut rb).unwrap().contains("typing"));
    }

    fn message(room: RoomId, id: i64, author: &str, client_id: &str) -> ChatMessage {
        ChatMessage {
            room,
            id: app::protocol::MessageId(id),
            author: author.into(),
            body: format!("m{id}"),
            sent_at: chrono::DateTime::UNIX_EPOCH,
            edited_at: None,
            client_id: Some(client_id.into()),
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_sending_connection_gets_a_message_with_its_client_id_in_its_place() {
        let hub = Hub::new();
        let (room, other) = (RoomId(1), RoomId(2));
        let (a, mut ra) = conn(&hub, 1, "ann", 16);
        let (a2, mut ra2) = conn(&hub, 1, "ann", 16);
        let (b, mut rb) = conn(&hub, 2, "bob", 16);
        for c in [&a, &a2, &b] {
            hub.subscribe(room, c.id);
            hub.subscribe(other, c.id);
        }
        for r in [&mut ra, &mut ra2, &mut rb] {
            while next(r).is_some() {}
        }
        hub.publish_message(message(room, 1, "bob", "b-1"), &b);
        // ann's typing notice, which skips ann, must not take her copy's place
        let typing = ServerFrame::Typing {
            room,
            user: "ann".into(),
        };
        hub.publish_except(Topic::Room { room }, typing, a.id);
        hub.publish_message(message(other, 2, "ann", "a-2"), &a);
        hub.publish_message(message(room, 3, "ann", "a-3"), &a);
        hub.publish_message(message(room, 4, "bob", "b-4"), &b);

        let ann: Vec<String> = std::iter::from_fn(|| next(&mut ra)).collect();
        assert_eq!(ann.len(), 4, "{ann:?}");
        assert!(ann[0].contains(r#""id":1"#) && !ann[0].contains("client_id"));
        assert!(ann[1].contains(r#""id":2"#) && ann[1].contains(r#""client_id":"a-2""#));
        assert!(ann[2].contains(r#""id":3"#) && ann[2].contains(r#""client_id":"a-3""#));
        assert!(ann[3].contains(r#""id":4"#) && !ann[3].contains("client_id"));
        // ann's other tab reads every message, none with a client id
        let tab: Vec<String> = std::iter::from_fn(|| next(&mut ra2)).collect();
        assert_eq!(tab.len(), 5, "{tab:?}");
        assert!(tab.iter().all(|f| !f.contains("client_id")), "{tab:?}");
        let bob: Vec<String> = std::iter::from_fn(|| next(&mut rb)).collect();
        assert_eq!(bob.len(), 5, "{bob:?}");
        assert!(bob[0].contains(r#""client_id":"b-1""#));
        assert!(bob[4].contains(r#""client_id":"b-4""#));
        assert!(bob[1..4].iter().all(|f| !f.contains("client_id")));
    }

    #[tokio::test]
    async fn a_writer_drains_its_own_frames_then_the_rooms_and_counts_the_bytes() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (a, mut ra) = conn(&hub, 1, "ann", 16);
        let (b, _rb) = conn(&hub, 2, "bob", 16);
        hub.subscribe(room, a.id);
        hub.subscribe(room, b.id);
        hub.publish_message(message(room, 1, "bob", "b-1"), &b);
        hub.publish_message(message(room, 2, "ann", "a-2"), &a);
        assert!(a.push(Frame::text("direct")));
        let mut out = std::collections::VecDeque::new();
        ra.drain_into(&mut out, 256).expect("within budget");
        let text: Vec<&str> = out.iter().map(Frame::as_str).collect();
        // the connection's own frame first, then the room's in order: bob
        // coming online, his message, ann's own copy of hers
        assert_eq!(text.len(), 4, "{text:?}");
        assert_eq!(text[0], "direct");
        assert!(text[1].contains("presence_changed"));
        assert!(text[2].contains(r#""id":1"#) && !text[2].contains("client_id"));
        assert!(text[3].contains(r#""client_id":"a-2""#));
        let bytes: usize = text.iter().map(|t| t.len()).sum();
        assert_eq!(a.queued_bytes(), bytes, "everything taken is counted once");
        a.written(bytes);
        assert_eq!(a.queued_bytes(), 0);
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
            hub.publish(Topic::Room { room }, frame.clone());
            while next(&mut rf).is_some() {
                fast_got += 1;
            }
        }
        assert_eq!(fast_got, ROOM_RING + 10);
        // slow first gets the frames queued to it alone (presence), then the lag
        let lagged = std::iter::from_fn(|| rs.try_recv()).any(|f| f == Err(Lagged));
        assert!(lagged, "slow must learn that it fell behind");
    }

    /// The author's copy and the room's frame are published by another
    /// thread (ingest has its own) while the writer reads: a writer that
    /// looked at its own queue just before the copy was queued, and at the
    /// ring just after the frame was sent, must still write the copy.
    #[test]
    fn an_authors_copy_published_from_another_thread_is_never_lost() {
        const MESSAGES: i64 = 20_000;
        let hub = Arc::new(Hub::new());
        let room = RoomId(1);
        let (a, mut ra) = conn(&hub, 1, "ann", 1 << 16);
        hub.subscribe(room, a.id);
        while next(&mut ra).is_some() {}
        let publisher = {
            let hub = hub.clone();
            let a = a.clone();
            std::thread::spawn(move || {
                for id in 1..=MESSAGES {
                    // Paced like ingest, so the ring never overwrites.
                    if id % 64 == 0 {
                        let (mark, mut marked) = Mark::new();
                        hub.mark(room, &mark);
                        drop(mark);
                        while !marked.is_done() {
                            std::thread::yield_now();
                        }
                    }
                    hub.publish_message(message(room, id, "ann", &format!("a-{id}")), &a);
                }
            })
        };
        let started = std::time::Instant::now();
        let mut copies = 0;
        while copies < MESSAGES && started.elapsed() < std::time::Duration::from_secs(20) {
            match ra.try_recv() {
                Some(frame) => {
                    let frame = frame.expect("not lagged");
                    let text = frame.as_str();
                    assert!(
                        text.contains("\"client_id\""),
                        "the copy, not the room's frame: {text}"
                    );
                    a.written(frame.len()); // as its writer would
                    copies += 1;
                }
                None => std::thread::yield_now(),
            }
        }
        publisher.join().unwrap();
        assert_eq!(
            copies, MESSAGES,
            "every message came back as the author's copy"
        );
    }

    #[test]
    fn a_mark_is_done_once_every_follower_has_taken_what_came_before_it() {
        let hub = Hub::new();
        let room = RoomId(1);
        let marked = |hub: &Hub| {
            let (mark, marked) = Mark::new();
            hub.mark(room, &mark);
            marked
        };
        assert!(marked(&hub).is_done(), "nobody follows it");
        let (a, mut ra) = conn(&hub, 1, "a", 8);
        let (b, mut rb) = conn(&hub, 2, "b", 8);
        hub.subscribe(room, a.id);
        hub.subscribe(room, b.id);
        while next(&mut ra).is_some() {}
        while next(&mut rb).is_some() {}
        let frame = ServerFrame::Typing {
            room,
            user: "x".into(),
        };
        for _ in 0..3 {
            hub.publish(Topic::Room { room }, frame.clone());
        }
        let mut mark = marked(&hub);
        assert!(!mark.is_done());
        assert_eq!(
            std::iter::from_fn(|| next(&mut ra)).count(),
            3,
            "a mark is written to nobody"
        );
        assert!(!mark.is_done(), "b has taken none");
        assert!(next(&mut rb).is_some());
        assert!(!mark.is_done(), "b has taken one of three");
        while next(&mut rb).is_some() {}
        assert!(mark.is_done());
        // A follower that goes stops counting.
        hub.publish(Topic::Room { room }, frame.clone());
        let mut mark = marked(&hub);
        hub.disconnect(b.id);
        drop(rb);
        assert!(!mark.is_done(), "a has not taken it");
        while next(&mut ra).is_some() {}
        assert!(mark.is_done());
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
            hub.publish(Topic::All, frame.clone());
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
        assert_eq!(
            hub.publish(
                Topic::User { user: UserId(1) },
                Event::Close {
                    why: Kick::RoleChanged
                }
            )
            .connections,
            2
        );
        assert!(a1.is_kicked() && a2.is_kicked() && !b.is_kicked());
        assert_eq!(a1.kick_reason(), Some(Kick::RoleChanged));
    }

    #[test]
    fn a_leave_unfollows_every_connection_of_the_user_before_anything_later() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (a1, mut ra1) = conn(&hub, 1, "ann", 16);
        let (a2, mut ra2) = conn(&hub, 1, "ann", 16);
        let (b, mut rb) = conn(&hub, 2, "bob", 16);
        for c in [&a1, &a2, &b] {
            hub.subscribe(room, c.id);
        }
        for r in [&mut ra1, &mut ra2, &mut rb] {
            while next(r).is_some() {}
        }
        let removed = Event::Leave {
            room,
            frame: ServerFrame::MemberRemoved {
                room,
                banned: false,
            },
        };
        assert_eq!(
            hub.publish(Topic::User { user: UserId(1) }, removed)
                .connections,
            2
        );
        assert!(!hub.follows(a1.id, room) && !hub.follows(a2.id, room));
        assert!(hub.follows(b.id, room));
        hub.publish_message(message(room, 1, "bob", "b-1"), &b);
        for r in [&mut ra1, &mut ra2] {
            let got: Vec<String> = std::iter::from_fn(|| next(r)).collect();
            assert_eq!(got.len(), 1, "{got:?}");
            assert!(got[0].contains("member_removed"), "{got:?}");
        }
        // bob saw ann go offline (her last connection left), then his message
        let bob: Vec<String> = std::iter::from_fn(|| next(&mut rb)).collect();
        assert_eq!(bob.len(), 2, "{bob:?}");
        assert!(bob[0].contains(r#""user":"ann","online":false"#));
        assert!(bob[1].contains(r#""client_id":"b-1""#));
        assert_eq!(hub.online(room), vec!["bob"]);
    }

    fn visitor(hub: &Hub) -> (Outbox, Feed) {
        let (o, feed) = Outbox::new(hub.next_conn_id(), 8, 1 << 20);
        hub.connect_visitor(o.clone());
        (o, feed)
    }

    fn agent(hub: &Hub, user: i64, role: Role) -> (Outbox, Feed) {
        let (o, feed) = Outbox::new(hub.next_conn_id(), 8, 1 << 20);
        hub.connect(UserId(user), &format!("agent{user}"), role, "s", o.clone());
        (o, feed)
    }

    #[test]
    fn notes_reach_staff_listeners_only() {
        let hub = Hub::new();
        let c = ConversationId(5);
        let (v, mut rv) = visitor(&hub);
        let (a, mut ra) = agent(&hub, 1, Role::Agent);
        hub.listen(c, v.id, None);
        hub.listen(c, a.id, Some((UserId(1), Role::Agent)));
        let frame = ServerFrame::SupportAgentRemoved { id: UserId(9) };
        let staff = Topic::Conversation {
            conversation: c,
            audience: Audience::Staff,
        };
        assert_eq!(hub.publish(staff, frame.clone()).connections, 1);
        assert!(next(&mut ra).is_some());
        assert!(next(&mut rv).is_none(), "a visitor never gets a note");
        let everyone = Topic::Conversation {
            conversation: c,
            audience: Audience::Everyone,
        };
        assert_eq!(hub.publish(everyone, frame).connections, 2);
    }

    #[test]
    fn a_revoke_drops_only_staff_who_may_no_longer_see() {
        let hub = Hub::new();
        let c = ConversationId(5);
        let (v, mut rv) = visitor(&hub);
        let (ann, mut rann) = agent(&hub, 1, Role::Agent);
        let (bob, mut rbob) = agent(&hub, 2, Role::Agent);
        let (boss, mut rboss) = agent(&hub, 3, Role::Admin);
        for (conn, staff) in [
            (v.id, None),
            (ann.id, Some((UserId(1), Role::Agent))),
            (bob.id, Some((UserId(2), Role::Agent))),
            (boss.id, Some((UserId(3), Role::Admin))),
        ] {
            hub.listen(c, conn, staff);
        }
        let assigned = ServerFrame::SupportAssigned(SupportAssigned {
            conversation: c,
            agent: None,
        });
        let topic = Topic::Conversation {
            conversation: c,
            audience: Audience::Staff,
        };
        // To bob: ann may no longer see it; the admin and the visitor stay.
        let revoke = Event::Revoke {
            assignee: Some(UserId(2)),
            frame: assigned.clone(),
        };
        assert_eq!(hub.publish(topic.clone(), revoke).connections, 1);
        assert!(next(&mut rann).is_some(), "ann is told");
        assert!(next(&mut rbob).is_none() && next(&mut rboss).is_none());
        let everyone = Topic::Conversation {
            conversation: c,
            audience: Audience::Everyone,
        };
        assert_eq!(hub.publish(everyone, assigned).connections, 3);
        assert!(next(&mut rann).is_none(), "ann stopped listening");
        assert!(next(&mut rv).is_some());
    }

    #[test]
    fn consoles_see_what_their_user_may_see() {
        let hub = Hub::new();
        let (ann, mut rann) = agent(&hub, 1, Role::Agent);
        let (bob, mut rbob) = agent(&hub, 2, Role::Agent);
        let (boss, mut rboss) = agent(&hub, 3, Role::Admin);
        let (_quiet, mut rquiet) = agent(&hub, 4, Role::Agent);
        for o in [&ann, &bob, &boss] {
            hub.add_console(o.id);
        }
        let frame = ServerFrame::SupportAgentRemoved { id: UserId(9) };
        let showing = |assignee, also| Topic::Consoles {
            scope: Consoles::Showing { assignee, also },
        };
        // Assigned to ann: ann and the admin; bob only as the one it left.
        assert_eq!(
            hub.publish(showing(Some(UserId(1)), None), frame.clone())
                .connections,
            2
        );
        assert!(next(&mut rann).is_some() && next(&mut rboss).is_some());
        assert!(next(&mut rbob).is_none());
        hub.publish(showing(Some(UserId(1)), Some(UserId(2))), frame.clone());
        assert!(next(&mut rbob).is_some());
        // Unassigned: every console; a connection without one never.
        assert_eq!(hub.publish(showing(None, None), frame).connections, 3);
        assert!(next(&mut rquiet).is_none());
    }

    #[test]
    fn closes_reach_exactly_the_session_named_and_visitors_are_not_everyone() {
        let hub = Hub::new();
        let (o1, _f1) = Outbox::new(hub.next_conn_id(), 8, 1 << 20);
        let (o2, _f2) = Outbox::new(hub.next_conn_id(), 8, 1 << 20);
        hub.connect(UserId(1), "ann", Role::Member, "laptop", o1.clone());
        hub.connect(UserId(1), "ann", Role::Member, "phone", o2.clone());
        let (v, mut rv) = visitor(&hub);
        let close = Event::Close {
            why: Kick::SessionEnded,
        };
        let laptop = Topic::Session {
            session: "laptop".into(),
        };
        assert_eq!(hub.publish(laptop, close).connections, 1);
        assert!(o1.is_kicked() && !o2.is_kicked() && !v.is_kicked());
        let hi = ServerFrame::SupportAgentRemoved { id: UserId(9) };
        // The closed laptop takes nothing more; the phone does.
        assert_eq!(hub.publish(Topic::All, hi.clone()).connections, 1);
        assert!(next(&mut rv).is_none(), "All means signed-in connections");
        assert_eq!(hub.publish(Topic::Visitors, hi).connections, 1);
    }

    #[test]
    fn topics_and_events_survive_the_wire() {
        let topic = Topic::Consoles {
            scope: Consoles::Showing {
                assignee: Some(UserId(1)),
                also: None,
            },
        };
        let event = Event::Close {
            why: Kick::RoleChanged,
        };
        let t: Topic = serde_json::from_str(&serde_json::to_string(&topic).unwrap()).unwrap();
        let e: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(t, topic);
        assert!(matches!(
            e,
            Event::Close {
                why: Kick::RoleChanged
            }
        ));
    }
}
