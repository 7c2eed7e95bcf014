//! `GET /equipes/{ine}/c5`: the team's (or one micro-area's) C5 hypertension summary, from the
//! same worklist counters and score the page shows. Aggregates, no person: not audited.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::{ControlCounters, PracticeLetter, Score};
use crate::api::auth::ApiAuth;
use crate::api::problem::ApiError;
use crate::api::territory::{Team, team_in_scope};
use crate::api::{ApiTags, require_patient_scope};
use crate::clinical::c5::Practice;
use crate::programs::hypertension::worklist::{self, Filters};
use crate::state::AppState;

/// Quantas pessoas cumprem uma boa prática C5.
#[derive(Object, Debug, Clone)]
pub struct PracticeCount {
    pub pratica: PracticeLetter,
    /// O que a boa prática pede.
    pub descricao: String,
    /// Pessoas que a cumprem.
    pub realizada: u64,
    /// Pessoas a quem falta.
    pub pendente: u64,
}

/// O resumo C5 (hipertensão) de uma equipe ou de uma de suas microáreas.
#[derive(Object, Debug, Clone)]
pub struct C5Summary {
    pub equipe: Team,
    /// A microárea resumida (ausente: a equipe toda que o usuário alcança).
    #[oai(skip_serializing_if_is_none)]
    pub microarea: Option<String>,
    /// Pessoas, soma e média dos pontos C5.
    pub resultado: Score,
    /// Pessoas por situação da pressão.
    pub controle: ControlCounters,
    /// Cada boa prática: quantos a cumprem e a quantos falta.
    pub praticas: Vec<PracticeCount>,
    /// Quando os dados derivados do PEC foram atualizados pela última vez.
    #[oai(skip_serializing_if_is_none)]
    pub dados_atualizados_em: Option<DateTime<Utc>>,
}

pub struct C5Api;

#[OpenApi(tag = "ApiTags::Hipertensao")]
impl C5Api {
    /// Resumo C5 da equipe
    ///
    /// Resultado do indicador C5 (cuidado da pessoa com hipertensão) da equipe, ou de uma
    /// microárea dela: média dos pontos, contadores de controle da pressão e cada boa prática.
    /// Equipe desconhecida ou fora do território: 404.
    #[oai(
        path = "/equipes/:ine/c5",
        method = "get",
        operation_id = "resumoC5Equipe"
    )]
    async fn summary(
        &self,
        auth: ApiAuth,
        Data(state): Data<&AppState>,
        /// Código INE da equipe (só números).
        #[oai(validator(pattern = r"^[0-9]{1,20}$"))]
        ine: Path<String>,
        /// Só esta microárea da equipe.
        #[oai(validator(pattern = r"^[A-Za-z0-9]{1,10}$"))]
        microarea: Query<Option<String>>,
    ) -> Result<Json<C5Summary>, ApiError> {
        let scope = require_patient_scope(auth.user())?;
        let team = team_in_scope(state, &scope, &ine.0).await?;
        let filters = Filters {
            scope,
            team: Some(team.nu_ine.clone()),
            micro_area: microarea.0.filter(|m| !m.is_empty()),
            ..Default::default()
        };
        let db = &state.db;
        let score = worklist::score(db, &filters).await?;
        let counters = worklist::counters(db, &filters).await?;
        let mut praticas = Vec::with_capacity(Practice::ALL.len());
        for p in Practice::ALL {
            let missing = Filters {
                missing: Some(p),
                ..filters.clone()
            };
            let pendente = worklist::counters(db, &missing).await?.total;
            praticas.push(PracticeCount {
                pratica: PracticeLetter::of(p),
                descricao: p.description().to_string(),
                realizada: counters.total.saturating_sub(pendente),
                pendente,
            });
        }
        let refreshed = crate::programs::hypertension::read_model::status(db)
            .await?
            .map(|s| s.refreshed_at);
        Ok(Json(C5Summary {
            equipe: Team::from(&team),
            microarea: filters.micro_area,
            resultado: score.into(),
            controle: counters.into(),
            praticas,
            dados_atualizados_em: refreshed,
        }))
    }
}
