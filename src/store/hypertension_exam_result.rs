//! One laboratory result recorded by an "avaliar exames" action.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_exam_result")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    /// A [`crate::clinical::exams::Analyte`] key.
    pub analyte: String,
    pub value: f64,
    pub collected_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
