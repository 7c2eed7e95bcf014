//! The hypertension worklist page (`/hipertensos`): counters that are filters, a GET filter
//! form, the list and its pagination. One handler serves the full page, or — for htmx — only
//! the `#painel` fragment it swaps; the URL always reflects what is shown.

pub mod documents;
pub mod patient;
pub mod reports;

use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::auth::Permission;
use crate::care::worklist::{TEAM_NOT_FOUND, team_in_scope};
use crate::clinical::age;
use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::{self, Practice};
use crate::programs::hypertension::followup;
use crate::programs::hypertension::worklist::{
    self, MAX_SEARCH_CHARS, PER_PAGE_CHOICES, Page, Sort, Tab, TeamOption,
};
use crate::store::hypertension_summary as summary;

use crate::audit::{self, Action, Event};

use crate::web::error::WebError;
use crate::web::htmx::HxRequest;
use crate::web::layout;
use crate::web::session::{Auth, CSRF_FIELD, Client};
use crate::web::{AppState, format, paths};

/// The programme's web side (`web::programs::ALL`): the worklist, its exports and documents,
/// the ACS list and the team summary, and the forms of its person page (follow-up actions and
/// the treatment plan). Its person page is the patient page itself, so it adds no panel there.
pub static WEB: super::WebProgram = super::WebProgram {
    key: crate::programs::hypertension::READ_MODEL,
    routes: |route| {
        use crate::web::methods::{get, post};
        route
            .at(paths::HYPERTENSION, get(list))
            .at(paths::HYPERTENSION_ACS, get(reports::acs_list))
            .at(paths::HYPERTENSION_CSV, get(documents::export_csv))
            .at(paths::HYPERTENSION_XLSX, get(documents::export_xlsx))
            .at(
                paths::HYPERTENSION_PRESCRIPTIONS,
                post(documents::prescriptions),
            )
            .at(
                "/pacientes/:id/receita.pdf",
                get(documents::patient_prescription),
            )
            .at("/pacientes/:id/mrpa.pdf", get(documents::mrpa_sheet))
            .at("/pacientes/:id/acoes", post(patient::followup::schedule))
            .at(
                "/pacientes/:id/acoes/registrar",
                get(patient::completion::completion_page).post(patient::completion::complete),
            )
            .at(
                "/pacientes/:id/acoes/:acao/cancelar",
                post(patient::followup::cancel),
            )
            .at(
                "/pacientes/:id/acoes/:acao/excluir",
                get(patient::followup::delete_confirm).post(patient::followup::delete),
            )
            .at(
                "/pacientes/:id/tratamento",
                post(patient::treatment::add_medication),
            )
            .at(
                "/pacientes/:id/tratamento/:med",
                post(patient::treatment::change_medication),
            )
            .at(paths::HYPERTENSION_TEAM, get(reports::team_summary))
    },
    panel: None,
    person_page: Some(|r| Box::pin(patient::person_page(r))),
};

/// The list's query string, parsed and validated by the platform's one parser
/// (`care::worklist`), with Portuguese messages for the person.
pub use crate::programs::hypertension::worklist::ListQuery;

/// Everything the panel shows.
struct View<'a> {
    query: &'a ListQuery,
    teams: &'a [TeamOption],
    micro_areas: &'a [String],
    page: &'a Page,
    today: chrono::NaiveDate,
    /// For the prescriptions form.
    csrf: &'a str,
    /// What the user may do: exports and prescriptions are shown only to those who may.
    may_export: bool,
    may_prescribe: bool,
}

