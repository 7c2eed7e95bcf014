//! The treatment plan on the hypertension person page: the section, the add and change forms,
//! and their handlers (`/pacientes/{id}/tratamento`, `/pacientes/{id}/tratamento/{med}`).

use chrono::NaiveDate;
use maud::{Markup, html};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::auth::{CurrentUser, Permission};
use crate::care::treatment::{Unit, applications_text};
use crate::programs::hypertension::actions::{self, Actor};
use crate::programs::hypertension::patient::PatientView;
use crate::programs::hypertension::treatment::{
    self, CatalogueItem, Change, MedStatus, NewMedication, PLAN,
};
use crate::web::components::{csrf, error_summary, field_errors, textarea};
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, int_field, iso, path_id, text};
use crate::web::htmx::HxRequest;
use crate::web::session::{Auth, Client, FormData, check_csrf};
use crate::web::{AppState, format, paths};

use super::{audit_write, back_to, form_page, in_scope, map_err, refusal_status};

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
        MedStatus::Stopped | MedStatus::Replaced => "badge badge-muted",
    };
    html! { span class=(class) { (s.label()) } }
}

pub(super) fn treatment_section(
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
                                strong { (m.row.name) } " — "
                                @if m.unit() == Unit::Insulin { (applications_text(&m.applications())) " " }
                                @else { (m.row.dose) " cp " (m.row.frequency) "x ao dia " }
                                (med_badge(m.status))
                                span class="patient-meta" {
                                    "Desde " (format::date(m.row.started_on))
                                    @if m.row.program != PLAN.followup.key { " · incluído pelo programa " (crate::programs::by_key(&m.row.program).map_or(m.row.program.as_str(), |p| p.name)) }
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
                            @if may_treat && m.status.open() && m.row.program == PLAN.followup.key {
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
