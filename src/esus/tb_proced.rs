//! PEC table `tb_proced` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_proced")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_proced: i64,
    pub co_proced: String,
    pub no_proced: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
