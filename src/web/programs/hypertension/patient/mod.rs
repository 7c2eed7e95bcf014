//! The hypertension programme's page of a person on its list (`/pacientes/{id}`, "Ficha do
//! paciente", reached through `web::person::page`) and its follow-up forms: schedule, complete,
//! cancel and delete actions of the Hiperdia cycle, and the treatment plan.
//!
//! Every page works with plain links and forms: a successful POST answers 303 back to the
//! page (with a short confirmation in the query string); a refused one answers the same form
//! with the person's input and the messages next to the fields (422, or 409 for a conflict such
//! as a double submit), nothing saved. Every id in the path is checked against the user's scope
//! first: unknown and out-of-scope ids get the same HTML 404.
//!
//! Here: the page itself, its flash message, and what every form of the page shares (scope,
//! audit, the way back, the form page). The sections are in [`sections`], the follow-up forms
//! in [`followup`] and [`timeline`], the completion forms in [`completion`], the treatment plan
//! in [`treatment`]; their routes are mounted by `web::programs::hypertension::WEB`.

pub mod completion;
pub mod followup;
mod sections;
mod timeline;
pub mod treatment;

use chrono::{Days, NaiveDate};
use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::Redirect;
use poem::{IntoResponse, Request, Response};

use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Permission};
use crate::clinical::hiperdia::Status;
use crate::esus::catalogue::Catalogue;
use crate::programs::hypertension::actions::ActionError;
use crate::programs::hypertension::patient::{self, PatientView, TimelineEvent};
use crate::programs::hypertension::treatment::CatalogueItem;
use crate::store::hypertension_summary as summary;
use crate::web::error::WebError;
use crate::web::form::Errors;
use crate::web::htmx::HxRequest;
use crate::web::layout;
use crate::web::session::Client;
use crate::web::{AppState, format, paths};

use sections::{
    anthropometry_section, bp_section, c5_section, cv_risk_section, exams_section, identification,
    pec_section, problems_section, status_section,
};

async fn in_scope(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<summary::Model, WebError> {
    patient::find_in_scope(&state.db, &user.scope(), person)
        .await?
        .ok_or(WebError::NotFound)
}

async fn load_view(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<PatientView, WebError> {
    let catalogue = state.catalogue().await;
    patient::load(
        &state.db,
        &user.scope(),
        person,
        state.today(),
        None,
        catalogue.as_ref(),
    )
    .await?
    .ok_or(WebError::NotFound)
}

async fn audit_event(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    person: i64,
    action: Action,
    resource: String,
    filters: Option<String>,
) -> Result<(), WebError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action,
            resource,
            filters,
            persons: vec![person],
            person_count: 1,
            origin: client.origin(),
        },
    )
    .await?;
    Ok(())
}

async fn audit_write(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    person: i64,
    what: &str,
) -> Result<(), WebError> {
    audit_event(
        state,
        user,
        client,
        person,
        Action::Write,
        paths::patient_sub(person, what),
        None,
    )
    .await
}

/// Back to the patient page after a write: 303 for a plain form; for htmx, an `HX-Location`
/// that fetches the page into `#conteudo` and pushes its URL (the fragment is dropped).
fn back_to(hx: bool, person: i64, query: &str) -> Response {
    let url = format!("{}?{query}", paths::patient(person));
    if hx {
        let path = url.split('#').next().unwrap_or(&url);
        let location = serde_json::json!({
            "path": path,
            "target": "#conteudo",
            "select": "#conteudo",
            "swap": "outerHTML",
        });
        return Response::builder()
            .status(StatusCode::OK)
            .header("HX-Location", location.to_string())
            .finish();
    }
    Redirect::see_other(url).into_response()
}

