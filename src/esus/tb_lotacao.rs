//! PEC table `tb_lotacao` (mirror entity, read only by convention).
//! A professional's assignment (lotação). PK `co_ator_papel` as in public listings;
//! unverified against a real PEC.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_lotacao")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_ator_papel: i64,
    pub co_prof: i64,
    pub co_cbo: i64,
    pub co_equipe: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
