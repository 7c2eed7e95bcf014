//! Reading a submitted form: every problem becomes a Portuguese message for one field
//! ([`Errors`]); numbers and dates typed the Brazilian way; the id in a path. Shared by every
//! programme's forms; the markup that shows the fields and their messages is in
//! [`super::components`].

use std::ops::RangeInclusive;

use chrono::NaiveDate;

use crate::programs::hypertension::patient::FieldError;

use super::error::WebError;
use super::session::FormData;

/// Messages for the fields of one form.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub(crate) fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    pub(crate) fn of(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }
    pub(crate) fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The id in a path: anything but a positive integer is a page that does not exist.
pub(crate) fn path_id(raw: &str) -> Result<i64, WebError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(WebError::NotFound)
}

/// A date typed as `aaaa-mm-dd` (date inputs) or `dd/mm/aaaa`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()?;
    use chrono::Datelike;
    (1900..=2200).contains(&d.year()).then_some(d)
}

pub(crate) fn date_field(
    errors: &mut Errors,
    form: &FormData,
    field: &str,
    label: &str,
) -> Option<NaiveDate> {
    let t = form.get(field).trim();
    if t.is_empty() {
        errors.push(field, format!("Informe {label}."));
        return None;
    }
    let d = parse_date(t);
    if d.is_none() {
        errors.push(
            field,
            format!("{t:?} não é uma data válida: use dd/mm/aaaa."),
        );
    }
    d
}

/// A whole number in `range`; `None` with a message when it is not.
pub(crate) fn int_field(
    errors: &mut Errors,
    form: &FormData,
    field: &str,
    label: &str,
    range: RangeInclusive<i64>,
    required: bool,
) -> Option<i64> {
    let t = form.get(field).trim();
    if t.is_empty() {
        if required {
            errors.push(field, format!("Informe {label}."));
        }
        return None;
    }
    let out_of_range = format!(
        "{label}: informe um número de {} a {}.",
        range.start(),
        range.end()
    );
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(field, format!("{label}: \"{t}\" não é um número inteiro."));
        return None;
    }
    match t.parse::<i64>().ok().filter(|v| range.contains(v)) {
        Some(v) => Some(v),
        None => {
            errors.push(field, out_of_range);
            None
        }
    }
}

/// A decimal with comma or dot (`12,5`, `12.5`) in `range`.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 12 {
        return None;
    }
    let (int, frac) = match t.find([',', '.']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let v: f64 = match frac {
        Some(f) => format!("{int}.{f}").parse().ok()?,
        None => int.parse().ok()?,
    };
    v.is_finite().then_some(v)
}

pub(crate) fn decimal_field(
    errors: &mut Errors,
    form: &FormData,
    field: &str,
    label: &str,
    unit: &str,
    range: RangeInclusive<f64>,
    required: bool,
) -> Option<f64> {
    let t = form.get(field).trim();
    if t.is_empty() {
        if required {
            errors.push(field, format!("Informe {label}."));
        }
        return None;
    }
    let bounds = format!(
        "{} a {} {unit}",
        format_number(*range.start()),
        format_number(*range.end())
    );
    match parse_decimal(t) {
        None => {
            errors.push(
                field,
                format!("{label}: \"{t}\" não é um número válido (use vírgula para decimais; faixa aceita {bounds})."),
            );
            None
        }
        Some(v) if !range.contains(&v) => {
            errors.push(field, format!("{label}: fora da faixa aceita ({bounds})."));
            None
        }
        Some(v) => Some(v),
    }
}

/// A number with a decimal comma and no trailing zeros.
pub(crate) fn format_number(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

pub(crate) fn text(form: &FormData, field: &str) -> Option<String> {
    let t = form.get(field).trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub(crate) fn yes(form: &FormData, field: &str) -> bool {
    matches!(form.get(field), "sim" | "1" | "on")
}

pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn short_date(d: NaiveDate) -> String {
    d.format("%d/%m/%y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_parse_robustly() {
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal(" 12.5 "), Some(12.5));
        assert_eq!(parse_decimal("80"), Some(80.0));
        for bad in [
            "",
            "abc",
            "1,2,3",
            "-3",
            "1e9",
            ",5",
            "5,",
            "99999999999999999999",
            "NaN",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(
            parse_date("2026-03-02"),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
        assert_eq!(
            parse_date("02/03/2026"),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
        for bad in ["", "31/02/2026", "2026-13-01", "ontem", "01/01/0001"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(format_number(12.5), "12,5");
        assert_eq!(format_number(80.0), "80");
    }
}
