//! A cardiovascular-risk assessment (WHO/HEARTS chart) with its inputs and provenance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_cv_risk")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    pub age: i32,
    /// `F` or `M`.
    pub sex: String,
    pub smoker: bool,
    pub diabetes: bool,
    pub systolic: i32,
    /// mg/dL, when the lab-based chart was used.
    pub total_cholesterol: Option<f64>,
    /// kg/m², when the non-laboratory chart was used.
    pub bmi: Option<f64>,
    pub method: String,
    pub percent: f64,
    pub band: String,
    pub chart_edition: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
