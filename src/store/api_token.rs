//! An API token of an integrator, acting as the user it is bound to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user whose roles and scope the token acts with.
    pub user_id: i64,
    /// What the admin called it ("Integração prontuário municipal").
    pub name: String,
    /// The token's first characters, to recognise it in lists and logs.
    pub prefix: String,
    /// SHA-256 (hex) of the whole token. The token itself is shown once and never stored.
    pub token_hash: String,
    /// The admin who created it (`None` when created from the command line).
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
