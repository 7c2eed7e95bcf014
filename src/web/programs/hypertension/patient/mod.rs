//! The patient page (`/pacientes/{id}`, "Ficha do paciente") and its follow-up forms: schedule,
//! complete, cancel and delete actions of the Hiperdia cycle, and the treatment plan.
//!
//! Every page works with plain links and forms: a successful POST answers 303 back to the
//! page (with a short confirmation in the query string); a refused one answers the same form
//! with the person's input and the messages next to the fields (422, or 409 for a conflict such
//! as a double submit), nothing saved. Every id in the path is checked against the user's scope
//! first: unknown and out-of-scope ids get the same HTML 404.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{Days, NaiveDate};
use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::{CurrentUser, Permission};
use crate::clinical::blood_pressure::{CONTROL_DIASTOLIC, CONTROL_SYSTOLIC, ControlStatus};
use crate::clinical::c5::Due;
use crate::clinical::cv_risk::{self, RiskBand};
use crate::clinical::exams::{self, Analyte};
use crate::clinical::hiperdia::{ActionType, RecordKind, Status};
use crate::clinical::kidney;
use crate::clinical::mrpa::{self, Decision, HomeReading, Period};
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{
    self, ActionError, Actor, Adjustment, Completion, MODALITIES, MrpaRecord, Record,
};
use crate::programs::hypertension::patient::{
    self, BpPoint, FieldError, PatientView, TimelineEvent,
};
use crate::programs::hypertension::treatment::{
    self, CatalogueItem, Change, MedStatus, NewMedication,
};
use crate::store::hypertension_summary as summary;

use crate::web::error::WebError;
use crate::web::htmx::HxRequest;
use crate::web::layout;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{AppState, format, paths};

// ---------------------------------------------------------------------------------------
// Parsing: every problem becomes a Portuguese message for one field.
// ---------------------------------------------------------------------------------------

/// Messages for the fields of one form.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    fn of(&self, field: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
            .collect()
    }
    fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The id in a path: anything but a positive integer is a page that does not exist.
fn path_id(raw: &str) -> Result<i64, WebError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or(WebError::NotFound)
}

/// A date typed as `aaaa-mm-dd` (date inputs) or `dd/mm/aaaa`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let d = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()?;
    use chrono::Datelike;
    (1900..=2200).contains(&d.year()).then_some(d)
}

fn date_field(errors: &mut Errors, form: &FormData, field: &str, label: &str) -> Option<NaiveDate> {
    let t = form.get(field).trim();
    if t.is_empty() {
        errors.push(field, format!("Informe {label}."));
        return None;
    }
    let d = parse_date(t);
    if d.is_none() {
        errors.push(
            field,
            format!("{t:?} não é uma data válida: use dd/mm/aaaa."),
        );
    }
    d
}

/// A whole number in `range`; `None` with a message when it is not.
fn int_field(
    errors: &mut Errors,
    form: &FormData,
    field: &str,
    label: &str,
    range: RangeInclusive<i64>,
    required: bool,
) -> Option<i64> {
    let t = form.get(field).trim();
    if t.is_empty() {
        if required {
            errors.push(field, format!("Informe {label}."));
        }
        return None;
    }
    let out_of_range = format!(
        "{label}: informe um número de {} a {}.",
        range.start(),
        range.end()
    );
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(field, format!("{label}: \"{t}\" não é um número inteiro."));
        return None;
    }
    match t.parse::<i64>().ok().filter(|v| range.contains(v)) {
        Some(v) => Some(v),
        None => {
            errors.push(field, out_of_range);
            None
        }
    }
}

/// A decimal with comma or dot (`12,5`, `12.5`) in `range`.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.len() > 12 {
        return None;
    }
    let (int, frac) = match t.find([',', '.']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    let v: f64 = match frac {
        Some(f) => format!("{int}.{f}").parse().ok()?,
        None => int.parse().ok()?,
    };
    v.is_finite().then_some(v)
}

fn decimal_field(
    errors: &mut Errors,
    form: &FormData,
    field: &str,
    label: &str,
    unit: &str,
    range: RangeInclusive<f64>,
    required: bool,
) -> Option<f64> {
    let t = form.get(field).trim();
    if t.is_empty() {
        if required {
            errors.push(field, format!("Informe {label}."));
        }
        return None;
    }
    let bounds = format!(
        "{} a {} {unit}",
        format_number(*range.start()),
        format_number(*range.end())
    );
    match parse_decimal(t) {
        None => {
            errors.push(
                field,
                format!("{label}: \"{t}\" não é um número válido (use vírgula para decimais; faixa aceita {bounds})."),
            );
            None
        }
        Some(v) if !range.contains(&v) => {
            errors.push(field, format!("{label}: fora da faixa aceita ({bounds})."));
            None
        }
        Some(v) => Some(v),
    }
}

