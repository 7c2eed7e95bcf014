//! `GET /diabeticos`: the diabetes worklist with the page's filters, sorting and pagination,
//! through the same `diabetes::worklist` functions and the platform's list parser, scoped and
//! audited as a view of the list (`view_list`, the persons of the page, the list's total).

use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::{ControleGlicemico, OrdemDiabetes, PraticaC4};
use crate::api::auth::ApiAuth;
use crate::api::problem::ApiError;
use crate::api::programs::hypertension::worklist::TeamRef;
use crate::api::{ApiTags, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::care::worklist::{Choice, pages};
use crate::clinical::age;
use crate::clinical::diabetes::Control;
use crate::programs::diabetes::read_model::due_list;
use crate::programs::diabetes::worklist::{self, Counters, List};
use crate::state::AppState;
use crate::store::diabetes_summary as summary;

/// Uma hemoglobina glicada (%).
#[derive(Object, Debug, Clone)]
pub struct Hba1cResultado {
    /// Valor em % (NGSP/DCCT).
    pub valor: f64,
    pub data: NaiveDate,
}

/// Uma boa prática C4 que falta, e até quando fazê-la.
#[derive(Object, Debug, Clone)]
pub struct PraticaPendente {
    pub pratica: PraticaC4,
    /// Último dia para a prática contar no quadrimestre.
    pub ate: NaiveDate,
}

/// As seis boas práticas C4 da pessoa e seus pontos.
#[derive(Object, Debug, Clone)]
pub struct PessoaC4 {
    pub a: bool,
    pub b: bool,
    pub c: bool,
    pub d: bool,
    pub e: bool,
    pub f: bool,
    /// Pontos da pessoa (0 a 100).
    pub pontos: i32,
    /// As boas práticas que faltam, com o prazo de cada uma.
    pub pendentes: Vec<PraticaPendente>,
}

/// Uma pessoa da lista de diabetes.
#[derive(Object, Debug, Clone)]
pub struct PessoaComDiabetes {
    /// Identificador do cidadão no PEC (`tb_cidadao.co_seq_cidadao`).
    pub id: i64,
    pub nome: String,
    /// Cartão Nacional de Saúde.
    #[oai(skip_serializing_if_is_none)]
    pub cns: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub data_nascimento: Option<NaiveDate>,
    /// Idade em anos completos hoje (no fuso configurado).
    #[oai(skip_serializing_if_is_none)]
    pub idade: Option<u32>,
    pub equipe: TeamRef,
    #[oai(skip_serializing_if_is_none)]
    pub microarea: Option<String>,
    /// A hemoglobina glicada mais recente.
    #[oai(skip_serializing_if_is_none)]
    pub ultima_hba1c: Option<Hba1cResultado>,
    /// Meta de HbA1c para a idade, como a equipe lê (ex.: `< 7,5 %`).
    pub meta: String,
    pub controle: ControleGlicemico,
    pub c4: PessoaC4,
}

/// Contagem de pessoas por controle glicêmico (os contadores da página).
#[derive(Object, Debug, Clone, Copy, PartialEq)]
pub struct ContadoresDiabetes {
    /// Todas as pessoas dos filtros (sem o filtro de controle).
    pub total: u64,
    pub controlado: u64,
    pub descontrolado: u64,
    pub sem_hba1c_recente: u64,
    pub meta_individual: u64,
    /// Média dos pontos C4 dessas pessoas (0 a 100; ausente sem pessoas).
    #[oai(skip_serializing_if_is_none)]
    pub media_c4: Option<f64>,
}

impl From<&Counters> for ContadoresDiabetes {
    fn from(c: &Counters) -> Self {
        ContadoresDiabetes {
            total: c.total,
            controlado: c.get(Some(Control::Controlled)),
            descontrolado: c.get(Some(Control::Uncontrolled)),
            sem_hba1c_recente: c.get(Some(Control::NoRecentHba1c)),
            meta_individual: c.get(Some(Control::NoNumericTarget)),
            media_c4: c.mean().map(|m| (m * 10.0).round() / 10.0),
        }
    }
}

/// Uma página da lista de pessoas com diabetes, com os contadores dos filtros.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct PaginaDiabetes {
    pub itens: Vec<PessoaComDiabetes>,
    /// Página atual (a partir de 1).
    pub page: u64,
    /// Itens por página.
    pub per_page: u64,
    /// Pessoas que atendem a todos os filtros (em todas as páginas).
    pub total: u64,
    /// Número de páginas (ao menos 1).
    pub pages: u64,
    /// Contadores por controle glicêmico (sem o filtro `controle`).
    pub contadores: ContadoresDiabetes,
    /// Quando os dados derivados do PEC foram atualizados pela última vez.
    #[oai(skip_serializing_if_is_none)]
    pub dados_atualizados_em: Option<DateTime<Utc>>,
}

