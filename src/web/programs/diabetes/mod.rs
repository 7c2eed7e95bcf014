//! The diabetes programme's pages: the worklist (`/diabeticos`), its CSV export, and the
//! panel on the person page with the HbA1c history.

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::care::search::{MAX_CHARS, Search};
use crate::clinical::age;
use crate::clinical::c4;
use crate::clinical::diabetes::{Control, Hba1c, format_hba1c};
use crate::export::{Cell, Table};
use crate::programs::diabetes::read_model::{due_list, parse_history};
use crate::programs::diabetes::worklist::{
    self, Counters, Filters, MAX_EXPORT_ROWS, MAX_PAGE, PER_PAGE, PRACTICES, Sort,
};
use crate::state::AppState;
use crate::store::diabetes_summary::Model as Row;

use crate::web::error::WebError;
use crate::web::session::{Auth, Client};
use crate::web::{format, layout, paths};

pub const LIST: &str = "/diabeticos";
pub const CSV: &str = "/diabeticos/exportar.csv";
pub const TEAM: &str = "/diabeticos/equipe";

/// The programme's web side (`web::programs::ALL`).
pub static WEB: super::WebProgram = super::WebProgram {
    key: crate::programs::diabetes::READ_MODEL,
    routes: |route| {
        use crate::web::methods::get;
        route
            .at(LIST, get(list))
            .at(CSV, get(export_csv))
            .at(TEAM, get(team_summary))
    },
    panel: Some(|state, person| Box::pin(panel(state, person))),
    person_page: None,
};

/// The list's query: filters, sort and page, parsed once for the page and the export.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub filters: Filters,
    pub sort: Sort,
    pub page: u64,
}

impl Query {
    pub fn parse(raw: &str) -> Result<Query, String> {
        let mut q = Query {
            page: 1,
            ..Query::default()
        };
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let v = value.trim();
            if v.is_empty() {
                continue;
            }
            match key.as_ref() {
                "equipe" => {
                    if v.len() > 20 || !v.chars().all(|c| c.is_ascii_digit()) {
                        return Err(
                            "A equipe informada não é válida: use o código INE (só números)."
                                .into(),
                        );
                    }
                    q.filters.team = Some(v.to_string());
                }
                "microarea" => {
                    if v.chars().count() > 10 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err("A microárea informada não é válida.".into());
                    }
                    q.filters.micro_area = Some(v.to_string());
                }
                "busca" => {
                    if v.chars().count() > MAX_CHARS {
                        return Err(format!(
                            "A busca aceita no máximo {MAX_CHARS} caracteres. Digite parte do nome, o CNS ou o CPF."
                        ));
                    }
                    q.filters.search = Some(Search::new(v).ok_or(
                        "A busca precisa de letras ou números: digite parte do nome, o CNS ou o CPF.",
                    )?);
                }
                "controle" => {
                    q.filters.control = Some(Control::from_key(v).ok_or(
                        "Situação desconhecida. Use controlado, descontrolado, sem_hba1c_recente ou meta_individual.",
                    )?);
                }
                "pratica" => {
                    q.filters.missing = Some(
                        worklist::practice_letter(v)
                            .ok_or("Boa prática desconhecida. Use A, B, C, D, E ou F.")?,
                    );
                }
                "ordem" => {
                    q.sort = Sort::from_key(v).ok_or("Ordenação desconhecida.")?;
                }
                "page" => {
                    q.page = v
                        .parse::<u64>()
                        .ok()
                        .filter(|p| (1..=MAX_PAGE).contains(p))
                        .ok_or("O número da página deve ser um número inteiro a partir de 1.")?;
                }
                _ => return Err(format!("Parâmetro desconhecido: {key}.")),
            }
        }
        Ok(q)
    }

    /// The query string, without the page when it is the first.
    pub fn to_query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let f = &self.filters;
        if let Some(t) = &f.team {
            s.append_pair("equipe", t);
        }
        if let Some(m) = &f.micro_area {
            s.append_pair("microarea", m);
        }
        if let Some(b) = &f.search {
            s.append_pair("busca", &b.raw);
        }
        if let Some(c) = f.control {
            s.append_pair("controle", c.key());
        }
        if let Some(p) = f.missing {
            s.append_pair("pratica", p);
        }
        if self.sort != Sort::Name {
            s.append_pair("ordem", self.sort.key());
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    fn href_at(&self, path: &str) -> String {
        let q = self.to_query();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }

    fn with_control(&self, c: Option<Control>) -> Query {
        let mut q = self.clone();
        q.filters.control = c;
        q.page = 1;
        q
    }

    fn with_page(&self, page: u64) -> Query {
        let mut q = self.clone();
        q.page = page;
        q
    }
}

