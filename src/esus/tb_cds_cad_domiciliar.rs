//! PEC table `tb_cds_cad_domiciliar` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_cad_domiciliar")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_cad_domiciliar: i64,
    pub co_unico_ficha: String,
    pub tp_logradouro: Option<i64>,
    pub no_logradouro: Option<String>,
    pub nu_domicilio: Option<String>,
    pub no_bairro: Option<String>,
    pub nu_cep: Option<String>,
    pub ds_complemento: Option<String>,
    pub nu_micro_area: Option<String>,
    pub st_versao_atual: i32,
    pub dt_cad_domiciliar: Option<DateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
