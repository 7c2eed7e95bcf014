//! The indicator engine of the cofinancing model (Portaria GM/MS nº 3.493/2024): an indicator
//! (C1–C7) is **data** — an [`IndicatorDef`] with its edition, its technical note, its good
//! practices ([`PracticeDef`]: letter, points, window or custom rule, evidence kind, code lists
//! with their source) and its quality bands — and one set of functions evaluates any of them:
//!
//! * per person: which practices are met on a day, the points, and for each practice where it
//!   stands for the current period ([`Due`]: covered, lapses on a date, or missing and to be
//!   done by a date);
//! * per team: the monthly results of the period (numerator = sum of the people's points,
//!   denominator = people, result = numerator ÷ denominator, already 0–100), the period result
//!   (the mean of the monthly results, NT nº 8/2026-DEAPS/SAPS/MS) and its band.
//!
//! Windows are counted back from the evaluation day in calendar months, both ends included: a
//! record dated exactly six months before counts for a six-month practice, one dated the day
//! before does not; a month end clamps (31 Aug − 6 months = 28 Feb). Records dated after the
//! evaluation day never count.
//!
//! The caller fills [`Evidence`] (or implements [`Events`]) with dated events from the PEC; the
//! engine has no database, no clock and no I/O. A local PEC sees only its own records, while the
//! national calculation counts records from any APS establishment: a local score can only
//! under-estimate the national one.

use chrono::{Datelike, Months, NaiveDate};

/// The note that consolidates monthly results into the quadrimester result and sets the bands.
pub const NT_8_2026: &str =
    "NT nº 8/2026-DEAPS/SAPS/MS (consolidação quadrimestral e nota final; revoga a NT nº 6/2025)";

/// The kind of dated event a practice looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EvidenceKind {
    /// Individual consultation (MIAI), in person or remote, by a professional of the
    /// practice's CBO list.
    Consultation,
    /// Blood pressure recorded.
    BloodPressure,
    /// Weight and height recorded on the same day (one date per such day).
    Anthropometry,
    /// ACS/TACS home visit that took place, with the visit motive filled.
    AcsVisit,
    /// Glycated haemoglobin (HbA1c) requested or evaluated.
    Hba1c,
    /// Foot examination of the person with diabetes.
    FootExam,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 6] = [
        EvidenceKind::Consultation,
        EvidenceKind::BloodPressure,
        EvidenceKind::Anthropometry,
        EvidenceKind::AcsVisit,
        EvidenceKind::Hba1c,
        EvidenceKind::FootExam,
    ];

    /// What counts as evidence, in the words of the team.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceKind::Consultation => "Consulta com médico(a) ou enfermeiro(a)",
            EvidenceKind::BloodPressure => "Pressão arterial aferida",
            EvidenceKind::Anthropometry => "Peso e altura no mesmo dia",
            EvidenceKind::AcsVisit => "Visita domiciliar do ACS/TACS",
            EvidenceKind::Hba1c => "Hemoglobina glicada solicitada ou avaliada",
            EvidenceKind::FootExam => "Exame dos pés",
        }
    }
}

/// How the codes of a [`CodeSet`] match a code read from the PEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matching {
    /// The normalised code equals a listed code.
    Exact,
    /// The normalised code starts with a listed code (CBO families: `2251` matches `225142`).
    Prefix,
}

/// A list of natural codes a practice reads, with the rule it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSet {
    /// Coding system: `CBO 2002`, `SIGTAP`, `e-SUS (ABEX)`…
    pub system: &'static str,
    /// What the codes are, in Portuguese.
    pub label: &'static str,
    /// Codes written without punctuation (`0301100039`, not `03.01.10.003-9`).
    pub codes: &'static [&'static str],
    pub matching: Matching,
    /// Ordinance, technical note or edition the list follows.
    pub source: &'static str,
}

impl CodeSet {
    /// Whether a code belongs to the set; case, blanks, dots and dashes are ignored, so
    /// `03.01.10.003-9` and `0301100039` are the same SIGTAP code.
    pub fn matches(&self, code: &str) -> bool {
        let normal = normalise_code(code);
        if normal.is_empty() {
            return false;
        }
        self.codes.iter().any(|c| match self.matching {
            Matching::Exact => normal == *c,
            Matching::Prefix => normal.starts_with(c),
        })
    }
}

