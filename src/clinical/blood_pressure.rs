//! Blood-pressure readings and the office control status of a hypertensive person.

use chrono::NaiveDate;

/// A parsed office reading in mmHg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub systolic: i32,
    pub diastolic: i32,
}

/// Plausible office values; anything outside is a typing error, not a reading.
pub const SYSTOLIC_RANGE: std::ops::RangeInclusive<i32> = 50..=300;
pub const DIASTOLIC_RANGE: std::ops::RangeInclusive<i32> = 20..=200;

/// Office threshold of control for hypertensive people: below 140/90 mmHg.
pub const CONTROL_SYSTOLIC: i32 = 140;
pub const CONTROL_DIASTOLIC: i32 = 90;

/// A reading older than this many days is not "recent".
pub const RECENT_READING_DAYS: i64 = 180;

impl Reading {
    /// Parses the PEC's text field (`'130/85'`). The PEC stores vital signs as free text, so
    /// anything that is not two plausible integers with systolic > diastolic is rejected
    /// (`'120x80'`, `''`, `'12/8'`, `'120/--'`, `'12O/80'`).
    pub fn parse(text: &str) -> Option<Reading> {
        let (s, d) = text.trim().split_once('/')?;
        let systolic: i32 = s.trim().parse().ok()?;
        let diastolic: i32 = d.trim().parse().ok()?;
        let r = Reading {
            systolic,
            diastolic,
        };
        r.is_plausible().then_some(r)
    }

    pub fn is_plausible(&self) -> bool {
        SYSTOLIC_RANGE.contains(&self.systolic)
            && DIASTOLIC_RANGE.contains(&self.diastolic)
            && self.systolic > self.diastolic
    }

    /// Controlled means both values below 140/90.
    pub fn is_controlled(&self) -> bool {
        self.systolic < CONTROL_SYSTOLIC && self.diastolic < CONTROL_DIASTOLIC
    }
}

/// Blood-pressure control of a hypertensive person from the last office reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlStatus {
    /// Last reading within 180 days and below 140/90.
    Controlled,
    /// Last reading within 180 days and 140/90 or above (either value).
    Uncontrolled,
    /// No reading within 180 days.
    NoRecentReading,
}

impl ControlStatus {
    /// Stable key stored in the read model and used in URLs.
    pub fn key(self) -> &'static str {
        match self {
            ControlStatus::Controlled => "controlled",
            ControlStatus::Uncontrolled => "uncontrolled",
            ControlStatus::NoRecentReading => "no_recent_reading",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Controlled, Self::Uncontrolled, Self::NoRecentReading]
            .into_iter()
            .find(|s| s.key() == key)
    }

    /// The word a clinician reads.
    pub fn label(self) -> &'static str {
        match self {
            ControlStatus::Controlled => "Controlada",
            ControlStatus::Uncontrolled => "Não controlada",
            ControlStatus::NoRecentReading => "Sem aferição recente",
        }
    }
}

/// Control status from the latest reading (`None` when the person has no valid reading).
/// A reading dated after `today` (clock skew in the source) counts as recent.
pub fn control_status(last: Option<(NaiveDate, Reading)>, today: NaiveDate) -> ControlStatus {
    match last {
        Some((date, reading)) if (today - date).num_days() <= RECENT_READING_DAYS => {
            if reading.is_controlled() {
                ControlStatus::Controlled
            } else {
                ControlStatus::Uncontrolled
            }
        }
        _ => ControlStatus::NoRecentReading,
    }
}

/// Control status from the latest of two sources: the last office reading and the last home
/// (MRPA) evaluation, which has its own threshold (< 130/80) and arrives already classified.
/// The more recent one decides; on the same day the home evaluation wins (it summarises four
/// days of readings). Either counts only within [`RECENT_READING_DAYS`].
pub fn combined_status(
    office: Option<(NaiveDate, Reading)>,
    home: Option<(NaiveDate, bool)>,
    today: NaiveDate,
) -> ControlStatus {
    match (office, home) {
        (Some((office_day, _)), Some((home_day, controlled))) if home_day >= office_day => {
            home_status(home_day, controlled, today)
        }
        (None, Some((home_day, controlled))) => home_status(home_day, controlled, today),
        (office, _) => control_status(office, today),
    }
}

