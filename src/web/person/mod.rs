//! The person: the search across the whole territory in the header (`/pessoas`, [`search`])
//! and the person page (`/pacientes/{id}`, [`page`]): the programme's richer page for people on
//! the hypertension list, else the page of anyone the user's scope reaches, with the same
//! "Programas" panel.

pub mod page;
pub mod search;

pub use page::programs_panel;

use super::error::WebError;

fn refuse_without_scope(user: &crate::auth::CurrentUser) -> Result<(), WebError> {
    if user.scope().is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes. Peça ao administrador um perfil de equipe, microárea ou coordenação.".into(),
        ));
    }
    Ok(())
}
