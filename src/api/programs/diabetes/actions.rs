//! The diabetes follow-up over the API: a person's timeline, and the writes — schedule an
//! action, complete one (with the evaluation of "Avaliar tratamento"), tick a step, cancel —
//! all through `programs::diabetes::followup` (scope, permission and validation there; one
//! transaction; the read model refreshed), out of scope answered like unknown, Bearer only
//! for writes (the middleware refuses cookies on them), audited (`view_patient` for the
//! timeline, `write` for each change).

use chrono::NaiveDate;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use crate::api::auth::ApiAuth;
use crate::api::problem::{ApiError, FieldError};
use crate::api::{ApiTags, V1_PREFIX, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Scope};
use crate::care::followup::{Actor, CANCELLED, DONE, Entry, FollowupError};
use crate::clinical::diabetes_followup::{Control, DmAction};
use crate::programs::diabetes::followup::{self as program, Completion, Evaluation};
use crate::state::AppState;
use crate::store::diabetes_evaluation as evaluation;

// ---------------------------------------------------------------------------------------------
// Types

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
    fn control(self) -> Control {
        match self {
            Self::Adequado => Control::Adequate,
            Self::Aceitavel => Control::Acceptable,
            Self::Descompensado => Control::Decompensated,
        }
    }

    fn of_key(key: &str) -> Option<Self> {
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

// ---------------------------------------------------------------------------------------------
// Mapping

/// The request field a programme field error is about.
fn field_name(field: &str, schedule: bool) -> String {
    match field {
        "data" if schedule => "prazo".into(),
        "acao" => "avaliacao".into(),
        "controle" | "hba1c" | "glicemia_jejum" | "glicemia_media" | "data_exames"
        | "mudanca_proposta" => format!("avaliacao.{field}"),
        other => other.into(),
    }
}

fn followup_error(e: FollowupError, schedule: bool) -> ApiError {
    match e {
        FollowupError::NotFound => ApiError::not_found(
            "Pessoa ou ação não encontrada (ou fora do território do usuário do token).",
        ),
        FollowupError::Invalid(errors) => ApiError::unprocessable(
            errors
                .into_iter()
                .map(|f| FieldError {
                    field: field_name(&f.field, schedule),
                    message: f.message,
                })
                .collect(),
        ),
        FollowupError::Conflict(detail) => ApiError::conflict(&detail),
        FollowupError::Forbidden(detail) => ApiError::forbidden(detail),
        FollowupError::Db(e) => ApiError::from(e),
    }
}

fn person_not_found() -> ApiError {
    ApiError::not_found(
        "Pessoa não encontrada na lista de diabetes (ou fora do território do usuário do token).",
    )
}

fn actions_path(id: i64) -> String {
    format!("{V1_PREFIX}/diabeticos/{id}/acoes")
}

async fn audit_event(
    state: &AppState,
    user: &CurrentUser,
    req: &Request,
    action: Action,
    resource: String,
    person: i64,
) -> Result<(), ApiError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action,
            resource,
            filters: None,
            persons: vec![person],
            person_count: 1,
            origin: audit_origin(req),
        },
    )
    .await?;
    Ok(())
}

/// The action `acao` of person `id` in scope (else 404).
async fn action_of(
    state: &AppState,
    scope: &Scope,
    id: i64,
    acao: i64,
) -> Result<crate::store::care_action::Model, ApiError> {
    match program::find(&state.db, scope, acao).await {
        Ok(a) if a.co_cidadao == id => Ok(a),
        Ok(_) | Err(FollowupError::NotFound) => Err(ApiError::not_found(
            "Ação não encontrada para esta pessoa (ou fora do território do usuário do token).",
        )),
        Err(e) => Err(followup_error(e, false)),
    }
}

fn situation(a: &crate::store::care_action::Model) -> SituacaoAcaoDiabetes {
    match a.status.as_str() {
        DONE => SituacaoAcaoDiabetes::Realizada,
        CANCELLED if a.annulled_at.is_some() => SituacaoAcaoDiabetes::Anulada,
        CANCELLED => SituacaoAcaoDiabetes::Cancelada,
        _ => SituacaoAcaoDiabetes::Pendente,
    }
}

fn assessment(e: &evaluation::Model) -> AvaliacaoDiabetes {
    AvaliacaoDiabetes {
        hba1c: e.hba1c,
        glicemia_jejum: e.fasting_glucose,
        glicemia_media: e.mean_glucose,
        data_exames: e.exam_date,
        controle: ControleTratamento::of_key(&e.control),
        mudanca_proposta: e.proposed_change.clone(),
    }
}

