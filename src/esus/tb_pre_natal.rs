//! PEC table `tb_pre_natal` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_pre_natal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_pre_natal: i64,
    pub co_prontuario: i64,
    pub dt_ultima_menstruacao: Option<Date>,
    pub st_gravidez_planejada: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
