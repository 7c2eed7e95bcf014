//! PEC table `rl_cds_visita_dom_motivo` (mirror entity, read only by convention).
//! Motives of a home visit (N:M).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rl_cds_visita_dom_motivo")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_cds_visita_domiciliar: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_cds_visita_dom_motivo: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
