//! PEC table `ta_evolucao_plano_ciap` (mirror entity, read only by convention).
//! Audit table of SOAP-plan procedures; the real PK is unknown, the entity declares a composite key.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ta_evolucao_plano_ciap")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_atend_prof: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_proced: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dt_auditoria: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
