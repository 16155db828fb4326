//! One process-wide time base. Sender and receivers live in the same process,
//! so a message's latency is `now_ns() - sent_ns` with no clock skew.

use std::{sync::OnceLock, time::Instant};

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// The epoch; set on first use (call it once at start).
pub fn epoch() -> Instant {
    *EPOCH.get_or_init(Instant::now)
}

/// Nanoseconds since the epoch.
pub fn now_ns() -> u64 {
    as_ns(Instant::now())
}

/// An instant as nanoseconds since the epoch (0 if before it).
pub fn as_ns(t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}
