//! PEC table `tb_cid10` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cid10")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_cid10: i64,
    pub nu_cid10: String,
    pub no_cid10: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
