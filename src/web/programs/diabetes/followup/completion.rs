//! Registering a diabetes action as done (`/pacientes/{id}/diabetes/acoes/registrar`): the
//! completion page (`?tipo=…&acao=…`), its form — the date, the checklist still to tick, and
//! for "Avaliar tratamento" the evaluation (HbA1c, glucose, exam date, control status, the
//! change proposed) — and the handler that saves it through
//! `programs::diabetes::followup::complete` (which schedules what the cycle says follows).

use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::audit::Action;
use crate::auth::CurrentUser;
use crate::care::followup::{Entry, PENDING, may_complete};
use crate::clinical::diabetes_followup::{Control, DmAction};
use crate::programs::diabetes::followup::{self as program, Completion, Evaluation, FOLLOWUP};
use crate::state::AppState;
use crate::store::diabetes_summary as summary;
use crate::web::components::{csrf, error_summary, field_errors, input, textarea};
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, iso, parse_date, parse_decimal, path_id, text, yes};
use crate::web::format;
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};

use super::{
    action_path, actor, audit_event, back_to, form_page, map_err, path, person_in_scope,
    refusal_status,
};

/// The kind of the form (`tipo`) and the pending action it completes (`acao`, optional).
fn target(form: &FormData) -> Result<(DmAction, Option<i64>), WebError> {
    let kind = DmAction::from_key(form.get("tipo").trim()).ok_or_else(|| {
        WebError::BadRequest("Tipo de ação desconhecido. Escolha uma ação da lista.".into())
    })?;
    let action = match form.get("acao").trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    Ok((kind, action))
}

/// Refuses (403) a user whose profile may not complete this kind: the page offers no form.
fn require_may_complete(user: &CurrentUser, kind: DmAction) -> Result<(), WebError> {
    match FOLLOWUP.kind(kind.key()) {
        Some(k) if may_complete(&user.grants(), k) => Ok(()),
        Some(k) => Err(WebError::Forbidden(k.completion.refusal().into())),
        None => Err(WebError::NotFound),
    }
}

/// The pending action of the form, when there is one: it must be this person's action of this
/// kind (else 404).
fn pending_entry(
    v: &program::FollowupView,
    kind: DmAction,
    action: Option<i64>,
) -> Result<Option<&Entry>, WebError> {
    match action {
        None => Ok(None),
        Some(id) => match v.entry(id) {
            Some(e) if e.action.action_type == kind.key() => Ok(Some(e)),
            _ => Err(WebError::NotFound),
        },
    }
}

fn title(kind: DmAction) -> String {
    match kind {
        DmAction::Evaluate => "Avaliar tratamento".to_string(),
        k => format!("Registrar: {}", k.label()),
    }
}

/// Values the form starts with.
fn defaults(kind: DmAction, today: NaiveDate) -> FormData {
    let mut m: HashMap<String, String> = HashMap::new();
    m.insert("data".into(), iso(today));
    if kind == DmAction::Evaluate {
        m.insert("data_exames".into(), iso(today));
    }
    FormData(m)
}

/// The checklist: the steps of the pending action (those done shown ticked), or the kind's
/// template when the action is recorded now.
fn steps_fields(kind: DmAction, entry: Option<&Entry>, form: &FormData, errors: &Errors) -> Markup {
    let rows: Vec<(i32, String, bool, bool)> = match entry {
        Some(e) => e
            .steps
            .iter()
            .map(|s| (s.position, s.text.clone(), s.mandatory, s.done_at.is_some()))
            .collect(),
        None => (1..)
            .zip(kind.steps())
            .map(|(p, (t, m))| (p, (*t).to_string(), *m, false))
            .collect(),
    };
    html! {
        @if !rows.is_empty() {
            fieldset class="field checklist" {
                legend { "Etapas" }
                @for (p, t, mandatory, done) in &rows {
                    @let name = format!("etapa_{p}");
                    div class="step" {
                        @if *done {
                            input type="checkbox" id=(name) checked disabled;
                        } @else {
                            input type="checkbox" id=(name) name=(name) value="sim" checked[yes(form, &name)];
                        }
                        label for=(name) { (t) @if *mandatory { " " span class="badge badge-muted" { "obrigatória" } } }
                    }
                }
                (field_errors(errors, "etapas"))
            }
        }
    }
}

