//! How many people of the hypertension read model each team has (for the team selector).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_team")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub nu_ine: String,
    pub no_equipe: String,
    pub people: i64,
    /// CNES of the team's health unit.
    pub nu_cnes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
