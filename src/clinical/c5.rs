//! Indicator C5 — care of the person with hypertension — good practices of the 2026 edition
//! of the Notas Metodológicas C1–C7 (`peers-and-indicators.md` §8.2). Each practice is worth
//! 25 points; a person scores 0–100.
//!
//! Windows are counted back from `today` in calendar months, both ends included: a record
//! dated exactly six months ago counts for a six-month practice, one dated the day before
//! does not. A local PEC sees only its own records, so the local score can only
//! under-estimate the national one.

use chrono::{Datelike, Months, NaiveDate};

/// One good practice of C5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Practice {
    /// A: consultation by a physician or nurse in the last 6 months.
    Visit,
    /// B: blood pressure recorded in the last 6 months.
    BloodPressure,
    /// C: weight and height recorded on the same day in the last 12 months.
    Anthropometry,
    /// D: two ACS/TACS home visits at least 30 days apart in the last 12 months.
    AcsVisits,
}

/// Data edition of the rule, shown next to the score.
pub const EDITION: &str = "C5, Nota Metodológica edição 2026 (Portaria GM/MS nº 3.493/2024)";
pub const POINTS_PER_PRACTICE: u8 = 25;
pub const SHORT_WINDOW_MONTHS: u32 = 6;
pub const LONG_WINDOW_MONTHS: u32 = 12;
pub const ACS_MIN_DAYS_APART: i64 = 30;

impl Practice {
    pub const ALL: [Practice; 4] = [
        Practice::Visit,
        Practice::BloodPressure,
        Practice::Anthropometry,
        Practice::AcsVisits,
    ];

    /// The letter of the practice in the technical note.
    pub fn letter(self) -> &'static str {
        match self {
            Practice::Visit => "A",
            Practice::BloodPressure => "B",
            Practice::Anthropometry => "C",
            Practice::AcsVisits => "D",
        }
    }

    pub fn from_letter(letter: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.letter().eq_ignore_ascii_case(letter))
    }

    /// What the practice asks, in the words of the team.
    pub fn description(self) -> &'static str {
        match self {
            Practice::Visit => "Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses",
            Practice::BloodPressure => "Pressão arterial aferida nos últimos 6 meses",
            Practice::Anthropometry => {
                "Peso e altura registrados no mesmo dia nos últimos 12 meses"
            }
            Practice::AcsVisits => {
                "Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses"
            }
        }
    }
}

/// First day of a window of `months` ending today.
pub fn window_start(today: NaiveDate, months: u32) -> NaiveDate {
    today
        .checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

fn within(date: NaiveDate, today: NaiveDate, months: u32) -> bool {
    date >= window_start(today, months) && date <= today
}

/// The facts C5 looks at for one person.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Date of the latest consultation by a physician or nurse.
    pub last_consultation: Option<NaiveDate>,
    /// Date of the latest valid blood-pressure reading.
    pub last_bp: Option<NaiveDate>,
    /// Days on which both weight and height were recorded.
    pub anthropometry_days: Vec<NaiveDate>,
    /// Dates of ACS/TACS home visits that took place.
    pub acs_visits: Vec<NaiveDate>,
}

/// Result of C5 for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    pub visit: bool,
    pub blood_pressure: bool,
    pub anthropometry: bool,
    pub acs_visits: bool,
}

impl Assessment {
    pub fn met(&self, p: Practice) -> bool {
        match p {
            Practice::Visit => self.visit,
            Practice::BloodPressure => self.blood_pressure,
            Practice::Anthropometry => self.anthropometry,
            Practice::AcsVisits => self.acs_visits,
        }
    }

    pub fn points(&self) -> u8 {
        Practice::ALL.into_iter().filter(|p| self.met(*p)).count() as u8 * POINTS_PER_PRACTICE
    }

    pub fn missing(&self) -> impl Iterator<Item = Practice> + '_ {
        Practice::ALL.into_iter().filter(|p| !self.met(*p))
    }
}

/// Two visits in the window at least 30 days apart: true when the earliest and the latest
/// visit of the window are 30 or more days apart.
pub fn acs_visits_met(visits: &[NaiveDate], today: NaiveDate) -> bool {
    let in_window = visits
        .iter()
        .copied()
        .filter(|d| within(*d, today, LONG_WINDOW_MONTHS));
    let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
    for d in in_window {
        first = Some(first.map_or(d, |f| f.min(d)));
        last = Some(last.map_or(d, |l| l.max(d)));
    }
    matches!((first, last), (Some(f), Some(l)) if (l - f).num_days() >= ACS_MIN_DAYS_APART)
}

