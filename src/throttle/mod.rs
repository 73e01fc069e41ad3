//! Throttling and quotas (README: "Throttling"), host-independent: token buckets and quota
//! counters kept in a [`Store`] with compare-and-swap, checked in AWS's order (access-control
//! notes §5): the usage plan's throttle for the method, the usage plan's throttle (both per API
//! key), the plan's quota, the stage's limit for the method, the account's limit.
//!
//! A request refused at one level gives back what the levels before it took: a token counts an
//! admitted request (our choice; AWS does not say), so a plan limit of 10 per second behind a
//! stage limit of 5 still admits 5, not fewer. Levels are counted one after the other, not in one
//! transaction: a refused request holds its tokens for the moment between its take and its
//! give-back.
//!
//! Never more than `burst + rate × elapsed` is admitted at one level (`tests/throttle_props.rs`):
//! a write that keeps meeting another writer's (more than [`MAX_ATTEMPTS`] times) refuses rather
//! than admits. A store that fails admits (the adapter logs why): the limits are best-effort
//! targets, AWS's words, and a broken store must not stop all traffic.

pub mod bucket;
pub mod global;
pub mod lease;
pub mod quota;
pub mod stage;
pub mod store;

use std::borrow::Cow;

pub use bucket::BucketLimit;
pub use lease::Leases;
pub use quota::{Period, QuotaLimit};
pub use stage::{Counted, DeploymentLimits};
pub use store::{MemoryStore, Store};

use bucket::BucketState;
use quota::QuotaState;

/// How many times a counter's read-and-write is tried when other workers keep writing it first.
pub const MAX_ATTEMPTS: usize = 32;

/// The caller a usage plan meters on this request, as API key admission found it: the key's id
/// and its plan's limits for this API stage (`get-usage-plans`: `throttle`, `apiStages[].throttle`
/// for this method, `quota`). The plan's limits apply to each key on its own (AWS docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metered {
    pub key_id: String,
    pub plan_id: String,
    pub throttle: Option<BucketLimit>,
    /// The plan's throttle for this method (`apiStages[].throttle["/pets/GET"]`).
    pub method_throttle: Option<BucketLimit>,
    pub quota: Option<QuotaLimit>,
}

/// One level of limits and the key of its counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check<'a> {
    Bucket(Cow<'a, str>, BucketLimit),
    Quota(Cow<'a, str>, QuotaLimit),
}

/// What the levels decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Admit,
    /// A throttle refused (429 THROTTLED).
    Throttled,
    /// The quota is used up (429 QUOTA_EXCEEDED).
    QuotaExceeded,
}

/// The levels that apply to a request of operation `operation` of a deployment whose limits are
/// `limits`, in AWS's order, with `deployment`'s name in the usage plan's per-method key.
pub fn checks<'a>(
    deployment: &str,
    operation: &str,
    limits: &'a DeploymentLimits,
    operation_index: usize,
    metered: Option<&Metered>,
) -> Vec<Check<'a>> {
    let mut out = Vec::with_capacity(5);
    if let Some(m) = metered {
        let key = format!("{}p/{}/{}", stage::KEY_PREFIX, m.plan_id, m.key_id);
        if let Some(limit) = m.method_throttle {
            out.push(Check::Bucket(Cow::Owned(format!("{key}/{deployment}/{operation}")), limit));
        }
        if let Some(limit) = m.throttle {
            out.push(Check::Bucket(Cow::Owned(key.clone()), limit));
        }
        if let Some(limit) = m.quota {
            out.push(Check::Quota(Cow::Owned(format!("{}q/{}/{}", stage::KEY_PREFIX, m.plan_id, m.key_id)), limit));
        }
    }
    if let Some(Some(c)) = limits.methods.get(operation_index) {
        out.push(Check::Bucket(Cow::Borrowed(&c.key), c.limit));
    }
    if let Some(c) = &limits.account {
        out.push(Check::Bucket(Cow::Borrowed(&c.key), c.limit));
    }
    out
}

/// What one level did.
enum Step<R> {
    Taken(R),
    Refused,
    /// Other writers won every attempt.
    Contended,
}

