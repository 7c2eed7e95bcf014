//! PEC table `tb_tipo_logradouro` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_tipo_logradouro")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_tipo_logradouro: i64,
    pub no_tipo_logradouro: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
