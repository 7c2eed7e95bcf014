//! The person: the search across the whole territory in the header (`/pessoas`) and the page
//! of anyone the user's scope reaches who is on no programme's list (people on a list get the
//! programme's richer page at the same address, with the same "Programas" panel).

use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::care::person::{self, Membership};
use crate::care::search::{MAX_CHARS, Search};
use crate::clinical::{age, sex::Sex};
use crate::state::AppState;
use crate::store::person::Model as Person;

use super::error::WebError;
use super::session::{Auth, Client};
use super::{format, layout, paths};

/// The query of `/pessoas`: `busca` only.
fn parse_query(raw: &str) -> Result<Option<Search>, String> {
    let mut wanted = None;
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "busca" => {
                let v = value.trim();
                if v.is_empty() {
                    continue;
                }
                if v.chars().count() > MAX_CHARS {
                    return Err(format!(
                        "A busca aceita no máximo {MAX_CHARS} caracteres. Digite parte do nome, o CNS ou o CPF."
                    ));
                }
                wanted = Some(Search::new(v).ok_or(
                    "A busca precisa de letras ou números: digite parte do nome, o CNS ou o CPF.",
                )?);
            }
            _ => return Err(format!("Parâmetro desconhecido: {key}.")),
        }
    }
    Ok(wanted)
}

fn refuse_without_scope(user: &crate::auth::CurrentUser) -> Result<(), WebError> {
    if user.scope().is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes. Peça ao administrador um perfil de equipe, microárea ou coordenação.".into(),
        ));
    }
    Ok(())
}

/// `GET /pessoas?busca=…`: people of the user's territory by name (words in any order,
/// accents ignored), CNS or CPF — on a programme's list or not.
#[handler]
pub async fn search(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    refuse_without_scope(&user)?;
    let search = parse_query(req.uri().query().unwrap_or("")).map_err(WebError::BadRequest)?;
    let mut found = match &search {
        Some(s) => person::search(&state.db, &user.scope(), s).await?,
        None => Vec::new(),
    };
    let cut = found.len() as u64 > person::SEARCH_LIMIT;
    found.truncate(usize::try_from(person::SEARCH_LIMIT).unwrap_or(usize::MAX));
    if search.is_some() {
        audit::record(
            &state.db,
            Event {
                user: Some(&user),
                action: Action::ViewList,
                resource: paths::PEOPLE.into(),
                filters: req.uri().query().map(String::from),
                persons: found.iter().map(|p| p.co_seq_cidadao).collect(),
                person_count: found.len() as u64,
                origin: client.origin(),
            },
        )
        .await?;
    }
    let footer = state.footer(Some(&user)).await;
    let today = state.today();
    let body = html! {
        h1 { "Buscar pessoa" }
        form class="filters" method="get" action=(paths::PEOPLE) role="search" {
            label for="busca-territorio" { "Nome, CNS ou CPF" }
            input id="busca-territorio" type="search" name="busca" maxlength=(MAX_CHARS)
                value=[search.as_ref().map(|s| s.raw.as_str())];
            button type="submit" class="button" { "Buscar" }
        }
        p class="hint" { "Busca em todo o território que o seu perfil alcança, com ou sem programa. As palavras do nome podem vir em qualquer ordem; acentos não importam." }
        @if let Some(s) = &search {
            @if found.is_empty() {
                p class="empty" { "Nenhuma pessoa encontrada para “" (s.raw) "” no seu território." }
            } @else {
                p class="count" {
                    @if cut { "Mostrando as " (found.len()) " primeiras pessoas: refine a busca." }
                    @else { (found.len()) @if found.len() == 1 { " pessoa encontrada" } @else { " pessoas encontradas" } }
                }
                div class="table-wrap" {
                    table class="worklist" {
                        thead { tr {
                            th scope="col" { "Nome" } th scope="col" { "Idade" }
                            th scope="col" { "Equipe" } th scope="col" { "Microárea" }
                            th scope="col" { "Situação" }
                        } }
                        tbody {
                            @for p in &found {
                                tr {
                                    td { a href=(paths::patient(p.co_seq_cidadao)) { (p.no_cidadao) } }
                                    td { @match p.dt_nascimento { Some(b) => { (age::years(b, today)) " a" } None => { "—" } } }
                                    td { (p.no_equipe.as_deref().unwrap_or("Sem equipe")) }
                                    td { (p.micro_area.as_deref().unwrap_or("—")) }
                                    td { @match person::exclusion(p) { Some(why) => { span class="badge badge-warn" { "Fora da população" } " " span class="hint" { (why) } } None => { "Ativo no território" } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page("Buscar pessoa", None, &footer, body)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

/// The page of a person on no programme's list (`None`: unknown or out of scope).
pub async fn page(
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
    let panels = super::programs::panels(state, id).await?;
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
