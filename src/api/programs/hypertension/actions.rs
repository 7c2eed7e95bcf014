//! The follow-up writes: schedule an action, complete one (with the clinical record it
//! carries), record one done without a pending action, cancel one, and the MRPA submission —
//! all through `hypertension::actions` (validated there, one transaction, read model refreshed),
//! scoped (out of scope answers like unknown), Bearer only (the middleware refuses cookies on
//! writes) and audited as writes (`write`, the person).

use chrono::NaiveDate;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Union};

use super::patient::person_not_found;
use super::{ControleMrpa, Decisao, Periodo, ScheduledAction, SituacaoAcao, Tipo};
use crate::api::auth::ApiAuth;
use crate::api::problem::{ApiError, FieldError};
use crate::api::{ApiTags, V1_PREFIX, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::auth::CurrentUser;
use crate::clinical::age;
use crate::clinical::cv_risk;
use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::ActionType;
use crate::clinical::mrpa::{self, HomeReading};
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{
    self, ActionError, Actor, Adjustment, Completed, Completion, MrpaRecord, Record,
};
use crate::programs::hypertension::patient;
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Request bodies

/// Uma ação a agendar. (Sem exemplo no documento: uma data fixa logo estaria no passado;
/// docs/api.md tem exemplos com datas relativas.)
#[derive(Object, Debug, Clone)]
pub struct NovaAcao {
    pub tipo: Tipo,
    /// Data prevista (hoje ou depois).
    pub prazo: NaiveDate,
    /// Observações (até 2000 caracteres).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
}

/// Uma leitura da MRPA.
#[derive(Object, Debug, Clone)]
pub struct Leitura {
    /// Dia da monitorização, de 1 a 5 (o 1º dia é descartado das médias).
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub dia: u8,
    pub periodo: Periodo,
    /// Posição da medida no período, de 1 a 3.
    #[oai(validator(minimum(value = "1"), maximum(value = "3")))]
    pub ordem: u8,
    /// Pressão sistólica (mmHg; aceita de 60 a 280, acima da diastólica).
    #[oai(validator(minimum(value = "60"), maximum(value = "280")))]
    pub sistolica: i32,
    /// Pressão diastólica (mmHg; aceita de 30 a 160).
    #[oai(validator(minimum(value = "30"), maximum(value = "160")))]
    pub diastolica: i32,
}

/// Registro de `avaliar_mrpa`: as leituras dos 5 dias e a decisão.
#[derive(Object, Debug, Clone)]
pub struct RegistroMrpa {
    /// Primeiro dia das medidas em casa (não posterior à avaliação).
    pub primeiro_dia: NaiveDate,
    /// Até 30 leituras (5 dias × manhã e noite × 3); ao menos 12 válidas dos dias 2 a 5.
    #[oai(validator(max_items = 30))]
    pub leituras: Vec<Leitura>,
    /// Decisão do profissional (ausente: a sugerida pelo protocolo).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub decisao: Option<Decisao>,
    /// Análise do profissional.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub analise: Option<String>,
}

/// Resultados de exames por analito (informe ao menos um). Fora da faixa plausível: 422.
#[derive(Object, Debug, Clone, Default)]
pub struct ValoresExames {
    /// Colesterol total (mg/dL; 50 a 1000).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub colesterol_total: Option<f64>,
    /// HDL-colesterol (mg/dL; 5 a 200).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub hdl: Option<f64>,
    /// LDL-colesterol (mg/dL; 5 a 700).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub ldl: Option<f64>,
    /// Triglicerídeos (mg/dL; 10 a 5000).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub triglicerideos: Option<f64>,
    /// Glicemia de jejum (mg/dL; 20 a 1000).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub glicemia_jejum: Option<f64>,
    /// Hemoglobina glicada (%; 3 a 20).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub hemoglobina_glicada: Option<f64>,
    /// Creatinina (mg/dL; 0,1 a 20).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub creatinina: Option<f64>,
    /// Potássio (mEq/L; 1,5 a 9).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub potassio: Option<f64>,
    /// Sódio (mEq/L; 100 a 190).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub sodio: Option<f64>,
    /// Ureia (mg/dL; 2 a 400).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub ureia: Option<f64>,
    /// Ácido úrico (mg/dL; 0,5 a 20).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub acido_urico: Option<f64>,
}

impl ValoresExames {
    fn values(&self) -> Vec<(Analyte, f64)> {
        [
            (Analyte::TotalCholesterol, self.colesterol_total),
            (Analyte::Hdl, self.hdl),
            (Analyte::Ldl, self.ldl),
            (Analyte::Triglycerides, self.triglicerideos),
            (Analyte::FastingGlucose, self.glicemia_jejum),
            (Analyte::Hba1c, self.hemoglobina_glicada),
            (Analyte::Creatinine, self.creatinina),
            (Analyte::Potassium, self.potassio),
            (Analyte::Sodium, self.sodio),
            (Analyte::Urea, self.ureia),
            (Analyte::UricAcid, self.acido_urico),
        ]
        .into_iter()
        .filter_map(|(a, v)| v.map(|v| (a, v)))
        .collect()
    }
}

/// Registro de `avaliar_exames`.
#[derive(Object, Debug, Clone)]
pub struct RegistroExames {
    /// Data da coleta (não futura).
    pub data_coleta: NaiveDate,
    pub valores: ValoresExames,
}

/// Sexo para a tabela de risco.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sexo {
    F,
    M,
}

