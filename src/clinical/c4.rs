//! Indicator C4 — care of the person with diabetes — good practices of the 2026 edition of
//! the Notas Metodológicas C1–C7 (`peers-and-indicators.md` §8.2), as data on the indicator
//! engine ([`super::indicator`]). A person scores 0–100:
//!
//! | | practice | points | window |
//! |---|---|---|---|
//! | A | consultation by a physician or nurse | 20 | 6 months |
//! | B | blood pressure recorded | 15 | 6 months |
//! | C | weight and height on the same day | 15 | 12 months |
//! | D | two ACS/TACS home visits at least 30 days apart | 20 | 12 months |
//! | E | HbA1c requested or evaluated | 15 | 12 months |
//! | F | foot examination | 15 | 12 months |
//!
//! The population (CIAP T89, T90; CID-10 E10, E11, E14 and subcodes) is in
//! [`super::diabetes::POPULATION`].

use super::c5::{ACS_CBO, ACS_ONLY_CBO, BP_PROCEDURE, CONSULTATION_CBO, TELECONSULTATION};
use super::indicator::{
    BANDS_C2_C7, CodeSet, EvidenceKind, IndicatorDef, Matching, NT_8_2026, PracticeDef, Rule,
};

/// Data edition of the rule, shown next to the score.
pub const EDITION: &str = "C4, Nota Metodológica edição 2026 (Portaria GM/MS nº 3.493/2024)";

const SOURCE: &str = "Nota Metodológica C4 — Cuidado da pessoa com diabetes, edição 2026 (Portaria GM/MS nº 3.493/2024)";

/// HbA1c: SIGTAP 02.02.01.050-3 and the e-SUS exam code ABEX008.
pub const HBA1C_EXAM: CodeSet = CodeSet {
    system: "SIGTAP / e-SUS",
    label: "Dosagem de hemoglobina glicosilada (HbA1c)",
    codes: &["0202010503", "ABEX008"],
    matching: Matching::Exact,
    source: SOURCE,
};

/// Foot examination of the person with diabetes: SIGTAP 03.01.04.009-5.
pub const FOOT_EXAM: CodeSet = CodeSet {
    system: "SIGTAP",
    label: "Avaliação dos pés da pessoa com diabetes",
    codes: &["0301040095"],
    matching: Matching::Exact,
    source: SOURCE,
};

static PRACTICES: [PracticeDef; 6] = [
    PracticeDef {
        letter: "A",
        description: "Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses",
        points: 20,
        rule: Rule::WithinMonths { months: 6 },
        evidence: EvidenceKind::Consultation,
        codes: &[CONSULTATION_CBO, TELECONSULTATION],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "B",
        description: "Pressão arterial aferida nos últimos 6 meses",
        points: 15,
        rule: Rule::WithinMonths { months: 6 },
        evidence: EvidenceKind::BloodPressure,
        codes: &[BP_PROCEDURE],
        excluded_codes: &[ACS_ONLY_CBO],
    },
    PracticeDef {
        letter: "C",
        description: "Peso e altura registrados no mesmo dia nos últimos 12 meses",
        points: 15,
        rule: Rule::WithinMonths { months: 12 },
        evidence: EvidenceKind::Anthropometry,
        codes: &[],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "D",
        description: "Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses",
        points: 20,
        rule: Rule::TwoApart {
            months: 12,
            min_days_apart: 30,
        },
        evidence: EvidenceKind::AcsVisit,
        codes: &[ACS_CBO],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "E",
        description: "Hemoglobina glicada solicitada ou avaliada nos últimos 12 meses",
        points: 15,
        rule: Rule::WithinMonths { months: 12 },
        evidence: EvidenceKind::Hba1c,
        codes: &[HBA1C_EXAM],
        excluded_codes: &[],
    },
    PracticeDef {
        letter: "F",
        description: "Exame dos pés realizado nos últimos 12 meses",
        points: 15,
        rule: Rule::WithinMonths { months: 12 },
        evidence: EvidenceKind::FootExam,
        codes: &[FOOT_EXAM],
        excluded_codes: &[],
    },
];

