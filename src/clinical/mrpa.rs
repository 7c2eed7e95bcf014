//! Home blood-pressure monitoring (MRPA, *monitorização residencial da pressão arterial*) as
//! protocolled by the Brazilian guideline (Diretrizes Brasileiras de MAPA e MRPA, Sociedade
//! Brasileira de Cardiologia; repeated in the Diretriz Brasileira de Hipertensão Arterial):
//!
//! * 5 consecutive days ([`DAYS`]), 3 readings in the morning and 3 in the evening
//!   ([`READINGS_PER_PERIOD`]), one minute apart;
//! * the **first day is discarded** (familiarisation, white-coat effect) and the mean is taken
//!   over days 2–5 (the reference system averaged every day, day 1 included —
//!   `reference-system.md` §1.9 — which is the bug this module fixes);
//! * the exam is only interpretable with a minimum number of valid readings. We could not
//!   confirm the guideline's exact minimum from a primary source while writing this module, so
//!   [`MIN_VALID_READINGS`] is **12 valid readings from days 2–5** (half of the 24 the protocol
//!   collects on those days). Revisit it against the guideline text.
//! * Home threshold: a mean below 130 mmHg systolic **and** below 80 mmHg diastolic is
//!   controlled; 130 or more, or 80 or more, is not.
//!
//! Means are rounded half-up to whole mmHg. Everything here is pure: the caller passes the
//! readings, nothing is read from a clock or a database.

use thiserror::Error;

/// Days of monitoring.
pub const DAYS: u8 = 5;
/// Readings in each period (morning, evening) of each day.
pub const READINGS_PER_PERIOD: u8 = 3;
/// Minimum number of valid readings from days 2–5 (see the module docs: 12 is our choice until
/// the guideline's number is confirmed).
pub const MIN_VALID_READINGS: usize = 12;
/// Home-BP control threshold: controlled means systolic below this…
pub const HOME_SYSTOLIC_LIMIT: i32 = 130;
/// …and diastolic below this.
pub const HOME_DIASTOLIC_LIMIT: i32 = 80;

/// Plausible systolic home reading (mmHg); outside is a typing error.
pub const SYSTOLIC_RANGE: std::ops::RangeInclusive<i32> = 60..=280;
/// Plausible diastolic home reading (mmHg).
pub const DIASTOLIC_RANGE: std::ops::RangeInclusive<i32> = 30..=160;

/// First day whose readings enter the mean (day 1 is discarded).
pub const FIRST_COUNTED_DAY: u8 = 2;

/// Suggest referral to cardiology when the mean reaches this systolic value…
pub const REFERRAL_SYSTOLIC: i32 = 180;
/// …or this diastolic value.
pub const REFERRAL_DIASTOLIC: i32 = 110;

/// Period of the day of a home reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// Before breakfast (and before medication).
    Morning,
    /// Before dinner.
    Evening,
}

impl Period {
    pub const ALL: [Period; 2] = [Period::Morning, Period::Evening];

    pub fn key(self) -> &'static str {
        match self {
            Period::Morning => "manha",
            Period::Evening => "noite",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Period::Morning => "Manhã",
            Period::Evening => "Noite",
        }
    }
}

/// One home reading: day 1–5, period, position 1–3 inside the period, values in mmHg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomeReading {
    pub day: u8,
    pub period: Period,
    pub seq: u8,
    pub systolic: i32,
    pub diastolic: i32,
}

/// Why one reading is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ReadingError {
    #[error("Pressão sistólica {0} mmHg fora da faixa aceita (60 a 280 mmHg).")]
    SystolicOutOfRange(i32),
    #[error("Pressão diastólica {0} mmHg fora da faixa aceita (30 a 160 mmHg).")]
    DiastolicOutOfRange(i32),
    #[error("A pressão sistólica ({systolic}) deve ser maior que a diastólica ({diastolic}).")]
    SystolicNotAboveDiastolic { systolic: i32, diastolic: i32 },
    #[error("Dia {0} inválido: a MRPA tem os dias 1 a 5.")]
    DayOutOfRange(u8),
    #[error("Medida {0} inválida: cada período tem as medidas 1 a 3.")]
    SeqOutOfRange(u8),
}

