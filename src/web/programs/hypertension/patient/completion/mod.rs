//! Registering an action as done (`/pacientes/{id}/acoes/registrar`): the completion page with
//! its defaults, the form, and the handler that saves it. The record fields of each kind are
//! in [`fields`], the parsing of the submitted form in [`parse`].

mod fields;
mod parse;

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::auth::CurrentUser;
use crate::clinical::exams::{self, Analyte};
use crate::clinical::hiperdia::{ActionType, RecordKind, Status};
use crate::clinical::mrpa;
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{self, Actor};
use crate::programs::hypertension::patient::PatientView;
use crate::web::components::{csrf, error_summary, field_errors, input, textarea};
use crate::web::error::WebError;
use crate::web::form::{Errors, format_number, iso, path_id};
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{AppState, format, paths};

use super::{audit_write, back_to, form_page, in_scope, load_view, map_err, refusal_status};
use fields::record_fields;
use parse::{completion_target, parse_completion, parse_readings};

/// Values the completion form starts with.
fn completion_defaults(v: &PatientView, t: ActionType, today: NaiveDate) -> FormData {
    let mut m: HashMap<String, String> = HashMap::new();
    m.insert("data".into(), iso(today));
    match t.record_kind() {
        RecordKind::Mrpa => {
            let first = today.checked_sub_days(Days::new(7)).unwrap_or(today);
            m.insert("inicio_mrpa".into(), iso(first));
        }
        RecordKind::Exams => {
            m.insert("data_coleta".into(), iso(today));
        }
        RecordKind::CvRisk => {
            if let Some(a) = v.age {
                m.insert("idade".into(), a.to_string());
            }
            if let Some(s) = v.summary.sexo.as_deref().and_then(Sex::from_key) {
                m.insert("sexo".into(), s.key().into());
            }
            if let Some(s) = v
                .summary
                .last_bp_systolic
                .or(v.bp_history.last().map(|p| p.reading.systolic))
            {
                m.insert("pas".into(), s.to_string());
            }
            if let Some(c) = v
                .latest_exams
                .iter()
                .find(|e| e.analyte == Analyte::TotalCholesterol)
            {
                m.insert(
                    "colesterol_total".into(),
                    exams::format_value(Analyte::TotalCholesterol, c.value),
                );
            }
            if let Some((_, b)) = v.anthropometry.bmi {
                m.insert("imc".into(), format::decimal1(b));
            }
            m.insert("tabagismo".into(), "nao".into());
            // Diabetes on the PEC problem list (CIAP T89/T90, CID E10–E14) pre-answers "Sim".
            let dl = &crate::clinical::codes::DIABETES_C4;
            let diabetic = v
                .problems
                .iter()
                .any(|p| dl.matches_ciap(&p.code) || dl.matches_cid10(&p.code));
            m.insert(
                "diabetes".into(),
                if diabetic { "sim" } else { "nao" }.into(),
            );
        }
        RecordKind::Nutrition => {
            if let Some((_, w)) = v.anthropometry.weight_kg {
                m.insert("peso".into(), format::decimal1(w));
            }
            if let Some((_, h)) = v.anthropometry.height_cm {
                m.insert("altura".into(), format_number(h));
            }
        }
        _ => {}
    }
    FormData(m)
}

