//! The treatment section of the diabetes panel on the person page: the one plan of the person
//! (every programme's medications; diabetes changes those it added), and the forms — add an
//! oral drug, add an insulin with each application's time and units, change one (dose,
//! frequency, an insulin's doses as a new prescription, pause, resume, stop). Every POST checks
//! scope, CSRF and `ChangeTreatment`, is audited, and a refused one comes back as the form with
//! the person's input and the messages in Portuguese (422, or 409 for a conflict), nothing
//! saved. Routes: `/pacientes/{id}/diabetes/tratamento` (oral drug),
//! `/pacientes/{id}/diabetes/insulina`, `/pacientes/{id}/diabetes/tratamento/{med}` (change).

use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Permission};
use crate::care::followup::{Actor, FollowupError};
use crate::care::treatment::{self as plan, Application, Change, Medication};
use crate::programs::diabetes::followup::FOLLOWUP;
use crate::programs::diabetes::treatment::{self as dm, NewInsulin, NewOral, Written};
use crate::state::AppState;
use crate::web::components::error_summary;
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, int_field, path_id, text};
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{format, layout, paths};

mod forms;

use forms::{add_insulin_form, add_oral_form, badge, change_form};

/// Applications an insulin form offers.
pub(super) const SLOTS: usize = 4;

pub(super) fn add_oral_path(person: i64) -> String {
    paths::patient_sub(person, "diabetes/tratamento")
}
pub(super) fn add_insulin_path(person: i64) -> String {
    paths::patient_sub(person, "diabetes/insulina")
}
pub(super) fn change_path(person: i64, med: i64) -> String {
    paths::patient_sub(person, &format!("diabetes/tratamento/{med}"))
}

fn program_name(key: &str) -> &str {
    crate::programs::by_key(key).map_or(key, |p| p.name)
}

fn medication_item(person: i64, user: &CurrentUser, m: &Medication, may_treat: bool) -> Markup {
    html! {
        li class="medication" data-medicamento=(m.row.id) data-status=(m.status.key()) {
            p class="med-head" {
                strong { (m.row.name) } " — " (m.posology()) " " (badge(m.status))
                span class="patient-meta" {
                    "Desde " (format::date(m.row.started_on))
                    @if let Some(e) = m.row.ended_on { " · até " (format::date(e)) }
                    @if m.row.program != FOLLOWUP.key { " · incluído pelo programa " (program_name(&m.row.program)) }
                    @if let Some(n) = &m.row.notes { " · " (n) }
                }
            }
            details class="med-history" {
                summary { "Histórico (" (m.events.len()) ")" }
                ol class="plain" {
                    @for e in &m.events {
                        li {
                            (format::date(e.on_date)) ": " (plan::event_label(&e.kind))
                            @if let Some(d) = &e.detail { " (" (d) ")" }
                            @if let Some(r) = &e.reason { " — motivo: " (r) }
                        }
                    }
                }
            }
            @if may_treat && m.status.open() && m.row.program == FOLLOWUP.key {
                details class="med-change-box" {
                    summary { "Alterar" }
                    (change_form(person, user, m, &FormData::default(), &Errors::default()))
                }
            }
        }
    }
}

