//! PEC rows the read-model refresh cannot use: counted per kind, never a reason to fail the
//! whole refresh. The PEC is written by other software, over years, and a municipality's
//! database holds what it holds: free-text vital signs, dates typed by hand, columns the
//! mirror declares NOT NULL that a real PEC left empty.
//!
//! What the refresh does with each kind:
//!
//! * [`Skip::BloodPressureText`] — a blood-pressure text with a slash that is not a plausible
//!   reading (`'12O/80'`, `'/'`, `'120/80/70'`): that measurement is skipped.
//! * [`Skip::BirthDate`] — a birth date before 1900 or after today: the date is ignored (the
//!   person stays on the list, without age).
//! * [`Skip::NameLength`] — a name longer than [`MAX_NAME_CHARS`] characters: the person is
//!   skipped (no screen can show it, and it is not a name).
//! * [`Skip::NullRequired`] — a NULL where the mirror has NOT NULL (a person without a name, a
//!   team link without a team, a measurement without a date): that row is skipped.
//!
//! The counts go to the metric `sistema_aps_read_model_skipped_rows{read_model, kind}` after
//! each refresh, to the log (with the first ids, never names), and to `sistema-aps pec check`.

use chrono::NaiveDate;

use crate::clinical::blood_pressure::Reading;

/// Longest name the refresh accepts (characters). The PEC's own form takes far less.
pub const MAX_NAME_CHARS: usize = 200;

/// A kind of unusable PEC row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skip {
    BloodPressureText,
    BirthDate,
    NameLength,
    NullRequired,
}

impl Skip {
    pub const ALL: [Skip; 4] = [
        Skip::BloodPressureText,
        Skip::BirthDate,
        Skip::NameLength,
        Skip::NullRequired,
    ];

    /// The metric label and JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Skip::BloodPressureText => "blood_pressure_text",
            Skip::BirthDate => "birth_date",
            Skip::NameLength => "name_length",
            Skip::NullRequired => "null_required",
        }
    }

    /// What it is and what the refresh did with it, in Portuguese (`pec check`).
    pub fn label(self) -> &'static str {
        match self {
            Skip::BloodPressureText => {
                "pressão arterial em texto com barra que não é uma leitura válida (medição ignorada)"
            }
            Skip::BirthDate => {
                "data de nascimento antes de 1900 ou no futuro (data ignorada; a pessoa continua na lista)"
            }
            Skip::NameLength => "nome com mais de 200 caracteres (pessoa ignorada)",
            Skip::NullRequired => {
                "campo obrigatório vazio (NULL) em uma linha lida (linha ignorada)"
            }
        }
    }

    fn index(self) -> usize {
        match self {
            Skip::BloodPressureText => 0,
            Skip::BirthDate => 1,
            Skip::NameLength => 2,
            Skip::NullRequired => 3,
        }
    }
}

/// How many rows of each kind one refresh skipped, with the first ids of each (for the log).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    counts: [u64; 4],
    examples: [Vec<i64>; 4],
}

/// Ids kept per kind for the log line.
const EXAMPLES: usize = 10;

impl Skipped {
    /// Counts one row of `kind`; `id` is the citizen (or row) it belongs to, when known.
    pub fn add(&mut self, kind: Skip, id: Option<i64>) {
        let i = kind.index();
        self.counts[i] += 1;
        if let Some(id) = id
            && self.examples[i].len() < EXAMPLES
        {
            self.examples[i].push(id);
        }
    }

    /// Adds another refresh's counts (and examples, up to ten per kind).
    pub fn merge(&mut self, other: &Skipped) {
        for i in 0..self.counts.len() {
            self.counts[i] += other.counts[i];
            for id in &other.examples[i] {
                if self.examples[i].len() < EXAMPLES {
                    self.examples[i].push(*id);
                }
            }
        }
    }

    pub fn count(&self, kind: Skip) -> u64 {
        self.counts[kind.index()]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Up to ten ids of rows of `kind`.
    pub fn examples(&self, kind: Skip) -> &[i64] {
        &self.examples[kind.index()]
    }

    /// Logs one warning per kind with rows skipped (ids only: no name, CPF or CNS).
    pub fn log(&self, read_model: &str) {
        for kind in Skip::ALL {
            let n = self.count(kind);
            if n > 0 {
                tracing::warn!(
                    read_model,
                    kind = kind.key(),
                    rows = n,
                    first_ids = ?self.examples(kind),
                    "read model refresh skipped unusable PEC rows"
                );
            }
        }
    }
}

/// A birth date the app can use: from 1900 to `today`.
pub fn plausible_birth(birth: NaiveDate, today: NaiveDate) -> bool {
    NaiveDate::from_ymd_opt(1900, 1, 1).is_some_and(|min| birth >= min) && birth <= today
}

/// A PEC blood-pressure text that looks like a reading (it has a slash) but is not one.
pub fn corrupt_bp_text(text: &str) -> bool {
    text.contains('/') && Reading::parse(text).is_none()
}

/// A name the app can show.
pub fn usable_name(name: &str) -> bool {
    name.chars().count() <= MAX_NAME_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert!(!plausible_birth(d(1800, 1, 1), today));
        assert!(!plausible_birth(d(1899, 12, 31), today));
        assert!(plausible_birth(d(1900, 1, 1), today));
        assert!(plausible_birth(today, today));
        assert!(!plausible_birth(d(2026, 12, 8), today));
    }

    #[test]
    fn bp_texts() {
        assert!(corrupt_bp_text("12O/80"));
        assert!(corrupt_bp_text("/"));
        assert!(corrupt_bp_text("120/80/70"));
        assert!(corrupt_bp_text("alta/baixa"));
        assert!(!corrupt_bp_text("130/85"));
        assert!(!corrupt_bp_text(" 130 / 85 "));
        assert!(!corrupt_bp_text("sem medida")); // no slash: not a reading attempt
    }

    #[test]
    fn names_and_counts() {
        assert!(usable_name(&"A".repeat(200)));
        assert!(!usable_name(&"A".repeat(201)));
        assert!(usable_name(&"Ç".repeat(200))); // characters, not bytes
        let mut s = Skipped::default();
        for id in 0..12 {
            s.add(Skip::NameLength, Some(id));
        }
        s.add(Skip::BirthDate, None);
        assert_eq!(s.count(Skip::NameLength), 12);
        assert_eq!(s.examples(Skip::NameLength).len(), 10);
        assert_eq!(s.count(Skip::BirthDate), 1);
        assert_eq!(s.count(Skip::NullRequired), 0);
        assert_eq!(s.total(), 13);
    }
}
