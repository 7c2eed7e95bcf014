//! `GET /diabeticos/equipe?equipe=`: the team's C4, generated from the registry (`web::team`).

use poem::web::Data;
use poem::{Request, Response, handler};

use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::session::{Auth, Client};

#[handler]
pub async fn team_summary(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    crate::web::team::page(
        req,
        &client,
        &user,
        state,
        &crate::programs::diabetes::PROGRAM,
        crate::web::team::Extras {
            people_label: "Pessoas com diabetes",
            ..Default::default()
        },
    )
    .await
}