/// C4 — Cuidado da pessoa com diabetes, 2026 edition.
pub const C4: IndicatorDef = IndicatorDef {
    code: "C4",
    name: "Cuidado da pessoa com diabetes",
    edition: EDITION,
    source: SOURCE,
    consolidation: NT_8_2026,
    practices: &PRACTICES,
    bands: BANDS_C2_C7,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::indicator::{
        Band, Due, Evidence, assess, met_on, monthly_results, period_result, quadrimester,
    };
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn today() -> NaiveDate {
        d(2026, 11, 29)
    }

    fn practice(letter: &str) -> &'static PracticeDef {
        C4.practice(letter).unwrap_or(&PRACTICES[0])
    }

    /// Whether practice `letter` is met on `today()` with one record on `day`.
    fn met_with(letter: &str, day: NaiveDate) -> bool {
        let p = practice(letter);
        assert_eq!(p.letter, letter, "practice {letter} exists");
        let mut e = Evidence::default();
        match p.evidence {
            EvidenceKind::Consultation => e.consultations.push(day),
            EvidenceKind::BloodPressure => e.blood_pressure.push(day),
            EvidenceKind::Anthropometry => e.anthropometry.push(day),
            EvidenceKind::AcsVisit => e.acs_visits.push(day),
            EvidenceKind::Hba1c => e.hba1c.push(day),
            EvidenceKind::FootExam => e.foot_exams.push(day),
        }
        met_on(p, &e, today())
    }

    #[test]
    fn the_2026_table() {
        let table: Vec<_> = C4
            .practices
            .iter()
            .map(|p| (p.letter, p.points, p.rule.months(), p.evidence))
            .collect();
        assert_eq!(
            table,
            vec![
                ("A", 20, 6, EvidenceKind::Consultation),
                ("B", 15, 6, EvidenceKind::BloodPressure),
                ("C", 15, 12, EvidenceKind::Anthropometry),
                ("D", 20, 12, EvidenceKind::AcsVisit),
                ("E", 15, 12, EvidenceKind::Hba1c),
                ("F", 15, 12, EvidenceKind::FootExam),
            ]
        );
        assert_eq!(C4.max_points(), 100);
        assert_eq!(
            practice("D").rule,
            Rule::TwoApart {
                months: 12,
                min_days_apart: 30
            }
        );
    }

    #[test]
    fn six_month_practices_at_their_window_edge() {
        // Six months back from 29 Nov 2026 is 29 May 2026.
        for letter in ["A", "B"] {
            assert!(!met_with(letter, d(2026, 5, 28)), "{letter}: day before");
            assert!(met_with(letter, d(2026, 5, 29)), "{letter}: on the edge");
            assert!(met_with(letter, d(2026, 5, 30)), "{letter}: day after");
            assert!(met_with(letter, today()), "{letter}: today");
            assert!(!met_with(letter, d(2026, 11, 30)), "{letter}: tomorrow");
        }
    }

    #[test]
    fn twelve_month_practices_at_their_window_edge() {
        // Twelve months back from 29 Nov 2026 is 29 Nov 2025.
        for letter in ["C", "E", "F"] {
            assert!(!met_with(letter, d(2025, 11, 28)), "{letter}: day before");
            assert!(met_with(letter, d(2025, 11, 29)), "{letter}: on the edge");
            assert!(met_with(letter, d(2025, 11, 30)), "{letter}: day after");
            assert!(met_with(letter, today()), "{letter}: today");
            assert!(!met_with(letter, d(2026, 11, 30)), "{letter}: tomorrow");
        }
    }

    #[test]
    fn acs_visits_29_30_31_days_apart_and_at_the_window_edge() {
        let p = practice("D");
        let met = |visits: Vec<NaiveDate>| {
            met_on(
                p,
                &Evidence {
                    acs_visits: visits,
                    ..Default::default()
                },
                today(),
            )
        };
        let base = d(2026, 2, 10);
        let plus = |n| base + chrono::Duration::days(n);
        assert!(!met(vec![base, plus(29)]), "29 days apart");
        assert!(met(vec![base, plus(30)]), "30 days apart");
        assert!(met(vec![base, plus(31)]), "31 days apart");
        assert!(!met(vec![base]), "one visit");
        assert!(!met(vec![]), "none");
        // The first visit one day before, on, and one day after the window start.
        assert!(!met(vec![d(2025, 11, 28), d(2025, 12, 28)]));
        assert!(met(vec![d(2025, 11, 29), d(2025, 12, 29)]));
        assert!(met(vec![d(2025, 11, 30), d(2025, 12, 30)]));
        // The second visit after today does not count.
        assert!(!met(vec![d(2026, 11, 1), d(2026, 12, 1)]));
    }

    #[test]
    fn points_and_due_dates_of_one_person() {
        let e = Evidence {
            consultations: vec![d(2026, 7, 1)],
            blood_pressure: vec![d(2026, 6, 1)],
            anthropometry: vec![],
            acs_visits: vec![d(2026, 1, 5), d(2026, 9, 5)],
            hba1c: vec![d(2025, 12, 10)],
            foot_exams: vec![d(2025, 11, 28)],
        };
        let r = assess(&C4, &e, today());
        // A 20 + B 15 + D 20 + E 15.
        assert_eq!(r.points(), 70);
        let dues: Vec<_> = r
            .practices
            .iter()
            .map(|p| (p.practice.letter, p.met, p.due))
            .collect();
        let end = d(2026, 12, 31);
        assert_eq!(
            dues,
            vec![
                ("A", true, Due::Covered),
                (
                    "B",
                    true,
                    Due::Lapses {
                        lapses: d(2026, 12, 2)
                    }
                ),
                ("C", false, Due::Missing { by: end }),
                // Both visits stay in the window that ends on 31 Dec (it starts 31 Dec 2025).
                ("D", true, Due::Covered),
                (
                    "E",
                    true,
                    Due::Lapses {
                        lapses: d(2026, 12, 11)
                    }
                ),
                ("F", false, Due::Missing { by: end }),
            ]
        );
        assert_eq!(
            r.missing()
                .map(|(p, by)| (p.letter, by))
                .collect::<Vec<_>>(),
            vec![("C", end), ("F", end)]
        );
    }

    #[test]
    fn team_months_and_quadrimester() {
        let today = d(2026, 10, 10);
        let everything = Evidence {
            consultations: vec![d(2026, 9, 1)],
            blood_pressure: vec![d(2026, 9, 1)],
            anthropometry: vec![d(2026, 9, 1)],
            acs_visits: vec![d(2026, 3, 1), d(2026, 9, 1)],
            hba1c: vec![d(2026, 9, 1)],
            foot_exams: vec![d(2026, 9, 1)],
        };
        let hba1c_in_october = Evidence {
            hba1c: vec![d(2026, 10, 2)],
            ..Default::default()
        };
        let months = monthly_results(&C4, [&everything, &hba1c_in_october], today);
        let scores: Vec<_> = months.iter().map(|m| (m.month_end, m.score())).collect();
        assert_eq!(
            scores,
            vec![(d(2026, 9, 30), Some(50.0)), (d(2026, 10, 10), Some(57.5)),]
        );
        let r = period_result(&C4, quadrimester(today), months);
        assert_eq!(r.score, Some(53.75));
        assert_eq!(r.band, Some(Band::Bom));
    }
}