/// A natural code without case, blanks, dots or dashes.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// When a practice is met on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// At least one event in the last `months` calendar months, both ends included.
    WithinMonths { months: u32 },
    /// Two events at least `min_days_apart` days apart, both in the last `months` calendar
    /// months (both ends included).
    TwoApart { months: u32, min_days_apart: i64 },
}

impl Rule {
    /// The window of the rule, in months back from the evaluation day.
    pub fn months(self) -> u32 {
        match self {
            Rule::WithinMonths { months } | Rule::TwoApart { months, .. } => months,
        }
    }

    /// Whether the rule is met on `day` by the events dated up to `known_until` (the day the
    /// data was read: a projection to a later day never counts events after it).
    pub fn met(self, dates: &[NaiveDate], day: NaiveDate, known_until: NaiveDate) -> bool {
        let from = window_start(day, self.months());
        let to = day.min(known_until);
        let mut in_window = dates.iter().copied().filter(|d| *d >= from && *d <= to);
        match self {
            Rule::WithinMonths { .. } => in_window.next().is_some(),
            Rule::TwoApart { min_days_apart, .. } => {
                let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
                for d in in_window {
                    first = Some(first.map_or(d, |f| f.min(d)));
                    last = Some(last.map_or(d, |l| l.max(d)));
                }
                // The earliest and the latest event of the window are the farthest apart.
                matches!((first, last), (Some(f), Some(l)) if (l - f).num_days() >= min_days_apart)
            }
        }
    }
}

/// One good practice of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PracticeDef {
    /// The letter of the practice in the technical note (`A`, `B`, …).
    pub letter: &'static str,
    /// What the practice asks, in the words of the team.
    pub description: &'static str,
    pub points: u8,
    pub rule: Rule,
    pub evidence: EvidenceKind,
    /// Codes whose records count (professionals, procedures, exams).
    pub codes: &'static [CodeSet],
    /// Codes whose records do not count even when they would otherwise (e.g. BP recorded by
    /// an ACS in the 2026 edition of C4/C5).
    pub excluded_codes: &'static [CodeSet],
}

impl PracticeDef {
    /// Whether a code of a record (the professional's CBO, the procedure's SIGTAP or e-SUS
    /// code) is one of the practice's codes.
    pub fn lists(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.matches(code))
    }

    /// Whether a record with this code must not count for the practice.
    pub fn excludes(&self, code: &str) -> bool {
        self.excluded_codes.iter().any(|c| c.matches(code))
    }
}

/// The quality band of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Band {
    Regular,
    Suficiente,
    Bom,
    Otimo,
}

impl Band {
    /// The concept as the notes write it.
    pub fn label(self) -> &'static str {
        match self {
            Band::Regular => "Regular",
            Band::Suficiente => "Suficiente",
            Band::Bom => "Bom",
            Band::Otimo => "Ótimo",
        }
    }

    /// Factor of the concept in the final score of Componente III (NT nº 8/2026).
    pub fn factor(self) -> f64 {
        match self {
            Band::Regular => 0.25,
            Band::Suficiente => 0.50,
            Band::Bom => 0.75,
            Band::Otimo => 1.00,
        }
    }
}

/// A band's range of results: above `above` (exclusive) and up to `up_to` (inclusive); an
/// open end is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandRange {
    pub band: Band,
    pub above: Option<f64>,
    pub up_to: Option<f64>,
}

impl BandRange {
    pub fn contains(&self, score: f64) -> bool {
        self.above.is_none_or(|a| score > a) && self.up_to.is_none_or(|u| score <= u)
    }
}

/// Bands of C2–C7: Ótimo > 75 ≤ 100, Bom > 50 ≤ 75, Suficiente > 25 ≤ 50, Regular ≤ 25
/// (Notas Metodológicas C1–C7, edição 2026).
pub const BANDS_C2_C7: &[BandRange] = &[
    BandRange {
        band: Band::Otimo,
        above: Some(75.0),
        up_to: Some(100.0),
    },
    BandRange {
        band: Band::Bom,
        above: Some(50.0),
        up_to: Some(75.0),
    },
    BandRange {
        band: Band::Suficiente,
        above: Some(25.0),
        up_to: Some(50.0),
    },
    BandRange {
        band: Band::Regular,
        above: None,
        up_to: Some(25.0),
    },
];

