//! PEC table `tb_cirurgias_internacoes` (mirror entity, read only by convention).
//! PK name unverified; app SQL never references it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cirurgias_internacoes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cirurgias_internacoes: i64,
    pub co_prontuario: i64,
    pub ds_cirurgia_internacao: Option<String>,
    pub dt_cirurgia_internacao: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
