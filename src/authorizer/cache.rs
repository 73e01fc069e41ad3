//! The authorizer result cache (AWS docs: "Use API Gateway Lambda authorizers", caching): keyed
//! by the identity ([`super::identity::Identity::cache_key`]), holding what the function answered
//! (principal, **policy**, context, usage key), never a verdict. Each request evaluates the cached
//! policy against its own method ARN, so a policy that allows only the first request's method
//! denies the others until it expires, as AWS documents (and as emulators that cached the verdict
//! got wrong). Failures (401, 500) are never stored: the type takes only [`Authorized`].
//!
//! One cache lives in each VM (one per Envoy worker thread): entries are not shared between
//! workers, so a token may call the function once per worker. Time is passed in (`now_ms`), never
//! read here. The number of entries is bounded; when full, expired entries go first, then the
//! oldest one.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::answer::{Authorized, Failure};
use super::policy::Decision;

/// Entries a cache holds by default.
pub const DEFAULT_MAX_ENTRIES: usize = 1024;

/// A bounded cache of authorizer answers.
#[derive(Debug)]
pub struct AuthorizerCache {
    entries: HashMap<String, Entry>,
    max_entries: usize,
    /// Insertion counter: the smallest live one is the oldest entry.
    next_seq: u64,
}

#[derive(Debug)]
struct Entry {
    authorized: Arc<Authorized>,
    expires_ms: u64,
    seq: u64,
}

/// A cache hit, evaluated for one request.
#[derive(Debug, Clone)]
pub struct Hit {
    pub decision: Decision,
    pub authorized: Arc<Authorized>,
}

impl Default for AuthorizerCache {
    fn default() -> Self {
        AuthorizerCache::new(DEFAULT_MAX_ENTRIES)
    }
}

