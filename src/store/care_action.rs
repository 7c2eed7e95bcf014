//! A follow-up action of any programme (pending, done or cancelled; a done one that was
//! annulled is cancelled with `annulled_*` set). The kind is a key of the programme's action
//! catalogue (`care::followup::Catalogue`), checked in code.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The programme's key (`hypertension`, `diabetes`).
    pub program: String,
    /// `tb_cidadao.co_seq_cidadao`.
    pub co_cidadao: i64,
    /// A key of the programme's action catalogue.
    pub action_type: String,
    /// `pending`, `done` or `cancelled`.
    pub status: String,
    /// When it is due (for a done action, when it was scheduled).
    pub due_date: Date,
    pub done_date: Option<Date>,
    /// The action whose completion created this one.
    pub origin_id: Option<i64>,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_by: i64,
    pub done_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A completed action annulled (status `cancelled`): when, by whom and why. A completed
    /// record is never deleted.
    pub annulled_at: Option<DateTimeUtc>,
    pub annulled_by: Option<i64>,
    pub annul_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
