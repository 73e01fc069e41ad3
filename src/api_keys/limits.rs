//! A usage plan's limits on one deployment, compiled at load for the throttling step (README:
//! "Throttling"): the plan's throttle and quota (per API key, AWS docs) and, per operation, the
//! per-method throttle of the plan's `apiStages[].throttle` for that stage.

use super::usage_plans::{ApiStage, Quota, QuotaPeriod, Throttle, UsagePlan};
use crate::config::Deployment;
use crate::throttle::bucket::{BucketLimit, MAX_BURST, MAX_RATE_PER_SECOND};
use crate::throttle::{Period, QuotaLimit};

/// What a usage plan sets on one deployment's requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanLimits {
    pub throttle: Option<BucketLimit>,
    pub quota: Option<QuotaLimit>,
    /// By operation index: the plan's throttle for that method on this stage.
    pub methods: Vec<Option<BucketLimit>>,
}

impl PlanLimits {
    /// The limits of `plan` on `dep` (none when the plan is not attached to its API stage).
    pub fn compile(plan: &UsagePlan, dep: &Deployment) -> PlanLimits {
        let Some(stage) = plan.stage(&dep.api_id, &dep.stage) else { return PlanLimits::default() };
        PlanLimits {
            throttle: plan.throttle.as_ref().and_then(bucket),
            quota: plan.quota.as_ref().map(quota),
            methods: dep.api.operations.iter().map(|op| method_throttle(stage, &op.resource_path, &op.method)).collect(),
        }
    }
}

/// A method's own entry (`/pets/GET`) wins over the path's `*` entry (`/pets/*`).
fn method_throttle(stage: &ApiStage, resource_path: &str, method: &str) -> Option<BucketLimit> {
    stage.method(resource_path, method).or_else(|| stage.method(resource_path, "*")).and_then(bucket)
}

/// `ThrottleSettings` as a bucket. Without `rateLimit` the level does not limit; without
/// `burstLimit` the bucket holds one second of the rate, at least one request (our choice: AWS
/// prints both whenever a plan has a throttle).
fn bucket(t: &Throttle) -> Option<BucketLimit> {
    let rate = t.rate_limit.filter(|r| r.is_finite() && *r >= 0.0)?.min(MAX_RATE_PER_SECOND as f64);
    let burst = t.burst_limit.unwrap_or_else(|| (rate.ceil() as u64).max(1)).min(MAX_BURST);
    Some(BucketLimit::new((rate * 1000.0).round() as u64, burst))
}

fn quota(q: &Quota) -> QuotaLimit {
    let period = match q.period {
        QuotaPeriod::Day => Period::Day,
        QuotaPeriod::Week => Period::Week,
        QuotaPeriod::Month => Period::Month,
    };
    QuotaLimit { limit: q.limit, offset: q.offset, period }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        let t = |rate_limit, burst_limit| Throttle { rate_limit, burst_limit };
        assert_eq!(bucket(&t(Some(10.0), Some(20))), Some(BucketLimit::new(10_000, 20)));
        assert_eq!(bucket(&t(Some(0.5), None)), Some(BucketLimit::new(500, 1)));
        assert_eq!(bucket(&t(Some(2.5), None)), Some(BucketLimit::new(2_500, 3)));
        assert_eq!(bucket(&t(None, Some(5))), None);
        assert_eq!(bucket(&t(Some(f64::NAN), Some(5))), None);
        assert_eq!(bucket(&t(Some(-1.0), Some(5))), None);
        assert_eq!(bucket(&t(Some(1e300), Some(u64::MAX))), Some(BucketLimit::new(MAX_RATE_PER_SECOND * 1000, MAX_BURST)));
    }
}