pub fn assess(e: &Evidence, today: NaiveDate) -> Assessment {
    Assessment {
        visit: e
            .last_consultation
            .is_some_and(|d| within(d, today, SHORT_WINDOW_MONTHS)),
        blood_pressure: e
            .last_bp
            .is_some_and(|d| within(d, today, SHORT_WINDOW_MONTHS)),
        anthropometry: e
            .anthropometry_days
            .iter()
            .any(|d| within(*d, today, LONG_WINDOW_MONTHS)),
        acs_visits: acs_visits_met(&e.acs_visits, today),
    }
}

/// The four-month period (quadrimester: Jan–Apr, May–Aug, Sep–Dec) that contains `today`,
/// as (first day, last day). NT 8/2026 consolidates results per quadrimester.
pub fn quadrimester(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (today.month0() / 4) * 4 + 1;
    let start = NaiveDate::from_ymd_opt(today.year(), first_month, 1).unwrap_or(today);
    let end = if first_month == 9 {
        NaiveDate::from_ymd_opt(today.year(), 12, 31)
    } else {
        NaiveDate::from_ymd_opt(today.year(), first_month + 4, 1).and_then(|d| d.pred_opt())
    }
    .unwrap_or(today);
    (start, end)
}

/// Month ends of the quadrimester of `today` up to `today` (the current month ends at
/// `today`): the monthly results whose mean is the quadrimester result.
pub fn month_ends(today: NaiveDate) -> Vec<NaiveDate> {
    let (start, _) = quadrimester(today);
    let mut out = Vec::new();
    let mut month = start;
    while month <= today {
        let next = month.checked_add_months(Months::new(1)).unwrap_or(today);
        let end = next.pred_opt().unwrap_or(today).min(today);
        out.push(end);
        if next <= month {
            break;
        }
        month = next;
    }
    out
}

/// Where one practice stands for the current quadrimester.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Met now and still met on the period's last day.
    Covered,
    /// Met now, but lapses on `lapses` (before the period ends): repeat by then.
    Lapses { lapses: NaiveDate },
    /// Not met: must happen by the period's last day to count.
    Missing { by: NaiveDate },
}

