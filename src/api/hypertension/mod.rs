//! The hypertension program over the API: the worklist (`worklist.rs`) and the team's C5
//! summary (`c5.rs`). Types shared by its endpoints live here. The patient summary, the
//! follow-up timeline, actions and MRPA go beside them, one file each.

pub mod c5;
pub mod worklist;

use poem_openapi::{Enum, Object};

use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Practice;
use crate::hypertension::worklist::Tab;

/// Situação da pressão arterial pela última aferição.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Control {
    /// Última aferição nos últimos 180 dias abaixo de 140/90.
    Controlada,
    /// Última aferição nos últimos 180 dias em 140/90 ou acima.
    NaoControlada,
    /// Nenhuma aferição nos últimos 180 dias.
    SemAfericao,
}

impl Control {
    pub fn status(self) -> ControlStatus {
        match self {
            Control::Controlada => ControlStatus::Controlled,
            Control::NaoControlada => ControlStatus::Uncontrolled,
            Control::SemAfericao => ControlStatus::NoRecentReading,
        }
    }

    pub fn of(s: ControlStatus) -> Control {
        match s {
            ControlStatus::Controlled => Control::Controlada,
            ControlStatus::Uncontrolled => Control::NaoControlada,
            ControlStatus::NoRecentReading => Control::SemAfericao,
        }
    }
}

/// Boa prática do indicador C5 (hipertensão) do Previne/APS.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeLetter {
    /// Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses.
    A,
    /// Pressão arterial aferida nos últimos 6 meses.
    B,
    /// Peso e altura registrados no mesmo dia nos últimos 12 meses.
    C,
    /// Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses.
    D,
}

impl PracticeLetter {
    pub fn practice(self) -> Practice {
        match self {
            PracticeLetter::A => Practice::Visit,
            PracticeLetter::B => Practice::BloodPressure,
            PracticeLetter::C => Practice::Anthropometry,
            PracticeLetter::D => Practice::AcsVisits,
        }
    }

    pub fn of(p: Practice) -> PracticeLetter {
        match p {
            Practice::Visit => PracticeLetter::A,
            Practice::BloodPressure => PracticeLetter::B,
            Practice::Anthropometry => PracticeLetter::C,
            Practice::AcsVisits => PracticeLetter::D,
        }
    }
}

/// As abas da lista: situação da pressão ou do acompanhamento.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Situacao {
    /// Pressão controlada (última avaliação: consultório < 140/90 ou MRPA < 130/80).
    Controlada,
    /// Pressão não controlada.
    NaoControlada,
    /// Nenhuma aferição nem MRPA nos últimos 180 dias.
    SemAfericao,
    /// Com ao menos uma ação de acompanhamento pendente.
    AcoesPendentes,
    /// A próxima ação pendente venceu antes de hoje.
    AcoesAtrasadas,
    /// Com medicamento em uso no plano de tratamento do programa.
    EmTratamento,
}

impl Situacao {
    pub fn tab(self) -> Tab {
        match self {
            Situacao::Controlada => Tab::Controlled,
            Situacao::NaoControlada => Tab::Uncontrolled,
            Situacao::SemAfericao => Tab::NoRecentReading,
            Situacao::AcoesPendentes => Tab::Pending,
            Situacao::AcoesAtrasadas => Tab::Overdue,
            Situacao::EmTratamento => Tab::InTreatment,
        }
    }
}

/// Contagem de pessoas por aba (os contadores da página); cada número é o total da aba.
#[derive(Object, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlCounters {
    /// Todas as pessoas dos filtros (sem o filtro de situação).
    pub total: u64,
    pub controlada: u64,
    pub nao_controlada: u64,
    pub sem_afericao: u64,
    pub acoes_pendentes: u64,
    pub acoes_atrasadas: u64,
    pub em_tratamento: u64,
}

impl From<crate::hypertension::worklist::Counters> for ControlCounters {
    fn from(c: crate::hypertension::worklist::Counters) -> Self {
        ControlCounters {
            total: c.total,
            controlada: c.controlled,
            nao_controlada: c.uncontrolled,
            sem_afericao: c.no_recent_reading,
            acoes_pendentes: c.pending,
            acoes_atrasadas: c.overdue,
            em_tratamento: c.in_treatment,
        }
    }
}

/// A próxima ação de acompanhamento pendente.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct NextAction {
    /// Tipo da ação (chave, ex.: `avaliar_mrpa`).
    pub tipo: String,
    /// Nome da ação, em português.
    pub nome: String,
    /// Data prevista.
    pub prazo: chrono::NaiveDate,
    /// Vencida antes de hoje.
    pub atrasada: bool,
}

/// Resultado C5 de um grupo de pessoas: média dos pontos (0 a 100) de cada pessoa.
#[derive(Object, Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Pessoas consideradas.
    pub pessoas: u64,
    /// Soma dos pontos das pessoas.
    pub pontos: u64,
    /// Média dos pontos, com uma casa decimal (ausente sem pessoas).
    #[oai(skip_serializing_if_is_none)]
    pub media: Option<f64>,
}

impl From<crate::hypertension::worklist::Score> for Score {
    fn from(s: crate::hypertension::worklist::Score) -> Self {
        Score {
            pessoas: s.people,
            pontos: s.points,
            media: s.mean(),
        }
    }
}
