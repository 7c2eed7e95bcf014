//! The team summary of any programme with an indicator (`{programme}/equipe?equipe=INE`):
//! the indicator of the quadrimester with its monthly trend, the practices met now and the
//! micro-areas, from `care::indicator::team_summary` over the programme's registry entry. A
//! programme mounts it with one route; what it adds (a workload counter, a link per
//! micro-area) it passes in [`Extras`].

use maud::{Markup, html};
use poem::http::header;
use poem::{IntoResponse, Request, Response};

use crate::audit::{self, Action, Event};
use crate::auth::CurrentUser;
use crate::care::indicator::{self, TeamSummary};
use crate::care::worklist;
use crate::programs::ProgramDef;
use crate::state::AppState;
use crate::territory::Team;

use super::error::WebError;
use super::session::Client;
use super::{format, layout};

/// A link for a micro-area of a team (`team`, `micro_area`) → (href, text).
pub type MicroAreaLink = fn(&str, &str) -> (String, &'static str);

/// What a programme adds to its team summary.
pub struct Extras {
    /// The label of the people counter ("Hipertensos").
    pub people_label: &'static str,
    /// More counters after the indicator's: (value, label, css class).
    pub counters: Vec<(String, &'static str, &'static str)>,
    /// A link for a micro-area of the team: (href, text).
    pub micro_area_link: Option<MicroAreaLink>,
}

impl Default for Extras {
    fn default() -> Extras {
        Extras {
            people_label: "Pessoas na lista",
            counters: Vec::new(),
            micro_area_link: None,
        }
    }
}

/// The `equipe` of the query string (nothing else is accepted).
fn team_parameter(req: &Request) -> Result<Option<String>, WebError> {
    let mut team = None;
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = v.trim().to_string();
        match k.as_ref() {
            "equipe" if v.is_empty() => {}
            "equipe" => {
                team = Some(worklist::parse_team(&v).map_err(|e| WebError::BadRequest(e.message))?);
            }
            _ => {
                let key: String = k.chars().take(40).collect();
                return Err(WebError::BadRequest(format!(
                    "Parâmetro desconhecido: {key}. Esta página aceita só a equipe."
                )));
            }
        }
    }
    Ok(team)
}

/// The teams the user sees at least part of, from the person read model.
async fn teams_in_scope(state: &AppState, user: &CurrentUser) -> Result<Vec<Team>, WebError> {
    let scope = user.scope();
    let territory = crate::territory::load(&state.db).await?;
    Ok(territory
        .teams
        .into_iter()
        .filter(|t| {
            scope
                .micro_areas_of(&t.nu_ine, t.nu_cnes.as_deref())
                .is_none_or(|areas| !areas.is_empty())
        })
        .collect())
}

/// The page, for `program` (which must have an indicator).
pub async fn page(
    req: &Request,
    client: &Client,
    user: &CurrentUser,
    state: &AppState,
    program: &'static ProgramDef,
    extras: Extras,
) -> Result<Response, WebError> {
    let Some(source) = program.indicator else {
        return Err(WebError::NotFound);
    };
    let wanted = team_parameter(req)?;
    let teams = teams_in_scope(state, user).await?;
    let chosen = match (&wanted, teams.as_slice()) {
        (Some(ine), _) => Some(teams.iter().find(|t| &t.nu_ine == ine).ok_or_else(|| {
            // Unknown and out-of-scope teams get the same answer: nothing leaks.
            WebError::BadRequest(worklist::TEAM_NOT_FOUND.into())
        })?),
        (None, [only]) => Some(only),
        (None, _) => None,
    };
    let path = format!("{}/equipe", program.path);
    let footer = state.footer(Some(user)).await;
    let title = format!("Resumo da equipe — {}", program.name.to_lowercase());
    let Some(team) = chosen else {
        let body = html! {
            div class="page-head" { h1 { (title) } }
            @if teams.is_empty() {
                p { "Seu perfil não alcança nenhuma equipe." }
            } @else {
                p { "Escolha a equipe:" }
                ul class="team-choice" {
                    @for t in &teams {
                        li { a href=(format!("{path}?equipe={}", t.nu_ine)) { (t.no_equipe) " (INE " (t.nu_ine) ")" } }
                    }
                }
            }
        };
        return Ok(no_store(layout::page(
            &title,
            Some(program.path),
            &footer,
            body,
        )));
    };
    let today = state.today();
    let s = indicator::team_summary(
        &state.db,
        &user.scope(),
        &source,
        &team.nu_ine,
        team.nu_cnes.as_deref(),
        today,
    )
    .await?;
    audit::record(
        &state.db,
        Event::without_persons(Some(user), Action::ViewList, &path, client.origin()),
    )
    .await?;
    let body = html! {
        div class="page-head" {
            h1 { (title) }
            p class="lead" {
                (team.no_equipe) " (INE " (team.nu_ine) ") · quadrimestre "
                (format::date(s.quadrimester.0)) " a " (format::date(s.quadrimester.1))
            }
            p { a class="button button-secondary" href=(format!("{}?equipe={}", program.path, team.nu_ine)) { "Ver a lista nominal" } }
        }
        (view(&s, team, &extras))
    };
    Ok(no_store(layout::page(
        &title,
        Some(program.path),
        &footer,
        body,
    )))
}

