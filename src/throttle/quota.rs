//! Usage plan quotas (README: "Throttling"): `limit` requests per `period` (DAY, WEEK or MONTH)
//! for each API key, counted from the start of the period in UTC.
//!
//! What AWS documents, and the choices where it is silent:
//! - `offset` is "the number of requests subtracted from the given limit in the initial time
//!   period" (API reference, `QuotaSettings`; CloudFormation: a plan that starts in the middle of
//!   a week or month gets a smaller first period). The initial period here is the first one in
//!   which the gateway counted the key (its counter was created), so a restart, which starts the
//!   counters afresh, applies the offset again (README: "Throttling").
//! - A DAY is a UTC calendar day (users' reports: "12am until 11:59pm UTC"); a MONTH starts on
//!   the 1st (AWS re:Post: "monthly quotas only reset on the 1st of every month"); a WEEK starts
//!   on Sunday 00:00 UTC (our choice: AWS's older API model described offset 0 as a week starting
//!   on Sunday; the current documentation says nothing).

const DAY_MS: u64 = 86_400_000;

/// `period`: the quota's time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// AWS's name (`DAY`, `WEEK`, `MONTH`); anything else is not a period.
    pub fn parse(name: &str) -> Option<Period> {
        match name {
            "DAY" => Some(Period::Day),
            "WEEK" => Some(Period::Week),
            "MONTH" => Some(Period::Month),
            _ => None,
        }
    }

    /// AWS's name, as [`Period::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "DAY",
            Period::Week => "WEEK",
            Period::Month => "MONTH",
        }
    }

    /// The start (ms since the Unix epoch, UTC) of the period holding `now_ms`.
    pub fn start(self, now_ms: u64) -> u64 {
        let day = now_ms / DAY_MS;
        let days_back = match self {
            Period::Day => 0,
            // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sundays.
            Period::Week => (day % 7 + 4) % 7,
            Period::Month => u64::from(crate::time::civil_from_epoch_ms(now_ms).day.saturating_sub(1)),
        };
        day.saturating_sub(days_back).saturating_mul(DAY_MS)
    }
}

/// A usage plan's `quota`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuotaLimit {
    pub limit: u64,
    /// Requests taken off the limit in the initial period.
    pub offset: u64,
    pub period: Period,
}

/// A key's counter for the current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaState {
    /// The start of the period counted.
    pub period_start: u64,
    /// Requests admitted in it.
    pub used: u64,
    /// Whether it is the first period counted (the offset applies).
    pub initial: bool,
}

impl QuotaState {
    /// Period start, count, then 1 for the initial period, little-endian.
    pub fn encode(self) -> [u8; 17] {
        let mut out = [0u8; 17];
        let (a, rest) = out.split_at_mut(8);
        let (b, c) = rest.split_at_mut(8);
        a.copy_from_slice(&self.period_start.to_le_bytes());
        b.copy_from_slice(&self.used.to_le_bytes());
        c.copy_from_slice(&[u8::from(self.initial)]);
        out
    }

    /// `None` for bytes that are not a counter (the entry is then started afresh).
    pub fn decode(bytes: &[u8]) -> Option<QuotaState> {
        let (a, rest) = bytes.split_at_checked(8)?;
        let (b, c) = rest.split_at_checked(8)?;
        let initial = match c {
            [0] => false,
            [1] => true,
            _ => return None,
        };
        Some(QuotaState {
            period_start: u64::from_le_bytes(a.try_into().ok()?),
            used: u64::from_le_bytes(b.try_into().ok()?),
            initial,
        })
    }

    /// The counter of a key seen for the first time: its initial period, nothing used.
    pub fn first(limit: QuotaLimit, now_ms: u64) -> QuotaState {
        QuotaState { period_start: limit.period.start(now_ms), used: 0, initial: true }
    }

    /// The counter for the period holding `now_ms`: a new period starts at zero and is not the
    /// initial one; a clock behind the stored period keeps counting in it.
    pub fn current(self, limit: QuotaLimit, now_ms: u64) -> QuotaState {
        let start = limit.period.start(now_ms);
        if start > self.period_start {
            QuotaState { period_start: start, used: 0, initial: false }
        } else {
            self
        }
    }

    /// Counts one request at `now_ms`: the new state, or `None` when the period's quota is used up.
    pub fn take(self, limit: QuotaLimit, now_ms: u64) -> Option<QuotaState> {
        let s = self.current(limit, now_ms);
        let allowed = if s.initial { limit.limit.saturating_sub(limit.offset) } else { limit.limit };
        (s.used < allowed).then_some(QuotaState { used: s.used.saturating_add(1), ..s })
    }