/// Bands of C1 (Mais acesso), not monotonic: Ótimo > 50 ≤ 70, Bom > 30 ≤ 50, Suficiente
/// > 10 ≤ 30, Regular ≤ 10 **or** > 70 (Nota Metodológica C1, edição 2026).
pub const BANDS_C1: &[BandRange] = &[
    BandRange {
        band: Band::Otimo,
        above: Some(50.0),
        up_to: Some(70.0),
    },
    BandRange {
        band: Band::Bom,
        above: Some(30.0),
        up_to: Some(50.0),
    },
    BandRange {
        band: Band::Suficiente,
        above: Some(10.0),
        up_to: Some(30.0),
    },
    BandRange {
        band: Band::Regular,
        above: None,
        up_to: Some(10.0),
    },
    BandRange {
        band: Band::Regular,
        above: Some(70.0),
        up_to: None,
    },
];

/// An indicator as data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorDef {
    /// `C4`, `C5`…
    pub code: &'static str,
    pub name: &'static str,
    /// Edition of the rules, shown next to every score.
    pub edition: &'static str,
    /// The technical note (and ordinance) the practices come from.
    pub source: &'static str,
    /// The note that consolidates the monthly results.
    pub consolidation: &'static str,
    pub practices: &'static [PracticeDef],
    pub bands: &'static [BandRange],
}

impl IndicatorDef {
    pub fn practice(&self, letter: &str) -> Option<&'static PracticeDef> {
        self.practices
            .iter()
            .find(|p| p.letter.eq_ignore_ascii_case(letter.trim()))
    }

    /// Points of a person who meets every practice (100 for C2–C7).
    pub fn max_points(&self) -> u32 {
        self.practices.iter().map(|p| u32::from(p.points)).sum()
    }

    /// The band of a result; `None` for a result no band covers (negative, not a number).
    pub fn band(&self, score: f64) -> Option<Band> {
        if !score.is_finite() || score < 0.0 {
            return None;
        }
        self.bands
            .iter()
            .find(|b| b.contains(score))
            .map(|b| b.band)
    }

    /// The longest window of the practices, in months.
    pub fn longest_window_months(&self) -> u32 {
        self.practices
            .iter()
            .map(|p| p.rule.months())
            .max()
            .unwrap_or(0)
    }

    /// The first day whose records can matter for any monthly result of the period of
    /// `today`: the caller must load events from this day on (not only from `today`'s
    /// window, or the first months of the period are under-counted).
    pub fn evidence_since(&self, today: NaiveDate) -> NaiveDate {
        let first_eval = month_ends(today).first().copied().unwrap_or(today);
        window_start(first_eval, self.longest_window_months())
    }
}

/// Every indicator defined so far.
pub const ALL: &[&IndicatorDef] = &[&super::c4::C4, &super::c5::C5];

/// An indicator by its code (`C4`, `c5`).
pub fn by_code(code: &str) -> Option<&'static IndicatorDef> {
    ALL.iter()
        .copied()
        .find(|d| d.code.eq_ignore_ascii_case(code.trim()))
}

/// The dated events of one person, by kind.
pub trait Events {
    fn dates(&self, kind: EvidenceKind) -> &[NaiveDate];
}

/// A plain set of dated events the caller fills from the PEC (already filtered by the
/// practice's code lists: consultations by physicians/nurses, ACS visits with a motive…).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub consultations: Vec<NaiveDate>,
    pub blood_pressure: Vec<NaiveDate>,
    /// Days on which both weight and height were recorded.
    pub anthropometry: Vec<NaiveDate>,
    pub acs_visits: Vec<NaiveDate>,
    /// Days on which HbA1c was requested or evaluated.
    pub hba1c: Vec<NaiveDate>,
    pub foot_exams: Vec<NaiveDate>,
}

impl Events for Evidence {
    fn dates(&self, kind: EvidenceKind) -> &[NaiveDate] {
        match kind {
            EvidenceKind::Consultation => &self.consultations,
            EvidenceKind::BloodPressure => &self.blood_pressure,
            EvidenceKind::Anthropometry => &self.anthropometry,
            EvidenceKind::AcsVisit => &self.acs_visits,
            EvidenceKind::Hba1c => &self.hba1c,
            EvidenceKind::FootExam => &self.foot_exams,
        }
    }
}

