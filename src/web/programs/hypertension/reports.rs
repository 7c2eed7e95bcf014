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
use crate::clinical::c5::{self, Practice};
use crate::programs::hypertension::{acs, team, worklist};

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

/// `GET /hipertensos/equipe?equipe=`.
#[handler]
pub async fn team_summary(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let scope = user.scope();
    let (team_ine, _) = team_and_area(req)?;
    let team = &team_of(state, &scope, &team_ine).await?;
    let today = state.today();
    let s = team::summary(&state.db, &scope, team, today).await?;
    audit::record(
        &state.db,
        Event::without_persons(
            Some(&user),
            Action::ViewList,
            paths::HYPERTENSION_TEAM,
            client.origin(),
        ),
    )
    .await?;
    let pct = |n: u64| {
        if s.people == 0 {
            "—".to_string()
        } else {
            format!("{}%", format::decimal1(n as f64 * 100.0 / s.people as f64))
        }
    };
    let max = 100.0_f64;
    let body = html! {
        div class="page-head" {
            h1 { "Resumo da equipe — hipertensão" }
            p class="lead" {
                (team.no_equipe) " (INE " (team.nu_ine) ") · quadrimestre "
                (format::date(s.quadrimester.0)) " a " (format::date(s.quadrimester.1))
            }
            p { a class="button button-secondary" href=(format!("{}?equipe={}", paths::HYPERTENSION, team.nu_ine)) { "Ver a lista nominal" } }
        }
        section class="counters" aria-label="Indicador C5" {
            div class="counter counter-score" title=(c5::EDITION) {
                span class="counter-value" { @match s.quadrimester_score { Some(v) => { (format::decimal1(v)) } None => { "—" } } }
                span class="counter-label" {
                    "C5 do quadrimestre (média mensal)"
                    @if let Some(v) = s.quadrimester_score { " · " (team::band(v)) }
                }
            }
            div class="counter" {
                span class="counter-value" { @match s.score_now { Some(v) => { (format::decimal1(v)) } None => { "—" } } }
                span class="counter-label" { "C5 hoje" }
            }
            div class="counter" {
                span class="counter-value" { (format::int(s.people)) }
                span class="counter-label" { "Hipertensos" }
            }
            div class="counter counter-bad" {
                span class="counter-value" { (format::int(s.counters.overdue)) }
                span class="counter-label" { "Com ação atrasada" }
            }
        }
        @if s.months.is_empty() {
            p class="muted" { "A evolução mensal é da equipe inteira; seu perfil vê parte dela (microáreas)." }
        } @else {
            section aria-label="Evolução mensal" {
                h2 { "Evolução mensal do C5" }
                table class="worklist trend" {
                    thead { tr { th scope="col" { "Mês (até)" } th scope="col" class="num" { "Pessoas" } th scope="col" class="num" { "C5" } th scope="col" { "" } } }
                    tbody {
                        @for m in &s.months {
                            tr {
                                td { (format::date(m.end)) @if m.partial { " (parcial)" } }
                                td class="num" { (m.people) }
                                td class="num" { @match m.score { Some(v) => { (format::decimal1(v)) } None => { "—" } } }
                                td {
                                    @if let Some(v) = m.score {
                                        meter min="0" max=(max) low="25" high="75" optimum="100" value=(v) { (format::decimal1(v)) }
                                    }
                                }
                            }
                        }
                    }
                }
                p class="muted" { "Cada mês é avaliado no seu último dia (o mês corrente, hoje) sobre a população atual; o resultado do quadrimestre é a média dos meses (NT 8/2026)." }
            }
        }
        section aria-label="Boas práticas" {
            h2 { "Boas práticas hoje" }
            table class="worklist" {
                thead { tr { th scope="col" { "Prática" } th scope="col" class="num" { "Pessoas em dia" } th scope="col" class="num" { "%" } } }
                tbody {
                    @for (i, p) in Practice::ALL.iter().enumerate() {
                        tr { td { (p.letter()) " — " (p.description()) } td class="num" { (format::int(s.practices[i])) } td class="num" { (pct(s.practices[i])) } }
                    }
                }
            }
        }
        section aria-label="Microáreas" {
            h2 { "Por microárea" }
            table class="worklist" {
                thead { tr { th scope="col" { "Microárea" } th scope="col" class="num" { "Pessoas" } th scope="col" class="num" { "C5 hoje" } th scope="col" { "" } } }
                tbody {
                    @for a in &s.micro_areas {
                        tr {
                            td { @match &a.micro_area { Some(m) => { (m) } None => { "Sem microárea" } } }
                            td class="num" { (a.people) }
                            td class="num" { @match a.score { Some(v) => { (format::decimal1(v)) } None => { "—" } } }
                            td { @if let Some(m) = &a.micro_area { a href=(paths::acs_list(&team.nu_ine, m)) { "Lista do ACS" } } }
                        }
                    }
                }
            }
        }
    };
    let footer = state.footer(Some(&user)).await;
    Ok(no_store(layout::page(
        "Resumo da equipe",
        Some(paths::HYPERTENSION),
        &footer,
        body,
    )))
}
