//! Diabetes: who is in the population, the HbA1c target of each person, glycaemic control,
//! and reading HbA1c results as the PEC stores them.
//!
//! Differences from the reference system (`reference-system.md` §1.7), on purpose:
//! * control comes from the **latest** HbA1c and its date, never from "any evaluation ever",
//!   and a result older than 12 months is "sem HbA1c recente", not "controlado";
//! * the older-adult target follows the guideline (60 years or more, graded by health status;
//!   the reference used 65 and age alone), and the thresholds are strict (`< 7,0 %`): 7,0 % is above the target of an adult;
//! * values are read from the PEC text with their decimal comma and checked against the
//!   physiological range; a value that cannot be read is absent, never zero.

use chrono::NaiveDate;

use super::age;
use super::codes::{self, CodeList};
use super::exams::Analyte;
use super::indicator::window_start;

/// Diabetes as defined by indicator C4 (CIAP-2 T89, T90; CID-10 E10, E11, E14 and their
/// subcodes), with its source.
pub const POPULATION: CodeList = codes::DIABETES_C4;

/// Whether a CIAP-2 code puts a person in the population (case, blanks and dots ignored).
pub fn is_diabetes_ciap(code: &str) -> bool {
    POPULATION.matches_ciap(code)
}

/// Whether a CID-10 code puts a person in the population: the code or any subcode of E10,
/// E11, E14 (`E11`, `E11.9`, `e119`, `E 11.9` all match; `E12`, `E13`, `O24` do not).
pub fn is_diabetes_cid10(code: &str) -> bool {
    POPULATION.matches_cid10(code)
}

/// The guideline the targets follow.
pub const SBD_GUIDELINE: &str = "Diretriz da Sociedade Brasileira de Diabetes, edição 2023 — \
    “Metas no tratamento do diabetes” (Almeida-Pititto B. et al., revisão de 16/05/2023, \
    DOI 10.29327/557753.2022-3): HbA1c < 7,0 % para adultos, crianças e adolescentes; \
    idoso saudável < 7,5 %; idoso comprometido < 8,5 %; idoso muito comprometido: evitar \
    sintomas de hiper ou hipoglicemia";

/// Age from which the older-adult targets apply. The targets' table says "idoso" without an
/// age; the same guideline's chapter "Abordagem do paciente idoso com diabetes mellitus"
/// (edição 2023, DOI 10.29327/5238993.2023-3) takes the Brazilian legal definition, 60 years
/// or more (Estatuto da Pessoa Idosa, Lei nº 10.741/2003). The reference system used 65 with
/// no source; we follow the guideline.
pub const OLDER_ADULT_AGE: u32 = 60;

/// Health status of an older adult, as the guideline grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OlderAdultHealth {
    /// The PEC records no functional or cognitive status: treated as [`Self::Healthy`].
    /// Assuming frailty would relax the target and hide people above it; the healthy
    /// older-adult target is the one the guideline gives when no impairment is documented,
    /// and a professional who knows better records the status.
    #[default]
    Unknown,
    /// Few chronic comorbidities, preserved functional and cognitive status.
    Healthy,
    /// Several chronic comorbidities, mild to moderate functional or moderate cognitive
    /// impairment.
    Compromised,
    /// Terminal illness, severe functional or cognitive impairment.
    VeryCompromised,
}

/// The HbA1c target of a person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// HbA1c strictly below this value (%).
    Below(f64),
    /// No numeric HbA1c target: avoid symptoms of hyper- or hypoglycaemia.
    AvoidSymptoms,
}

impl Target {
    /// "< 7,0 %", "evitar sintomas de hiper ou hipoglicemia".
    pub fn label(self) -> String {
        match self {
            Target::Below(v) => format!("< {} %", format_hba1c(v)),
            Target::AvoidSymptoms => "evitar sintomas de hiper ou hipoglicemia".to_string(),
        }
    }
}

/// The HbA1c target for a person of `age_years` ([`SBD_GUIDELINE`]).
pub fn hba1c_target(age_years: u32, health: OlderAdultHealth) -> Target {
    if age_years < OLDER_ADULT_AGE {
        return Target::Below(7.0);
    }
    match health {
        OlderAdultHealth::Unknown | OlderAdultHealth::Healthy => Target::Below(7.5),
        OlderAdultHealth::Compromised => Target::Below(8.5),
        OlderAdultHealth::VeryCompromised => Target::AvoidSymptoms,
    }
}

