//! PEC table `tb_cidadao_vinculacao_equipe` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cidadao_vinculacao_equipe")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao_vinculacao_eqp: i64,
    pub co_cidadao: i64,
    pub nu_ine: String,
    pub nu_cnes: Option<String>,
    pub dt_atualizacao_cadastro: Option<DateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
