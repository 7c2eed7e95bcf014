//! Kidney function: estimated glomerular filtration rate (eGFR) by the **CKD-EPI 2021
//! race-free creatinine equation** (Inker LA et al., "New Creatinine- and Cystatin C–Based
//! Equations to Estimate GFR without Race", N Engl J Med 2021;385:1737-49) and the KDIGO 2012
//! GFR categories G1–G5.
//!
//! eGFR = 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^−1.200 × 0.9938^age × 1.012 [if female],
//! in mL/min/1.73 m², with Scr in mg/dL, κ = 0.7 (female) / 0.9 (male), α = −0.241 (female) /
//! −0.302 (male). The equation is validated for adults (≥ 18 years); the caller validates the
//! creatinine (e.g. with [`crate::clinical::exams::parse_value`]) before calling.

use super::sex::Sex;

pub const EQUATION: &str = "CKD-EPI 2021 (creatinina, sem raça)";

const KAPPA_FEMALE: f64 = 0.7;
const KAPPA_MALE: f64 = 0.9;
const ALPHA_FEMALE: f64 = -0.241;
const ALPHA_MALE: f64 = -0.302;
const EXPONENT_ABOVE: f64 = -1.200;
const AGE_FACTOR: f64 = 0.9938;
const FEMALE_FACTOR: f64 = 1.012;
const CONSTANT: f64 = 142.0;

/// eGFR in mL/min/1.73 m², unrounded. `creatinine_mg_dl` must be positive and finite.
pub fn egfr_ckd_epi_2021(creatinine_mg_dl: f64, age_years: u32, sex: Sex) -> f64 {
    let (kappa, alpha, sex_factor) = match sex {
        Sex::Female => (KAPPA_FEMALE, ALPHA_FEMALE, FEMALE_FACTOR),
        Sex::Male => (KAPPA_MALE, ALPHA_MALE, 1.0),
    };
    let ratio = creatinine_mg_dl / kappa;
    CONSTANT
        * ratio.min(1.0).powf(alpha)
        * ratio.max(1.0).powf(EXPONENT_ABOVE)
        * AGE_FACTOR.powi(age_years as i32)
        * sex_factor
}

/// KDIGO 2012 GFR category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CkdStage {
    /// ≥ 90: normal or high.
    G1,
    /// 60–89: mildly decreased.
    G2,
    /// 45–59: mildly to moderately decreased.
    G3a,
    /// 30–44: moderately to severely decreased.
    G3b,
    /// 15–29: severely decreased.
    G4,
    /// < 15: kidney failure.
    G5,
}

impl CkdStage {
    pub const ALL: [CkdStage; 6] = [
        CkdStage::G1,
        CkdStage::G2,
        CkdStage::G3a,
        CkdStage::G3b,
        CkdStage::G4,
        CkdStage::G5,
    ];

