//! `GET /hipertensos`: the hypertension worklist with the page's filters, sorting and
//! pagination, through the same `hypertension::worklist` functions, scoped and audited as a
//! view of the list (`view_list`, the persons of the page, the list's total).

use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object, OpenApi};

use super::{Control, ControlCounters, NextAction, PracticeLetter, Score, Situacao};
use crate::api::auth::ApiAuth;
use crate::api::problem::ApiError;
use crate::api::{ApiTags, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::clinical::age;
use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Practice;
use crate::programs::hypertension::followup;
use crate::programs::hypertension::worklist::{self, List, Sort};
use crate::state::AppState;
use crate::store::hypertension_summary as summary;

/// Ordem da lista.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum Order {
    /// Nome (A–Z).
    Nome,
    /// Menos pontos C5 primeiro.
    Pontos,
    /// Aferição mais antiga primeiro (nunca aferidos primeiro).
    Afericao,
    /// Mais idosos primeiro.
    Idade,
    /// Próxima ação mais urgente primeiro (sem ação pendente por último).
    ProximaAcao,
}

impl Order {
    fn sort(self) -> Sort {
        match self {
            Order::Nome => Sort::Name,
            Order::Pontos => Sort::PointsAsc,
            Order::Afericao => Sort::LastBpAsc,
            Order::Idade => Sort::AgeDesc,
            Order::ProximaAcao => Sort::NextAction,
        }
    }
}

/// Referência a uma equipe.
#[derive(Object, Debug, Clone)]
pub struct TeamRef {
    /// Código INE.
    pub ine: String,
    pub nome: String,
}

/// Uma aferição de pressão arterial (mmHg).
#[derive(Object, Debug, Clone)]
pub struct BpReading {
    pub sistolica: i32,
    pub diastolica: i32,
    pub data: NaiveDate,
}

/// As quatro boas práticas C5 da pessoa e seus pontos.
#[derive(Object, Debug, Clone)]
pub struct PersonC5 {
    /// A: consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses.
    pub a: bool,
    /// B: pressão aferida nos últimos 6 meses.
    pub b: bool,
    /// C: peso e altura no mesmo dia nos últimos 12 meses.
    pub c: bool,
    /// D: duas visitas do ACS com 30 dias de intervalo nos últimos 12 meses.
    pub d: bool,
    /// Pontos da pessoa (0 a 100).
    pub pontos: i32,
    /// Letras das boas práticas pendentes.
    pub pendentes: Vec<PracticeLetter>,
}

/// Uma pessoa da lista de hipertensos.
#[derive(Object, Debug, Clone)]
pub struct Person {
    /// Identificador do cidadão no PEC (`tb_cidadao.co_seq_cidadao`).
    pub id: i64,
    pub nome: String,
    /// Cartão Nacional de Saúde.
    #[oai(skip_serializing_if_is_none)]
    pub cns: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub cpf: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub data_nascimento: Option<NaiveDate>,
    /// Idade em anos completos hoje (no fuso configurado).
    #[oai(skip_serializing_if_is_none)]
    pub idade: Option<u32>,
    /// `F` ou `M`.
    #[oai(skip_serializing_if_is_none)]
    pub sexo: Option<String>,
    pub equipe: TeamRef,
    #[oai(skip_serializing_if_is_none)]
    pub microarea: Option<String>,
    /// Última aferição válida.
    #[oai(skip_serializing_if_is_none)]
    pub ultima_afericao: Option<BpReading>,
    /// Última consulta com médico(a) ou enfermeiro(a).
    #[oai(skip_serializing_if_is_none)]
    pub ultima_consulta: Option<NaiveDate>,
    pub controle: Control,
    pub c5: PersonC5,
    /// A próxima ação de acompanhamento pendente.
    #[oai(skip_serializing_if_is_none)]
    pub proxima_acao: Option<NextAction>,
    /// Medicamentos em uso no plano de tratamento, um por item.
    pub tratamento: Vec<String>,
}

