//! PEC table `tb_cds_ficha_visita_domiciliar` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_ficha_visita_domiciliar")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_ficha_visita_dom: i64,
    pub dt_ficha: DateTime,
    pub co_cds_prof: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