/// Reads `key`, lets `next` decide from the stored bytes (`None`: no entry), writes its answer
/// with the token read; again when another writer came in between.
fn update<R>(
    store: &dyn Store,
    key: &str,
    mut next: impl FnMut(Option<&[u8]>) -> Option<(Vec<u8>, R)>,
) -> Result<Step<R>, store::StoreError> {
    for _ in 0..MAX_ATTEMPTS {
        let entry = store.get(key)?;
        let Some((bytes, r)) = next(entry.as_ref().map(|e| e.value.as_slice())) else {
            return Ok(Step::Refused);
        };
        if store.set(key, &bytes, entry.map(|e| e.cas))? {
            return Ok(Step::Taken(r));
        }
    }
    Ok(Step::Contended)
}

/// What a level took, to give it back.
enum Taken<'c> {
    Token(&'c str, BucketLimit),
    /// A token of this VM's lease ([`lease`]): it goes back to the lease.
    Leased(&'c str),
    Count(&'c str, u64),
    /// Nothing was counted (the store failed: the level admitted without it).
    Nothing,
}

fn take<'c>(store: &dyn Store, leases: &Leases, check: &'c Check, now_ms: u64) -> Result<Step<Taken<'c>>, store::StoreError> {
    match check {
        Check::Bucket(key, limit) => {
            let lease = lease::size(*limit);
            if lease > 1 && leases.take(key, now_ms) {
                return Ok(Step::Taken(Taken::Leased(key)));
            }
            let step = update(store, key, |bytes| {
                let state = bytes.and_then(BucketState::decode).unwrap_or_else(|| BucketState::full(*limit, now_ms));
                state.take_up_to(*limit, now_ms, lease).map(|(s, n)| (s.encode().to_vec(), n))
            })?;
            Ok(map_step(step, |n| {
                if lease == 1 {
                    return Taken::Token(key, *limit);
                }
                // One for this request, the rest for the next ones on this worker.
                leases.keep(key, n.saturating_sub(1), now_ms);
                Taken::Leased(key)
            }))
        }
        Check::Quota(key, limit) => {
            let step = update(store, key, |bytes| {
                let state = bytes.and_then(QuotaState::decode).unwrap_or_else(|| QuotaState::first(*limit, now_ms));
                state.take(*limit, now_ms).map(|s| (s.encode().to_vec(), s.period_start))
            })?;
            Ok(map_step(step, |start| Taken::Count(key, start)))
        }
    }
}

fn map_step<A, B>(step: Step<A>, f: impl FnOnce(A) -> B) -> Step<B> {
    match step {
        Step::Taken(a) => Step::Taken(f(a)),
        Step::Refused => Step::Refused,
        Step::Contended => Step::Contended,
    }
}

/// Gives back what a level took (best effort: a failing store keeps it).
fn give_back(store: &dyn Store, leases: &Leases, taken: &Taken) {
    let _ = match taken {
        Taken::Token(key, limit) => update(store, key, |bytes| {
            bytes.and_then(BucketState::decode).map(|s| (s.give_back(*limit).encode().to_vec(), ()))
        }),
        Taken::Leased(key) => {
            leases.give_back(key);
            return;
        }
        Taken::Count(key, start) => update(store, key, |bytes| {
            bytes.and_then(QuotaState::decode).map(|s| (s.give_back(*start).encode().to_vec(), ()))
        }),
        Taken::Nothing => return,
    };
}

