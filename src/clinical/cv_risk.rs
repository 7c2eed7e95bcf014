//! Ten-year cardiovascular risk by the WHO/HEARTS risk charts (WHO CVD Risk Chart Working
//! Group, "World Health Organization cardiovascular disease risk charts: revised models to
//! estimate risk in 21 global regions", Lancet Glob Health 2019;7(10):e1332-e1345; used by the
//! HEARTS technical package), region **Tropical Latin America** (Brazil, Paraguay).
//!
//! Risk = probability of a first fatal or non-fatal myocardial infarction/coronary event or
//! stroke in 10 years, for people aged 40–74 without established cardiovascular disease.
//!
//! # What is implemented, and where the numbers come from
//!
//! * **Laboratory-based chart: implemented as DATA** — the full published chart for Tropical
//!   Latin America, 1 400 cells ([`LAB_CHART`]: diabetes × sex × smoking × 7 age bands × 5
//!   total-cholesterol bands × 5 systolic bands), each cell the chart's whole-number percentage.
//!   Transcribed from the Tropical Latin America column of the WHO 2019 lab chart as published
//!   in two independent public codebases that agree on every cell we compared:
//!   `fyuecesena/CVD_risk_Brazil` (`WHO_CVD_risk_Brazil.R`, Cesena et al., ELSA-Brasil
//!   percentiles; all 1 400 cells) and `DylanRJCollins/whoishRisk`
//!   (`inst/extdata/WHO_2019_Scores.csv`, column `TRO_LAT_AME`; the 35+ cells of the
//!   non-diabetic, non-smoking male panel were compared one by one). The tests pin several
//!   cells and check that the table is monotone in every risk factor, which catches most
//!   transcription slips.
//! * **Non-laboratory chart (BMI instead of cholesterol and diabetes): NOT implemented — data
//!   missing.** We did not find the Tropical Latin America non-laboratory chart cells, nor the
//!   model coefficients with the region's recalibration, in a source we could verify, and we do
//!   not invent them. The band structure ([`BmiBand`]) is here, but [`assess`] answers
//!   [`RiskError::NonLaboratoryChartUnavailable`] for a person without cholesterol until the
//!   chart is transcribed from the WHO/HEARTS publication into `NON_LAB_CHART`.
//!
//! Band edges follow the charts: age 40–44 … 70–74; systolic < 120, 120–139, 140–159,
//! 160–179, ≥ 180 mmHg; total cholesterol < 4, 4–4.9, 5–5.9, 6–6.9, ≥ 7 mmol/L (Brazilian labs
//! report mg/dL; converted with 38.67 mg/dL per mmol/L); BMI < 20, 20–24, 25–29, 30–34, ≥ 35.

use super::sex::Sex;
use thiserror::Error;

/// The source of the numbers, shown next to the result.
pub const CHART_EDITION: &str = "Tabela de risco OMS/HEARTS 2019 (WHO CVD Risk Chart Working \
     Group, Lancet Glob Health 2019;7:e1332-45), versão laboratorial, região América Latina \
     Tropical (Brasil e Paraguai)";

/// mg/dL of total cholesterol per mmol/L.
pub const CHOLESTEROL_MG_DL_PER_MMOL_L: f64 = 38.67;

/// Ages the charts cover, both ends included.
pub const MIN_AGE: u32 = 40;
pub const MAX_AGE: u32 = 74;

/// Accepted systolic pressure (mmHg), as for office readings.
pub const SYSTOLIC_RANGE: std::ops::RangeInclusive<i32> = super::blood_pressure::SYSTOLIC_RANGE;
/// Accepted BMI (kg/m²): outside is a typing or measurement error.
pub const BMI_RANGE: std::ops::RangeInclusive<f64> = 10.0..=80.0;

/// Which chart produced the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Laboratory,
    NonLaboratory,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Laboratory => "laboratorial",
            Method::NonLaboratory => "nao_laboratorial",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Method::Laboratory, Method::NonLaboratory]
            .into_iter()
            .find(|m| m.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::Laboratory => "Laboratorial",
            Method::NonLaboratory => "Não laboratorial",
        }
    }
}

