//! The gateway's metrics, as Envoy counters and histograms (README: "Metrics"): CloudWatch's
//! `Count`, `4XXError`, `5XXError`, `Latency` and `IntegrationLatency` (observability.md §1) per
//! API, stage, resource template and method.
//!
//! Everything is decided here; the adapter defines the metrics at configure time, reads the clock
//! where [`Tally`] says, and adds or records the [`Sample`]s it is given.
//!
//! Names carry their labels Istio's way, `<label>=.=<value>;.;`, so that Envoy's tag extraction
//! (`stats_config.stats_tags`, written by `scripts/apigw.py` `STATS_TAGS`) takes each out of the
//! name into a label of `/stats/prometheus`:
//! `apigateway.api=.=pets;.;stage=.=prod;.;resource=.=/pets/{id};.;method=.=GET;.;Count` becomes
//! `apigateway_Count{api="pets",stage="prod",resource="/pets/{id}",method="GET"}`.

use std::collections::HashMap;

use crate::config::{Config, MetricsLevel};

/// The first part of every metric name (Envoy puts its custom-stat namespace, `wasmcustom.`,
/// before it; `/stats/prometheus` leaves that out).
pub const PREFIX: &str = "apigateway";

/// Counter or histogram, as Envoy knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Histogram,
}

/// The metrics of one label set, in this order (CloudWatch's names).
const METRICS: [(&str, Kind); 5] = [
    ("Count", Kind::Counter),
    ("4XXError", Kind::Counter),
    ("5XXError", Kind::Counter),
    ("Latency", Kind::Histogram),
    ("IntegrationLatency", Kind::Histogram),
];
const COUNT: usize = 0;
const ERROR_4XX: usize = 1;
const ERROR_5XX: usize = 2;
const LATENCY: usize = 3;
const INTEGRATION_LATENCY: usize = 4;

/// A metric to define at configure time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub kind: Kind,
    pub name: String,
}

/// One label set's metrics: the index of its `Count` in [`Metrics::definitions`], the others after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series(usize);

/// What a finished request adds to a counter or records in a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Index in [`Metrics::definitions`].
    pub metric: usize,
    pub kind: Kind,
    pub value: u64,
}

#[derive(Debug, Default)]
struct DeploymentSeries {
    /// Resource and method empty: the requests no operation serves, and at the `stage` level all.
    stage: Option<Series>,
    /// Per operation, at the `detailed` level.
    operations: Vec<Series>,
}

/// Every metric of a configuration, and which series each request of each deployment counts in.
#[derive(Debug, Default)]
pub struct Metrics {
    pub definitions: Vec<Definition>,
    deployments: Vec<DeploymentSeries>,
}

/// A label value as it may stand in a name: `;` would let a value end early (`;.;` closes one),
/// so it becomes `_`.
fn label(value: &str) -> String {
    value.replace(';', "_")
}

/// The name of one metric of a label set.
pub fn name(api: &str, stage: &str, resource: &str, method: &str, metric: &str) -> String {
    let (api, stage, resource, method) = (label(api), label(stage), label(resource), label(method));
    format!("{PREFIX}.api=.={api};.;stage=.={stage};.;resource=.={resource};.;method=.={method};.;{metric}")
}

impl Metrics {
    /// The metrics of every deployment, at its `metrics` level. Deployments whose labels are the
    /// same (an API served twice at one stage) share their series, as Envoy would.
    pub fn compile(config: &Config) -> Metrics {
        let mut metrics = Metrics::default();
        let mut known: HashMap<String, Series> = HashMap::new();
        for dep in &config.deployments {
            let mut series = |resource: &str, method: &str| {
                let first = name(&dep.api.name, &dep.stage, resource, method, METRICS[COUNT].0);
                *known.entry(first).or_insert_with(|| {
                    let s = Series(metrics.definitions.len());
                    for (metric, kind) in METRICS {
                        let name = name(&dep.api.name, &dep.stage, resource, method, metric);
                        metrics.definitions.push(Definition { kind, name });
                    }
                    s
                })
            };
            let entry = match dep.metrics {
                MetricsLevel::Off => DeploymentSeries::default(),
                MetricsLevel::Stage => DeploymentSeries { stage: Some(series("", "")), operations: Vec::new() },
                MetricsLevel::Detailed => DeploymentSeries {
                    stage: Some(series("", "")),
                    operations: dep.api.operations.iter().map(|op| series(&op.resource_path, &op.method)).collect(),
                },
            };
            metrics.deployments.push(entry);
        }
        metrics
    }

    /// The series of a deployment's requests before (or without) an operation; `None`: the
    /// deployment records nothing.
    pub fn stage_series(&self, deployment: usize) -> Option<Series> {
        self.deployments.get(deployment).and_then(|d| d.stage)
    }

