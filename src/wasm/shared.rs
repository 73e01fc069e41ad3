//! The throttle counters in Envoy's shared data (README: "Throttling"): one map per `vm_id` in
//! the Envoy process, so every worker's VM reads and writes the same buckets, with a CAS token
//! per entry (checked on Envoy 1.40 with `--concurrency 2`: `tests/e2e/test_throttling.py`).

use std::cell::Cell;

use crate::throttle::store::{Entry, Store, StoreError};

use super::host;

/// Envoy's shared data through the raw ABI; host refusals are logged (the first, then every
/// power of two) and reported to the engine, which then admits.
#[derive(Default)]
pub struct SharedData {
    failures: Cell<u64>,
}

impl SharedData {
    fn failed(&self, what: &str, key: &str, status: u32) -> StoreError {
        let n = self.failures.get().saturating_add(1);
        self.failures.set(n);
        let line = format!("apigateway: shared data {what} {key:?} refused (status {status}, {n} so far): the limit admits");
        if n.is_power_of_two() {
            host::log(host::LOG_ERROR, &line);
        }
        StoreError(line)
    }
}

impl Store for SharedData {
    fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        match host::shared_data(key) {
            Ok(found) => Ok(found.map(|(value, cas)| Entry { value, cas })),
            Err(status) => Err(self.failed("read", key, status)),
        }
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<bool, StoreError> {
        // Envoy's CAS tokens are never 0, and 0 writes whatever is there: for an entry that
        // was absent, the race between two first writers is Envoy's (one request may go
        // uncounted, once per counter and process).
        match host::set_shared_data(key, value, cas.unwrap_or(0)) {
            0 => Ok(true),
            host::STATUS_CAS_MISMATCH => Ok(false),
            status => Err(self.failed("write", key, status)),
        }
    }
}