/// What the charts need. Laboratory-based when the total cholesterol is known; otherwise the
/// non-laboratory chart, which needs the BMI (and ignores diabetes: people with diabetes
/// should have their cholesterol measured).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    pub age: u32,
    pub sex: Sex,
    pub smoker: bool,
    pub diabetes: bool,
    pub systolic: i32,
    pub total_cholesterol_mg_dl: Option<f64>,
    pub bmi: Option<f64>,
}

/// The colour bands of the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskBand {
    Below5,
    From5To10,
    From10To20,
    From20To30,
    AtLeast30,
}

impl RiskBand {
    pub const ALL: [RiskBand; 5] = [
        RiskBand::Below5,
        RiskBand::From5To10,
        RiskBand::From10To20,
        RiskBand::From20To30,
        RiskBand::AtLeast30,
    ];

    /// Band of a 10-year risk in percent: < 5, 5 to < 10, 10 to < 20, 20 to < 30, ≥ 30.
    pub fn from_percent(percent: f64) -> RiskBand {
        if percent < 5.0 {
            RiskBand::Below5
        } else if percent < 10.0 {
            RiskBand::From5To10
        } else if percent < 20.0 {
            RiskBand::From10To20
        } else if percent < 30.0 {
            RiskBand::From20To30
        } else {
            RiskBand::AtLeast30
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RiskBand::Below5 => "abaixo_5",
            RiskBand::From5To10 => "5_a_10",
            RiskBand::From10To20 => "10_a_20",
            RiskBand::From20To30 => "20_a_30",
            RiskBand::AtLeast30 => "30_ou_mais",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskBand::Below5 => "< 5%",
            RiskBand::From5To10 => "5% a < 10%",
            RiskBand::From10To20 => "10% a < 20%",
            RiskBand::From20To30 => "20% a < 30%",
            RiskBand::AtLeast30 => "≥ 30%",
        }
    }

    pub fn level(self) -> &'static str {
        match self {
            RiskBand::Below5 => "Baixo",
            RiskBand::From5To10 => "Moderado",
            RiskBand::From10To20 => "Alto",
            RiskBand::From20To30 => "Muito alto",
            RiskBand::AtLeast30 => "Crítico",
        }
    }

    /// CSS-friendly colour key of the chart band.
    pub fn colour(self) -> &'static str {
        match self {
            RiskBand::Below5 => "verde",
            RiskBand::From5To10 => "amarelo",
            RiskBand::From10To20 => "laranja",
            RiskBand::From20To30 => "vermelho",
            RiskBand::AtLeast30 => "vermelho-escuro",
        }
    }
}

/// Result of an assessment: the chart cell (whole percent), its band and the chart used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub percent: f64,
    pub band: RiskBand,
    pub method: Method,
}

/// Why the charts cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum RiskError {
    #[error("Idade {0} anos: a tabela de risco da OMS/HEARTS só se aplica de 40 a 74 anos.")]
    AgeOutOfRange(u32),
    #[error("Sem colesterol total, informe o IMC para usar a tabela não laboratorial.")]
    MissingBmi,
    #[error(
        "A tabela não laboratorial (com IMC) da região América Latina Tropical ainda não está \
         disponível no sistema; informe o colesterol total para usar a tabela laboratorial."
    )]
    NonLaboratoryChartUnavailable,
    #[error("Pressão sistólica {0} mmHg fora da faixa aceita (50 a 300 mmHg).")]
    ImplausibleSystolic(i32),
    #[error("Colesterol total {0} mg/dL fora da faixa aceita (50 a 1000 mg/dL).")]
    ImplausibleCholesterol(f64),
    #[error("IMC {0} kg/m² fora da faixa aceita (10 a 80 kg/m²).")]
    ImplausibleBmi(f64),
}

