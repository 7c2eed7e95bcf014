//! Laboratory results of the hypertension/diabetes follow-up (the exams the reference system
//! records, `reference-system.md` §1.6): what each analyte is called, its unit, how many
//! decimals it is written with, and which values are physiologically possible.
//!
//! The plausible ranges are deliberately generous: they exist to catch typing errors (a
//! missing or extra digit, a value typed in the wrong field, `1.000` meaning a thousand), not
//! to judge the result. Users type Brazilian decimals (`1,2`); a dot is accepted too.

use std::ops::RangeInclusive;
use thiserror::Error;

/// A laboratory analyte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Analyte {
    TotalCholesterol,
    Hdl,
    Ldl,
    Triglycerides,
    FastingGlucose,
    Hba1c,
    Creatinine,
    Potassium,
    Sodium,
    Urea,
    UricAcid,
}

impl Analyte {
    pub const ALL: [Analyte; 11] = [
        Analyte::TotalCholesterol,
        Analyte::Hdl,
        Analyte::Ldl,
        Analyte::Triglycerides,
        Analyte::FastingGlucose,
        Analyte::Hba1c,
        Analyte::Creatinine,
        Analyte::Potassium,
        Analyte::Sodium,
        Analyte::Urea,
        Analyte::UricAcid,
    ];

    /// Stable snake-case ASCII key (form field names, stored rows).
    pub fn key(self) -> &'static str {
        match self {
            Analyte::TotalCholesterol => "colesterol_total",
            Analyte::Hdl => "hdl",
            Analyte::Ldl => "ldl",
            Analyte::Triglycerides => "triglicerideos",
            Analyte::FastingGlucose => "glicemia_jejum",
            Analyte::Hba1c => "hemoglobina_glicada",
            Analyte::Creatinine => "creatinina",
            Analyte::Potassium => "potassio",
            Analyte::Sodium => "sodio",
            Analyte::Urea => "ureia",
            Analyte::UricAcid => "acido_urico",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// Name a professional reads.
    pub fn label(self) -> &'static str {
        match self {
            Analyte::TotalCholesterol => "Colesterol total",
            Analyte::Hdl => "HDL-colesterol",
            Analyte::Ldl => "LDL-colesterol",
            Analyte::Triglycerides => "Triglicerídeos",
            Analyte::FastingGlucose => "Glicemia de jejum",
            Analyte::Hba1c => "Hemoglobina glicada (HbA1c)",
            Analyte::Creatinine => "Creatinina",
            Analyte::Potassium => "Potássio",
            Analyte::Sodium => "Sódio",
            Analyte::Urea => "Ureia",
            Analyte::UricAcid => "Ácido úrico",
        }
    }

    /// Unit used by Brazilian laboratories.
    pub fn unit(self) -> &'static str {
        match self {
            Analyte::Hba1c => "%",
            Analyte::Potassium | Analyte::Sodium => "mEq/L",
            _ => "mg/dL",
        }
    }

    /// Decimals shown and accepted.
    pub fn decimals(self) -> usize {
        match self {
            Analyte::Creatinine => 2,
            Analyte::Potassium | Analyte::Hba1c | Analyte::UricAcid => 1,
            _ => 0,
        }
    }

    /// Physiologically possible values (both ends included); outside is a typing error.
    pub fn plausible(self) -> RangeInclusive<f64> {
        match self {
            Analyte::TotalCholesterol => 50.0..=1000.0,
            Analyte::Hdl => 5.0..=200.0,
            Analyte::Ldl => 5.0..=700.0,
            Analyte::Triglycerides => 10.0..=5000.0,
            Analyte::FastingGlucose => 20.0..=1000.0,
            Analyte::Hba1c => 3.0..=20.0,
            Analyte::Creatinine => 0.1..=20.0,
            Analyte::Potassium => 1.5..=9.0,
            Analyte::Sodium => 100.0..=190.0,
            Analyte::Urea => 2.0..=400.0,
            Analyte::UricAcid => 0.5..=20.0,
        }
    }

    /// "50 a 1000 mg/dL", "0,1 a 20 mg/dL".
    pub fn range_text(self) -> String {
        let r = self.plausible();
        format!(
            "{} a {} {}",
            format_plain(*r.start()),
            format_plain(*r.end()),
            self.unit()
        )
    }
}