#[allow(clippy::too_many_arguments)]
fn completion_form(
    person: i64,
    user: &CurrentUser,
    t: ActionType,
    action_id: Option<i64>,
    pending_due: Option<NaiveDate>,
    form: &FormData,
    errors: &Errors,
    conflict: Option<&str>,
    computed: Option<&mrpa::Summary>,
    today: NaiveDate,
) -> Markup {
    html! {
        (error_summary(errors, conflict))
        form method="post" action=(paths::patient_sub(person, "acoes/registrar")) hx-post=(paths::patient_sub(person, "acoes/registrar")) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-stack completion-form" {
            (csrf(user))
            input type="hidden" name="tipo" value=(t.key());
            @if let Some(id) = action_id { input type="hidden" name="acao" value=(id); }
            @if let Some(d) = pending_due {
                p class="hint" { "Ação pendente com prazo em " (format::date(d)) "." }
            } @else if action_id.is_none() {
                p class="hint" { "Registra a ação como realizada (se houver uma pendente do mesmo tipo, ela é concluída)." }
            }
            (field_errors(errors, "acao"))
            div class="form-grid" {
                (input(form, errors, "data", "Data de realização", "date", None, Some("Não pode estar no futuro."), Some(&iso(today))))
            }
            (record_fields(t, form, errors, computed))
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" {
                button type="submit" class="button" { "Salvar" }
                " "
                a class="button button-secondary" href=(paths::patient(person)) { "Voltar sem salvar" }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_completion(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    path: &str,
    v: &PatientView,
    t: ActionType,
    action_id: Option<i64>,
    form: &FormData,
    errors: &Errors,
    conflict: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let person = v.summary.co_seq_cidadao;
    let pending_due = action_id.and_then(|id| {
        v.timeline
            .iter()
            .find(|e| e.action.id == id && e.status == Some(Status::Pending))
            .map(|e| e.action.due_date)
    });
    let computed = if t.record_kind() == RecordKind::Mrpa {
        let mut scratch = Errors::default();
        let r = parse_readings(&mut scratch, form);
        mrpa::summarize(&r).ok()
    } else {
        None
    };
    let body = completion_form(
        person,
        user,
        t,
        action_id,
        pending_due,
        form,
        errors,
        conflict,
        computed.as_ref(),
        state.today(),
    );
    form_page(
        state,
        user,
        client,
        path,
        &v.summary,
        &format!("Registrar: {}", t.label()),
        status,
        body,
    )
    .await
}

#[handler]
pub async fn completion_page(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let v = load_view(state, &user, person).await?;
    let mut q = FormData::default();
    for (k, val) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        q.0.insert(k.into_owned(), val.into_owned());
    }
    let (t, action_id) = completion_target(&q)?;
    if !actions::may_complete(&user.grants(), t) {
        return Err(WebError::Forbidden(
            actions::completion_permission(t).refusal().into(),
        ));
    }
    if let Some(a) = action_id
        && !v.timeline.iter().any(|e| e.action.id == a)
    {
        return Err(WebError::NotFound);
    }
    let form = completion_defaults(&v, t, state.today());
    render_completion(
        state,
        &user,
        &client,
        req.uri().path(),
        &v,
        t,
        action_id,
        &form,
        &Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

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
    in_scope(state, &user, person).await?;
    check_csrf(req, Some(&form), &user)?;
    let (t, action_id) = completion_target(&form)?;
    let today = state.today();
    if !form.get("calcular").is_empty() {
        // "Calcular médias": show the means and the suggestion; nothing is saved.
        let v = load_view(state, &user, person).await?;
        return render_completion(
            state,
            &user,
            &client,
            req.uri().path(),
            &v,
            t,
            action_id,
            &form,
            &Errors::default(),
            None,
            StatusCode::OK,
        )
        .await;
    }
    let (errors, conflict) = match parse_completion(&form, t, action_id) {
        Err(errors) => (errors, None),
        Ok(c) => {
            let grants = user.grants();
            let actor = Actor {
                user_id: user.id,
                scope: &user.scope(),
                grants: &grants,
            };
            match actions::complete(&state.db, actor, person, c, today).await {
                Ok(done) => {
                    audit_write(
                        state,
                        &user,
                        &client,
                        person,
                        &format!("acoes/{}/registrar", done.action_id),
                    )
                    .await?;
                    return Ok(back_to(
                        hx.fragment,
                        person,
                        &format!("feito={}#linha-do-tempo", done.action_id),
                    ));
                }
                Err(e) => map_err(e)?,
            }
        }
    };
    let v = load_view(state, &user, person).await?;
    let status = refusal_status(&conflict);
    render_completion(
        state,
        &user,
        &client,
        req.uri().path(),
        &v,
        t,
        action_id,
        &form,
        &errors,
        conflict.as_deref(),
        status,
    )
    .await
}
