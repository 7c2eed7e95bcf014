//! PEC table `tb_cds_visita_dom_desfecho` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_visita_dom_desfecho")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_cds_visita_dom_desfecho: i64,
    pub no_cds_visita_dom_desfecho: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
