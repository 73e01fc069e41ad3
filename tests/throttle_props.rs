//! Property tests of the throttle engine (README: "Throttling"): it never panics, whatever the
//! limits, clocks and stored bytes (a panic in the wasm VM breaks every later request), and it
//! never admits more than `burst + rate × elapsed` at a level, nor more than a quota's limit in
//! a period, however workers interleave on the shared store and however often a write meets
//! another worker's; the stage settings parser never panics either.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use std::borrow::Cow;
use std::cell::Cell;

use apigw_envoy::gateway::Gateway;
use apigw_envoy::throttle::bucket::MICRO;
use apigw_envoy::throttle::store::{Entry, StoreError};
use apigw_envoy::throttle::{admit, BucketLimit, Check, Leases, MemoryStore, Period, QuotaLimit, Store, Verdict};
use proptest::prelude::*;
use serde_json::{json, Value};

const T0: u64 = 1_795_587_628_000;

/// The shared store as two workers see it: between a read and the write that follows, the other
/// worker may get in first (every `race`-th write of this one is preceded by a stolen token:
/// an unrelated write to the same entry that keeps its value but changes its CAS token).
struct Racing<'a> {
    inner: &'a MemoryStore,
    race: u32,
    writes: Cell<u32>,
}

impl Store for Racing<'_> {
    fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        self.inner.get(key)
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<bool, StoreError> {
        let n = self.writes.get().wrapping_add(1);
        self.writes.set(n);
        if self.race > 0 && n.is_multiple_of(self.race) {
            if let Some(e) = self.inner.get(key)? {
                self.inner.set(key, &e.value, Some(e.cas))?;
            }
        }
        self.inner.set(key, value, cas)
    }
}