impl Example for PaginaDiabetes {
    fn example() -> Self {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        let end = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap_or_default();
        PaginaDiabetes {
            itens: vec![PessoaComDiabetes {
                id: 2051,
                nome: "JOSÉ CARLOS PEREIRA".into(),
                cns: Some("700000000000002".into()),
                data_nascimento: NaiveDate::from_ymd_opt(1961, 2, 9),
                idade: Some(65),
                equipe: TeamRef {
                    ine: "0000000001".into(),
                    nome: "ESF 01 - CENTRO".into(),
                },
                microarea: Some("03".into()),
                ultima_hba1c: Some(Hba1cResultado {
                    valor: 8.1,
                    data: today,
                }),
                meta: "< 7,5 %".into(),
                controle: ControleGlicemico::Descontrolado,
                c4: PessoaC4 {
                    a: true,
                    b: true,
                    c: false,
                    d: false,
                    e: true,
                    f: false,
                    pontos: 50,
                    pendentes: [PraticaC4::C, PraticaC4::D, PraticaC4::F]
                        .into_iter()
                        .map(|pratica| PraticaPendente { pratica, ate: end })
                        .collect(),
                },
            }],
            page: 1,
            per_page: 25,
            total: 1,
            pages: 1,
            contadores: ContadoresDiabetes {
                total: 1,
                controlado: 0,
                descontrolado: 1,
                sem_hba1c_recente: 0,
                meta_individual: 0,
                media_c4: Some(50.0),
            },
            dados_atualizados_em: None,
        }
    }
}

fn person(r: &summary::Model, today: NaiveDate) -> PessoaComDiabetes {
    let due = due_list(r.c4_due.as_deref());
    PessoaComDiabetes {
        id: r.co_seq_cidadao,
        nome: r.no_cidadao.clone(),
        cns: r.nu_cns.clone(),
        data_nascimento: r.dt_nascimento,
        idade: r.dt_nascimento.map(|b| age::years(b, today)),
        equipe: TeamRef {
            ine: r.nu_ine.clone(),
            nome: r.no_equipe.clone(),
        },
        microarea: r.micro_area.clone(),
        ultima_hba1c: match (r.last_hba1c, r.last_hba1c_date) {
            (Some(valor), Some(data)) => Some(Hba1cResultado { valor, data }),
            _ => None,
        },
        meta: r.hba1c_target.clone(),
        controle: ControleGlicemico::of(
            Control::from_key(&r.control_status).unwrap_or(Control::NoRecentHba1c),
        ),
        c4: PessoaC4 {
            a: r.c4_a,
            b: r.c4_b,
            c: r.c4_c,
            d: r.c4_d,
            e: r.c4_e,
            f: r.c4_f,
            pontos: r.c4_points,
            pendentes: PraticaC4::ALL
                .into_iter()
                .filter_map(|p| {
                    due.get(p.letter()).map(|ate| PraticaPendente {
                        pratica: p,
                        ate: *ate,
                    })
                })
                .collect(),
        },
    }
}

fn example_search() -> Option<String> {
    Some("jose".into())
}

pub struct DiabetesWorklistApi;

#[OpenApi(tag = "ApiTags::Diabetes")]
impl DiabetesWorklistApi {
    /// Lista de pessoas com diabetes
    ///
    /// A lista nominal de pessoas com diabetes do território do usuário do token, com os mesmos
    /// filtros, ordens e contadores da página "Diabetes": a última hemoglobina glicada, o
    /// controle pela meta da idade e as boas práticas do indicador C4 com o prazo das que faltam.
    /// Cada chamada é registrada na trilha de auditoria com as pessoas da página.
    #[oai(
        path = "/diabeticos",
        method = "get",
        operation_id = "listarDiabeticos"
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
        /// Só as pessoas com este controle glicêmico.
        controle: Query<Option<ControleGlicemico>>,
        /// Só as pessoas a quem falta esta boa prática C4.
        pratica: Query<Option<PraticaC4>>,
        /// Ordem da lista (padrão: nome).
        ordem: Query<Option<OrdemDiabetes>>,
        /// Página, a partir de 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        page: Query<Option<u64>>,
        /// Itens por página, de 1 a 100 (padrão 25).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        per_page: Query<Option<u64>>,
    ) -> Result<Json<PaginaDiabetes>, ApiError> {
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
                (
                    "controle",
                    controle.0.map(|c| c.control().key().to_string()),
                ),
                ("pratica", pratica.0.map(|p| p.letter().to_string())),
                ("ordem", ordem.0.map(|o| Choice::key(o.sort()).to_string())),
                ("page", page.0.map(|n| n.to_string())),
                ("per_page", per_page.0.map(|n| n.to_string())),
            ],
        )
        .await?;
        let (rows, total) = worklist::page(&state.db, &query.filters, &query.page).await?;
        let counters = worklist::counters(&state.db, &query.filters).await?;
        audit::record(
            &state.db,
            Event {
                user: Some(user),
                action: Action::ViewList,
                resource: crate::api::V1_PREFIX.to_string() + "/diabeticos",
                filters: req.uri().query().map(String::from),
                persons: rows.iter().map(|r| r.co_seq_cidadao).collect(),
                person_count: total,
                origin: audit_origin(req),
            },
        )
        .await?;
        let refreshed = crate::care::status::get(&state.db, crate::programs::diabetes::READ_MODEL)
            .await?
            .map(|s| s.refreshed_at);
        let today = state.today();
        Ok(Json(PaginaDiabetes {
            itens: rows.iter().map(|r| person(r, today)).collect(),
            page: query.page.page,
            per_page: query.page.per_page,
            total,
            pages: pages(total, query.page.per_page),
            contadores: (&counters).into(),
            dados_atualizados_em: refreshed,
        }))
    }
}