    /// Uncounts one request (another level refused it), in the same period only.
    pub fn give_back(self, period_start: u64) -> QuotaState {
        if self.period_start == period_start {
            QuotaState { used: self.used.saturating_sub(1), ..self }
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // Epoch ms of a UTC date and time (checked with `date -u -d ... +%s`).
    const WED_2026_11_25_062028: u64 = 1_795_587_628_123;
    const WED_2026_11_25: u64 = 1_795_564_800_000;
    const SUN_2026_11_22: u64 = 1_795_305_600_000;
    const SUN_2026_11_01: u64 = 1_793_491_200_000;
    const DEC_2026_01: u64 = 1_796_083_200_000;
    const MAR_2028_01: u64 = 1_835_481_600_000;
    const FEB_2028_29: u64 = 1_835_395_200_000;

    // Periods start at UTC midnight: the day itself, the Sunday before (or the same Sunday), the 1st.
    #[test]
    fn period_starts() {
        assert_eq!(Period::Day.start(WED_2026_11_25_062028), WED_2026_11_25);
        assert_eq!(Period::Week.start(WED_2026_11_25_062028), SUN_2026_11_22);
        assert_eq!(Period::Week.start(SUN_2026_11_22), SUN_2026_11_22);
        assert_eq!(Period::Week.start(SUN_2026_11_22 - 1), SUN_2026_11_22 - 7 * DAY_MS);
        assert_eq!(Period::Month.start(WED_2026_11_25_062028), SUN_2026_11_01);
        assert_eq!(Period::Month.start(DEC_2026_01), DEC_2026_01);
        assert_eq!(Period::Month.start(DEC_2026_01 - 1), SUN_2026_11_01);
        // A leap day belongs to February; the next day starts March.
        assert_eq!(Period::Month.start(FEB_2028_29 + 5), MAR_2028_01 - 29 * DAY_MS);
        assert_eq!(Period::Month.start(MAR_2028_01), MAR_2028_01);
        // The epoch itself was a Thursday: its week started on Sunday 1969-12-28, clamped to 0.
        assert_eq!(Period::Week.start(0), 0);
        assert_eq!(Period::Day.start(u64::MAX) % DAY_MS, 0);
    }

    // The offset comes off the limit in the initial period only; a new period starts at zero.
    #[test]
    fn offset_in_the_initial_period() {
        let limit = QuotaLimit { limit: 3, offset: 1, period: Period::Day };
        let mut s = QuotaState::first(limit, WED_2026_11_25_062028);
        s = s.take(limit, WED_2026_11_25_062028).unwrap();
        s = s.take(limit, WED_2026_11_25_062028).unwrap();
        assert_eq!(s.take(limit, WED_2026_11_25_062028), None);
        let next_day = WED_2026_11_25 + DAY_MS;
        assert_eq!(s.take(limit, next_day - 1), None);
        for _ in 0..3 {
            s = s.take(limit, next_day).unwrap();
        }
        assert!(!s.initial);
        assert_eq!(s.take(limit, next_day + 5), None);
        // An offset above the limit leaves nothing for the first period.
        let greedy = QuotaLimit { limit: 3, offset: 9, period: Period::Month };
        assert_eq!(QuotaState::first(greedy, DEC_2026_01).take(greedy, DEC_2026_01), None);
    }

    // A clock behind the stored period keeps counting in the stored period.
    #[test]
    fn clock_behind() {
        let limit = QuotaLimit { limit: 5, offset: 0, period: Period::Day };
        let s = QuotaState { period_start: WED_2026_11_25, used: 2, initial: false };
        assert_eq!(s.current(limit, WED_2026_11_25 - 1), s);
    }

    // Giving back uncounts in the same period only.
    #[test]
    fn give_back() {
        let s = QuotaState { period_start: 10, used: 2, initial: false };
        assert_eq!(s.give_back(10).used, 1);
        assert_eq!(s.give_back(11).used, 2);
        assert_eq!(QuotaState { used: 0, ..s }.give_back(10).used, 0);
    }

    #[test]
    fn encoding() {
        let s = QuotaState { period_start: SUN_2026_11_01, used: 7, initial: true };
        assert_eq!(QuotaState::decode(&s.encode()), Some(s));
        assert_eq!(QuotaState::decode(&[0u8; 16]), None);
        let mut bad = s.encode();
        bad[16] = 2;
        assert_eq!(QuotaState::decode(&bad), None);
    }
}
