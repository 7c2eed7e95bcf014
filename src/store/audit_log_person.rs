//! Index of the persons of each audit row, to answer "who looked at this patient".

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log_person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub audit_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
