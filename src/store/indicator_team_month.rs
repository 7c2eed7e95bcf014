//! An indicator's result for a team at the end of a month of the current quadrimester
//! (written by each programme's refresh through `care::indicator`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_team_month")]
pub struct Model {
    /// The indicator's code (`C4`, `C5`, …: `clinical::indicator::IndicatorDef::code`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub indicator: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub nu_ine: String,
    /// The month's last day, or the refresh day for the current month.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month_end: Date,
    /// People in the denominator.
    pub people: i64,
    /// Sum of their points.
    pub points: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