/// A bound without trailing zeros, with a decimal comma.
fn format_plain(v: f64) -> String {
    let s = format!("{v}");
    s.replace('.', ",")
}

/// Why a typed result is refused. Every message names the analyte, the unit and the range.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExamError {
    #[error("{label}: informe o valor ({range}).", label = .0.label(), range = .0.range_text())]
    Empty(Analyte),
    #[error(
        "{label}: \"{text}\" não é um número válido (use vírgula para decimais; faixa aceita {range}).",
        label = analyte.label(), range = analyte.range_text()
    )]
    NotANumber { analyte: Analyte, text: String },
    #[error(
        "{label}: use no máximo {max} casa(s) decimal(is) (faixa aceita {range}).",
        label = analyte.label(), max = analyte.decimals(), range = analyte.range_text()
    )]
    TooManyDecimals { analyte: Analyte },
    #[error(
        "{label}: {shown} {unit} está fora da faixa aceita ({range}). Confira o valor digitado.",
        label = analyte.label(), shown = format_plain(*value), unit = analyte.unit(),
        range = analyte.range_text()
    )]
    OutOfRange { analyte: Analyte, value: f64 },
}

impl ExamError {
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Parses a typed result: trims, accepts `,` or `.` as the decimal separator (one at most, with
/// digits on both sides), no sign, no exponent, no thousands separator; at most
/// [`Analyte::decimals`] decimals; inside [`Analyte::plausible`].
pub fn parse_value(a: Analyte, text: &str) -> Result<f64, ExamError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ExamError::Empty(a));
    }
    let not_a_number = || ExamError::NotANumber {
        analyte: a,
        text: t.to_string(),
    };
    let (int, frac) = match t.find([',', '.']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(not_a_number());
    }
    if frac.map_or(0, str::len) > a.decimals() {
        return Err(ExamError::TooManyDecimals { analyte: a });
    }
    let normalised = match frac {
        Some(f) => format!("{int}.{f}"),
        None => int.to_string(),
    };
    let value: f64 = normalised.parse().map_err(|_| not_a_number())?;
    if !value.is_finite() {
        return Err(not_a_number());
    }
    if !a.plausible().contains(&value) {
        return Err(ExamError::OutOfRange { analyte: a, value });
    }
    Ok(value)
}

