//! Follow-up actions on the hypertension person page: the schedule form and the register
//! shortcut, and the schedule, cancel and delete/annul handlers
//! (`/pacientes/{id}/acoes`, `/pacientes/{id}/acoes/{acao}/cancelar`, `…/excluir`).

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::audit::Action;
use crate::auth::CurrentUser;
use crate::clinical::hiperdia::ActionType;
use crate::programs::hypertension::actions::{self, ActionError, Actor};
use crate::programs::hypertension::patient::PatientView;
use crate::store::hypertension_summary as summary;
use crate::web::components::{csrf, error_summary, field_errors, textarea};
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, iso, path_id, text};
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{AppState, format, paths};

use super::{audit_event, audit_write, back_to, form_page, in_scope, map_err, refusal_status};

fn schedule_form(
    person: i64,
    user: &CurrentUser,
    form: &FormData,
    errors: &Errors,
    today: NaiveDate,
) -> Markup {
    let chosen = form.get("tipo");
    let grants = user.grants();
    let due = if form.get("data").is_empty() {
        iso(today)
    } else {
        form.get("data").to_string()
    };
    html! {
        form method="post" action=(paths::patient_sub(person, "acoes")) hx-post=(paths::patient_sub(person, "acoes")) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-grid schedule-form" {
            (csrf(user))
            div class="field" {
                label for="agendar-tipo" { "Ação" }
                select id="agendar-tipo" name="tipo" {
                    @for t in ActionType::ALL.into_iter().filter(|t| actions::may_schedule(&grants, *t)) {
                        option value=(t.key()) selected[chosen == t.key()] { (t.label()) }
                    }
                }
                (field_errors(errors, "tipo"))
            }
            div class="field" {
                label for="agendar-data" { "Prazo" }
                input type="date" id="agendar-data" name="data" value=(due) min=(iso(today))
                    aria-invalid=[errors.has("data").then_some("true")];
                (field_errors(errors, "data"))
            }
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" { button type="submit" class="button" { "Agendar" } }
        }
    }
}

pub(super) fn followup_forms(v: &PatientView, user: &CurrentUser, today: NaiveDate) -> Markup {
    let person = v.summary.co_seq_cidadao;
    let grants = user.grants();
    let completable: Vec<ActionType> = ActionType::ALL
        .into_iter()
        .filter(|t| actions::may_complete(&grants, *t))
        .collect();
    let may_schedule = ActionType::ALL
        .into_iter()
        .any(|t| actions::may_schedule(&grants, t));
    html! {
        section class="card" id="acoes" aria-labelledby="acoes-titulo" {
            h2 id="acoes-titulo" { "Ações de acompanhamento" }
            div class="followup-forms" {
                @if may_schedule {
                    details {
                        summary { "Agendar ação" }
                        (schedule_form(person, user, &FormData::default(), &Errors::default(), today))
                    }
                }
                @if !completable.is_empty() {
                    form method="get" action=(paths::patient_sub(person, "acoes/registrar")) class="form-inline register-any" {
                        label for="registrar-tipo" { "Registrar ação realizada" }
                        select id="registrar-tipo" name="tipo" {
                            @for t in &completable { option value=(t.key()) { (t.label()) } }
                        }
                        button type="submit" class="button button-secondary" { "Registrar ação" }
                    }
                }
            }
        }
    }
}

/// Deletion of a pending (or cancelled) action entered by mistake; annulment, with a
/// reason, of a completed one (a completed record is never deleted).
pub(super) fn delete_form(
    person: i64,
    user: &CurrentUser,
    a: &crate::store::care_action::Model,
    label: &str,
) -> Markup {
    let action = a.id;
    html! {
        form method="post" action=(paths::patient_sub(person, &format!("acoes/{action}/excluir"))) hx-post=(paths::patient_sub(person, &format!("acoes/{action}/excluir"))) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-inline" {
            (csrf(user))
            input type="hidden" name="confirmar" value="sim";
            @if actions::is_record(a) {
                p { "Anular \"" (label) "\"? A ação realizada continua na linha do tempo como anulada, com o motivo; o registro deixa de contar e as ações pendentes que ela gerou são excluídas." }
                label for=(format!("anular-motivo-{action}")) { "Motivo da anulação (obrigatório)" }
                input type="text" id=(format!("anular-motivo-{action}")) name="motivo" required maxlength=(actions::MAX_TEXT_CHARS);
                button type="submit" class="button button-danger" { "Confirmar anulação" }
            } @else {
                p { "Excluir \"" (label) "\" lançada por engano? As ações pendentes que ela gerou também serão excluídas." }
                button type="submit" class="button button-danger" { "Confirmar exclusão" }
            }
        }
    }
}

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
    let s = in_scope(state, &user, person).await?;
    check_csrf(req, Some(&form), &user)?;
    let today = state.today();
    let mut errors = Errors::default();
    let t = ActionType::from_key(form.get("tipo").trim());
    if t.is_none() {
        errors.push("tipo", "Escolha uma ação da lista.");
    }
    let due = date_field(&mut errors, &form, "data", "o prazo");
    let mut conflict = None;
    if let (Some(t), Some(due), true) = (t, due, errors.is_empty()) {
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &user.scope(),
            grants: &grants,
        };
        match actions::schedule(
            &state.db,
            actor,
            person,
            t,
            due,
            text(&form, "observacoes"),
            today,
        )
        .await
        {
            Ok(new) => {
                audit_write(
                    state,
                    &user,
                    &client,
                    person,
                    &format!("acoes/{new}/agendar"),
                )
                .await?;
                return Ok(back_to(
                    hx.fragment,
                    person,
                    &format!("agendada={new}#linha-do-tempo"),
                ));
            }
            Err(e) => {
                let (e, c) = map_err(e)?;
                errors = e;
                conflict = c;
            }
        }
    }
    let status = refusal_status(&conflict);
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        (schedule_form(person, &user, &form, &errors, today))
    };
    form_page(
        state,
        &user,
        &client,
        req.uri().path(),
        &s,
        "Agendar ação",
        status,
        body,
    )
    .await
}

