//! A token bucket (README: "Throttling"): `burst` tokens at most, refilled at `rate` tokens per
//! second, one token per admitted request, as AWS describes its throttling ("API Gateway throttles
//! requests to your API using the token bucket algorithm, where a token counts for a request").
//!
//! Integer arithmetic only: tokens are counted in millionths ([`MICRO`]) and the rate in
//! thousandths of a request per second, so that a millisecond of refill is an exact number of
//! micro-tokens (`rate_milli × elapsed_ms`). Every operation saturates; nothing can panic.

/// Micro-tokens per token.
pub const MICRO: u64 = 1_000_000;

/// The largest rate accepted at configure time, in requests per second: far above anything one
/// process serves, small enough that `rate × 1000 × elapsed ms` stays exact for a day.
pub const MAX_RATE_PER_SECOND: u64 = 1_000_000_000;

/// The largest burst accepted at configure time (tokens).
pub const MAX_BURST: u64 = 1_000_000_000;

/// A bucket's settings: `throttlingRateLimit` / `rateLimit` and `throttlingBurstLimit` /
/// `burstLimit` as AWS writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketLimit {
    /// Thousandths of a request per second (AWS's rate is a double: 0.5 is 500).
    pub rate_milli: u64,
    /// The bucket's size in tokens (requests).
    pub burst: u64,
}

impl BucketLimit {
    /// `rate_milli` thousandths of a request per second, `burst` tokens.
    pub const fn new(rate_milli: u64, burst: u64) -> BucketLimit {
        BucketLimit { rate_milli, burst }
    }

    /// The bucket's capacity in micro-tokens.
    fn capacity(self) -> u64 {
        self.burst.saturating_mul(MICRO)
    }
}

/// A bucket's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketState {
    /// Micro-tokens left at `at_ms`.
    pub tokens: u64,
    /// The latest time the bucket was refilled to (ms since the Unix epoch).
    pub at_ms: u64,
}

impl BucketState {
    /// The state bytes in the store: tokens, then time, little-endian.
    pub fn encode(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        let (a, b) = out.split_at_mut(8);
        a.copy_from_slice(&self.tokens.to_le_bytes());
        b.copy_from_slice(&self.at_ms.to_le_bytes());
        out
    }

    /// `None` for bytes that are not a bucket (the entry is then started afresh).
    pub fn decode(bytes: &[u8]) -> Option<BucketState> {
        let (a, b) = bytes.split_at_checked(8)?;
        Some(BucketState { tokens: u64::from_le_bytes(a.try_into().ok()?), at_ms: u64::from_le_bytes(b.try_into().ok()?) })
    }

    /// A full bucket at `now_ms` (the first request a bucket sees finds it full).
    pub fn full(limit: BucketLimit, now_ms: u64) -> BucketState {
        BucketState { tokens: limit.capacity(), at_ms: now_ms }
    }

    /// The state refilled up to `now_ms`: a clock behind the stored time (another worker read
    /// its clock a moment later) adds nothing and never moves the time back; the tokens never
    /// exceed the capacity, also after the burst was lowered by a new configuration.
    pub fn refilled(self, limit: BucketLimit, now_ms: u64) -> BucketState {
        let elapsed = now_ms.saturating_sub(self.at_ms);
        let tokens = self.tokens.saturating_add(limit.rate_milli.saturating_mul(elapsed)).min(limit.capacity());
        BucketState { tokens, at_ms: self.at_ms.max(now_ms) }
    }

    /// Takes one token at `now_ms`: the new state, or `None` when the bucket has less than one.
    pub fn take(self, limit: BucketLimit, now_ms: u64) -> Option<BucketState> {
        self.take_up_to(limit, now_ms, 1).map(|(s, _)| s)
    }

    /// Takes as many whole tokens as it has, up to `n` (a lease: `super::lease`), at least one:
    /// the new state and how many, or `None` when the bucket has less than one.
    pub fn take_up_to(self, limit: BucketLimit, now_ms: u64, n: u64) -> Option<(BucketState, u64)> {
        let s = self.refilled(limit, now_ms);
        let k = (s.tokens / MICRO).min(n);
        if k == 0 {
            return None;
        }
        Some((BucketState { tokens: s.tokens.saturating_sub(k.saturating_mul(MICRO)), at_ms: s.at_ms }, k))
    }

    /// Gives one token back (a request another level refused), at most up to the capacity.
    pub fn give_back(self, limit: BucketLimit) -> BucketState {
        BucketState { tokens: self.tokens.saturating_add(MICRO).min(limit.capacity()), at_ms: self.at_ms }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const T0: u64 = 1_795_587_628_000;

    // A full bucket admits `burst` requests at once, then one more per 1/rate seconds.
    #[test]
    fn burst_then_rate() {
        let limit = BucketLimit::new(10_000, 3); // 10 per second, burst 3
        let mut s = BucketState::full(limit, T0);
        for _ in 0..3 {
            s = s.take(limit, T0).unwrap();
        }
        assert_eq!(s.take(limit, T0), None);
        assert_eq!(s.take(limit, T0 + 99), None);
        s = s.take(limit, T0 + 100).unwrap();
        assert_eq!(s.tokens, 0);
        // A long pause refills to the burst, not more.
        assert_eq!(s.refilled(limit, T0 + 3_600_000).tokens, 3 * MICRO);
    }

    // Fractional rates are exact: 0.5 per second is one request every two seconds.
    #[test]
    fn fractional_rate() {
        let limit = BucketLimit::new(500, 1);
        let s = BucketState::full(limit, T0).take(limit, T0).unwrap();
        assert_eq!(s.take(limit, T0 + 1_999), None);
        assert!(s.take(limit, T0 + 2_000).is_some());
    }

    // A clock behind the stored time adds nothing and keeps the stored time.
    #[test]
    fn clock_behind() {
        let limit = BucketLimit::new(1_000_000, 5);
        let s = BucketState { tokens: 0, at_ms: T0 };
        assert_eq!(s.refilled(limit, T0 - 50), BucketState { tokens: 0, at_ms: T0 });
    }

    // Burst 0 admits nothing (AWS: a bucket of size 0), rate 0 never refills.
    #[test]
    fn zero_limits() {
        let none = BucketLimit::new(1_000_000, 0);
        assert_eq!(BucketState::full(none, T0).take(none, T0 + 10_000), None);
        let once = BucketLimit::new(0, 1);
        let s = BucketState::full(once, T0).take(once, T0).unwrap();
        assert_eq!(s.take(once, u64::MAX), None);
    }

    // Extreme values saturate instead of overflowing.
    #[test]
    fn extremes_saturate() {
        let limit = BucketLimit::new(u64::MAX, u64::MAX);
        let s = BucketState { tokens: u64::MAX - 1, at_ms: 0 }.refilled(limit, u64::MAX);
        assert_eq!(s.tokens, u64::MAX);
        assert_eq!(s.give_back(limit).tokens, u64::MAX);
    }

    // The stored form round-trips; other bytes are no bucket.
    #[test]
    fn encoding() {
        let s = BucketState { tokens: 12_345, at_ms: T0 };
        assert_eq!(BucketState::decode(&s.encode()), Some(s));
        assert_eq!(BucketState::decode(b"short"), None);
        assert_eq!(BucketState::decode(&[0u8; 17]), None);
    }
}
