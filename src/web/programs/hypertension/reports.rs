//! The hypertension programme's reports: the ACS list of one micro-area (by household,
//! printable with the print stylesheet and readable on a phone) and the team summary (C5 of
//! the quadrimester with its monthly trend).

use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::care::worklist::{
    ParamError, TEAM_NOT_FOUND, parse_micro_area, parse_team, team_in_scope,
};
use crate::clinical::age;
use crate::clinical::blood_pressure::ControlStatus;
use crate::programs::hypertension::{acs, worklist};

use crate::web::error::WebError;
use crate::web::layout;
use crate::web::session::{Auth, Client};
use crate::web::{AppState, format, paths};

/// `equipe` and `microarea` of the query string, validated by the worklist's parser.
fn team_and_area(req: &Request) -> Result<(String, Option<String>), WebError> {
    let mut team = None;
    let mut area = None;
    let bad = |e: ParamError| WebError::BadRequest(e.message);
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = v.trim();
        match k.as_ref() {
            "equipe" if !v.is_empty() => team = Some(parse_team(v).map_err(bad)?),
            "microarea" if !v.is_empty() => area = Some(parse_micro_area(v).map_err(bad)?),
            _ => {}
        }
    }
    let team = team.ok_or_else(|| WebError::BadRequest("Escolha uma equipe.".into()))?;
    Ok((team, area))
}

/// The team of the selector the user asked for, checked against the scope like the list's.
async fn team_of(
    state: &AppState,
    scope: &crate::auth::Scope,
    ine: &str,
) -> Result<worklist::TeamOption, WebError> {
    if !team_in_scope(&state.db, scope, ine).await? {
        return Err(WebError::BadRequest(TEAM_NOT_FOUND.into()));
    }
    // In scope but with no hypertensive person: no list to show either.
    let teams = worklist::teams(&state.db, scope).await?;
    teams
        .into_iter()
        .find(|t| t.nu_ine == ine)
        .ok_or_else(|| WebError::BadRequest(TEAM_NOT_FOUND.into()))
}

fn no_store(body: Markup) -> Response {
    body.with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

/// `GET /hipertensos/acs?equipe=&microarea=`.
#[handler]
pub async fn acs_list(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let scope = user.scope();
    let (team_ine, area) = team_and_area(req)?;
    let area = area.ok_or_else(|| {
        WebError::BadRequest("Escolha uma microárea para montar a lista do ACS.".into())
    })?;
    let team = &team_of(state, &scope, &team_ine).await?;
    let today = state.today();
    let houses = acs::households(&state.db, &scope, &team.nu_ine, &area).await?;
    let persons: Vec<i64> = houses
        .iter()
        .flat_map(|h| h.people.iter().map(|p| p.co_seq_cidadao))
        .collect();
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::Print,
            resource: paths::HYPERTENSION_ACS.into(),
            filters: req.uri().query().map(str::to_string),
            person_count: persons.len() as u64,
            persons,
            origin: client.origin(),
        },
    )
    .await?;
    let people: usize = houses.iter().map(|h| h.people.len()).sum();
    let body = html! {
        div class="page-head acs-head" {
            h1 { "Lista do ACS — hipertensos" }
            p class="lead" {
                (team.no_equipe) " · microárea " (area) " · "
                (people) " pessoa(s) em " (houses.len()) " domicílio(s) · emitida em " (format::date(today))
            }
            p class="no-print" {
                a class="button button-secondary" href=(format!("{}?equipe={}&microarea={}", paths::HYPERTENSION, team.nu_ine, area)) { "Voltar à lista" }
                " Use a impressão do navegador (Ctrl+P) para levar em papel."
            }
        }
        @if houses.is_empty() {
            div class="empty-state" { p { "Nenhum hipertenso nesta microárea." } }
        }
        @for h in &houses {
            section class="household" {
                h2 class="household-address" {
                    @match &h.street {
                        Some(s) => { (s) ", " (h.number.clone().unwrap_or_else(|| "s/n".into())) }
                        None => { "Sem domicílio vinculado no cadastro" }
                    }
                    @if let Some(d) = &h.district { span class="patient-meta" { " · " (d) } }
                }
                ul class="household-people" {
                    @for p in &h.people {
                        li class="household-person" {
                            div class="person-line" {
                                a class="patient-name" href=(paths::patient(p.co_seq_cidadao)) { (p.no_cidadao) }
                                span class="patient-meta" {
                                    @if let Some(b) = p.dt_nascimento { (age::years(b, today)) " anos" }
                                    " · " (ControlStatus::from_key(&p.control_status).map_or("", |s| s.label()))
                                    @if let (Some(s), Some(d), Some(at)) = (p.last_bp_systolic, p.last_bp_diastolic, p.last_bp_date) {
                                        " · última PA " (format::bp(s, d)) " em " (format::date(at))
                                    }
                                }
                            }
                            @let needs = acs::needs(p, today);
                            @if needs.is_empty() {
                                p class="muted" { "Nada pendente." }
                            } @else {
                                ul class="needs" {
                                    @for n in &needs {
                                        li class=[n.overdue.then_some("overdue")] {
                                            (n.what)
                                            @if let Some(by) = n.by {
                                                @if n.overdue { " — atrasada desde " (format::date(by)) } @else { " — até " (format::date(by)) }
                                            }
                                        }
                                    }
                                }
                            }
                            p class="visit-box print-only" { "Visita: ____/____/______  PA: ______/______  Obs.: ______________________" }
                        }
                    }
                }
            }
        }
    };
    let footer = state.footer(Some(&user)).await;
    Ok(no_store(layout::page(
        "Lista do ACS",
        Some(paths::HYPERTENSION),
        &footer,
        body,
    )))
}

/// `GET /hipertensos/equipe?equipe=`: the team's C5, generated from the registry
/// (`web::team`), with the follow-up workload and a link to each micro-area's ACS list.
#[handler]
pub async fn team_summary(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    // The workload counter, for the team asked for (the generic page validates it and answers
    // an unknown or out-of-scope team before anything is shown).
    let team = url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "equipe")
        .and_then(|(_, v)| crate::care::worklist::parse_team(v.trim()).ok());
    let mut counters = Vec::new();
    if let Some(team) = team {
        let filters = worklist::Filters {
            scope: user.scope(),
            team: Some(team),
            today: state.today(),
            ..Default::default()
        };
        let overdue = worklist::counters(&state.db, &filters).await?.overdue;
        counters.push((format::int(overdue), "Com ação atrasada", "counter-bad"));
    }
    let extras = crate::web::team::Extras {
        people_label: "Hipertensos",
        counters,
        micro_area_link: Some(|team, area| (paths::acs_list(team, area), "Lista do ACS")),
    };
    crate::web::team::page(
        req,
        &client,
        &user,
        state,
        &crate::programs::hypertension::PROGRAM,
        extras,
    )
    .await
}
