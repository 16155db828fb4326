//! Where the scheduler gets the time from. The server uses [`SystemClock`];
//! tests use [`ManualClock`] and move time on by hand, so nothing waits for real.

use chrono::{DateTime, Utc};
use std::{future::Future, pin::Pin, time::Duration};
use tokio::sync::watch;

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves at `t`, or earlier: callers read [`Clock::now`] again after it.
    fn sleep_until(&self, t: DateTime<Utc>) -> Sleep;
}

/// The longest single sleep of [`SystemClock`]. Tokio timers run on a
/// monotonic clock while due times are wall-clock times; waking at least this
/// often bounds the error when the wall clock is stepped (NTP, a VM resumed).
const MAX_SLEEP: Duration = Duration::from_secs(300);

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> Sleep {
        let wait = (t - Utc::now()).to_std().unwrap_or_default().min(MAX_SLEEP);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that stands still until told to move (for tests).
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: watch::Sender::new(start),
        }
    }

    /// Sets the time; sleepers whose time has come wake up.
    pub fn set(&self, t: DateTime<Utc>) {
        self.now.send_replace(t);
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.now.send_modify(|t| *t += by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> Sleep {
        let mut rx = self.now.subscribe();
        Box::pin(async move {
            if rx.wait_for(|now| *now >= t).await.is_err() {
                // The clock is gone (the test ended): never wake.
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_sleeper_wakes_when_time_reaches_it() {
        let t0 = Utc::now();
        let clock = ManualClock::new(t0);
        let mut sleep = clock.sleep_until(t0 + chrono::Duration::seconds(60));
        assert!(futures_util::poll!(&mut sleep).is_pending());
        clock.advance(chrono::Duration::seconds(59));
        assert!(futures_util::poll!(&mut sleep).is_pending());
        clock.advance(chrono::Duration::seconds(1));
        tokio::time::timeout(Duration::from_secs(5), sleep)
            .await
            .unwrap();
    }
}
