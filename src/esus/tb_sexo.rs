//! PEC table `tb_sexo` (mirror entity, read only by convention).
//! PEC key name uncertain: runtime code of the reference joins `co_sexo`, its docs say
//! `co_seq_sexo` (esus-schema.md §5.2). We follow the runtime code.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_sexo")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_sexo: i64,
    pub no_sexo: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
