//! A medication of the programme's treatment plan.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_medication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub co_cidadao: i64,
    /// `tb_medicamento.co_seq_medicamento` of the PEC catalogue.
    pub co_medicamento: Option<i64>,
    pub name: String,
    /// Tablets per intake.
    pub dose: i32,
    /// Intakes per day.
    pub frequency: i32,
    pub started_on: Date,
    /// `active`, `paused` or `stopped`.
    pub status: String,
    pub ended_on: Option<Date>,
    pub notes: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
