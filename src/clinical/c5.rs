//! Indicator C5 — care of the person with hypertension — good practices of the 2026 edition
//! of the Notas Metodológicas C1–C7 (`peers-and-indicators.md` §8.2). Each practice is worth
//! 25 points; a person scores 0–100.
//!
//! Windows are counted back from `today` in calendar months, both ends included: a record
//! dated exactly six months ago counts for a six-month practice, one dated the day before
//! does not. A local PEC sees only its own records, so the local score can only
//! under-estimate the national one.

use chrono::NaiveDate;

use super::codes;
use super::indicator::{
    self, BANDS_C2_C7, CodeSet, Events, EvidenceKind, IndicatorDef, Matching, NT_8_2026,
    PracticeDef, Rule,
};

pub use super::indicator::{Due, month_ends, quadrimester, window_start};

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

const SOURCE: &str = "Nota Metodológica C5 — Cuidado da pessoa com hipertensão, edição 2026 (Portaria GM/MS nº 3.493/2024)";

/// Physicians (2231, 2251, 2252, 2253) and nurses (2235): consultations of C2–C7.
pub const CONSULTATION_CBO: CodeSet = CodeSet {
    system: "CBO 2002",
    label: "Médicos(as) e enfermeiros(as)",
    codes: codes::CONSULTATION_CBO_FAMILIES,
    matching: Matching::Prefix,
    source: "Notas Metodológicas C1–C7, edição 2026 — regras comuns (consulta = MIAI por médico ou enfermeiro)",
};

/// Teleconsultation in primary care, SIGTAP 03.01.01.025-0: a remote consultation counts.
pub const TELECONSULTATION: CodeSet = CodeSet {
    system: "SIGTAP",
    label: "Teleconsulta na atenção primária",
    codes: &["0301010250"],
    matching: Matching::Exact,
    source: "Notas Metodológicas C1–C7, edição 2026 — regras comuns",
};

/// Blood pressure measurement, SIGTAP 03.01.10.003-9 (also the MIAI field, collective
/// activities and home visits).
pub const BP_PROCEDURE: CodeSet = CodeSet {
    system: "SIGTAP",
    label: "Aferição de pressão arterial",
    codes: &["0301100039"],
    matching: Matching::Exact,
    source: "Notas Metodológicas C1–C7, edição 2026 — regras comuns",
};

/// ACS (5151-05) and TACS (3222-55).
pub const ACS_CBO: CodeSet = CodeSet {
    system: "CBO 2002",
    label: "Agentes comunitários de saúde (ACS, 5151-05) e técnicos em agente comunitário de saúde (TACS, 3222-55)",
    codes: codes::ACS_CBO,
    matching: Matching::Exact,
    source: "Notas Metodológicas C1–C7, edição 2026 — regras comuns (visita domiciliar com motivo preenchido)",
};

/// The 2026 edition no longer counts a blood pressure recorded by an ACS (5151-05) for C4/C5.
pub const ACS_ONLY_CBO: CodeSet = CodeSet {
    system: "CBO 2002",
    label: "Agente comunitário de saúde (ACS)",
    codes: &["515105"],
    matching: Matching::Exact,
    source: "Notas Metodológicas C4 e C5, edição 2026 (a aferição pelo ACS deixou de contar)",
};

static PRACTICES: [PracticeDef; 4] = [
    PracticeDef {
        letter: "A",
        description: "Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses",
        points: POINTS_PER_PRACTICE,
        rule: Rule::WithinMonths {
            months: SHORT_WINDOW_MONTHS,
        },
        evidence: EvidenceKind::Consultation,
        codes: &[CONSULTATION_CBO, TELECONSULTATION],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "B",
        description: "Pressão arterial aferida nos últimos 6 meses",
        points: POINTS_PER_PRACTICE,
        rule: Rule::WithinMonths {
            months: SHORT_WINDOW_MONTHS,
        },
        evidence: EvidenceKind::BloodPressure,
        codes: &[BP_PROCEDURE],
        excluded_codes: &[ACS_ONLY_CBO],
    },
    PracticeDef {
        letter: "C",
        description: "Peso e altura registrados no mesmo dia nos últimos 12 meses",
        points: POINTS_PER_PRACTICE,
        rule: Rule::WithinMonths {
            months: LONG_WINDOW_MONTHS,
        },
        evidence: EvidenceKind::Anthropometry,
        codes: &[],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "D",
        description: "Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses",
        points: POINTS_PER_PRACTICE,
        rule: Rule::TwoApart {
            months: LONG_WINDOW_MONTHS,
            min_days_apart: ACS_MIN_DAYS_APART,
        },
        evidence: EvidenceKind::AcsVisit,
        codes: &[ACS_CBO],
        excluded_codes: &[],
    },
];

/// C5 — Cuidado da pessoa com hipertensão, 2026 edition, on the indicator engine.
pub const C5: IndicatorDef = IndicatorDef {
    code: "C5",
    name: "Cuidado da pessoa com hipertensão",
    edition: EDITION,
    source: SOURCE,
    consolidation: NT_8_2026,
    practices: &PRACTICES,
    bands: BANDS_C2_C7,
};

