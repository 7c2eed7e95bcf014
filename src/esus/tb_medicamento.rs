//! PEC table `tb_medicamento` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_medicamento")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_medicamento: i64,
    pub no_principio_ativo: String,
    pub no_principio_ativo_filtro: String,
    pub co_forma_farmaceutica: Option<i64>,
    pub ds_concentracao: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
