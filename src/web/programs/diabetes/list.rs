//! The diabetes worklist page (`/diabeticos`): counters that are tabs, the filter form, the
//! list, its pagination and the links to its files and printed list. Its parameters go through
//! the platform's parser and team check (`care::worklist`), like its exports and the API.

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::Permission;
use crate::care::worklist::{MAX_SEARCH_CHARS, PER_PAGE_CHOICES, TEAM_NOT_FOUND, team_in_scope};
use crate::clinical::c4;
use crate::clinical::diabetes::{Control, format_hba1c};
use crate::programs::diabetes::followup::FOLLOWUP;
use crate::programs::diabetes::read_model::due_list;
use crate::programs::diabetes::worklist::{self, Counters, ListQuery, Sort};
use crate::state::AppState;
use crate::store::diabetes_summary::Model as Row;

use super::{CSV, LIST, PRINT, XLSX, control_badge};
use crate::clinical::age;
use crate::web::error::WebError;
use crate::web::session::{Auth, Client};
use crate::web::{format, layout, paths};

/// The list's parameters with the user's scope, the team checked against it: shared by the
/// page, its files and its printed list.
pub(super) async fn prepare(
    req: &Request,
    user: &crate::auth::CurrentUser,
    state: &AppState,
) -> Result<ListQuery, WebError> {
    let scope = user.scope();
    if scope.is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes. Peça ao administrador um perfil de equipe, microárea ou coordenação.".into(),
        ));
    }
    let mut q = ListQuery::parse(req.uri().query().unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.message))?;
    if let Some(team) = &q.filters.team
        && !team_in_scope(&state.db, &scope, team).await?
    {
        // Unknown and out-of-scope teams get the same answer: nothing leaks.
        return Err(WebError::BadRequest(TEAM_NOT_FOUND.into()));
    }
    q.filters.scope = scope;
    q.filters.today = state.today();
    Ok(q)
}