/// One HbA1c result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hba1c {
    /// Day the exam was done (or, without it, the day the result was recorded).
    pub on: NaiveDate,
    /// Percent (NGSP/DCCT).
    pub value: f64,
}

/// An HbA1c counts as recent for 12 months, both ends included (the window of C4-E).
pub const RECENT_MONTHS: u32 = 12;

/// The latest result dated up to `today` (a result dated later is a typing error and is
/// ignored). Two results on the same day: the higher one, so a repeat never hides a high
/// value.
pub fn latest(results: &[Hba1c], today: NaiveDate) -> Option<Hba1c> {
    results
        .iter()
        .copied()
        .filter(|r| r.on <= today && r.value.is_finite())
        .max_by(|a, b| a.on.cmp(&b.on).then(a.value.total_cmp(&b.value)))
}

/// Glycaemic control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Control {
    /// Latest HbA1c of the last 12 months below the target.
    Controlled,
    /// Latest HbA1c of the last 12 months at or above the target.
    Uncontrolled,
    /// No HbA1c, or the latest is older than 12 months.
    NoRecentHba1c,
    /// A recent HbA1c, but the person has no numeric target (very compromised older adult):
    /// the team judges by symptoms.
    NoNumericTarget,
}

impl Control {
    pub const ALL: [Control; 4] = [
        Control::Controlled,
        Control::Uncontrolled,
        Control::NoRecentHba1c,
        Control::NoNumericTarget,
    ];

    /// Stable ASCII key (filters, stored rows).
    pub fn key(self) -> &'static str {
        match self {
            Control::Controlled => "controlado",
            Control::Uncontrolled => "descontrolado",
            Control::NoRecentHba1c => "sem_hba1c_recente",
            Control::NoNumericTarget => "meta_individual",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    /// What the team reads.
    pub fn label(self) -> &'static str {
        match self {
            Control::Controlled => "Controlado",
            Control::Uncontrolled => "Descontrolado",
            Control::NoRecentHba1c => "Sem HbA1c recente",
            Control::NoNumericTarget => "Meta individualizada (evitar sintomas)",
        }
    }
}

/// Control from the latest result and the person's target on `today`.
pub fn classify(latest: Option<Hba1c>, target: Target, today: NaiveDate) -> Control {
    let recent = latest.filter(|r| r.on >= window_start(today, RECENT_MONTHS) && r.on <= today);
    match (recent, target) {
        (None, _) => Control::NoRecentHba1c,
        (Some(_), Target::AvoidSymptoms) => Control::NoNumericTarget,
        (Some(r), Target::Below(t)) if r.value < t => Control::Controlled,
        (Some(_), Target::Below(_)) => Control::Uncontrolled,
    }
}

/// A person's control on `today`: target by age on `today` and health status, latest result.
pub fn control(
    results: &[Hba1c],
    birth: NaiveDate,
    health: OlderAdultHealth,
    today: NaiveDate,
) -> Control {
    let target = hba1c_target(age::years(birth, today), health);
    classify(latest(results, today), target, today)
}

/// A numeric HbA1c from a typed column (`tb_exame_hemoglobina_glicada.vl_hemoglobina_glicada`):
/// `None` when not finite or outside the physiological range (3 to 20 %).
pub fn plausible_hba1c(value: f64) -> Option<f64> {
    (value.is_finite() && Analyte::Hba1c.plausible().contains(&value)).then_some(value)
}

