//! PEC table `tb_exame_creatina_serica` (mirror entity, read only by convention).
//! Spelled "creatina" as the reference's production view reads it; another public model
//! spells it `tb_exame_creatinina_serica` (esus-schema.md §5.3). Unverified.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_exame_creatina_serica")]
pub struct Model {
    /// PK name unverified; app SQL never references it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_exame_creatina_serica: i64,
    pub co_exame_requisitado: i64,
    pub vl_creatina_serica: Option<Decimal>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
