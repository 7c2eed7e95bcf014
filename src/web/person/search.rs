//! The search across the whole territory in the header (`/pessoas`): people of the user's
//! territory by name, CNS or CPF, on a programme's list or not.

use maud::html;
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::care::person;
use crate::care::search::{MAX_CHARS, Search};
use crate::clinical::age;
use crate::state::AppState;

use super::refuse_without_scope;
use crate::web::error::WebError;
use crate::web::session::{Auth, Client};
use crate::web::{layout, paths};

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