/// The evaluation: exams, control status chosen by the professional, the change proposed.
fn evaluation_fields(form: &FormData, errors: &Errors, today: NaiveDate) -> Markup {
    let chosen = form.get("controle");
    let max = iso(today);
    html! {
        fieldset class="form-grid dm-evaluation-fields" {
            legend { "Exames" }
            (input(form, errors, "hba1c", "Hemoglobina glicada (HbA1c, %)", "text", Some("decimal"), Some("De 3 a 20 %."), None))
            (input(form, errors, "glicemia_jejum", "Glicemia de jejum (mg/dL)", "text", Some("decimal"), None, None))
            (input(form, errors, "glicemia_media", "Glicemia média (mg/dL)", "text", Some("decimal"), None, None))
            (input(form, errors, "data_exames", "Data dos exames", "date", None, None, Some(&max)))
        }
        fieldset class="field radio-row" aria-invalid=[errors.has("controle").then_some("true")] {
            legend { "Status do controle" }
            @for c in Control::ALL {
                label { input type="radio" name="controle" value=(c.key()) checked[chosen == c.key()]; " " (c.label()) }
            }
            (field_errors(errors, "controle"))
        }
        (textarea(form, errors, "mudanca_proposta", "Mudança proposta no tratamento"))
    }
}

#[allow(clippy::too_many_arguments)]
fn completion_form(
    person: i64,
    user: &CurrentUser,
    kind: DmAction,
    entry: Option<&Entry>,
    form: &FormData,
    errors: &Errors,
    conflict: Option<&str>,
    today: NaiveDate,
) -> Markup {
    let url = path(person, "acoes/registrar");
    html! {
        (error_summary(errors, conflict))
        form method="post" action=(url) hx-post=(url) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-stack completion-form dm-completion" {
            (csrf(user))
            input type="hidden" name="tipo" value=(kind.key());
            @if let Some(e) = entry { input type="hidden" name="acao" value=(e.action.id); }
            @match entry {
                Some(e) if e.action.status == PENDING => p class="hint" { "Ação pendente com prazo em " (format::date(e.action.due_date)) "." },
                Some(_) => p class="hint" { "Esta ação não está mais pendente." },
                None => p class="hint" { "Registra a ação como realizada (se houver uma pendente do mesmo tipo, ela é concluída)." },
            }
            (field_errors(errors, "acao"))
            div class="form-grid" {
                (input(form, errors, "data", "Data de realização", "date", None, Some("Não pode estar no futuro."), Some(&iso(today))))
            }
            (steps_fields(kind, entry, form, errors))
            @if kind == DmAction::Evaluate { (evaluation_fields(form, errors, today)) }
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" {
                button type="submit" class="button" { "Salvar" }
                " "
                a class="button button-secondary" href=(format!("{}#{}", crate::web::paths::patient(person), super::ANCHOR)) { "Voltar sem salvar" }
            }
        }
    }
}

/// A decimal typed the Brazilian way (`7,4`); the programme checks its range.
fn number(errors: &mut Errors, form: &FormData, field: &str, label: &str) -> Option<f64> {
    let t = form.get(field).trim();
    if t.is_empty() {
        return None;
    }
    let v = parse_decimal(t);
    if v.is_none() {
        errors.push(
            field,
            format!("{label}: \"{t}\" não é um número válido (use vírgula para decimais)."),
        );
    }
    v
}

fn parse_evaluation(errors: &mut Errors, form: &FormData) -> Evaluation {
    let exam_date = match form.get("data_exames").trim() {
        "" => None,
        t => {
            let d = parse_date(t);
            if d.is_none() {
                errors.push(
                    "data_exames",
                    format!("\"{t}\" não é uma data válida: use dd/mm/aaaa."),
                );
            }
            d
        }
    };
    let control = match form.get("controle").trim() {
        "" => None,
        k => {
            let c = Control::from_key(k);
            if c.is_none() {
                errors.push("controle", "Escolha o status do controle na lista.");
            }
            c
        }
    };
    Evaluation {
        hba1c: number(errors, form, "hba1c", "HbA1c"),
        fasting_glucose: number(errors, form, "glicemia_jejum", "Glicemia de jejum"),
        mean_glucose: number(errors, form, "glicemia_media", "Glicemia média"),
        exam_date,
        control,
        proposed_change: text(form, "mudanca_proposta"),
    }
}