/// A page holding one form of the patient page (first display, or re-display with errors).
/// It shows the person's name: the view is audited.
#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    path: &str,
    s: &summary::Model,
    title: &str,
    status: StatusCode,
    body: Markup,
) -> Result<Response, WebError> {
    audit_event(
        state,
        user,
        client,
        s.co_seq_cidadao,
        Action::ViewPatient,
        path.to_string(),
        None,
    )
    .await?;
    let footer = state.footer(Some(user)).await;
    let markup = layout::page(
        &format!("{title} · {}", s.no_cidadao),
        Some(paths::HYPERTENSION),
        &footer,
        html! {
            div class="patient-form-page" {
                p { a href=(paths::patient(s.co_seq_cidadao)) { "← Voltar para a ficha de " (s.no_cidadao) } }
                h1 { (title) }
                p class="lead" { (s.no_cidadao) @if let Some(cns) = &s.nu_cns { " · CNS " (cns) } }
                (body)
            }
        },
    );
    Ok(markup
        .with_status(status)
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

fn map_err(e: ActionError) -> Result<(Errors, Option<String>), WebError> {
    match e {
        ActionError::NotFound => Err(WebError::NotFound),
        ActionError::Db(e) => Err(WebError::Db(e)),
        ActionError::Invalid(v) => Ok((Errors(v), None)),
        ActionError::Conflict(m) => Ok((Errors::default(), Some(m))),
        ActionError::Forbidden(m) => Err(WebError::Forbidden(m.into())),
    }
}

fn refusal_status(conflict: &Option<String>) -> StatusCode {
    if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---------------------------------------------------------------------------------------
// The page.
// ---------------------------------------------------------------------------------------

/// `?periodo=`: days of timeline shown.
const PERIODS: [(&str, Option<u64>, &str); 5] = [
    ("30", Some(30), "30 dias"),
    ("90", Some(90), "90 dias"),
    ("180", Some(180), "180 dias"),
    ("365", Some(365), "1 ano"),
    ("todos", None, "Tudo"),
];

struct PageQuery {
    period: &'static str,
    since: Option<NaiveDate>,
    done: Option<i64>,
    scheduled: Option<i64>,
    ok: Option<String>,
}

fn page_query(query: &str, today: NaiveDate) -> Result<PageQuery, WebError> {
    let mut q = PageQuery {
        period: "todos",
        since: None,
        done: None,
        scheduled: None,
        ok: None,
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let v = v.trim();
        match k.as_ref() {
            "periodo" if !v.is_empty() => {
                let (key, days, _) = PERIODS.iter().find(|(k, _, _)| *k == v).ok_or_else(|| {
                    WebError::BadRequest(
                        "Período desconhecido. Use 30, 90, 180, 365 ou todos.".into(),
                    )
                })?;
                q.period = key;
                q.since = days.and_then(|d| today.checked_sub_days(Days::new(d)));
            }
            "feito" => q.done = v.parse().ok(),
            "agendada" => q.scheduled = v.parse().ok(),
            "ok" => q.ok = Some(v.chars().take(20).collect()),
            _ => {}
        }
    }
    Ok(q)
}

/// The programme's page at the person's address (`web::programs::WebProgram::person_page`):
/// `None` when the person is not on the hypertension list or out of the user's scope.
pub(crate) async fn person_page(
    r: crate::web::programs::PersonRequest<'_>,
) -> Result<Option<Response>, WebError> {
    let today = r.state.today();
    let catalogue_now = r.state.catalogue().await;
    let Some(view) = crate::programs::hypertension::patient::load(
        &r.state.db,
        &r.user.scope(),
        r.person,
        today,
        None,
        catalogue_now.as_ref(),
    )
    .await?
    else {
        return Ok(None);
    };
    page(
        r.req,
        r.hx,
        r.client,
        r.user,
        r.state,
        &view,
        catalogue_now.as_ref(),
        today,
    )
    .await
    .map(Some)
}

/// The programme's page of a person on its list, `view` loaded in the user's scope by the
/// caller (`web::person::page`): the whole page, or the timeline alone for htmx.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn page(
    req: &Request,
    hx: HxRequest,
    client: &Client,
    user: &CurrentUser,
    state: &AppState,
    view: &PatientView,
    catalogue_now: Option<&Catalogue>,
    today: NaiveDate,
) -> Result<Response, WebError> {
    let person = view.summary.co_seq_cidadao;
    let q = page_query(req.uri().query().unwrap_or(""), today)?;
    audit_event(
        state,
        user,
        client,
        person,
        Action::ViewPatient,
        paths::patient(person),
        req.uri().query().map(String::from),
    )
    .await?;
    // htmx asks for the timeline alone when it targets it (period links); any other htmx
    // request (after a form) gets the whole page and selects what it needs.
    let timeline_only = hx.fragment
        && req
            .headers()
            .get("hx-target")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t == "linha-do-tempo");
    let body = if timeline_only {
        timeline::timeline_section(view, user, &q, today)
    } else {
        let catalogue = crate::programs::hypertension::treatment::catalogue(&state.db).await?;
        let memberships =
            match crate::care::person::find_in_scope(&state.db, &user.scope(), person).await? {
                Some(p) => crate::care::person::memberships(&state.db, catalogue_now, &p).await?,
                None => Vec::new(),
            };
        let panels = crate::web::programs::panels(state, user, person).await?;
        let footer = state.footer(Some(user)).await;
        layout::page(
            &format!("Ficha · {}", view.summary.no_cidadao),
            Some(paths::HYPERTENSION),
            &footer,
            full_page(view, user, &q, &catalogue, &memberships, &panels, today),
        )
    };
    Ok(body
        .with_header(header::VARY, "HX-Request")
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

fn full_page(
    v: &PatientView,
    user: &CurrentUser,
    q: &PageQuery,
    catalogue: &[CatalogueItem],
    memberships: &[crate::care::person::Membership],
    panels: &[Markup],
    today: NaiveDate,
) -> Markup {
    let id = v.summary.co_seq_cidadao;
    html! {
        div class="patient-page" {
            (flash(v, q))
            (identification(v))
            @if !memberships.is_empty() { (crate::web::person::programs_panel(memberships)) }
            @for panel in panels { (panel) }
            p class="patient-actions" {
                @if user.grants().may(Permission::PrintPrescription) {
                    a class="button button-secondary" href=(paths::patient_sub(id, "receita.pdf")) { "Imprimir receituário" }
                    " "
                }
                a class="button button-secondary" href=(paths::patient_sub(id, "mrpa.pdf")) { "Folha de registro do MRPA" }
                " "
                a class="button button-secondary" href=(paths::HYPERTENSION) { "Voltar para a lista" }
            }
            div class="patient-grid" {
                (status_section(v, today))
                (problems_section(v))
            }
            (bp_section(v))
            div class="patient-grid" {
                (anthropometry_section(v))
                (cv_risk_section(v))
            }
            (exams_section(v))
            (c5_section(v))
            (treatment::treatment_section(v, user, catalogue, today))
            (followup::followup_forms(v, user, today))
            (timeline::timeline_section(v, user, q, today))
            (pec_section(v))
        }
    }
}

fn flash(v: &PatientView, q: &PageQuery) -> Markup {
    let label_of = |id: i64| {
        v.timeline
            .iter()
            .find(|e| e.action.id == id)
            .and_then(|e| e.action_type)
            .map(|t| t.label())
    };
    let next: Vec<&TimelineEvent> = q
        .done
        .map(|d| {
            v.timeline
                .iter()
                .filter(|e| e.action.origin_id == Some(d) && e.status == Some(Status::Pending))
                .collect()
        })
        .unwrap_or_default();
    html! {
        @if let Some(d) = q.done {
            div class="notice notice-ok" role="status" {
                p { "Ação registrada" @if let Some(l) = label_of(d) { ": " (l) } "." }
                @if next.is_empty() {
                    p { "Nenhuma ação seguinte foi agendada automaticamente." }
                } @else {
                    @for e in &next {
                        p class="flash-next" {
                            "Próxima ação agendada: " strong { (e.action_type.map_or("", |t| t.label())) }
                            " para " (format::date(e.action.due_date)) "."
                        }
                    }
                }
            }
        }
        @if let Some(s) = q.scheduled {
            div class="notice notice-ok" role="status" {
                p { "Ação agendada" @if let Some(l) = label_of(s) { ": " (l) } "." }
            }
        }
        @if let Some(ok) = &q.ok {
            div class="notice notice-ok" role="status" {
                p { (match ok.as_str() {
                    "cancelada" => "Ação cancelada.",
                    "excluida" => "Ação excluída.",
                    "anulada" => "Ação anulada; ela continua na linha do tempo com o motivo.",
                    "tratamento" => "Plano de tratamento atualizado.",
                    _ => "Alteração salva.",
                }) }
            }
        }
    }
}