/// First day of a window of `months` ending on `day` (both ends included).
pub fn window_start(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// The four-month period (quadrimester: Jan–Apr, May–Aug, Sep–Dec) that contains `day`, as
/// (first day, last day). NT nº 8/2026 consolidates results per quadrimester.
pub fn quadrimester(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (day.month0() / 4) * 4 + 1;
    let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let end = if first_month == 9 {
        NaiveDate::from_ymd_opt(day.year(), 12, 31)
    } else {
        NaiveDate::from_ymd_opt(day.year(), first_month + 4, 1).and_then(|d| d.pred_opt())
    }
    .unwrap_or(day);
    (start, end)
}

/// Month ends of the quadrimester of `today` up to `today` (the current month ends at
/// `today`): the days of the monthly results whose mean is the quadrimester result.
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

/// Whether a practice is met on `day` (events dated up to `day`).
pub fn met_on(practice: &PracticeDef, events: &impl Events, day: NaiveDate) -> bool {
    practice.rule.met(events.dates(practice.evidence), day, day)
}

/// A person's points on `day`.
pub fn points_on(def: &IndicatorDef, events: &impl Events, day: NaiveDate) -> u32 {
    def.practices
        .iter()
        .filter(|p| met_on(p, events, day))
        .map(|p| u32::from(p.points))
        .sum()
}

/// Where one practice stands for the current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Met now and still met on the period's last day.
    Covered,
    /// Met now, but lapses on `lapses` (before the period ends): repeat by then.
    Lapses { lapses: NaiveDate },
    /// Not met: must happen by the period's last day to count in the period.
    Missing { by: NaiveDate },
}

/// Where a practice stands on `today` for the period ending on `period_end`. Only events up
/// to `today` are known: a record dated later (a typing error) neither meets nor covers.
pub fn due(
    practice: &PracticeDef,
    events: &impl Events,
    today: NaiveDate,
    period_end: NaiveDate,
) -> Due {
    let dates = events.dates(practice.evidence);
    let met = |day: NaiveDate| practice.rule.met(dates, day, today);
    if !met(today) {
        return Due::Missing {
            by: period_end.max(today),
        };
    }
    if met(period_end) {
        return Due::Covered;
    }
    // The first day it is no longer met.
    let mut day = today;
    while day < period_end && met(day) {
        day = day.succ_opt().unwrap_or(period_end);
    }
    Due::Lapses { lapses: day }
}

/// One practice of a person's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PracticeResult {
    pub practice: &'static PracticeDef,
    pub met: bool,
    /// Points earned: the practice's points when met, else 0.
    pub points: u8,
    pub due: Due,
}

/// A person's result on a day, with where each practice stands for the quadrimester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonResult {
    pub practices: Vec<PracticeResult>,
    /// The quadrimester the due dates refer to.
    pub period: (NaiveDate, NaiveDate),
}

impl PersonResult {
    pub fn points(&self) -> u32 {
        self.practices.iter().map(|p| u32::from(p.points)).sum()
    }

    pub fn met(&self, letter: &str) -> Option<bool> {
        self.practices
            .iter()
            .find(|p| p.practice.letter.eq_ignore_ascii_case(letter))
            .map(|p| p.met)
    }

    /// Practices not met, each with the day by which it must happen to count.
    pub fn missing(&self) -> impl Iterator<Item = (&'static PracticeDef, NaiveDate)> + '_ {
        self.practices.iter().filter_map(|p| match p.due {
            Due::Missing { by } => Some((p.practice, by)),
            _ => None,
        })
    }
}

/// A person's result on `today`: practices met, points, and due dates for the quadrimester
/// of `today`.
pub fn assess(def: &'static IndicatorDef, events: &impl Events, today: NaiveDate) -> PersonResult {
    let period = quadrimester(today);
    let practices = def
        .practices
        .iter()
        .map(|p| {
            let met = met_on(p, events, today);
            PracticeResult {
                practice: p,
                met,
                points: if met { p.points } else { 0 },
                due: due(p, events, today, period.1),
            }
        })
        .collect();
    PersonResult { practices, period }
}

/// A team's result for one month of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthResult {
    /// The day the month is evaluated on (its last day, or today for the current month).
    pub month_end: NaiveDate,
    /// Sum of the people's points.
    pub numerator: u64,
    /// People in the population.
    pub denominator: u64,
}