fn entry(e: &Entry, v: &program::FollowupView) -> AcaoDiabetes {
    let a = &e.action;
    AcaoDiabetes {
        acao: a.id,
        tipo: TipoAcaoDiabetes::of_key(&a.action_type),
        nome: e.label().to_string(),
        situacao: situation(a),
        prazo: a.due_date,
        realizada_em: a.done_date,
        registrada_por: e.created_by.clone(),
        concluida_por: e.done_by.clone(),
        observacoes: a.notes.clone(),
        motivo: a.annul_reason.clone().or_else(|| a.cancel_reason.clone()),
        origem: a.origin_id,
        etapas: e
            .steps
            .iter()
            .map(|s| EtapaAcao {
                posicao: s.position,
                texto: s.text.clone(),
                obrigatoria: s.mandatory,
                feita: s.done_at.is_some(),
            })
            .collect(),
        avaliacao: v.evaluation(a.id).map(assessment),
    }
}

fn evaluation_of(a: AvaliacaoEnviada) -> Evaluation {
    Evaluation {
        hba1c: a.hba1c,
        fasting_glucose: a.glicemia_jejum,
        mean_glucose: a.glicemia_media,
        exam_date: a.data_exames,
        control: a.controle.map(ControleTratamento::control),
        proposed_change: a.mudanca_proposta,
    }
}

// ---------------------------------------------------------------------------------------------
// Endpoints

pub struct DiabetesActionsApi;

