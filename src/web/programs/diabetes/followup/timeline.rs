//! The timeline of the diabetes follow-up on the person page: each action, newest first, with
//! its status, dates, who, notes, its checklist (a checkbox per step, each its own form), the
//! evaluation it recorded, and the controls the user's permissions allow.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::care::followup::{CANCELLED, DONE, Entry, MAX_TEXT_CHARS, PENDING, may_complete};
use crate::clinical::diabetes::format_hba1c;
use crate::clinical::diabetes_followup::Control;
use crate::programs::diabetes::followup::FollowupView;
use crate::store::{care_action_step as step, diabetes_evaluation as evaluation};
use crate::web::components::csrf;
use crate::web::form::format_number;
use crate::web::format;

use super::{action_path, delete_form, may_correct, path};

pub(super) fn timeline(
    person: i64,
    user: &CurrentUser,
    v: &FollowupView,
    today: NaiveDate,
) -> Markup {
    html! {
        h3 id="dm-linha-do-tempo" { "Linha do tempo" }
        @if v.timeline.is_empty() {
            p class="muted empty-timeline" { "Nenhuma ação de diabetes registrada. Use \"Agendar ação\" ou \"Registrar ação\" acima." }
        } @else {
            ol class="timeline dm-timeline" {
                @for e in &v.timeline { (item(person, user, v, e, today)) }
            }
        }
    }
}

fn status_badge(e: &Entry, today: NaiveDate) -> Markup {
    let a = &e.action;
    match a.status.as_str() {
        PENDING if a.due_date < today => html! { span class="badge badge-bad" { "Atrasada" } },
        PENDING => html! { span class="badge badge-warn" { "Pendente" } },
        DONE => html! { span class="badge badge-ok" { "Realizada" } },
        CANCELLED if a.annulled_at.is_some() => {
            html! { span class="badge badge-muted" { "Anulada" } }
        }
        CANCELLED => html! { span class="badge badge-muted" { "Cancelada" } },
        other => html! { span class="badge badge-muted" { (other) } },
    }
}

fn item(person: i64, user: &CurrentUser, v: &FollowupView, e: &Entry, today: NaiveDate) -> Markup {
    let a = &e.action;
    let pending = a.status == PENDING;
    let grants = user.grants();
    let completes = pending && e.kind.is_some_and(|k| may_complete(&grants, k));
    let (may_cancel, may_delete) = may_correct(&grants);
    html! {
        li class=(format!("event event-{}", a.status)) data-acao=(a.id) data-tipo=(a.action_type) data-status=(a.status) {
            div class="event-head" {
                strong class="event-label" { (e.label()) } " " (status_badge(e, today))
                span class="event-date" {
                    @match (a.status.as_str(), a.done_date) {
                        (DONE, Some(d)) => { " Realizada em " (format::date(d)) }
                        (CANCELLED, _) => { " Prevista para " (format::date(a.due_date)) }
                        _ => { " Prazo: " (format::date(a.due_date)) }
                    }
                }
            }
            p class="patient-meta" {
                "Registrada por " (if e.created_by.is_empty() { "—" } else { e.created_by.as_str() })
                @if let Some(d) = &e.done_by {
                    @if a.status == CANCELLED { " · cancelada por " (d) } @else { " · concluída por " (d) }
                }
            }
            @if let Some(n) = &a.notes { p class="event-notes" { (n) } }
            @if let Some(r) = &a.cancel_reason { p class="event-notes" { "Motivo do cancelamento: " (r) } }
            @if let Some(r) = &a.annul_reason { p class="event-notes annul-reason" { "Anulada. Motivo: " (r) } }
            @if !e.steps.is_empty() {
                ul class="plain checklist dm-steps" aria-label="Etapas" {
                    @for s in &e.steps { (step_item(person, user, a.id, s, completes)) }
                }
            }
            @if let Some(ev) = v.evaluation(a.id) { (evaluation_record(ev)) }
            div class="event-actions" {
                @if completes {
                    a class="button" href=(format!("{}?tipo={}&acao={}", path(person, "acoes/registrar"), a.action_type, a.id)) {
                        @if a.action_type == crate::clinical::diabetes_followup::DmAction::Evaluate.key() { "Avaliar tratamento" } @else { "Concluir" }
                    }
                }
                @if pending && may_cancel {
                    details class="inline-confirm" {
                        summary class="button button-secondary" { "Cancelar" }
                        form method="post" action=(action_path(person, a.id, "cancelar")) hx-post=(action_path(person, a.id, "cancelar")) hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML" class="form-inline" {
                            (csrf(user))
                            label for=(format!("dm-motivo-{}", a.id)) { "Motivo (opcional)" }
                            input type="text" id=(format!("dm-motivo-{}", a.id)) name="motivo" maxlength=(MAX_TEXT_CHARS);
                            button type="submit" class="button button-secondary" { "Confirmar cancelamento" }
                        }
                    }
                }
                @if may_delete && a.annulled_at.is_none() {
                    details class="inline-confirm" {
                        @if crate::care::followup::is_record(a) {
                            summary class="button button-secondary" { "Anular" }
                        } @else {
                            summary class="button button-secondary" { "Excluir" }
                        }
                        (delete_form(person, user, a))
                    }
                }
            }
        }
    }
}