impl RiskError {
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Chart row of an age: 0 = 40–44 … 6 = 70–74; `None` outside 40–74.
pub fn age_band(age: u32) -> Option<usize> {
    (MIN_AGE..=MAX_AGE)
        .contains(&age)
        .then(|| ((age - MIN_AGE) / 5) as usize)
}

/// Chart column of a systolic pressure: 0 = < 120, 1 = 120–139, 2 = 140–159, 3 = 160–179,
/// 4 = ≥ 180.
pub fn systolic_band(systolic: i32) -> usize {
    match systolic {
        ..120 => 0,
        120..140 => 1,
        140..160 => 2,
        160..180 => 3,
        _ => 4,
    }
}

/// Chart band of a total cholesterol in mmol/L: 0 = < 4, 1 = 4–4.9, 2 = 5–5.9, 3 = 6–6.9,
/// 4 = ≥ 7.
pub fn cholesterol_band_mmol(mmol_l: f64) -> usize {
    if mmol_l < 4.0 {
        0
    } else if mmol_l < 5.0 {
        1
    } else if mmol_l < 6.0 {
        2
    } else if mmol_l < 7.0 {
        3
    } else {
        4
    }
}

/// mg/dL → mmol/L.
pub fn cholesterol_mmol_l(mg_dl: f64) -> f64 {
    mg_dl / CHOLESTEROL_MG_DL_PER_MMOL_L
}

/// BMI band of the non-laboratory chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BmiBand {
    Below20,
    From20To24,
    From25To29,
    From30To34,
    AtLeast35,
}

impl BmiBand {
    /// < 20, 20–24 (20 ≤ BMI < 25), 25–29, 30–34, ≥ 35 kg/m².
    pub fn from_bmi(bmi: f64) -> BmiBand {
        if bmi < 20.0 {
            BmiBand::Below20
        } else if bmi < 25.0 {
            BmiBand::From20To24
        } else if bmi < 30.0 {
            BmiBand::From25To29
        } else if bmi < 35.0 {
            BmiBand::From30To34
        } else {
            BmiBand::AtLeast35
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BmiBand::Below20 => "< 20",
            BmiBand::From20To24 => "20–24",
            BmiBand::From25To29 => "25–29",
            BmiBand::From30To34 => "30–34",
            BmiBand::AtLeast35 => "≥ 35",
        }
    }
}

/// Looks up the laboratory chart: `[diabetes][sex: 0 male, 1 female][smoker][age band]
/// [cholesterol band][systolic band]`, whole percent.
fn lab_cell(diabetes: bool, sex: Sex, smoker: bool, age: usize, chol: usize, sbp: usize) -> u8 {
    let sex = match sex {
        Sex::Male => 0,
        Sex::Female => 1,
    };
    LAB_CHART[usize::from(diabetes)][sex][usize::from(smoker)][age][chol][sbp]
}

/// Ten-year risk from the charts (see the module docs for what is and is not available).
pub fn assess(i: &Inputs) -> Result<Assessment, RiskError> {
    let age = age_band(i.age).ok_or(RiskError::AgeOutOfRange(i.age))?;
    if !SYSTOLIC_RANGE.contains(&i.systolic) {
        return Err(RiskError::ImplausibleSystolic(i.systolic));
    }
    match i.total_cholesterol_mg_dl {
        Some(mg) => {
            let plausible = super::exams::Analyte::TotalCholesterol.plausible();
            if !mg.is_finite() || !plausible.contains(&mg) {
                return Err(RiskError::ImplausibleCholesterol(mg));
            }
            let chol = cholesterol_band_mmol(cholesterol_mmol_l(mg));
            let cell = lab_cell(
                i.diabetes,
                i.sex,
                i.smoker,
                age,
                chol,
                systolic_band(i.systolic),
            );
            let percent = f64::from(cell);
            Ok(Assessment {
                percent,
                band: RiskBand::from_percent(percent),
                method: Method::Laboratory,
            })
        }
        None => {
            let bmi = i.bmi.ok_or(RiskError::MissingBmi)?;
            if !bmi.is_finite() || !BMI_RANGE.contains(&bmi) {
                return Err(RiskError::ImplausibleBmi(bmi));
            }
            // The non-laboratory chart for Tropical Latin America is not transcribed yet
            // (module docs): refuse rather than guess.
            Err(RiskError::NonLaboratoryChartUnavailable)
        }
    }
}

/// One chart panel: `[cholesterol band][systolic band]`, whole percent.
pub type Panel = [[u8; 5]; 5];
/// Panels of the 7 age bands, 40–44 first.
pub type AgePanels = [Panel; 7];
/// `[diabetes][sex: male, female][smoker]` → age panels.
pub type LabChart = [[[AgePanels; 2]; 2]; 2];