/// An HbA1c read from the PEC's free-text result (`tb_exame_requisitado.ds_resultado`):
/// a number with a decimal comma or dot (at most two decimals), optionally followed by `%`,
/// blanks around ignored — `7,2`, `7.2%`, `7,25 %`. Anything else (words, ranges, signs,
/// `< 4`, mmol/mol, several numbers) is not read: `None`, as is a value outside the
/// physiological range (3 to 20 %).
pub fn parse_hba1c(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = t.strip_suffix('%').map_or(t, str::trim_end);
    let (int, frac) = match t.find([',', '.']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || int.len() > 3 {
        return None;
    }
    if let Some(f) = frac
        && (!digits(f) || f.len() > 2)
    {
        return None;
    }
    let normal = match frac {
        Some(f) => format!("{int}.{f}"),
        None => int.to_string(),
    };
    normal.parse::<f64>().ok().and_then(plausible_hba1c)
}

/// "7,2": one decimal, decimal comma.
pub fn format_hba1c(value: f64) -> String {
    format!("{value:.1}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn today() -> NaiveDate {
        d(2026, 11, 29)
    }

    #[test]
    fn population_codes_by_natural_code() {
        for c in ["T89", "T90", "t90", " T89 ", "T 90", "T.90"] {
            assert!(is_diabetes_ciap(c), "{c:?}");
        }
        for c in ["T91", "T8", "K86", "", "T900"] {
            assert!(!is_diabetes_ciap(c), "{c:?}");
        }
        for c in [
            "E10", "E11", "E14", "E10.9", "E109", "e11.9", " E14.0 ", "E 11.9", "E11 9", "E11-9",
        ] {
            assert!(is_diabetes_cid10(c), "{c:?}");
        }
        for c in ["E12", "E13", "E15", "E1", "O24.4", "R73", "I10", "", "  "] {
            assert!(!is_diabetes_cid10(c), "{c:?}");
        }
        assert!(POPULATION.source.contains("C4") && POPULATION.source.contains("2026"));
    }

    #[test]
    fn targets_by_age_and_health() {
        use OlderAdultHealth::*;
        assert_eq!(hba1c_target(10, Unknown), Target::Below(7.0), "child");
        assert_eq!(hba1c_target(17, Unknown), Target::Below(7.0), "adolescent");
        assert_eq!(hba1c_target(59, Compromised), Target::Below(7.0), "adult");
        assert_eq!(hba1c_target(60, Unknown), Target::Below(7.5), "default");
        assert_eq!(hba1c_target(60, Healthy), Target::Below(7.5));
        assert_eq!(hba1c_target(80, Compromised), Target::Below(8.5));
        assert_eq!(hba1c_target(90, VeryCompromised), Target::AvoidSymptoms);
        assert_eq!(OlderAdultHealth::default(), Unknown);
        assert_eq!(Target::Below(7.5).label(), "< 7,5 %");
        assert_eq!(Target::Below(7.0).label(), "< 7,0 %");
    }

    #[test]
    fn controlled_strictly_below_the_target() {
        let on = d(2026, 10, 1);
        let at = |value, target| classify(Some(Hba1c { on, value }), target, today());
        for (t, below, at_t) in [(7.0, 6.9, 7.0), (7.5, 7.4, 7.5), (8.5, 8.4, 8.5)] {
            assert_eq!(at(below, Target::Below(t)), Control::Controlled, "{below}");
            assert_eq!(at(at_t, Target::Below(t)), Control::Uncontrolled, "{at_t}");
            assert_eq!(at(t + 0.1, Target::Below(t)), Control::Uncontrolled);
        }
        assert_eq!(at(6.99, Target::Below(7.0)), Control::Controlled);
        assert_eq!(at(12.0, Target::AvoidSymptoms), Control::NoNumericTarget);
    }

    #[test]
    fn recent_means_the_last_twelve_months() {
        let at = |on| classify(Some(Hba1c { on, value: 6.0 }), Target::Below(7.0), today());
        assert_eq!(at(d(2025, 11, 28)), Control::NoRecentHba1c, "day before");
        assert_eq!(at(d(2025, 11, 29)), Control::Controlled, "on the edge");
        assert_eq!(at(d(2025, 11, 30)), Control::Controlled, "day after");
        assert_eq!(at(today()), Control::Controlled);
        assert_eq!(at(d(2026, 11, 30)), Control::NoRecentHba1c, "future");
        assert_eq!(
            classify(None, Target::Below(7.0), today()),
            Control::NoRecentHba1c
        );
        assert_eq!(
            classify(None, Target::AvoidSymptoms, today()),
            Control::NoRecentHba1c
        );
    }

    #[test]
    fn the_latest_result_decides_not_any_result() {
        let results = [
            Hba1c {
                on: d(2026, 3, 1),
                value: 6.5,
            },
            Hba1c {
                on: d(2026, 9, 1),
                value: 9.1,
            },
            Hba1c {
                on: d(2026, 12, 20),
                value: 6.0,
            },
        ];
        assert_eq!(latest(&results, today()), Some(results[1]));
        let adult = d(1980, 1, 1);
        assert_eq!(
            control(&results, adult, OlderAdultHealth::Unknown, today()),
            Control::Uncontrolled
        );
        let same_day = [
            Hba1c {
                on: d(2026, 9, 1),
                value: 6.8,
            },
            Hba1c {
                on: d(2026, 9, 1),
                value: 7.2,
            },
        ];
        assert_eq!(latest(&same_day, today()).map(|r| r.value), Some(7.2));
        assert_eq!(latest(&[], today()), None);
    }

    #[test]
    fn age_is_counted_on_today() {
        let r = [Hba1c {
            on: d(2026, 10, 1),
            value: 7.2,
        }];
        // 60 today: healthy older-adult target 7,5 %.
        let birth60 = d(1966, 11, 29);
        assert_eq!(
            control(&r, birth60, OlderAdultHealth::Unknown, today()),
            Control::Controlled
        );
        // 60 tomorrow: still the adult target 7,0 %.
        let birth59 = d(1966, 11, 30);
        assert_eq!(
            control(&r, birth59, OlderAdultHealth::Unknown, today()),
            Control::Uncontrolled
        );
        // A frail older adult (compromised) at 8,0 %: below 8,5 %.
        let r8 = [Hba1c {
            on: d(2026, 10, 1),
            value: 8.0,
        }];
        assert_eq!(
            control(&r8, birth60, OlderAdultHealth::Compromised, today()),
            Control::Controlled
        );
    }

    #[test]
    fn reads_pec_text() {
        for (text, v) in [
            ("7,2", 7.2),
            ("7.2", 7.2),
            (" 7,2 % ", 7.2),
            ("7,2%", 7.2),
            ("7,25", 7.25),
            ("07,5", 7.5),
            ("10", 10.0),
            ("3", 3.0),
            ("3,0", 3.0),
            ("20", 20.0),
            ("20,0 %", 20.0),
        ] {
            assert_eq!(parse_hba1c(text), Some(v), "{text:?}");
        }
        for junk in [
            "",
            " ",
            "%",
            "abc",
            "7,2,1",
            "7..2",
            ",5",
            "7,",
            "-7",
            "+7",
            "< 4",
            "> 14",
            "7,255",
            "1.000",
            "53 mmol/mol",
            "7,2 % (ref 4,0-6,0)",
            "HbA1c 7,2",
            "7 2",
            "NaN",
            "inf",
            "1e1",
            "7,2%%",
            "0007",
        ] {
            assert_eq!(parse_hba1c(junk), None, "{junk:?}");
        }
        // Outside the physiological range.
        assert_eq!(parse_hba1c("2,9"), None);
        assert_eq!(parse_hba1c("20,1"), None);
        assert_eq!(parse_hba1c("0"), None);
        assert_eq!(parse_hba1c("72"), None, "a missing comma");
    }

    #[test]
    fn typed_values_in_range_only() {
        assert_eq!(plausible_hba1c(7.2), Some(7.2));
        assert_eq!(plausible_hba1c(3.0), Some(3.0));
        assert_eq!(plausible_hba1c(20.0), Some(20.0));
        assert_eq!(plausible_hba1c(2.99), None);
        assert_eq!(plausible_hba1c(20.01), None);
        assert_eq!(plausible_hba1c(f64::NAN), None);
        assert_eq!(plausible_hba1c(f64::INFINITY), None);
    }

    #[test]
    fn control_keys_round_trip() {
        for c in Control::ALL {
            assert_eq!(Control::from_key(c.key()), Some(c));
        }
        assert_eq!(Control::NoRecentHba1c.label(), "Sem HbA1c recente");
        assert_eq!(Control::from_key("Controlado"), None);
        assert_eq!(format_hba1c(7.24), "7,2");
        assert_eq!(format_hba1c(7.26), "7,3");
        assert_eq!(format_hba1c(8.0), "8,0");
    }
}