    /// Category of an eGFR. KDIGO bands are whole numbers and labs report eGFR as an integer,
    /// so the value is first rounded half-up to the integer the user sees (59.5 → 60 → G2):
    /// the stage always agrees with the number on the screen.
    pub fn from_egfr(egfr: f64) -> CkdStage {
        let shown = (egfr + 0.5).floor();
        if shown >= 90.0 {
            CkdStage::G1
        } else if shown >= 60.0 {
            CkdStage::G2
        } else if shown >= 45.0 {
            CkdStage::G3a
        } else if shown >= 30.0 {
            CkdStage::G3b
        } else if shown >= 15.0 {
            CkdStage::G4
        } else {
            CkdStage::G5
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            CkdStage::G1 => "g1",
            CkdStage::G2 => "g2",
            CkdStage::G3a => "g3a",
            CkdStage::G3b => "g3b",
            CkdStage::G4 => "g4",
            CkdStage::G5 => "g5",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Category with its band in mL/min/1.73 m².
    pub fn label(self) -> &'static str {
        match self {
            CkdStage::G1 => "G1 (≥ 90)",
            CkdStage::G2 => "G2 (60–89)",
            CkdStage::G3a => "G3a (45–59)",
            CkdStage::G3b => "G3b (30–44)",
            CkdStage::G4 => "G4 (15–29)",
            CkdStage::G5 => "G5 (< 15)",
        }
    }

    /// KDIGO wording, in Portuguese.
    pub fn description(self) -> &'static str {
        match self {
            CkdStage::G1 => "Normal ou elevada",
            CkdStage::G2 => "Levemente diminuída",
            CkdStage::G3a => "Leve a moderadamente diminuída",
            CkdStage::G3b => "Moderada a gravemente diminuída",
            CkdStage::G4 => "Gravemente diminuída",
            CkdStage::G5 => "Falência renal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 0.01
    }

    #[test]
    fn worked_values() {
        // Hand computations (ln 0.9938 = −0.0062193):
        // F, 50 y, Scr 0.7: Scr/κ = 1 → both min/max terms 1;
        //   0.9938^50 = e^(−0.31097) = 0.73278; 142 × 0.73278 × 1.012 = 105.30.
        // M, 60 y, Scr 1.0: Scr/κ = 1.1111; 1.1111^−1.2 = e^(−1.2 × 0.10536) = 0.88124;
        //   0.9938^60 = e^(−0.37316) = 0.68856; 142 × 0.88124 × 0.68856 = 86.16
        //   (the NKF calculator shows 86 for this case).
        // M, 40 y, Scr 0.9: ratio 1; 0.9938^40 = e^(−0.24877) = 0.77976; 142 × 0.77976 = 110.73.
        // F, 30 y, Scr 0.5: ratio 0.71429; 0.71429^−0.241 = e^(0.241 × 0.33647) = 1.08445;
        //   0.9938^30 = e^(−0.18658) = 0.82979; 142 × 1.08445 × 0.82979 × 1.012 = 129.32.
        // M, 70 y, Scr 2.0: ratio 2.2222; 2.2222^−1.2 = e^(−1.2 × 0.79851) = 0.38373;
        //   0.9938^70 = e^(−0.43535) = 0.64698; 142 × 0.38373 × 0.64698 = 35.25.
        let cases = [
            (0.7, 50, Sex::Female, 105.30),
            (1.0, 60, Sex::Male, 86.16),
            (0.9, 40, Sex::Male, 110.73),
            (0.5, 30, Sex::Female, 129.32),
            (2.0, 70, Sex::Male, 35.24),
            (1.5, 65, Sex::Female, 38.43),
            (5.0, 55, Sex::Male, 12.88),
            (0.8, 80, Sex::Female, 74.44),
        ];
        for (scr, age, sex, want) in cases {
            let got = egfr_ckd_epi_2021(scr, age, sex);
            assert!(close(got, want), "{scr} {age} {sex:?}: {got}");
        }
    }

    #[test]
    fn female_factor_and_kappa() {
        // Same creatinine at the female knot: female eGFR = male eGFR at its own knot × 1.012.
        let f = egfr_ckd_epi_2021(0.7, 50, Sex::Female);
        let m = egfr_ckd_epi_2021(0.9, 50, Sex::Male);
        assert!(close(f / m, 1.012));
        // Monotone: higher creatinine, lower eGFR; older, lower eGFR.
        assert!(egfr_ckd_epi_2021(1.2, 50, Sex::Male) < egfr_ckd_epi_2021(1.1, 50, Sex::Male));
        assert!(egfr_ckd_epi_2021(1.0, 51, Sex::Male) < egfr_ckd_epi_2021(1.0, 50, Sex::Male));
    }

    #[test]
    fn stage_edges() {
        let cases = [
            (120.0, CkdStage::G1),
            (90.0, CkdStage::G1),
            (89.5, CkdStage::G1),
            (89.49, CkdStage::G2),
            (89.0, CkdStage::G2),
            (60.0, CkdStage::G2),
            (59.5, CkdStage::G2),
            (59.49, CkdStage::G3a),
            (59.0, CkdStage::G3a),
            (45.0, CkdStage::G3a),
            (44.49, CkdStage::G3b),
            (44.0, CkdStage::G3b),
            (30.0, CkdStage::G3b),
            (29.49, CkdStage::G4),
            (29.0, CkdStage::G4),
            (15.0, CkdStage::G4),
            (14.49, CkdStage::G5),
            (14.0, CkdStage::G5),
            (3.0, CkdStage::G5),
        ];
        for (egfr, want) in cases {
            assert_eq!(CkdStage::from_egfr(egfr), want, "{egfr}");
        }
        assert_eq!(
            CkdStage::from_egfr(egfr_ckd_epi_2021(2.0, 70, Sex::Male)),
            CkdStage::G3b
        );
    }

    #[test]
    fn stage_keys_and_labels() {
        for s in CkdStage::ALL {
            assert_eq!(CkdStage::from_key(s.key()), Some(s));
        }
        assert_eq!(CkdStage::G3a.label(), "G3a (45–59)");
        assert_eq!(CkdStage::from_key("G3A"), None);
    }
}