/// Value with the analyte's decimals and a decimal comma: `1,20`, `4,5`, `180`.
pub fn format_value(a: Analyte, v: f64) -> String {
    format!("{:.*}", a.decimals(), v).replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_ascii_snake_case() {
        for a in Analyte::ALL {
            assert_eq!(Analyte::from_key(a.key()), Some(a));
            assert!(
                a.key()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                a.key()
            );
        }
        assert_eq!(Analyte::from_key("Colesterol_total"), None);
        assert_eq!(Analyte::Hba1c.key(), "hemoglobina_glicada");
        assert_eq!(Analyte::UricAcid.key(), "acido_urico");
    }

    #[test]
    fn units_and_decimals() {
        use Analyte::*;
        let table = [
            (TotalCholesterol, "mg/dL", 0),
            (Hdl, "mg/dL", 0),
            (Ldl, "mg/dL", 0),
            (Triglycerides, "mg/dL", 0),
            (FastingGlucose, "mg/dL", 0),
            (Hba1c, "%", 1),
            (Creatinine, "mg/dL", 2),
            (Potassium, "mEq/L", 1),
            (Sodium, "mEq/L", 0),
            (Urea, "mg/dL", 0),
            (UricAcid, "mg/dL", 1),
        ];
        for (a, unit, dec) in table {
            assert_eq!(a.unit(), unit, "{a:?}");
            assert_eq!(a.decimals(), dec, "{a:?}");
        }
    }

    #[test]
    fn every_range_edge_is_inclusive() {
        for a in Analyte::ALL {
            let r = a.plausible();
            let step = 10f64.powi(-(a.decimals() as i32));
            let txt = |v: f64| format_value(a, v);
            assert_eq!(parse_value(a, &txt(*r.start())), Ok(*r.start()), "{a:?}");
            assert_eq!(parse_value(a, &txt(*r.end())), Ok(*r.end()), "{a:?}");
            let below = *r.start() - step;
            if below >= 0.0 {
                assert!(
                    matches!(
                        parse_value(a, &txt(below)),
                        Err(ExamError::OutOfRange { .. })
                    ),
                    "{a:?} {below}"
                );
            }
            assert!(
                matches!(
                    parse_value(a, &txt(*r.end() + step)),
                    Err(ExamError::OutOfRange { .. })
                ),
                "{a:?}"
            );
        }
    }

    #[test]
    fn accepts_comma_or_dot_and_trims() {
        assert_eq!(parse_value(Analyte::Creatinine, " 1,2 "), Ok(1.2));
        assert_eq!(parse_value(Analyte::Creatinine, "1.25"), Ok(1.25));
        assert_eq!(parse_value(Analyte::Potassium, "4,5"), Ok(4.5));
        assert_eq!(parse_value(Analyte::Hba1c, "7"), Ok(7.0));
        assert_eq!(parse_value(Analyte::TotalCholesterol, "180"), Ok(180.0));
    }

    #[test]
    fn rejects_garbage() {
        let a = Analyte::Creatinine;
        assert_eq!(parse_value(a, "  "), Err(ExamError::Empty(a)));
        for bad in [
            "NaN", "inf", "-1", "+1", "1e1", "1,2,3", "1.2.3", ",5", "5,", "1 2", "abc", "1,0a",
        ] {
            assert!(
                matches!(parse_value(a, bad), Err(ExamError::NotANumber { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_value(a, "1,234"),
            Err(ExamError::TooManyDecimals { analyte: a })
        );
        // A thousands separator reads as too many decimals, never as 1.
        assert_eq!(
            parse_value(Analyte::Triglycerides, "1.000"),
            Err(ExamError::TooManyDecimals {
                analyte: Analyte::Triglycerides
            })
        );
        assert!(matches!(
            parse_value(Analyte::Triglycerides, "1,5"),
            Err(ExamError::TooManyDecimals { .. })
        ));
    }

    #[test]
    fn messages_name_analyte_unit_and_range_with_decimal_comma() {
        let m = parse_value(Analyte::Creatinine, "25")
            .expect_err("should fail")
            .message();
        assert!(m.contains("Creatinina"), "{m}");
        assert!(m.contains("0,1 a 20 mg/dL"), "{m}");
        let m = parse_value(Analyte::Potassium, "x")
            .expect_err("should fail")
            .message();
        assert!(m.contains("Potássio") && m.contains("1,5 a 9 mEq/L"), "{m}");
        let m = parse_value(Analyte::Hba1c, "")
            .expect_err("should fail")
            .message();
        assert!(m.contains("HbA1c") && m.contains("3 a 20 %"), "{m}");
        let m = parse_value(Analyte::Hdl, "4,5")
            .expect_err("should fail")
            .message();
        assert!(m.contains("HDL") && m.contains("5 a 200 mg/dL"), "{m}");
    }

    #[test]
    fn formats_with_decimal_comma() {
        assert_eq!(format_value(Analyte::Creatinine, 1.2), "1,20");
        assert_eq!(format_value(Analyte::Potassium, 4.46), "4,5");
        assert_eq!(format_value(Analyte::TotalCholesterol, 180.0), "180");
        assert_eq!(format_value(Analyte::Hba1c, 7.0), "7,0");
    }
}