impl AuthorizerCache {
    pub fn new(max_entries: usize) -> Self {
        AuthorizerCache { entries: HashMap::new(), max_entries, next_seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The answer stored under `key`, if it has not expired at `now_ms` (an expired one is
    /// dropped).
    pub fn get(&mut self, key: &str, now_ms: u64) -> Option<Arc<Authorized>> {
        let expired = self.entries.get(key).map(|e| now_ms >= e.expires_ms)?;
        if expired {
            self.entries.remove(key);
            return None;
        }
        self.entries.get(key).map(|e| Arc::clone(&e.authorized))
    }

    /// [`Self::get`], then the cached policy evaluated for this request's method ARN.
    pub fn lookup(&mut self, key: &str, now_ms: u64, method_arn: &str, source_ip: Option<IpAddr>) -> Option<Hit> {
        let authorized = self.get(key, now_ms)?;
        Some(Hit { decision: authorized.decide(method_arn, source_ip), authorized })
    }

    /// Stores an answer for `ttl_seconds` from `now_ms`; a TTL of 0 stores nothing.
    pub fn insert(&mut self, key: String, authorized: Arc<Authorized>, ttl_seconds: u32, now_ms: u64) {
        if ttl_seconds == 0 || self.max_entries == 0 {
            return;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= self.max_entries {
            self.make_room(now_ms);
        }
        let expires_ms = now_ms.saturating_add(u64::from(ttl_seconds).saturating_mul(1000));
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        self.entries.insert(key, Entry { authorized, expires_ms, seq });
    }

    /// Stores a parsed answer when it is a success and there is a key (TTL above 0); failures are
    /// not cached. Returns the answer, shared with the cache.
    pub fn remember(
        &mut self,
        key: Option<&str>,
        answer: Result<Authorized, Failure>,
        ttl_seconds: u32,
        now_ms: u64,
    ) -> Result<Arc<Authorized>, Failure> {
        let authorized = Arc::new(answer?);
        if let Some(key) = key {
            self.insert(key.to_string(), Arc::clone(&authorized), ttl_seconds, now_ms);
        }
        Ok(authorized)
    }

    /// Drops expired entries; if none was, the oldest one.
    fn make_room(&mut self, now_ms: u64) {
        let before = self.entries.len();
        self.entries.retain(|_, e| now_ms < e.expires_ms);
        if self.entries.len() < before {
            return;
        }
        let oldest = self.entries.iter().min_by_key(|(_, e)| e.seq).map(|(k, _)| k.clone());
        if let Some(key) = oldest {
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GET_A: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/a";
    const GET_B: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/b";

    fn allow_only(resource: &str) -> Authorized {
        let answer = json!({"principalId": "user", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]}});
        super::super::answer::parse(answer.to_string().as_bytes(), false).unwrap()
    }

    // AWS's documented surprise: a cached Allow for GET /a denies GET /b (the policy is cached,
    // not the verdict).
    #[test]
    fn cached_policy_is_evaluated_per_request() {
        let mut cache = AuthorizerCache::default();
        cache.insert("k".into(), Arc::new(allow_only(GET_A)), 300, 0);
        let hit = cache.lookup("k", 1, GET_A, None).unwrap();
        assert_eq!(hit.decision, Decision::Allow);
        assert_eq!(hit.authorized.principal_id, "user");
        assert_eq!(cache.lookup("k", 2, GET_B, None).unwrap().decision, Decision::NotAllowed);
        assert!(cache.lookup("other", 2, GET_A, None).is_none());
    }

    // Expiry: the TTL in seconds from the insertion time.
    #[test]
    fn entries_expire() {
        let mut cache = AuthorizerCache::default();
        cache.insert("k".into(), Arc::new(allow_only(GET_A)), 300, 1_000);
        assert!(cache.get("k", 300_999).is_some());
        assert!(cache.get("k", 301_000).is_none());
        assert!(cache.is_empty());
    }

    // Failures and TTL 0 are never stored.
    #[test]
    fn only_successes_with_a_ttl_are_stored() {
        let mut cache = AuthorizerCache::default();
        assert_eq!(cache.remember(Some("k"), Err(Failure::Unauthorized), 300, 0).unwrap_err(), Failure::Unauthorized);
        let config = Failure::ConfigurationError("no policyDocument".into());
        assert!(cache.remember(Some("k"), Err(config), 300, 0).is_err());
        assert!(cache.is_empty());
        let shared = cache.remember(Some("k"), Ok(allow_only(GET_A)), 0, 0).unwrap();
        assert_eq!(shared.principal_id, "user");
        assert!(cache.is_empty());
        assert!(cache.remember(None, Ok(allow_only(GET_A)), 300, 0).is_ok());
        assert!(cache.is_empty());
        assert!(cache.remember(Some("k"), Ok(allow_only(GET_A)), 300, 0).is_ok());
        assert_eq!(cache.len(), 1);
    }

    // Bounded: expired entries go first, then the oldest; replacing a key makes it new.
    #[test]
    fn eviction() {
        let a = Arc::new(allow_only(GET_A));
        let mut cache = AuthorizerCache::new(2);
        cache.insert("one".into(), Arc::clone(&a), 10, 0);
        cache.insert("two".into(), Arc::clone(&a), 100, 0);
        cache.insert("three".into(), Arc::clone(&a), 100, 20_000);
        assert!(cache.get("one", 20_000).is_none(), "expired goes first");
        assert_eq!(cache.len(), 2);
        cache.insert("two".into(), Arc::clone(&a), 100, 21_000);
        cache.insert("four".into(), Arc::clone(&a), 100, 22_000);
        assert_eq!(cache.len(), 2);
        assert!(cache.get("three", 22_000).is_none(), "the oldest live entry goes");
        assert!(cache.get("two", 22_000).is_some());
        assert!(cache.get("four", 22_000).is_some());
        let mut none = AuthorizerCache::new(0);
        none.insert("k".into(), a, 100, 0);
        assert!(none.is_empty());
    }
}