/// For each practice, whether it stays met until the end of the quadrimester, lapses before
/// it, or is missing (with the date by which it must happen).
pub fn due_dates(e: &Evidence, today: NaiveDate) -> Vec<(Practice, Due)> {
    let (_, end) = quadrimester(today);
    let now = assess(e, today);
    let at_end = assess(e, end);
    Practice::ALL
        .into_iter()
        .map(|p| {
            let due = if !now.met(p) {
                Due::Missing { by: end }
            } else if at_end.met(p) {
                Due::Covered
            } else {
                // The first day it is no longer met.
                let mut day = today;
                while day < end && assess(e, day).met(p) {
                    day = day.succ_opt().unwrap_or(end);
                }
                Due::Lapses { lapses: day }
            };
            (p, due)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrimesters_and_month_ends() {
        assert_eq!(
            quadrimester(d(2026, 11, 29)),
            (d(2026, 9, 1), d(2026, 12, 31))
        );
        assert_eq!(quadrimester(d(2026, 1, 1)), (d(2026, 1, 1), d(2026, 4, 30)));
        assert_eq!(
            quadrimester(d(2026, 4, 30)),
            (d(2026, 1, 1), d(2026, 4, 30))
        );
        assert_eq!(quadrimester(d(2026, 5, 1)), (d(2026, 5, 1), d(2026, 8, 31)));
        assert_eq!(
            quadrimester(d(2026, 8, 31)),
            (d(2026, 5, 1), d(2026, 8, 31))
        );
        assert_eq!(
            quadrimester(d(2026, 9, 1)),
            (d(2026, 9, 1), d(2026, 12, 31))
        );
        assert_eq!(
            month_ends(d(2026, 11, 29)),
            vec![d(2026, 9, 30), d(2026, 10, 31), d(2026, 11, 29)]
        );
        assert_eq!(month_ends(d(2026, 9, 1)), vec![d(2026, 9, 1)]);
        assert_eq!(
            month_ends(d(2028, 2, 29)),
            vec![d(2028, 1, 31), d(2028, 2, 29)]
        );
    }

    #[test]
    fn due_dates_inside_the_quadrimester() {
        let today = d(2026, 11, 29);
        let e = Evidence {
            // Six months back from 31 Dec is 30 Jun: a consultation on 1 Jul stays met.
            last_consultation: Some(d(2026, 7, 1)),
            // A reading on 1 Jun is met today (window from 29 May) but lapses before 31 Dec.
            last_bp: Some(d(2026, 6, 1)),
            anthropometry_days: vec![],
            acs_visits: vec![],
        };
        let due = due_dates(&e, today);
        assert_eq!(due[0], (Practice::Visit, Due::Covered));
        assert_eq!(
            due[1],
            (
                Practice::BloodPressure,
                Due::Lapses {
                    lapses: d(2026, 12, 2)
                }
            )
        );
        assert_eq!(
            due[2],
            (
                Practice::Anthropometry,
                Due::Missing {
                    by: d(2026, 12, 31)
                }
            )
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 29);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn windows_are_calendar_months_inclusive() {
        assert_eq!(window_start(today(), 6), d(2026, 5, 29));
        assert_eq!(window_start(today(), 12), d(2025, 11, 29));
        // Month ends clamp: 31 Aug minus 6 months is 28 Feb.
        assert_eq!(window_start(d(2026, 8, 31), 6), d(2026, 2, 28));
    }

    #[test]
    fn practice_a_visit_in_six_months() {
        let at = |date| {
            assess(
                &Evidence {
                    last_consultation: Some(date),
                    ..Default::default()
                },
                today(),
            )
            .visit
        };
        assert!(at(d(2026, 5, 29)), "exactly six months ago counts");
        assert!(!at(d(2026, 5, 28)), "one day earlier does not");
        assert!(at(today()));
        assert!(!at(d(2026, 11, 30)), "a future date is not a past visit");
        assert!(!assess(&Evidence::default(), today()).visit);
    }

    #[test]
    fn practice_b_bp_in_six_months() {
        let at = |date| {
            assess(
                &Evidence {
                    last_bp: Some(date),
                    ..Default::default()
                },
                today(),
            )
            .blood_pressure
        };
        assert!(at(d(2026, 5, 29)));
        assert!(!at(d(2026, 5, 28)));
    }

    #[test]
    fn practice_c_same_day_weight_and_height_in_twelve_months() {
        let at = |days: Vec<NaiveDate>| {
            assess(
                &Evidence {
                    anthropometry_days: days,
                    ..Default::default()
                },
                today(),
            )
            .anthropometry
        };
        assert!(at(vec![d(2025, 11, 29)]));
        assert!(!at(vec![d(2025, 11, 28)]));
        assert!(at(vec![d(2020, 1, 1), d(2026, 1, 1)]));
        assert!(!at(vec![]));
    }

    #[test]
    fn practice_d_two_acs_visits_30_days_apart() {
        let base = d(2026, 6, 1);
        let plus = |n| base + chrono::Duration::days(n);
        assert!(!acs_visits_met(&[base, plus(29)], today()), "29 days apart");
        assert!(acs_visits_met(&[base, plus(30)], today()), "30 days apart");
        assert!(!acs_visits_met(&[base], today()), "a single visit");
        assert!(acs_visits_met(&[base, plus(10), plus(35)], today()));
        // Both visits must be inside the 12-month window.
        assert!(
            !acs_visits_met(&[d(2025, 11, 28), d(2025, 12, 20)], today()),
            "first outside, span < 30 inside"
        );
        assert!(
            acs_visits_met(&[d(2025, 11, 29), d(2025, 12, 29)], today()),
            "window start included"
        );
        assert!(
            !acs_visits_met(&[d(2025, 11, 28), d(2025, 12, 28)], today()),
            "one of the two outside"
        );
    }

    #[test]
    fn points_and_missing() {
        let full = Assessment {
            visit: true,
            blood_pressure: true,
            anthropometry: true,
            acs_visits: true,
        };
        assert_eq!(full.points(), 100);
        assert_eq!(full.missing().count(), 0);
        let some = Assessment {
            visit: true,
            blood_pressure: false,
            anthropometry: true,
            acs_visits: false,
        };
        assert_eq!(some.points(), 50);
        assert_eq!(
            some.missing().collect::<Vec<_>>(),
            vec![Practice::BloodPressure, Practice::AcsVisits]
        );
        let none = Assessment {
            visit: false,
            blood_pressure: false,
            anthropometry: false,
            acs_visits: false,
        };
        assert_eq!(none.points(), 0);
    }

    #[test]
    fn letters() {
        for p in Practice::ALL {
            assert_eq!(Practice::from_letter(p.letter()), Some(p));
        }
        assert_eq!(Practice::from_letter("b"), Some(Practice::BloodPressure));
        assert_eq!(Practice::from_letter("E"), None);
    }
}