/// A number with a decimal comma and no trailing zeros.
fn format_number(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

fn text(form: &FormData, field: &str) -> Option<String> {
    let t = form.get(field).trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn yes(form: &FormData, field: &str) -> bool {
    matches!(form.get(field), "sim" | "1" | "on")
}

/// The MRPA grid's field suffix: `{day}_{period}_{seq}`.
fn slot(day: u8, period: Period, seq: u8) -> String {
    format!("{day}_{}_{seq}", period.key())
}

/// Readings typed in the MRPA grid; per-cell messages.
fn parse_readings(errors: &mut Errors, form: &FormData) -> Vec<HomeReading> {
    let mut out = Vec::new();
    for day in 1..=mrpa::DAYS {
        for period in Period::ALL {
            for seq in 1..=mrpa::READINGS_PER_PERIOD {
                let k = slot(day, period, seq);
                let s = form.get(&format!("pas_{k}")).trim();
                let d = form.get(&format!("pad_{k}")).trim();
                if s.is_empty() && d.is_empty() {
                    continue;
                }
                let field = format!("leitura_{k}");
                let at = format!("Dia {day}, {}, medida {seq}", period.label());
                if s.is_empty() || d.is_empty() {
                    errors.push(&field, format!("{at}: informe a sistólica e a diastólica."));
                    continue;
                }
                // Digits only; a huge number is kept (capped) so the range message shows.
                let num = |t: &str| {
                    t.bytes()
                        .all(|b| b.is_ascii_digit())
                        .then(|| t.parse::<i32>().unwrap_or(i32::MAX).min(99_999))
                };
                let (Some(sv), Some(dv)) = (num(s), num(d)) else {
                    errors.push(&field, format!("{at}: use só números inteiros (mmHg)."));
                    continue;
                };
                match mrpa::validate_reading(sv, dv) {
                    Ok(()) => out.push(HomeReading {
                        day,
                        period,
                        seq,
                        systolic: sv,
                        diastolic: dv,
                    }),
                    Err(e) => errors.push(&field, format!("{at}: {}", e.message())),
                }
            }
        }
    }
    out
}

/// The action type and pending action a completion form is about.
fn completion_target(form: &FormData) -> Result<(ActionType, Option<i64>), WebError> {
    let t = ActionType::from_key(form.get("tipo").trim())
        .ok_or_else(|| WebError::BadRequest("Tipo de ação desconhecido.".into()))?;
    let id = match form.get("acao").trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    Ok((t, id))
}

/// Reads a completion form; every parse problem is a field message.
fn parse_completion(
    form: &FormData,
    action_type: ActionType,
    action_id: Option<i64>,
) -> Result<Completion, Errors> {
    let mut e = Errors::default();
    let done_on = date_field(&mut e, form, "data", "a data de realização");
    let record = match action_type.record_kind() {
        RecordKind::None => Some(Record::None),
        RecordKind::Mrpa => {
            let first_day = date_field(&mut e, form, "inicio_mrpa", "o primeiro dia do MRPA");
            let readings = parse_readings(&mut e, form);
            let decision = match form.get("decisao").trim() {
                "" => None,
                k => {
                    let d = Decision::from_key(k);
                    if d.is_none() {
                        e.push("decisao", "Escolha uma decisão da lista.");
                    }
                    d
                }
            };
            first_day.map(|first_day| {
                Record::Mrpa(MrpaRecord {
                    first_day,
                    readings,
                    decision,
                    analysis: text(form, "analise"),
                })
            })
        }
        RecordKind::TreatmentChange => {
            let adjustment = Adjustment::from_key(form.get("ajuste").trim());
            if adjustment.is_none() {
                e.push("ajuste", "Escolha o tipo de ajuste.");
            }
            adjustment.map(|adjustment| Record::TreatmentChange {
                adjustment,
                new_medications: text(form, "novos_medicamentos"),
            })
        }
        RecordKind::Exams => {
            let collected = date_field(&mut e, form, "data_coleta", "a data da coleta");
            let mut values = Vec::new();
            for a in Analyte::ALL {
                let t = form.get(a.key()).trim();
                if t.is_empty() {
                    continue;
                }
                match exams::parse_value(a, t) {
                    Ok(v) => values.push((a, v)),
                    Err(err) => e.push(a.key(), err.message()),
                }
            }
            collected.map(|collected_on| Record::Exams {
                collected_on,
                values,
            })
        }
        RecordKind::CvRisk => {
            let age = int_field(&mut e, form, "idade", "Idade", 0..=130, true);
            let sex = Sex::from_key(form.get("sexo"));
            if sex.is_none() {
                e.push("sexo", "Escolha o sexo.");
            }
            let systolic = int_field(&mut e, form, "pas", "Pressão sistólica", 1..=400, true);
            let chol = decimal_field(
                &mut e,
                form,
                "colesterol_total",
                "Colesterol total",
                "mg/dL",
                Analyte::TotalCholesterol.plausible(),
                false,
            );
            let bmi = decimal_field(
                &mut e,
                form,
                "imc",
                "IMC",
                "kg/m²",
                cv_risk::BMI_RANGE,
                false,
            );
            match (age, sex, systolic) {
                (Some(age), Some(sex), Some(systolic)) => Some(Record::CvRisk(cv_risk::Inputs {
                    age: u32::try_from(age).unwrap_or(0),
                    sex,
                    smoker: yes(form, "tabagismo"),
                    diabetes: yes(form, "diabetes"),
                    systolic: i32::try_from(systolic).unwrap_or(0),
                    total_cholesterol_mg_dl: chol,
                    bmi,
                })),
                _ => None,
            }
        }
        RecordKind::Nutrition => {
            let weight = decimal_field(&mut e, form, "peso", "Peso", "kg", 2.0..=400.0, true);
            let height = decimal_field(&mut e, form, "altura", "Altura", "cm", 40.0..=250.0, false);
            let waist = decimal_field(
                &mut e,
                form,
                "circunferencia",
                "Circunferência abdominal",
                "cm",
                30.0..=250.0,
                false,
            );
            weight.map(|weight_kg| Record::Nutrition {
                weight_kg,
                height_cm: height,
                waist_cm: waist,
                guidance: text(form, "orientacoes"),
            })
        }
        RecordKind::Cardiology => Some(Record::Cardiology {
            professional: text(form, "profissional"),
            modality: text(form, "modalidade"),
            consultation: text(form, "consulta"),
            recommendations: text(form, "recomendacoes"),
        }),
    };
    match (done_on, record) {
        (Some(done_on), Some(record)) if e.is_empty() => Ok(Completion {
            action_type,
            action_id,
            done_on,
            notes: text(form, "observacoes"),
            record,
        }),
        _ => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Shared pieces.
// ---------------------------------------------------------------------------------------

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn short_date(d: NaiveDate) -> String {
    d.format("%d/%m/%y").to_string()
}

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

/// Messages of one field, linked to it by id.
fn field_errors(errors: &Errors, field: &str) -> Markup {
    html! {
        @for m in errors.of(field) {
            p class="field-error" id=(format!("{field}-erro")) { (m) }
        }
    }
}

/// The list of every message at the top of a refused form.
fn error_summary(errors: &Errors, conflict: Option<&str>) -> Markup {
    html! {
        @if let Some(c) = conflict {
            div class="notice notice-error" role="alert" { p { (c) } }
        }
        @if !errors.is_empty() {
            div class="notice notice-error" role="alert" {
                p { "Nada foi salvo. Corrija o que está indicado:" }
                ul { @for e in &errors.0 { li { (e.message) } } }
            }
        }
    }
}

fn csrf(user: &CurrentUser) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.csrf_token); }
}

/// A labelled text-like input keeping the typed value and showing its messages.
#[allow(clippy::too_many_arguments)]
fn input(
    form: &FormData,
    errors: &Errors,
    name: &str,
    label: &str,
    kind: &str,
    mode: Option<&str>,
    hint: Option<&str>,
    max: Option<&str>,
) -> Markup {
    let invalid = errors.has(name);
    html! {
        div class="field" {
            label for=(name) { (label) }
            input type=(kind) id=(name) name=(name) value=(form.get(name)) inputmode=[mode]
                max=[max]
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then(|| format!("{name}-erro"))];
            @if let Some(h) = hint { span class="hint" { (h) } }
            (field_errors(errors, name))
        }
    }
}

fn textarea(form: &FormData, errors: &Errors, name: &str, label: &str) -> Markup {
    html! {
        div class="field field-wide" {
            label for=(name) { (label) }
            textarea id=(name) name=(name) rows="3" maxlength=(actions::MAX_TEXT_CHARS)
                aria-invalid=[errors.has(name).then_some("true")] { (form.get(name)) }
            (field_errors(errors, name))
        }
    }
}