    /// The series of an operation's requests: its own at the `detailed` level, else the stage's.
    pub fn series(&self, deployment: usize, operation: usize) -> Option<Series> {
        let d = self.deployments.get(deployment)?;
        d.operations.get(operation).copied().or(d.stage)
    }
}

/// One request's metrics, from its head to its end (the adapter's `on_log`). Times are a
/// monotonic clock's nanoseconds, read by the adapter only where this asks for them.
#[derive(Debug, Default)]
pub struct Tally {
    series: Option<Series>,
    started_ns: u64,
    integration_sent_ns: Option<u64>,
    integration_ns: Option<u64>,
}

impl Tally {
    /// A request of a deployment that records `series` (the stage's until routed), arrived at
    /// `now_ns`; read the clock for it only when `series` is Some.
    pub fn begin(series: Option<Series>, now_ns: u64) -> Tally {
        Tally { series, started_ns: now_ns, ..Tally::default() }
    }

    /// Whether this request is counted (and so whether the clock must be read for it).
    pub fn counted(&self) -> bool {
        self.series.is_some()
    }

    /// The request's operation is known: its series (see [`Metrics::series`]).
    pub fn routed(&mut self, series: Option<Series>) {
        if self.series.is_some() {
            self.series = series.or(self.series);
        }
    }

    /// The integration's request left (a callout sent, or the head forwarded to the router).
    pub fn integration_sent(&mut self, now_ns: u64) {
        self.integration_sent_ns = Some(now_ns);
    }

    /// The integration's answer arrived: IntegrationLatency is the time since it was sent.
    pub fn integration_answered(&mut self, now_ns: u64) {
        if let Some(sent) = self.integration_sent_ns.take() {
            self.integration_ns = Some(now_ns.saturating_sub(sent));
        }
    }

