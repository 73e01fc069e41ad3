//! The metrics' host side (README: "Metrics"): defines them in Envoy's stats, adds what the core's
//! [`Tally`](crate::metrics::Tally) says each request records. Counters are added up in the VM and
//! handed to Envoy once a second (and when the configuration goes away): a host call costs more than
//! the rest of the metrics' work, and every request adds to a counter.

use std::cell::RefCell;

use super::host;
use crate::metrics::{Kind, Metrics, Sample};

/// How often the counters added up in the VM reach Envoy's stats.
pub const FLUSH_PERIOD_MS: u32 = 1000;

/// Envoy's ids of a configuration's metrics, and what its counters have not handed over yet.
#[derive(Default)]
pub struct Stats {
    ids: Vec<u32>,
    /// Per metric (counters only), the count not yet in Envoy's stats.
    pending: RefCell<Vec<u64>>,
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
            return Stats { ids, pending: RefCell::new(Vec::new()) };
        }
        let pending = RefCell::new(vec![0; ids.len()]);
        Stats { ids, pending }
    }

    /// Whether metrics are recorded at all.
    pub fn enabled(&self) -> bool {
        !self.ids.is_empty()
    }

    /// A finished request's samples: counters added up here, histograms recorded at once.
    pub fn record(&self, samples: impl IntoIterator<Item = Sample>) {
        let mut pending = self.pending.borrow_mut();
        for sample in samples {
            let Some(&id) = self.ids.get(sample.metric) else { continue };
            let status = match (sample.kind, pending.get_mut(sample.metric)) {
                (Kind::Counter, Some(count)) => {
                    *count = count.saturating_add(sample.value);
                    0
                }
                (Kind::Counter, None) => host::increment_metric(id, i64::try_from(sample.value).unwrap_or(i64::MAX)),
                (Kind::Histogram, _) => host::record_metric(id, sample.value),
            };
            if status != 0 {
                host::log(host::LOG_DEBUG, &format!("apigateway: recording metric {id} failed ({status})"));
            }
        }
    }

    /// Hands the counters added up in the VM to Envoy.
    pub fn flush(&self) {
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
