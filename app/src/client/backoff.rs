//! When to try the WebSocket again after it dropped: exponential backoff with
//! jitter, so a server restart is not met by every tab at the same instant.
//! Pure arithmetic (the random number comes in as an argument), tested natively.

/// Delays grow from `first_ms`, doubling per failed attempt, up to `max_ms`.
/// Each delay is drawn from the upper half of its step ("equal jitter"): never
/// shorter than half the step, so a flapping server still gets breathing room.
#[derive(Clone, Debug)]
pub struct Backoff {
    first_ms: u32,
    max_ms: u32,
    attempt: u32,
}

impl Backoff {
    pub fn new(first_ms: u32, max_ms: u32) -> Self {
        Backoff {
            first_ms,
            max_ms,
            attempt: 0,
        }
    }

    /// The delay before the next attempt. `random01` is uniform in [0, 1).
    pub fn next_delay_ms(&mut self, random01: f64) -> u32 {
        let step = self
            .first_ms
            .saturating_mul(1u32.checked_shl(self.attempt).unwrap_or(u32::MAX))
            .min(self.max_ms);
        self.attempt = self.attempt.saturating_add(1);
        let half = f64::from(step) / 2.0;
        (half + half * random01.clamp(0.0, 1.0)).round() as u32
    }

    /// A connection got as far as the server's `hello`: start over from short delays.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(500, 10_000);
        let highs: Vec<u32> = (0..8).map(|_| b.next_delay_ms(1.0)).collect();
        assert_eq!(
            highs,
            vec![500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]
        );
        b.reset();
        assert_eq!(b.next_delay_ms(0.0), 250);
        // Many failures never overflow.
        for _ in 0..100 {
            assert!(b.next_delay_ms(0.5) <= 10_000);
        }
    }
}
