//! The hypertension program over the API: the worklist (`worklist.rs`), the team's C5
//! summary (`c5.rs`), the patient summary and follow-up timeline (`patient.rs`) and the
//! follow-up writes — actions and MRPA (`actions.rs`). Types shared by its endpoints live here.

pub mod actions;
pub mod c5;
pub mod patient;
pub mod worklist;

use poem_openapi::{Enum, Object};

use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Practice;
use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::{ActionType, Status};
use crate::clinical::mrpa::{Decision, HomeControl, Period};
use crate::programs::hypertension::worklist::Tab;

/// The programme's endpoint groups, mounted by `api::programs::apis`.
pub type Apis = (
    worklist::WorklistApi,
    c5::C5Api,
    patient::PatientApi,
    actions::ActionsApi,
);

/// The value of [`Apis`].
pub fn apis() -> Apis {
    (
        worklist::WorklistApi,
        c5::C5Api,
        patient::PatientApi,
        actions::ActionsApi,
    )
}

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

impl From<crate::programs::hypertension::worklist::Counters> for ControlCounters {
    fn from(c: crate::programs::hypertension::worklist::Counters) -> Self {
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

impl From<crate::programs::hypertension::worklist::Score> for Score {
    fn from(s: crate::programs::hypertension::worklist::Score) -> Self {
        Score {
            pessoas: s.people,
            pontos: s.points,
            media: s.mean(),
        }
    }
}

/// Tipo de ação do ciclo Hiperdia.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Tipo {
    /// Agendar Hiperdia (início do ciclo anual).
    AgendarHiperdia,
    /// Iniciar MRPA (entrega do aparelho e das orientações).
    IniciarMrpa,
    /// Avaliar MRPA (registro das leituras e decisão).
    AvaliarMrpa,
    /// Modificar tratamento.
    ModificarTratamento,
    /// Solicitar exames.
    SolicitarExames,
    /// Avaliar exames (registro dos resultados).
    AvaliarExames,
    /// Avaliar risco cardiovascular.
    AvaliarRcv,
    /// Encaminhar para nutrição.
    EncaminharNutricao,
    /// Registrar consulta de nutrição.
    RegistrarNutricao,
    /// Encaminhar para cardiologia.
    EncaminharCardiologia,
    /// Registrar consulta de cardiologia.
    RegistrarCardiologia,
}

impl Tipo {
    pub fn action_type(self) -> ActionType {
        match self {
            Tipo::AgendarHiperdia => ActionType::ScheduleRound,
            Tipo::IniciarMrpa => ActionType::StartMrpa,
            Tipo::AvaliarMrpa => ActionType::EvaluateMrpa,
            Tipo::ModificarTratamento => ActionType::ModifyTreatment,
            Tipo::SolicitarExames => ActionType::RequestExams,
            Tipo::AvaliarExames => ActionType::EvaluateExams,
            Tipo::AvaliarRcv => ActionType::EvaluateCvRisk,
            Tipo::EncaminharNutricao => ActionType::ReferNutrition,
            Tipo::RegistrarNutricao => ActionType::RecordNutrition,
            Tipo::EncaminharCardiologia => ActionType::ReferCardiology,
            Tipo::RegistrarCardiologia => ActionType::RecordCardiology,
        }
    }

    pub fn of(a: ActionType) -> Tipo {
        match a {
            ActionType::ScheduleRound => Tipo::AgendarHiperdia,
            ActionType::StartMrpa => Tipo::IniciarMrpa,
            ActionType::EvaluateMrpa => Tipo::AvaliarMrpa,
            ActionType::ModifyTreatment => Tipo::ModificarTratamento,
            ActionType::RequestExams => Tipo::SolicitarExames,
            ActionType::EvaluateExams => Tipo::AvaliarExames,
            ActionType::EvaluateCvRisk => Tipo::AvaliarRcv,
            ActionType::ReferNutrition => Tipo::EncaminharNutricao,
            ActionType::RecordNutrition => Tipo::RegistrarNutricao,
            ActionType::ReferCardiology => Tipo::EncaminharCardiologia,
            ActionType::RecordCardiology => Tipo::RegistrarCardiologia,
        }
    }
}

/// Situação de uma ação de acompanhamento.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum SituacaoAcao {
    Pendente,
    Realizada,
    Cancelada,
}