/// Uma página da lista de hipertensos, com os contadores e o resultado C5 dos filtros.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct WorklistPage {
    pub itens: Vec<Person>,
    /// Página atual (a partir de 1).
    pub page: u64,
    /// Itens por página.
    pub per_page: u64,
    /// Pessoas que atendem a todos os filtros (em todas as páginas).
    pub total: u64,
    /// Número de páginas (ao menos 1).
    pub pages: u64,
    /// Contadores por aba (sem o filtro `situacao`).
    pub contadores: ControlCounters,
    /// Resultado C5 da equipe/microárea filtrada (sem os filtros de busca e prática).
    pub c5: Score,
    /// Quando os dados derivados do PEC foram atualizados pela última vez.
    #[oai(skip_serializing_if_is_none)]
    pub dados_atualizados_em: Option<DateTime<Utc>>,
}

impl Example for WorklistPage {
    fn example() -> Self {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        WorklistPage {
            itens: vec![Person {
                id: 1042,
                nome: "MARIA DAS DORES DA SILVA".into(),
                cns: Some("700000000000001".into()),
                cpf: None,
                data_nascimento: NaiveDate::from_ymd_opt(1958, 7, 14),
                idade: Some(67),
                sexo: Some("F".into()),
                equipe: TeamRef {
                    ine: "0000000001".into(),
                    nome: "ESF 01 - CENTRO".into(),
                },
                microarea: Some("03".into()),
                ultima_afericao: Some(BpReading {
                    sistolica: 152,
                    diastolica: 94,
                    data: today,
                }),
                ultima_consulta: Some(today),
                controle: Control::NaoControlada,
                c5: PersonC5 {
                    a: true,
                    b: true,
                    c: false,
                    d: false,
                    pontos: 50,
                    pendentes: vec![PracticeLetter::C, PracticeLetter::D],
                },
                proxima_acao: Some(NextAction {
                    tipo: "avaliar_mrpa".into(),
                    nome: "Avaliar MRPA".into(),
                    prazo: today,
                    atrasada: false,
                }),
                tratamento: vec!["Losartana Potássica 50 mg — 1 cp 2x/dia".into()],
            }],
            page: 1,
            per_page: 25,
            total: 1,
            pages: 1,
            contadores: ControlCounters {
                total: 1,
                controlada: 0,
                nao_controlada: 1,
                sem_afericao: 0,
                acoes_pendentes: 1,
                acoes_atrasadas: 0,
                em_tratamento: 1,
            },
            c5: Score {
                pessoas: 1,
                pontos: 50,
                media: Some(50.0),
            },
            dados_atualizados_em: None,
        }
    }
}

fn person(r: &summary::Model, today: NaiveDate) -> Person {
    let status =
        ControlStatus::from_key(&r.control_status).unwrap_or(ControlStatus::NoRecentReading);
    let met = |p: Practice| r.c5_met(p);
    Person {
        id: r.co_seq_cidadao,
        nome: r.no_cidadao.clone(),
        cns: r.nu_cns.clone(),
        cpf: r.nu_cpf.clone(),
        data_nascimento: r.dt_nascimento,
        idade: r.dt_nascimento.map(|b| age::years(b, today)),
        sexo: r.sexo.clone(),
        equipe: TeamRef {
            ine: r.nu_ine.clone(),
            nome: r.no_equipe.clone(),
        },
        microarea: r.micro_area.clone(),
        ultima_afericao: match (r.last_bp_systolic, r.last_bp_diastolic, r.last_bp_date) {
            (Some(s), Some(d), Some(data)) => Some(BpReading {
                sistolica: s,
                diastolica: d,
                data,
            }),
            _ => None,
        },
        ultima_consulta: r.last_visit_date,
        controle: Control::of(status),
        c5: PersonC5 {
            a: r.c5_visit,
            b: r.c5_bp,
            c: r.c5_anthropometry,
            d: r.c5_acs_visits,
            pontos: r.c5_points,
            pendentes: Practice::ALL
                .into_iter()
                .filter(|p| !met(*p))
                .map(PracticeLetter::of)
                .collect(),
        },
        proxima_acao: match (&r.next_action_type, r.next_action_due) {
            (Some(t), Some(prazo)) => Some(NextAction {
                tipo: t.clone(),
                nome: followup::action_label(t).to_string(),
                prazo,
                atrasada: prazo < today,
            }),
            _ => None,
        },
        tratamento: r
            .treatment_text
            .as_deref()
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default(),
    }
}

