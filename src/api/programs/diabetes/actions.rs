//! The diabetes follow-up over the API: a person's timeline, and the writes — schedule an
//! action, complete one (with the evaluation of "Avaliar tratamento"), tick a step, cancel —
//! all through `programs::diabetes::followup` (scope, permission and validation there; one
//! transaction; the read model refreshed), out of scope answered like unknown, Bearer only
//! for writes (the middleware refuses cookies on them), audited (`view_patient` for the
//! timeline, `write` for each change).

use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use crate::api::auth::ApiAuth;
use crate::api::problem::{ApiError, FieldError};
use crate::api::{ApiTags, V1_PREFIX, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Scope};
use crate::care::followup::{Actor, CANCELLED, DONE, Entry, FollowupError};
use crate::clinical::diabetes_followup::DmAction;
use crate::programs::diabetes::followup::{self as program, Completion, Evaluation};
use crate::state::AppState;
use crate::store::diabetes_evaluation as evaluation;

mod types;

pub use types::*;

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
    #[allow(clippy::too_many_arguments)]
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