impl ReadingError {
    /// The sentence shown next to the field.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Checks the two values of one reading (plausible ranges, systolic above diastolic).
pub fn validate_reading(systolic: i32, diastolic: i32) -> Result<(), ReadingError> {
    if !SYSTOLIC_RANGE.contains(&systolic) {
        return Err(ReadingError::SystolicOutOfRange(systolic));
    }
    if !DIASTOLIC_RANGE.contains(&diastolic) {
        return Err(ReadingError::DiastolicOutOfRange(diastolic));
    }
    if systolic <= diastolic {
        return Err(ReadingError::SystolicNotAboveDiastolic {
            systolic,
            diastolic,
        });
    }
    Ok(())
}

fn validate_slot(r: &HomeReading) -> Result<(), ReadingError> {
    if !(1..=DAYS).contains(&r.day) {
        return Err(ReadingError::DayOutOfRange(r.day));
    }
    if !(1..=READINGS_PER_PERIOD).contains(&r.seq) {
        return Err(ReadingError::SeqOutOfRange(r.seq));
    }
    validate_reading(r.systolic, r.diastolic)
}

/// Home-BP control from the MRPA means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HomeControl {
    /// Mean below 130/80 mmHg.
    Controlled,
    /// Mean systolic ≥ 130 or mean diastolic ≥ 80 mmHg.
    Uncontrolled,
}

impl HomeControl {
    pub fn key(self) -> &'static str {
        match self {
            HomeControl::Controlled => "controlada",
            HomeControl::Uncontrolled => "nao_controlada",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Controlled, Self::Uncontrolled]
            .into_iter()
            .find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            HomeControl::Controlled => "Controlada",
            HomeControl::Uncontrolled => "Não controlada",
        }
    }

    /// Control of a pair of means (whole mmHg).
    pub fn from_means(mean_systolic: i32, mean_diastolic: i32) -> Self {
        if mean_systolic < HOME_SYSTOLIC_LIMIT && mean_diastolic < HOME_DIASTOLIC_LIMIT {
            HomeControl::Controlled
        } else {
            HomeControl::Uncontrolled
        }
    }
}

/// Result of an MRPA: means over days 2–5, rounded half-up to whole mmHg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub mean_systolic: i32,
    pub mean_diastolic: i32,
    /// Readings of days 2–5 that entered the means.
    pub valid_readings: usize,
    pub control: HomeControl,
}

/// Why an MRPA cannot be summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MrpaError {
    #[error(
        "Dia {day}, {period_label}, medida {seq}: {error}",
        period_label = period.label()
    )]
    InvalidReading {
        day: u8,
        period: Period,
        seq: u8,
        error: ReadingError,
    },
    #[error(
        "Dia {day}, {period_label}, medida {seq} foi informada mais de uma vez.",
        period_label = period.label()
    )]
    DuplicateSlot { day: u8, period: Period, seq: u8 },
    #[error(
        "Medidas insuficientes: {counted} medidas válidas entre os dias 2 e 5 (o 1º dia é \
         descartado); são necessárias pelo menos {needed}."
    )]
    TooFewReadings { counted: usize, needed: usize },
}

impl MrpaError {
    /// The sentence shown to the professional.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Mean of positive integers rounded half-up (`129.5 → 130`).
fn mean_half_up(sum: i64, n: usize) -> i32 {
    let n = n as i64;
    // floor((2·sum + n) / 2n) = round-half-up(sum / n) for sum ≥ 0.
    ((2 * sum + n).div_euclid(2 * n)) as i32
}

/// Summarises an MRPA. Every reading (day 1 included) must be a valid, unique slot — an
/// invalid value is a typing error the professional must fix, not a reading to skip silently.
/// Day 1 is then discarded; days 2–5 must hold at least [`MIN_VALID_READINGS`] readings.
pub fn summarize(readings: &[HomeReading]) -> Result<Summary, MrpaError> {
    let mut seen = std::collections::HashSet::new();
    for r in readings {
        validate_slot(r).map_err(|error| MrpaError::InvalidReading {
            day: r.day,
            period: r.period,
            seq: r.seq,
            error,
        })?;
        if !seen.insert((r.day, r.period, r.seq)) {
            return Err(MrpaError::DuplicateSlot {
                day: r.day,
                period: r.period,
                seq: r.seq,
            });
        }
    }
    let counted: Vec<&HomeReading> = readings
        .iter()
        .filter(|r| r.day >= FIRST_COUNTED_DAY)
        .collect();
    if counted.len() < MIN_VALID_READINGS {
        return Err(MrpaError::TooFewReadings {
            counted: counted.len(),
            needed: MIN_VALID_READINGS,
        });
    }
    let sum_s: i64 = counted.iter().map(|r| i64::from(r.systolic)).sum();
    let sum_d: i64 = counted.iter().map(|r| i64::from(r.diastolic)).sum();
    let mean_systolic = mean_half_up(sum_s, counted.len());
    let mean_diastolic = mean_half_up(sum_d, counted.len());
    Ok(Summary {
        mean_systolic,
        mean_diastolic,
        valid_readings: counted.len(),
        control: HomeControl::from_means(mean_systolic, mean_diastolic),
    })
}

/// What to do after the MRPA. This is a **suggestion** shown pre-selected; the professional
/// confirms or changes it, and the recorded decision is theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Maintain,
    Modify,
    Cardiology,
}

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Maintain, Decision::Modify, Decision::Cardiology];

    pub fn key(self) -> &'static str {
        match self {
            Decision::Maintain => "manter",
            Decision::Modify => "modificar",
            Decision::Cardiology => "cardiologia",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Maintain => "Manter tratamento",
            Decision::Modify => "Modificar tratamento",
            Decision::Cardiology => "Encaminhar à cardiologia",
        }
    }
}

