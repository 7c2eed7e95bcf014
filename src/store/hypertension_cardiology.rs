//! A cardiology referral or the consultation it led to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_cardiology")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub co_cidadao: i64,
    pub professional: Option<String>,
    /// `presencial`, `telemedicina` or `outro`.
    pub modality: Option<String>,
    pub consultation: Option<String>,
    pub recommendations: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
