//! PEC table `tb_cds_visita_domiciliar` (mirror entity, read only by convention).
//! One visited person per row; the person is matched by CNS or CPF only (no FK to
//! tb_cidadao in the PEC).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_visita_domiciliar")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_visita_domiciliar: i64,
    pub co_cds_ficha_visita_domiciliar: i64,
    pub nu_cartao_sus: Option<String>,
    pub nu_cpf_cidadao: Option<String>,
    pub co_cds_visita_dom_desfecho: Option<i64>,
    pub nu_medicao_pressao_arterial: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
