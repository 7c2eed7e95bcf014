//! PEC table `tb_renda_familiar` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_renda_familiar")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_renda_familiar: i64,
    pub no_renda_familiar: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
