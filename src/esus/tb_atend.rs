//! PEC table `tb_atend` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_atend")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_atend: i64,
    pub co_prontuario: i64,
    /// Points at ONE act of the encounter only (nullable in the PEC); no FK here
    /// because the PEC's pointer is circular with tb_atend_prof.co_atend.
    pub co_atend_prof: Option<i64>,
    pub dt_inicio: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
