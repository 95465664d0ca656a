//! RFC 3339 UTC timestamps (SPEC §14), without a date-time dependency: the rule is
//! narrow on purpose so that timestamps compare as strings.

/// Whether `s` is `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` with a real calendar date
/// (proleptic Gregorian, years 0000–9999) and a leap second only at `23:59:60`.
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let shape_ok = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    let fraction = &b[19..b.len() - 1];
    let fraction_ok = fraction.is_empty()
        || (fraction[0] == b'.'
            && (2..=10).contains(&fraction.len())
            && fraction[1..].iter().all(u8::is_ascii_digit));
    shape_ok
        && fraction_ok
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour <= 23
        && minute <= 59
        // A leap second exists only as the last second of a UTC day.
        && (second <= 59 || (second == 60 && hour == 23 && minute == 59))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn now() -> String {
    format_millis(unix_millis())
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn unix_millis() -> i64 {
    js_sys::Date::now() as i64
}

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// (civil-from-days, proleptic Gregorian), the form [`now`] writes. Times
/// outside the years 0000–9999, which SPEC §14 cannot write, are clamped to
/// its first or last millisecond.
pub fn format_millis(ms: i64) -> String {
    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z.
    const FIRST: i64 = -62_167_219_200_000;
    const LAST: i64 = 253_402_300_799_999;
    let ms = ms.clamp(FIRST, LAST);
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_utc_rfc3339_with_real_dates() {
        assert!(is_valid("2026-11-25T10:00:00Z"));
        assert!(is_valid("2024-02-29T23:59:60.123456789Z"));
        assert!(!is_valid("2023-02-29T00:00:00Z"));
        assert!(!is_valid("2026-11-25T10:00:00+01:00"));
        assert!(!is_valid("2026-11-25 10:00:00Z"));
        assert!(!is_valid("2026-11-25T10:00:00.Z"));
        assert!(!is_valid("2026-11-25T24:00:00Z"));
        assert!(!is_valid("2026-11-25t10:00:00z"));
        assert!(!is_valid("2016-12-31T23:58:60Z"));
        assert!(!is_valid("2016-12-31T10:59:60Z"));
        assert!(!is_valid("2016-12-31T23:59:61Z"));
        assert!(is_valid("0000-02-29T00:00:00Z"));
    }

    #[test]
    fn formats_epoch_millis_as_utc() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert!(is_valid(&now()));
        // Beyond what SPEC §14 can write: the first or last millisecond it can.
        assert_eq!(format_millis(i64::MIN), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_millis(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert!(is_valid(&format_millis(-62_167_219_200_000)));
    }
}
