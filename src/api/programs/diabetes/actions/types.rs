//! The request and response bodies of the diabetes follow-up endpoints, with their examples.

use chrono::NaiveDate;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object};

use crate::clinical::diabetes_followup::{Control, DmAction};

/// Tipo de ação do acompanhamento do diabetes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipoAcaoDiabetes {
    /// Agendar novo acompanhamento (início do ciclo; concluída, agenda a coleta).
    #[oai(rename = "dm_agendar_acompanhamento")]
    AgendarAcompanhamento,
    /// Aguardando coleta de exames e glicemias residenciais (4 etapas, 2 obrigatórias).
    #[oai(rename = "dm_aguardando_coleta")]
    AguardandoColeta,
    /// Avaliar tratamento (com os exames e o status do controle).
    #[oai(rename = "dm_avaliar_tratamento")]
    AvaliarTratamento,
    /// Modificar tratamento (2 etapas obrigatórias; nova coleta em 30 dias).
    #[oai(rename = "dm_modificar_tratamento")]
    ModificarTratamento,
    /// Encaminhar para endocrinologia.
    #[oai(rename = "dm_encaminhar_endocrinologia")]
    EncaminharEndocrinologia,
    /// Encaminhar para nutrição.
    #[oai(rename = "dm_encaminhar_nutricao")]
    EncaminharNutricao,
    /// Finalizar acompanhamento.
    #[oai(rename = "dm_finalizar_acompanhamento")]
    FinalizarAcompanhamento,
}

impl TipoAcaoDiabetes {
    const PAIRS: [(TipoAcaoDiabetes, DmAction); 7] = [
        (Self::AgendarAcompanhamento, DmAction::Schedule),
        (Self::AguardandoColeta, DmAction::AwaitExams),
        (Self::AvaliarTratamento, DmAction::Evaluate),
        (Self::ModificarTratamento, DmAction::ModifyTreatment),
        (Self::EncaminharEndocrinologia, DmAction::ReferEndocrinology),
        (Self::EncaminharNutricao, DmAction::ReferNutrition),
        (Self::FinalizarAcompanhamento, DmAction::Finish),
    ];

    pub fn action(self) -> DmAction {
        Self::PAIRS
            .iter()
            .find(|(t, _)| *t == self)
            .map_or(DmAction::Schedule, |(_, a)| *a)
    }

    /// The API's name of a stored kind (`None`: a kind this version does not know).
    pub fn of_key(key: &str) -> Option<TipoAcaoDiabetes> {
        let a = DmAction::from_key(key)?;
        Self::PAIRS.iter().find(|(_, x)| *x == a).map(|(t, _)| *t)
    }
}

/// Status do controle escolhido pelo profissional na avaliação.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ControleTratamento {
    /// Tratamento adequado: próximo acompanhamento em 180 dias.
    Adequado,
    /// Tratamento aceitável: próximo acompanhamento em 90 dias.
    Aceitavel,
    /// Tratamento descompensado: modificar o tratamento já.
    Descompensado,
}

impl ControleTratamento {
    pub fn control(self) -> Control {
        match self {
            Self::Adequado => Control::Adequate,
            Self::Aceitavel => Control::Acceptable,
            Self::Descompensado => Control::Decompensated,
        }
    }

    pub fn of_key(key: &str) -> Option<Self> {
        Some(match Control::from_key(key)? {
            Control::Adequate => Self::Adequado,
            Control::Acceptable => Self::Aceitavel,
            Control::Decompensated => Self::Descompensado,
        })
    }
}

/// Situação de uma ação do diabetes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum SituacaoAcaoDiabetes {
    Pendente,
    Realizada,
    Cancelada,
    /// Realizada e depois anulada (com o motivo).
    Anulada,
}

/// Uma etapa da lista de verificação de uma ação.
#[derive(Object, Debug, Clone)]
pub struct EtapaAcao {
    /// Posição (a partir de 1): o identificador da etapa na ação.
    pub posicao: i32,
    pub texto: String,
    /// Concluir a ação exige esta etapa feita.
    pub obrigatoria: bool,
    pub feita: bool,
}

