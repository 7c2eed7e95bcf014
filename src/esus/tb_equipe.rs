//! PEC table `tb_equipe` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_equipe")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_equipe: i64,
    pub nu_ine: String,
    pub no_equipe: String,
    pub st_ativo: i32,
    pub ds_area: Option<String>,
    /// → tb_tipo_equipe; CNES type code 70 = eSF, 76 = eAP (catalogue not mirrored).
    pub tp_equipe: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
