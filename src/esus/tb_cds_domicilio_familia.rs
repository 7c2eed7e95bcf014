//! PEC table `tb_cds_domicilio_familia` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_domicilio_familia")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_domicilio_familia: i64,
    pub co_cds_cad_domiciliar: i64,
    pub nu_cpf_cidadao: Option<String>,
    pub nu_cartao_sus: Option<String>,
    pub dt_nascimento: Option<DateTime>,
    pub qt_membros_familia: Option<i32>,
    pub co_renda_familiar: Option<i64>,
    pub st_mudanca: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