fn home_status(day: NaiveDate, controlled: bool, today: NaiveDate) -> ControlStatus {
    if (today - day).num_days() > RECENT_READING_DAYS {
        ControlStatus::NoRecentReading
    } else if controlled {
        ControlStatus::Controlled
    } else {
        ControlStatus::Uncontrolled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_source_decides_and_home_wins_a_tie() {
        let today = d(2026, 11, 29);
        let high = Reading {
            systolic: 150,
            diastolic: 95,
        };
        let ok = Reading {
            systolic: 120,
            diastolic: 70,
        };
        // Office only, home only.
        assert_eq!(
            combined_status(Some((d(2026, 11, 1), high)), None, today),
            ControlStatus::Uncontrolled
        );
        assert_eq!(
            combined_status(None, Some((d(2026, 11, 1), true)), today),
            ControlStatus::Controlled
        );
        assert_eq!(
            combined_status(None, None, today),
            ControlStatus::NoRecentReading
        );
        // Home newer than office: home decides.
        assert_eq!(
            combined_status(
                Some((d(2026, 10, 1), high)),
                Some((d(2026, 11, 1), true)),
                today
            ),
            ControlStatus::Controlled
        );
        // Same day: home decides.
        assert_eq!(
            combined_status(
                Some((d(2026, 11, 1), ok)),
                Some((d(2026, 11, 1), false)),
                today
            ),
            ControlStatus::Uncontrolled
        );
        // Office newer: office decides.
        assert_eq!(
            combined_status(
                Some((d(2026, 11, 2), ok)),
                Some((d(2026, 11, 1), false)),
                today
            ),
            ControlStatus::Controlled
        );
        // A home evaluation 181 days old is not recent; 180 is.
        assert_eq!(
            combined_status(None, Some((d(2026, 6, 1), true)), today),
            ControlStatus::NoRecentReading
        );
        assert_eq!(
            combined_status(None, Some((d(2026, 6, 2), true)), today),
            ControlStatus::Controlled
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn parses_pec_text() {
        assert_eq!(
            Reading::parse("130/85"),
            Some(Reading {
                systolic: 130,
                diastolic: 85
            })
        );
        assert_eq!(
            Reading::parse(" 142 / 91 "),
            Some(Reading {
                systolic: 142,
                diastolic: 91
            })
        );
        for bad in [
            "",
            "120x80",
            "12/8",
            "120/--",
            "12O/80",
            "/",
            "80/120",
            "400/80",
            "120/10",
            "120/80/70",
        ] {
            assert_eq!(Reading::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn control_threshold_is_140_90() {
        let today = d(2026, 11, 29);
        let at = |s, dia| {
            control_status(
                Some((
                    today,
                    Reading {
                        systolic: s,
                        diastolic: dia,
                    },
                )),
                today,
            )
        };
        assert_eq!(at(139, 89), ControlStatus::Controlled);
        assert_eq!(at(140, 89), ControlStatus::Uncontrolled);
        assert_eq!(at(139, 90), ControlStatus::Uncontrolled);
        assert_eq!(at(140, 90), ControlStatus::Uncontrolled);
        assert_eq!(at(100, 60), ControlStatus::Controlled);
    }

    #[test]
    fn recent_means_within_180_days() {
        let today = d(2026, 11, 29);
        let r = Reading {
            systolic: 120,
            diastolic: 80,
        };
        let day180 = today - chrono::Duration::days(180);
        let day181 = today - chrono::Duration::days(181);
        assert_eq!(
            control_status(Some((day180, r)), today),
            ControlStatus::Controlled
        );
        assert_eq!(
            control_status(Some((day181, r)), today),
            ControlStatus::NoRecentReading
        );
        assert_eq!(control_status(None, today), ControlStatus::NoRecentReading);
        let high = Reading {
            systolic: 150,
            diastolic: 95,
        };
        assert_eq!(
            control_status(Some((day181, high)), today),
            ControlStatus::NoRecentReading
        );
        assert_eq!(
            control_status(Some((day180, high)), today),
            ControlStatus::Uncontrolled
        );
    }

    #[test]
    fn keys_round_trip() {
        for s in [
            ControlStatus::Controlled,
            ControlStatus::Uncontrolled,
            ControlStatus::NoRecentReading,
        ] {
            assert_eq!(ControlStatus::from_key(s.key()), Some(s));
        }
        assert_eq!(ControlStatus::from_key("x"), None);
    }
}
