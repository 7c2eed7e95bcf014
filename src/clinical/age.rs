//! Age in completed years.

use chrono::{Datelike, NaiveDate};

/// Completed years on `today` (0 for a birth date in the future).
pub fn years(birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn completed_years() {
        assert_eq!(
            years(d(1960, 11, 29), d(2026, 11, 29)),
            66,
            "birthday today"
        );
        assert_eq!(
            years(d(1960, 11, 30), d(2026, 11, 29)),
            65,
            "birthday tomorrow"
        );
        assert_eq!(
            years(d(2000, 2, 29), d(2026, 2, 28)),
            25,
            "leap-day birth before 1 March"
        );
        assert_eq!(years(d(2000, 2, 29), d(2026, 3, 1)), 26);
        assert_eq!(years(d(2030, 1, 1), d(2026, 1, 1)), 0, "future birth date");
    }
}
