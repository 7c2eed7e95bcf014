//! The diabetes follow-up on the person page (reference system §1.7: register, timeline with
//! step checkboxes, "Avaliar tratamento"): the section of the diabetes panel — next and
//! pending actions, the schedule and register forms, the timeline ([`timeline`]) — and the
//! handlers of its forms under `/pacientes/{id}/diabetes/…`: schedule an action, tick or
//! untick a step, complete one ([`completion`], with the evaluation form), cancel one, delete
//! one entered by mistake (or annul a completed one).
//!
//! Every form works without JavaScript (POST, then 303 back to the person page) and htmx
//! makes it faster (`hx-post` into `#conteudo`, answered with `HX-Location`). A refused form
//! comes back with the person's input and Portuguese messages (422, 409 for a conflict),
//! nothing saved. Scope and permission are checked by `programs::diabetes::followup` (the
//! pages only hide what the user may not do); every write and every view is audited.

mod completion;
mod corrections;
mod timeline;

pub(super) use completion::{complete, completion_page};
use corrections::delete_form;
pub(super) use corrections::{cancel, delete, delete_confirm};

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Grants, Permission, Scope};
use crate::care::followup::{Actor, FollowupError, MAX_TEXT_CHARS, may_complete, may_schedule};
use crate::clinical::diabetes_followup::DmAction;
use crate::programs::diabetes::followup::{self as program, FOLLOWUP, FollowupView};
use crate::state::AppState;
use crate::store::{care_action, diabetes_summary as summary};
use crate::web::components::{csrf, error_summary, field_errors};
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, iso, path_id, text};
use crate::web::htmx::HxRequest;
use crate::web::layout;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{format, paths};

/// The id of the follow-up section on the person page (where a form returns to).
pub(super) const ANCHOR: &str = "dm-acompanhamento";

/// `/pacientes/{id}/diabetes/{rest}`: the follow-up's forms.
pub(super) fn path(person: i64, rest: &str) -> String {
    paths::patient_sub(person, &format!("diabetes/{rest}"))
}

/// `/pacientes/{id}/diabetes/acoes/{action}/{rest}`.
pub(super) fn action_path(person: i64, action: i64, rest: &str) -> String {
    path(person, &format!("acoes/{action}/{rest}"))
}

/// The label of a stored action kind.
pub(super) fn label(a: &care_action::Model) -> &str {
    FOLLOWUP.label(&a.action_type)
}

fn actor<'a>(user: &CurrentUser, scope: &'a Scope, grants: &'a Grants) -> Actor<'a> {
    Actor {
        user_id: user.id,
        scope,
        grants,
    }
}

