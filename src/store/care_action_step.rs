//! One checklist step of a follow-up action (the diabetes module's sub-tasks): its text, in
//! order, whether completing the action needs it, and who ticked it when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_action_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    /// 1-based order within the action.
    pub position: i32,
    pub text: String,
    pub mandatory: bool,
    pub done_at: Option<DateTimeUtc>,
    pub done_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