/// Parses the query and checks the scope and the team: shared by the page and the export.
async fn prepare(
    req: &Request,
    user: &crate::auth::CurrentUser,
    state: &AppState,
) -> Result<Query, WebError> {
    let scope = user.scope();
    if scope.is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes. Peça ao administrador um perfil de equipe, microárea ou coordenação.".into(),
        ));
    }
    let mut q = Query::parse(req.uri().query().unwrap_or("")).map_err(WebError::BadRequest)?;
    if let Some(team) = &q.filters.team {
        let territory = crate::territory::load(&state.db).await?;
        let allowed = territory
            .team(team)
            .is_some_and(|t| scope.allows_team(&t.nu_ine, t.nu_cnes.as_deref()));
        // Unknown and out-of-scope teams get the same answer: nothing leaks.
        if !allowed {
            return Err(WebError::BadRequest(
                "Equipe não encontrada: escolha uma equipe da lista.".into(),
            ));
        }
    }
    q.filters.scope = scope;
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
    let (rows, total) = worklist::page(&state.db, &q.filters, q.sort, q.page).await?;
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
                    p { "Esta página não existe: a lista tem " (pages(total)) " página(s)." }
                }
            }
        } @else {
            p class="count" { (format::int(total)) @if total == 1 { " pessoa" } @else { " pessoas" } " · "
                a href=(q.href_at(CSV)) { "Exportar CSV" } }
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
                    } }
                    tbody {
                        @for r in &rows { (row(r, today)) }
                    }
                }
            }
            (pagination(&q, total))
        }
    };
    Ok(layout::page("Diabetes", Some(LIST), &footer, body)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

fn pages(total: u64) -> u64 {
    total.div_ceil(PER_PAGE).max(1)
}

fn filters_form(q: &Query) -> Markup {
    let f = &q.filters;
    html! {
        form class="filters" method="get" action=(LIST) {
            @if let Some(t) = &f.team { input type="hidden" name="equipe" value=(t); }
            @if let Some(m) = &f.micro_area { input type="hidden" name="microarea" value=(m); }
            @if let Some(c) = f.control { input type="hidden" name="controle" value=(c.key()); }
            div class="field" {
                label for="busca" { "Nome, CNS ou CPF" }
                input id="busca" type="search" name="busca" maxlength=(MAX_CHARS)
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
                        option value=(s.key()) selected[q.sort == s] { (s.label()) }
                    }
                }
            }
            button type="submit" class="button" { "Filtrar" }
        }
    }
}

fn counters_section(q: &Query, c: &Counters) -> Markup {
    let card = |control: Option<Control>, class: &str, label: &str| {
        let active = q.filters.control == control;
        html! {
            a class=(format!("counter {class}{}", if active { " counter-active" } else { "" }))
                href=(q.with_control(control).href_at(LIST))
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

fn control_badge(key: &str) -> Markup {
    let control = Control::from_key(key);
    let class = match control {
        Some(Control::Controlled) => "badge badge-ok",
        Some(Control::Uncontrolled) => "badge badge-bad",
        Some(Control::NoRecentHba1c) => "badge badge-warn",
        _ => "badge badge-muted",
    };
    html! { span class=(class) { (control.map_or("—", |c| c.label())) } }
}

fn row(r: &Row, today: NaiveDate) -> Markup {
    let due = due_list(r.c4_due.as_deref());
    // One badge per day: "C, D, F até 31/12/2026".
    let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<&str>> = Default::default();
    for (letter, by) in &due {
        by_day.entry(*by).or_default().push(letter.as_str());
    }
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
                @if due.is_empty() { "Em dia" }
                @for (by, letters) in &by_day {
                    span class="badge badge-muted" title=(letters.iter().filter_map(|l| c4::C4.practice(l)).map(|p| format!("{}: {}", p.letter, p.description)).collect::<Vec<_>>().join("; ")) {
                        (letters.join(", ")) " até " (format::date(*by))
                    } " "
                }
            }
        }
    }
}

fn pagination(q: &Query, total: u64) -> Markup {
    let pages = pages(total);
    html! {
        nav class="pagination" aria-label="Paginação" {
            @if q.page > 1 { a rel="prev" href=(q.with_page(q.page - 1).href_at(LIST)) { "Anterior" } }
            span class="page-current" aria-current="page" { "Página " (q.page) " de " (pages) }
            @if q.page < pages { a rel="next" href=(q.with_page(q.page + 1).href_at(LIST)) { "Próxima" } }
        }
    }
}