impl MonthResult {
    /// numerator ÷ denominator (0–100); `None` for a month without a denominator.
    pub fn score(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

/// The monthly results of the quadrimester of `today` for a population (each person's events).
/// Every person is in the denominator of every month: the caller passes the population of
/// the evaluation.
pub fn monthly_results<'a, E: Events + 'a>(
    def: &IndicatorDef,
    people: impl IntoIterator<Item = &'a E>,
    today: NaiveDate,
) -> Vec<MonthResult> {
    let mut months: Vec<MonthResult> = month_ends(today)
        .into_iter()
        .map(|month_end| MonthResult {
            month_end,
            numerator: 0,
            denominator: 0,
        })
        .collect();
    for person in people {
        for m in &mut months {
            m.denominator += 1;
            m.numerator += u64::from(points_on(def, person, m.month_end));
        }
    }
    months
}

/// A team's result for the period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodResult {
    pub period: (NaiveDate, NaiveDate),
    pub months: Vec<MonthResult>,
    /// Mean of the monthly results of the months with a denominator (NT nº 8/2026), not
    /// rounded (the note defines no rounding); `None` when no month has one.
    pub score: Option<f64>,
    pub band: Option<Band>,
}

/// Consolidates monthly results into the period result and its band.
pub fn period_result(
    def: &IndicatorDef,
    period: (NaiveDate, NaiveDate),
    months: Vec<MonthResult>,
) -> PeriodResult {
    let scores: Vec<f64> = months.iter().filter_map(MonthResult::score).collect();
    let score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    PeriodResult {
        period,
        months,
        score,
        band: score.and_then(|s| def.band(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    const TEST_PRACTICES: &[PracticeDef] = &[
        PracticeDef {
            letter: "A",
            description: "Consulta em 6 meses",
            points: 60,
            rule: Rule::WithinMonths { months: 6 },
            evidence: EvidenceKind::Consultation,
            codes: &[],
            excluded_codes: &[],
        },
        PracticeDef {
            letter: "B",
            description: "Duas visitas em 12 meses",
            points: 40,
            rule: Rule::TwoApart {
                months: 12,
                min_days_apart: 30,
            },
            evidence: EvidenceKind::AcsVisit,
            codes: &[],
            excluded_codes: &[],
        },
    ];

    static TEST: IndicatorDef = IndicatorDef {
        code: "CX",
        name: "Teste",
        edition: "teste",
        source: "teste",
        consolidation: NT_8_2026,
        practices: TEST_PRACTICES,
        bands: BANDS_C2_C7,
    };

    #[test]
    fn within_months_window_edges_and_known_until() {
        let rule = Rule::WithinMonths { months: 6 };
        let today = d(2026, 11, 29);
        assert!(rule.met(&[d(2026, 5, 29)], today, today), "window start");
        assert!(!rule.met(&[d(2026, 5, 28)], today, today), "day before");
        assert!(rule.met(&[d(2026, 5, 30)], today, today), "day after start");
        assert!(rule.met(&[today], today, today));
        assert!(!rule.met(&[d(2026, 11, 30)], today, today), "future");
        assert!(!rule.met(&[], today, today));
        // Projected to 31 Dec, with data read on 29 Nov: a record of 30 Nov is unknown.
        assert!(!rule.met(&[d(2026, 11, 30)], d(2026, 12, 31), today));
        assert!(rule.met(&[d(2026, 11, 30)], d(2026, 12, 31), d(2026, 12, 31)));
    }

    #[test]
    fn two_apart_at_29_30_31_days() {
        let rule = Rule::TwoApart {
            months: 12,
            min_days_apart: 30,
        };
        let today = d(2026, 11, 29);
        let base = d(2026, 3, 1);
        let plus = |n| base + chrono::Duration::days(n);
        assert!(!rule.met(&[base, plus(29)], today, today), "29 days");
        assert!(rule.met(&[base, plus(30)], today, today), "30 days");
        assert!(
            rule.met(&[plus(31), base], today, today),
            "31 days, any order"
        );
        assert!(!rule.met(&[base, base], today, today), "same day twice");
        assert!(
            !rule.met(&[d(2025, 11, 28), d(2025, 12, 28)], today, today),
            "first one day before the window"
        );
        assert!(rule.met(&[d(2025, 11, 29), d(2025, 12, 29)], today, today));
    }

    #[test]
    fn code_sets_normalise_and_match() {
        const SIGTAP: CodeSet = CodeSet {
            system: "SIGTAP",
            label: "Aferição de pressão arterial",
            codes: &["0301100039"],
            matching: Matching::Exact,
            source: "teste",
        };
        assert!(SIGTAP.matches("03.01.10.003-9"));
        assert!(SIGTAP.matches(" 0301100039 "));
        assert!(!SIGTAP.matches("030110003"));
        assert!(!SIGTAP.matches("03011000390"));
        assert!(!SIGTAP.matches(""));
        const CBO: CodeSet = CodeSet {
            system: "CBO 2002",
            label: "Médicos",
            codes: &["2251"],
            matching: Matching::Prefix,
            source: "teste",
        };
        assert!(CBO.matches("225142") && CBO.matches("2251-42"));
        assert!(!CBO.matches("223505"));
        assert!(!CBO.matches(" "));
    }

    #[test]
    fn bands_c2_c7_at_their_edges() {
        let b = |s| TEST.band(s);
        assert_eq!(b(100.0), Some(Band::Otimo));
        assert_eq!(b(75.01), Some(Band::Otimo));
        assert_eq!(b(75.0), Some(Band::Bom));
        assert_eq!(b(50.01), Some(Band::Bom));
        assert_eq!(b(50.0), Some(Band::Suficiente));
        assert_eq!(b(25.01), Some(Band::Suficiente));
        assert_eq!(b(25.0), Some(Band::Regular));
        assert_eq!(b(0.0), Some(Band::Regular));
        assert_eq!(b(100.01), None, "above the maximum");
        assert_eq!(b(-0.1), None);
        assert_eq!(b(f64::NAN), None);
    }

    #[test]
    fn bands_c1_are_not_monotonic() {
        let c1 = IndicatorDef {
            bands: BANDS_C1,
            ..TEST
        };
        assert_eq!(c1.band(70.0), Some(Band::Otimo));
        assert_eq!(c1.band(70.01), Some(Band::Regular));
        assert_eq!(c1.band(50.01), Some(Band::Otimo));
        assert_eq!(c1.band(50.0), Some(Band::Bom));
        assert_eq!(c1.band(30.0), Some(Band::Suficiente));
        assert_eq!(c1.band(10.01), Some(Band::Suficiente));
        assert_eq!(c1.band(10.0), Some(Band::Regular));
        assert_eq!(c1.band(100.0), Some(Band::Regular));
    }

    #[test]
    fn band_factors() {
        assert_eq!(Band::Regular.factor(), 0.25);
        assert_eq!(Band::Suficiente.factor(), 0.5);
        assert_eq!(Band::Bom.factor(), 0.75);
        assert_eq!(Band::Otimo.factor(), 1.0);
        assert_eq!(Band::Otimo.label(), "Ótimo");
    }

    #[test]
    fn person_result_points_and_due_dates() {
        let today = d(2026, 11, 29);
        let e = Evidence {
            consultations: vec![d(2026, 6, 15)],
            acs_visits: vec![d(2026, 10, 1)],
            ..Default::default()
        };
        let r = assess(&TEST, &e, today);
        assert_eq!(r.period, (d(2026, 9, 1), d(2026, 12, 31)));
        assert_eq!(r.points(), 60);
        assert_eq!(r.met("a"), Some(true));
        assert_eq!(r.met("B"), Some(false));
        assert_eq!(r.met("Z"), None);
        // Six months back from 16 Dec is 16 Jun: the consultation of 15 Jun lapses that day.
        assert_eq!(
            r.practices[0].due,
            Due::Lapses {
                lapses: d(2026, 12, 16)
            }
        );
        assert_eq!(
            r.missing()
                .map(|(p, by)| (p.letter, by))
                .collect::<Vec<_>>(),
            vec![("B", d(2026, 12, 31))]
        );
        let covered = Evidence {
            consultations: vec![d(2026, 7, 1)],
            ..Default::default()
        };
        assert_eq!(
            assess(&TEST, &covered, today).practices[0].due,
            Due::Covered
        );
    }

    #[test]
    fn a_future_record_does_not_cover_the_period() {
        let today = d(2026, 11, 29);
        // Met today by 1 Jun; a record typed as 20 Dec must not make it "covered".
        let e = Evidence {
            consultations: vec![d(2026, 6, 1), d(2026, 12, 20)],
            ..Default::default()
        };
        assert_eq!(
            due(&TEST_PRACTICES[0], &e, today, d(2026, 12, 31)),
            Due::Lapses {
                lapses: d(2026, 12, 2)
            }
        );
    }

    #[test]
    fn monthly_and_period_results() {
        let today = d(2026, 11, 15);
        let full = Evidence {
            consultations: vec![d(2026, 9, 10)],
            acs_visits: vec![d(2026, 1, 1), d(2026, 3, 1)],
            ..Default::default()
        };
        let none = Evidence::default();
        let months = monthly_results(&TEST, [&full, &none], today);
        assert_eq!(
            months,
            vec![
                MonthResult {
                    month_end: d(2026, 9, 30),
                    numerator: 100,
                    denominator: 2
                },
                MonthResult {
                    month_end: d(2026, 10, 31),
                    numerator: 100,
                    denominator: 2
                },
                MonthResult {
                    month_end: d(2026, 11, 15),
                    numerator: 100,
                    denominator: 2
                },
            ]
        );
        let later = Evidence {
            consultations: vec![d(2026, 10, 20)],
            ..Default::default()
        };
        let months = monthly_results(&TEST, [&later], today);
        assert_eq!(
            months.iter().map(MonthResult::score).collect::<Vec<_>>(),
            vec![Some(0.0), Some(60.0), Some(60.0)]
        );
        let r = period_result(&TEST, quadrimester(today), months);
        assert_eq!(r.score, Some(40.0));
        assert_eq!(r.band, Some(Band::Suficiente));
        let empty = period_result(
            &TEST,
            quadrimester(today),
            monthly_results::<Evidence>(&TEST, [], today),
        );
        assert_eq!(empty.months.len(), 3);
        assert_eq!(empty.months[0].score(), None);
        assert_eq!(empty.score, None);
        assert_eq!(empty.band, None);
    }

    #[test]
    fn evidence_since_covers_the_first_month_of_the_period() {
        // 29 Nov: first monthly result on 30 Sep, whose 12-month window starts 30 Sep 2025.
        assert_eq!(TEST.evidence_since(d(2026, 11, 29)), d(2025, 9, 30));
        assert_eq!(TEST.longest_window_months(), 12);
        assert_eq!(TEST.max_points(), 100);
        assert_eq!(TEST.practice(" b ").map(|p| p.points), Some(40));
    }

    #[test]
    fn registry_and_practice_codes() {
        assert_eq!(by_code(" c4 ").map(|d| d.code), Some("C4"));
        assert_eq!(
            by_code("C5").map(|d| d.name),
            Some("Cuidado da pessoa com hipertensão")
        );
        assert_eq!(by_code("C9"), None);
        for def in ALL {
            assert_eq!(def.max_points(), 100, "{}", def.code);
            assert_eq!(def.bands, BANDS_C2_C7, "{}", def.code);
            let mut letters: Vec<_> = def.practices.iter().map(|p| p.letter).collect();
            letters.dedup();
            assert_eq!(letters.len(), def.practices.len(), "{}", def.code);
            for p in def.practices {
                for c in p.codes.iter().chain(p.excluded_codes) {
                    assert!(!c.source.is_empty() && !c.codes.is_empty(), "{}", c.label);
                }
            }
        }
        let Some(b) = by_code("C4").and_then(|d| d.practice("B")) else {
            panic!("C4 B is defined");
        };
        assert!(b.lists("03.01.10.003-9"));
        assert!(b.excludes("515105"), "BP by an ACS does not count (2026)");
        assert!(!b.excludes("322255"), "TACS is not excluded");
        assert!(!b.lists("0202010503"));
    }

    #[test]
    fn labels_are_distinct() {
        let mut labels: Vec<_> = EvidenceKind::ALL.iter().map(|k| k.label()).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), EvidenceKind::ALL.len());
    }
}