/// Registro de `avaliar_rcv`: as entradas da tabela de risco OMS/HEARTS.
#[derive(Object, Debug, Clone)]
pub struct RegistroRcv {
    /// Idade em anos (40 a 74; ausente: a idade da pessoa na data da avaliação).
    #[oai(
        skip_serializing_if_is_none,
        nullable,
        validator(minimum(value = "40"), maximum(value = "74"))
    )]
    pub idade: Option<u32>,
    /// Ausente: o sexo do cadastro.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub sexo: Option<Sexo>,
    pub tabagista: bool,
    pub diabetes: bool,
    /// Pressão sistólica (mmHg; 60 a 280).
    #[oai(validator(minimum(value = "60"), maximum(value = "280")))]
    pub sistolica: i32,
    /// Colesterol total (mg/dL): usa a tabela laboratorial.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub colesterol_total: Option<f64>,
    /// IMC (kg/m²): sem colesterol, para a tabela não laboratorial.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub imc: Option<f64>,
}

/// Tipo de ajuste do tratamento.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Ajuste {
    AumentoDose,
    Troca,
    Adicao,
}

/// Registro de `modificar_tratamento`.
#[derive(Object, Debug, Clone)]
pub struct RegistroTratamento {
    pub ajuste: Ajuste,
    /// Medicamentos novos ou alterados, por extenso.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub novos_medicamentos: Option<String>,
}

/// Registro de `registrar_nutricao`.
#[derive(Object, Debug, Clone)]
pub struct RegistroNutricao {
    /// Peso (kg; 2 a 400).
    pub peso: f64,
    /// Altura (cm; 40 a 250).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub altura: Option<f64>,
    /// Circunferência abdominal (cm; 30 a 250).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub circunferencia: Option<f64>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub orientacoes: Option<String>,
}

/// Modalidade da consulta de cardiologia.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum Modalidade {
    Presencial,
    Telemedicina,
    Outro,
}

/// Registro de `encaminhar_cardiologia` (tudo opcional) e de `registrar_cardiologia`
/// (`consulta` e `recomendacoes` obrigatórias).
#[derive(Object, Debug, Clone)]
pub struct RegistroCardiologia {
    #[oai(skip_serializing_if_is_none, nullable)]
    pub profissional: Option<String>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub modalidade: Option<Modalidade>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub consulta: Option<String>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub recomendacoes: Option<String>,
}

