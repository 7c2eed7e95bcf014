//! PEC table `tb_exame_triglicerideos` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_exame_triglicerideos")]
pub struct Model {
    /// PK name unverified; app SQL never references it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_exame_triglicerideos: i64,
    pub co_exame_requisitado: i64,
    pub vl_triglicerideos: Option<Decimal>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
