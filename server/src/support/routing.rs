//! The routing task: re-routes conversations whose agent did not answer in
//! time, then gives queued conversations, oldest first, to the online agent
//! with the fewest open conversations below their capacity.
//!
//! Like the scheduler it sleeps until the next re-routing deadline (on the
//! injected clock) and is woken early by [`Desk::wake`] when something routing
//! depends on changes: a new or reopened conversation, a resolve, an agent
//! going online, a capacity change. There is no polling loop. Every decision
//! is a conditional update in the database, so a manual claim racing an
//! automatic assignment cannot both win. In a cluster every node runs this
//! task; a PostgreSQL advisory lock lets one pass run at a time, and online
//! agents are those online on any node (`Desk::online_agents`).

use super::{Desk, Handover};
use crate::store::StoreError;
use app::protocol::UserId;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

/// After a database error, the next attempt waits this long.
const RETRY: chrono::Duration = chrono::Duration::seconds(5);

pub(super) async fn run(desk: Desk, shutdown: CancellationToken) {
    loop {
        desk.inner.passes.send_modify(|(started, _)| *started += 1);
        let next = match pass(&desk).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "support routing pass failed; retrying");
                Some(desk.now() + RETRY)
            }
        };
        desk.inner
            .passes
            .send_modify(|(_, finished)| *finished += 1);
        let sleep = async {
            match next {
                Some(t) => desk.inner.clock.sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = desk.inner.wake.notified() => {}
            _ = sleep => {}
        }
    }
}

/// One pass; returns the next re-routing deadline.
async fn pass(desk: &Desk) -> Result<Option<DateTime<Utc>>, StoreError> {
    let store = desk.store();
    // One pass at a time across a cluster: loads and capacities read below
    // stay true until this pass's assignments are stored.
    let _lock = store.cluster_lock(crate::store::locks::ROUTING).await?;
    let now = desk.now();
    for id in store.overdue_conversations(now).await? {
        if let Some(from) = store.take_overdue(id, now).await? {
            tracing::info!(conversation = %id, agent = %from, "unanswered; re-routing");
            desk.announce_assignment(id, Some(from), None, Handover::Rerouted)
                .await?;
        }
    }
    let online = desk.online_agents();
    if !online.is_empty() {
        let mut loads = store.open_loads().await?;
        let caps = store.capacities().await?;
        let capacity = |a: &UserId| caps.get(a).copied().unwrap_or(desk.default_capacity());
        let queue = store.queue().await?;
        let mut waiting = queue.len();
        for (conversation, skip) in queue {
            let pick = online
                .iter()
                .filter(|a| Some(**a) != skip)
                .map(|a| (loads.get(a).copied().unwrap_or(0), *a))
                .filter(|(load, a)| *load < capacity(a))
                .min();
            let Some((_, agent)) = pick else {
                // Nobody else can take this one; later ones may still fit an
                // agent this one must skip, so keep going in arrival order.
                continue;
            };
            let deadline = desk.reroute_deadline();
            if store
                .assign_if_unassigned(conversation, agent, Some(deadline), desk.now())
                .await?
            {
                *loads.entry(agent).or_insert(0) += 1;
                waiting -= 1;
                desk.announce_assignment(conversation, None, Some(agent), Handover::Auto)
                    .await?;
            }
        }
        crate::metrics::routing_queue(waiting);
    } else {
        crate::metrics::routing_queue(store.queue().await?.len());
    }
    store.next_reroute().await
}
