//! PEC table `tb_cds_prof` (mirror entity, read only by convention).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tb_cds_prof")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cds_prof: i64,
    pub nu_cns: Option<String>,
    /// 515105 ACS, 322255 TACS.
    pub nu_cbo_2002: String,
    pub nu_ine: Option<String>,
    pub nu_cnes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
