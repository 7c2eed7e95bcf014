//! Date helpers for the generator. All dates are naive (the PEC stores local wall time).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};

use super::rng::Rng;

/// `date` shifted by `days` (negative = earlier). Saturates at chrono's date limits, which
/// the generator never comes near.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    date.checked_add_signed(TimeDelta::days(days))
        .unwrap_or(date)
}

/// Whole days from `a` to `b` (`b - a`).
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// Age in completed years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0)
}

/// `date` at `minutes` past midnight (clamped to the day).
pub fn at(date: NaiveDate, minutes: i64) -> NaiveDateTime {
    let secs = (minutes.clamp(0, 24 * 60 - 1) * 60) as u32;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap_or(NaiveTime::MIN);
    date.and_time(time)
}

/// A working-hours timestamp on `date` (07:00–17:00).
pub fn office_time(rng: &mut Rng, date: NaiveDate) -> NaiveDateTime {
    at(date, 7 * 60 + rng.range(0, 10 * 60))
}

/// Moves a weekend date to a neighbouring weekday without leaving `[lo, hi]`.
pub fn weekday_within(date: NaiveDate, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
    let candidates = match date.weekday() {
        Weekday::Sat => [add_days(date, -1), add_days(date, 2)],
        Weekday::Sun => [add_days(date, 1), add_days(date, -2)],
        _ => return date,
    };
    candidates
        .into_iter()
        .find(|d| *d >= lo && *d <= hi)
        .unwrap_or(date)
}

/// Uniform date in `[lo, hi]` (returns `lo` when the range is empty).
pub fn uniform_date(rng: &mut Rng, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
    let span = days_between(lo, hi);
    if span <= 0 {
        return lo;
    }
    add_days(lo, rng.range(0, span + 1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_and_shifts() {
        assert_eq!(age_on(d(2000, 5, 10), d(2026, 5, 9)), 25);
        assert_eq!(age_on(d(2000, 5, 10), d(2026, 5, 10)), 26);
        assert_eq!(add_days(d(2026, 1, 1), -1), d(2025, 12, 31));
        // 2026-01-03 is a Saturday.
        assert_eq!(
            weekday_within(d(2026, 1, 3), d(2025, 1, 1), d(2026, 1, 3)),
            d(2026, 1, 2)
        );
        assert_eq!(
            weekday_within(d(2026, 1, 4), d(2026, 1, 4), d(2026, 2, 1)),
            d(2026, 1, 5)
        );
        assert_eq!(at(d(2026, 1, 1), 90).to_string(), "2026-01-01 01:30:00");
        let mut r = Rng::new(1);
        for _ in 0..100 {
            let x = uniform_date(&mut r, d(2026, 1, 1), d(2026, 1, 3));
            assert!(x >= d(2026, 1, 1) && x <= d(2026, 1, 3));
        }
    }
}