/// WHO/HEARTS 2019 laboratory-based chart, Tropical Latin America: whole-percent 10-year risk,
/// `[diabetes][sex: male, female][smoker][age 40–44 … 70–74][cholesterol < 4 … ≥ 7 mmol/L]
/// [systolic < 120 … ≥ 180 mmHg]`. Provenance in the module docs.
#[rustfmt::skip]
pub const LAB_CHART: LabChart = [
    // diabetes: no
    [
        // male
        [
            // smoker: no
            [
                // 40–44
                [[1, 2, 2, 3, 5], [1, 2, 3, 4, 5], [2, 2, 3, 4, 6], [2, 3, 3, 5, 6], [2, 3, 4, 5, 7]],
                // 45–49
                [[2, 2, 3, 4, 6], [2, 3, 4, 5, 6], [2, 3, 4, 5, 7], [3, 3, 4, 6, 8], [3, 4, 5, 7, 9]],
                // 50–54
                [[2, 3, 4, 6, 7], [3, 4, 5, 6, 8], [3, 4, 5, 7, 9], [3, 4, 6, 8, 10], [4, 5, 7, 9, 11]],
                // 55–59
                [[3, 4, 6, 7, 9], [4, 5, 6, 8, 10], [4, 5, 7, 9, 11], [5, 6, 8, 10, 12], [5, 7, 8, 11, 14]],
                // 60–64
                [[5, 6, 7, 9, 12], [5, 6, 8, 10, 13], [6, 7, 9, 11, 14], [6, 8, 10, 12, 15], [7, 9, 11, 14, 17]],
                // 65–69
                [[6, 8, 10, 12, 15], [7, 9, 11, 13, 16], [8, 9, 12, 14, 17], [8, 10, 13, 15, 19], [9, 11, 14, 17, 21]],
                // 70–74
                [[9, 11, 13, 15, 18], [9, 11, 14, 17, 20], [10, 12, 15, 18, 21], [11, 14, 16, 19, 23], [12, 15, 18, 21, 25]],
            ],
            // smoker: yes
            [
                // 40–44
                [[2, 3, 4, 6, 8], [3, 4, 5, 7, 9], [3, 4, 5, 7, 10], [3, 5, 6, 8, 11], [4, 6, 7, 10, 13]],
                // 45–49
                [[3, 4, 5, 7, 10], [3, 4, 6, 8, 11], [4, 5, 7, 9, 12], [4, 6, 8, 10, 13], [5, 7, 9, 12, 15]],
                // 50–54
                [[4, 5, 7, 9, 11], [4, 6, 7, 10, 13], [5, 6, 8, 11, 14], [6, 7, 9, 12, 16], [6, 8, 11, 14, 18]],
                // 55–59
                [[5, 6, 8, 11, 14], [6, 7, 9, 12, 15], [6, 8, 10, 13, 16], [7, 9, 11, 14, 18], [8, 10, 13, 16, 20]],
                // 60–64
                [[7, 8, 10, 13, 16], [7, 9, 11, 14, 18], [8, 10, 12, 16, 19], [9, 11, 14, 17, 21], [10, 12, 15, 19, 23]],
                // 65–69
                [[8, 10, 13, 16, 19], [9, 11, 14, 17, 21], [10, 12, 15, 19, 23], [11, 14, 17, 20, 25], [12, 15, 18, 22, 27]],
                // 70–74
                [[11, 13, 16, 19, 23], [12, 14, 17, 21, 24], [13, 16, 19, 22, 26], [14, 17, 20, 24, 29], [15, 18, 22, 26, 31]],
            ],
        ],
        // female
        [
            // smoker: no
            [
                // 40–44
                [[1, 1, 2, 2, 3], [1, 1, 2, 2, 3], [1, 2, 2, 3, 4], [1, 2, 2, 3, 4], [1, 2, 2, 3, 4]],
                // 45–49
                [[1, 2, 2, 3, 4], [1, 2, 2, 3, 4], [2, 2, 3, 3, 4], [2, 2, 3, 4, 5], [2, 2, 3, 4, 5]],
                // 50–54
                [[2, 2, 3, 4, 5], [2, 3, 3, 4, 5], [2, 3, 3, 4, 5], [2, 3, 4, 5, 6], [2, 3, 4, 5, 6]],
                // 55–59
                [[3, 3, 4, 5, 6], [3, 3, 4, 5, 6], [3, 4, 4, 6, 7], [3, 4, 5, 6, 7], [3, 4, 5, 6, 8]],
                // 60–64
                [[4, 4, 5, 6, 8], [4, 5, 6, 7, 8], [4, 5, 6, 7, 9], [4, 5, 6, 7, 9], [4, 5, 7, 8, 10]],
                // 65–69
                [[5, 6, 7, 8, 10], [5, 6, 7, 9, 10], [5, 6, 8, 9, 11], [6, 7, 8, 10, 11], [6, 7, 8, 10, 12]],
                // 70–74
                [[7, 8, 9, 11, 13], [7, 8, 10, 11, 13], [7, 8, 10, 12, 14], [8, 9, 10, 12, 14], [8, 9, 11, 13, 15]],
            ],
            // smoker: yes
            [
                // 40–44
                [[2, 3, 4, 5, 6], [2, 3, 4, 5, 7], [2, 3, 4, 6, 7], [3, 4, 5, 6, 8], [3, 4, 5, 7, 9]],
                // 45–49
                [[3, 3, 4, 6, 7], [3, 4, 5, 6, 8], [3, 4, 5, 7, 8], [3, 4, 6, 7, 9], [4, 5, 6, 8, 10]],
                // 50–54
                [[3, 4, 5, 7, 9], [4, 5, 6, 7, 9], [4, 5, 6, 8, 10], [4, 5, 7, 9, 11], [5, 6, 7, 9, 12]],
                // 55–59
                [[4, 5, 7, 8, 10], [5, 6, 7, 9, 11], [5, 6, 8, 9, 12], [5, 7, 8, 10, 12], [6, 7, 9, 11, 13]],
                // 60–64
                [[6, 7, 8, 10, 12], [6, 7, 9, 11, 13], [6, 8, 9, 11, 14], [7, 8, 10, 12, 14], [7, 9, 11, 13, 15]],
                // 65–69
                [[7, 9, 10, 12, 14], [8, 9, 11, 13, 15], [8, 9, 11, 13, 16], [8, 10, 12, 14, 17], [9, 11, 13, 15, 18]],
                // 70–74
                [[9, 11, 13, 15, 17], [10, 11, 13, 15, 18], [10, 12, 14, 16, 19], [10, 12, 14, 17, 19], [11, 13, 15, 17, 20]],
            ],
        ],
    ],
    // diabetes: yes
    [
        // male
        [
            // smoker: no
            [
                // 40–44
                [[3, 4, 5, 7, 9], [3, 4, 5, 7, 10], [3, 4, 6, 8, 11], [4, 5, 7, 9, 12], [4, 6, 8, 11, 14]],
                // 45–49
                [[3, 4, 6, 8, 11], [4, 5, 7, 9, 12], [4, 5, 7, 10, 13], [5, 6, 8, 11, 14], [5, 7, 9, 12, 16]],
                // 50–54
                [[4, 6, 7, 10, 13], [5, 6, 8, 11, 14], [5, 7, 9, 12, 15], [6, 8, 10, 13, 17], [7, 9, 11, 15, 19]],
                // 55–59
                [[5, 7, 9, 12, 15], [6, 8, 10, 13, 16], [7, 9, 11, 14, 18], [8, 10, 12, 15, 19], [9, 11, 14, 17, 22]],
                // 60–64
                [[7, 9, 11, 14, 17], [8, 10, 12, 15, 19], [9, 11, 13, 17, 21], [10, 12, 15, 18, 23], [11, 13, 16, 20, 25]],
                // 65–69
                [[9, 11, 14, 17, 20], [10, 12, 15, 18, 22], [11, 13, 16, 20, 24], [12, 15, 18, 22, 26], [13, 16, 20, 24, 29]],
                // 70–74
                [[12, 14, 17, 20, 24], [13, 15, 18, 22, 26], [14, 16, 20, 23, 28], [15, 18, 21, 26, 30], [16, 20, 23, 28, 33]],
            ],
            // smoker: yes
            [
                // 40–44
                [[5, 6, 8, 11, 15], [5, 7, 9, 13, 17], [6, 8, 11, 14, 19], [7, 9, 12, 16, 22], [8, 11, 14, 19, 25]],
                // 45–49
                [[5, 7, 10, 13, 17], [6, 8, 11, 14, 19], [7, 9, 12, 16, 21], [8, 11, 14, 18, 24], [10, 12, 16, 21, 27]],
                // 50–54
                [[7, 9, 11, 15, 19], [7, 10, 13, 16, 21], [8, 11, 14, 18, 23], [10, 12, 16, 20, 26], [11, 14, 18, 23, 29]],
                // 55–59
                [[8, 10, 13, 17, 21], [9, 12, 15, 18, 23], [10, 13, 16, 20, 26], [11, 15, 18, 23, 28], [13, 16, 21, 26, 32]],
                // 60–64
                [[10, 12, 15, 19, 24], [11, 14, 17, 21, 26], [12, 15, 19, 23, 28], [14, 17, 21, 25, 31], [15, 19, 23, 28, 34]],
                // 65–69
                [[12, 15, 18, 22, 26], [13, 16, 20, 24, 29], [14, 18, 21, 26, 31], [16, 19, 24, 28, 34], [18, 22, 26, 31, 37]],
                // 70–74
                [[14, 17, 21, 25, 29], [16, 19, 22, 27, 32], [17, 21, 24, 29, 34], [19, 22, 27, 31, 37], [21, 25, 29, 34, 40]],
            ],
        ],
        // female
        [
            // smoker: no
            [
                // 40–44
                [[2, 3, 4, 5, 6], [2, 3, 4, 5, 7], [2, 3, 4, 6, 7], [3, 4, 5, 6, 8], [3, 4, 5, 7, 9]],
                // 45–49
                [[3, 3, 4, 6, 7], [3, 4, 5, 6, 8], [3, 4, 5, 7, 9], [3, 4, 6, 7, 9], [4, 5, 6, 8, 10]],
                // 50–54
                [[3, 4, 6, 7, 9], [4, 5, 6, 7, 9], [4, 5, 6, 8, 10], [4, 5, 7, 9, 11], [5, 6, 8, 9, 12]],
                // 55–59
                [[4, 6, 7, 8, 10], [5, 6, 7, 9, 11], [5, 6, 8, 10, 12], [6, 7, 8, 10, 13], [6, 7, 9, 11, 14]],
                // 60–64
                [[6, 7, 9, 10, 13], [6, 7, 9, 11, 13], [7, 8, 10, 12, 14], [7, 8, 10, 12, 15], [7, 9, 11, 13, 16]],
                // 65–69
                [[8, 9, 11, 13, 15], [8, 9, 11, 13, 16], [8, 10, 12, 14, 17], [9, 11, 13, 15, 18], [9, 11, 13, 16, 19]],
                // 70–74
                [[10, 11, 13, 16, 18], [10, 12, 14, 16, 19], [11, 12, 15, 17, 20], [11, 13, 15, 18, 21], [12, 14, 16, 19, 22]],
            ],
            // smoker: yes
            [
                // 40–44
                [[4, 6, 7, 10, 13], [5, 6, 8, 11, 14], [5, 7, 9, 12, 15], [6, 8, 10, 13, 17], [7, 9, 12, 15, 19]],
                // 45–49
                [[5, 7, 9, 11, 14], [6, 7, 9, 12, 15], [6, 8, 10, 13, 17], [7, 9, 12, 15, 19], [8, 10, 13, 16, 21]],
                // 50–54
                [[6, 8, 10, 13, 16], [7, 9, 11, 14, 17], [8, 10, 12, 15, 18], [8, 10, 13, 16, 20], [9, 12, 14, 18, 22]],
                // 55–59
                [[8, 9, 12, 14, 18], [8, 10, 13, 15, 19], [9, 11, 14, 17, 20], [10, 12, 15, 18, 22], [11, 13, 16, 20, 24]],
                // 60–64
                [[9, 11, 14, 16, 20], [10, 12, 14, 17, 21], [11, 13, 15, 19, 22], [11, 14, 17, 20, 24], [12, 15, 18, 21, 26]],
                // 65–69
                [[11, 13, 16, 19, 22], [12, 14, 17, 20, 23], [12, 15, 18, 21, 24], [13, 16, 19, 22, 26], [14, 17, 20, 23, 27]],
                // 70–74
                [[13, 16, 18, 21, 25], [14, 16, 19, 22, 26], [15, 17, 20, 23, 27], [15, 18, 21, 24, 28], [16, 19, 22, 25, 29]],
            ],
        ],
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(age: u32, sex: Sex, smoker: bool, diabetes: bool, systolic: i32, chol: f64) -> Inputs {
        Inputs {
            age,
            sex,
            smoker,
            diabetes,
            systolic,
            total_cholesterol_mg_dl: Some(chol),
            bmi: None,
        }
    }

    #[test]
    fn risk_band_edges() {
        let cases = [
            (0.0, RiskBand::Below5),
            (4.99, RiskBand::Below5),
            (5.0, RiskBand::From5To10),
            (9.99, RiskBand::From5To10),
            (10.0, RiskBand::From10To20),
            (19.99, RiskBand::From10To20),
            (20.0, RiskBand::From20To30),
            (29.99, RiskBand::From20To30),
            (30.0, RiskBand::AtLeast30),
            (80.0, RiskBand::AtLeast30),
        ];
        for (p, want) in cases {
            assert_eq!(RiskBand::from_percent(p), want, "{p}");
        }
        for b in RiskBand::ALL {
            assert_eq!(RiskBand::from_key(b.key()), Some(b));
        }
        assert_eq!(RiskBand::From5To10.label(), "5% a < 10%");
        assert_eq!(RiskBand::AtLeast30.level(), "Crítico");
        assert_eq!(RiskBand::AtLeast30.colour(), "vermelho-escuro");
        assert_eq!(RiskBand::From10To20.colour(), "laranja");
        assert_eq!(Method::NonLaboratory.label(), "Não laboratorial");
        assert_eq!(Method::from_key("laboratorial"), Some(Method::Laboratory));
    }

    #[test]
    fn age_band_edges() {
        let cases = [
            (39, None),
            (40, Some(0)),
            (44, Some(0)),
            (45, Some(1)),
            (49, Some(1)),
            (50, Some(2)),
            (55, Some(3)),
            (60, Some(4)),
            (64, Some(4)),
            (65, Some(5)),
            (69, Some(5)),
            (70, Some(6)),
            (74, Some(6)),
            (75, None),
        ];
        for (age, want) in cases {
            assert_eq!(age_band(age), want, "{age}");
        }
    }

    #[test]
    fn systolic_band_edges() {
        let cases = [
            (119, 0),
            (120, 1),
            (139, 1),
            (140, 2),
            (159, 2),
            (160, 3),
            (179, 3),
            (180, 4),
            (250, 4),
        ];
        for (s, want) in cases {
            assert_eq!(systolic_band(s), want, "{s}");
        }
    }

    #[test]
    fn cholesterol_band_edges() {
        let mmol = [
            (3.99, 0),
            (4.0, 1),
            (4.99, 1),
            (5.0, 2),
            (5.99, 2),
            (6.0, 3),
            (6.99, 3),
            (7.0, 4),
        ];
        for (v, want) in mmol {
            assert_eq!(cholesterol_band_mmol(v), want, "{v}");
        }
        // Whole mg/dL around 4/5/6/7 mmol/L × 38.67 = 154.68 / 193.35 / 232.02 / 270.69.
        let mg = [
            (154.0, 0),
            (155.0, 1),
            (193.0, 1),
            (194.0, 2),
            (232.0, 2),
            (233.0, 3),
            (270.0, 3),
            (271.0, 4),
        ];
        for (v, want) in mg {
            assert_eq!(cholesterol_band_mmol(cholesterol_mmol_l(v)), want, "{v}");
        }
    }

    #[test]
    fn bmi_band_edges() {
        let cases = [
            (19.9, BmiBand::Below20),
            (20.0, BmiBand::From20To24),
            (24.9, BmiBand::From20To24),
            (25.0, BmiBand::From25To29),
            (29.9, BmiBand::From25To29),
            (30.0, BmiBand::From30To34),
            (34.9, BmiBand::From30To34),
            (35.0, BmiBand::AtLeast35),
        ];
        for (bmi, want) in cases {
            assert_eq!(BmiBand::from_bmi(bmi), want, "{bmi}");
        }
    }

    #[test]
    fn known_chart_cells() {
        use Sex::*;
        // (age, sex, smoker, diabetes, systolic, cholesterol mg/dL, chart %)
        let cases = [
            // Corners of the chart.
            (40, Male, false, false, 110, 150.0, 1),
            (74, Male, true, true, 190, 300.0, 40),
            (40, Female, false, false, 110, 150.0, 1),
            (74, Female, true, true, 190, 300.0, 29),
            // Non-diabetic non-smoking men, cross-checked against whoishRisk TRO_LAT_AME.
            (72, Male, false, false, 185, 150.0, 18),
            (67, Male, false, false, 150, 180.0, 11),
            (62, Male, false, false, 130, 210.0, 7),
            (57, Male, false, false, 170, 250.0, 10),
            (47, Male, false, false, 200, 180.0, 6),
            // Other panels.
            (62, Male, true, true, 170, 250.0, 25),
            (52, Female, true, false, 145, 200.0, 6),
            (67, Female, false, true, 125, 240.0, 11),
            (57, Male, true, false, 185, 280.0, 20),
            (42, Female, true, true, 185, 280.0, 19),
        ];
        for (age, sex, smoker, diabetes, sbp, chol, want) in cases {
            let a = assess(&lab(age, sex, smoker, diabetes, sbp, chol)).expect("should succeed");
            assert_eq!(
                a.percent,
                f64::from(want),
                "{age} {sex:?} {smoker} {diabetes} {sbp} {chol}"
            );
            assert_eq!(a.method, Method::Laboratory);
            assert_eq!(a.band, RiskBand::from_percent(f64::from(want)));
        }
    }

    /// Transcription guard: risk never falls when a risk factor worsens.
    #[test]
    #[allow(clippy::needless_range_loop)] // indices compare neighbouring cells
    fn chart_is_monotone_in_every_factor() {
        let mut total: u32 = 0;
        for dm in 0..2 {
            for sex in 0..2 {
                for sm in 0..2 {
                    for age in 0..7 {
                        for chol in 0..5 {
                            for sbp in 0..5 {
                                let v = LAB_CHART[dm][sex][sm][age][chol][sbp];
                                total += u32::from(v);
                                assert!((1..=60).contains(&v));
                                if sbp > 0 {
                                    assert!(LAB_CHART[dm][sex][sm][age][chol][sbp - 1] <= v);
                                }
                                if chol > 0 {
                                    assert!(LAB_CHART[dm][sex][sm][age][chol - 1][sbp] <= v);
                                }
                                if age > 0 {
                                    assert!(LAB_CHART[dm][sex][sm][age - 1][chol][sbp] <= v);
                                }
                                if sm > 0 {
                                    assert!(LAB_CHART[dm][sex][0][age][chol][sbp] <= v);
                                }
                                if dm > 0 {
                                    assert!(LAB_CHART[0][sex][sm][age][chol][sbp] <= v);
                                }
                            }
                        }
                    }
                }
            }
        }
        // Sum of the 1 400 cells as transcribed; changes only if a cell is edited.
        assert_eq!(total, 15415);
    }

    #[test]
    fn errors() {
        let ok = lab(50, Sex::Male, false, false, 130, 200.0);
        assert!(assess(&ok).is_ok());
        for age in [39, 75, 18] {
            assert_eq!(
                assess(&Inputs { age, ..ok }),
                Err(RiskError::AgeOutOfRange(age))
            );
        }
        assert!(
            assess(&Inputs { age: 39, ..ok })
                .expect_err("should fail")
                .message()
                .contains("40 a 74")
        );
        assert_eq!(
            assess(&Inputs { systolic: 30, ..ok }),
            Err(RiskError::ImplausibleSystolic(30))
        );
        assert_eq!(
            assess(&Inputs {
                total_cholesterol_mg_dl: Some(20.0),
                ..ok
            }),
            Err(RiskError::ImplausibleCholesterol(20.0))
        );
        let no_lab = Inputs {
            total_cholesterol_mg_dl: None,
            bmi: None,
            ..ok
        };
        assert_eq!(assess(&no_lab), Err(RiskError::MissingBmi));
        assert_eq!(
            assess(&Inputs {
                bmi: Some(5.0),
                ..no_lab
            }),
            Err(RiskError::ImplausibleBmi(5.0))
        );
        assert_eq!(
            assess(&Inputs {
                bmi: Some(27.0),
                ..no_lab
            }),
            Err(RiskError::NonLaboratoryChartUnavailable)
        );
    }
}
