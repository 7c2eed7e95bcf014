//! The diabetes programme over the API: the worklist (`worklist.rs`) and the follow-up of a
//! person (`actions.rs`: timeline, schedule, complete with the evaluation, steps, cancel).
//! Types shared by its endpoints live here.

pub mod actions;
pub mod worklist;

use poem_openapi::Enum;

use crate::clinical::diabetes::Control;
use crate::programs::diabetes::worklist::Sort;

/// The programme's endpoint groups, mounted by `api::programs::apis`.
pub type Apis = (worklist::DiabetesWorklistApi, actions::DiabetesActionsApi);

/// The value of [`Apis`].
pub fn apis() -> Apis {
    (worklist::DiabetesWorklistApi, actions::DiabetesActionsApi)
}

/// Controle glicêmico pela última hemoglobina glicada e a meta da idade.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ControleGlicemico {
    /// Última HbA1c dos últimos 12 meses dentro da meta.
    Controlado,
    /// Última HbA1c dos últimos 12 meses igual ou acima da meta.
    Descontrolado,
    /// Nenhuma HbA1c, ou a última tem mais de 12 meses.
    SemHba1cRecente,
    /// HbA1c recente, mas sem meta numérica (pessoa idosa muito comprometida): a equipe
    /// avalia pelos sintomas.
    MetaIndividual,
}

impl ControleGlicemico {
    pub fn control(self) -> Control {
        match self {
            ControleGlicemico::Controlado => Control::Controlled,
            ControleGlicemico::Descontrolado => Control::Uncontrolled,
            ControleGlicemico::SemHba1cRecente => Control::NoRecentHba1c,
            ControleGlicemico::MetaIndividual => Control::NoNumericTarget,
        }
    }

    pub fn of(c: Control) -> Self {
        match c {
            Control::Controlled => ControleGlicemico::Controlado,
            Control::Uncontrolled => ControleGlicemico::Descontrolado,
            Control::NoRecentHba1c => ControleGlicemico::SemHba1cRecente,
            Control::NoNumericTarget => ControleGlicemico::MetaIndividual,
        }
    }
}

/// Boa prática do indicador C4 (diabetes) do Previne/APS.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PraticaC4 {
    /// Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses.
    A,
    /// Pressão arterial aferida nos últimos 6 meses.
    B,
    /// Peso e altura registrados no mesmo dia nos últimos 12 meses.
    C,
    /// Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses.
    D,
    /// Hemoglobina glicada solicitada ou avaliada nos últimos 12 meses.
    E,
    /// Avaliação dos pés nos últimos 12 meses.
    F,
}

impl PraticaC4 {
    pub fn letter(self) -> &'static str {
        match self {
            PraticaC4::A => "A",
            PraticaC4::B => "B",
            PraticaC4::C => "C",
            PraticaC4::D => "D",
            PraticaC4::E => "E",
            PraticaC4::F => "F",
        }
    }

    pub const ALL: [PraticaC4; 6] = [
        PraticaC4::A,
        PraticaC4::B,
        PraticaC4::C,
        PraticaC4::D,
        PraticaC4::E,
        PraticaC4::F,
    ];
}

/// Ordem da lista de pessoas com diabetes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum OrdemDiabetes {
    /// Nome (A–Z).
    Nome,
    /// Menos pontos C4 primeiro.
    Pontos,
    /// HbA1c mais alta primeiro (sem registro por último).
    Hba1c,
    /// Prazo mais próximo primeiro (sem pendência por último).
    Prazo,
}

impl OrdemDiabetes {
    pub fn sort(self) -> Sort {
        match self {
            OrdemDiabetes::Nome => Sort::Name,
            OrdemDiabetes::Pontos => Sort::PointsAsc,
            OrdemDiabetes::Hba1c => Sort::Hba1cDesc,
            OrdemDiabetes::Prazo => Sort::NextDue,
        }
    }
}
