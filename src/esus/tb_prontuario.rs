//! PEC table `tb_prontuario` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_prontuario")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_prontuario: i64,
    pub co_cidadao: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