/// Runs the levels in order at `now_ms`; the first that refuses decides, and the levels before it
/// give back what they took. A level whose store fails admits (the store says why: the adapter's
/// logs each host refusal). `leases` are this worker's ([`lease`]).
pub fn admit(store: &dyn Store, leases: &Leases, checks: &[Check], now_ms: u64) -> Verdict {
    let mut taken: Vec<Taken> = Vec::with_capacity(checks.len());
    for check in checks {
        let verdict = match take(store, leases, check, now_ms) {
            Ok(Step::Taken(t)) => {
                taken.push(t);
                continue;
            }
            Err(_) => {
                taken.push(Taken::Nothing);
                continue;
            }
            Ok(Step::Refused) if matches!(check, Check::Quota(..)) => Verdict::QuotaExceeded,
            Ok(Step::Refused | Step::Contended) => Verdict::Throttled,
        };
        for t in &taken {
            give_back(store, leases, t);
        }
        return verdict;
    }
    Verdict::Admit
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const T0: u64 = 1_795_587_628_000;

    fn bucket(key: &str, per_second: u64, burst: u64) -> Check<'static> {
        Check::Bucket(Cow::Owned(key.to_string()), BucketLimit::new(per_second * 1000, burst))
    }

    fn run(store: &dyn Store, checks: &[Check], now: u64) -> Verdict {
        admit(store, &Leases::default(), checks, now)
    }

    // The tightest level decides; a refused request gives back the earlier levels' tokens, so the
    // looser level still has them.
    #[test]
    fn refused_requests_spend_nothing() {
        let s = MemoryStore::new();
        let checks = [bucket("plan", 10, 4), bucket("stage", 1, 2)];
        let verdicts: Vec<Verdict> = (0..4).map(|_| run(&s, &checks, T0)).collect();
        assert_eq!(verdicts, [Verdict::Admit, Verdict::Admit, Verdict::Throttled, Verdict::Throttled]);
        // The plan bucket spent 2 of its 4: two more pass it alone.
        assert_eq!(run(&s, &checks[..1], T0), Verdict::Admit);
        assert_eq!(run(&s, &checks[..1], T0), Verdict::Admit);
        assert_eq!(run(&s, &checks[..1], T0), Verdict::Throttled);
    }

    // A used-up quota answers QUOTA_EXCEEDED; a throttle after it gives the count back.
    #[test]
    fn quota_then_throttle() {
        let s = MemoryStore::new();
        let quota = Check::Quota(Cow::Borrowed("q"), QuotaLimit { limit: 2, offset: 0, period: Period::Day });
        let checks = [quota.clone(), bucket("stage", 0, 1)];
        assert_eq!(run(&s, &checks, T0), Verdict::Admit);
        assert_eq!(run(&s, &checks, T0), Verdict::Throttled);
        assert_eq!(run(&s, std::slice::from_ref(&quota), T0), Verdict::Admit);
        assert_eq!(run(&s, &[quota], T0), Verdict::QuotaExceeded);
    }

    // The levels that apply, in AWS's order, with their keys.
    #[test]
    fn levels_in_order() {
        let limits = DeploymentLimits {
            methods: vec![None, Some(Counted { key: "apigw/s/prod/GET /a".into(), limit: BucketLimit::new(1, 1) })],
            account: Some(Counted { key: "apigw/a/1/r".into(), limit: BucketLimit::new(2, 2) }),
        };
        let m = Metered {
            key_id: "k1".into(),
            plan_id: "p1".into(),
            throttle: Some(BucketLimit::new(3, 3)),
            method_throttle: Some(BucketLimit::new(4, 4)),
            quota: Some(QuotaLimit { limit: 5, offset: 0, period: Period::Week }),
        };
        let keys = |c: &[Check]| -> Vec<String> {
            c.iter().map(|c| match c { Check::Bucket(k, _) | Check::Quota(k, _) => k.to_string() }).collect()
        };
        assert_eq!(keys(&checks("prod", "GET /a", &limits, 1, Some(&m))), [
            "apigw/p/p1/k1/prod/GET /a", "apigw/p/p1/k1", "apigw/q/p1/k1", "apigw/s/prod/GET /a", "apigw/a/1/r"]);
        assert_eq!(keys(&checks("prod", "GET /b", &limits, 0, None)), ["apigw/a/1/r"]);
        assert!(checks("prod", "GET /b", &DeploymentLimits::default(), 7, None).is_empty());
    }

    /// A store whose every write fails: levels admit, and say why.
    struct Broken;
    impl Store for Broken {
        fn get(&self, _: &str) -> Result<Option<store::Entry>, store::StoreError> {
            Err(store::StoreError("host refused".into()))
        }
        fn set(&self, _: &str, _: &[u8], _: Option<u32>) -> Result<bool, store::StoreError> {
            Err(store::StoreError("host refused".into()))
        }
    }

    #[test]
    fn broken_store_admits() {
        assert_eq!(admit(&Broken, &Leases::default(), &[bucket("a", 0, 0)], T0), Verdict::Admit);
    }

    /// A store where another writer always wins: refused, never admitted uncounted.
    struct Contended(MemoryStore);
    impl Store for Contended {
        fn get(&self, key: &str) -> Result<Option<store::Entry>, store::StoreError> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<bool, store::StoreError> {
            let _ = self.0.set(key, value, cas)?;
            Ok(false)
        }
    }

    #[test]
    fn endless_contention_refuses() {
        assert_eq!(run(&Contended(MemoryStore::new()), &[bucket("a", 100, 100)], T0), Verdict::Throttled);
    }
}