#[OpenApi(tag = "ApiTags::Diabetes")]
impl DiabetesActionsApi {
    /// Acompanhamento do diabetes de uma pessoa
    ///
    /// A próxima ação e a linha do tempo das ações do diabetes (mais recentes primeiro), com
    /// as etapas de cada ação e a avaliação registrada em "Avaliar tratamento". Pessoa fora
    /// da lista ou do território do usuário: 404. Registrado na trilha de auditoria.
    #[oai(
        path = "/diabeticos/:id/acoes",
        method = "get",
        operation_id = "linhaDoTempoDiabetes"
    )]
    async fn timeline(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
    ) -> Result<Json<LinhaDoTempoDiabetes>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let v = program::view(&state.db, &scope, id.0)
            .await?
            .ok_or_else(person_not_found)?;
        audit_event(
            state,
            user,
            req,
            Action::ViewPatient,
            actions_path(id.0),
            id.0,
        )
        .await?;
        let pending = v.pending();
        Ok(Json(LinhaDoTempoDiabetes {
            pessoa: id.0,
            proxima_acao: pending.first().map(|e| e.action.id),
            pendentes: u32::try_from(pending.len()).unwrap_or(u32::MAX),
            acoes: v.timeline.iter().map(|e| entry(e, &v)).collect(),
        }))
    }

    /// Agendar uma ação do diabetes
    ///
    /// Agenda uma ação pendente. Já existindo uma pendente do mesmo tipo: 409. Prazo no
    /// passado: 422. Ação clínica pedida por um perfil que não a faz (ACS): 403. Exige token;
    /// registrado na trilha de auditoria.
    #[oai(
        path = "/diabeticos/:id/acoes",
        method = "post",
        operation_id = "agendarAcaoDiabetes"
    )]
    async fn schedule(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        body: Json<NovaAcaoDiabetes>,
    ) -> Result<ScheduleResponse, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let b = body.0;
        let kind = b.tipo.action();
        let today = state.today();
        let acao = program::schedule(&state.db, actor, id.0, kind, b.prazo, b.observacoes, today)
            .await
            .map_err(|e| match e {
                FollowupError::NotFound => person_not_found(),
                e => followup_error(e, true),
            })?;
        let resource = format!("{}/{acao}", actions_path(id.0));
        audit_event(state, user, req, Action::Write, resource, id.0).await?;
        Ok(ScheduleResponse::Created(Json(AcaoDiabetesAgendada {
            acao: Some(acao),
            pessoa: id.0,
            tipo: b.tipo,
            nome: kind.label().into(),
            prazo: b.prazo,
        })))
    }

    /// Concluir uma ação do diabetes
    ///
    /// Conclui a ação pendente com a data de realização, as etapas feitas agora (`etapas`; as
    /// obrigatórias precisam estar feitas) e, em "Avaliar tratamento", a avaliação (ao menos
    /// um resultado, a data dos exames e o status do controle). Agenda o que o ciclo manda
    /// (devolvido em `agendadas`): adequado, novo acompanhamento em 180 dias; aceitável, em
    /// 90; descompensado, modificar o tratamento. Ação que não está pendente: 409. Dados
    /// recusados: 422, com cada campo em `errors`, e nada é gravado.
    #[oai(
        path = "/diabeticos/:id/acoes/:acao/concluir",
        method = "post",
        operation_id = "concluirAcaoDiabetes"
    )]
    async fn complete(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        /// Identificador da ação (da linha do tempo).
        acao: Path<i64>,
        body: Json<ConclusaoDiabetes>,
    ) -> Result<Json<AcaoDiabetesConcluida>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let a = action_of(state, &scope, id.0, acao.0).await?;
        let Some(kind) = DmAction::from_key(&a.action_type) else {
            return Err(ApiError::conflict(
                "O tipo desta ação não é conhecido por esta versão da API.",
            ));
        };
        let b = body.0;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let c = Completion {
            action: kind,
            action_id: Some(a.id),
            done_on: b.data,
            notes: b.observacoes,
            steps_done: b.etapas,
            evaluation: b.avaliacao.map(evaluation_of),
        };
        let done = program::complete(&state.db, actor, id.0, c, state.today())
            .await
            .map_err(|e| followup_error(e, false))?;
        let resource = format!("{}/{}/concluir", actions_path(id.0), a.id);
        audit_event(state, user, req, Action::Write, resource, id.0).await?;
        Ok(Json(AcaoDiabetesConcluida {
            acao: done.action_id,
            pessoa: id.0,
            agendadas: done
                .scheduled
                .iter()
                .filter_map(|(key, due)| {
                    let tipo = TipoAcaoDiabetes::of_key(key)?;
                    Some(AcaoDiabetesAgendada {
                        acao: None,
                        pessoa: id.0,
                        tipo,
                        nome: tipo.action().label().into(),
                        prazo: *due,
                    })
                })
                .collect(),
        }))
    }

    /// Marcar ou desmarcar uma etapa
    ///
    /// Marca (`feita: true`) ou desmarca uma etapa da lista de verificação de uma ação
    /// pendente. Exige a permissão de concluir a ação. Etapa inexistente: 422; ação que não
    /// está pendente: 409.
    #[oai(
        path = "/diabeticos/:id/acoes/:acao/etapas/:etapa",
        method = "put",
        operation_id = "marcarEtapaDiabetes"
    )]
    async fn set_step(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        /// Identificador da ação.
        acao: Path<i64>,
        /// Posição da etapa na ação (a partir de 1).
        etapa: Path<i32>,
        body: Json<MarcacaoEtapa>,
    ) -> Result<Json<EtapaMarcada>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let a = action_of(state, &scope, id.0, acao.0).await?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        program::set_step(&state.db, actor, a.id, etapa.0, body.0.feita)
            .await
            .map_err(|e| followup_error(e, false))?;
        let resource = format!("{}/{}/etapas/{}", actions_path(id.0), a.id, etapa.0);
        audit_event(state, user, req, Action::Write, resource, id.0).await?;
        Ok(Json(EtapaMarcada {
            acao: a.id,
            posicao: etapa.0,
            feita: body.0.feita,
        }))
    }

    /// Cancelar uma ação do diabetes
    ///
    /// A ação fica na linha do tempo como cancelada, com o motivo. Ação que não está
    /// pendente: 409.
    #[oai(
        path = "/diabeticos/:id/acoes/:acao/cancelar",
        method = "post",
        operation_id = "cancelarAcaoDiabetes"
    )]
    async fn cancel(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        /// Identificador da ação.
        acao: Path<i64>,
        body: Json<CancelamentoDiabetes>,
    ) -> Result<Json<AcaoDiabetesCancelada>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let a = action_of(state, &scope, id.0, acao.0).await?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        program::cancel(&state.db, actor, a.id, body.0.motivo, state.today())
            .await
            .map_err(|e| followup_error(e, false))?;
        let resource = format!("{}/{}/cancelar", actions_path(id.0), a.id);
        audit_event(state, user, req, Action::Write, resource, id.0).await?;
        Ok(Json(AcaoDiabetesCancelada {
            acao: a.id,
            pessoa: id.0,
            situacao: SituacaoAcaoDiabetes::Cancelada,
        }))
    }
}