/// One step: its checkbox and text. While the action is pending and the user may complete
/// it, the step is a small form (the checkbox posts with htmx; the button does without).
fn step_item(
    person: i64,
    user: &CurrentUser,
    action: i64,
    s: &step::Model,
    editable: bool,
) -> Markup {
    let done = s.done_at.is_some();
    let url = action_path(person, action, &format!("etapas/{}", s.position));
    let id = format!("dm-etapa-{action}-{}", s.position);
    let text = html! {
        (s.text)
        @if s.mandatory { " " span class="badge badge-muted" { "obrigatória" } }
    };
    html! {
        li class="step" data-etapa=(s.position) data-feita=(done) {
            @if editable {
                form method="post" action=(url) class="form-inline step-form" {
                    (csrf(user))
                    input type="hidden" name="feita" value=(if done { "nao" } else { "sim" });
                    input type="checkbox" id=(id) checked[done]
                        hx-post=(url) hx-trigger="change" hx-target="#conteudo" hx-select="#conteudo" hx-swap="outerHTML";
                    label for=(id) { (text) }
                    " "
                    button type="submit" class="button button-small button-secondary" {
                        @if done { "Desmarcar" } @else { "Marcar como feita" }
                    }
                }
            } @else {
                input type="checkbox" id=(id) checked[done] disabled;
                label for=(id) { (text) }
            }
        }
    }
}

fn evaluation_record(e: &evaluation::Model) -> Markup {
    let control = Control::from_key(&e.control);
    let class = match control {
        Some(Control::Adequate) => "badge badge-ok",
        Some(Control::Acceptable) => "badge badge-warn",
        Some(Control::Decompensated) => "badge badge-bad",
        None => "badge badge-muted",
    };
    html! {
        div class="event-record dm-evaluation" {
            p {
                @if let Some(v) = e.hba1c { "HbA1c " strong { (format_hba1c(v)) " %" } " · " }
                @if let Some(v) = e.fasting_glucose { "glicemia de jejum " strong { (format_number(v)) " mg/dL" } " · " }
                @if let Some(v) = e.mean_glucose { "glicemia média " strong { (format_number(v)) " mg/dL" } " · " }
                @if let Some(d) = e.exam_date { "exames de " (format::date(d)) }
            }
            p { "Controle: " span class=(class) { (control.map_or(e.control.as_str(), |c| c.label())) } }
            @if let Some(c) = &e.proposed_change { p { "Mudança proposta no tratamento: " (c) } }
        }
    }
}