/// A avaliação registrada com uma ação "Avaliar tratamento".
#[derive(Object, Debug, Clone)]
pub struct AvaliacaoDiabetes {
    /// Hemoglobina glicada (%).
    #[oai(skip_serializing_if_is_none)]
    pub hba1c: Option<f64>,
    /// Glicemia de jejum (mg/dL).
    #[oai(skip_serializing_if_is_none)]
    pub glicemia_jejum: Option<f64>,
    /// Glicemia média (mg/dL).
    #[oai(skip_serializing_if_is_none)]
    pub glicemia_media: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub data_exames: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub controle: Option<ControleTratamento>,
    #[oai(skip_serializing_if_is_none)]
    pub mudanca_proposta: Option<String>,
}

/// Uma ação da linha do tempo do diabetes.
#[derive(Object, Debug, Clone)]
pub struct AcaoDiabetes {
    /// Identificador da ação.
    pub acao: i64,
    /// Ausente: um tipo que esta versão da API não conhece (`nome` traz o valor gravado).
    #[oai(skip_serializing_if_is_none)]
    pub tipo: Option<TipoAcaoDiabetes>,
    pub nome: String,
    pub situacao: SituacaoAcaoDiabetes,
    /// Data prevista.
    pub prazo: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub realizada_em: Option<NaiveDate>,
    /// Quem registrou a ação.
    pub registrada_por: String,
    /// Quem a concluiu ou cancelou.
    #[oai(skip_serializing_if_is_none)]
    pub concluida_por: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub observacoes: Option<String>,
    /// Motivo do cancelamento ou da anulação.
    #[oai(skip_serializing_if_is_none)]
    pub motivo: Option<String>,
    /// A ação cuja conclusão agendou esta.
    #[oai(skip_serializing_if_is_none)]
    pub origem: Option<i64>,
    pub etapas: Vec<EtapaAcao>,
    #[oai(skip_serializing_if_is_none)]
    pub avaliacao: Option<AvaliacaoDiabetes>,
}

/// O acompanhamento do diabetes de uma pessoa: a próxima ação e a linha do tempo (mais
/// recentes primeiro).
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct LinhaDoTempoDiabetes {
    pub pessoa: i64,
    /// A ação pendente de prazo mais próximo.
    #[oai(skip_serializing_if_is_none)]
    pub proxima_acao: Option<i64>,
    /// Quantas ações estão pendentes.
    pub pendentes: u32,
    pub acoes: Vec<AcaoDiabetes>,
}

/// Uma ação a agendar. (Sem exemplo no documento: uma data fixa logo estaria no passado;
/// docs/api.md tem exemplos com datas relativas.)
#[derive(Object, Debug, Clone)]
pub struct NovaAcaoDiabetes {
    pub tipo: TipoAcaoDiabetes,
    /// Data prevista (de hoje a 730 dias).
    pub prazo: NaiveDate,
    /// Observações (até 2000 caracteres).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
}

/// A avaliação enviada com a conclusão de "Avaliar tratamento": ao menos um resultado, a data
/// dos exames e o status do controle. Fora da faixa plausível: 422.
#[derive(Object, Debug, Clone, Default)]
pub struct AvaliacaoEnviada {
    /// Hemoglobina glicada (%; 3 a 20).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub hba1c: Option<f64>,
    /// Glicemia de jejum (mg/dL; 20 a 600).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub glicemia_jejum: Option<f64>,
    /// Glicemia média (mg/dL; 20 a 600).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub glicemia_media: Option<f64>,
    /// Data dos exames (não posterior à avaliação).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub data_exames: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub controle: Option<ControleTratamento>,
    /// Mudança proposta no tratamento.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub mudanca_proposta: Option<String>,
}

/// Conclusão de uma ação pendente do diabetes.
#[derive(Object, Debug, Clone)]
pub struct ConclusaoDiabetes {
    /// Data de realização (não futura).
    pub data: NaiveDate,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
    /// Posições das etapas feitas junto com a conclusão (as obrigatórias precisam estar
    /// feitas, antes ou aqui).
    #[oai(default)]
    pub etapas: Vec<i32>,
    /// Obrigatória para "Avaliar tratamento"; recusada nas demais.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub avaliacao: Option<AvaliacaoEnviada>,
}