    /// The request is over (its last byte sent): what to record, once. `status` is the answer's
    /// status as the client got it, `None` when none was sent (the client went away first): then
    /// the request counts, with its latency, in neither error count. 4XXError and 5XXError count
    /// answers of status 400–499 and 500–599, whoever made them (observability.md §1). Latencies
    /// are whole milliseconds, as CloudWatch's and Envoy's own request times.
    pub fn finish(&mut self, now_ns: u64, status: Option<u16>) -> [Option<Sample>; 4] {
        let Some(Series(first)) = self.series.take() else {
            return [None; 4];
        };
        let sample = |offset: usize, value: u64| {
            let metric = first.saturating_add(offset);
            Some(Sample { metric, kind: METRICS.get(offset).map_or(Kind::Counter, |m| m.1), value })
        };
        let error = match status {
            Some(400..=499) => sample(ERROR_4XX, 1),
            Some(500..=599) => sample(ERROR_5XX, 1),
            _ => None,
        };
        let ms = |ns: u64| ns / 1_000_000;
        [
            sample(COUNT, 1),
            error,
            sample(LATENCY, ms(now_ns.saturating_sub(self.started_ns))),
            self.integration_ns.take().and_then(|ns| sample(INTEGRATION_LATENCY, ms(ns))),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn config(metrics: &str) -> Config {
        let doc = serde_json::json!({
            "apis": {"pets": {"openapi": "3.0.1", "info": {"title": "Pet Store; v2"}, "paths": {
                "/pets": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}},
                          "post": {"x-amazon-apigateway-integration": {"type": "mock"}}},
                "/pets/{id}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "mock"}}}
            }}, "untitled": {"swagger": "2.0", "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}},
            "deployments": [
                {"name": "a", "api": "pets", "stage": "prod", "metrics": metrics},
                {"name": "b", "api": "pets", "stage": "prod"},
                {"name": "c", "api": "untitled", "stage": "dev"}
            ]
        });
        Config::from_value(&doc).unwrap_or_else(|e| panic!("{e}"))
    }

    fn names(m: &Metrics, series: Option<Series>) -> Vec<(&str, Kind)> {
        let Some(Series(first)) = series else { return Vec::new() };
        m.definitions.iter().skip(first).take(5).map(|d| (d.name.as_str(), d.kind)).collect()
    }

    // Five metrics per label set, named with their labels; `;` in a label becomes `_`; the API's
    // label is its title, else its name under `apis`; two deployments with the same labels share.
    #[test]
    fn detailed_series_and_names() {
        let c = config("detailed");
        let m = Metrics::compile(&c);
        let pets = |resource: &str, method: &str, metric: &str| {
            format!("apigateway.api=.=Pet Store_ v2;.;stage=.=prod;.;resource=.={resource};.;method=.={method};.;{metric}")
        };
        let op = |path: &str, method: &str| {
            c.deployments[0].api.operations.iter().position(|o| o.resource_path == path && o.method == method)
        };
        let get = m.series(0, op("/pets", "GET").unwrap_or(99));
        assert_eq!(names(&m, get), vec![
            (pets("/pets", "GET", "Count").as_str(), Kind::Counter),
            (pets("/pets", "GET", "4XXError").as_str(), Kind::Counter),
            (pets("/pets", "GET", "5XXError").as_str(), Kind::Counter),
            (pets("/pets", "GET", "Latency").as_str(), Kind::Histogram),
            (pets("/pets", "GET", "IntegrationLatency").as_str(), Kind::Histogram),
        ]);
        assert_eq!(names(&m, m.series(0, op("/pets/{id}", "ANY").unwrap_or(99)))[0].0, pets("/pets/{id}", "ANY", "Count"));
        assert_eq!(names(&m, m.stage_series(0))[0].0, pets("", "", "Count"));
        // Deployment b has a's labels: the same series.
        assert_eq!(m.stage_series(1), m.stage_series(0));
        assert_eq!(m.series(1, 0), m.series(0, 0));
        assert_eq!(names(&m, m.stage_series(2))[0].0,
                   "apigateway.api=.=untitled;.;stage=.=dev;.;resource=.=;.;method=.=;.;Count");
        // 3 pets operations and its stage series, 1 untitled operation and its stage series.
        assert_eq!(m.definitions.len(), 5 * 6);
        assert_eq!(m.series(0, 99), m.stage_series(0));
        assert_eq!(m.series(9, 0), None);
    }

    // `stage`: one series for all of a deployment's requests; `off`: none.
    #[test]
    fn stage_and_off_levels() {
        let m = Metrics::compile(&config("stage"));
        assert_eq!(m.series(0, 0), m.stage_series(0));
        // b, detailed, has the same stage series and its own per operation.
        assert!(m.stage_series(0).is_some() && m.stage_series(0) == m.stage_series(1));
        assert_ne!(m.series(1, 0), m.stage_series(1));
        let m = Metrics::compile(&config("off"));
        assert_eq!((m.stage_series(0), m.series(0, 1)), (None, None));
        let mut t = Tally::begin(m.stage_series(0), 5);
        assert!(!t.counted());
        t.routed(m.series(0, 1));
        assert_eq!(t.finish(10, Some(200)), [None; 4]);
        let bad = Config::from_value(&serde_json::json!({"api": {"swagger": "2.0", "paths": {}}, "metrics": true}));
        assert!(bad.err().map(|e| e.to_string()).unwrap_or_default().contains("metrics"));
    }

    const MS: u64 = 1_000_000;

    // Count always; 4XXError / 5XXError by the status the client got; Latency from the head to the
    // end; IntegrationLatency from the integration's request to its answer, only when there was one.
    #[test]
    fn what_a_request_records() {
        let m = Metrics::compile(&config("detailed"));
        let Some(Series(first)) = m.series(0, 1) else { panic!("no series") };
        let at = |offset: usize, value: u64| {
            Some(Sample { metric: first + offset, kind: METRICS[offset].1, value })
        };
        let mut t = Tally::begin(m.stage_series(0), 1_000 * MS);
        assert!(t.counted());
        t.routed(m.series(0, 1));
        t.integration_sent(1_002 * MS);
        t.integration_answered(1_009 * MS + 999_999);
        assert_eq!(t.finish(1_012 * MS, Some(200)), [at(0, 1), None, at(3, 12), at(4, 7)]);
        // Once only.
        assert_eq!(t.finish(1_013 * MS, Some(200)), [None; 4]);

        for (status, error) in [(Some(404), at(1, 1)), (Some(403), at(1, 1)), (Some(502), at(2, 1)),
                                (Some(599), at(2, 1)), (Some(304), None), (Some(600), None), (None, None)] {
            let mut t = Tally::begin(m.stage_series(0), 0);
            t.routed(m.series(0, 1));
            assert_eq!(t.finish(MS / 2, status), [at(0, 1), error, at(3, 0), None], "{status:?}");
        }
        // Not routed: the stage's series; a sent integration never answered records no IntegrationLatency.
        let Some(Series(stage)) = m.stage_series(0) else { panic!("no stage series") };
        let mut t = Tally::begin(m.stage_series(0), 10 * MS);
        t.integration_sent(11 * MS);
        let samples = t.finish(9 * MS, Some(403));
        assert_eq!(samples[0].map(|s| s.metric), Some(stage));
        assert_eq!(samples[2].map(|s| s.value), Some(0));
        assert_eq!(samples[3], None);
    }
}
