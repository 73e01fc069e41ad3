//! Where the counters live: a small key-value store with compare-and-swap (README: "Throttling").
//! In Envoy it is proxy-wasm shared data (`src/wasm/`), which every VM of the same `vm_id` in one
//! Envoy process sees, so all worker threads count together; [`MemoryStore`] serves the core's
//! own tests and any host without shared state.

use std::collections::HashMap;
use std::sync::Mutex;

/// An entry as read: its bytes and the token that must still hold for a write to succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub value: Vec<u8>,
    pub cas: u32,
}

/// The host refused a read or a write for another reason than a compare-and-swap conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

/// A key-value store with compare-and-swap semantics.
pub trait Store {
    /// The entry under `key`, `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<Entry>, StoreError>;

    /// Writes `value` if the entry still has token `cas` (`None`: there was no entry; whether
    /// that still holds is checked only where the host can: proxy-wasm cannot, so two first
    /// writers may both succeed). `Ok(false)`: the entry changed since it was read.
    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<bool, StoreError>;
}

/// An in-process store: the counters of one gateway instance.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<(HashMap<String, Entry>, u32)>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn locked<R>(&self, f: impl FnOnce(&mut (HashMap<String, Entry>, u32)) -> R) -> Result<R, StoreError> {
        let mut guard = self.entries.lock().map_err(|_| StoreError("the store's lock is poisoned".into()))?;
        Ok(f(&mut guard))
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Entry>, StoreError> {
        self.locked(|(map, _)| map.get(key).cloned())
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<bool, StoreError> {
        self.locked(|(map, next)| {
            let current = map.get(key).map(|e| e.cas);
            // The same rule as Envoy's shared data, plus the absent-entry check Envoy lacks.
            if current != cas {
                return false;
            }
            *next = next.wrapping_add(1).max(1);
            map.insert(key.to_string(), Entry { value: value.to_vec(), cas: *next });
            true
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // A write succeeds only with the token last read; a first write only where nothing is.
    #[test]
    fn compare_and_swap() {
        let s = MemoryStore::new();
        assert_eq!(s.get("k"), Ok(None));
        assert_eq!(s.set("k", b"a", None), Ok(true));
        assert_eq!(s.set("k", b"b", None), Ok(false));
        let e = s.get("k").unwrap().unwrap();
        assert_eq!(e.value, b"a");
        assert_eq!(s.set("k", b"c", Some(e.cas.wrapping_add(7))), Ok(false));
        assert_eq!(s.set("k", b"c", Some(e.cas)), Ok(true));
        assert_eq!(s.set("k", b"d", Some(e.cas)), Ok(false));
        assert_eq!(s.get("k").unwrap().unwrap().value, b"c");
    }
}