impl Practice {
    pub const ALL: [Practice; 4] = [
        Practice::Visit,
        Practice::BloodPressure,
        Practice::Anthropometry,
        Practice::AcsVisits,
    ];

    /// The practice's definition in [`C5`].
    pub fn def(self) -> &'static PracticeDef {
        match self {
            Practice::Visit => &PRACTICES[0],
            Practice::BloodPressure => &PRACTICES[1],
            Practice::Anthropometry => &PRACTICES[2],
            Practice::AcsVisits => &PRACTICES[3],
        }
    }

    /// The letter of the practice in the technical note.
    pub fn letter(self) -> &'static str {
        self.def().letter
    }

    pub fn from_letter(letter: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.letter().eq_ignore_ascii_case(letter))
    }

    /// What the practice asks, in the words of the team.
    pub fn description(self) -> &'static str {
        self.def().description
    }
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

impl Events for Evidence {
    fn dates(&self, kind: EvidenceKind) -> &[NaiveDate] {
        match kind {
            EvidenceKind::Consultation => self.last_consultation.as_slice(),
            EvidenceKind::BloodPressure => self.last_bp.as_slice(),
            EvidenceKind::Anthropometry => &self.anthropometry_days,
            EvidenceKind::AcsVisit => &self.acs_visits,
            EvidenceKind::Hba1c | EvidenceKind::FootExam => &[],
        }
    }
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
        Practice::ALL
            .into_iter()
            .filter(|p| self.met(*p))
            .map(|p| p.def().points)
            .sum()
    }

    pub fn missing(&self) -> impl Iterator<Item = Practice> + '_ {
        Practice::ALL.into_iter().filter(|p| !self.met(*p))
    }
}

/// Two visits in the window at least 30 days apart: true when the earliest and the latest
/// visit of the window are 30 or more days apart.
pub fn acs_visits_met(visits: &[NaiveDate], today: NaiveDate) -> bool {
    Practice::AcsVisits.def().rule.met(visits, today, today)
}

pub fn assess(e: &Evidence, today: NaiveDate) -> Assessment {
    let met = |p: Practice| indicator::met_on(p.def(), e, today);
    Assessment {
        visit: met(Practice::Visit),
        blood_pressure: met(Practice::BloodPressure),
        anthropometry: met(Practice::Anthropometry),
        acs_visits: met(Practice::AcsVisits),
    }
}

