//! PEC table `tb_medicao` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_medicao")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_medicao: i64,
    pub co_atend_prof: i64,
    pub dt_medicao: DateTime,
    pub nu_medicao_pressao_arterial: Option<String>,
    pub nu_medicao_glicemia: Option<String>,
    pub tp_glicemia: Option<i64>,
    pub nu_medicao_peso: Option<String>,
    pub nu_medicao_altura: Option<String>,
    pub nu_medicao_imc: Option<String>,
    pub nu_medicao_circunf_abdominal: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