fn period() -> impl Strategy<Value = Period> {
    prop_oneof![Just(Period::Day), Just(Period::Week), Just(Period::Month)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // Any limits, any clock (backwards too, to u64::MAX), any bytes already stored under the keys:
    // a verdict, never a panic.
    #[test]
    fn engine_never_panics(
        rate in any::<u64>(), burst in any::<u64>(), limit in any::<u64>(), offset in any::<u64>(),
        period in period(), times in prop::collection::vec(any::<u64>(), 1..20),
        garbage in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let store = MemoryStore::new();
        let leases = Leases::default();
        store.set("b", &garbage, None).unwrap();
        store.set("q", &garbage, None).unwrap();
        let checks = [
            Check::Bucket(Cow::Borrowed("b"), BucketLimit::new(rate, burst)),
            Check::Quota(Cow::Borrowed("q"), QuotaLimit { limit, offset, period }),
            Check::Bucket(Cow::Borrowed("c"), BucketLimit::new(rate / 3, burst / 2)),
        ];
        for t in times {
            let _ = admit(&store, &leases, &checks, t);
        }
    }

    // Two workers sharing one bucket, their clocks a few ms apart, with writes that meet the
    // other worker's: together they never admit more than burst + rate × elapsed, elapsed from
    // the first request to the latest time either saw.
    #[test]
    fn never_more_than_burst_plus_rate(
        rate_milli in 0u64..5_000_000, burst in 0u64..50,
        steps in prop::collection::vec((0u64..40, any::<bool>(), 0u64..3), 1..300),
        race in 0u32..5,
    ) {
        let (admitted, elapsed) = two_workers(rate_milli, burst, &steps, race);
        prop_assert!(within_bound(admitted, burst, rate_milli, elapsed),
            "admitted {} with burst {} rate {}/1000 over {} ms", admitted, burst, rate_milli, elapsed);
    }

    // The same bound for buckets big enough to be leased (README: "Throttling"): each worker
    // keeps tokens it took for its next requests, and together they still never admit more.
    #[test]
    fn leased_never_more_than_burst_plus_rate(
        rate_per_s in 0u64..200_000, burst in 128u64..20_000,
        steps in prop::collection::vec((0u64..3, any::<bool>(), 0u64..3), 1..2_000),
        race in 0u32..5,
    ) {
        let (admitted, elapsed) = two_workers(rate_per_s * 1000, burst, &steps, race);
        prop_assert!(within_bound(admitted, burst, rate_per_s * 1000, elapsed),
            "admitted {} with burst {} rate {}/s over {} ms", admitted, burst, rate_per_s, elapsed);
    }

    // With no contention and time moving forward, exactly the requests the bucket holds are
    // admitted: as many as the bound allows, less what the integer steps lose (one per refill).
    #[test]
    fn admits_what_the_bucket_holds(rate_per_s in 1u64..2_000, burst in 1u64..20, gaps in prop::collection::vec(0u64..20, 1..200)) {
        let store = MemoryStore::new();
        let limit = BucketLimit::new(rate_per_s * 1000, burst);
        let checks = [Check::Bucket(Cow::Borrowed("k"), limit)];
        let mut tokens = burst * MICRO;
        let mut now = T0;
        for gap in gaps {
            now += gap;
            tokens = (tokens + rate_per_s * 1000 * gap).min(burst * MICRO);
            let expected = tokens >= MICRO;
            if expected {
                tokens -= MICRO;
            }
            prop_assert_eq!(admit(&store, &Leases::default(), &checks, now) == Verdict::Admit, expected);
        }
    }

    // A quota never admits more than its limit in a period (less the offset in the first),
    // however the workers' writes race.
    #[test]
    fn quota_never_exceeded(
        limit in 0u64..30, offset in 0u64..10, period in period(),
        steps in prop::collection::vec(0u64..(8 * 3_600_000), 1..200), race in 0u32..4,
    ) {
        let shared = MemoryStore::new();
        let store = Racing { inner: &shared, race, writes: Cell::new(0) };
        let q = QuotaLimit { limit, offset, period };
        let checks = [Check::Quota(Cow::Borrowed("q"), q)];
        let mut per_period: std::collections::BTreeMap<u64, u64> = Default::default();
        let mut now = T0;
        for step in steps {
            now += step;
            if admit(&store, &Leases::default(), &checks, now) == Verdict::Admit {
                *per_period.entry(period.start(now)).or_default() += 1;
            }
        }
        let first = period.start(T0);
        for (start, n) in per_period {
            let allowed = if start == first { limit.saturating_sub(offset) } else { limit };
            prop_assert!(n <= allowed, "{} admitted in the period from {}, {} allowed", n, start, allowed);
        }
    }

    // The rate limit service's answer, whatever its bytes: parsed or refused, never a panic.
    #[test]
    fn rls_answers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64), statuses in prop::collection::vec(0u64..4, 0..4)) {
        if let Ok(a) = apigw_envoy::throttle::global::parse(&bytes) {
            let checks = [Check::Bucket(Cow::Borrowed("b"), BucketLimit::new(1, 1))];
            let _ = apigw_envoy::throttle::global::verdict(&checks, &a);
        }
        let answer = apigw_envoy::throttle::global::Answer { overall: 2, statuses };
        let _ = apigw_envoy::throttle::global::verdict(&[], &answer);
    }

    // Envoy's x-ratelimit-limit, whatever its text: a verdict, never a panic; any levels as
    // descriptor headers, each named for its slot.
    #[test]
    fn ratelimit_filter_headers_never_panic(header in "[0-9,; w=a-z\"]{0,40}", limits in prop::collection::vec((0u64..u64::MAX, 0u64..u64::MAX), 0..8)) {
        let v = apigw_envoy::throttle::global::filter_verdict(Some(&header));
        prop_assert!(v != Verdict::Admit);
        let checks: Vec<Check> = limits.iter().map(|(r, b)| Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(*r, *b))).collect();
        let headers = apigw_envoy::throttle::global::descriptor_headers(&checks);
        prop_assert_eq!(headers.len(), 3 * checks.len().min(apigw_envoy::throttle::global::SLOTS));
        prop_assert!(headers.iter().all(|(k, _)| apigw_envoy::throttle::global::is_handoff_header(k)));
    }

    // Arbitrary `stageSettings` and `accountSettings` are refused or accepted, never a panic.
    #[test]
    fn stage_settings_never_panic(
        keys in prop::collection::vec(prop_oneof![
            Just("*/*".to_string()), Just("~1a/GET".to_string()), Just("~1a/*".to_string()), Just("*/GET".to_string()),
            "[~1a*/{}GETP]{0,10}"], 0..4),
        values in prop::collection::vec(prop_oneof![
            Just(json!(-1)), Just(json!(0)), Just(json!(1.5)), Just(json!(1e300)), Just(json!(u64::MAX)),
            Just(json!(i64::MIN)), Just(json!("5")), Just(Value::Null), Just(json!(true)), Just(json!({}))], 0..8),
        account in prop_oneof![Just(Value::Null), Just(json!({})), Just(json!([])), Just(json!({"throttleSettings": 5})),
                               Just(json!({"throttleSettings": {"rateLimit": 1e308, "burstLimit": -0.5}}))],
    ) {
        let mut settings = serde_json::Map::new();
        for (i, k) in keys.iter().enumerate() {
            let v = |j: usize| values.get(i * 2 + j).cloned().unwrap_or(Value::Null);
            settings.insert(k.clone(), json!({"throttlingRateLimit": v(0), "throttlingBurstLimit": v(1)}));
        }
        let cfg = json!({
            "api": {"openapi": "3.0.1", "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}},
            "stageSettings": {"methodSettings": settings}, "accountSettings": account,
        });
        let _ = Gateway::from_bytes(cfg.to_string().as_bytes());
    }
}

