//! What the receivers saw, shared by every receiving task of one fan-out run.
//!
//! The load generator runs on one core with a single-threaded runtime, so the
//! tally is an `Rc<RefCell<_>>`: no atomics or locks on the hot path. No
//! borrow is held across an `.await`.

use crate::wire::Stamp;
use hdrhistogram::Histogram;

/// Highest latency the histogram tells apart (larger ones count as this).
const MAX_LATENCY_US: u64 = 120_000_000;

pub struct Tally {
    /// The step being measured (0: none). Messages of other steps are stale.
    pub step: u32,
    /// Deliveries of `step`'s messages, summed over receivers.
    pub delivered: u64,
    /// Latency of each delivery of `step`'s messages, in microseconds.
    pub latency_us: Histogram<u64>,
    /// When the last delivery of `step` arrived (ns since the epoch).
    pub last_delivery_ns: u64,
    /// The barrier message being waited for, and how many receivers saw it.
    pub probe: u32,
    pub probe_seen: usize,
    /// Deliveries belonging to no current step or probe (late or repeated).
    pub stale: u64,
    /// Frames decoded in full with the protocol types: agreed with the scanner / did not.
    pub verified: u64,
    pub mismatched: u64,
    /// Receiving connections open now.
    pub up: usize,
    /// Connections that ended while the run was going (kicked or broken).
    pub drops: u64,
    pub last_drop: Option<String>,
    /// Switchboard's `ack`s and `error`s on the sender's connection.
    pub acks: u64,
    pub server_errors: u64,
    pub last_server_error: Option<String>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            step: 0,
            delivered: 0,
            latency_us: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .expect("constant histogram bounds are valid"),
            last_delivery_ns: 0,
            probe: 0,
            probe_seen: 0,
            stale: 0,
            verified: 0,
            mismatched: 0,
            up: 0,
            drops: 0,
            last_drop: None,
            acks: 0,
            server_errors: 0,
            last_server_error: None,
        }
    }

    /// Starts measuring step `id` from zero.
    pub fn begin_step(&mut self, id: u32) {
        self.step = id;
        self.delivered = 0;
        self.latency_us.reset();
        self.last_delivery_ns = 0;
        self.stale = 0;
    }

    /// Records one received message. `checked` is the result of a full decode
    /// when this frame was sampled for one.
    pub fn delivery(&mut self, stamp: Stamp, now_ns: u64, checked: Option<bool>) {
        match checked {
            Some(true) => self.verified += 1,
            Some(false) => self.mismatched += 1,
            None => {}
        }
        if stamp.step == self.step {
            self.delivered += 1;
            let us = now_ns.saturating_sub(stamp.sent_ns) / 1_000;
            self.latency_us.saturating_record(us.max(1));
            self.last_delivery_ns = self.last_delivery_ns.max(now_ns);
        } else if stamp.step == self.probe {
            self.probe_seen += 1;
        } else {
            self.stale += 1;
        }
    }

    /// Latency quantile in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(step: u32, sent_ns: u64) -> Stamp {
        Stamp {
            step,
            seq: 0,
            sent_ns,
        }
    }

    #[test]
    fn only_the_current_step_is_measured() {
        let mut t = Tally::new();
        t.begin_step(2);
        t.probe = 3;
        t.delivery(stamp(2, 1_000_000), 3_000_000, None);
        t.delivery(stamp(3, 0), 5, Some(true));
        t.delivery(stamp(1, 0), 5, Some(false));
        assert_eq!((t.delivered, t.probe_seen, t.stale), (1, 1, 1));
        assert_eq!((t.verified, t.mismatched), (1, 1));
        assert!((t.quantile_ms(0.5) - 2.0).abs() < 0.01);
    }
}