/// O registro clínico da ação, pelo `tipo`: `mrpa` (avaliar_mrpa), `exames` (avaliar_exames),
/// `rcv` (avaliar_rcv), `tratamento` (modificar_tratamento), `nutricao` (registrar_nutricao),
/// `cardiologia` (encaminhar_cardiologia, registrar_cardiologia). As demais ações não levam
/// registro.
#[derive(Union, Debug, Clone)]
#[oai(discriminator_name = "tipo", one_of)]
pub enum Registro {
    #[oai(mapping = "mrpa")]
    Mrpa(RegistroMrpa),
    #[oai(mapping = "exames")]
    Exames(RegistroExames),
    #[oai(mapping = "rcv")]
    Rcv(RegistroRcv),
    #[oai(mapping = "tratamento")]
    Tratamento(RegistroTratamento),
    #[oai(mapping = "nutricao")]
    Nutricao(RegistroNutricao),
    #[oai(mapping = "cardiologia")]
    Cardiologia(RegistroCardiologia),
}

/// Conclusão de uma ação pendente.
#[derive(Object, Debug, Clone)]
pub struct Conclusao {
    /// Data de realização (não futura).
    pub data: NaiveDate,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
    /// O registro clínico, quando o tipo da ação tem um.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub registro: Option<Registro>,
}

/// Uma ação realizada sem ação pendente (se houver uma pendente do tipo, é ela que se conclui).
#[derive(Object, Debug, Clone)]
pub struct Realizacao {
    pub tipo: Tipo,
    /// Data de realização (não futura).
    pub data: NaiveDate,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub registro: Option<Registro>,
}

/// Cancelamento de uma ação pendente.
#[derive(Object, Debug, Clone)]
pub struct Cancelamento {
    /// Motivo do cancelamento.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub motivo: Option<String>,
}

/// Envio de uma MRPA: conclui a ação pendente `avaliar_mrpa` (ou registra uma realizada).
/// (Sem exemplo no documento: datas fixas logo sairiam da janela aceita.)
#[derive(Object, Debug, Clone)]
pub struct EnvioMrpa {
    /// Primeiro dia das medidas em casa.
    pub primeiro_dia: NaiveDate,
    /// Até 30 leituras; ao menos 12 válidas dos dias 2 a 5 (o 1º dia é descartado).
    #[oai(validator(max_items = 30))]
    pub leituras: Vec<Leitura>,
    /// Decisão do profissional (ausente: a sugerida pelo protocolo).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub decisao: Option<Decisao>,
    /// Análise do profissional.
    #[oai(skip_serializing_if_is_none, nullable)]
    pub analise: Option<String>,
    /// Data da avaliação (ausente: hoje).
    #[oai(skip_serializing_if_is_none, nullable)]
    pub data: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none, nullable)]
    pub observacoes: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Responses

/// Uma ação agendada.
#[derive(Object, Debug, Clone)]
pub struct AcaoAgendada {
    /// Identificador da ação.
    pub acao: i64,
    /// A pessoa.
    pub pessoa: i64,
    pub tipo: Tipo,
    pub nome: String,
    pub prazo: NaiveDate,
}

/// Uma ação concluída e o que ela agendou em seguida.
#[derive(Object, Debug, Clone)]
pub struct AcaoConcluida {
    /// Identificador da ação realizada.
    pub acao: i64,
    pub pessoa: i64,
    pub tipo: Tipo,
    /// As próximas ações agendadas pela conclusão (vazio: nenhuma, ou já estavam pendentes).
    pub agendadas: Vec<ScheduledAction>,
}

/// Uma ação cancelada.
#[derive(Object, Debug, Clone)]
pub struct AcaoCancelada {
    pub acao: i64,
    pub pessoa: i64,
    pub situacao: SituacaoAcao,
}

