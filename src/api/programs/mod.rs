//! Each programme's own API endpoints (`/api/v1/...`), over the same programme functions the
//! pages call. A programme registers its endpoint groups here, one line in [`Apis`] and
//! [`apis`]; `api::service` mounts them all.

pub mod diabetes;
pub mod hypertension;

use sea_orm::DatabaseConnection;

use crate::api::problem::ApiError;
use crate::auth::Scope;
use crate::care::worklist::{self, ListDef, MAX_PER_PAGE, PerPage, Query, TEAM_NOT_FOUND};

/// Every programme's endpoint groups (poem-openapi composes nested tuples of two or more).
pub type Apis = (hypertension::Apis, diabetes::Apis);

/// The value of [`Apis`].
pub fn apis() -> Apis {
    (hypertension::apis(), diabetes::apis())
}

/// A list endpoint's typed parameters, as `(name, value)` in the query string's words, through
/// the platform's list parser and team check — the same checks and messages as the pages —
/// with the user's scope and today. A refused parameter is a problem JSON naming it.
pub async fn list_query<D: ListDef>(
    db: &DatabaseConnection,
    scope: &Scope,
    today: chrono::NaiveDate,
    params: &[(&str, Option<String>)],
) -> Result<Query<D>, ApiError> {
    let mut q = Query::<D>::default();
    for (name, value) in params {
        if let Some(v) = value {
            q.set(name, v, PerPage::UpTo(MAX_PER_PAGE))
                .map_err(|e| ApiError::invalid(&e.field, e.message))?;
        }
    }
    if let Some(team) = &q.filters.team
        && !worklist::team_in_scope(db, scope, team).await?
    {
        // Unknown and out-of-scope teams get the same answer: nothing leaks.
        return Err(ApiError::invalid("equipe", TEAM_NOT_FOUND));
    }
    q.filters.scope = scope.clone();
    q.filters.today = today;
    Ok(q)
}
