//! PEC table `tb_ciap` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_ciap")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_ciap: i64,
    pub co_ciap: String,
    pub ds_ciap: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
