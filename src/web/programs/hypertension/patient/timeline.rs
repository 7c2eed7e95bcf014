//! The timeline of follow-up actions on the hypertension person page: the period filter,
//! each event with its status, its record (MRPA, exams, risk, treatment change, nutrition,
//! cardiology) and its cancel/delete controls.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::auth::{CurrentUser, Permission};
use crate::clinical::cv_risk::RiskBand;
use crate::clinical::exams::{self, Analyte};
use crate::clinical::hiperdia::Status;
use crate::clinical::mrpa::{self, Decision, Period};
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{self, Adjustment, MODALITIES};
use crate::programs::hypertension::patient::{PatientView, TimelineEvent};
use crate::web::components::csrf;
use crate::web::form::format_number;
use crate::web::{format, paths};

use super::followup::delete_form;
use super::sections::band_badge;
use super::{PERIODS, PageQuery};

pub(super) fn timeline_section(
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