impl SituacaoAcao {
    pub fn of(s: Status) -> SituacaoAcao {
        match s {
            Status::Pending => SituacaoAcao::Pendente,
            Status::Done => SituacaoAcao::Realizada,
            Status::Cancelled => SituacaoAcao::Cancelada,
        }
    }
}

/// Período do dia de uma leitura da MRPA.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Periodo {
    /// Antes do café da manhã (e da medicação).
    Manha,
    /// Antes do jantar.
    Noite,
}

impl Periodo {
    pub fn period(self) -> Period {
        match self {
            Periodo::Manha => Period::Morning,
            Periodo::Noite => Period::Evening,
        }
    }
}

/// Decisão após a MRPA.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Decisao {
    /// Manter o tratamento (segue para `solicitar_exames`).
    Manter,
    /// Modificar o tratamento (segue para `modificar_tratamento`).
    Modificar,
    /// Encaminhar à cardiologia (segue para `encaminhar_cardiologia`).
    Cardiologia,
}

impl Decisao {
    pub fn decision(self) -> Decision {
        match self {
            Decisao::Manter => Decision::Maintain,
            Decisao::Modificar => Decision::Modify,
            Decisao::Cardiologia => Decision::Cardiology,
        }
    }

    pub fn of(d: Decision) -> Decisao {
        match d {
            Decision::Maintain => Decisao::Manter,
            Decision::Modify => Decisao::Modificar,
            Decision::Cardiology => Decisao::Cardiologia,
        }
    }
}

/// Controle da pressão pela média da MRPA (dias 2 a 5).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ControleMrpa {
    /// Média abaixo de 130/80 mmHg.
    Controlada,
    /// Média sistólica ≥ 130 ou diastólica ≥ 80 mmHg.
    NaoControlada,
}

impl ControleMrpa {
    pub fn of(c: HomeControl) -> ControleMrpa {
        match c {
            HomeControl::Controlled => ControleMrpa::Controlada,
            HomeControl::Uncontrolled => ControleMrpa::NaoControlada,
        }
    }

    /// From a stored key (`controlled`/`uncontrolled`, or the module's Portuguese keys).
    pub fn from_stored(key: &str) -> Option<ControleMrpa> {
        match key {
            "controlled" => Some(ControleMrpa::Controlada),
            "uncontrolled" => Some(ControleMrpa::NaoControlada),
            other => HomeControl::from_key(other).map(ControleMrpa::of),
        }
    }
}

/// Exame laboratorial do acompanhamento.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Analito {
    ColesterolTotal,
    Hdl,
    Ldl,
    Triglicerideos,
    GlicemiaJejum,
    HemoglobinaGlicada,
    Creatinina,
    Potassio,
    Sodio,
    Ureia,
    AcidoUrico,
}

impl Analito {
    pub fn of(a: Analyte) -> Analito {
        match a {
            Analyte::TotalCholesterol => Analito::ColesterolTotal,
            Analyte::Hdl => Analito::Hdl,
            Analyte::Ldl => Analito::Ldl,
            Analyte::Triglycerides => Analito::Triglicerideos,
            Analyte::FastingGlucose => Analito::GlicemiaJejum,
            Analyte::Hba1c => Analito::HemoglobinaGlicada,
            Analyte::Creatinine => Analito::Creatinina,
            Analyte::Potassium => Analito::Potassio,
            Analyte::Sodium => Analito::Sodio,
            Analyte::Urea => Analito::Ureia,
            Analyte::UricAcid => Analito::AcidoUrico,
        }
    }
}

/// Uma ação agendada (pendente) do acompanhamento.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct ScheduledAction {
    /// Tipo da ação.
    pub tipo: Tipo,
    /// Nome da ação, em português.
    pub nome: String,
    /// Data prevista.
    pub prazo: chrono::NaiveDate,
}

impl ScheduledAction {
    pub fn of(t: ActionType, prazo: chrono::NaiveDate) -> ScheduledAction {
        ScheduledAction {
            tipo: Tipo::of(t),
            nome: t.label().to_string(),
            prazo,
        }
    }
}
