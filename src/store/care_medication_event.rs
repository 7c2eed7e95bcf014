//! The history of a treatment-plan medication: started, frequency/dose changed, paused,
//! resumed, stopped, replaced.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_medication_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub medication_id: i64,
    pub kind: String,
    pub on_date: Date,
    /// What changed, in Portuguese (e.g. "2x/dia → 3x/dia").
    pub detail: Option<String>,
    pub reason: Option<String>,
    pub user_id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
