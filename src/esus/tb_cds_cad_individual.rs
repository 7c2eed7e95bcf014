//! PEC table `tb_cds_cad_individual` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_cad_individual")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_cad_individual: i64,
    pub co_unico_ficha: String,
    pub no_cidadao: Option<String>,
    pub no_cidadao_filtro: Option<String>,
    pub nu_cpf_cidadao: Option<String>,
    pub nu_cns_cidadao: Option<String>,
    pub dt_nascimento: Option<DateTime>,
    pub co_sexo: Option<i64>,
    pub nu_micro_area: Option<String>,
    pub st_responsavel_familiar: Option<i32>,
    pub nu_cpf_responsavel: Option<String>,
    pub nu_cartao_sus_responsavel: Option<String>,
    pub st_versao_atual: i32,
    pub st_ficha_inativa: i32,
    pub dt_cad_individual: Option<DateTime>,
    pub dt_obito: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
