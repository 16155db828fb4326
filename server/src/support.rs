//! The customer-service desk: who is on duty, and the actions that change a
//! conversation (store, then publish) shared by the WebSocket, the HTTP API
//! and the routing task.
//!
//! What is decided lives in the database (`store/support.rs`): assignments,
//! statuses, deadlines, the queue. What lives here, in memory, is only what a
//! restart may forget because it is rebuilt by reconnecting: agents'
//! availability (derived from their open connections). Who listens to which
//! conversation is the hub's, like every other subscription; the desk
//! publishes through it ([`Hub::publish`]).

pub mod access;
pub mod hours;
pub mod identity;
mod routing;
pub mod session;

use crate::{
    hub::{Audience, ConnId, Consoles, Event, Hub, Topic},
    scheduler::Clock,
    store::{MessageKind, NewSupportMessage, Store, StoreError},
};
use app::protocol::{
    AgentRef, AgentStatus, Availability, ConversationId, ConversationRow, ConversationStatus,
    DeskState, Role, ServerFrame, SupportAssigned, SupportMessage, SupportStatus, SystemEvent,
    User, UserId,
};
use chrono::{DateTime, Utc};
pub use hours::Hours;
use identity::CookieSigner;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};
use tokio::{
    sync::{watch, Notify},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// Settings the desk is started with.
#[derive(Clone)]
pub struct DeskConfig {
    /// How long an auto-assigned agent has to answer before re-routing.
    pub reroute_after: chrono::Duration,
    /// Capacity of agents without their own.
    pub default_capacity: i64,
    /// Signs visitor cookies.
    pub signer: CookieSigner,
}

/// Who sends a support frame, as rate limits count them (`Limits::support_actions`):
/// a visitor by their cookie's key (they may have no row yet), a user by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    Visitor(String),
    User(UserId),
}

/// One agent's live state.
struct Agent {
    name: String,
    /// Open connections; availability drops to offline when it reaches 0.
    conns: usize,
    availability: Availability,
}

#[derive(Default)]
struct Live {
    agents: HashMap<UserId, Agent>,
    hours: Hours,
}

struct Inner {
    /// A `std::sync::Mutex`: nothing is awaited while it is held.
    live: Mutex<Live>,
    store: Store,
    hub: Arc<Hub>,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
    /// Wakes the routing task; any number of wakes while it is busy collapse
    /// into one more pass.
    wake: Notify,
    /// (passes started, passes finished), for [`Desk::settle`].
    passes: watch::Sender<(u64, u64)>,
}

/// A cheap handle on the desk, kept in the app state.
#[derive(Clone)]
pub struct Desk {
    inner: Arc<Inner>,
}

/// How a conversation changed hands, for its system line.
#[derive(Debug, Clone)]
pub enum Handover {
    /// Routing gave it to the least-loaded online agent.
    Auto,
    /// The agent took it.
    Claim,
    /// `by` handed it over (a transfer, or an admin's assignment).
    By(String),
    /// Its agent did not answer in time; it goes back to routing.
    Rerouted,
    /// Its agent lost the agent role; it goes back to routing.
    RoleRemoved,
}

