//! Calendar formatting from epoch milliseconds (no clock here: the adapter passes the time in).

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day) (Howard Hinnant's
/// days-to-civil algorithm). Callers keep `days` within ±10^15, far from overflow.
pub fn gregorian(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Converts epoch milliseconds to a UTC civil time.
pub fn civil_from_epoch_ms(ms: u64) -> Civil {
    let secs = ms / 1000;
    let rem = secs % 86_400;
    let (year, month, day) = gregorian((secs / 86_400) as i64);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        minute: ((rem % 3600) / 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// `Jan` → 1 … `Dec` → 12.
pub fn month_number(name: &str) -> Option<usize> {
    MONTHS.iter().position(|m| *m == name).map(|i| i.saturating_add(1))
}

/// `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`.
pub fn request_time(ms: u64) -> String {
    let c = civil_from_epoch_ms(ms);
    let month = MONTHS
        .get(c.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    // Digit by digit, as [`amz_date`]: every Lambda proxy event and most access logs have one.
    let mut out = String::with_capacity(26);
    push_digits(&mut out, u64::from(c.day), 2);
    out.push('/');
    out.push_str(month);
    out.push('/');
    push_digits(&mut out, u64::try_from(c.year).unwrap_or(0), 4);
    for n in [c.hour, c.minute, c.second] {
        out.push(':');
        push_digits(&mut out, u64::from(n), 2);
    }
    out.push_str(" +0000");
    out
}

/// SigV4's `X-Amz-Date`: `yyyyMMddTHHmmssZ`.
pub fn amz_date(ms: u64) -> String {
    let c = civil_from_epoch_ms(ms);
    // Digit by digit: one per request signed, and `format!` costs several times more in the VM.
    let mut out = String::with_capacity(16);
    push_digits(&mut out, u64::try_from(c.year).unwrap_or(0), 4);
    for (n, width) in [(c.month, 2), (c.day, 2)] {
        push_digits(&mut out, u64::from(n), width);
    }
    out.push('T');
    for n in [c.hour, c.minute, c.second] {
        push_digits(&mut out, u64::from(n), 2);
    }
    out.push('Z');
    out
}

/// `n` in decimal, zero-padded to `width` digits (more digits when `n` needs them, as `{:0w}`).
fn push_digits(out: &mut String, n: u64, width: u32) {
    let mut digits = 1;
    while digits < 20 && 10u64.pow(digits) <= n {
        digits += 1;
    }
    for _ in digits..width {
        out.push('0');
    }
    let mut div = 10u64.pow(digits - 1);
    while div > 0 {
        out.push(char::from(b'0' + u8::try_from(n / div % 10).unwrap_or(0)));
        div /= 10;
    }
}

/// HTTP `Date` header (IMF-fixdate), e.g. `Wed, 25 Nov 2026 06:20:28 GMT`.
pub fn http_date(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let c = civil_from_epoch_ms(ms);
    let weekday = DAYS
        .get(((ms / 86_400_000) % 7) as usize)
        .copied()
        .unwrap_or("Thu");
    let month = MONTHS
        .get(c.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        weekday, c.day, month, c.year, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // 2026-11-25T06:20:28.123Z, checked with `date -u -d @1795587628`.
    const T: u64 = 1_795_587_628_123;

    #[test]
    fn formats_request_time_like_api_gateway() {
        assert_eq!(request_time(T), "25/Nov/2026:06:20:28 +0000");
        assert_eq!(request_time(0), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn formats_amz_and_http_dates() {
        assert_eq!(amz_date(T), "20261125T062028Z");
        assert_eq!(amz_date(946_684_800_000), "20000101T000000Z");
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(http_date(T), "Wed, 25 Nov 2026 06:20:28 GMT");
        assert_eq!(civil_from_epoch_ms(951_782_400_000).day, 29); // 2000-02-29 leap day
    }
}
