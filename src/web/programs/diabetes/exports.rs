//! The diabetes list's files and printed list: CSV and XLSX (`Permission::Export`) and the
//! list an ACS takes to the street (`Permission::View`), each exactly the page's rows under the
//! same filters, in the same order, every page. Every one is audited.

use chrono::NaiveDate;
use maud::html;
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Permission};
use crate::clinical::age;
use crate::clinical::c4;
use crate::clinical::diabetes::{Control, format_hba1c};
use crate::programs::diabetes::worklist::{self, ExportError, ListQuery, MAX_EXPORT_ROWS};
use crate::state::AppState;
use crate::store::diabetes_summary::Model as Row;

use super::list::{due_by_day, prepare};
use super::{CSV, LIST, PRINT, XLSX};
use crate::web::error::WebError;
use crate::web::session::{Auth, Client};
use crate::web::{format, layout, paths};

impl From<ExportError> for WebError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Forbidden(m) => WebError::Forbidden(m.into()),
            ExportError::TooMany => WebError::BadRequest(format!(
                "A lista tem mais de {MAX_EXPORT_ROWS} pessoas; filtre por equipe para exportar."
            )),
            ExportError::Db(e) => e.into(),
        }
    }
}

/// The list's rows for a file or a printed list, with the query they were chosen by.
async fn rows(
    req: &Request,
    user: &CurrentUser,
    state: &AppState,
    permission: Permission,
) -> Result<(ListQuery, Vec<Row>), WebError> {
    let q = prepare(req, user, state).await?;
    let grants = user.grants();
    let rows = worklist::rows_for(&state.db, &grants, permission, &q.filters, q.page.sort).await?;
    Ok((q, rows))
}

async fn audited(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    action: Action,
    resource: &str,
    q: &ListQuery,
    rows: &[Row],
) -> Result<(), WebError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action,
            resource: resource.into(),
            filters: Some(q.to_query()),
            persons: rows.iter().map(|r| r.co_seq_cidadao).collect(),
            person_count: rows.len() as u64,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(())
}

fn attachment(bytes: Vec<u8>, content_type: &str, today: NaiveDate, ext: &str) -> Response {
    bytes
        .with_content_type(content_type)
        .with_header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"diabetes-{}.{ext}\"",
                today.format("%Y-%m-%d")
            ),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

/// `GET /diabeticos/exportar.csv`: the same rows as the page, every page.
#[handler]
pub async fn export_csv(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let (q, rows) = rows(req, &user, state, Permission::Export).await?;
    let today = state.today();
    let bytes = crate::export::to_csv(&worklist::export_table(&rows, today));
    audited(state, &user, &client, Action::Export, CSV, &q, &rows).await?;
    Ok(attachment(bytes, "text/csv; charset=utf-8", today, "csv"))
}

/// `GET /diabeticos/exportar.xlsx`: the CSV's table as a spreadsheet with real dates.
#[handler]
pub async fn export_xlsx(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let (q, rows) = rows(req, &user, state, Permission::Export).await?;
    let today = state.today();
    let bytes = crate::export::to_xlsx(&worklist::export_table(&rows, today)).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        WebError::Internal("xlsx export")
    })?;
    audited(state, &user, &client, Action::Export, XLSX, &q, &rows).await?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        today,
        "xlsx",
    ))
}

/// `GET /diabeticos/imprimir`: what an ACS takes to the street — name, age, address and
/// micro-area, phone, last HbA1c and its date, what is due and by when — for the page's rows,
/// printed with the browser (the print stylesheet hides the navigation).
#[handler]
pub async fn print(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let (q, rows) = rows(req, &user, state, Permission::View).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.co_seq_cidadao).collect();
    let phones = worklist::phones(&state.db, &ids).await?;
    audited(state, &user, &client, Action::Print, PRINT, &q, &rows).await?;
    let today = state.today();
    let body = html! {
        div class="page-head acs-head" {
            h1 { "Lista para visitas — diabetes" }
            p class="lead" {
                (rows.len()) " pessoa(s) · emitida em " (format::date(today))
            }
            p class="no-print" {
                a class="button button-secondary" href=(q.href_at(LIST)) { "Voltar à lista" }
                " Use a impressão do navegador (Ctrl+P) para levar em papel."
            }
        }
        @if rows.is_empty() {
            div class="empty-state" { p { "Nenhuma pessoa com diabetes com os filtros atuais." } }
        }
        ol class="household-people print-list" {
            @for r in &rows {
                li class="household-person" {
                    div class="person-line" {
                        a class="patient-name" href=(paths::patient(r.co_seq_cidadao)) { (r.no_cidadao) }
                        span class="patient-meta" {
                            @match r.dt_nascimento { Some(b) => { (age::years(b, today)) " anos" } None => { "idade ?" } }
                            " · " (Control::from_key(&r.control_status).map_or("—", |c| c.label()))
                        }
                    }
                    p class="address" {
                        @match &r.household_street {
                            Some(s) => { (s) ", " (r.household_number.clone().unwrap_or_else(|| "s/n".into())) }
                            None => { "Sem domicílio vinculado no cadastro" }
                        }
                        @if let Some(d) = &r.household_district { " · " (d) }
                        " · microárea " (r.micro_area.as_deref().unwrap_or("—"))
                        " · telefone " (phones.get(&r.co_seq_cidadao).map_or("não informado", String::as_str))
                    }
                    p class="hba1c" {
                        @match (r.last_hba1c, r.last_hba1c_date) {
                            (Some(v), Some(d)) => { "Última HbA1c " (format_hba1c(v)) " % em " (format::date(d)) }
                            _ => { "Sem HbA1c registrada" }
                        }
                        " (meta " (r.hba1c_target) ")"
                    }
                    @let due = due_by_day(r);
                    @if due.is_empty() {
                        p class="muted" { "Boas práticas C4 em dia." }
                    } @else {
                        ul class="needs" {
                            @for (by, letters) in &due {
                                @for l in letters {
                                    li {
                                        (c4::C4.practice(l).map_or(l.as_str(), |p| p.description))
                                        " — até " (format::date(*by))
                                    }
                                }
                            }
                        }
                    }
                    p class="visit-box print-only" { "Visita: ____/____/______  Obs.: ______________________" }
                }
            }
        }
    };
    let footer = state.footer(Some(&user)).await;
    Ok(
        layout::page("Lista para visitas — diabetes", Some(LIST), &footer, body)
            .with_header(header::CACHE_CONTROL, "no-store")
            .into_response(),
    )
}