impl Desk {
    /// Loads the business hours and starts the routing task (it ends when
    /// `shutdown` is cancelled).
    pub async fn start(
        store: Store,
        hub: Arc<Hub>,
        clock: Arc<dyn Clock>,
        config: DeskConfig,
        shutdown: CancellationToken,
    ) -> Result<(Desk, JoinHandle<()>), StoreError> {
        let hours = Hours::parse(&store.business_hours().await?).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored business hours are invalid; using always-open");
            Hours::default()
        });
        let desk = Desk {
            inner: Arc::new(Inner {
                live: Mutex::new(Live {
                    hours,
                    ..Live::default()
                }),
                store,
                hub,
                clock,
                config,
                wake: Notify::new(),
                passes: watch::Sender::new((0, 0)),
            }),
        };
        let task = tokio::spawn(routing::run(desk.clone(), shutdown));
        Ok((desk, task))
    }

    fn live(&self) -> MutexGuard<'_, Live> {
        self.inner.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn signer(&self) -> &CookieSigner {
        &self.inner.config.signer
    }

    /// The re-routing deadline for an assignment made now.
    pub fn reroute_deadline(&self) -> DateTime<Utc> {
        self.now() + self.inner.config.reroute_after
    }

    /// Something routing depends on changed: look again.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Wakes the routing task and waits until a pass that began after this
    /// call has finished. For tests.
    pub async fn settle(&self) {
        let mut passes = self.inner.passes.subscribe();
        let started = passes.borrow_and_update().0;
        self.wake();
        let _ = passes.wait_for(|(_, finished)| *finished > started).await;
    }

    // --- availability ------------------------------------------------------

    /// An agent's connection opened. Their first on this node takes the
    /// availability they have on other nodes, if any (it is the agent's, not
    /// the node's).
    pub fn agent_connected(&self, user: &User) {
        let elsewhere = self.inner.hub.peer_agent_availability(user.id);
        let mut live = self.live();
        let a = live.agents.entry(user.id).or_insert_with(|| Agent {
            name: user.username.clone(),
            conns: 0,
            availability: Availability::Offline,
        });
        a.conns += 1;
        if a.conns == 1 {
            a.availability = elsewhere.unwrap_or(Availability::Offline);
        }
    }

    /// An agent's connection closed: for their last one, drop them to
    /// offline and tell the desk.
    pub async fn disconnected(&self, agent: Option<UserId>) {
        let went_offline = {
            let mut live = self.live();
            match agent.and_then(|a| live.agents.get_mut(&a).map(|s| (a, s))) {
                Some((id, a)) => {
                    a.conns = a.conns.saturating_sub(1);
                    let was = a.availability;
                    if a.conns == 0 {
                        a.availability = Availability::Offline;
                    }
                    (a.conns == 0 && was != Availability::Offline).then_some(id)
                }
                None => None,
            }
        };
        if let Some(agent) = went_offline {
            self.tell_peers(agent, Availability::Offline, false);
            self.publish_agent(agent).await;
        }
    }

    /// Tells the other nodes (if any) an agent's availability here.
    fn tell_peers(&self, agent: UserId, availability: Availability, set: bool) {
        self.inner.hub.tell_peers(crate::bus::Body::Agent {
            agent,
            availability,
            set,
        });
    }

    /// Another node says the agent chose `availability`: their connections
    /// here follow it (the choice is the agent's, wherever they made it).
    pub fn adopt_availability(&self, agent: UserId, availability: Availability) {
        if let Some(a) = self.live().agents.get_mut(&agent) {
            if a.conns > 0 {
                a.availability = availability;
            }
        }
    }

    /// The agents connected to this node and their availability, for the
    /// other nodes' routing.
    pub fn local_agents(&self) -> Vec<(UserId, Availability)> {
        self.live()
            .agents
            .iter()
            .filter(|(_, a)| a.conns > 0 && a.availability != Availability::Offline)
            .map(|(id, a)| (*id, a.availability))
            .collect()
    }

    /// Sets an agent's availability (they must be connected).
    pub async fn set_availability(&self, agent: &User, availability: Availability) {
        let now = {
            let mut live = self.live();
            let a = live.agents.entry(agent.id).or_insert_with(|| Agent {
                name: agent.username.clone(),
                conns: 0,
                availability: Availability::Offline,
            });
            a.availability = if a.conns == 0 {
                Availability::Offline
            } else {
                availability
            };
            a.availability
        };
        self.tell_peers(agent.id, now, true);
        self.publish_agent(agent.id).await;
        self.wake();
    }

    /// Agents who can take conversations now (online, connected to this
    /// node or another), by id.
    pub fn online_agents(&self) -> Vec<UserId> {
        let mut all = self.inner.hub.peer_online_agents();
        all.extend(
            self.live()
                .agents
                .iter()
                .filter(|(_, a)| a.conns > 0 && a.availability == Availability::Online)
                .map(|(id, _)| *id),
        );
        let mut v: Vec<UserId> = all.into_iter().collect();
        v.sort();
        v
    }

    /// An agent's availability anywhere in the cluster: the most available
    /// of this node's and the others' reports.
    pub fn availability(&self, agent: UserId) -> Availability {
        let here = self
            .live()
            .agents
            .get(&agent)
            .filter(|a| a.conns > 0)
            .map_or(Availability::Offline, |a| a.availability);
        use crate::hub::peers::readiness;
        match self.inner.hub.peer_agent_availability(agent) {
            Some(there) if readiness(there) > readiness(here) => there,
            _ => here,
        }
    }

    /// What visitors are told about the desk now.
    pub fn state(&self) -> DeskState {
        let agents_online = !self.online_agents().is_empty();
        let live = self.live();
        DeskState {
            open_now: live.hours.is_open(self.now()),
            agents_online,
            away_message: live.hours.away_message().to_owned(),
        }
    }

    pub fn set_hours(&self, hours: Hours) {
        self.live().hours = hours;
    }

    /// Every agent and admin with availability, load and capacity.
    pub async fn agents(&self) -> Result<Vec<AgentStatus>, StoreError> {
        let users = self.store().list_users().await?;
        let loads = self.store().open_loads().await?;
        let caps = self.store().capacities().await?;
        Ok(users
            .into_iter()
            .filter(|u| u.role >= Role::Agent && u.active)
            .map(|u| AgentStatus {
                id: u.id,
                availability: self.availability(u.id),
                open: loads.get(&u.id).copied().unwrap_or(0),
                capacity: caps
                    .get(&u.id)
                    .copied()
                    .unwrap_or(self.inner.config.default_capacity),
                name: u.username,
            })
            .collect())
    }

    pub fn default_capacity(&self) -> i64 {
        self.inner.config.default_capacity
    }

    // --- publishing (after storing) ------------------------------------------

    /// Publishes a frame to a conversation's listeners (staff only when
    /// `audience` says so).
    pub fn to_conversation(
        &self,
        conversation: ConversationId,
        audience: Audience,
        frame: ServerFrame,
    ) {
        self.inner.hub.publish(
            Topic::Conversation {
                conversation,
                audience,
            },
            frame,
        );
    }

    /// Like [`Desk::to_conversation`] to everyone, leaving out one connection
    /// (the typist's own).
    pub fn to_conversation_except(
        &self,
        conversation: ConversationId,
        frame: ServerFrame,
        skip: ConnId,
    ) {
        self.inner.hub.publish_except(
            Topic::Conversation {
                conversation,
                audience: Audience::Everyone,
            },
            frame,
            skip,
        );
    }

    /// A stored message to its listeners (a note to agents only).
    pub fn publish_message(&self, m: SupportMessage) {
        let audience = if m.private {
            Audience::Staff
        } else {
            Audience::Everyone
        };
        self.to_conversation(m.conversation, audience, ServerFrame::SupportMessage(m));
    }

    /// A conversation's row to the consoles that show it: those who may see
    /// it ([`access::may_see`]: admins, everyone while it is unassigned, its
    /// assignee), and `also` (an agent it just left, so their list drops it).
    pub fn publish_row(&self, row: ConversationRow, also: Option<UserId>) {
        let assignee = row.assignee.as_ref().map(|a| a.id);
        self.to_consoles(
            Consoles::Showing { assignee, also },
            ServerFrame::SupportConversation(row),
        );
    }

    /// Re-reads a conversation's row and publishes it.
    pub async fn refresh_row(
        &self,
        conversation: ConversationId,
        also: Option<UserId>,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let row = self.store().conversation_row(conversation).await?;
        if let Some(r) = &row {
            self.publish_row(r.clone(), also);
        }
        Ok(row)
    }

    /// One agent's status (`None` when the user is not an agent).
    pub async fn agent_status(&self, agent: UserId) -> Result<Option<AgentStatus>, StoreError> {
        let Some(user) = self.store().user(agent).await? else {
            return Ok(None);
        };
        if user.role < Role::Agent || !user.active {
            return Ok(None);
        }
        let open = self
            .store()
            .open_loads()
            .await?
            .get(&agent)
            .copied()
            .unwrap_or(0);
        let capacity = self
            .store()
            .capacities()
            .await?
            .get(&agent)
            .copied()
            .unwrap_or(self.inner.config.default_capacity);
        Ok(Some(AgentStatus {
            id: agent,
            name: user.username,
            availability: self.availability(agent),
            open,
            capacity,
        }))
    }

    /// An agent's status to every console.
    pub async fn publish_agent(&self, agent: UserId) {
        let status = match self.agent_status(agent).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "reading agent status");
                None
            }
        };
        if let Some(status) = status {
            self.to_consoles(Consoles::Every, ServerFrame::SupportAgent(status));
        }
    }

    /// An admin changed `user`'s role. Now an agent or admin: consoles list
    /// them (offline until they reconnect). No longer one: routing forgets
    /// them at once, without waiting for their renewed sockets to close,
    /// consoles drop them from the list, and their open conversations go back
    /// to the queue, since they can no longer answer them.
    pub async fn role_changed(&self, user: &User) -> Result<(), StoreError> {
        if user.role >= Role::Agent {
            self.publish_agent(user.id).await;
            return Ok(());
        }
        self.no_longer_agent(user).await
    }

    /// An account was deactivated or reactivated: a deactivated agent is
    /// taken off the desk as if no longer an agent (their conversations go
    /// back to the queue); a reactivated one is listed again, offline.
    pub async fn activity_changed(&self, user: &User) -> Result<(), StoreError> {
        match (user.role >= Role::Agent, user.active) {
            (false, _) => Ok(()),
            (true, true) => {
                self.publish_agent(user.id).await;
                Ok(())
            }
            (true, false) => self.no_longer_agent(user).await,
        }
    }

    async fn no_longer_agent(&self, user: &User) -> Result<(), StoreError> {
        self.live().agents.remove(&user.id);
        // Every node stops routing to them now, not when their sockets close.
        self.tell_peers(user.id, Availability::Offline, true);
        self.to_consoles(
            Consoles::Every,
            ServerFrame::SupportAgentRemoved { id: user.id },
        );
        let returned = self.store().unassign_all(user.id, self.now()).await?;
        for id in &returned {
            self.announce_assignment(*id, Some(user.id), None, Handover::RoleRemoved)
                .await?;
        }
        if !returned.is_empty() {
            self.wake();
        }
        Ok(())
    }

    /// Publishes a frame to the open consoles `scope` admits.
    fn to_consoles(&self, scope: Consoles, frame: ServerFrame) {
        self.inner.hub.publish(Topic::Consoles { scope }, frame);
    }

    // --- actions: store, then publish -----------------------------------------

    /// Stores and publishes a system line: the event, and its English
    /// sentence as the body.
    pub async fn system_line(
        &self,
        conversation: ConversationId,
        event: SystemEvent,
    ) -> Result<(), StoreError> {
        let stored = self
            .store()
            .add_support_message(
                &NewSupportMessage {
                    conversation,
                    kind: MessageKind::System,
                    author_id: None,
                    author_name: "system".into(),
                    author_key: None,
                    client_id: None,
                    body: event.english(),
                    event: Some(event),
                    files: Vec::new(),
                    uploader: None,
                },
                self.now(),
            )
            .await?;
        self.publish_message(stored.message);
        Ok(())
    }

    /// After an assignment was stored: the system line, `support.assigned`,
    /// the row, both agents' loads, and the re-routing notice.
    pub async fn announce_assignment(
        &self,
        conversation: ConversationId,
        from: Option<UserId>,
        to: Option<UserId>,
        how: Handover,
    ) -> Result<(), StoreError> {
        let name = |id: Option<UserId>| -> Option<String> {
            id.and_then(|id| self.live().agents.get(&id).map(|a| a.name.clone()))
        };
        let to_ref = match to {
            Some(id) => {
                let name = match name(Some(id)) {
                    Some(n) => n,
                    None => self
                        .store()
                        .user(id)
                        .await?
                        .map(|u| u.username)
                        .unwrap_or_default(),
                };
                Some(AgentRef { id, name })
            }
            None => None,
        };
        let from_name = match from {
            Some(id) => match name(Some(id)) {
                Some(n) => Some(n),
                None => self.store().user(id).await?.map(|u| u.username),
            },
            None => None,
        };
        let to_name = to_ref
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "nobody".into());
        let seconds = self.inner.config.reroute_after.num_seconds();
        let minutes = seconds as f64 / 60.0;
        let line = match (&how, from_name) {
            (Handover::Auto, _) => SystemEvent::Assigned { to: to_name },
            (Handover::Claim, from) => SystemEvent::Claimed {
                agent: to_name,
                from,
            },
            (Handover::By(by), from) => SystemEvent::Transferred {
                by: by.clone(),
                from,
                to: to_name,
            },
            (Handover::RoleRemoved, agent) => SystemEvent::AgentRemoved { agent },
            (Handover::Rerouted, agent) => SystemEvent::NotAnswered { agent, seconds },
        };
        let assigned = ServerFrame::SupportAssigned(SupportAssigned {
            conversation,
            agent: to_ref,
        });
        // Staff panes that just lost the conversation learn who has it now
        // and stop listening, before its system line (or a note of the new
        // assignee's) is published.
        self.inner.hub.publish(
            Topic::Conversation {
                conversation,
                audience: Audience::Staff,
            },
            Event::Revoke {
                assignee: to,
                frame: assigned.clone(),
            },
        );
        self.system_line(conversation, line).await?;
        self.to_conversation(conversation, Audience::Everyone, assigned);
        self.refresh_row(conversation, from).await?;
        if matches!(how, Handover::Rerouted) {
            if let Some(f) = from {
                self.to_consoles(
                    Consoles::Of { user: f },
                    ServerFrame::SupportRerouted {
                        conversation,
                        reason: format!("not answered within {minutes} minutes"),
                        seconds,
                    },
                );
            }
        }
        for a in [from, to].into_iter().flatten() {
            self.publish_agent(a).await;
        }
        Ok(())
    }

    /// Changes a conversation's status: stores it with a system line and
    /// publishes `support.status`, the row, and the assignee's load.
    pub async fn change_status(
        &self,
        conversation: ConversationId,
        status: ConversationStatus,
        line: SystemEvent,
        assignee: Option<UserId>,
    ) -> Result<(), StoreError> {
        let reroute = (status == ConversationStatus::Open).then(|| self.reroute_deadline());
        self.store()
            .set_conversation_status(conversation, status, reroute, self.now())
            .await?;
        self.system_line(conversation, line).await?;
        self.to_conversation(
            conversation,
            Audience::Everyone,
            ServerFrame::SupportStatus(SupportStatus {
                conversation,
                status,
            }),
        );
        self.refresh_row(conversation, None).await?;
        if let Some(a) = assignee {
            self.publish_agent(a).await;
        }
        // Resolving frees capacity; reopening may need an agent or a deadline.
        self.wake();
        Ok(())
    }
}