// Real threads on one store with the clock stopped: exactly `burst` are admitted, whatever the
// interleaving of their compare-and-swap writes.
#[test]
fn threads_admit_exactly_the_burst() {
    let store = MemoryStore::new();
    let checks = [Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(1_000, 100))];
    let admitted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..200 {
                    if admit(&store, &Leases::default(), &checks, T0) == Verdict::Admit {
                        admitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    assert_eq!(admitted.into_inner(), 100);
}

// AWS's default account limit (10,000 per second, burst 5,000) is leased 78 tokens at a time:
// 10,000 requests over 10 s are all admitted with one store write per lease, not one each.
#[test]
fn default_account_limit_writes_once_per_lease() {
    let shared = MemoryStore::new();
    let store = Racing { inner: &shared, race: 0, writes: Cell::new(0) };
    let leases = Leases::default();
    let checks = [Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(10_000_000, 5_000))];
    let admitted = (0..10_000u64).filter(|i| admit(&store, &leases, &checks, T0 + i) == Verdict::Admit).count();
    assert_eq!(admitted, 10_000);
    assert_eq!(store.writes.get(), 10_000u32.div_ceil(78));
}

// Threads with a lease each on one store, the clock stopped: never more than the burst, and no
// fewer than the burst less what their leases still hold at the end.
#[test]
fn threads_with_leases_admit_at_most_the_burst() {
    let store = MemoryStore::new();
    // burst 6,400 and 1,000 per second: leases of 10 tokens (10 ms of the rate).
    let checks = [Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(1_000_000, 6_400))];
    let admitted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let leases = Leases::default();
                for _ in 0..2_000 {
                    if admit(&store, &leases, &checks, T0) == Verdict::Admit {
                        admitted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let n = admitted.into_inner();
    assert!((6_400 - 4 * 10..=6_400).contains(&n), "{n} admitted");
}

/// Two workers, each with its own leases, sharing one bucket through racing writes: `steps` are
/// (ms the clock advances, whether the second worker takes the request, how far its clock runs
/// behind). Returns the requests admitted and the ms from the first to the latest time seen.
fn two_workers(rate_milli: u64, burst: u64, steps: &[(u64, bool, u64)], race: u32) -> (u64, u64) {
    let shared = MemoryStore::new();
    let workers = [
        Racing { inner: &shared, race, writes: Cell::new(0) },
        Racing { inner: &shared, race: race.saturating_add(1), writes: Cell::new(0) },
    ];
    let leases = [Leases::default(), Leases::default()];
    let checks = [Check::Bucket(Cow::Borrowed("k"), BucketLimit::new(rate_milli, burst))];
    let (mut now, mut latest, mut admitted) = (T0, T0, 0u64);
    for &(advance, second, skew) in steps {
        now += advance;
        let t = if second { now - skew } else { now };
        latest = latest.max(t);
        if admit(&workers[usize::from(second)], &leases[usize::from(second)], &checks, t) == Verdict::Admit {
            admitted += 1;
        }
    }
    (admitted, latest - T0)
}

/// burst + rate × elapsed, in millionths of a request.
fn within_bound(admitted: u64, burst: u64, rate_milli: u64, elapsed_ms: u64) -> bool {
    u128::from(admitted) * u128::from(MICRO) <= u128::from(burst) * u128::from(MICRO) + u128::from(rate_milli) * u128::from(elapsed_ms)
}
