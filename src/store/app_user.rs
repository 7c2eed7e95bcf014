//! A person who signs in. Roles and scope live in [`super::user_assignment`].

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-case login name.
    pub username: String,
    /// 11 digits, optional second login.
    pub cpf: Option<String>,
    pub full_name: String,
    /// Argon2id PHC string. Never logged, never shown.
    pub password_hash: String,
    pub active: bool,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub password_changed_at: DateTimeUtc,
    /// A [`crate::auth::Profession`] key (`medico`, `enfermeiro`); `None` for anyone else.
    pub profession: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
