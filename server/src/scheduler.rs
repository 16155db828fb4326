//! The scheduler: one task that fires scheduled announcements when they fall due.
//!
//! It asks the store for the earliest `next_run`, sleeps until then (on the
//! injected [`Clock`]), and is woken early through a [`Notify`] whenever a
//! schedule is created, edited, cancelled or sent — there is no polling loop.
//! Each due occurrence is claimed in the database before it is sent (see
//! `store/schedules.rs`), so it fires at most once even with several nodes.
//!
//! Overdue occurrences (the server was down when they fell due) are found the
//! same way at start-up: those at most `SWITCHBOARD_PUSH_GRACE_SECS` late are
//! sent marked `late` with their due time; older ones are recorded as missed.

pub mod clock;

use crate::{
    hub::Hub,
    push::{self, Fired},
    store::{Claim, Store, StoreError, StoredSchedule},
};
use app::protocol::OccurrenceStatus;
use chrono::{DateTime, Utc};
pub use clock::{Clock, ManualClock, SystemClock};
use std::sync::Arc;
use tokio::{
    sync::{watch, Notify},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

/// Due schedules read per query; the loop reads again until none are left.
const BATCH: usize = 256;
/// After a database error, the next attempt waits this long.
const RETRY: chrono::Duration = chrono::Duration::seconds(5);

/// What firing needs.
#[derive(Clone)]
pub struct Context {
    pub store: Store,
    pub hub: Arc<Hub>,
    pub clock: Arc<dyn Clock>,
    /// Occurrences later than this are recorded as missed instead of sent.
    pub grace: chrono::Duration,
}

/// A handle on the scheduler task: cheap to clone, kept in the app state.
#[derive(Clone)]
pub struct Scheduler {
    /// A `Notify` rather than a channel: any number of changes while the task
    /// is busy collapse into one more pass, so nothing queues up.
    wake: Arc<Notify>,
    /// (passes started, passes finished), for [`Scheduler::settle`].
    passes: watch::Receiver<(u64, u64)>,
}

impl Scheduler {
    /// Starts the task; it ends when `shutdown` is cancelled.
    pub fn start(ctx: Context, shutdown: CancellationToken) -> (Scheduler, JoinHandle<()>) {
        let wake = Arc::new(Notify::new());
        let (passes_tx, passes) = watch::channel((0, 0));
        let task = tokio::spawn(run(ctx, wake.clone(), passes_tx, shutdown));
        (Scheduler { wake, passes }, task)
    }

    /// Schedules changed: look again.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Wakes the task and waits until a pass that began after this call has
    /// finished: everything due by then has been handled. For tests.
    pub async fn settle(&self) {
        let mut passes = self.passes.clone();
        let started = passes.borrow_and_update().0;
        self.wake();
        let _ = passes.wait_for(|(_, finished)| *finished > started).await;
    }
}

async fn run(
    ctx: Context,
    wake: Arc<Notify>,
    passes: watch::Sender<(u64, u64)>,
    shutdown: CancellationToken,
) {
    match ctx.store.settle_interrupted_occurrences().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            count = n,
            "occurrences were claimed but not confirmed before the last stop; \
             they are not sent again (their targets have them in the inbox)"
        ),
        Err(e) => tracing::error!(error = %e, "settling interrupted occurrences"),
    }
    loop {
        passes.send_modify(|(started, _)| *started += 1);
        let next = match pass(&ctx).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e, "scheduler pass failed; retrying");
                Some(ctx.clock.now() + RETRY)
            }
        };
        passes.send_modify(|(_, finished)| *finished += 1);
        let sleep = async {
            match next {
                Some(t) => ctx.clock.sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = sleep => {}
        }
    }
}

/// Fires everything due now; returns when the next one is due.
async fn pass(ctx: &Context) -> Result<Option<DateTime<Utc>>, StoreError> {
    loop {
        let now = ctx.clock.now();
        let due = ctx.store.due_schedules(now, BATCH).await?;
        let full = due.len() == BATCH;
        for s in &due {
            fire_due(ctx, s, now).await?;
        }
        if !full {
            break;
        }
    }
    ctx.store.next_due().await
}

/// Handles a schedule's due occurrence: sends it, or records it as missed.
async fn fire_due(ctx: &Context, s: &StoredSchedule, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(due) = s.next_run else {
        return Ok(());
    };
    let claim = |next_run, late| Claim {
        schedule: s.id,
        revision: s.revision,
        due,
        due_is_next: true,
        next_run,
        late,
        now,
    };
    let recurrence = match push::recurrence_of(s) {
        Ok(r) => r,
        Err(problem) => {
            let reason = format!("cannot compute its times: {problem}");
            ctx.store
                .record_unsent(&claim(None, false), OccurrenceStatus::Failed, &reason)
                .await?;
            return Ok(());
        }
    };
    let lateness = now - due;
    if lateness > ctx.grace {
        // Skip every occurrence that is past the grace period too: one record
        // for the gap, not one per missed day.
        let next = recurrence.next_from((now - ctx.grace).max(due + chrono::Duration::seconds(1)));
        let reason = format!(
            "missed: due at {due}, but the server could send it only {} minutes later \
             (the grace period is {} minutes)",
            lateness.num_minutes(),
            ctx.grace.num_minutes()
        );
        tracing::warn!(schedule = %s.id, %due, "occurrence missed");
        ctx.store
            .record_unsent(&claim(next, true), OccurrenceStatus::Missed, &reason)
            .await?;
        return Ok(());
    }
    let c = claim(recurrence.next_after(due), lateness > push::LATE_AFTER);
    match push::fire(&ctx.store, &ctx.hub, s, &c).await? {
        Fired::Sent(..) | Fired::Failed(_) => {}
        Fired::Lost => {
            tracing::debug!(schedule = %s.id, %due, "occurrence claimed elsewhere or edited")
        }
    }
    Ok(())
}
