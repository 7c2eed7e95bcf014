//! An MRPA evaluation (home blood-pressure monitoring), owned by its "avaliar MRPA" action.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_mrpa")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    /// Day 1 of the five days of readings.
    pub first_day: Date,
    pub mean_systolic: i32,
    pub mean_diastolic: i32,
    pub valid_readings: i32,
    /// `controlled` or `uncontrolled` against the home threshold.
    pub control: String,
    /// `manter`, `modificar` or `cardiologia`.
    pub decision: String,
    pub analysis: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