/// The section of the diabetes panel: the plan (in use and paused first; history folded) and,
/// for who may change it, the forms.
pub async fn section(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<Markup, WebError> {
    let meds = plan::list(&state.db, person).await?;
    let may_treat = user.grants().may(Permission::ChangeTreatment);
    let today = state.today();
    let (current, past): (Vec<&Medication>, Vec<&Medication>) =
        meds.iter().partition(|m| m.status.open());
    Ok(html! {
        div class="diabetes-treatment" id="diabetes-tratamento" {
            h3 { "Tratamento" }
            @if current.is_empty() {
                p class="muted" { "Nenhum medicamento em uso no plano." }
            } @else {
                ul class="plain med-list" { @for m in &current { (medication_item(person, user, m, may_treat)) } }
            }
            @if !past.is_empty() {
                details class="med-past" {
                    summary { "Encerrados e substituídos (" (past.len()) ")" }
                    ul class="plain med-list" { @for m in &past { (medication_item(person, user, m, false)) } }
                }
            }
            @if may_treat {
                details class="med-add-box" {
                    summary { "Adicionar antidiabético oral" }
                    (add_oral_form(person, user, &FormData::default(), &Errors::default(), today))
                }
                details class="insulin-add-box" {
                    summary { "Adicionar insulina" }
                    (add_insulin_form(person, user, &FormData::default(), &Errors::default(), today))
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// Handlers.
// ---------------------------------------------------------------------------------------

/// The person's name and CNS, when the scope reaches them on the diabetes list.
async fn in_scope(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<(String, Option<String>), WebError> {
    if !(FOLLOWUP.in_scope)(&state.db, &user.scope(), person).await? {
        return Err(WebError::NotFound);
    }
    let r = crate::programs::diabetes::read_model::row(&state.db, person)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((r.no_cidadao, r.nu_cns))
}

async fn record(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    person: i64,
    action: Action,
    resource: String,
) -> Result<(), WebError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action,
            resource,
            filters: None,
            persons: vec![person],
            person_count: 1,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(())
}

fn back(hx: bool, person: i64, closed: bool) -> Response {
    let query = if closed {
        "ok=tratamento-acao"
    } else {
        "ok=tratamento"
    };
    let url = format!("{}?{query}#diabetes-tratamento", paths::patient(person));
    if hx {
        let path = url.split('#').next().unwrap_or(&url);
        let location = serde_json::json!({ "path": path, "target": "#conteudo", "select": "#conteudo", "swap": "outerHTML" });
        return Response::builder()
            .status(StatusCode::OK)
            .header("HX-Location", location.to_string())
            .finish();
    }
    Redirect::see_other(url).into_response()
}

/// Errors of the form, or the page's answer for anything else.
fn refusal(e: FollowupError) -> Result<(Errors, Option<String>), WebError> {
    match e {
        FollowupError::NotFound => Err(WebError::NotFound),
        FollowupError::Db(e) => Err(WebError::Db(e)),
        FollowupError::Invalid(v) => Ok((Errors(v), None)),
        FollowupError::Conflict(m) => Ok((Errors::default(), Some(m))),
        FollowupError::Forbidden(m) => Err(WebError::Forbidden(m.into())),
    }
}

/// The form again, with the input and the messages (422, or 409 for a conflict).
#[allow(clippy::too_many_arguments)]
async fn form_again(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    req: &Request,
    person: (i64, String, Option<String>),
    title: &str,
    errors: &Errors,
    conflict: Option<String>,
    form: Markup,
) -> Result<Response, WebError> {
    let (id, name, cns) = person;
    record(
        state,
        user,
        client,
        id,
        Action::ViewPatient,
        req.uri().path().to_string(),
    )
    .await?;
    let status = if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let footer = state.footer(Some(user)).await;
    let page = layout::page(
        &format!("{title} · {name}"),
        Some(crate::programs::diabetes::PROGRAM.path),
        &footer,
        html! {
            div class="patient-form-page" {
                p { a href=(paths::patient(id)) { "← Voltar para a página de " (name) } }
                h1 { (title) }
                p class="lead" { (name) @if let Some(c) = &cns { " · CNS " (c) } }
                (error_summary(errors, conflict.as_deref()))
                (form)
            }
        },
    );
    Ok(page
        .with_status(status)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

fn start_of(errors: &mut Errors, form: &FormData, today: NaiveDate) -> Option<NaiveDate> {
    if form.get("inicio").trim().is_empty() {
        Some(today)
    } else {
        date_field(errors, form, "inicio", "a data de início")
    }
}

/// The filled applications of the form; a half-filled or unreadable one is an error.
fn applications_of(errors: &mut Errors, form: &FormData) -> Vec<Application> {
    let mut out = Vec::new();
    for i in 1..=SLOTS {
        let (t, u) = (
            form.get(&format!("horario_{i}")).trim(),
            format!("unidades_{i}"),
        );
        if t.is_empty() && form.get(&u).trim().is_empty() {
            continue;
        }
        let time = NaiveTime::parse_from_str(t, "%H:%M").ok();
        if time.is_none() {
            errors.push(
                "horarios",
                format!("Aplicação {i}: informe o horário (hh:mm)."),
            );
        }
        let units = int_field(
            errors,
            form,
            &u,
            &format!("Unidades da aplicação {i}"),
            0..=100_000,
            true,
        );
        if let (Some(time), Some(units)) = (time, units) {
            out.push(Application {
                time,
                units: i32::try_from(units).unwrap_or(i32::MAX),
            });
        }
    }
    for e in errors
        .0
        .iter_mut()
        .filter(|e| e.field.starts_with("unidades_"))
    {
        e.field = "unidades".into();
    }
    out
}

/// `POST /pacientes/{id}/diabetes/tratamento`: adds an oral antidiabetic.
#[handler]
pub async fn add_oral(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let (name, cns) = in_scope(state, &user, person).await?;
    check_csrf(req, Some(&form), &user)?;
    let today = state.today();
    let mut errors = Errors::default();
    let dose = int_field(&mut errors, &form, "dose", "Dose", 0..=100_000, true);
    let freq = int_field(
        &mut errors,
        &form,
        "frequencia",
        "Frequência",
        0..=100_000,
        true,
    );
    let start = start_of(&mut errors, &form, today);
    let mut conflict = None;
    if let (Some(dose), Some(freq), Some(start), true) = (dose, freq, start, errors.is_empty()) {
        let (grants, scope) = (user.grants(), user.scope());
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let new = NewOral {
            drug: form.get("medicamento").trim().to_string(),
            dose: i32::try_from(dose).unwrap_or(i32::MAX),
            frequency: i32::try_from(freq).unwrap_or(i32::MAX),
            started_on: start,
            notes: text(&form, "observacoes"),
        };
        match dm::add_oral(&state.db, actor, person, new, today).await {
            Ok(w) => return done(state, &user, &client, hx, &w, "adicionar").await,
            Err(e) => (errors, conflict) = refusal(e)?,
        }
    }
    let body = add_oral_form(person, &user, &form, &errors, today);
    form_again(
        state,
        &user,
        &client,
        req,
        (person, name, cns),
        "Adicionar antidiabético oral",
        &errors,
        conflict,
        body,
    )
    .await
}

/// `POST /pacientes/{id}/diabetes/insulina`: adds an insulin.
#[handler]
pub async fn add_insulin(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let (name, cns) = in_scope(state, &user, person).await?;
    check_csrf(req, Some(&form), &user)?;
    let today = state.today();
    let mut errors = Errors::default();
    let applications = applications_of(&mut errors, &form);
    let start = start_of(&mut errors, &form, today);
    let mut conflict = None;
    if let (Some(start), true) = (start, errors.is_empty()) {
        let (grants, scope) = (user.grants(), user.scope());
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let new = NewInsulin {
            drug: form.get("medicamento").trim().to_string(),
            applications,
            started_on: start,
            notes: text(&form, "observacoes"),
        };
        match dm::add_insulin(&state.db, actor, person, new, today).await {
            Ok(w) => return done(state, &user, &client, hx, &w, "adicionar").await,
            Err(e) => (errors, conflict) = refusal(e)?,
        }
    }
    let body = add_insulin_form(person, &user, &form, &errors, today);
    form_again(
        state,
        &user,
        &client,
        req,
        (person, name, cns),
        "Adicionar insulina",
        &errors,
        conflict,
        body,
    )
    .await
}

async fn done(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    hx: HxRequest,
    w: &Written,
    what: &str,
) -> Result<Response, WebError> {
    let resource = change_path(w.person, w.medication) + "/" + what;
    record(state, user, client, w.person, Action::Write, resource).await?;
    Ok(back(hx.fragment, w.person, w.closed_action.is_some()))
}

/// `POST /pacientes/{id}/diabetes/tratamento/{med}`: changes a medication diabetes added.
#[handler]
pub async fn change(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, med)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let (name, cns) = in_scope(state, &user, person).await?;
    let med = path_id(&med)?;
    let m = plan::list(&state.db, person)
        .await?
        .into_iter()
        .find(|m| m.row.id == med)
        .ok_or(WebError::NotFound)?;
    check_csrf(req, Some(&form), &user)?;
    let today = state.today();
    let mut errors = Errors::default();
    let what = form.get("alteracao").trim().to_string();
    let mut insulin = None;
    let change = match what.as_str() {
        "frequencia" => int_field(
            &mut errors,
            &form,
            "frequencia",
            "Frequência",
            0..=100_000,
            true,
        )
        .map(|f| Change::Frequency(i32::try_from(f).unwrap_or(i32::MAX))),
        "dose" => int_field(&mut errors, &form, "dose", "Dose", 0..=100_000, true)
            .map(|d| Change::Dose(i32::try_from(d).unwrap_or(i32::MAX))),
        "doses" => {
            insulin = Some(applications_of(&mut errors, &form));
            None
        }
        "pausar" => Some(Change::Pause),
        "retomar" => Some(Change::Resume),
        "encerrar" => Some(Change::Stop),
        _ => {
            errors.push("alteracao", "Escolha a alteração.");
            None
        }
    };
    let mut conflict = None;
    if errors.is_empty() && (change.is_some() || insulin.is_some()) {
        let (grants, scope) = (user.grants(), user.scope());
        let actor = Actor {
            user_id: user.id,
            scope: &scope,
            grants: &grants,
        };
        let reason = text(&form, "motivo");
        let result = match (change, insulin) {
            (Some(c), _) => dm::change(&state.db, actor, med, c, reason, today).await,
            (None, Some(apps)) => {
                dm::change_insulin(&state.db, actor, med, apps, reason, today).await
            }
            (None, None) => Err(FollowupError::NotFound),
        };
        match result {
            Ok(w) => {
                return done(
                    state,
                    &user,
                    &client,
                    hx,
                    &Written {
                        medication: med,
                        ..w
                    },
                    &what,
                )
                .await;
            }
            Err(e) => (errors, conflict) = refusal(e)?,
        }
    }
    let body = html! {
        p { strong { (m.row.name) } " — " (m.posology()) " " (badge(m.status)) }
        (change_form(person, &user, &m, &form, &errors))
    };
    form_again(
        state,
        &user,
        &client,
        req,
        (person, name, cns),
        "Alterar medicamento",
        &errors,
        conflict,
        body,
    )
    .await
}