/// O resultado de uma MRPA registrada.
#[derive(Object, Debug, Clone)]
pub struct ResultadoMrpa {
    /// A ação `avaliar_mrpa` realizada.
    pub acao: i64,
    pub pessoa: i64,
    /// Média sistólica dos dias 2 a 5 (o 1º dia é descartado), em mmHg.
    pub media_sistolica: i32,
    /// Média diastólica dos dias 2 a 5, em mmHg.
    pub media_diastolica: i32,
    /// Leituras dos dias 2 a 5 que entraram nas médias.
    pub leituras_validas: u32,
    pub controle: ControleMrpa,
    /// A decisão registrada.
    pub decisao: Decisao,
    /// A decisão que o protocolo sugere para estas médias.
    pub decisao_sugerida: Decisao,
    /// As próximas ações agendadas.
    pub agendadas: Vec<ScheduledAction>,
}

#[derive(ApiResponse, Debug)]
pub enum ScheduleResponse {
    /// Ação agendada.
    #[oai(status = 201)]
    Created(Json<AcaoAgendada>),
}

#[derive(ApiResponse, Debug)]
pub enum RecordResponse {
    /// Ação registrada como realizada.
    #[oai(status = 201)]
    Created(Json<AcaoConcluida>),
}

// ---------------------------------------------------------------------------------------------
// Mapping

/// Where the request carries the record's fields: under `registro` (completion) or at the top
/// (the MRPA submission).
#[derive(Clone, Copy)]
enum Body {
    Schedule,
    Completion,
    Mrpa,
}

/// The request field a program field error is about.
fn field_name(body: Body, field: &str) -> String {
    let record = |f: &str| match body {
        Body::Mrpa => f.to_string(),
        _ => format!("registro.{f}"),
    };
    match field {
        "data" if matches!(body, Body::Schedule) => "prazo".into(),
        "data" | "observacoes" | "motivo" => field.into(),
        "acao" => match body {
            Body::Mrpa => "leituras".into(),
            _ => "registro".into(),
        },
        "inicio_mrpa" => record("primeiro_dia"),
        "leituras" | "analise" | "novos_medicamentos" | "data_coleta" | "peso" | "altura"
        | "circunferencia" | "orientacoes" | "profissional" | "modalidade" | "consulta"
        | "recomendacoes" => record(field),
        "exames" => record("valores"),
        "rcv" => match body {
            Body::Mrpa => "rcv".into(),
            _ => "registro".into(),
        },
        other if Analyte::from_key(other).is_some() => record(&format!("valores.{other}")),
        other => other.into(),
    }
}

fn action_error(e: ActionError, body: Body) -> ApiError {
    match e {
        ActionError::NotFound => ApiError::not_found(
            "Pessoa ou ação não encontrada (ou fora do território do usuário do token).",
        ),
        ActionError::Invalid(errors) => ApiError::unprocessable(
            errors
                .into_iter()
                .map(|f| FieldError {
                    field: field_name(body, &f.field),
                    message: f.message,
                })
                .collect(),
        ),
        ActionError::Conflict(detail) => ApiError::conflict(&detail),
        ActionError::Forbidden(detail) => ApiError::forbidden(detail),
        ActionError::Db(e) => ApiError::from(e),
    }
}

fn readings(leituras: &[Leitura]) -> Vec<HomeReading> {
    leituras
        .iter()
        .map(|l| HomeReading {
            day: l.dia,
            period: l.periodo.period(),
            seq: l.ordem,
            systolic: l.sistolica,
            diastolic: l.diastolica,
        })
        .collect()
}

