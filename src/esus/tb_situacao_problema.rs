//! PEC table `tb_situacao_problema` (mirror entity, read only by convention).
//! Ids assumed 0 active, 1 latent, 2 resolved (esus-schema.md §5.7).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_situacao_problema")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_situacao_problema: i64,
    pub no_situacao_problema: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