/// The person of the path, on the diabetes list and in the user's scope (else the same 404).
async fn person_in_scope(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<summary::Model, WebError> {
    program::find_in_scope(&state.db, &user.scope(), person)
        .await?
        .ok_or(WebError::NotFound)
}

/// The diabetes action of the path, about the person of the path (else 404).
async fn action_of(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
    raw: &str,
) -> Result<care_action::Model, WebError> {
    let id = path_id(raw)?;
    match program::find(&state.db, &user.scope(), id).await {
        Ok(a) if a.co_cidadao == person => Ok(a),
        Ok(_) | Err(FollowupError::NotFound) => Err(WebError::NotFound),
        Err(FollowupError::Db(e)) => Err(WebError::Db(e)),
        Err(_) => Err(WebError::NotFound),
    }
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

/// Back to the person page's follow-up after a write: 303 for a plain form; for htmx, an
/// `HX-Location` that fetches the page into `#conteudo` and pushes its URL.
fn back_to(hx: bool, person: i64) -> Response {
    if hx {
        let location = serde_json::json!({
            "path": paths::patient(person),
            "target": "#conteudo",
            "select": "#conteudo",
            "swap": "outerHTML",
        });
        return Response::builder()
            .status(StatusCode::OK)
            .header("HX-Location", location.to_string())
            .finish();
    }
    Redirect::see_other(format!("{}#{ANCHOR}", paths::patient(person))).into_response()
}

/// A page holding one form of the follow-up (first display, or again with its messages). It
/// shows the person's name: the view is audited.
#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    req: &Request,
    s: &summary::Model,
    title: &str,
    status: StatusCode,
    body: Markup,
) -> Result<Response, WebError> {
    let person = s.co_seq_cidadao;
    audit_event(
        state,
        user,
        client,
        person,
        Action::ViewPatient,
        req.uri().path().to_string(),
        None,
    )
    .await?;
    let footer = state.footer(Some(user)).await;
    let markup = layout::page(
        &format!("{title} · {}", s.no_cidadao),
        Some(super::LIST),
        &footer,
        html! {
            div class="patient-form-page" {
                p { a href=(format!("{}#{ANCHOR}", paths::patient(person))) { "← Voltar para a ficha de " (s.no_cidadao) } }
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

/// A refusal of the programme as messages for the form (or the error page it deserves).
fn map_err(e: FollowupError) -> Result<(Errors, Option<String>), WebError> {
    match e {
        FollowupError::NotFound => Err(WebError::NotFound),
        FollowupError::Db(e) => Err(WebError::Db(e)),
        FollowupError::Invalid(v) => Ok((Errors(v), None)),
        FollowupError::Conflict(m) => Ok((Errors::default(), Some(m))),
        FollowupError::Forbidden(m) => Err(WebError::Forbidden(m.into())),
    }
}

fn refusal_status(conflict: &Option<String>) -> StatusCode {
    if conflict.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// The form that schedules a pending action (the kinds the user may schedule).
fn schedule_form(
    person: i64,
    user: &CurrentUser,
    form: &FormData,
    errors: &Errors,
    today: NaiveDate,
) -> Markup {
    let grants = user.grants();
    let chosen = form.get("tipo");
    let due = match form.get("data") {
        "" => iso(today),
        typed => typed.to_string(),
    };
    let url = path(person, "acoes");
    html! {
        form method="post" action=(url) hx-post=(url) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-grid schedule-form dm-schedule" {
            (csrf(user))
            div class="field" {
                label for="dm-agendar-tipo" { "Ação" }
                select id="dm-agendar-tipo" name="tipo" aria-invalid=[errors.has("tipo").then_some("true")] {
                    @for k in FOLLOWUP.kinds.iter().filter(|k| may_schedule(&grants, k)) {
                        option value=(k.key) selected[chosen == k.key] { (k.label) }
                    }
                }
                (field_errors(errors, "tipo"))
            }
            div class="field" {
                label for="dm-agendar-data" { "Prazo" }
                input type="date" id="dm-agendar-data" name="data" value=(due) min=(iso(today))
                    aria-invalid=[errors.has("data").then_some("true")];
                (field_errors(errors, "data"))
            }
            // Its own id: the hypertension page may show its schedule form beside this one.
            div class="field field-wide" {
                label for="dm-agendar-observacoes" { "Observações" }
                textarea id="dm-agendar-observacoes" name="observacoes" rows="3" maxlength=(MAX_TEXT_CHARS)
                    aria-invalid=[errors.has("observacoes").then_some("true")] { (form.get("observacoes")) }
                (field_errors(errors, "observacoes"))
            }
            div class="form-actions" { button type="submit" class="button" { "Agendar" } }
        }
    }
}

/// The register shortcut: the kinds the user may complete, to the completion page.
fn register_form(person: i64, grants: &Grants) -> Markup {
    let kinds: Vec<_> = DmAction::ALL
        .into_iter()
        .filter_map(|a| FOLLOWUP.kind(a.key()))
        .filter(|k| may_complete(grants, k))
        .collect();
    html! {
        @if !kinds.is_empty() {
            form method="get" action=(path(person, "acoes/registrar")) class="form-inline register-any dm-register" {
                label for="dm-registrar-tipo" { "Registrar ação realizada" }
                select id="dm-registrar-tipo" name="tipo" {
                    @for k in &kinds { option value=(k.key) { (k.label) } }
                }
                button type="submit" class="button button-secondary" { "Registrar ação" }
            }
        }
    }
}

/// The next action and the other pending ones.
fn pending_list(v: &FollowupView, today: NaiveDate) -> Markup {
    let pending = v.pending();
    html! {
        @match pending.first() {
            Some(next) => p class="dm-next" {
                "Próxima ação: " strong { (next.label()) } " — prazo " (format::date(next.action.due_date))
                @if next.action.due_date < today { " " span class="badge badge-bad" { "Atrasada" } }
            },
            None => p class="dm-next muted" { "Nenhuma ação pendente." },
        }
        @if pending.len() > 1 {
            ul class="plain dm-pending" aria-label="Ações pendentes" {
                @for e in &pending {
                    li data-acao=(e.action.id) { (e.label()) " — prazo " (format::date(e.action.due_date)) }
                }
            }
        }
    }
}

/// The follow-up section of the diabetes panel (`None`: the scope does not reach the person).
pub(super) async fn section(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
) -> Result<Option<Markup>, WebError> {
    let Some(v) = program::view(&state.db, &user.scope(), person).await? else {
        return Ok(None);
    };
    let today = state.today();
    let grants = user.grants();
    let may_schedule_any = FOLLOWUP.kinds.iter().any(|k| may_schedule(&grants, k));
    Ok(Some(html! {
        section class="card dm-followup" id=(ANCHOR) aria-labelledby="dm-acompanhamento-titulo" {
            h2 id="dm-acompanhamento-titulo" { "Acompanhamento do diabetes" }
            (pending_list(&v, today))
            div class="followup-forms" {
                @if may_schedule_any {
                    details {
                        summary { "Agendar ação" }
                        (schedule_form(person, user, &FormData::default(), &Errors::default(), today))
                    }
                }
                (register_form(person, &grants))
            }
            (timeline::timeline(person, user, &v, today))
        }
    }))
}

/// `POST /pacientes/{id}/diabetes/acoes`: schedules a pending action.
#[handler]
pub async fn schedule(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = person_in_scope(state, &user, person).await?;
    check_csrf(req, Some(&form), &user)?;
    let today = state.today();
    let mut errors = Errors::default();
    let kind = DmAction::from_key(form.get("tipo").trim());
    if kind.is_none() {
        errors.push("tipo", "Escolha uma ação da lista.");
    }
    let due = date_field(&mut errors, &form, "data", "o prazo");
    let mut conflict = None;
    if let (Some(kind), Some(due), true) = (kind, due, errors.is_empty()) {
        let (scope, grants) = (user.scope(), user.grants());
        let notes = text(&form, "observacoes");
        let done = program::schedule(
            &state.db,
            actor(&user, &scope, &grants),
            person,
            kind,
            due,
            notes,
            today,
        )
        .await;
        match done {
            Ok(new) => {
                let resource = action_path(person, new, "agendar");
                audit_event(state, &user, &client, person, Action::Write, resource, None).await?;
                return Ok(back_to(hx.fragment, person));
            }
            Err(e) => (errors, conflict) = map_err(e)?,
        }
    }
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        (schedule_form(person, &user, &form, &errors, today))
    };
    let status = refusal_status(&conflict);
    form_page(state, &user, &client, req, &s, "Agendar ação", status, body).await
}

/// `POST /pacientes/{id}/diabetes/acoes/{acao}/etapas/{etapa}`: ticks (`feita=sim`) or unticks
/// a step of a pending action.
#[handler]
pub async fn set_step(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, action, step)): Path<(String, String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = person_in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    let position = path_id(&step)
        .ok()
        .and_then(|p| i32::try_from(p).ok())
        .ok_or(WebError::NotFound)?;
    check_csrf(req, Some(&form), &user)?;
    let done = match form.get("feita") {
        "sim" => true,
        "nao" => false,
        _ => {
            return Err(WebError::BadRequest(
                "Indique se a etapa foi feita (sim) ou não (nao).".into(),
            ));
        }
    };
    let (scope, grants) = (user.scope(), user.grants());
    let changed = program::set_step(
        &state.db,
        actor(&user, &scope, &grants),
        a.id,
        position,
        done,
    )
    .await;
    let (errors, conflict) = match changed {
        Ok(_) => {
            let resource = action_path(person, a.id, &format!("etapas/{position}"));
            let what = Some(format!("feita={}", form.get("feita")));
            audit_event(state, &user, &client, person, Action::Write, resource, what).await?;
            return Ok(back_to(hx.fragment, person));
        }
        Err(e) => map_err(e)?,
    };
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        p { a class="button button-secondary" href=(format!("{}#{ANCHOR}", paths::patient(person))) { "Voltar para a linha do tempo" } }
    };
    let status = refusal_status(&conflict);
    let title = format!("Etapa de \"{}\"", label(&a));
    form_page(state, &user, &client, req, &s, &title, status, body).await
}

/// Whether the user may cancel, and delete or annul, actions (the matrix's columns).
pub(super) fn may_correct(grants: &Grants) -> (bool, bool) {
    (
        grants.may(Permission::Cancel),
        grants.may(Permission::Delete),
    )
}