/// The submitted form as a completion; the typing errors (dates, numbers) as messages. The
/// programme validates the rest (ranges, required control, dates against today).
fn parse(form: &FormData, kind: DmAction, action_id: Option<i64>) -> Result<Completion, Errors> {
    let mut errors = Errors::default();
    let done_on = date_field(&mut errors, form, "data", "a data de realização");
    let steps_done = (1..=i32::try_from(kind.steps().len()).unwrap_or(0))
        .filter(|p| yes(form, &format!("etapa_{p}")))
        .collect();
    let evaluation = (kind == DmAction::Evaluate).then(|| parse_evaluation(&mut errors, form));
    match done_on {
        Some(done_on) if errors.is_empty() => Ok(Completion {
            action: kind,
            action_id,
            done_on,
            notes: text(form, "observacoes"),
            steps_done,
            evaluation,
        }),
        _ => Err(errors),
    }
}

/// The query string as form values.
fn query(req: &Request) -> FormData {
    FormData(
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

/// What every display of the page needs.
struct Page<'a> {
    state: &'a AppState,
    user: &'a CurrentUser,
    client: &'a Client,
    req: &'a Request,
    s: &'a summary::Model,
}

impl Page<'_> {
    async fn render(
        &self,
        kind: DmAction,
        entry: Option<&Entry>,
        form: &FormData,
        errors: &Errors,
        conflict: Option<&str>,
        status: StatusCode,
    ) -> Result<Response, WebError> {
        let person = self.s.co_seq_cidadao;
        let today = self.state.today();
        let body = completion_form(
            person, self.user, kind, entry, form, errors, conflict, today,
        );
        let (state, user, client, req, s) = (self.state, self.user, self.client, self.req, self.s);
        form_page(state, user, client, req, s, &title(kind), status, body).await
    }
}

/// `GET /pacientes/{id}/diabetes/acoes/registrar?tipo=…&acao=…`.
#[handler]
pub async fn completion_page(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = person_in_scope(state, &user, person).await?;
    let (kind, action_id) = target(&query(req))?;
    require_may_complete(&user, kind)?;
    let v = program::view(&state.db, &user.scope(), person)
        .await?
        .ok_or(WebError::NotFound)?;
    let entry = pending_entry(&v, kind, action_id)?;
    let page = Page {
        state,
        user: &user,
        client: &client,
        req,
        s: &s,
    };
    let form = defaults(kind, state.today());
    page.render(kind, entry, &form, &Errors::default(), None, StatusCode::OK)
        .await
}

/// `POST /pacientes/{id}/diabetes/acoes/registrar`.
#[handler]
pub async fn complete(
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
    let (kind, action_id) = target(&form)?;
    require_may_complete(&user, kind)?;
    let v = program::view(&state.db, &user.scope(), person)
        .await?
        .ok_or(WebError::NotFound)?;
    pending_entry(&v, kind, action_id)?;
    let (errors, conflict) = match parse(&form, kind, action_id) {
        Err(errors) => (errors, None),
        Ok(c) => {
            let (scope, grants) = (user.scope(), user.grants());
            let who = actor(&user, &scope, &grants);
            match program::complete(&state.db, who, person, c, state.today()).await {
                Ok(done) => {
                    let resource = action_path(person, done.action_id, "registrar");
                    audit_event(state, &user, &client, person, Action::Write, resource, None)
                        .await?;
                    return Ok(back_to(hx.fragment, person));
                }
                Err(e) => map_err(e)?,
            }
        }
    };
    let v = program::view(&state.db, &user.scope(), person)
        .await?
        .ok_or(WebError::NotFound)?;
    let entry = pending_entry(&v, kind, action_id)?;
    let page = Page {
        state,
        user: &user,
        client: &client,
        req,
        s: &s,
    };
    let status = refusal_status(&conflict);
    page.render(kind, entry, &form, &errors, conflict.as_deref(), status)
        .await
}