/// `GET /diabeticos`.
#[handler]
pub async fn list(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let q = prepare(req, &user, state).await?;
    let (rows, total) = worklist::page(&state.db, &q.filters, &q.page).await?;
    let counters = worklist::counters(&state.db, &q.filters).await?;
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::ViewList,
            resource: LIST.into(),
            filters: Some(q.to_query()),
            persons: rows.iter().map(|r| r.co_seq_cidadao).collect(),
            person_count: total,
            origin: client.origin(),
        },
    )
    .await?;
    let footer = state.footer(Some(&user)).await;
    let today = state.today();
    let may_export = user.grants().may(Permission::Export);
    let pages = crate::care::worklist::pages(total, q.page.per_page);
    let body = html! {
        h1 { "Diabetes" }
        p class="hint" { "Pessoas com diabetes (CIAP T89, T90; CID-10 E10, E11, E14) do seu território, com a última hemoglobina glicada, o controle pela meta da idade e as boas práticas do indicador " (c4::EDITION) "." }
        (filters_form(&q))
        (counters_section(&q, &counters))
        @if rows.is_empty() {
            div class="empty-state" {
                @if total == 0 {
                    p { "Nenhuma pessoa com diabetes com os filtros atuais." }
                    a href=(LIST) { "Limpar filtros" }
                } @else {
                    p { "Esta página não existe: a lista tem " (pages) " página(s)." }
                }
            }
        } @else {
            p class="count" { (format::int(total)) @if total == 1 { " pessoa" } @else { " pessoas" } }
            p class="result-actions" {
                @if may_export {
                    a class="button button-secondary" href=(q.for_export().href_at(CSV)) download { "Exportar CSV" }
                    " "
                    a class="button button-secondary" href=(q.for_export().href_at(XLSX)) download { "Exportar XLSX" }
                    " "
                }
                a class="button button-secondary" href=(q.for_export().href_at(PRINT)) { "Lista para impressão" }
                " "
                a class="button button-secondary" href=(match &q.filters.team {
                    Some(team) => format!("{}?equipe={team}", super::TEAM),
                    None => super::TEAM.to_string(),
                }) { "Resumo da equipe (C4)" }
            }
            div class="table-wrap" {
                table class="worklist" {
                    thead { tr {
                        th scope="col" { "Nome" }
                        th scope="col" { "Idade" }
                        th scope="col" { "Equipe · microárea" }
                        th scope="col" { "Última HbA1c" }
                        th scope="col" { "Controle" }
                        th scope="col" { "C4" }
                        th scope="col" { "Falta fazer" }
                        th scope="col" { "Próxima ação" }
                    } }
                    tbody {
                        @for r in &rows { (row(r, today)) }
                    }
                }
            }
            (pagination(&q, pages))
        }
    };
    Ok(layout::page("Diabetes", Some(LIST), &footer, body)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

fn filters_form(q: &ListQuery) -> Markup {
    let f = &q.filters;
    html! {
        form class="filters" method="get" action=(LIST) {
            @if let Some(t) = &f.team { input type="hidden" name="equipe" value=(t); }
            @if let Some(m) = &f.micro_area { input type="hidden" name="microarea" value=(m); }
            @if let Some(c) = f.tab { input type="hidden" name="controle" value=(c.key()); }
            div class="field" {
                label for="busca" { "Nome, CNS ou CPF" }
                input id="busca" type="search" name="busca" maxlength=(MAX_SEARCH_CHARS)
                    value=[f.search.as_ref().map(|s| s.raw.as_str())];
            }
            div class="field" {
                label for="pratica" { "Boa prática C4 pendente" }
                select id="pratica" name="pratica" {
                    option value="" { "Todas" }
                    @for p in c4::C4.practices {
                        option value=(p.letter) selected[f.missing == Some(p.letter)] { (p.letter) " — " (p.description) }
                    }
                }
            }
            div class="field" {
                label for="ordem" { "Ordenar por" }
                select id="ordem" name="ordem" {
                    @for s in Sort::ALL {
                        option value=(s.key()) selected[q.page.sort == s] { (s.label()) }
                    }
                }
            }
            div class="field" {
                label for="per_page" { "Por página" }
                select id="per_page" name="per_page" {
                    @for n in PER_PAGE_CHOICES {
                        option value=(n) selected[q.page.per_page == n] { (n) }
                    }
                }
            }
            button type="submit" class="button" { "Filtrar" }
        }
    }
}

fn counters_section(q: &ListQuery, c: &Counters) -> Markup {
    let card = |control: Option<Control>, class: &str, label: &str| {
        let active = q.filters.tab == control;
        html! {
            a class=(format!("counter {class}{}", if active { " counter-active" } else { "" }))
                href=(q.with_tab(control).href())
                aria-current=[active.then_some("true")] {
                span class="counter-value" { (format::int(c.get(control))) }
                span class="counter-label" { (label) }
            }
        }
    };
    html! {
        section class="counters" aria-label="Resumo" {
            (card(None, "", "Pessoas com diabetes"))
            (card(Some(Control::Controlled), "counter-ok", Control::Controlled.label()))
            (card(Some(Control::Uncontrolled), "counter-bad", Control::Uncontrolled.label()))
            (card(Some(Control::NoRecentHba1c), "counter-warn", Control::NoRecentHba1c.label()))
            (card(Some(Control::NoNumericTarget), "", Control::NoNumericTarget.label()))
            div class="counter counter-score" title=(c4::EDITION) {
                span class="counter-value" {
                    @match c.mean() { Some(m) => { (format::decimal1(m)) } None => { "—" } }
                }
                span class="counter-label" { "Pontuação C4 (de 0 a 100)" }
            }
        }
    }
}

/// The missing practices grouped by the day they are due: "C, D, F até 31/12/2026".
pub(super) fn due_by_day(r: &Row) -> Vec<(NaiveDate, Vec<String>)> {
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<String>> = Default::default();
    for (letter, by) in due_list(r.c4_due.as_deref()) {
        by_day.entry(by).or_default().push(letter);
    }
    by_day.into_iter().collect()
}

fn row(r: &Row, today: NaiveDate) -> Markup {
    let by_day = due_by_day(r);
    html! {
        tr {
            td { a class="patient-name" href=(paths::patient(r.co_seq_cidadao)) { (r.no_cidadao) } }
            td { @match r.dt_nascimento { Some(b) => { (age::years(b, today)) " a" } None => { "—" } } }
            td { span title=(format!("INE {}", r.nu_ine)) { (r.no_equipe) } " · " (r.micro_area.as_deref().unwrap_or("sem microárea")) }
            td {
                @match (r.last_hba1c, r.last_hba1c_date) {
                    (Some(v), Some(d)) => { (format_hba1c(v)) " % " span class="patient-meta" { "em " (format::date(d)) } }
                    _ => { "Sem registro" }
                }
            }
            td { (control_badge(&r.control_status)) " " span class="patient-meta" { "meta " (r.hba1c_target) } }
            td { (r.c4_points) }
            td {
                @if by_day.is_empty() { "Em dia" }
                @for (by, letters) in &by_day {
                    span class="badge badge-muted" title=(letters.iter().filter_map(|l| c4::C4.practice(l)).map(|p| format!("{}: {}", p.letter, p.description)).collect::<Vec<_>>().join("; ")) {
                        (letters.join(", ")) " até " (format::date(*by))
                    } " "
                }
            }
            td class="next-action" {
                @match (&r.next_action_type, r.next_action_due) {
                    (Some(t), Some(due)) => {
                        (FOLLOWUP.label(t)) " " span class="patient-meta" { "até " (format::date(due)) }
                        @if due < today { " " span class="badge badge-bad" { "Atrasada" } }
                    }
                    _ => { "—" }
                }
            }
        }
    }
}

fn pagination(q: &ListQuery, pages: u64) -> Markup {
    let at = q.page.page;
    html! {
        nav class="pagination" aria-label="Paginação" {
            @if at > 1 { a rel="prev" href=(q.with_page(at - 1).href()) { "Anterior" } }
            span class="page-current" aria-current="page" { "Página " (at) " de " (pages) }
            @if at < pages { a rel="next" href=(q.with_page(at + 1).href()) { "Próxima" } }
        }
    }
}