/// Suggested decision: mean ≥ 180 systolic or ≥ 110 diastolic → cardiology; otherwise
/// controlled → maintain, uncontrolled → modify. The professional confirms it.
pub fn suggested_decision(s: &Summary) -> Decision {
    if s.mean_systolic >= REFERRAL_SYSTOLIC || s.mean_diastolic >= REFERRAL_DIASTOLIC {
        Decision::Cardiology
    } else if s.control == HomeControl::Controlled {
        Decision::Maintain
    } else {
        Decision::Modify
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(day: u8, period: Period, seq: u8, systolic: i32, diastolic: i32) -> HomeReading {
        HomeReading {
            day,
            period,
            seq,
            systolic,
            diastolic,
        }
    }

    /// Full protocol: 5 days × 2 periods × 3 readings, every reading `s/d` except day 1.
    fn full(day1: (i32, i32), rest: (i32, i32)) -> Vec<HomeReading> {
        let mut v = Vec::new();
        for day in 1..=DAYS {
            for period in Period::ALL {
                for seq in 1..=READINGS_PER_PERIOD {
                    let (s, d) = if day == 1 { day1 } else { rest };
                    v.push(r(day, period, seq, s, d));
                }
            }
        }
        v
    }

    #[test]
    fn period_and_decision_keys_round_trip() {
        for p in Period::ALL {
            assert_eq!(Period::from_key(p.key()), Some(p));
        }
        assert_eq!(Period::Morning.label(), "Manhã");
        assert_eq!(Period::Evening.label(), "Noite");
        assert_eq!(Period::from_key("tarde"), None);
        for d in Decision::ALL {
            assert_eq!(Decision::from_key(d.key()), Some(d));
        }
        assert_eq!(Decision::Cardiology.label(), "Encaminhar à cardiologia");
        assert_eq!(Decision::from_key("Manter"), None);
        for c in [HomeControl::Controlled, HomeControl::Uncontrolled] {
            assert_eq!(HomeControl::from_key(c.key()), Some(c));
        }
        assert_eq!(HomeControl::Uncontrolled.label(), "Não controlada");
    }

    #[test]
    fn reading_ranges_edges() {
        let cases = [
            (60, 30, true),
            (59, 30, false),
            (280, 160, true),
            (281, 100, false),
            (120, 29, false),
            (200, 161, false),
            (120, 119, true),
            (120, 120, false),
            (119, 120, false),
        ];
        for (s, d, ok) in cases {
            assert_eq!(validate_reading(s, d).is_ok(), ok, "{s}/{d}");
        }
        assert_eq!(
            validate_reading(59, 30),
            Err(ReadingError::SystolicOutOfRange(59))
        );
        assert_eq!(
            validate_reading(120, 29),
            Err(ReadingError::DiastolicOutOfRange(29))
        );
        assert!(
            validate_reading(80, 80)
                .expect_err("should fail")
                .message()
                .contains("maior que a diastólica")
        );
    }

    #[test]
    fn day_one_is_excluded_from_the_mean() {
        // Day 1 very high (white-coat effect); days 2–5 at 120/70 → controlled.
        let s = summarize(&full((170, 100), (120, 70))).expect("should succeed");
        assert_eq!(s.mean_systolic, 120);
        assert_eq!(s.mean_diastolic, 70);
        assert_eq!(s.valid_readings, 24);
        assert_eq!(s.control, HomeControl::Controlled);
    }

    #[test]
    fn control_threshold_is_130_80_on_both_values() {
        let cases = [
            (129, 79, HomeControl::Controlled),
            (130, 79, HomeControl::Uncontrolled),
            (129, 80, HomeControl::Uncontrolled),
            (130, 80, HomeControl::Uncontrolled),
        ];
        for (s, d, want) in cases {
            assert_eq!(HomeControl::from_means(s, d), want, "{s}/{d}");
            assert_eq!(
                summarize(&full((s, d), (s, d)))
                    .expect("should succeed")
                    .control,
                want
            );
        }
    }

    #[test]
    fn means_round_half_up() {
        // 12 readings on days 2–3: six at 129/79 and six at 130/80 → 129.5/79.5 → 130/80.
        let mut v = Vec::new();
        for period in Period::ALL {
            for seq in 1..=3 {
                v.push(r(2, period, seq, 129, 79));
                v.push(r(3, period, seq, 130, 80));
            }
        }
        let s = summarize(&v).expect("should succeed");
        assert_eq!((s.mean_systolic, s.mean_diastolic), (130, 80));
        assert_eq!(s.control, HomeControl::Uncontrolled);
        // Below .5 rounds down: 11 × 129 + 1 × 130 = 129.08 → 129.
        let mut v: Vec<HomeReading> = Vec::new();
        for (i, (day, period, seq)) in (2..=3u8)
            .flat_map(|d| {
                Period::ALL
                    .into_iter()
                    .flat_map(move |p| (1..=3u8).map(move |q| (d, p, q)))
            })
            .enumerate()
        {
            let s = if i == 0 { 130 } else { 129 };
            v.push(r(day, period, seq, s, 70));
        }
        assert_eq!(summarize(&v).expect("should succeed").mean_systolic, 129);
        assert_eq!(mean_half_up(2 * 129 + 1, 2), 130);
        assert_eq!(mean_half_up(3 * 129 + 1, 3), 129);
        assert_eq!(mean_half_up(3 * 129 + 2, 3), 130);
    }

    #[test]
    fn minimum_valid_readings_edge() {
        let all = full((120, 70), (120, 70));
        // Keep all of day 1 and exactly 12 (then 11) readings from days 2–5.
        let day1: Vec<HomeReading> = all.iter().copied().filter(|r| r.day == 1).collect();
        let rest: Vec<HomeReading> = all.iter().copied().filter(|r| r.day > 1).collect();
        let mut twelve = day1.clone();
        twelve.extend(rest.iter().take(MIN_VALID_READINGS));
        assert_eq!(
            summarize(&twelve).expect("should succeed").valid_readings,
            12
        );
        let mut eleven = day1.clone();
        eleven.extend(rest.iter().take(MIN_VALID_READINGS - 1));
        let err = summarize(&eleven).expect_err("should fail");
        assert_eq!(
            err,
            MrpaError::TooFewReadings {
                counted: 11,
                needed: 12
            }
        );
        let msg = err.message();
        assert!(msg.contains("11") && msg.contains("12"), "{msg}");
        // Day-1 readings never count towards the minimum.
        assert!(matches!(
            summarize(&day1),
            Err(MrpaError::TooFewReadings { counted: 0, .. })
        ));
        assert!(summarize(&[]).is_err());
    }

    #[test]
    fn invalid_and_duplicate_readings_are_rejected() {
        let mut v = full((120, 70), (120, 70));
        v[7].systolic = 300;
        let err = summarize(&v).expect_err("should fail");
        assert!(matches!(
            err,
            MrpaError::InvalidReading {
                error: ReadingError::SystolicOutOfRange(300),
                ..
            }
        ));
        assert!(err.message().contains("Dia 2"), "{}", err.message());

        let mut v = full((120, 70), (120, 70));
        v.push(r(3, Period::Evening, 2, 118, 72));
        assert_eq!(
            summarize(&v).expect_err("should fail"),
            MrpaError::DuplicateSlot {
                day: 3,
                period: Period::Evening,
                seq: 2
            }
        );

        for (day, seq, want) in [
            (0, 1, ReadingError::DayOutOfRange(0)),
            (6, 1, ReadingError::DayOutOfRange(6)),
            (2, 0, ReadingError::SeqOutOfRange(0)),
            (2, 4, ReadingError::SeqOutOfRange(4)),
        ] {
            let mut v = full((120, 70), (120, 70));
            v.push(r(day, Period::Morning, seq, 120, 70));
            assert!(
                matches!(summarize(&v), Err(MrpaError::InvalidReading { error, .. }) if error == want),
                "{day}/{seq}"
            );
        }
    }

    #[test]
    fn suggested_decision_edges() {
        let sum = |s, d| Summary {
            mean_systolic: s,
            mean_diastolic: d,
            valid_readings: 24,
            control: HomeControl::from_means(s, d),
        };
        let cases = [
            (129, 79, Decision::Maintain),
            (130, 79, Decision::Modify),
            (129, 80, Decision::Modify),
            (179, 109, Decision::Modify),
            (180, 100, Decision::Cardiology),
            (170, 110, Decision::Cardiology),
        ];
        for (s, d, want) in cases {
            assert_eq!(suggested_decision(&sum(s, d)), want, "{s}/{d}");
        }
    }
}
