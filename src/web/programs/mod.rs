//! Each programme's own pages and its panel on the person page.

pub mod diabetes;

use maud::Markup;

use crate::state::AppState;

use super::error::WebError;

/// The panels of the programmes the person is on, for the person page (the caller checked the
/// scope on the person).
pub async fn panels(state: &AppState, person: i64) -> Result<Vec<Markup>, WebError> {
    let mut out = Vec::new();
    if let Some(p) = diabetes::panel(state, person).await? {
        out.push(p);
    }
    Ok(out)
}
