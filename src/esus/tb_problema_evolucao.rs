//! PEC table `tb_problema_evolucao` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_problema_evolucao")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_problema_evolucao: i64,
    pub co_unico_problema: Option<String>,
    pub co_situacao_problema: i64,
    pub dt_inicio_problema: Option<Date>,
    pub co_atend_prof: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
