//! PEC table `tb_atend_prof` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_atend_prof")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_atend_prof: i64,
    pub co_atend: i64,
    pub dt_inicio: DateTime,
    /// → tb_lotacao.co_ator_papel (the professional and their CBO). Name from public
    /// listings; unverified.
    pub co_lotacao: Option<i64>,
    /// → tb_tipo_atend_prof. Values used here: 1 consultation, 2 initial listening
    /// ("escuta inicial"), 3 procedure. Ids unverified against a real PEC.
    pub tp_atend_prof: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