/// The program's record of a request's `registro` for an action of type `t` done on `on`.
async fn record(
    state: &AppState,
    scope: &crate::auth::Scope,
    person: i64,
    t: ActionType,
    on: NaiveDate,
    registro: Option<Registro>,
) -> Result<Record, ApiError> {
    Ok(match registro {
        // A referral to cardiology may carry nothing yet.
        None if t == ActionType::ReferCardiology => Record::Cardiology {
            professional: None,
            modality: None,
            consultation: None,
            recommendations: None,
        },
        None => Record::None,
        Some(Registro::Mrpa(m)) => Record::Mrpa(MrpaRecord {
            first_day: m.primeiro_dia,
            readings: readings(&m.leituras),
            decision: m.decisao.map(Decisao::decision),
            analysis: m.analise,
        }),
        Some(Registro::Exames(e)) => Record::Exams {
            collected_on: e.data_coleta,
            values: e.valores.values(),
        },
        Some(Registro::Rcv(r)) => {
            let summary = if r.idade.is_none() || r.sexo.is_none() {
                patient::find_in_scope(&state.db, scope, person).await?
            } else {
                None
            };
            let age = r.idade.or_else(|| {
                summary
                    .as_ref()
                    .and_then(|s| s.dt_nascimento)
                    .map(|b| age::years(b, on))
            });
            let sex = match r.sexo {
                Some(Sexo::F) => Some(Sex::Female),
                Some(Sexo::M) => Some(Sex::Male),
                None => summary
                    .as_ref()
                    .and_then(|s| s.sexo.as_deref())
                    .and_then(Sex::from_key),
            };
            let mut errors = Vec::new();
            if age.is_none() {
                errors.push(FieldError {
                    field: "registro.idade".into(),
                    message: "Informe a idade: a pessoa não tem data de nascimento no cadastro."
                        .into(),
                });
            }
            if sex.is_none() {
                errors.push(FieldError {
                    field: "registro.sexo".into(),
                    message: "Informe o sexo (F ou M): o cadastro da pessoa não o tem.".into(),
                });
            }
            let (Some(age), Some(sex)) = (age, sex) else {
                return Err(ApiError::unprocessable(errors));
            };
            Record::CvRisk(cv_risk::Inputs {
                age,
                sex,
                smoker: r.tabagista,
                diabetes: r.diabetes,
                systolic: r.sistolica,
                total_cholesterol_mg_dl: r.colesterol_total,
                bmi: r.imc,
            })
        }
        Some(Registro::Tratamento(t)) => Record::TreatmentChange {
            adjustment: match t.ajuste {
                Ajuste::AumentoDose => Adjustment::DoseIncrease,
                Ajuste::Troca => Adjustment::Switch,
                Ajuste::Adicao => Adjustment::Addition,
            },
            new_medications: t.novos_medicamentos,
        },
        Some(Registro::Nutricao(n)) => Record::Nutrition {
            weight_kg: n.peso,
            height_cm: n.altura,
            waist_cm: n.circunferencia,
            guidance: n.orientacoes,
        },
        Some(Registro::Cardiologia(c)) => Record::Cardiology {
            professional: c.profissional,
            modality: c.modalidade.map(|m| {
                match m {
                    Modalidade::Presencial => "presencial",
                    Modalidade::Telemedicina => "telemedicina",
                    Modalidade::Outro => "outro",
                }
                .to_string()
            }),
            consultation: c.consulta,
            recommendations: c.recomendacoes,
        },
    })
}

/// Records a write about one person.
async fn audit_write(
    state: &AppState,
    user: &CurrentUser,
    req: &Request,
    resource: String,
    person: i64,
) -> Result<(), ApiError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action: Action::Write,
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

/// The pending-or-not action `acao` of person `id` in scope (else 404).
async fn action_of(
    state: &AppState,
    scope: &crate::auth::Scope,
    id: i64,
    acao: i64,
) -> Result<crate::store::care_action::Model, ApiError> {
    match actions::find(&state.db, scope, acao).await {
        Ok(a) if a.co_cidadao == id => Ok(a),
        Ok(_) | Err(ActionError::NotFound) => Err(ApiError::not_found(
            "Ação não encontrada para esta pessoa (ou fora do território do usuário do token).",
        )),
        Err(e) => Err(action_error(e, Body::Completion)),
    }
}

fn completed(c: &Completed, t: ActionType) -> AcaoConcluida {
    AcaoConcluida {
        acao: c.action_id,
        pessoa: c.person,
        tipo: Tipo::of(t),
        agendadas: c
            .scheduled
            .iter()
            .map(|(t, d)| ScheduledAction::of(*t, *d))
            .collect(),
    }
}

