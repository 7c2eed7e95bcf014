//! What a diabetes evaluation recorded, owned by its "avaliação" action: the exams it looked
//! at, the control status the professional chose and the change proposed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "diabetes_evaluation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    /// HbA1c, %.
    pub hba1c: Option<f64>,
    /// Fasting glucose, mg/dL.
    pub fasting_glucose: Option<f64>,
    /// Mean glucose, mg/dL.
    pub mean_glucose: Option<f64>,
    pub exam_date: Option<Date>,
    /// `adequado`, `aceitavel` or `descompensado`.
    pub control: String,
    pub proposed_change: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
