//! PEC table `tb_problema` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_problema")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_problema: i64,
    pub co_prontuario: i64,
    pub co_ciap: Option<i64>,
    pub co_cid10: Option<i64>,
    /// Circular with tb_problema_evolucao; plain column.
    pub co_ultimo_problema_evolucao: Option<i64>,
    pub co_unico_problema: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
