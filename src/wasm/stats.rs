//! The metrics' host side (README: "Metrics"): defines them in Envoy's stats, adds what the core's
//! [`Tally`](crate::metrics::Tally) says each request records. What requests record is held in the
//! VM and handed to Envoy once a second (and when the configuration goes away): counters added up,
//! histogram samples one by one. Host calls are most of the metrics' cost, and made in one go they
//! cost less than one by one across requests (measured with `make bench` row c0: README,
//! "Benchmarks").

use std::cell::RefCell;

use super::host;
use crate::metrics::{Kind, Metrics, Sample};

/// How often the counters added up in the VM reach Envoy's stats.
pub const FLUSH_PERIOD_MS: u32 = 1000;
/// Histogram samples held between two flushes at most (256 KiB); past that they are recorded as
/// they come.
const MAX_HELD: usize = 16 * 1024;

/// Envoy's ids of a configuration's metrics, and what its counters have not handed over yet.
#[derive(Default)]
pub struct Stats {
    ids: Vec<u32>,
    /// Per metric (counters only), the count not yet in Envoy's stats.
    pending: RefCell<Vec<u64>>,
    /// Histogram samples not yet in Envoy's stats: (metric id, value).
    samples: RefCell<Vec<(u32, u64)>>,
}

impl Stats {
    /// Defines every metric of the configuration. When Envoy refuses one, the filter records none
    /// and says so once.
    pub fn define(metrics: &Metrics) -> Stats {
        let mut ids = Vec::with_capacity(metrics.definitions.len());
        for d in &metrics.definitions {
            let kind = match d.kind {
                Kind::Counter => host::METRIC_COUNTER,
                Kind::Histogram => host::METRIC_HISTOGRAM,
            };
            match host::define_metric(kind, &d.name) {
                Ok(id) => ids.push(id),
                Err(status) => {
                    host::log(
                        host::LOG_WARN,
                        &format!("apigateway: Envoy refused the metric {:?} ({status}): no metrics are recorded", d.name),
                    );
                    return Stats::default();
                }
            }
        }
        if !ids.is_empty() && host::set_tick_period(FLUSH_PERIOD_MS) != 0 {
            host::log(host::LOG_WARN, "apigateway: no tick from Envoy: counters reach its stats as they happen");
            return Stats { ids, ..Stats::default() };
        }
        let pending = RefCell::new(vec![0; ids.len()]);
        Stats { ids, pending, samples: RefCell::new(Vec::new()) }
    }

    /// Whether metrics are recorded at all.
    pub fn enabled(&self) -> bool {
        !self.ids.is_empty()
    }

    /// A finished request's samples, held for the next [`flush`](Self::flush) (recorded at once
    /// when there is no tick, or too many are held).
    pub fn record(&self, samples: impl IntoIterator<Item = Sample>) {
        let mut pending = self.pending.borrow_mut();
        let mut held = self.samples.borrow_mut();
        let ticking = !pending.is_empty();
        for sample in samples {
            let Some(&id) = self.ids.get(sample.metric) else { continue };
            let status = match (sample.kind, pending.get_mut(sample.metric)) {
                (Kind::Counter, Some(count)) => {
                    *count = count.saturating_add(sample.value);
                    0
                }
                (Kind::Counter, None) => host::increment_metric(id, i64::try_from(sample.value).unwrap_or(i64::MAX)),
                (Kind::Histogram, _) if ticking && held.len() < MAX_HELD => {
                    held.push((id, sample.value));
                    0
                }
                (Kind::Histogram, _) => host::record_metric(id, sample.value),
            };
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: recording metric {id} failed ({status})"));
            }
        }
    }

    /// Hands what the VM holds to Envoy.
    pub fn flush(&self) {
        for (id, value) in self.samples.borrow_mut().drain(..) {
            let status = host::record_metric(id, value);
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: recording metric {id} failed ({status})"));
            }
        }
        let mut pending = self.pending.borrow_mut();
        for (count, &id) in pending.iter_mut().zip(&self.ids) {
            if *count > 0 {
                let status = host::increment_metric(id, i64::try_from(*count).unwrap_or(i64::MAX));
                if status != 0 {
                    host::log(host::LOG_DEBUG, &format!("apigateway: adding to metric {id} failed ({status})"));
                }
                *count = 0;
            }
        }
    }
}

thread_local! {
    /// The origin of [`now_ns`], fixed at the VM's first read.
    static EPOCH: std::time::Instant = std::time::Instant::now();
}

/// A monotonic clock in nanoseconds (one host call: WASI's clock), for the latencies.
pub fn now_ns() -> u64 {
    EPOCH.with(|epoch| u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX))
}
