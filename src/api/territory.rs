//! `GET /equipes` and `GET /equipes/{ine}/microareas`: the teams and micro-areas the caller's
//! scope reaches (the same lists as the worklist page's selectors). Aggregates, no person:
//! not audited, as the selectors are not.

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Object, OpenApi};

use super::auth::ApiAuth;
use super::problem::ApiError;
use super::{ApiTags, require_patient_scope};
use crate::programs::hypertension::worklist::{self, TeamOption};
use crate::state::AppState;

/// Uma equipe (eSF/eAP) com pessoas hipertensas no território do usuário.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct Team {
    /// Código INE da equipe.
    pub ine: String,
    /// Nome da equipe no PEC.
    pub nome: String,
    /// CNES da unidade de saúde da equipe.
    #[oai(skip_serializing_if_is_none)]
    pub cnes: Option<String>,
    /// Pessoas hipertensas da equipe que o usuário alcança (na última atualização dos
    /// dados): a equipe inteira, ou, para um ACS, só as das suas microáreas.
    pub pessoas: i64,
}

impl Example for Team {
    fn example() -> Self {
        Team {
            ine: "0000000001".into(),
            nome: "ESF 01 - CENTRO".into(),
            cnes: Some("1234567".into()),
            pessoas: 312,
        }
    }
}

impl From<&TeamOption> for Team {
    fn from(t: &TeamOption) -> Self {
        Team {
            ine: t.nu_ine.clone(),
            nome: t.no_equipe.clone(),
            cnes: t.nu_cnes.clone(),
            pessoas: t.people,
        }
    }
}

/// As microáreas de uma equipe que o usuário alcança.
#[derive(Object, Debug, Clone)]
pub struct MicroAreas {
    /// Código INE da equipe.
    pub equipe: String,
    /// Códigos das microáreas, em ordem.
    pub microareas: Vec<String>,
}

/// The team of a path, if the scope reaches it; unknown and out-of-scope teams get the
/// same 404.
pub(super) async fn team_in_scope(
    state: &AppState,
    scope: &crate::auth::Scope,
    ine: &str,
) -> Result<TeamOption, ApiError> {
    worklist::teams(&state.db, scope)
        .await?
        .into_iter()
        .find(|t| t.nu_ine == ine)
        .ok_or_else(|| ApiError::not_found("Equipe não encontrada no seu território."))
}

pub struct TerritoryApi;

#[OpenApi(tag = "ApiTags::Territorio")]
impl TerritoryApi {
    /// Equipes do território
    ///
    /// As equipes com pessoas hipertensas que o usuário do token alcança, por nome.
    #[oai(path = "/equipes", method = "get", operation_id = "listarEquipes")]
    async fn teams(
        &self,
        auth: ApiAuth,
        Data(state): Data<&AppState>,
    ) -> Result<Json<Vec<Team>>, ApiError> {
        let scope = require_patient_scope(auth.user())?;
        let teams = worklist::teams(&state.db, &scope).await?;
        Ok(Json(teams.iter().map(Team::from).collect()))
    }

    /// Microáreas de uma equipe
    ///
    /// As microáreas da equipe com pessoas hipertensas que o usuário alcança (um ACS vê só
    /// as suas). Equipe desconhecida ou fora do território: 404.
    #[oai(
        path = "/equipes/:ine/microareas",
        method = "get",
        operation_id = "listarMicroareas"
    )]
    async fn micro_areas(
        &self,
        auth: ApiAuth,
        Data(state): Data<&AppState>,
        /// Código INE da equipe (só números).
        #[oai(validator(pattern = r"^[0-9]{1,20}$"))]
        ine: Path<String>,
    ) -> Result<Json<MicroAreas>, ApiError> {
        let scope = require_patient_scope(auth.user())?;
        let team = team_in_scope(state, &scope, &ine.0).await?;
        let microareas = worklist::micro_areas(&state.db, &scope, &team).await?;
        Ok(Json(MicroAreas {
            equipe: team.nu_ine,
            microareas,
        }))
    }
}
