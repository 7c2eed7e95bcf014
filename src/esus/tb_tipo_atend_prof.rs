//! PEC table `tb_tipo_atend_prof` (mirror entity, read only by convention): the kinds of a
//! professional act (`tb_atend_prof.tp_atend_prof`). Only a name, no natural identifier
//! (observed on PEC 5.5.22): the app resolves the rows it needs by their folded name.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_tipo_atend_prof")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_tipo_atend_prof: i64,
    pub no_tipo_atend_prof: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
