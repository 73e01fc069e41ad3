//! Leases (README: "Throttling"): a big bucket's tokens taken from the shared store a few at a
//! time, so that most requests count in the VM instead of in Envoy's shared data.
//!
//! Why: every level of every request otherwise reads and writes the store (two host calls in
//! Envoy, one of which calls back into the VM), and the account's default limit (10,000 per second,
//! burst 5,000) applies to every request: about 7 µs of Envoy CPU per request, measured with the
//! account limit on and off (benches/README.md, "Tuning log").
//!
//! A worker's lease holds tokens it already took from the store, so the workers together still
//! never admit more than `burst + rate × elapsed` (`tests/throttle_props.rs`). What a lease costs
//! is the other way: tokens one worker holds are not there for another, which may refuse a request
//! the bucket as a whole would admit. A lease is therefore small next to the bucket (a 64th of the
//! burst and 10 ms of its rate, at most [`MAX_TOKENS`]), bucket with fewer than two tokens per
//! lease are counted one by one as before (every limit of a few hundred requests or less is
//! exact), and a lease not used within [`FRESH_MS`] is dropped, never used late.

use std::sync::Mutex;

use super::bucket::BucketLimit;

/// A lease is at most this fraction of the burst.
const BURST_FRACTION: u64 = 64;
/// … and at most what the rate refills in this many ms.
const RATE_MS: u64 = 10;
/// … and never more than this many tokens.
pub const MAX_TOKENS: u64 = 256;
/// A lease's tokens are used within this many ms of their take, or dropped.
pub const FRESH_MS: u64 = 1000;

/// How many tokens one write to the store takes for a bucket: 1 (no lease) unless the bucket is big.
pub fn size(limit: BucketLimit) -> u64 {
    let by_burst = limit.burst / BURST_FRACTION;
    // rate_milli is thousandths of a request per second: per ms, rate_milli / 1_000_000.
    let by_rate = limit.rate_milli.saturating_mul(RATE_MS) / 1_000_000;
    by_burst.min(by_rate).clamp(1, MAX_TOKENS)
}

struct Held {
    key: String,
    tokens: u64,
    taken_ms: u64,
}

/// One VM's leases, by bucket key.
#[derive(Default)]
pub struct Leases {
    held: Mutex<Vec<Held>>,
}

impl Leases {
    /// Takes one token from the lease of `key`, when there is a fresh one with a token left.
    pub fn take(&self, key: &str, now_ms: u64) -> bool {
        let Ok(mut held) = self.held.lock() else { return false };
        let Some(h) = held.iter_mut().find(|h| h.key == key) else { return false };
        let fresh = now_ms.saturating_sub(h.taken_ms) < FRESH_MS;
        if !fresh || h.tokens == 0 {
            h.tokens = 0;
            return false;
        }
        h.tokens -= 1;
        true
    }

    /// Keeps `tokens` taken from the store at `now_ms` for the next requests (what was left of
    /// an older lease of `key` is dropped: it was used up or stale).
    pub fn keep(&self, key: &str, tokens: u64, now_ms: u64) {
        let Ok(mut held) = self.held.lock() else { return };
        match held.iter_mut().find(|h| h.key == key) {
            Some(h) => {
                h.tokens = tokens;
                h.taken_ms = now_ms;
            }
            None => held.push(Held { key: key.to_string(), tokens, taken_ms: now_ms }),
        }
    }

    /// A token back to the lease of `key` (a later level refused the request).
    pub fn give_back(&self, key: &str) {
        let Ok(mut held) = self.held.lock() else { return };
        if let Some(h) = held.iter_mut().find(|h| h.key == key) {
            h.tokens = h.tokens.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // Small buckets are counted one by one; AWS's default account limit leases 78 tokens.
    #[test]
    fn lease_sizes() {
        let per_s = |rate: u64, burst| BucketLimit::new(rate * 1000, burst);
        assert_eq!(size(per_s(100, 50)), 1);
        assert_eq!(size(per_s(1000, 127)), 1);
        assert_eq!(size(per_s(10_000, 5000)), 78);
        assert_eq!(size(per_s(150, 10_000)), 1);
        assert_eq!(size(per_s(1_000_000_000, 1_000_000_000)), MAX_TOKENS);
        assert_eq!(size(BucketLimit::new(0, 0)), 1);
    }

    // A lease gives what it holds while fresh, then nothing; a token given back is taken again.
    #[test]
    fn take_keep_give_back() {
        let l = Leases::default();
        assert!(!l.take("k", 0));
        l.keep("k", 2, 1000);
        assert!(l.take("k", 1000));
        l.give_back("k");
        assert!(l.take("k", 1500));
        assert!(l.take("k", 1999));
        assert!(!l.take("k", 1999));
        l.keep("k", 5, 3000);
        assert!(!l.take("k", 3000 + FRESH_MS));
        assert!(!l.take("other", 3000));
    }
}
