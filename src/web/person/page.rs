//! The person page (`/pacientes/{id}`): the page of the first programme of the registry that has
//! its own page for the people on its list (today hypertension's), else the page of anyone the
//! user's scope reaches, with the same "Programas" panel.

use maud::{Markup, html};
use poem::http::header;
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::care::person::{self, Membership};
use crate::clinical::{age, sex::Sex};
use crate::state::AppState;
use crate::store::person::Model as Person;

use super::refuse_without_scope;
use crate::web::error::WebError;
use crate::web::form::path_id;
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client};
use crate::web::{format, layout, paths};

/// `GET /pacientes/{id}`: a programme's own page for someone on its list, else the page of
/// anyone the scope reaches; unknown and out-of-scope ids get the same 404.
#[handler]
pub async fn page(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    for program in crate::web::programs::ALL {
        let Some(own_page) = program.person_page else {
            continue;
        };
        let r = crate::web::programs::PersonRequest {
            req,
            hx,
            client: &client,
            user: &user,
            state,
            person,
        };
        if let Some(response) = own_page(r).await? {
            return Ok(response);
        }
    }
    // On no list with a page of its own: the person page, for anyone the scope reaches.
    unlisted(state, &user, &client, person)
        .await?
        .ok_or(WebError::NotFound)
}

/// The page of a person on no programme's list (`None`: unknown or out of scope).
async fn unlisted(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    client: &Client,
    id: i64,
) -> Result<Option<Response>, WebError> {
    refuse_without_scope(user)?;
    let Some(p) = person::find_in_scope(&state.db, &user.scope(), id).await? else {
        return Ok(None);
    };
    let catalogue = state.catalogue().await;
    let memberships = person::memberships(&state.db, catalogue.as_ref(), &p).await?;
    let panels = crate::web::programs::panels(state, user, id).await?;
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action: Action::ViewPatient,
            resource: paths::patient(id),
            filters: None,
            persons: vec![id],
            person_count: 1,
            origin: client.origin(),
        },
    )
    .await?;
    let footer = state.footer(Some(user)).await;
    let body = html! {
        div class="patient-page" {
            (identification(&p, state.today()))
            (programs_panel(&memberships))
            @for panel in &panels { (panel) }
        }
    };
    Ok(Some(
        layout::page(&format!("Ficha · {}", p.no_cidadao), None, &footer, body)
            .with_header(header::CACHE_CONTROL, "no-store")
            .into_response(),
    ))
}

fn identification(p: &Person, today: chrono::NaiveDate) -> Markup {
    let sex = p.sexo.as_deref().and_then(Sex::from_key);
    let address: Vec<String> = [
        p.household_street.clone(),
        p.household_number.clone().map(|n| format!("nº {n}")),
        p.household_district.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        section class="patient-id" aria-labelledby="paciente-nome" {
            h1 id="paciente-nome" { (p.no_cidadao) }
            dl class="facts" {
                dt { "Idade" } dd { @match p.dt_nascimento { Some(b) => { (age::years(b, today)) " a" } None => { "Não informada" } } }
                @if let Some(b) = p.dt_nascimento { dt { "Nascimento" } dd { (format::date(b)) } }
                dt { "Sexo" } dd { (sex.map_or("Não informado", |x| x.label())) }
                dt { "CNS" } dd { (p.nu_cns.as_deref().unwrap_or("Não registrado")) }
                dt { "Telefone" } dd { (p.nu_telefone.as_deref().unwrap_or("Não registrado")) }
                dt { "Equipe" } dd { (p.no_equipe.as_deref().unwrap_or("Sem vínculo com equipe")) }
                dt { "Microárea" } dd { (p.micro_area.as_deref().unwrap_or("Sem microárea")) }
                dt { "Domicílio" } dd {
                    @if address.is_empty() { "Sem domicílio vinculado" } @else { (address.join(", ")) }
                }
            }
        }
    }
}

/// The programmes of the registry with whether the person is on each list and why.
pub fn programs_panel(memberships: &[Membership]) -> Markup {
    html! {
        section class="card person-programs" aria-labelledby="programas-titulo" {
            h2 id="programas-titulo" { "Programas" }
            ul class="program-list" {
                @for m in memberships {
                    li data-program=(m.program.key) data-listed=(m.listed) {
                        @if m.listed {
                            a href=(m.program.path) { (m.program.name) } " "
                            span class="badge badge-ok" { "Na lista" }
                        } @else {
                            (m.program.name) " " span class="badge badge-muted" { "Fora da lista" }
                        }
                        p class="hint" { (m.reason) }
                    }
                }
            }
        }
    }
}