/// `GET /diabeticos/exportar.csv`: the same rows as the page, every page.
#[handler]
pub async fn export_csv(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    if !user
        .grants()
        .may(crate::auth::permission::Permission::Export)
    {
        return Err(WebError::Forbidden(
            crate::auth::permission::Permission::Export.refusal().into(),
        ));
    }
    let q = prepare(req, &user, state).await?;
    let rows = worklist::all_rows(&state.db, &q.filters, q.sort).await?;
    if rows.len() > MAX_EXPORT_ROWS {
        return Err(WebError::BadRequest(format!(
            "A lista tem mais de {MAX_EXPORT_ROWS} pessoas; filtre por equipe para exportar."
        )));
    }
    let today = state.today();
    let mut headers: Vec<String> = [
        "Nome",
        "CNS",
        "Nascimento",
        "Idade",
        "Equipe",
        "INE",
        "Microárea",
        "Última HbA1c (%)",
        "Data da HbA1c",
        "Meta",
        "Controle",
        "Pontos C4",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(PRACTICES.iter().map(|p| format!("C4 {p}")));
    let table = Table {
        title: "Diabetes".into(),
        headers,
        rows: rows
            .iter()
            .map(|r| {
                let mut cells = vec![
                    Cell::Text(r.no_cidadao.clone()),
                    r.nu_cns.clone().map_or(Cell::Empty, Cell::Text),
                    r.dt_nascimento.map_or(Cell::Empty, Cell::Date),
                    r.dt_nascimento
                        .map_or(Cell::Empty, |b| Cell::Int(i64::from(age::years(b, today)))),
                    Cell::Text(r.no_equipe.clone()),
                    Cell::Text(r.nu_ine.clone()),
                    r.micro_area.clone().map_or(Cell::Empty, Cell::Text),
                    r.last_hba1c
                        .map_or(Cell::Empty, |v| Cell::Text(format_hba1c(v))),
                    r.last_hba1c_date.map_or(Cell::Empty, Cell::Date),
                    Cell::Text(r.hba1c_target.clone()),
                    Cell::Text(
                        Control::from_key(&r.control_status)
                            .map_or("", |c| c.label())
                            .to_string(),
                    ),
                    Cell::Int(i64::from(r.c4_points)),
                ];
                for met in [r.c4_a, r.c4_b, r.c4_c, r.c4_d, r.c4_e, r.c4_f] {
                    cells.push(Cell::Text(if met { "sim" } else { "não" }.into()));
                }
                cells
            })
            .collect(),
    };
    let bytes = crate::export::to_csv(&table);
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::Export,
            resource: CSV.into(),
            filters: Some(q.to_query()),
            persons: rows.iter().map(|r| r.co_seq_cidadao).collect(),
            person_count: rows.len() as u64,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(bytes
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"diabetes-{}.csv\"",
                today.format("%Y-%m-%d")
            ),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

/// The diabetes panel of the person page (`None`: not on the list).
pub async fn panel(state: &AppState, person: i64) -> Result<Option<Markup>, WebError> {
    let Some(r) = crate::programs::diabetes::read_model::row(&state.db, person).await? else {
        return Ok(None);
    };
    let history = r
        .hba1c_history
        .as_deref()
        .map(parse_history)
        .unwrap_or_default();
    let due = due_list(r.c4_due.as_deref());
    Ok(Some(html! {
        section class="card diabetes-panel" aria-labelledby="diabetes-titulo" {
            h2 id="diabetes-titulo" { "Diabetes" }
            dl class="facts" {
                dt { "Controle" } dd { (control_badge(&r.control_status)) }
                dt { "Meta de HbA1c" } dd { (r.hba1c_target) }
                dt { "Última HbA1c" } dd {
                    @match (r.last_hba1c, r.last_hba1c_date) {
                        (Some(v), Some(d)) => { (format_hba1c(v)) " % em " (format::date(d)) }
                        _ => { "Sem registro" }
                    }
                }
                dt { "Pontos C4" } dd { (r.c4_points) " de 100" }
            }
            @if !history.is_empty() { (chart(&history)) }
            h3 { "Boas práticas C4" }
            ul class="practice-list" {
                @for p in c4::C4.practices {
                    li {
                        @match due.get(p.letter) {
                            Some(by) => { span class="badge badge-warn" { (p.letter) } " " (p.description) " — fazer até " (format::date(*by)) }
                            None => { span class="badge badge-ok" { (p.letter) } " " (p.description) " — feito" }
                        }
                    }
                }
            }
        }
    }))
}

/// HbA1c over time: an SVG line (no script), with the values in a table for screen readers
/// and print.
fn chart(history: &[Hba1c]) -> Markup {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    let (lo, hi) = (4.0_f64, 14.0_f64);
    let n = history.len();
    let x = |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            20.0 + (W - 40.0) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| H - 10.0 - (H - 20.0) * ((v.clamp(lo, hi) - lo) / (hi - lo));
    let points: Vec<String> = history
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{:.1},{:.1}", x(i), y(r.value)))
        .collect();
    html! {
        figure class="hba1c-chart" {
            svg viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="Evolução da hemoglobina glicada" width="320" height="120" {
                line x1="0" x2=(W) y1=(format!("{:.1}", y(7.0))) y2=(format!("{:.1}", y(7.0))) stroke="#888" stroke-dasharray="4 3" {}
                polyline points=(points.join(" ")) fill="none" stroke="currentColor" stroke-width="2" {}
                @for (i, r) in history.iter().enumerate() {
                    circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(r.value))) r="3" fill="currentColor" {}
                }
            }
            figcaption { "Hemoglobina glicada (%) — linha tracejada em 7 %" }
            table class="compact" {
                thead { tr { th scope="col" { "Data" } th scope="col" { "HbA1c (%)" } } }
                tbody { @for r in history.iter().rev() { tr { td { (format::date(r.on)) } td { (format_hba1c(r.value)) } } } }
            }
        }
    }
}

/// `GET /diabeticos/equipe?equipe=`: the team's C4 (`web::team`).
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
        crate::web::team::Extras::default(),
    )
    .await
}
