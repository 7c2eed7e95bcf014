//! Files of the hypertension programme: the worklist exported as CSV or XLSX (exactly the
//! filtered rows, in the page's order), prescriptions as one PDF for the selected patients or
//! for one patient, and the patient's MRPA recording sheet. Every file is audited.

use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::print::{self, Header};
use crate::programs::hypertension::actions::ActionError;
use crate::programs::hypertension::{documents, patient, worklist};

use crate::web::error::WebError;
use crate::web::session::{Auth, Client, FormData, FormList, check_csrf};
use crate::web::{AppState, paths};

fn header_of(state: &AppState) -> Header {
    let p = &state.config.print;
    Header {
        unit_name: p.unit_name.clone(),
        unit_address: p.unit_address.clone(),
        municipality: p.municipality.clone(),
        phone: p.phone.clone(),
    }
}

fn file(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(bytes)
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    let mut r = file(bytes, "application/pdf", name);
    // Open in the browser's viewer (print from there), still with a sensible file name.
    r.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        poem::http::HeaderValue::from_str(&format!("inline; filename=\"{name}\""))
            .unwrap_or_else(|_| poem::http::HeaderValue::from_static("inline")),
    );
    r
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Xlsx,
}

async fn export(
    req: &Request,
    client: Client,
    user: crate::auth::CurrentUser,
    state: &AppState,
    format: Format,
) -> Result<Response, WebError> {
    let scope = user.scope();
    if scope.is_empty() {
        return Err(WebError::Forbidden(
            "Seu perfil não dá acesso a dados de pacientes.".into(),
        ));
    }
    let query = super::parse_in_scope(req, &scope, state).await?;
    let rows = worklist::all_rows(&state.db, &query.filters, query.page.sort).await?;
    if rows.len() > documents::MAX_EXPORT_ROWS {
        return Err(WebError::BadRequest(format!(
            "A lista tem {} pessoas; exporte no máximo {} por vez (filtre por equipe).",
            rows.len(),
            documents::MAX_EXPORT_ROWS
        )));
    }
    let today = state.today();
    let grants = user.grants();
    let table = documents::worklist_table(&grants, &rows, today)
        .map_err(|m| WebError::Forbidden(m.into()))?;
    let (bytes, content_type, ext) = match format {
        Format::Csv => (
            crate::export::to_csv(&table),
            "text/csv; charset=utf-8",
            "csv",
        ),
        Format::Xlsx => (
            crate::export::to_xlsx(&table).map_err(|e| {
                tracing::error!(error = %e, "xlsx export failed");
                WebError::Internal("xlsx export")
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::Export,
            resource: format!("{}.{ext}", paths::HYPERTENSION),
            filters: Some(query.to_query()),
            persons: rows.iter().map(|r| r.co_seq_cidadao).collect(),
            person_count: rows.len() as u64,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(file(
        bytes,
        content_type,
        &format!("hipertensos-{}.{ext}", today.format("%Y-%m-%d")),
    ))
}

/// `GET /hipertensos/exportar.csv?<filtros>`.
#[handler]
pub async fn export_csv(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    export(req, client, user, state, Format::Csv).await
}

/// `GET /hipertensos/exportar.xlsx?<filtros>`.
#[handler]
pub async fn export_xlsx(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    export(req, client, user, state, Format::Xlsx).await
}

async fn prescriptions_for(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    client: &Client,
    persons: &[i64],
    resource: String,
) -> Result<Response, WebError> {
    let scope = user.scope();
    let today = state.today();
    let grants = user.grants();
    let found =
        documents::prescriptions(&state.db, &scope, &grants, persons, &user.full_name, today)
            .await
            .map_err(|e| match e {
                ActionError::Forbidden(m) => WebError::Forbidden(m.into()),
                ActionError::Db(e) => WebError::Db(e),
                _ => WebError::NotFound,
            })?;
    let printed: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
    let list: Vec<print::Prescription> = found.into_iter().map(|(_, p)| p).collect();
    if list.is_empty() {
        return Err(WebError::BadRequest(
            "Nenhum dos pacientes escolhidos tem medicamento em uso no plano de tratamento. Registre o tratamento na ficha do paciente antes de imprimir a receita.".into(),
        ));
    }
    let bytes = print::prescriptions_pdf(&header_of(state), &list)
        .map_err(|e| WebError::BadRequest(format!("Não foi possível montar a receita: {e}.")))?;
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action: Action::Print,
            resource,
            filters: None,
            person_count: list.len() as u64,
            persons: printed,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(pdf(
        bytes,
        &format!("receituario-{}.pdf", today.format("%Y-%m-%d")),
    ))
}

/// `POST /hipertensos/receitas.pdf` with `pessoa=<id>` for each selected patient.
#[handler]
pub async fn prescriptions(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    form: FormList,
) -> Result<Response, WebError> {
    check_csrf(
        req,
        Some(&FormData(form.0.iter().cloned().collect())),
        &user,
    )?;
    let mut persons = Vec::new();
    for v in form.all("pessoa") {
        let id = v.trim().parse::<i64>().map_err(|_| {
            WebError::BadRequest("A seleção de pacientes veio com um código inválido.".into())
        })?;
        if !persons.contains(&id) {
            persons.push(id);
        }
    }
    if persons.is_empty() {
        return Err(WebError::BadRequest(
            "Marque ao menos um paciente na lista para imprimir as receitas.".into(),
        ));
    }
    if persons.len() > documents::MAX_PRESCRIPTIONS {
        return Err(WebError::BadRequest(format!(
            "Imprima no máximo {} receitas por vez.",
            documents::MAX_PRESCRIPTIONS
        )));
    }
    prescriptions_for(
        state,
        &user,
        &client,
        &persons,
        paths::HYPERTENSION_PRESCRIPTIONS.into(),
    )
    .await
}

fn person_id(raw: &str) -> Result<i64, WebError> {
    raw.parse::<i64>().map_err(|_| WebError::NotFound)
}

/// `GET /pacientes/{id}/receita.pdf`.
#[handler]
pub async fn patient_prescription(
    Path(id): Path<String>,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let id = person_id(&id)?;
    patient::find_in_scope(&state.db, &user.scope(), id)
        .await?
        .ok_or(WebError::NotFound)?;
    prescriptions_for(
        state,
        &user,
        &client,
        &[id],
        paths::patient_sub(id, "receita.pdf"),
    )
    .await
}

/// `GET /pacientes/{id}/mrpa.pdf`: the MRPA recording sheet, day 1 = tomorrow.
#[handler]
pub async fn mrpa_sheet(
    Path(id): Path<String>,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    let id = person_id(&id)?;
    let row = patient::find_in_scope(&state.db, &user.scope(), id)
        .await?
        .ok_or(WebError::NotFound)?;
    let first_day = state.today().succ_opt();
    let bytes = print::mrpa_sheet_pdf(&header_of(state), &documents::patient(&row), first_day)
        .map_err(|e| {
            tracing::error!(error = %e, "mrpa sheet failed");
            WebError::Internal("mrpa sheet")
        })?;
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::Print,
            resource: paths::patient_sub(id, "mrpa.pdf"),
            filters: None,
            persons: vec![id],
            person_count: 1,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(pdf(bytes, "mrpa-folha-de-registro.pdf"))
}