/// For each practice, whether it stays met until the end of the quadrimester, lapses before
/// it, or is missing (with the date by which it must happen). Records dated after `today`
/// are not known yet and never count.
pub fn due_dates(e: &Evidence, today: NaiveDate) -> Vec<(Practice, Due)> {
    let (_, end) = quadrimester(today);
    Practice::ALL
        .into_iter()
        .map(|p| (p, indicator::due(p.def(), e, today, end)))
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

    /// The C5 code as it was before it moved onto the indicator engine (commit 15e3253),
    /// kept verbatim as the oracle of the equivalence tests.
    mod legacy {
        use super::super::{Due, Evidence, Practice, quadrimester};
        use chrono::{Months, NaiveDate};

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
        }

        fn window_start(today: NaiveDate, months: u32) -> NaiveDate {
            today
                .checked_sub_months(Months::new(months))
                .unwrap_or(NaiveDate::MIN)
        }

        fn within(date: NaiveDate, today: NaiveDate, months: u32) -> bool {
            date >= window_start(today, months) && date <= today
        }

        pub fn acs_visits_met(visits: &[NaiveDate], today: NaiveDate) -> bool {
            let in_window = visits.iter().copied().filter(|d| within(*d, today, 12));
            let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
            for d in in_window {
                first = Some(first.map_or(d, |f| f.min(d)));
                last = Some(last.map_or(d, |l| l.max(d)));
            }
            matches!((first, last), (Some(f), Some(l)) if (l - f).num_days() >= 30)
        }

        pub fn assess(e: &Evidence, today: NaiveDate) -> Assessment {
            Assessment {
                visit: e.last_consultation.is_some_and(|d| within(d, today, 6)),
                blood_pressure: e.last_bp.is_some_and(|d| within(d, today, 6)),
                anthropometry: e.anthropometry_days.iter().any(|d| within(*d, today, 12)),
                acs_visits: acs_visits_met(&e.acs_visits, today),
            }
        }

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
    }

    /// Evaluation days at every kind of edge: quadrimester first and last days, month ends
    /// that clamp (31 Aug − 6 months = 28 Feb), leap days, year ends.
    fn edge_days() -> Vec<NaiveDate> {
        vec![
            d(2026, 11, 29),
            d(2026, 1, 1),
            d(2026, 4, 30),
            d(2026, 5, 1),
            d(2026, 8, 31),
            d(2026, 9, 1),
            d(2026, 12, 31),
            d(2028, 2, 29),
            d(2028, 3, 1),
            d(2027, 2, 28),
            d(2026, 10, 31),
        ]
    }

    /// Every day from 13 months before `today` to 40 days after it.
    fn days_around(today: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut day = today - chrono::Duration::days(400);
        while day <= today + chrono::Duration::days(40) {
            out.push(day);
            day = day.succ_opt().unwrap_or(today);
        }
        out
    }

    fn same_as_legacy(e: &Evidence, today: NaiveDate) {
        let old = legacy::assess(e, today);
        let new = assess(e, today);
        for p in Practice::ALL {
            assert_eq!(new.met(p), old.met(p), "{p:?} on {today} with {e:?}");
        }
        assert_eq!(
            due_dates(e, today),
            legacy::due_dates(e, today),
            "{today} {e:?}"
        );
        // The engine's generic per-person result agrees too.
        let r = indicator::assess(&C5, e, today);
        assert_eq!(r.points(), u32::from(new.points()), "{today} {e:?}");
        for (p, (_, due)) in Practice::ALL.into_iter().zip(legacy::due_dates(e, today)) {
            let got = r.practices.iter().find(|x| x.practice.letter == p.letter());
            assert_eq!(
                got.map(|x| (x.met, x.due)),
                Some((old.met(p), due)),
                "{p:?}"
            );
        }
    }

    #[test]
    fn engine_matches_the_legacy_code_on_every_single_record_day() {
        for today in edge_days() {
            for day in days_around(today).into_iter().filter(|x| *x <= today) {
                for e in [
                    Evidence {
                        last_consultation: Some(day),
                        ..Default::default()
                    },
                    Evidence {
                        last_bp: Some(day),
                        ..Default::default()
                    },
                    Evidence {
                        anthropometry_days: vec![day],
                        ..Default::default()
                    },
                    Evidence {
                        last_consultation: Some(day),
                        last_bp: Some(day),
                        anthropometry_days: vec![day, today],
                        acs_visits: vec![day],
                    },
                ] {
                    same_as_legacy(&e, today);
                }
            }
            same_as_legacy(&Evidence::default(), today);
        }
    }

    #[test]
    fn engine_matches_the_legacy_code_on_acs_visit_pairs() {
        for today in edge_days() {
            for first in days_around(today).into_iter().filter(|x| *x <= today) {
                for gap in [29, 30, 31] {
                    let second = first + chrono::Duration::days(gap);
                    if second > today {
                        continue;
                    }
                    let e = Evidence {
                        acs_visits: vec![second, first],
                        ..Default::default()
                    };
                    same_as_legacy(&e, today);
                    assert_eq!(
                        acs_visits_met(&e.acs_visits, today),
                        legacy::acs_visits_met(&e.acs_visits, today)
                    );
                }
            }
        }
    }

    #[test]
    fn a_future_dated_record_is_the_one_deliberate_difference() {
        // The legacy projection counted a record dated after today (a typing error) as
        // covering the quadrimester; the engine does not know the future.
        let today = d(2026, 11, 29);
        let e = Evidence {
            anthropometry_days: vec![d(2025, 12, 15), d(2026, 12, 20)],
            ..Default::default()
        };
        assert_eq!(
            legacy::due_dates(&e, today)[2],
            (Practice::Anthropometry, Due::Covered)
        );
        assert_eq!(
            due_dates(&e, today)[2],
            (
                Practice::Anthropometry,
                Due::Lapses {
                    lapses: d(2026, 12, 16)
                }
            )
        );
    }

    #[test]
    fn c5_definition_is_the_2026_edition() {
        assert_eq!(C5.code, "C5");
        assert_eq!(C5.max_points(), 100);
        let table: Vec<_> = C5
            .practices
            .iter()
            .map(|p| (p.letter, p.points, p.rule, p.evidence))
            .collect();
        assert_eq!(
            table,
            vec![
                (
                    "A",
                    25,
                    Rule::WithinMonths { months: 6 },
                    EvidenceKind::Consultation
                ),
                (
                    "B",
                    25,
                    Rule::WithinMonths { months: 6 },
                    EvidenceKind::BloodPressure
                ),
                (
                    "C",
                    25,
                    Rule::WithinMonths { months: 12 },
                    EvidenceKind::Anthropometry
                ),
                (
                    "D",
                    25,
                    Rule::TwoApart {
                        months: 12,
                        min_days_apart: 30
                    },
                    EvidenceKind::AcsVisit
                ),
            ]
        );
        for p in Practice::ALL {
            assert_eq!(C5.practice(p.letter()), Some(p.def()));
        }
        let a = Practice::Visit.def();
        assert!(a.codes.iter().any(|c| c.matches("225142")), "physician");
        assert!(a.codes.iter().any(|c| c.matches("223505")), "nurse");
        assert!(
            !a.codes.iter().any(|c| c.matches("322245")),
            "nursing technician"
        );
        let b = Practice::BloodPressure.def();
        assert!(
            b.excluded_codes.iter().any(|c| c.matches("515105")),
            "ACS BP excluded"
        );
        assert_eq!(
            Practice::Visit.description(),
            "Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses"
        );
    }
}
