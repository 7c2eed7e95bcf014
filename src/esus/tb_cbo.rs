//! PEC table `tb_cbo` (mirror entity, read only by convention).
//! Occupation catalogue (CBO 2002). Names from public schema listings; unverified.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cbo")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_cbo: i64,
    pub co_cbo_2002: String,
    pub no_cbo: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
