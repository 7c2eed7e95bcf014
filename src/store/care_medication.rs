//! A medication of a person's treatment plan (one plan for every programme).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_medication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The programme that added it (`hypertension`, `diabetes`, …).
    pub program: String,
    pub co_cidadao: i64,
    /// `tb_medicamento.co_seq_medicamento` of the PEC catalogue (a PEC drug).
    pub co_medicamento: Option<i64>,
    /// The key of a programme's own catalogue entry (a listed drug).
    pub drug: Option<String>,
    pub name: String,
    /// `comprimido` or `ui` (insulin).
    pub unit: String,
    /// Tablets per intake; for insulin, units a day (the sum of the applications).
    pub dose: i32,
    /// Intakes (applications) per day.
    pub frequency: i32,
    /// Insulin: each application's time and units, `"07:00 20;22:00 10"`.
    pub schedule: Option<String>,
    pub started_on: Date,
    /// `active`, `paused`, `stopped` or `replaced`.
    pub status: String,
    pub ended_on: Option<Date>,
    /// The medication this one replaced (an insulin changed).
    pub replaces_id: Option<i64>,
    pub notes: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
