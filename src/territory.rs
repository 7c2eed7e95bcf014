//! The territory as the app knows it (units, teams, micro-areas), for picking scopes. It comes
//! from the person read model (`care::person`): every team with at least one person of the
//! population (alive, active, registration not inactive, linked to an active team), whatever
//! programme they are on.

use sea_orm::sea_query::Expr;
use sea_orm::{
    DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use crate::care::person;
use crate::store::person::{Column, Entity};

/// A team of the territory.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Team {
    pub nu_ine: String,
    pub no_equipe: String,
    /// CNES of the team's health unit.
    pub nu_cnes: Option<String>,
    /// People of the population linked to it.
    pub people: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Territory {
    /// CNES of the health units.
    pub units: Vec<String>,
    pub teams: Vec<Team>,
    /// (INE, micro-area) pairs.
    pub micro_areas: Vec<(String, String)>,
}

impl Territory {
    pub fn has_unit(&self, cnes: &str) -> bool {
        self.units.iter().any(|u| u == cnes)
    }

    pub fn team(&self, ine: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.nu_ine == ine)
    }

    pub fn has_micro_area(&self, ine: &str, micro: &str) -> bool {
        self.micro_areas.iter().any(|(i, m)| i == ine && m == micro)
    }
}

#[derive(Debug, FromQueryResult)]
struct MicroRow {
    nu_ine: Option<String>,
    micro_area: Option<String>,
}

/// Units, teams and micro-areas of the population.
pub async fn load(db: &DatabaseConnection) -> Result<Territory, DbErr> {
    let mut teams = Entity::find()
        .select_only()
        .column(Column::NuIne)
        .column_as(Expr::cust("MAX(no_equipe)"), "no_equipe")
        .column_as(Expr::cust("MAX(nu_cnes)"), "nu_cnes")
        .column_as(Expr::cust("COUNT(*)"), "people")
        .filter(person::eligible())
        .group_by(Column::NuIne)
        .into_model::<Team>()
        .all(db)
        .await?;
    teams.sort_by(|a, b| (&a.no_equipe, &a.nu_ine).cmp(&(&b.no_equipe, &b.nu_ine)));
    let mut units: Vec<String> = teams.iter().filter_map(|t| t.nu_cnes.clone()).collect();
    units.sort();
    units.dedup();
    let rows = Entity::find()
        .select_only()
        .column(Column::NuIne)
        .column(Column::MicroArea)
        .filter(person::eligible())
        .distinct()
        .order_by_asc(Column::NuIne)
        .order_by_asc(Column::MicroArea)
        .into_model::<MicroRow>()
        .all(db)
        .await?;
    let micro_areas = rows
        .into_iter()
        .filter_map(|r| Some((r.nu_ine?, r.micro_area?)))
        .collect();
    Ok(Territory {
        units,
        teams,
        micro_areas,
    })
}
