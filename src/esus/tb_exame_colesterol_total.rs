//! PEC table `tb_exame_colesterol_total` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_exame_colesterol_total")]
pub struct Model {
    /// PK name unverified; app SQL never references it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_exame_colesterol_total: i64,
    pub co_exame_requisitado: i64,
    pub vl_colesterol_total: Option<Decimal>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
