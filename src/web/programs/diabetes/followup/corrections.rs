//! Corrections on the follow-up: cancel a pending action (with an optional reason), delete
//! one entered by mistake, annul a completed one (with a reason; it stays in the timeline).

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::audit::Action;
use crate::auth::CurrentUser;
use crate::care::followup::{MAX_TEXT_CHARS, is_record};
use crate::programs::diabetes::followup as program;
use crate::state::AppState;
use crate::store::care_action;
use crate::web::components::{csrf, error_summary, textarea};
use crate::web::error::WebError;
use crate::web::form::{Errors, path_id, text};
use crate::web::format;
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};

use super::{
    action_of, action_path, actor, audit_event, back_to, form_page, label, map_err,
    person_in_scope, refusal_status,
};

fn cancel_form(
    person: i64,
    user: &CurrentUser,
    a: &care_action::Model,
    form: &FormData,
    errors: &Errors,
) -> Markup {
    let url = action_path(person, a.id, "cancelar");
    html! {
        form method="post" action=(url) hx-post=(url) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-stack" {
            (csrf(user))
            p { "Cancelar \"" (label(a)) "\" (prazo " (format::date(a.due_date)) ")." }
            (textarea(form, errors, "motivo", "Motivo (opcional)"))
            div class="form-actions" { button type="submit" class="button" { "Confirmar cancelamento" } }
        }
    }
}

/// `POST /pacientes/{id}/diabetes/acoes/{acao}/cancelar`.
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
    let s = person_in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    check_csrf(req, Some(&form), &user)?;
    let (scope, grants) = (user.scope(), user.grants());
    let reason = text(&form, "motivo");
    let cancelled = program::cancel(
        &state.db,
        actor(&user, &scope, &grants),
        a.id,
        reason,
        state.today(),
    )
    .await;
    let (errors, conflict) = match cancelled {
        Ok(_) => {
            let resource = action_path(person, a.id, "cancelar");
            audit_event(state, &user, &client, person, Action::Write, resource, None).await?;
            return Ok(back_to(hx.fragment, person));
        }
        Err(e) => map_err(e)?,
    };
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        (cancel_form(person, &user, &a, &form, &errors))
    };
    let status = refusal_status(&conflict);
    form_page(
        state,
        &user,
        &client,
        req,
        &s,
        "Cancelar ação",
        status,
        body,
    )
    .await
}

/// Deletion of a pending (or cancelled) action entered by mistake; annulment, with a reason,
/// of a completed one (a completed record is never deleted).
pub(super) fn delete_form(person: i64, user: &CurrentUser, a: &care_action::Model) -> Markup {
    let url = action_path(person, a.id, "excluir");
    let reason_id = format!("dm-anular-motivo-{}", a.id);
    html! {
        form method="post" action=(url) hx-post=(url) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-inline" {
            (csrf(user))
            input type="hidden" name="confirmar" value="sim";
            @if is_record(a) {
                p { "Anular \"" (label(a)) "\"? A ação continua na linha do tempo como anulada, com o motivo; as ações pendentes que ela gerou são excluídas." }
                label for=(reason_id) { "Motivo da anulação (obrigatório)" }
                input type="text" id=(reason_id) name="motivo" required maxlength=(MAX_TEXT_CHARS);
                button type="submit" class="button button-danger" { "Confirmar anulação" }
            } @else {
                p { "Excluir \"" (label(a)) "\" lançada por engano? As ações pendentes que ela gerou também serão excluídas." }
                button type="submit" class="button button-danger" { "Confirmar exclusão" }
            }
        }
    }
}

/// `GET /pacientes/{id}/diabetes/acoes/{acao}/excluir`: the confirmation.
#[handler]
pub async fn delete_confirm(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = person_in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    let body = delete_form(person, &user, &a);
    form_page(
        state,
        &user,
        &client,
        req,
        &s,
        "Excluir ação",
        StatusCode::OK,
        body,
    )
    .await
}

/// `POST /pacientes/{id}/diabetes/acoes/{acao}/excluir`: deletes (or annuls) once confirmed.
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
    let s = person_in_scope(state, &user, person).await?;
    let a = action_of(state, &user, person, &action).await?;
    check_csrf(req, Some(&form), &user)?;
    if form.get("confirmar") != "sim" {
        let body = delete_form(person, &user, &a);
        return form_page(
            state,
            &user,
            &client,
            req,
            &s,
            "Excluir ação",
            StatusCode::OK,
            body,
        )
        .await;
    }
    let (scope, grants) = (user.scope(), user.grants());
    let who = actor(&user, &scope, &grants);
    let annul = is_record(&a);
    let today = state.today();
    let done = if annul {
        program::annul(&state.db, who, a.id, text(&form, "motivo"), today).await
    } else {
        program::delete(&state.db, who, a.id, today).await
    };
    let (errors, conflict) = match done {
        Ok(changed) => {
            let what = if annul { "anular" } else { "excluir" };
            let resource = action_path(person, a.id, what);
            let detail = Some(changed.audit_detail());
            audit_event(
                state,
                &user,
                &client,
                person,
                Action::Write,
                resource,
                detail,
            )
            .await?;
            return Ok(back_to(hx.fragment, person));
        }
        Err(e) => map_err(e)?,
    };
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        (delete_form(person, &user, &a))
    };
    let status = refusal_status(&conflict);
    form_page(state, &user, &client, req, &s, "Excluir ação", status, body).await
}