fn no_store(body: Markup) -> Response {
    body.with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

fn score(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), format::decimal1)
}

/// The summary's sections.
fn view(s: &TeamSummary, team: &Team, extras: &Extras) -> Markup {
    let code = s.def.code;
    let pct = |n: u64| {
        if s.people == 0 {
            "—".to_string()
        } else {
            format!("{}%", format::decimal1(n as f64 * 100.0 / s.people as f64))
        }
    };
    html! {
        section class="counters" aria-label=(format!("Indicador {code}")) {
            div class="counter counter-score" title=(s.def.edition) {
                span class="counter-value" { (score(s.quadrimester_score)) }
                span class="counter-label" {
                    (code) " do quadrimestre (média mensal)"
                    @if let Some(b) = s.band { " · " (b.label()) }
                }
            }
            div class="counter" {
                span class="counter-value" { (score(s.score_now)) }
                span class="counter-label" { (code) " hoje" }
            }
            div class="counter" {
                span class="counter-value" { (format::int(s.people)) }
                span class="counter-label" { (extras.people_label) }
            }
            @for (value, label, class) in &extras.counters {
                div class=(format!("counter {class}")) {
                    span class="counter-value" { (value) }
                    span class="counter-label" { (label) }
                }
            }
        }
        @if s.months.is_empty() {
            p class="muted" { "A evolução mensal é da equipe inteira; seu perfil vê parte dela (microáreas)." }
        } @else {
            section aria-label="Evolução mensal" {
                h2 { "Evolução mensal do " (code) }
                div class="table-wrap" { table class="worklist trend" {
                    thead { tr { th scope="col" { "Mês (até)" } th scope="col" class="num" { "Pessoas" } th scope="col" class="num" { (code) } th scope="col" { "" } } }
                    tbody {
                        @for m in &s.months {
                            tr {
                                td { (format::date(m.end)) @if m.partial { " (parcial)" } }
                                td class="num" { (m.people) }
                                td class="num" { (score(m.score)) }
                                td {
                                    @if let Some(v) = m.score {
                                        meter min="0" max="100" low="25" high="75" optimum="100" value=(v) { (format::decimal1(v)) }
                                    }
                                }
                            }
                        }
                    }
                } }
                p class="muted" { "Cada mês é avaliado no seu último dia (o mês corrente, hoje) sobre a população atual; o resultado do quadrimestre é a média dos meses (NT 8/2026)." }
            }
        }
        section aria-label="Boas práticas" {
            h2 { "Boas práticas hoje" }
            div class="table-wrap" { table class="worklist" {
                thead { tr { th scope="col" { "Prática" } th scope="col" class="num" { "Pessoas em dia" } th scope="col" class="num" { "%" } } }
                tbody {
                    @for (p, met) in &s.practices {
                        tr { td { (p.letter) " — " (p.description) } td class="num" { (format::int(*met)) } td class="num" { (pct(*met)) } }
                    }
                }
            } }
        }
        section aria-label="Microáreas" {
            h2 { "Por microárea" }
            div class="table-wrap" { table class="worklist" {
                thead { tr { th scope="col" { "Microárea" } th scope="col" class="num" { "Pessoas" } th scope="col" class="num" { (code) " hoje" } th scope="col" { "" } } }
                tbody {
                    @for a in &s.micro_areas {
                        tr {
                            td { @match &a.micro_area { Some(m) => { (m) } None => { "Sem microárea" } } }
                            td class="num" { (a.people) }
                            td class="num" { (score(a.score)) }
                            td {
                                @if let (Some(m), Some(link)) = (&a.micro_area, extras.micro_area_link) {
                                    @let (href, text) = link(&team.nu_ine, m);
                                    a href=(href) { (text) }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}
