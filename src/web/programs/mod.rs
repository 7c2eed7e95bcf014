//! Each programme's own pages and its panel on the person page. Every programme in
//! [`crate::programs::ALL`] has one [`WebProgram`] here, in [`ALL`]: its routes are mounted and
//! its panel is asked for by the generic code (`web::routes`, the person page), never by name.

pub mod diabetes;
pub mod hypertension;

use maud::Markup;
use poem::Route;

use crate::programs::BoxFuture;
use crate::state::AppState;

use super::error::WebError;

/// The panel a programme adds to the person page, `None` when the person is not on its list
/// (the caller checked the scope on the person). It gets the signed-in user: what their
/// permissions allow decides which forms it offers, and their session's CSRF token goes in
/// every form it renders.
pub type PanelFn = for<'a> fn(
    &'a AppState,
    &'a crate::auth::CurrentUser,
    i64,
) -> BoxFuture<'a, Result<Option<Markup>, WebError>>;

/// What the person page hands a programme that has its own page for the people on its list.
pub struct PersonRequest<'a> {
    pub req: &'a poem::Request,
    pub hx: super::htmx::HxRequest,
    pub client: &'a super::session::Client,
    pub user: &'a crate::auth::CurrentUser,
    pub state: &'a AppState,
    pub person: i64,
}

/// A programme's own page for a person on its list (`None`: not on it, or out of scope — the
/// person page then asks the next programme, and finally shows the generic page).
pub type PersonPageFn =
    for<'a> fn(PersonRequest<'a>) -> BoxFuture<'a, Result<Option<poem::Response>, WebError>>;

/// A programme's web side.
pub struct WebProgram {
    /// The key of its [`crate::programs::ProgramDef`].
    pub key: &'static str,
    /// Mounts its pages.
    pub routes: fn(Route) -> Route,
    /// Its panel on the person page, if it has one there (hypertension renders the whole
    /// programme page instead).
    pub panel: Option<PanelFn>,
    /// Its own page for the people on its list, at the person's address.
    pub person_page: Option<PersonPageFn>,
}

/// Every programme's web side, in the order of [`crate::programs::ALL`].
pub static ALL: &[&WebProgram] = &[&hypertension::WEB, &diabetes::WEB];

/// Mounts every programme's pages.
pub fn routes(route: Route) -> Route {
    ALL.iter().fold(route, |r, p| (p.routes)(r))
}

/// The panels of the programmes the person is on, for the person page (the caller checked the
/// scope on the person); the user decides which forms a panel offers.
pub async fn panels(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    person: i64,
) -> Result<Vec<Markup>, WebError> {
    let mut out = Vec::new();
    for program in ALL {
        if let Some(panel) = program.panel
            && let Some(p) = panel(state, user, person).await?
        {
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_programme_has_its_web_side_in_the_same_order() {
        let web: Vec<&str> = super::ALL.iter().map(|p| p.key).collect();
        let registry: Vec<&str> = crate::programs::ALL.iter().map(|p| p.key).collect();
        assert_eq!(web, registry);
    }
}