/// Marca ou desmarca uma etapa.
#[derive(Object, Debug, Clone)]
pub struct MarcacaoEtapa {
    pub feita: bool,
}

/// Cancelamento de uma ação pendente.
#[derive(Object, Debug, Clone)]
pub struct CancelamentoDiabetes {
    #[oai(skip_serializing_if_is_none, nullable)]
    pub motivo: Option<String>,
}

/// Uma ação agendada (pela requisição ou pela conclusão de outra).
#[derive(Object, Debug, Clone)]
pub struct AcaoDiabetesAgendada {
    /// Identificador da ação (ausente nas agendadas por uma conclusão: veja a linha do tempo).
    #[oai(skip_serializing_if_is_none)]
    pub acao: Option<i64>,
    pub pessoa: i64,
    pub tipo: TipoAcaoDiabetes,
    pub nome: String,
    pub prazo: NaiveDate,
}

/// Uma ação concluída e o que ela agendou em seguida.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct AcaoDiabetesConcluida {
    pub acao: i64,
    pub pessoa: i64,
    /// As próximas ações agendadas pela conclusão (vazio: nenhuma, ou já estavam pendentes).
    pub agendadas: Vec<AcaoDiabetesAgendada>,
}

/// A etapa depois da marcação.
#[derive(Object, Debug, Clone)]
pub struct EtapaMarcada {
    pub acao: i64,
    pub posicao: i32,
    pub feita: bool,
}

/// Uma ação cancelada.
#[derive(Object, Debug, Clone)]
pub struct AcaoDiabetesCancelada {
    pub acao: i64,
    pub pessoa: i64,
    pub situacao: SituacaoAcaoDiabetes,
}

#[derive(ApiResponse, Debug)]
pub enum ScheduleResponse {
    /// Ação agendada.
    #[oai(status = 201)]
    Created(Json<AcaoDiabetesAgendada>),
}

impl Example for LinhaDoTempoDiabetes {
    fn example() -> Self {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        LinhaDoTempoDiabetes {
            pessoa: 2051,
            proxima_acao: Some(88),
            pendentes: 1,
            acoes: vec![
                AcaoDiabetes {
                    acao: 88,
                    tipo: Some(TipoAcaoDiabetes::AgendarAcompanhamento),
                    nome: DmAction::Schedule.label().into(),
                    situacao: SituacaoAcaoDiabetes::Pendente,
                    prazo: d(6, 1),
                    realizada_em: None,
                    registrada_por: "Ana Enfermeira".into(),
                    concluida_por: None,
                    observacoes: None,
                    motivo: None,
                    origem: Some(87),
                    etapas: vec![],
                    avaliacao: None,
                },
                AcaoDiabetes {
                    acao: 87,
                    tipo: Some(TipoAcaoDiabetes::AvaliarTratamento),
                    nome: DmAction::Evaluate.label().into(),
                    situacao: SituacaoAcaoDiabetes::Realizada,
                    prazo: d(3, 2),
                    realizada_em: Some(d(3, 3)),
                    registrada_por: "Ana Enfermeira".into(),
                    concluida_por: Some("Bruno Médico".into()),
                    observacoes: None,
                    motivo: None,
                    origem: Some(86),
                    etapas: vec![],
                    avaliacao: Some(AvaliacaoDiabetes {
                        hba1c: Some(7.4),
                        glicemia_jejum: Some(128.0),
                        glicemia_media: None,
                        data_exames: Some(d(2, 27)),
                        controle: Some(ControleTratamento::Aceitavel),
                        mudanca_proposta: Some("Manter metformina 850 mg 2x/dia".into()),
                    }),
                },
            ],
        }
    }
}

impl Example for AcaoDiabetesConcluida {
    fn example() -> Self {
        AcaoDiabetesConcluida {
            acao: 87,
            pessoa: 2051,
            agendadas: vec![AcaoDiabetesAgendada {
                acao: None,
                pessoa: 2051,
                tipo: TipoAcaoDiabetes::AgendarAcompanhamento,
                nome: DmAction::Schedule.label().into(),
                prazo: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default(),
            }],
        }
    }
}
