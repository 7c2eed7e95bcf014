//! The territory as the app knows it (units, teams, micro-areas), for picking scopes.

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryOrder, QuerySelect};

use crate::store::{hypertension_summary, hypertension_team};

#[derive(Debug, Clone, Default)]
pub struct Territory {
    /// CNES of the health units.
    pub units: Vec<String>,
    pub teams: Vec<hypertension_team::Model>,
    /// (INE, micro-area) pairs.
    pub micro_areas: Vec<(String, String)>,
}

impl Territory {
    pub fn has_unit(&self, cnes: &str) -> bool {
        self.units.iter().any(|u| u == cnes)
    }

    pub fn team(&self, ine: &str) -> Option<&hypertension_team::Model> {
        self.teams.iter().find(|t| t.nu_ine == ine)
    }

    pub fn has_micro_area(&self, ine: &str, micro: &str) -> bool {
        self.micro_areas.iter().any(|(i, m)| i == ine && m == micro)
    }
}

#[derive(Debug, FromQueryResult)]
struct MicroRow {
    nu_ine: String,
    micro_area: Option<String>,
}

/// Units, teams and micro-areas present in the derived data.
pub async fn load(db: &DatabaseConnection) -> Result<Territory, DbErr> {
    let teams = hypertension_team::Entity::find()
        .order_by_asc(hypertension_team::Column::NoEquipe)
        .all(db)
        .await?;
    let mut units: Vec<String> = teams.iter().filter_map(|t| t.nu_cnes.clone()).collect();
    units.sort();
    units.dedup();
    let rows = hypertension_summary::Entity::find()
        .select_only()
        .column(hypertension_summary::Column::NuIne)
        .column(hypertension_summary::Column::MicroArea)
        .distinct()
        .order_by_asc(hypertension_summary::Column::NuIne)
        .order_by_asc(hypertension_summary::Column::MicroArea)
        .into_model::<MicroRow>()
        .all(db)
        .await?;
    let micro_areas = rows
        .into_iter()
        .filter_map(|r| Some((r.nu_ine, r.micro_area?)))
        .collect();
    Ok(Territory {
        units,
        teams,
        micro_areas,
    })
}