/// The action of the path, checked against the person of the path and the user's scope.
async fn action_of(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
    raw: &str,
) -> Result<crate::store::care_action::Model, WebError> {
    let id = path_id(raw)?;
    match actions::find(&state.db, &user.scope(), id).await {
        Ok(a) if a.co_cidadao == person => Ok(a),
        Ok(_) | Err(ActionError::NotFound) => Err(WebError::NotFound),
        Err(ActionError::Db(e)) => Err(WebError::Db(e)),
        Err(_) => Err(WebError::NotFound),
    }
}

fn action_label(a: &crate::store::care_action::Model) -> &str {
    ActionType::from_key(&a.action_type).map_or(a.action_type.as_str(), |t| t.label())
}

#[handler]
pub async fn cancel(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, action)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    check_csrf(req, Some(&form), &user)?;
    let grants = user.grants();
    let actor = Actor {
        user_id: user.id,
        scope: &user.scope(),
        grants: &grants,
    };
    match actions::cancel(&state.db, actor, a.id, text(&form, "motivo"), state.today()).await {
        Ok(_) => {
            audit_write(
                state,
                &user,
                &client,
                person,
                &format!("acoes/{}/cancelar", a.id),
            )
            .await?;
            Ok(back_to(hx.fragment, person, "ok=cancelada#linha-do-tempo"))
        }
        Err(e) => {
            let (errors, conflict) = map_err(e)?;
            let status = refusal_status(&conflict);
            let body = html! {
                (error_summary(&errors, conflict.as_deref()))
                form method="post" action=(paths::patient_sub(person, &format!("acoes/{}/cancelar", a.id))) hx-post=(paths::patient_sub(person, &format!("acoes/{}/cancelar", a.id))) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-stack" {
                    (csrf(&user))
                    p { "Cancelar \"" (action_label(&a)) "\" (prazo " (format::date(a.due_date)) ")." }
                    (textarea(&form, &errors, "motivo", "Motivo (opcional)"))
                    div class="form-actions" { button type="submit" class="button" { "Confirmar cancelamento" } }
                }
            };
            form_page(
                state,
                &user,
                &client,
                req.uri().path(),
                &s,
                "Cancelar ação",
                status,
                body,
            )
            .await
        }
    }
}

/// The confirmation step of a deletion (also reached by a POST without `confirmar`).
async fn delete_page(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    path: &str,
    s: &summary::Model,
    a: &crate::store::care_action::Model,
) -> Result<Response, WebError> {
    let body = delete_form(s.co_seq_cidadao, user, a, action_label(a));
    form_page(
        state,
        user,
        client,
        path,
        s,
        "Excluir ação",
        StatusCode::OK,
        body,
    )
    .await
}

#[handler]
pub async fn delete_confirm(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    delete_page(state, &user, &client, req.uri().path(), &s, &a).await
}

#[handler]
pub async fn delete(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, action)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    check_csrf(req, Some(&form), &user)?;
    if form.get("confirmar") != "sim" {
        return delete_page(state, &user, &client, req.uri().path(), &s, &a).await;
    }
    let grants = user.grants();
    let actor = Actor {
        user_id: user.id,
        scope: &user.scope(),
        grants: &grants,
    };
    // A completed action is never deleted: the same form annuls it, with a reason.
    let annul = actions::is_record(&a);
    let done = if annul {
        actions::annul(&state.db, actor, a.id, text(&form, "motivo"), state.today()).await
    } else {
        actions::delete(&state.db, actor, a.id, state.today()).await
    };
    match done {
        Ok(changed) => {
            let what = if annul { "anular" } else { "excluir" };
            audit_event(
                state,
                &user,
                &client,
                person,
                Action::Write,
                paths::patient_sub(person, &format!("acoes/{}/{what}", a.id)),
                Some(changed.audit_detail()),
            )
            .await?;
            let flash = if annul { "anulada" } else { "excluida" };
            Ok(back_to(
                hx.fragment,
                person,
                &format!("ok={flash}#linha-do-tempo"),
            ))
        }
        Err(e) => {
            let (errors, conflict) = map_err(e)?;
            let status = refusal_status(&conflict);
            let body = html! {
                (error_summary(&errors, conflict.as_deref()))
                (delete_form(person, &user, &a, action_label(&a)))
            };
            form_page(
                state,
                &user,
                &client,
                req.uri().path(),
                &s,
                "Excluir ação",
                status,
                body,
            )
            .await
        }
    }
}
