//! PEC table `tb_exame_requisitado` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_exame_requisitado")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_exame_requisitado: i64,
    pub co_prontuario: i64,
    pub co_proced: i64,
    pub dt_solicitacao: DateTime,
    pub dt_realizacao: Option<DateTime>,
    pub ds_resultado: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
