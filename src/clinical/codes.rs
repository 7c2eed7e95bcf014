//! Clinical code lists and occupation codes, as data with their provenance.
//!
//! Lists are matched by **natural code** (`tb_ciap.co_ciap`, `tb_cid10.nu_cid10`,
//! `tb_cbo.co_cbo_2002`), never by the PEC's surrogate ids.

use super::indicator::normalise_code;

/// A code list with the rule it comes from.
#[derive(Debug, Clone, Copy)]
pub struct CodeList {
    pub name: &'static str,
    /// Ordinance, technical note or edition the list follows.
    pub source: &'static str,
    /// CIAP-2 codes, exact match.
    pub ciap: &'static [&'static str],
    /// CID-10 codes; an entry matches the code itself and every subcode
    /// (`I11` matches `I11`, `I110`, `I11.0`, `I119`).
    pub cid10_prefixes: &'static [&'static str],
}

impl CodeList {
    /// Whether a CIAP code belongs to the list (case, blanks, dots and dashes ignored).
    pub fn matches_ciap(&self, code: &str) -> bool {
        let code = normalise_code(code);
        self.ciap.iter().any(|c| c.eq_ignore_ascii_case(&code))
    }

    /// Whether a CID-10 code belongs to the list. Case, blanks, dots and dashes are ignored:
    /// the PEC stores both `I10` and `I11.0`/`I110` styles.
    pub fn matches_cid10(&self, code: &str) -> bool {
        let normal = normalise_code(code);
        !normal.is_empty() && self.cid10_prefixes.iter().any(|p| normal.starts_with(p))
    }
}

/// Hypertension as defined by indicator C5 (2026 edition of the Notas Metodológicas C1–C7,
/// cofinancing model of Portaria GM/MS nº 3.493/2024).
pub const HYPERTENSION_C5: CodeList = CodeList {
    name: "Hipertensão (C5)",
    source: "Nota Metodológica C5 — Cuidado da pessoa com hipertensão, edição 2026 (Portaria GM/MS nº 3.493/2024)",
    ciap: &["K86", "K87"],
    cid10_prefixes: &["I10", "I11", "I12", "I13", "I15", "O10", "O11"],
};

/// Diabetes as defined by indicator C4 (same edition).
pub const DIABETES_C4: CodeList = CodeList {
    name: "Diabetes (C4)",
    source: "Nota Metodológica C4 — Cuidado da pessoa com diabetes, edição 2026 (Portaria GM/MS nº 3.493/2024)",
    ciap: &["T89", "T90"],
    cid10_prefixes: &["E10", "E11", "E14"],
};

// Catalogue *ids* (problem situations, act types, home-visit outcomes) are not here: they are
// local to each PEC and resolved by name at run time (`esus::catalogue`).

/// CBO 2002 families whose individual visits count as consultations for C2–C7: physicians
/// (2231, 2251, 2252, 2253) and nurses (2235).
pub const CONSULTATION_CBO_FAMILIES: &[&str] = &["2231", "2251", "2252", "2253", "2235"];

/// CBO 2002 of community health agents (ACS) and territorial health agents (TACS).
pub const ACS_CBO: &[&str] = &["515105", "322255"];

/// Whether a CBO 2002 code is a physician or nurse occupation.
pub fn is_consultation_cbo(cbo: &str) -> bool {
    let cbo = cbo.trim();
    CONSULTATION_CBO_FAMILIES.iter().any(|f| cbo.starts_with(f))
}

/// Whether a CBO 2002 code is an ACS or TACS.
pub fn is_acs_cbo(cbo: &str) -> bool {
    ACS_CBO.contains(&cbo.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypertension_codes() {
        for c in ["K86", "k87", " K86 "] {
            assert!(HYPERTENSION_C5.matches_ciap(c), "{c}");
        }
        assert!(!HYPERTENSION_C5.matches_ciap("K85"));
        for c in ["I10", "I11.9", "I119", "I150", "O10.0", "O11", "i13.2"] {
            assert!(HYPERTENSION_C5.matches_cid10(c), "{c}");
        }
        for c in ["I14", "I20", "E11", "O12", ""] {
            assert!(!HYPERTENSION_C5.matches_cid10(c), "{c}");
        }
    }

    #[test]
    fn occupations() {
        assert!(is_consultation_cbo("225142"));
        assert!(is_consultation_cbo("223565"));
        assert!(!is_consultation_cbo("322245"), "nursing technician");
        assert!(!is_consultation_cbo("515105"), "ACS");
        assert!(is_acs_cbo("515105") && is_acs_cbo("322255"));
        assert!(!is_acs_cbo("225142"));
    }
}
