//! One role of a user with its scope: a unit (CNES) or the whole municipality for a
//! coordinator, a team (INE) for a professional, a micro-area of a team for an ACS.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// A [`crate::auth::Role`] key.
    pub role: String,
    pub nu_cnes: Option<String>,
    pub nu_ine: Option<String>,
    pub micro_area: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
