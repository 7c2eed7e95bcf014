//! One home reading of an MRPA evaluation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_mrpa_reading")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub mrpa_id: i64,
    /// 1–5.
    pub day: i32,
    /// `manha` or `noite`.
    pub period: String,
    /// 1–3.
    pub seq: i32,
    pub systolic: i32,
    pub diastolic: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