fn actions_path(id: i64) -> String {
    format!("{V1_PREFIX}/hipertensos/{id}/acoes")
}

pub struct ActionsApi;

#[OpenApi(tag = "ApiTags::Hipertensao")]
impl ActionsApi {
    /// Agendar uma ação
    ///
    /// Agenda uma ação de acompanhamento pendente para a pessoa. Já existindo uma ação
    /// pendente do mesmo tipo: 409. Data prevista no passado: 422. Exige token (a sessão do
    /// navegador só lê); registrado na trilha de auditoria.
    #[oai(
        path = "/hipertensos/:id/acoes",
        method = "post",
        operation_id = "agendarAcao"
    )]
    async fn schedule(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        body: Json<NovaAcao>,
    ) -> Result<ScheduleResponse, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        let t = body.0.tipo.action_type();
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let acao = actions::schedule(
            &state.db,
            actor,
            id.0,
            t,
            body.0.prazo,
            body.0.observacoes,
            today,
        )
        .await
        .map_err(|e| match e {
            ActionError::NotFound => person_not_found(),
            e => action_error(e, Body::Schedule),
        })?;
        audit_write(state, user, req, actions_path(id.0), id.0).await?;
        Ok(ScheduleResponse::Created(Json(AcaoAgendada {
            acao,
            pessoa: id.0,
            tipo: body.0.tipo,
            nome: t.label().to_string(),
            prazo: body.0.prazo,
        })))
    }

    /// Concluir uma ação pendente
    ///
    /// Conclui a ação com a data de realização, observações e o registro clínico que o tipo
    /// da ação pede (`registro.tipo`), e agenda as próximas ações do ciclo Hiperdia (devolvidas
    /// em `agendadas`). Ação já concluída ou cancelada (por exemplo, um envio repetido): 409.
    /// Dados recusados: 422, com cada campo em `errors`, e nada é gravado.
    #[oai(
        path = "/hipertensos/:id/acoes/:acao/concluir",
        method = "post",
        operation_id = "concluirAcao"
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
        body: Json<Conclusao>,
    ) -> Result<Json<AcaoConcluida>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        let a = action_of(state, &scope, id.0, acao.0).await?;
        let Some(t) = ActionType::from_key(&a.action_type) else {
            return Err(ApiError::conflict(
                "O tipo desta ação não é conhecido por esta versão da API.",
            ));
        };
        let b = body.0;
        let rec = record(state, &scope, id.0, t, b.data, b.registro).await?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let done = actions::complete(
            &state.db,
            actor,
            id.0,
            Completion {
                action_type: t,
                action_id: Some(a.id),
                done_on: b.data,
                notes: b.observacoes,
                record: rec,
            },
            today,
        )
        .await
        .map_err(|e| action_error(e, Body::Completion))?;
        audit_write(
            state,
            user,
            req,
            format!("{}/{}/concluir", actions_path(id.0), a.id),
            id.0,
        )
        .await?;
        Ok(Json(completed(&done, t)))
    }

    /// Registrar uma ação realizada
    ///
    /// Registra uma ação realizada sem passar pela pendente: se houver uma ação pendente do
    /// tipo, é ela que se conclui; senão, uma ação realizada é criada. Agenda as próximas ações
    /// do ciclo como a conclusão. Dados recusados: 422.
    #[oai(
        path = "/hipertensos/:id/acoes/registrar",
        method = "post",
        operation_id = "registrarAcao"
    )]
    async fn record_done(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        body: Json<Realizacao>,
    ) -> Result<RecordResponse, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        if patient::find_in_scope(&state.db, &scope, id.0)
            .await?
            .is_none()
        {
            return Err(person_not_found());
        }
        let b = body.0;
        let t = b.tipo.action_type();
        let rec = record(state, &scope, id.0, t, b.data, b.registro).await?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let done = actions::complete(
            &state.db,
            actor,
            id.0,
            Completion {
                action_type: t,
                action_id: None,
                done_on: b.data,
                notes: b.observacoes,
                record: rec,
            },
            today,
        )
        .await
        .map_err(|e| match e {
            ActionError::NotFound => person_not_found(),
            e => action_error(e, Body::Completion),
        })?;
        audit_write(
            state,
            user,
            req,
            format!("{}/registrar", actions_path(id.0)),
            id.0,
        )
        .await?;
        Ok(RecordResponse::Created(Json(completed(&done, t))))
    }

    /// Cancelar uma ação pendente
    ///
    /// A ação fica na linha do tempo como cancelada, com o motivo. Ação que não está pendente:
    /// 409.
    #[oai(
        path = "/hipertensos/:id/acoes/:acao/cancelar",
        method = "post",
        operation_id = "cancelarAcao"
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
        body: Json<Cancelamento>,
    ) -> Result<Json<AcaoCancelada>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        let a = action_of(state, &scope, id.0, acao.0).await?;
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        actions::cancel(&state.db, actor, a.id, body.0.motivo, today)
            .await
            .map_err(|e| action_error(e, Body::Completion))?;
        audit_write(
            state,
            user,
            req,
            format!("{}/{}/cancelar", actions_path(id.0), a.id),
            id.0,
        )
        .await?;
        Ok(Json(AcaoCancelada {
            acao: a.id,
            pessoa: id.0,
            situacao: SituacaoAcao::Cancelada,
        }))
    }

    /// Enviar uma MRPA
    ///
    /// Registra as leituras da monitorização residencial (5 dias, manhã e noite, 3 medidas) e
    /// conclui a ação pendente `avaliar_mrpa` (ou registra uma realizada). As médias excluem o
    /// 1º dia; o controle é pela meta domiciliar (< 130/80 mmHg); sem `decisao`, vale a
    /// sugerida pelo protocolo. Devolve as médias, o controle, a decisão e as próximas ações.
    /// Leituras fora da faixa, sistólica não maior que a diastólica, medida repetida ou menos
    /// de 12 leituras válidas nos dias 2 a 5: 422, e nada é gravado.
    #[oai(
        path = "/hipertensos/:id/mrpa",
        method = "post",
        operation_id = "enviarMrpa"
    )]
    async fn mrpa(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        body: Json<EnvioMrpa>,
    ) -> Result<Json<ResultadoMrpa>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        let b = body.0;
        let home = readings(&b.leituras);
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let done = actions::complete(
            &state.db,
            actor,
            id.0,
            Completion {
                action_type: ActionType::EvaluateMrpa,
                action_id: None,
                done_on: b.data.unwrap_or(today),
                notes: b.observacoes,
                record: Record::Mrpa(MrpaRecord {
                    first_day: b.primeiro_dia,
                    readings: home.clone(),
                    decision: b.decisao.map(Decisao::decision),
                    analysis: b.analise,
                }),
            },
            today,
        )
        .await
        .map_err(|e| match e {
            ActionError::NotFound => person_not_found(),
            e => action_error(e, Body::Mrpa),
        })?;
        audit_write(
            state,
            user,
            req,
            format!("{V1_PREFIX}/hipertensos/{}/mrpa", id.0),
            id.0,
        )
        .await?;
        // Saved, so the readings summarise: the same computation the program stored.
        let s = mrpa::summarize(&home).map_err(|e| ApiError::internal(&e))?;
        let suggested = mrpa::suggested_decision(&s);
        let decision = b.decisao.map(Decisao::decision).unwrap_or(suggested);
        Ok(Json(ResultadoMrpa {
            acao: done.action_id,
            pessoa: id.0,
            media_sistolica: s.mean_systolic,
            media_diastolica: s.mean_diastolic,
            leituras_validas: u32::try_from(s.valid_readings).unwrap_or(u32::MAX),
            controle: ControleMrpa::of(s.control),
            decisao: Decisao::of(decision),
            decisao_sugerida: Decisao::of(suggested),
            agendadas: done
                .scheduled
                .iter()
                .map(|(t, d)| ScheduledAction::of(*t, *d))
                .collect(),
        }))
    }
}
