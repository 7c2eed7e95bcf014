//! Sex as recorded for clinical equations (eGFR, cardiovascular-risk charts). The equations
//! published so far are defined for female/male only; the PEC records `F`/`M`.

/// Sex used by clinical equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub const ALL: [Sex; 2] = [Sex::Female, Sex::Male];

    /// Stable key (`"F"`/`"M"`), as the PEC stores it.
    pub fn key(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }

    /// Accepts `F`/`M` in any case, surrounded by whitespace.
    pub fn from_key(key: &str) -> Option<Self> {
        let key = key.trim();
        Self::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(key))
    }

    /// The word a user reads.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Feminino",
            Sex::Male => "Masculino",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_accept_case_and_spaces() {
        for s in Sex::ALL {
            assert_eq!(Sex::from_key(s.key()), Some(s));
        }
        assert_eq!(Sex::from_key(" f "), Some(Sex::Female));
        assert_eq!(Sex::from_key("m"), Some(Sex::Male));
        for bad in ["", "X", "FM", "Feminino", "1"] {
            assert_eq!(Sex::from_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn labels_are_portuguese() {
        assert_eq!(Sex::Female.label(), "Feminino");
        assert_eq!(Sex::Male.label(), "Masculino");
    }
}
