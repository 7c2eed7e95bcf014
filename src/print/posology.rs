//! Posology in Portuguese: at what times a tablet is taken, and the line printed under each
//! prescribed item ("Tomar 1 comprimido às 06:00 e às 18:00").
//!
//! The schedule is the one the teams already use (`reference-system.md` §1.6): once a day at
//! 06:00; twice at 06:00 and 18:00; three times at 06:00, 14:00 and 22:00; four times at 06:00,
//! 12:00, 18:00 and 00:00.

/// The intake times for `frequency` intakes a day (1..=4); empty for any other frequency.
pub fn intake_times(frequency: i32) -> &'static [&'static str] {
    match frequency {
        1 => &["06:00"],
        2 => &["06:00", "18:00"],
        3 => &["06:00", "14:00", "22:00"],
        4 => &["06:00", "12:00", "18:00", "00:00"],
        _ => &[],
    }
}

/// "comprimido" or "comprimidos".
pub fn tablets(n: i64) -> &'static str {
    if n == 1 { "comprimido" } else { "comprimidos" }
}

/// The posology line for `dose` tablets per intake, `frequency` intakes a day:
/// "Tomar 2 comprimidos às 06:00, às 14:00 e às 22:00". A frequency outside 1..=4 has no
/// schedule and reads "Tomar 1 comprimido 6 vezes ao dia" (the PDF refuses such items before).
pub fn posology(dose: i32, frequency: i32) -> String {
    let what = format!("Tomar {dose} {}", tablets(i64::from(dose)));
    let times = intake_times(frequency);
    match times {
        [] => {
            let vezes = if frequency == 1 { "vez" } else { "vezes" };
            format!("{what} {frequency} {vezes} ao dia")
        }
        [only] => format!("{what} às {only}"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|t| format!("às {t}")).collect();
            format!("{what} {} e às {last}", init.join(", "))
        }
    }
}

/// The insulin posology: "Aplicar 20 UI às 07:00 e 10 UI às 22:00, via subcutânea".
pub fn insulin_posology(applications: &[(String, i32)]) -> String {
    let parts: Vec<String> = applications
        .iter()
        .map(|(t, u)| format!("{u} UI às {t}"))
        .collect();
    let list = match parts.as_slice() {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} e {last}", init.join(", ")),
    };
    format!("Aplicar {list}, via subcutânea")
}

/// Insulin pens (300 UI each) for 30 days of `daily_units`, rounded up.
pub fn pens_for_30_days(daily_units: i32) -> i64 {
    (i64::from(daily_units.max(0)) * 30 + 299) / 300
}

/// "caneta" or "canetas".
pub fn pens(n: i64) -> &'static str {
    if n == 1 { "caneta" } else { "canetas" }
}

/// Tablets for 30 days: dose × frequency × 30 (in `i64`, so no input overflows).
pub fn quantity_for_30_days(dose: i32, frequency: i32) -> i64 {
    i64::from(dose) * i64::from(frequency) * 30
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_by_frequency() {
        assert_eq!(intake_times(1), ["06:00"]);
        assert_eq!(intake_times(2), ["06:00", "18:00"]);
        assert_eq!(intake_times(3), ["06:00", "14:00", "22:00"]);
        assert_eq!(intake_times(4), ["06:00", "12:00", "18:00", "00:00"]);
        assert!(intake_times(0).is_empty());
        assert!(intake_times(5).is_empty());
        assert!(intake_times(-1).is_empty());
    }

    #[test]
    fn posology_lines_singular_and_plural() {
        assert_eq!(posology(1, 1), "Tomar 1 comprimido às 06:00");
        assert_eq!(posology(1, 2), "Tomar 1 comprimido às 06:00 e às 18:00");
        assert_eq!(posology(2, 2), "Tomar 2 comprimidos às 06:00 e às 18:00");
        assert_eq!(
            posology(1, 3),
            "Tomar 1 comprimido às 06:00, às 14:00 e às 22:00"
        );
        assert_eq!(
            posology(3, 4),
            "Tomar 3 comprimidos às 06:00, às 12:00, às 18:00 e às 00:00"
        );
    }

    #[test]
    fn posology_outside_the_schedule_still_reads() {
        assert_eq!(posology(1, 6), "Tomar 1 comprimido 6 vezes ao dia");
        assert_eq!(posology(2, 0), "Tomar 2 comprimidos 0 vezes ao dia");
    }

    #[test]
    fn insulin_lines_and_pens() {
        let apps = vec![("07:00".to_string(), 20), ("22:00".to_string(), 10)];
        assert_eq!(
            insulin_posology(&apps),
            "Aplicar 20 UI às 07:00 e 10 UI às 22:00, via subcutânea"
        );
        assert_eq!(pens_for_30_days(30), 3);
        assert_eq!(pens_for_30_days(31), 4);
        assert_eq!(pens_for_30_days(1), 1);
        assert_eq!(pens(1), "caneta");
    }

    #[test]
    fn quantity_is_dose_times_frequency_times_30() {
        assert_eq!(quantity_for_30_days(1, 2), 60);
        assert_eq!(quantity_for_30_days(2, 3), 180);
        assert_eq!(quantity_for_30_days(i32::MAX, 4), i64::from(i32::MAX) * 120);
        assert_eq!(tablets(1), "comprimido");
        assert_eq!(tablets(60), "comprimidos");
    }
}
