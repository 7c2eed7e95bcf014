//! Whether a team asked for by its INE is one the user may list. One cheap question to the
//! `person` read model (is anyone linked to this team, and under which unit), then the scope
//! decides. Unknown and out-of-scope teams get the same answer, so nothing leaks.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use crate::auth::Scope;
use crate::store::person::{Column, Entity as Person};

/// The answer to an unknown or out-of-scope team, on pages, exports and the API alike.
pub const TEAM_NOT_FOUND: &str = "Equipe não encontrada: escolha uma equipe da lista.";

#[derive(Debug, FromQueryResult)]
struct TeamRow {
    nu_cnes: Option<String>,
}

/// Whether `ine` is a team of the territory (someone is linked to it) inside `scope`.
pub async fn team_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    ine: &str,
) -> Result<bool, DbErr> {
    if scope.is_empty() {
        return Ok(false);
    }
    let row = Person::find()
        .select_only()
        .column(Column::NuCnes)
        .filter(Column::NuIne.eq(ine))
        .limit(1)
        .into_model::<TeamRow>()
        .one(db)
        .await?;
    Ok(row.is_some_and(|r| scope.allows_team(ine, r.nu_cnes.as_deref())))
}
