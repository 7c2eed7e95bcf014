//! C5 of a team at the end of a month of the current quadrimester.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_team_month")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub nu_ine: String,
    /// The month's last day, or the refresh day for the current month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month_end: Date,
    pub people: i64,
    pub points: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
