//! What the other nodes of a cluster reported about themselves: who is online
//! in which room there, and which agents are on duty there with what
//! availability. Each node says it in small updates as things change and in a
//! full snapshot every few seconds, and says it is alive more often; a node
//! that stops saying anything for [`PEER_TTL`] is forgotten, as if all its
//! users went offline (it died without a goodbye).
//!
//! Plain data: the hub asks it whether someone is online *elsewhere* before
//! announcing a presence change, so a user with tabs on two nodes goes
//! offline only when the last one closes.

use app::protocol::{Availability, RoomId, UserId};
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

/// A node not heard from for this long is gone. Nodes say they are alive
/// every `bus::ALIVE_EVERY` (2 s), so this survives four missed beats; a
/// stall that long would have cut the node's clients off anyway.
pub const PEER_TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Peer {
    seen: Option<Instant>,
    rooms: HashMap<RoomId, HashSet<String>>,
    agents: HashMap<UserId, Availability>,
}

/// Every other node's report, by node id.
#[derive(Default)]
pub struct Peers {
    nodes: HashMap<String, Peer>,
}

/// A node's full report.
pub type RoomsOnline = Vec<(RoomId, Vec<String>)>;
pub type AgentsOnDuty = Vec<(UserId, Availability)>;

impl Peers {
    fn peer(&mut self, node: &str, now: Instant) -> &mut Peer {
        let p = self.nodes.entry(node.to_owned()).or_default();
        p.seen = Some(now);
        p
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node is alive (it sent anything).
    pub fn heard(&mut self, node: &str, now: Instant) {
        self.peer(node, now);
    }

    /// Whether `user` is online in `room` on any other node (but `except`).
    pub fn online(&self, room: RoomId, user: &str, except: Option<&str>) -> bool {
        self.nodes
            .iter()
            .filter(|(n, _)| Some(n.as_str()) != except)
            .any(|(_, p)| p.rooms.get(&room).is_some_and(|users| users.contains(user)))
    }

    /// Whether `node` reported `user` online in `room`.
    pub fn has(&self, node: &str, room: RoomId, user: &str) -> bool {
        self.nodes
            .get(node)
            .and_then(|p| p.rooms.get(&room))
            .is_some_and(|users| users.contains(user))
    }

    /// Everyone online in `room` on other nodes.
    pub fn online_in(&self, room: RoomId) -> impl Iterator<Item = &String> {
        self.nodes
            .values()
            .filter_map(move |p| p.rooms.get(&room))
            .flatten()
    }

    /// One user came online (or went offline) in a room on `node`.
    pub fn set_online(&mut self, node: &str, room: RoomId, user: &str, online: bool, now: Instant) {
        let p = self.peer(node, now);
        if online {
            p.rooms.entry(room).or_default().insert(user.to_owned());
        } else if let Some(users) = p.rooms.get_mut(&room) {
            users.remove(user);
            if users.is_empty() {
                p.rooms.remove(&room);
            }
        }
    }

    /// Replaces what `node` reported. Returns the (room, user) pairs whose
    /// presence on that node changed, for the caller to re-check.
    pub fn replace(
        &mut self,
        node: &str,
        rooms: RoomsOnline,
        agents: AgentsOnDuty,
        now: Instant,
    ) -> Vec<(RoomId, String)> {
        let p = self.peer(node, now);
        let new: HashMap<RoomId, HashSet<String>> = rooms
            .into_iter()
            .filter(|(_, users)| !users.is_empty())
            .map(|(room, users)| (room, users.into_iter().collect()))
            .collect();
        let changed = symmetric_difference(&p.rooms, &new);
        p.rooms = new;
        p.agents = agents.into_iter().collect();
        changed
    }

    /// Forgets `node` (it said goodbye, or went silent). Returns the
    /// (room, user) pairs it had, for the caller to re-check.
    pub fn remove(&mut self, node: &str) -> Vec<(RoomId, String)> {
        match self.nodes.remove(node) {
            Some(p) => p
                .rooms
                .into_iter()
                .flat_map(|(room, users)| users.into_iter().map(move |u| (room, u)))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Nodes silent for longer than [`PEER_TTL`] at `now`.
    pub fn silent(&self, now: Instant) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, p)| p.seen.is_none_or(|s| now.duration_since(s) > PEER_TTL))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// An agent's availability on `node` (`Offline` forgets them there).
    pub fn set_agent(&mut self, node: &str, agent: UserId, a: Availability, now: Instant) {
        let p = self.peer(node, now);
        if a == Availability::Offline {
            p.agents.remove(&agent);
        } else {
            p.agents.insert(agent, a);
        }
    }

    /// An agent's availability on the other nodes: the most available
    /// reported (online over away), `None` when connected to none of them.
    pub fn agent(&self, agent: UserId) -> Option<Availability> {
        self.nodes
            .values()
            .filter_map(|p| p.agents.get(&agent).copied())
            .max_by_key(|a| readiness(*a))
    }

    /// Agents online on other nodes.
    pub fn online_agents(&self) -> HashSet<UserId> {
        self.nodes
            .values()
            .flat_map(|p| p.agents.iter())
            .filter(|(_, a)| **a == Availability::Online)
            .map(|(id, _)| *id)
            .collect()
    }
}

/// How ready an availability is to take conversations: when an agent's
/// reports differ (several nodes, several tabs), the readiest one counts.
pub fn readiness(a: Availability) -> u8 {
    match a {
        Availability::Online => 2,
        Availability::Away => 1,
        Availability::Offline => 0,
    }
}

fn symmetric_difference(
    old: &HashMap<RoomId, HashSet<String>>,
    new: &HashMap<RoomId, HashSet<String>>,
) -> Vec<(RoomId, String)> {
    let mut out = Vec::new();
    for (a, b) in [(old, new), (new, old)] {
        for (room, users) in a {
            for u in users {
                if !b.get(room).is_some_and(|other| other.contains(u)) {
                    out.push((*room, u.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_online_while_any_node_has_them() {
        let mut p = Peers::default();
        let now = Instant::now();
        let room = RoomId(1);
        p.set_online("b", room, "ann", true, now);
        p.set_online("c", room, "ann", true, now);
        p.set_online("b", room, "ann", false, now);
        assert!(p.online(room, "ann", None), "still on c");
        assert_eq!(p.remove("c"), vec![(room, "ann".to_owned())]);
        assert!(!p.online(room, "ann", None));
    }

    #[test]
    fn a_snapshot_reports_exactly_what_changed() {
        let mut p = Peers::default();
        let now = Instant::now();
        let (r1, r2) = (RoomId(1), RoomId(2));
        p.set_online("b", r1, "ann", true, now);
        p.set_online("b", r1, "bob", true, now);
        let mut changed = p.replace(
            "b",
            vec![(r1, vec!["ann".into()]), (r2, vec!["cat".into()])],
            vec![],
            now,
        );
        changed.sort();
        assert_eq!(changed, vec![(r1, "bob".into()), (r2, "cat".into())]);
    }

    #[test]
    fn silent_nodes_are_found_and_agents_take_the_best_report() {
        let mut p = Peers::default();
        let t0 = Instant::now();
        p.set_agent("b", UserId(7), Availability::Away, t0);
        p.set_agent(
            "c",
            UserId(7),
            Availability::Online,
            t0 + Duration::from_secs(20),
        );
        assert_eq!(p.agent(UserId(7)), Some(Availability::Online));
        let later = t0 + PEER_TTL + Duration::from_secs(1);
        assert_eq!(p.silent(later), vec!["b".to_owned()]);
        p.remove("b");
        p.set_agent("c", UserId(7), Availability::Offline, later);
        assert_eq!(p.agent(UserId(7)), None);
        assert!(p.online_agents().is_empty());
    }
}
