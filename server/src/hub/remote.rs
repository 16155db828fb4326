//! The hub's side of a cluster: what other nodes report about presence and
//! agents (kept in [`super::peers`]) and how it changes what this node's
//! followers are told. The bus (`bus.rs`) calls these as envelopes arrive;
//! every presence frame a node sends is derived from the union of all nodes'
//! reports, so each node tells its own followers the same thing.

use super::{peers, peers::Peers, sorted, Hub, Kick};
use app::protocol::{Availability, RoomId, UserId};
use std::{collections::HashSet, time::Instant};

impl Hub {
    /// Who is online in which room on this node, for a snapshot to the others.
    pub(crate) fn local_presence(&self) -> peers::RoomsOnline {
        self.state()
            .rooms
            .iter()
            .map(|(room, r)| (*room, sorted(r.online.keys())))
            .filter(|(_, users)| !users.is_empty())
            .collect()
    }

    /// Any message from a peer proves it alive.
    pub(crate) fn peer_heard(&self, node: &str) {
        self.state().peers.heard(node, Instant::now());
    }

    /// A peer says `user` came online (went offline) in `room` there.
    pub(crate) fn peer_presence(&self, node: &str, room: RoomId, user: String, online: bool) {
        self.change_peer(node, |p, now| {
            let had = p.has(node, room, &user);
            p.set_online(node, room, &user, online, now);
            if had != online {
                vec![(room, user)]
            } else {
                Vec::new()
            }
        });
    }

    /// A peer's full report.
    pub(crate) fn peer_snapshot(
        &self,
        node: &str,
        rooms: peers::RoomsOnline,
        agents: peers::AgentsOnDuty,
    ) {
        self.change_peer(node, |p, now| p.replace(node, rooms, agents, now));
    }

    /// A peer left or went silent: its users go offline unless they are
    /// online on another node.
    pub(crate) fn peer_gone(&self, node: &str) {
        self.change_peer(node, |p, _| p.remove(node));
    }

    /// Applies a change to what `node` reported. The change answers the
    /// (room, user) pairs it flipped in that node's report; each flips
    /// presence in the room only if nobody else (here or on a third node)
    /// holds it, and this node's followers of the room are told.
    fn change_peer(
        &self,
        node: &str,
        change: impl FnOnce(&mut Peers, Instant) -> Vec<(RoomId, String)>,
    ) {
        let announce: Vec<(RoomId, String, bool)> = {
            let mut st = self.state();
            let flipped = change(&mut st.peers, Instant::now());
            flipped
                .into_iter()
                .filter(|(room, user)| !st.online_anywhere(*room, user, Some(node)))
                .map(|(room, user)| {
                    let online = st.online_anywhere(room, &user, None);
                    (room, user, online)
                })
                .collect()
        };
        for (room, user, online) in announce {
            self.announce_presence(room, user, online);
        }
    }

    /// How many other nodes this one has heard from (and not forgotten).
    pub fn peer_count(&self) -> usize {
        self.state().peers.len()
    }

    /// Nodes silent too long, for the bus to forget.
    pub(crate) fn silent_peers(&self) -> Vec<String> {
        self.state().peers.silent(Instant::now())
    }

    /// A peer's report of one agent's availability there.
    pub(crate) fn peer_agent(&self, node: &str, agent: UserId, a: Availability) {
        self.state().peers.set_agent(node, agent, a, Instant::now());
    }

    /// An agent's availability on the other nodes (`None`: on none).
    pub fn peer_agent_availability(&self, agent: UserId) -> Option<Availability> {
        self.state().peers.agent(agent)
    }

    /// Agents online on the other nodes.
    pub fn peer_online_agents(&self) -> HashSet<UserId> {
        self.state().peers.online_agents()
    }

    /// Closes every connection on this node (after a bus fault: what they
    /// missed is in the database, and reconnecting replays it).
    pub(crate) fn close_all(&self, why: Kick) -> usize {
        let st = self.state();
        st.conns.values().map(|c| c.outbox.kick(why)).count()
    }
}

#[cfg(test)]
mod tests {
    use crate::hub::{Hub, Outbox};
    use app::protocol::{Role, RoomId, UserId};

    fn drain(feed: &mut crate::hub::Feed) -> Vec<String> {
        std::iter::from_fn(|| feed.try_recv())
            .map(|f| f.expect("not lagged").as_str().to_owned())
            .collect()
    }

    #[test]
    fn presence_is_the_union_of_every_nodes() {
        let hub = Hub::new();
        let room = RoomId(1);
        let (watch, mut feed) = Outbox::new(hub.next_conn_id(), 64, 1 << 20);
        hub.connect(UserId(1), "watcher", Role::Member, "s", watch.clone());
        hub.subscribe(room, watch.id);
        drain(&mut feed);

        // Ann is on node b: she comes online here, once.
        hub.peer_presence("b", room, "ann".into(), true);
        assert!(drain(&mut feed)
            .iter()
            .any(|f| f.contains(r#""user":"ann","online":true"#)));
        assert_eq!(hub.online(room), ["ann", "watcher"]);

        // She opens a tab here too, then closes it: still online on b.
        let (tab, _f) = Outbox::new(hub.next_conn_id(), 64, 1 << 20);
        hub.connect(UserId(2), "ann", Role::Member, "s2", tab.clone());
        hub.subscribe(room, tab.id);
        hub.disconnect(tab.id);
        assert!(
            !drain(&mut feed).iter().any(|f| f.contains("presence")),
            "nothing changed for anyone"
        );

        // Node c reports her too; b goes away: still online (on c).
        hub.peer_snapshot("c", vec![(room, vec!["ann".into()])], vec![]);
        hub.peer_gone("b");
        assert!(drain(&mut feed).is_empty());
        // c's next snapshot no longer has her: now she is offline.
        hub.peer_snapshot("c", vec![], vec![]);
        let frames = drain(&mut feed);
        assert!(
            frames
                .iter()
                .any(|f| f.contains(r#""user":"ann","online":false"#)),
            "{frames:?}"
        );
        assert_eq!(hub.online(room), ["watcher"]);
    }
}