#[handler]
pub async fn list(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let scope = user.scope();
    if scope.is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes. Peça ao administrador um perfil de equipe, microárea ou coordenação.".into(),
        ));
    }
    let query = parse_in_scope(req, &scope, state).await?;
    let db = &state.db;
    let teams = worklist::teams(db, &scope).await?;
    let micro_areas = match &query.filters.team {
        Some(team) => match teams.iter().find(|t| &t.nu_ine == team) {
            Some(t) => worklist::micro_areas(db, &scope, t).await?,
            // A team of the territory with no hypertensive person: nothing to choose.
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let page = worklist::page(db, &query.filters, &query.page).await?;
    audit::record(
        db,
        Event {
            user: Some(&user),
            action: Action::ViewList,
            resource: paths::HYPERTENSION.into(),
            filters: Some(query.to_query()),
            persons: page.rows.iter().map(|r| r.co_seq_cidadao).collect(),
            person_count: page.total,
            origin: client.origin(),
        },
    )
    .await?;
    let view = View {
        query: &query,
        teams: &teams,
        micro_areas: &micro_areas,
        page: &page,
        today: state.today(),
        csrf: &user.csrf_token,
        may_export: user.grants().may(Permission::Export),
        may_prescribe: user.grants().may(Permission::PrintPrescription),
    };
    let panel = panel(&view);
    let body = if hx.fragment {
        panel
    } else {
        let footer = state.footer(Some(&user)).await;
        layout::page("Hipertensos", Some(paths::HYPERTENSION), &footer, panel)
    };
    Ok(body
        .with_header(header::VARY, "HX-Request")
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

/// The list's parameters with the user's scope and today, the team checked against the scope:
/// shared by the page, its exports and the printed lists.
pub async fn parse_in_scope(
    req: &Request,
    scope: &crate::auth::Scope,
    state: &AppState,
) -> Result<ListQuery, WebError> {
    let mut query = ListQuery::parse(req.uri().query().unwrap_or(""))
        .map_err(|e| WebError::BadRequest(e.message))?;
    if let Some(team) = &query.filters.team
        && !team_in_scope(&state.db, scope, team).await?
    {
        // Unknown and out-of-scope teams get the same answer: nothing leaks.
        return Err(WebError::BadRequest(TEAM_NOT_FOUND.into()));
    }
    query.filters.scope = scope.clone();
    query.filters.today = state.today();
    Ok(query)
}

fn panel(v: &View) -> Markup {
    html! {
        div id="painel" hx-boost="true" hx-target="#painel" hx-swap="outerHTML" hx-indicator="#carregando" {
            div class="page-head" {
                h1 { "Hipertensos" }
                p class="lead" {
                    "Pessoas com hipertensão (CIAP K86/K87 ou CID I10–I15) ativas no território. "
                    "Situação da pressão pela última aferição; boas práticas do indicador C5."
                }
            }
            (filters(v))
            (counters(v))
            (rows_section(v))
        }
    }
}

fn filters(v: &View) -> Markup {
    let f = &v.query.filters;
    let p = &v.query.page;
    html! {
        form class="filters" role="search" method="get" action=(paths::HYPERTENSION)
            hx-get=(paths::HYPERTENSION) hx-push-url="true"
            hx-trigger="change, submit, input changed delay:500ms from:#busca" {
            div class="field" {
                label for="equipe" { "Equipe" }
                select id="equipe" name="equipe" {
                    option value="" { "Todas as equipes" }
                    @for t in v.teams {
                        option value=(t.nu_ine) title=(format!("INE {}", t.nu_ine)) selected[f.team.as_deref() == Some(t.nu_ine.as_str())] {
                            (t.no_equipe) " (" (format::int(u64::try_from(t.people).unwrap_or(0))) ")"
                        }
                    }
                }
            }
            div class="field" {
                label for="microarea" { "Microárea" }
                select id="microarea" name="microarea" disabled[f.team.is_none()] {
                    option value="" { @if f.team.is_none() { "Escolha uma equipe" } @else { "Todas as microáreas" } }
                    @for m in v.micro_areas {
                        option value=(m) selected[f.micro_area.as_deref() == Some(m.as_str())] { (m) }
                    }
                }
            }
            div class="field" {
                label for="busca" { "Nome, CNS ou CPF" }
                input type="search" id="busca" name="busca" maxlength=(MAX_SEARCH_CHARS)
                    value=[f.search.as_ref().map(|s| s.raw.as_str())] autocomplete="off";
            }
            @if let Some(t) = f.tab {
                input type="hidden" name="situacao" value=(t.key());
            }
            div class="field" {
                label for="pratica" { "Falta a boa prática" }
                select id="pratica" name="pratica" {
                    option value="" { "Qualquer" }
                    @for pr in Practice::ALL {
                        option value=(pr.letter()) selected[f.missing == Some(pr)] { (pr.letter()) " — " (pr.description()) }
                    }
                }
            }
            div class="field" {
                label for="ordem" { "Ordenar por" }
                select id="ordem" name="ordem" {
                    @for s in Sort::ALL {
                        option value=(s.key()) selected[p.sort == s] { (s.label()) }
                    }
                }
            }
            div class="field" {
                label for="per_page" { "Por página" }
                select id="per_page" name="per_page" {
                    @for n in PER_PAGE_CHOICES {
                        option value=(n) selected[p.per_page == n] { (n) }
                    }
                }
            }
            div class="filter-actions" {
                button type="submit" class="button" { "Filtrar" }
                a class="button button-secondary" href=(v.query.without_filters().href()) { "Limpar filtros" }
                span id="carregando" class="htmx-indicator" aria-hidden="true" { "Carregando…" }
            }
        }
    }
}

fn counters(v: &View) -> Markup {
    let c = &v.page.counters;
    let active = v.query.filters.tab;
    let card = |tab: Option<Tab>, class: &str, label: &str| {
        let n = c.get(tab);
        let is_active = active == tab;
        html! {
            a class=(format!("counter {class}{}", if is_active { " counter-active" } else { "" }))
                href=(v.query.with_tab(tab).href())
                aria-current=[is_active.then_some("true")] {
                span class="counter-value" { (format::int(n)) }
                span class="counter-label" { (label) }
            }
        }
    };
    let scope = match (&v.query.filters.team, &v.query.filters.micro_area) {
        (Some(_), Some(m)) => format!("da microárea {m}"),
        (Some(_), None) => "da equipe".to_string(),
        _ if v.query.filters.scope.municipality => "do município".to_string(),
        _ => "do seu território".to_string(),
    };
    html! {
        section class="counters" aria-label="Resumo" {
            (card(None, "", "Hipertensos"))
            (card(Some(Tab::Controlled), "counter-ok", Tab::Controlled.label()))
            (card(Some(Tab::Uncontrolled), "counter-bad", Tab::Uncontrolled.label()))
            (card(Some(Tab::NoRecentReading), "counter-warn", Tab::NoRecentReading.label()))
            (card(Some(Tab::Pending), "", Tab::Pending.label()))
            (card(Some(Tab::Overdue), "counter-bad", Tab::Overdue.label()))
            (card(Some(Tab::InTreatment), "counter-ok", Tab::InTreatment.label()))
            div class="counter counter-score" title=(c5::EDITION) {
                span class="counter-value" {
                    @match v.page.score.mean() {
                        Some(m) => { (format::decimal1(m)) }
                        None => { "—" }
                    }
                }
                span class="counter-label" { "Pontuação C5 " (scope) " (de 0 a 100)" }
            }
        }
    }
}

fn rows_section(v: &View) -> Markup {
    let page = v.page;
    let first = (page.page - 1) * page.per_page + 1;
    let last = (first + page.rows.len() as u64).saturating_sub(1);
    html! {
        @if page.rows.is_empty() {
            div class="empty-state" {
                @if page.total == 0 {
                    p { "Nenhum hipertenso " (scope_words(v)) " com os filtros atuais." }
                    a href=(v.query.without_filters().href()) { "Limpar filtros" }
                } @else {
                    p { "A página " (page.page) " não existe: a lista tem " (page.pages()) " página(s)." }
                    a href=(v.query.with_page(1).href()) { "Ir para a primeira página" }
                }
            }
        } @else {
            div class="result-bar" {
                p class="result-summary" {
                    "Mostrando " (format::int(first)) "–" (format::int(last)) " de " (format::int(page.total))
                }
                p class="result-actions" {
                    @if v.may_export {
                        a class="button button-secondary" href=(v.query.for_export().href_at(paths::HYPERTENSION_CSV)) hx-boost="false" download { "Exportar CSV" }
                        " "
                        a class="button button-secondary" href=(v.query.for_export().href_at(paths::HYPERTENSION_XLSX)) hx-boost="false" download { "Exportar XLSX" }
                    }
                    @if let (Some(team), Some(m)) = (&v.query.filters.team, &v.query.filters.micro_area) {
                        " "
                        a class="button button-secondary" href=(paths::acs_list(team, m)) hx-boost="false" { "Lista do ACS (microárea " (m) ")" }
                    }
                    @if let Some(team) = &v.query.filters.team {
                        " "
                        a class="button button-secondary" href=(paths::team_summary(team)) hx-boost="false" { "Resumo da equipe (C5)" }
                    }
                }
            }
            @if v.may_prescribe {
                form id="receitas" class="selection-bar" method="post" action=(paths::HYPERTENSION_PRESCRIPTIONS) hx-boost="false" target="_blank" {
                    input type="hidden" name=(CSRF_FIELD) value=(v.csrf);
                    button type="submit" class="button button-secondary" { "Imprimir receitas dos marcados" }
                    span class="muted" { " Marque os pacientes na primeira coluna; sai um PDF com uma receita por paciente (plano de tratamento em uso)." }
                }
            }
            div class="table-wrap" tabindex="0" role="region" aria-label="Lista de hipertensos" {
                table class="worklist" {
                    caption class="visually-hidden" { "Lista de acompanhamento de hipertensos" }
                    thead {
                        tr {
                            @if v.may_prescribe {
                                th scope="col" class="select" { span class="visually-hidden" { "Selecionar para receita" } }
                            }
                            th scope="col" { "Paciente" }
                            th scope="col" { "Equipe e microárea" }
                            th scope="col" class="num" { "Última PA" }
                            th scope="col" { "Situação da PA" }
                            th scope="col" { "Última consulta" }
                            th scope="col" { "Tratamento" }
                            th scope="col" { "Próxima ação" }
                            th scope="col" { "Boas práticas C5" }
                            th scope="col" class="num" { "Pontos C5" }
                        }
                    }
                    tbody {
                        @for r in &page.rows { (row(r, v.today, v.may_prescribe)) }
                    }
                }
            }
            (legend())
            (pagination(v))
        }
    }
}

fn scope_words(v: &View) -> String {
    match (&v.query.filters.team, &v.query.filters.micro_area) {
        (Some(_), Some(m)) => format!("nesta equipe, microárea {m},"),
        (Some(_), None) => "nesta equipe".into(),
        _ if v.query.filters.scope.municipality => "no município".into(),
        _ => "no seu território".into(),
    }
}

fn row(r: &summary::Model, today: chrono::NaiveDate, may_prescribe: bool) -> Markup {
    let status =
        ControlStatus::from_key(&r.control_status).unwrap_or(ControlStatus::NoRecentReading);
    let badge = match status {
        ControlStatus::Controlled => "badge badge-ok",
        ControlStatus::Uncontrolled => "badge badge-bad",
        ControlStatus::NoRecentReading => "badge badge-warn",
    };
    let met = |p: Practice| r.c5_met(p);
    html! {
        tr {
            @if may_prescribe {
                td class="select" {
                    input type="checkbox" form="receitas" name="pessoa" value=(r.co_seq_cidadao)
                        aria-label=(format!("Selecionar {} para a receita", r.no_cidadao));
                }
            }
            td {
                a class="patient-name" href=(paths::patient(r.co_seq_cidadao)) hx-boost="false" { (r.no_cidadao) }
                span class="patient-meta" {
                    @if let Some(b) = r.dt_nascimento { (age::years(b, today)) " a" } @else { "idade ?" }
                    @if let Some(s) = &r.sexo { " · " (s) }
                    @if let Some(cns) = &r.nu_cns { " · CNS " (cns) }
                }
            }
            td {
                span title=(format!("INE {}", r.nu_ine)) { (r.no_equipe) }
                span class="patient-meta" {
                    @match &r.micro_area { Some(m) => { "Microárea " (m) } None => { "Sem microárea" } }
                }
            }
            td class="num" {
                @match (r.last_bp_systolic, r.last_bp_diastolic, r.last_bp_date) {
                    (Some(s), Some(d), Some(at)) => {
                        (format::bp(s, d))
                        span class="patient-meta" { (format::date(at)) }
                    }
                    _ => { "Nunca aferida" }
                }
            }
            td { span class=(badge) { (status.label()) } }
            td {
                @match r.last_visit_date { Some(d) => { (format::date(d)) } None => { "Sem registro" } }
            }
            td class="treatment" {
                @match &r.treatment_text {
                    Some(t) => { @for line in t.lines() { span class="treatment-line" { (line) } } }
                    None => { span class="muted" { "Sem plano registrado" } }
                }
            }
            td {
                @match (&r.next_action_type, r.next_action_due) {
                    (Some(t), Some(due)) => {
                        span { (followup::action_label(t)) }
                        @if due < today {
                            span class="patient-meta overdue" { "Atrasada desde " (format::date(due)) }
                        } @else {
                            span class="patient-meta" { "Até " (format::date(due)) }
                        }
                    }
                    _ => { span class="muted" { "A definir" } }
                }
            }
            td {
                ul class="practices" aria-label="Boas práticas C5" {
                    @for p in Practice::ALL {
                        @if met(p) {
                            li class="practice practice-met" title=(format!("{}: feita", p.description())) {
                                (p.letter()) span class="visually-hidden" { " feita" }
                            }
                        } @else {
                            li class="practice practice-missing" title=(format!("{}: falta", p.description())) {
                                (p.letter()) span class="visually-hidden" { " falta" }
                            }
                        }
                    }
                }
            }
            td class="num" { (r.c5_points) }
        }
    }
}

fn legend() -> Markup {
    html! {
        dl class="legend" {
            @for p in Practice::ALL {
                dt { (p.letter()) }
                dd { (p.description()) " (25 pontos)." }
            }
        }
    }
}

fn pagination(v: &View) -> Markup {
    let page = v.page;
    let pages = page.pages();
    html! {
        nav class="pagination" aria-label="Paginação" {
            @if page.page > 1 {
                a rel="prev" href=(v.query.with_page(page.page - 1).href()) { "Anterior" }
            }
            span class="page-current" aria-current="page" { "Página " (page.page) " de " (pages) }
            @if page.page < pages {
                a rel="next" href=(v.query.with_page(page.page + 1).href()) { "Próxima" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::c5::Practice;
    use crate::programs::hypertension::worklist::PageRequest;

    #[test]
    fn parses_and_rebuilds_the_query() {
        let q = ListQuery::parse("equipe=0000000001&microarea=03&busca=Jos%C3%A9&controle=nao_controlada&pratica=b&ordem=pontos&page=2&per_page=50")
            .unwrap_or_default();
        assert_eq!(q.filters.team.as_deref(), Some("0000000001"));
        assert_eq!(q.filters.tab, Some(Tab::Uncontrolled));
        assert_eq!(q.filters.missing, Some(Practice::BloodPressure));
        assert_eq!(
            q.page,
            PageRequest {
                page: 2,
                per_page: 50,
                sort: Sort::PointsAsc
            }
        );
        let again = ListQuery::parse(&q.to_query()).unwrap_or_default();
        assert_eq!(again, q);
        assert_eq!(ListQuery::default().to_query(), "");
    }

    #[test]
    fn rejects_bad_input_in_portuguese() {
        let long = "a".repeat(10_000);
        for bad in [
            "page=-1".to_string(),
            "page=abc".into(),
            "page=0".into(),
            "per_page=100000".into(),
            "equipe=abc".into(),
            "controle=talvez".into(),
            "pratica=E".into(),
            "ordem=x".into(),
            format!("busca={long}"),
            "busca=%25%25".into(),
            "microarea=%27%3B--".into(),
        ] {
            let err = ListQuery::parse(&bad).err();
            assert!(err.is_some(), "{bad} should be rejected");
        }
        // Quotes inside a name are fine: D'Ávila.
        assert!(ListQuery::parse("busca=D%27%C3%81vila").is_ok());
        // Empty values mean "no filter".
        assert_eq!(
            ListQuery::parse("equipe=&busca=&page="),
            Ok(ListQuery::default())
        );
    }
}