fn example_search() -> Option<String> {
    Some("maria".into())
}

pub struct WorklistApi;

#[OpenApi(tag = "ApiTags::Hipertensao")]
impl WorklistApi {
    /// Lista de hipertensos
    ///
    /// A lista nominal de pessoas com hipertensão do território do usuário do token, com os
    /// mesmos filtros, ordens e contadores da página "Hipertensos". Cada chamada é registrada
    /// na trilha de auditoria com as pessoas da página.
    #[oai(
        path = "/hipertensos",
        method = "get",
        operation_id = "listarHipertensos"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Equipe (código INE, só números). Equipe desconhecida ou fora do território: 400.
        #[oai(validator(pattern = r"^[0-9]{1,20}$"))]
        equipe: Query<Option<String>>,
        /// Microárea (letras e números, até 10).
        #[oai(validator(pattern = r"^[A-Za-z0-9]{1,10}$"))]
        microarea: Query<Option<String>>,
        /// Parte do nome, o CNS ou o CPF (sem acentos e maiúsculas importarem).
        #[oai(validator(max_length = 100), example = "example_search")]
        busca: Query<Option<String>>,
        /// Só as pessoas desta aba (situação da pressão ou do acompanhamento).
        situacao: Query<Option<Situacao>>,
        /// Só as pessoas a quem falta esta boa prática C5.
        pratica: Query<Option<PracticeLetter>>,
        /// Ordem da lista (padrão: nome).
        ordem: Query<Option<Order>>,
        /// Página, a partir de 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        page: Query<Option<u64>>,
        /// Itens por página, de 1 a 100 (padrão 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> Result<Json<WorklistPage>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let query = super::super::list_query::<List>(
            &state.db,
            &scope,
            state.today(),
            &[
                ("equipe", equipe.0),
                ("microarea", microarea.0),
                ("busca", busca.0),
                ("situacao", situacao.0.map(|s| s.tab().key().to_string())),
                (
                    "pratica",
                    pratica.0.map(|p| p.practice().letter().to_string()),
                ),
                ("ordem", ordem.0.map(|o| o.sort().key().to_string())),
                ("page", page.0.map(|n| n.to_string())),
                ("per_page", per_page.0.map(|n| n.to_string())),
            ],
        )
        .await?;
        let page = worklist::page(&state.db, &query.filters, &query.page).await?;
        audit::record(
            &state.db,
            Event {
                user: Some(user),
                action: Action::ViewList,
                resource: crate::api::V1_PREFIX.to_string() + "/hipertensos",
                filters: req.uri().query().map(String::from),
                persons: page.rows.iter().map(|r| r.co_seq_cidadao).collect(),
                person_count: page.total,
                origin: audit_origin(req),
            },
        )
        .await?;
        let refreshed = crate::programs::hypertension::read_model::status(&state.db)
            .await?
            .map(|s| s.refreshed_at);
        let today = state.today();
        Ok(Json(WorklistPage {
            itens: page.rows.iter().map(|r| person(r, today)).collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            pages: page.pages(),
            contadores: page.counters.into(),
            c5: page.score.into(),
            dados_atualizados_em: refreshed,
        }))
    }
}
