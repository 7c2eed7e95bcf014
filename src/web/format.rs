//! Brazilian formats for what the pages show: dates `dd/mm/aaaa`, numbers `1.234,5`,
//! ages "67 a", blood pressure `142/91 mmHg`.

use chrono::NaiveDate;

pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Integer with `.` thousands separators.
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// One decimal with a comma.
pub fn decimal1(x: f64) -> String {
    let s = format!("{x:.1}");
    s.replace('.', ",")
}

pub fn bp(systolic: i32, diastolic: i32) -> String {
    format!("{systolic}/{diastolic} mmHg")
}

/// "há 4 min", "há 2 h", "há 3 dias".
pub fn ago(minutes: i64) -> String {
    match minutes {
        m if m < 1 => "agora há pouco".into(),
        m if m < 60 => format!("há {m} min"),
        m if m < 60 * 48 => format!("há {} h", m / 60),
        m => format!("há {} dias", m / (60 * 24)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brazilian_formats() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1234), "1.234");
        assert_eq!(int(1234567), "1.234.567");
        assert_eq!(decimal1(58.25), "58,2");
        assert_eq!(decimal1(100.0), "100,0");
        assert_eq!(bp(142, 91), "142/91 mmHg");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()),
            "02/03/2026"
        );
        assert_eq!(ago(0), "agora há pouco");
        assert_eq!(ago(4), "há 4 min");
        assert_eq!(ago(125), "há 2 h");
        assert_eq!(ago(60 * 24 * 3), "há 3 dias");
    }
}