fn yes_no(form: &FormData, name: &str, label: &str) -> Markup {
    let v = form.get(name);
    html! {
        fieldset class="field radio-row" {
            legend { (label) }
            label { input type="radio" name=(name) value="sim" checked[v == "sim"]; " Sim" }
            label { input type="radio" name=(name) value="nao" checked[v != "sim"]; " Não" }
        }
    }
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

#[handler]
pub async fn page(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let today = state.today();
    let catalogue_now = state.catalogue().await;
    let view = match patient::load(
        &state.db,
        &user.scope(),
        person,
        today,
        None,
        catalogue_now.as_ref(),
    )
    .await?
    {
        Some(view) => view,
        // Not on the hypertension list: the person page, for anyone the scope reaches.
        None => {
            return crate::web::person::page(state, &user, &client, person)
                .await?
                .ok_or(WebError::NotFound);
        }
    };
    let q = page_query(req.uri().query().unwrap_or(""), today)?;
    audit_event(
        state,
        &user,
        &client,
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
        timeline_section(&view, &user, &q, today)
    } else {
        let catalogue = treatment::catalogue(&state.db).await?;
        let memberships =
            match crate::care::person::find_in_scope(&state.db, &user.scope(), person).await? {
                Some(p) => {
                    crate::care::person::memberships(&state.db, catalogue_now.as_ref(), &p).await?
                }
                None => Vec::new(),
            };
        let panels = crate::web::programs::panels(state, person).await?;
        let footer = state.footer(Some(&user)).await;
        layout::page(
            &format!("Ficha · {}", view.summary.no_cidadao),
            Some(paths::HYPERTENSION),
            &footer,
            full_page(&view, &user, &q, &catalogue, &memberships, &panels, today),
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
            (treatment_section(v, user, catalogue, today))
            (followup_forms(v, user, today))
            (timeline_section(v, user, q, today))
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

fn identification(v: &PatientView) -> Markup {
    let s = &v.summary;
    let sex = s.sexo.as_deref().and_then(Sex::from_key);
    let address: Vec<String> = [
        s.household_street.clone(),
        s.household_number.clone().map(|n| format!("nº {n}")),
        s.household_district.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.trim().is_empty())
    .collect();
    html! {
        section class="patient-id" aria-labelledby="paciente-nome" {
            h1 id="paciente-nome" { (s.no_cidadao) }
            dl class="facts" {
                dt { "Idade" } dd { @match v.age { Some(a) => { (a) " a" } None => { "Não informada" } } }
                @if let Some(b) = s.dt_nascimento { dt { "Nascimento" } dd { (format::date(b)) } }
                dt { "Sexo" } dd { (sex.map_or("Não informado", |x| x.label())) }
                dt { "CNS" } dd { (s.nu_cns.as_deref().unwrap_or("Não registrado")) }
                dt { "Equipe" } dd title=(format!("INE {}", s.nu_ine)) { (s.no_equipe) }
                dt { "Microárea" } dd { (s.micro_area.as_deref().unwrap_or("Sem microárea")) }
                dt { "Domicílio" } dd {
                    @if address.is_empty() { "Sem domicílio vinculado" } @else { (address.join(", ")) }
                }
            }
        }
    }
}

fn control_badge(status: ControlStatus) -> Markup {
    let class = match status {
        ControlStatus::Controlled => "badge badge-ok",
        ControlStatus::Uncontrolled => "badge badge-bad",
        ControlStatus::NoRecentReading => "badge badge-warn",
    };
    html! { span class=(class) { (status.label()) } }
}

fn status_section(v: &PatientView, today: NaiveDate) -> Markup {
    let s = &v.summary;
    let status =
        ControlStatus::from_key(&s.control_status).unwrap_or(ControlStatus::NoRecentReading);
    html! {
        section class="card" id="situacao" aria-labelledby="situacao-titulo" {
            h2 id="situacao-titulo" { "Situação" }
            dl class="facts" {
                dt { "Pressão arterial" } dd class="bp-status" { (control_badge(status)) }
                dt { "Última PA" } dd {
                    @match (s.last_bp_systolic, s.last_bp_diastolic, s.last_bp_date) {
                        (Some(a), Some(b), Some(d)) => { (format::bp(a, b)) " em " (format::date(d)) }
                        _ => { "Nunca aferida" }
                    }
                }
                dt { "MRPA" } dd {
                    @match (s.home_control.as_deref(), s.home_date) {
                        (Some("controlled"), Some(d)) => { span class="badge badge-ok" { "Controlada" } " em " (format::date(d)) }
                        (Some(_), Some(d)) => { span class="badge badge-bad" { "Não controlada" } " em " (format::date(d)) }
                        _ => { "Sem MRPA avaliada" }
                    }
                }
                dt { "Próxima ação" } dd class="next-action" {
                    @match (&s.next_action_type, s.next_action_due) {
                        (Some(t), Some(due)) => {
                            (crate::programs::hypertension::followup::action_label(t))
                            @if due < today {
                                " " span class="badge badge-bad overdue" { "Atrasada desde " (format::date(due)) }
                            } @else {
                                " — até " (format::date(due))
                            }
                        }
                        _ => { span class="muted" { "A definir" } }
                    }
                }
                dt { "Tratamento" } dd {
                    @match &s.treatment_text {
                        Some(t) => { @for l in t.lines() { span class="treatment-line" { (l) } } }
                        None => { span class="muted" { "Sem plano registrado" } }
                    }
                }
            }
        }
    }
}

fn problems_section(v: &PatientView) -> Markup {
    html! {
        section class="card" id="problemas" aria-labelledby="problemas-titulo" {
            h2 id="problemas-titulo" { "Problemas ativos (PEC)" }
            @if !v.problems_known {
                p class="muted" { "Lista de problemas indisponível: o catálogo do PEC não foi identificado (veja o aviso no alto da página)." }
            } @else if v.problems.is_empty() {
                p class="muted" { "Nenhum problema ativo na lista de problemas do PEC." }
            } @else {
                ul class="plain" {
                    @for p in &v.problems {
                        li {
                            strong { (p.code) } " " (p.description)
                            @if p.latent { " " span class="badge badge-muted" { "Latente" } }
                            @if let Some(d) = p.since { span class="patient-meta" { "Desde " (format::date(d)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The blood-pressure history as an SVG drawn on the server (no chart script).
fn bp_chart(points: &[BpPoint]) -> Markup {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return html! {};
    };
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 40.0;
    let (d0, d1) = (first.at.date(), last.at.date());
    let span = (d1 - d0).num_days().max(1) as f64;
    let x = |d: NaiveDate| {
        if d0 == d1 {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (d - d0).num_days() as f64 / span * (W - LEFT - RIGHT)
        }
    };
    let min_d = points
        .iter()
        .map(|p| p.reading.diastolic)
        .min()
        .unwrap_or(60);
    let max_s = points
        .iter()
        .map(|p| p.reading.systolic)
        .max()
        .unwrap_or(160);
    let lo = ((min_d.min(60) - 10).max(0) / 20) * 20;
    let hi = ((max_s.max(160) + 10 + 19) / 20) * 20;
    let y = |v: i32| TOP + f64::from(hi - v) / f64::from((hi - lo).max(1)) * (H - TOP - BOTTOM);
    let line = |f: &dyn Fn(&BpPoint) -> i32| {
        points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.at.date()), y(f(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let sys = line(&|p: &BpPoint| p.reading.systolic);
    let dia = line(&|p: &BpPoint| p.reading.diastolic);
    let ticks: Vec<i32> = (lo..=hi).step_by(20).collect();
    let mut xlabels = vec![d0];
    if points.len() > 2 {
        xlabels.push(points[points.len() / 2].at.date());
    }
    if d1 != d0 {
        xlabels.push(d1);
    }
    xlabels.dedup();
    // Edge labels grow inwards so they are never clipped.
    let anchor = |d: NaiveDate| {
        if d0 == d1 {
            "middle"
        } else if d == d0 {
            "start"
        } else if d == d1 {
            "end"
        } else {
            "middle"
        }
    };
    let summary = format!(
        "Pressão arterial de {} a {}: {} aferições; última {}. Linhas de referência em {} e {} mmHg.",
        format::date(d0),
        format::date(d1),
        points.len(),
        format::bp(last.reading.systolic, last.reading.diastolic),
        CONTROL_SYSTOLIC,
        CONTROL_DIASTOLIC
    );
    html! {
        figure class="bp-chart" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {W} {H}")) role="img"
                aria-labelledby="grafico-pa-titulo grafico-pa-desc" preserveAspectRatio="xMidYMid meet" {
                title id="grafico-pa-titulo" { "Histórico da pressão arterial" }
                desc id="grafico-pa-desc" { (summary) }
                @for t in &ticks {
                    line class="bp-grid" x1=(LEFT) x2=(W - RIGHT) y1=(format!("{:.1}", y(*t))) y2=(format!("{:.1}", y(*t))) {}
                    text class="bp-axis" x=(LEFT - 6.0) y=(format!("{:.1}", y(*t) + 4.0)) text-anchor="end" { (t) }
                }
                line class="bp-ref bp-ref-sys" x1=(LEFT) x2=(W - RIGHT) y1=(format!("{:.1}", y(CONTROL_SYSTOLIC))) y2=(format!("{:.1}", y(CONTROL_SYSTOLIC))) {}
                line class="bp-ref bp-ref-dia" x1=(LEFT) x2=(W - RIGHT) y1=(format!("{:.1}", y(CONTROL_DIASTOLIC))) y2=(format!("{:.1}", y(CONTROL_DIASTOLIC))) {}
                text class="bp-ref-label" x=(W - RIGHT) y=(format!("{:.1}", y(CONTROL_SYSTOLIC) - 3.0)) text-anchor="end" { "140" }
                text class="bp-ref-label" x=(W - RIGHT) y=(format!("{:.1}", y(CONTROL_DIASTOLIC) - 3.0)) text-anchor="end" { "90" }
                @for d in &xlabels {
                    text class="bp-axis" x=(format!("{:.1}", x(*d))) y=(format!("{:.1}", H - BOTTOM + 16.0)) text-anchor=(anchor(*d)) { (short_date(*d)) }
                }
                text class="bp-axis" x=(LEFT) y=(H - 4.0) { "mmHg · sistólica (linha contínua) e diastólica (tracejada)" }
                polyline class="bp-sys" points=(sys) {}
                polyline class="bp-dia" points=(dia) {}
                @for p in points {
                    circle class="bp-point-sys" cx=(format!("{:.1}", x(p.at.date()))) cy=(format!("{:.1}", y(p.reading.systolic))) r="3.5" {
                        title { (format::date(p.at.date())) ": " (format::bp(p.reading.systolic, p.reading.diastolic)) }
                    }
                    circle class="bp-point-dia" cx=(format!("{:.1}", x(p.at.date()))) cy=(format!("{:.1}", y(p.reading.diastolic))) r="3" {
                        title { (format::date(p.at.date())) ": " (format::bp(p.reading.systolic, p.reading.diastolic)) }
                    }
                }
            }
            figcaption { (summary) }
        }
    }
}

fn bp_section(v: &PatientView) -> Markup {
    html! {
        section class="card" id="pressao" aria-labelledby="pressao-titulo" {
            h2 id="pressao-titulo" { "Pressão arterial" }
            @if v.bp_history.is_empty() {
                p class="muted" { "Nenhuma aferição de pressão registrada no PEC." }
            } @else {
                (bp_chart(&v.bp_history))
                div class="table-wrap" tabindex="0" role="region" aria-label="Últimas aferições" {
                    table class="worklist compact bp-table" {
                        caption { "Últimas aferições" }
                        thead { tr { th scope="col" { "Data" } th scope="col" class="num" { "PA" } th scope="col" { "Situação" } } }
                        tbody {
                            @for p in v.bp_history.iter().rev().take(10) {
                                tr {
                                    td { (format::date(p.at.date())) }
                                    td class="num" { (format::bp(p.reading.systolic, p.reading.diastolic)) }
                                    td { @if p.reading.is_controlled() { span class="badge badge-ok" { "Controlada" } } @else { span class="badge badge-bad" { "Não controlada" } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn anthropometry_section(v: &PatientView) -> Markup {
    let a = &v.anthropometry;
    html! {
        section class="card" id="medidas" aria-labelledby="medidas-titulo" {
            h2 id="medidas-titulo" { "Peso, altura e IMC" }
            dl class="facts" {
                dt { "Peso" } dd { @match a.weight_kg { Some((d, w)) => { (format::decimal1(w)) " kg em " (format::date(d)) } None => { "Sem registro" } } }
                dt { "Altura" } dd { @match a.height_cm { Some((d, h)) => { (format_number(h)) " cm em " (format::date(d)) } None => { "Sem registro" } } }
                dt { "IMC" } dd { @match a.bmi { Some((d, b)) => { (format::decimal1(b)) " kg/m² em " (format::date(d)) } None => { "Sem peso e altura no mesmo dia" } } }
            }
        }
    }
}

fn band_badge(band: RiskBand) -> Markup {
    html! {
        span class=(format!("badge risk risk-{}", band.colour())) { (band.level()) " (" (band.label()) ")" }
    }
}

fn cv_risk_section(v: &PatientView) -> Markup {
    let latest = v
        .timeline
        .iter()
        .find_map(|e| e.risk.as_ref().map(|r| (e.day(), r)));
    html! {
        section class="card" id="risco-cv" aria-labelledby="risco-titulo" {
            h2 id="risco-titulo" { "Risco cardiovascular" }
            @match latest {
                Some((day, r)) => {
                    p class="cv-risk" {
                        @if let Some(b) = RiskBand::from_key(&r.band) { (band_badge(b)) }
                        " " (format::decimal1(r.percent)) "% em 10 anos, avaliado em " (format::date(day))
                    }
                    p class="hint" { (r.chart_edition) }
                }
                None => { p class="muted" { "Risco cardiovascular ainda não avaliado no programa." } }
            }
        }
    }
}

fn exams_section(v: &PatientView) -> Markup {
    html! {
        section class="card" id="exames" aria-labelledby="exames-titulo" {
            h2 id="exames-titulo" { "Exames do programa" }
            @if v.latest_exams.is_empty() {
                p class="muted" { "Nenhum resultado registrado no programa." }
            } @else {
                table class="worklist compact" {
                    thead { tr { th scope="col" { "Exame" } th scope="col" class="num" { "Resultado" } th scope="col" { "Coleta" } } }
                    tbody {
                        @for e in &v.latest_exams {
                            tr {
                                td { (e.analyte.label()) }
                                td class="num" { (exams::format_value(e.analyte, e.value)) " " (e.analyte.unit()) }
                                td { (format::date(e.on)) }
                            }
                        }
                    }
                }
            }
            @if let Some((egfr, stage, on)) = v.egfr {
                p class="egfr" {
                    "TFGe: " strong { (format!("{:.0}", egfr)) " mL/min/1,73 m²" }
                    " — estágio " (stage.label()) ", " (stage.description().to_lowercase())
                    " (creatinina de " (format::date(on)) "; " (kidney::EQUATION) ")"
                }
            }
        }
    }
}

fn c5_section(v: &PatientView) -> Markup {
    let (start, end) = v.quadrimester;
    html! {
        section class="card" id="boas-praticas" aria-labelledby="c5-titulo" {
            h2 id="c5-titulo" { "Boas práticas (C5) no quadrimestre" }
            p class="hint" { "Quadrimestre de " (format::date(start)) " a " (format::date(end)) "." }
            ul class="plain c5-list" {
                @for (p, due) in &v.c5_due {
                    li {
                        strong { (p.letter()) } " — " (p.description()) ": "
                        @match due {
                            Due::Covered => { span class="badge badge-ok" { "Em dia" } " até o fim do quadrimestre" }
                            Due::Lapses { lapses } => { span class="badge badge-warn" { "Feita" } " — vence em " (format::date(*lapses)) "; repita antes para contar" }
                            Due::Missing { by } => { span class="badge badge-bad" { "Falta" } " — realizar até " (format::date(*by)) " para contar neste quadrimestre" }
                        }
                    }
                }
            }
        }
    }
}

fn pec_section(v: &PatientView) -> Markup {
    html! {
        section class="card" id="pec" aria-labelledby="pec-titulo" {
            h2 id="pec-titulo" { "Registros do PEC (somente leitura)" }
            h3 { "Prescrições" }
            @if v.prescriptions.is_empty() {
                p class="muted" { "Nenhuma prescrição no PEC." }
            } @else {
                table class="worklist compact" {
                    thead { tr { th scope="col" { "Data" } th scope="col" { "Medicamento" } th scope="col" { "Posologia" } th scope="col" { "Uso" } } }
                    tbody {
                        @for p in &v.prescriptions {
                            tr {
                                td { (format::date(p.at.date())) }
                                td { (p.medication) }
                                td { (p.posology.as_deref().unwrap_or("—")) }
                                td { @if p.continuous { "Contínuo" } @else { "—" } }
                            }
                        }
                    }
                }
            }
            h3 { "Exames solicitados" }
            @if v.pec_exams.is_empty() {
                p class="muted" { "Nenhum exame no PEC." }
            } @else {
                table class="worklist compact" {
                    thead { tr { th scope="col" { "Exame" } th scope="col" { "Solicitado" } th scope="col" { "Realizado" } th scope="col" { "Resultado" } } }
                    tbody {
                        @for e in &v.pec_exams {
                            tr {
                                td { (e.name) }
                                td { (format::date(e.requested.date())) }
                                td { @match e.done { Some(d) => { (format::date(d.date())) } None => { "—" } } }
                                td { (e.result.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Treatment plan.
// ---------------------------------------------------------------------------------------

fn add_medication_form(
    person: i64,
    user: &CurrentUser,
    catalogue: &[CatalogueItem],
    form: &FormData,
    errors: &Errors,
    today: NaiveDate,
) -> Markup {
    let mut classes: Vec<&str> = catalogue.iter().map(|c| c.class).collect();
    classes.dedup();
    let chosen = form.get("medicamento");
    let dose = if form.get("dose").is_empty() {
        "1"
    } else {
        form.get("dose")
    };
    let freq = if form.get("frequencia").is_empty() {
        "1"
    } else {
        form.get("frequencia")
    };
    let start = if form.get("inicio").is_empty() {
        iso(today)
    } else {
        form.get("inicio").to_string()
    };
    html! {
        form method="post" action=(paths::patient_sub(person, "tratamento")) hx-post=(paths::patient_sub(person, "tratamento")) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-grid med-add" {
            (csrf(user))
            div class="field field-wide" {
                label for="medicamento" { "Medicamento" }
                select id="medicamento" name="medicamento" aria-invalid=[errors.has("medicamento").then_some("true")] {
                    option value="" { "Escolha…" }
                    @for class in &classes {
                        optgroup label=(class) {
                            @for c in catalogue.iter().filter(|c| c.class == *class) {
                                option value=(c.id) selected[chosen == c.id.to_string()] { (c.name) }
                            }
                        }
                    }
                }
                (field_errors(errors, "medicamento"))
            }
            div class="field" {
                label for="dose" { "Comprimidos por tomada" }
                select id="dose" name="dose" {
                    @for n in treatment::DOSES { option value=(n) selected[dose == n.to_string()] { (n) } }
                }
                (field_errors(errors, "dose"))
            }
            div class="field" {
                label for="frequencia" { "Vezes ao dia" }
                select id="frequencia" name="frequencia" {
                    @for n in treatment::FREQUENCIES { option value=(n) selected[freq == n.to_string()] { (n) "x ao dia" } }
                }
                (field_errors(errors, "frequencia"))
            }
            div class="field" {
                label for="inicio" { "Início" }
                input type="date" id="inicio" name="inicio" value=(start) max=(iso(today));
                (field_errors(errors, "inicio"))
            }
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" { button type="submit" class="button" { "Adicionar ao plano" } }
        }
    }
}

const MED_CHANGES: [(&str, &str); 5] = [
    ("frequencia", "Alterar frequência"),
    ("dose", "Alterar dose"),
    ("pausar", "Pausar"),
    ("retomar", "Retomar"),
    ("encerrar", "Encerrar"),
];

fn change_allowed(kind: &str, status: MedStatus) -> bool {
    match kind {
        "pausar" => status == MedStatus::Active,
        "retomar" => status == MedStatus::Paused,
        _ => true,
    }
}

/// The typed value when there is one, else the current value.
fn is_chosen(typed: &str, n: i32, current: i32) -> bool {
    if typed.is_empty() {
        n == current
    } else {
        typed == n.to_string()
    }
}

fn change_medication_form(
    person: i64,
    user: &CurrentUser,
    m: &treatment::Medication,
    form: &FormData,
    errors: &Errors,
) -> Markup {
    let id = m.row.id;
    let f = |k: &str| format!("{k}-{id}");
    let chosen = form.get("alteracao");
    let freq = form.get("frequencia");
    let dose = form.get("dose");
    html! {
        form method="post" action=(paths::patient_sub(person, &format!("tratamento/{id}"))) hx-post=(paths::patient_sub(person, &format!("tratamento/{id}"))) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-grid med-change" {
            (csrf(user))
            div class="field" {
                label for=(f("alteracao")) { "Alteração" }
                select id=(f("alteracao")) name="alteracao" {
                    @for (k, l) in MED_CHANGES {
                        @if change_allowed(k, m.status) { option value=(k) selected[chosen == k] { (l) } }
                    }
                }
                (field_errors(errors, "alteracao"))
            }
            div class="field" {
                label for=(f("frequencia")) { "Nova frequência" }
                select id=(f("frequencia")) name="frequencia" {
                    @for n in treatment::FREQUENCIES { option value=(n) selected[is_chosen(freq, n, m.row.frequency)] { (n) "x ao dia" } }
                }
                (field_errors(errors, "frequencia"))
            }
            div class="field" {
                label for=(f("dose")) { "Nova dose" }
                select id=(f("dose")) name="dose" {
                    @for n in treatment::DOSES { option value=(n) selected[is_chosen(dose, n, m.row.dose)] { (n) " cp" } }
                }
                (field_errors(errors, "dose"))
            }
            div class="field field-wide" {
                label for=(f("motivo")) { "Motivo (opcional)" }
                input type="text" id=(f("motivo")) name="motivo" value=(form.get("motivo")) maxlength=(actions::MAX_TEXT_CHARS);
                (field_errors(errors, "motivo"))
            }
            div class="form-actions" { button type="submit" class="button button-secondary" { "Aplicar" } }
        }
    }
}

fn med_badge(s: MedStatus) -> Markup {
    let class = match s {
        MedStatus::Active => "badge badge-ok",
        MedStatus::Paused => "badge badge-warn",
        MedStatus::Stopped => "badge badge-muted",
    };
    html! { span class=(class) { (s.label()) } }
}

fn treatment_section(
    v: &PatientView,
    user: &CurrentUser,
    catalogue: &[CatalogueItem],
    today: NaiveDate,
) -> Markup {
    let person = v.summary.co_seq_cidadao;
    let may_treat = user.grants().may(Permission::ChangeTreatment);
    html! {
        section class="card" id="tratamento" aria-labelledby="tratamento-titulo" {
            h2 id="tratamento-titulo" { "Plano de tratamento" }
            @if v.medications.is_empty() {
                p class="muted" { "Nenhum medicamento no plano do programa." @if may_treat { " Adicione abaixo." } }
            } @else {
                ul class="plain med-list" {
                    @for m in &v.medications {
                        li class="medication" data-medicamento=(m.row.id) data-status=(m.status.key()) {
                            p class="med-head" {
                                strong { (m.row.name) } " — " (m.row.dose) " cp " (m.row.frequency) "x ao dia "
                                (med_badge(m.status))
                                span class="patient-meta" {
                                    "Desde " (format::date(m.row.started_on))
                                    @if let Some(e) = m.row.ended_on { " · encerrado em " (format::date(e)) }
                                    @if let Some(n) = &m.row.notes { " · " (n) }
                                }
                            }
                            details class="med-history" {
                                summary { "Histórico (" (m.events.len()) ")" }
                                ol class="plain" {
                                    @for e in &m.events {
                                        li {
                                            (format::date(e.on_date)) ": " (treatment::event_label(&e.kind))
                                            @if let Some(d) = &e.detail { " (" (d) ")" }
                                            @if let Some(r) = &e.reason { " — motivo: " (r) }
                                        }
                                    }
                                }
                            }
                            @if may_treat && m.status != MedStatus::Stopped {
                                details class="med-change-box" {
                                    summary { "Alterar" }
                                    (change_medication_form(person, user, m, &FormData::default(), &Errors::default()))
                                }
                            }
                        }
                    }
                }
            }
            @if may_treat {
                details class="med-add-box" {
                    summary { "Adicionar medicamento" }
                    @if catalogue.is_empty() {
                        p class="muted" { "O catálogo de medicamentos do PEC não tem anti-hipertensivos." }
                    } @else {
                        (add_medication_form(person, user, catalogue, &FormData::default(), &Errors::default(), today))
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Follow-up: forms and timeline.
// ---------------------------------------------------------------------------------------

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

fn followup_forms(v: &PatientView, user: &CurrentUser, today: NaiveDate) -> Markup {
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

fn timeline_section(
    v: &PatientView,
    user: &CurrentUser,
    q: &PageQuery,
    today: NaiveDate,
) -> Markup {
    let person = v.summary.co_seq_cidadao;
    let events: Vec<&TimelineEvent> = v
        .timeline
        .iter()
        .filter(|e| q.since.is_none_or(|s| e.day() >= s))
        .collect();
    html! {
        section class="card" id="linha-do-tempo" aria-labelledby="linha-titulo" {
            h2 id="linha-titulo" { "Linha do tempo" }
            nav class="period-filter" aria-label="Período da linha do tempo" {
                @for (k, _, label) in PERIODS {
                    @let href = format!("{}?periodo={k}#linha-do-tempo", paths::patient(person));
                    @if q.period == k {
                        a href=(href) aria-current="true" class="period-active" { (label) }
                    } @else {
                        a href=(href) hx-get=(format!("{}?periodo={k}", paths::patient(person)))
                            hx-target="#linha-do-tempo" hx-swap="outerHTML" hx-push-url=(href) { (label) }
                    }
                }
            }
            @if events.is_empty() {
                p class="muted empty-timeline" {
                    @if v.timeline.is_empty() { "Nenhuma ação registrada. Use \"Agendar ação\" ou \"Registrar ação\" acima." }
                    @else { "Nenhuma ação neste período. " a href=(paths::patient(person)) { "Ver tudo" } }
                }
            } @else {
                ol class="timeline" {
                    @for e in &events { (event_item(person, user, e, today)) }
                }
            }
        }
    }
}

fn status_badge(e: &TimelineEvent, today: NaiveDate) -> Markup {
    match e.status {
        Some(Status::Pending) if e.action.due_date < today => {
            html! { span class="badge badge-bad" { "Atrasada" } }
        }
        Some(Status::Pending) => html! { span class="badge badge-warn" { "Pendente" } },
        Some(Status::Done) => html! { span class="badge badge-ok" { "Realizada" } },
        Some(Status::Cancelled) if e.action.annulled_at.is_some() => {
            html! { span class="badge badge-muted" { "Anulada" } }
        }
        Some(Status::Cancelled) => html! { span class="badge badge-muted" { "Cancelada" } },
        None => html! { span class="badge badge-muted" { (e.action.status) } },
    }
}

fn event_item(person: i64, user: &CurrentUser, e: &TimelineEvent, today: NaiveDate) -> Markup {
    let a = &e.action;
    let label = e.action_type.map_or(a.action_type.as_str(), |t| t.label());
    let pending = e.status == Some(Status::Pending);
    let grants = user.grants();
    html! {
        li class=(format!("event event-{}", a.status)) data-acao=(a.id) data-tipo=(a.action_type) data-status=(a.status) {
            div class="event-head" {
                strong class="event-label" { (label) } " " (status_badge(e, today))
                span class="event-date" {
                    @match (e.status, a.done_date) {
                        (Some(Status::Done), Some(d)) => { " Realizada em " (format::date(d)) }
                        (Some(Status::Cancelled), _) => { " Prevista para " (format::date(a.due_date)) }
                        _ => { " Prazo: " (format::date(a.due_date)) }
                    }
                }
            }
            p class="patient-meta" {
                "Registrada por " (if e.created_by.is_empty() { "—" } else { e.created_by.as_str() })
                @if let Some(d) = &e.done_by {
                    @if e.status == Some(Status::Cancelled) { " · cancelada por " (d) } @else { " · concluída por " (d) }
                }
            }
            @if let Some(n) = &a.notes { p class="event-notes" { (n) } }
            @if let Some(r) = &a.cancel_reason { p class="event-notes" { "Motivo do cancelamento: " (r) } }
            @if let Some(r) = &a.annul_reason { p class="event-notes annul-reason" { "Anulada. Motivo: " (r) } }
            (event_record(e))
            div class="event-actions" {
                @if pending {
                    @if let Some(t) = e.action_type.filter(|t| actions::may_complete(&grants, *t)) {
                        a class="button" href=(format!("{}?tipo={}&acao={}", paths::patient_sub(person, "acoes/registrar"), t.key(), a.id)) { "Registrar" }
                    }
                }
                @if pending && grants.may(Permission::Cancel) {
                    details class="inline-confirm" {
                        summary class="button button-secondary" { "Cancelar" }
                        form method="post" action=(paths::patient_sub(person, &format!("acoes/{}/cancelar", a.id))) hx-post=(paths::patient_sub(person, &format!("acoes/{}/cancelar", a.id))) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-inline" {
                            (csrf(user))
                            label for=(format!("motivo-{}", a.id)) { "Motivo (opcional)" }
                            input type="text" id=(format!("motivo-{}", a.id)) name="motivo" maxlength=(actions::MAX_TEXT_CHARS);
                            button type="submit" class="button button-secondary" { "Confirmar cancelamento" }
                        }
                    }
                }
                @if grants.may(Permission::Delete) && a.annulled_at.is_none() {
                    details class="inline-confirm" {
                        @if actions::is_record(a) {
                            summary class="button button-secondary" { "Anular" }
                        } @else {
                            summary class="button button-secondary" { "Excluir" }
                        }
                        (delete_form(person, user, a, label))
                    }
                }
            }
        }
    }
}

/// Deletion of a pending (or cancelled) action entered by mistake; annulment, with a
/// reason, of a completed one (a completed record is never deleted).
fn delete_form(
    person: i64,
    user: &CurrentUser,
    a: &crate::store::hypertension_action::Model,
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

/// The MRPA readings as the grid they were typed in (day 1 marked as not counted).
fn readings_table(readings: &[crate::store::hypertension_mrpa_reading::Model]) -> Markup {
    let cell = |day: u8, p: Period, seq: u8| {
        readings
            .iter()
            .find(|r| r.day == i32::from(day) && r.period == p.key() && r.seq == i32::from(seq))
            .map(|r| format!("{}/{}", r.systolic, r.diastolic))
            .unwrap_or_else(|| "—".to_string())
    };
    html! {
        table class="mrpa-grid mrpa-readings" {
            thead {
                tr {
                    th scope="col" { "Dia" }
                    @for p in Period::ALL { @for s in 1..=mrpa::READINGS_PER_PERIOD { th scope="col" { (p.label()) " " (s) } } }
                }
            }
            tbody {
                @for day in 1..=mrpa::DAYS {
                    tr class=(if day < mrpa::FIRST_COUNTED_DAY { "mrpa-day1" } else { "" }) {
                        th scope="row" {
                            "Dia " (day)
                            @if day < mrpa::FIRST_COUNTED_DAY { span class="patient-meta" { "não entra na média" } }
                        }
                        @for p in Period::ALL { @for s in 1..=mrpa::READINGS_PER_PERIOD { td class="num" { (cell(day, p, s)) } } }
                    }
                }
            }
        }
    }
}

fn event_record(e: &TimelineEvent) -> Markup {
    html! {
        @if let Some((m, readings)) = &e.mrpa {
            div class="event-record" {
                p {
                    "MRPA iniciada em " (format::date(m.first_day)) ": média " strong { (format::bp(m.mean_systolic, m.mean_diastolic)) }
                    " (" (m.valid_readings) " medidas dos dias 2 a 5) — "
                    @if m.control == "controlled" { span class="badge badge-ok" { "Controlada" } } @else { span class="badge badge-bad" { "Não controlada" } }
                }
                p { "Decisão: " (Decision::from_key(&m.decision).map_or(m.decision.as_str(), |d| d.label())) }
                @if let Some(a) = &m.analysis { p { "Análise: " (a) } }
                @if !readings.is_empty() {
                    details {
                        summary { "Medidas (" (readings.len()) ")" }
                        (readings_table(readings))
                    }
                }
            }
        }
        @if !e.exams.is_empty() {
            div class="event-record" {
                ul class="plain exam-results" {
                    @for x in &e.exams {
                        @if let Some(a) = Analyte::from_key(&x.analyte) {
                            li { (a.label()) ": " strong { (exams::format_value(a, x.value)) " " (a.unit()) } " (coleta " (format::date(x.collected_on)) ")" }
                        }
                    }
                }
            }
        }
        @if let Some(r) = &e.risk {
            div class="event-record" {
                p {
                    @if let Some(b) = RiskBand::from_key(&r.band) { (band_badge(b)) " " }
                    (format::decimal1(r.percent)) "% em 10 anos"
                }
                p class="patient-meta" {
                    (r.age) " anos · " (Sex::from_key(&r.sex).map_or(r.sex.as_str(), |s| s.label()))
                    " · " (if r.smoker { "fumante" } else { "não fumante" })
                    " · " (if r.diabetes { "com diabetes" } else { "sem diabetes" })
                    " · PAS " (r.systolic) " mmHg"
                    @if let Some(c) = r.total_cholesterol { " · colesterol total " (format_number(c)) " mg/dL" }
                    @if let Some(b) = r.bmi { " · IMC " (format::decimal1(b)) }
                }
            }
        }
        @if let Some(c) = &e.change {
            div class="event-record" {
                p { "Ajuste: " (Adjustment::from_key(&c.adjustment).map_or(c.adjustment.as_str(), |a| a.label())) }
                @if let Some(n) = &c.new_medications { p { "Novos medicamentos: " (n) } }
            }
        }
        @if let Some(n) = &e.nutrition {
            div class="event-record" {
                p {
                    "Peso " (format::decimal1(n.weight_kg)) " kg"
                    @if let Some(h) = n.height_cm { " · altura " (format_number(h)) " cm" }
                    @if let Some(b) = n.bmi { " · IMC " (format::decimal1(b)) " kg/m²" }
                    @if let Some(w) = n.waist_cm { " · circunferência abdominal " (format_number(w)) " cm" }
                }
                @if let Some(g) = &n.guidance { p { "Orientações: " (g) } }
            }
        }
        @if let Some(c) = &e.cardiology {
            div class="event-record" {
                @if let Some(p) = &c.professional { p { "Profissional: " (p) } }
                @if let Some(m) = &c.modality { p { "Modalidade: " (MODALITIES.iter().find(|(k, _)| k == m).map_or(m.as_str(), |(_, l)| *l)) } }
                @if let Some(x) = &c.consultation { p { "Consulta: " (x) } }
                @if let Some(r) = &c.recommendations { p { "Recomendações: " (r) } }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Completion form.
// ---------------------------------------------------------------------------------------

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

fn mrpa_fields(form: &FormData, errors: &Errors, computed: Option<&mrpa::Summary>) -> Markup {
    let suggested = computed.map(mrpa::suggested_decision);
    let chosen = form.get("decisao");
    html! {
        fieldset class="mrpa" {
            legend { "MRPA — 5 dias, manhã e noite, 3 medidas (sistólica/diastólica em mmHg)" }
            (input(form, errors, "inicio_mrpa", "Primeiro dia do MRPA", "date", None, None, None))
            (field_errors(errors, "leituras"))
            div class="table-wrap" {
                table class="mrpa-grid" {
                    thead {
                        tr {
                            th scope="col" { "Dia" }
                            @for p in Period::ALL { @for s in 1..=mrpa::READINGS_PER_PERIOD { th scope="col" { (p.label()) " " (s) } } }
                        }
                    }
                    tbody {
                        @for day in 1..=mrpa::DAYS {
                            tr class=(if day < mrpa::FIRST_COUNTED_DAY { "mrpa-day1" } else { "" }) {
                                th scope="row" {
                                    "Dia " (day)
                                    @if day < mrpa::FIRST_COUNTED_DAY { span class="patient-meta" { "não entra na média" } }
                                }
                                @for p in Period::ALL {
                                    @for s in 1..=mrpa::READINGS_PER_PERIOD {
                                        @let k = slot(day, p, s);
                                        @let bad = errors.has(&format!("leitura_{k}"));
                                        td class=(if bad { "mrpa-cell mrpa-cell-error" } else { "mrpa-cell" }) {
                                            label class="visually-hidden" for=(format!("pas_{k}")) { "Dia " (day) ", " (p.label()) " " (s) ", sistólica" }
                                            input type="text" inputmode="numeric" size="3" maxlength="3" id=(format!("pas_{k}")) name=(format!("pas_{k}")) value=(form.get(&format!("pas_{k}"))) aria-invalid=[bad.then_some("true")];
                                            "/"
                                            label class="visually-hidden" for=(format!("pad_{k}")) { "Dia " (day) ", " (p.label()) " " (s) ", diastólica" }
                                            input type="text" inputmode="numeric" size="3" maxlength="3" id=(format!("pad_{k}")) name=(format!("pad_{k}")) value=(form.get(&format!("pad_{k}"))) aria-invalid=[bad.then_some("true")];
                                            (field_errors(errors, &format!("leitura_{k}")))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(s) = computed {
                p class="notice mrpa-summary" role="status" {
                    "Média dos dias 2 a 5: " strong { (format::bp(s.mean_systolic, s.mean_diastolic)) }
                    " (" (s.valid_readings) " medidas) — " (s.control.label()) "."
                    @if let Some(d) = suggested { " Sugestão do protocolo: " (d.label()) "." }
                }
            }
            div class="form-actions" {
                button type="submit" name="calcular" value="1" class="button button-secondary" { "Calcular médias (não salva)" }
            }
            fieldset class="field radio-row" {
                legend { "Decisão" }
                label { input type="radio" name="decisao" value="" checked[chosen.is_empty() && suggested.is_none()]; " Seguir a sugestão do protocolo" }
                @for d in Decision::ALL {
                    label {
                        input type="radio" name="decisao" value=(d.key()) checked[chosen == d.key() || (chosen.is_empty() && suggested == Some(d))];
                        " " (d.label())
                    }
                }
                (field_errors(errors, "decisao"))
            }
            (textarea(form, errors, "analise", "Análise do MRPA"))
        }
    }
}

fn record_fields(
    t: ActionType,
    form: &FormData,
    errors: &Errors,
    computed: Option<&mrpa::Summary>,
) -> Markup {
    match t.record_kind() {
        RecordKind::None => html! {},
        RecordKind::Mrpa => mrpa_fields(form, errors, computed),
        RecordKind::Exams => html! {
            fieldset class="exams" {
                legend { "Resultados (preencha os que tiver)" }
                (input(form, errors, "data_coleta", "Data da coleta", "date", None, None, None))
                (field_errors(errors, "exames"))
                div class="form-grid" {
                    @for a in Analyte::ALL {
                        (input(form, errors, a.key(), &format!("{} ({})", a.label(), a.unit()), "text", Some("decimal"), Some(&format!("Faixa aceita: {}", a.range_text())), None))
                    }
                }
            }
        },
        RecordKind::CvRisk => {
            let sex = form.get("sexo");
            html! {
                fieldset class="cv-risk-form" {
                    legend { "Risco cardiovascular (tabela OMS/HEARTS laboratorial)" }
                    (field_errors(errors, "rcv"))
                    div class="form-grid" {
                        (input(form, errors, "idade", "Idade (anos)", "text", Some("numeric"), Some("De 40 a 74 anos"), None))
                        div class="field" {
                            label for="sexo" { "Sexo" }
                            select id="sexo" name="sexo" {
                                option value="" { "Escolha…" }
                                @for s in Sex::ALL { option value=(s.key()) selected[sex == s.key()] { (s.label()) } }
                            }
                            (field_errors(errors, "sexo"))
                        }
                        (yes_no(form, "tabagismo", "Fumante"))
                        (yes_no(form, "diabetes", "Diabetes"))
                        (input(form, errors, "pas", "Pressão sistólica (mmHg)", "text", Some("numeric"), None, None))
                        (input(form, errors, "colesterol_total", "Colesterol total (mg/dL)", "text", Some("decimal"), None, None))
                        (input(form, errors, "imc", "IMC (kg/m²)", "text", Some("decimal"), None, None))
                    }
                }
            }
        }
        RecordKind::TreatmentChange => {
            let chosen = form.get("ajuste");
            html! {
                fieldset class="treatment-change" {
                    legend { "Modificação do tratamento" }
                    fieldset class="field radio-row" {
                        legend { "Tipo de ajuste" }
                        @for a in Adjustment::ALL {
                            label { input type="radio" name="ajuste" value=(a.key()) checked[chosen == a.key()]; " " (a.label()) }
                        }
                        (field_errors(errors, "ajuste"))
                    }
                    (textarea(form, errors, "novos_medicamentos", "Novos medicamentos / ajuste feito"))
                    p class="hint" { "Atualize também o plano de tratamento na ficha." }
                }
            }
        }
        RecordKind::Nutrition => html! {
            fieldset class="nutrition" {
                legend { "Consulta de nutrição" }
                div class="form-grid" {
                    (input(form, errors, "peso", "Peso (kg)", "text", Some("decimal"), None, None))
                    (input(form, errors, "altura", "Altura (cm)", "text", Some("decimal"), None, None))
                    (input(form, errors, "circunferencia", "Circunferência abdominal (cm)", "text", Some("decimal"), None, None))
                }
                (textarea(form, errors, "orientacoes", "Orientações nutricionais"))
            }
        },
        RecordKind::Cardiology => {
            let chosen = form.get("modalidade");
            html! {
                fieldset class="cardiology" {
                    legend { "Cardiologia" }
                    (input(form, errors, "profissional", "Profissional", "text", None, None, None))
                    div class="field" {
                        label for="modalidade" { "Modalidade" }
                        select id="modalidade" name="modalidade" {
                            option value="" { "—" }
                            @for (k, l) in MODALITIES { option value=(k) selected[chosen == k] { (l) } }
                        }
                        (field_errors(errors, "modalidade"))
                    }
                    (textarea(form, errors, "consulta", "Consulta de cardiologia"))
                    (textarea(form, errors, "recomendacoes", "Recomendações da cardiologia"))
                }
            }
        }
    }
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
) -> Result<crate::store::hypertension_action::Model, WebError> {
    let id = path_id(raw)?;
    match actions::find(&state.db, &user.scope(), id).await {
        Ok(a) if a.co_cidadao == person => Ok(a),
        Ok(_) | Err(ActionError::NotFound) => Err(WebError::NotFound),
        Err(ActionError::Db(e)) => Err(WebError::Db(e)),
        Err(_) => Err(WebError::NotFound),
    }
}

fn action_label(a: &crate::store::hypertension_action::Model) -> &str {
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
    a: &crate::store::hypertension_action::Model,
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

#[handler]
pub async fn add_medication(
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
    let med = int_field(
        &mut errors,
        &form,
        "medicamento",
        "Medicamento",
        1..=i64::MAX,
        false,
    );
    if form.get("medicamento").trim().is_empty() {
        errors.push("medicamento", "Escolha um anti-hipertensivo do catálogo.");
    }
    let dose = int_field(&mut errors, &form, "dose", "Dose", 1..=6, true);
    let freq = int_field(&mut errors, &form, "frequencia", "Frequência", 1..=4, true);
    let start = if form.get("inicio").trim().is_empty() {
        Some(today)
    } else {
        date_field(&mut errors, &form, "inicio", "a data de início")
    };
    let mut conflict = None;
    if let (Some(med), Some(dose), Some(freq), Some(start), true) =
        (med, dose, freq, start, errors.is_empty())
    {
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &user.scope(),
            grants: &grants,
        };
        let new = NewMedication {
            catalogue_id: med,
            dose: i32::try_from(dose).unwrap_or(0),
            frequency: i32::try_from(freq).unwrap_or(0),
            started_on: start,
            notes: text(&form, "observacoes"),
        };
        match treatment::add(&state.db, actor, person, new, today).await {
            Ok(m) => {
                audit_write(
                    state,
                    &user,
                    &client,
                    person,
                    &format!("tratamento/{m}/adicionar"),
                )
                .await?;
                return Ok(back_to(hx.fragment, person, "ok=tratamento#tratamento"));
            }
            Err(e) => {
                let (e, c) = map_err(e)?;
                errors = e;
                conflict = c;
            }
        }
    }
    let catalogue = treatment::catalogue(&state.db).await?;
    let status = refusal_status(&conflict);
    let body = html! {
        (error_summary(&errors, conflict.as_deref()))
        (add_medication_form(person, &user, &catalogue, &form, &errors, today))
    };
    form_page(
        state,
        &user,
        &client,
        req.uri().path(),
        &s,
        "Adicionar medicamento",
        status,
        body,
    )
    .await
}

#[handler]
pub async fn change_medication(
    req: &Request,
    hx: HxRequest,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    Path((id, med)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, WebError> {
    let person = path_id(&id)?;
    let s = in_scope(state, &user, person).await?;
    let med = path_id(&med)?;
    let plan = treatment::list(&state.db, person).await?;
    let m = plan
        .into_iter()
        .find(|m| m.row.id == med)
        .ok_or(WebError::NotFound)?;
    check_csrf(req, Some(&form), &user)?;
    let mut errors = Errors::default();
    let change = match form.get("alteracao").trim() {
        "frequencia" => int_field(&mut errors, &form, "frequencia", "Frequência", 1..=4, true)
            .map(|f| Change::Frequency(i32::try_from(f).unwrap_or(0))),
        "dose" => int_field(&mut errors, &form, "dose", "Dose", 1..=6, true)
            .map(|d| Change::Dose(i32::try_from(d).unwrap_or(0))),
        "pausar" => Some(Change::Pause),
        "retomar" => Some(Change::Resume),
        "encerrar" => Some(Change::Stop),
        _ => {
            errors.push("alteracao", "Escolha a alteração.");
            None
        }
    };
    let mut conflict = None;
    if let (Some(change), true) = (change, errors.is_empty()) {
        let grants = user.grants();
        let actor = Actor {
            user_id: user.id,
            scope: &user.scope(),
            grants: &grants,
        };
        match treatment::change(
            &state.db,
            actor,
            med,
            change,
            text(&form, "motivo"),
            state.today(),
        )
        .await
        {
            Ok(_) => {
                audit_write(
                    state,
                    &user,
                    &client,
                    person,
                    &format!("tratamento/{med}/{}", form.get("alteracao").trim()),
                )
                .await?;
                return Ok(back_to(hx.fragment, person, "ok=tratamento#tratamento"));
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
        p { strong { (m.row.name) } " — " (m.row.dose) " cp " (m.row.frequency) "x ao dia " (med_badge(m.status)) }
        (change_medication_form(person, &user, &m, &form, &errors))
    };
    form_page(
        state,
        &user,
        &client,
        req.uri().path(),
        &s,
        "Alterar medicamento",
        status,
        body,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_parse_robustly() {
        assert_eq!(parse_decimal("12,5"), Some(12.5));
        assert_eq!(parse_decimal(" 12.5 "), Some(12.5));
        assert_eq!(parse_decimal("80"), Some(80.0));
        for bad in [
            "",
            "abc",
            "1,2,3",
            "-3",
            "1e9",
            ",5",
            "5,",
            "99999999999999999999",
            "NaN",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(
            parse_date("2026-03-02"),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
        assert_eq!(
            parse_date("02/03/2026"),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
        for bad in ["", "31/02/2026", "2026-13-01", "ontem", "01/01/0001"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(format_number(12.5), "12,5");
        assert_eq!(format_number(80.0), "80");
    }

    #[test]
    fn mrpa_cells_get_their_own_messages() {
        let mut f = FormData::default();
        f.0.insert("pas_2_manha_1".into(), "400".into());
        f.0.insert("pad_2_manha_1".into(), "20".into());
        f.0.insert("pas_2_noite_1".into(), "120".into());
        f.0.insert("pad_2_noite_1".into(), "130".into());
        f.0.insert("pas_3_manha_1".into(), "12a".into());
        f.0.insert("pad_3_manha_1".into(), "80".into());
        f.0.insert("pas_3_noite_1".into(), "99999999999".into());
        f.0.insert("pad_3_noite_1".into(), "80".into());
        f.0.insert("pas_4_manha_1".into(), "120".into());
        f.0.insert("pad_4_manha_1".into(), "80".into());
        let mut e = Errors::default();
        let r = parse_readings(&mut e, &f);
        assert_eq!(r.len(), 1);
        for k in [
            "leitura_2_manha_1",
            "leitura_2_noite_1",
            "leitura_3_manha_1",
            "leitura_3_noite_1",
        ] {
            assert!(e.has(k), "{k}");
        }
    }
}
