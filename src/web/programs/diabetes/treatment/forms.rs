//! The forms of the diabetes treatment section: add an oral drug, add an insulin (time and
//! units of each application), change a medication; each keeps the typed values and shows the
//! messages next to its fields.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::care::followup::MAX_TEXT_CHARS;
use crate::care::treatment::{self as plan, Application, MedStatus, Medication, Unit, hhmm};
use crate::programs::diabetes::treatment as dm;
use crate::web::components::{csrf, field_errors, textarea};
use crate::web::form::{Errors, iso};
use crate::web::session::FormData;

use super::{SLOTS, add_insulin_path, add_oral_path, change_path};

pub(super) fn numbers(
    name: &str,
    range: std::ops::RangeInclusive<i32>,
    chosen: &str,
    suffix: &str,
) -> Markup {
    html! {
        select id=(name) name=(name) {
            @for n in range { option value=(n) selected[chosen == n.to_string()] { (n) (suffix) } }
        }
    }
}

pub(super) fn or<'a>(form: &'a FormData, key: &str, default: &'a str) -> &'a str {
    let v = form.get(key);
    if v.is_empty() { default } else { v }
}

pub(super) fn start_field(form: &FormData, errors: &Errors, today: NaiveDate) -> Markup {
    let start = if form.get("inicio").is_empty() {
        iso(today)
    } else {
        form.get("inicio").to_string()
    };
    html! {
        div class="field" {
            label for="inicio" { "Início" }
            input type="date" id="inicio" name="inicio" value=(start) max=(iso(today));
            (field_errors(errors, "inicio"))
        }
    }
}

pub(super) fn add_oral_form(
    person: i64,
    user: &CurrentUser,
    form: &FormData,
    errors: &Errors,
    today: NaiveDate,
) -> Markup {
    let chosen = form.get("medicamento");
    let mut groups: Vec<&str> = dm::of_unit(Unit::Tablet).map(|l| l.group).collect();
    groups.dedup();
    html! {
        form method="post" action=(add_oral_path(person)) class="form-grid med-add" {
            (csrf(user))
            div class="field field-wide" {
                label for="medicamento" { "Antidiabético oral" }
                select id="medicamento" name="medicamento" aria-invalid=[errors.has("medicamento").then_some("true")] {
                    option value="" { "Escolha…" }
                    @for g in &groups {
                        optgroup label=(g) {
                            @for l in dm::of_unit(Unit::Tablet).filter(|l| l.group == *g) {
                                option value=(l.key) selected[chosen == l.key] { (l.name) }
                            }
                        }
                    }
                }
                (field_errors(errors, "medicamento"))
            }
            div class="field" {
                label for="dose" { "Comprimido(s) por tomada" }
                (numbers("dose", dm::ORAL_DOSES, or(form, "dose", "1"), ""))
                (field_errors(errors, "dose"))
            }
            div class="field" {
                label for="frequencia" { "Vezes ao dia" }
                (numbers("frequencia", plan::FREQUENCIES, or(form, "frequencia", "1"), "x ao dia"))
                (field_errors(errors, "frequencia"))
            }
            (start_field(form, errors, today))
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" { button type="submit" class="button" { "Adicionar medicamento" } }
        }
    }
}

/// The time and units inputs of up to four applications, prefilled with `current`.
pub(super) fn application_fields(
    prefix: &str,
    form: &FormData,
    errors: &Errors,
    current: &[Application],
) -> Markup {
    html! {
        fieldset class="insulin-applications" {
            legend { "Aplicações (horário e unidades; de 1 a 4 ao dia)" }
            @for i in 1..=SLOTS {
                @let (t, u) = (format!("horario_{i}"), format!("unidades_{i}"));
                @let now = current.get(i - 1);
                div class="field-row" {
                    label for=(format!("{prefix}{t}")) { "Horário " (i) }
                    input type="time" id=(format!("{prefix}{t}")) name=(t)
                        value=(if form.0.contains_key(&t) { form.get(&t).to_string() } else { now.map(|a| hhmm(a.time)).unwrap_or_default() });
                    label for=(format!("{prefix}{u}")) { "UI" }
                    input type="number" id=(format!("{prefix}{u}")) name=(u) min="1" max="100" inputmode="numeric"
                        value=(if form.0.contains_key(&u) { form.get(&u).to_string() } else { now.map(|a| a.units.to_string()).unwrap_or_default() });
                }
            }
            (field_errors(errors, "aplicacoes"))
            (field_errors(errors, "unidades"))
            (field_errors(errors, "horarios"))
        }
    }
}

pub(super) fn add_insulin_form(
    person: i64,
    user: &CurrentUser,
    form: &FormData,
    errors: &Errors,
    today: NaiveDate,
) -> Markup {
    let chosen = form.get("medicamento");
    html! {
        form method="post" action=(add_insulin_path(person)) class="form-grid insulin-add" {
            (csrf(user))
            div class="field field-wide" {
                label for="insulina" { "Tipo de insulina" }
                select id="insulina" name="medicamento" aria-invalid=[errors.has("medicamento").then_some("true")] {
                    option value="" { "Escolha…" }
                    @for l in dm::of_unit(Unit::Insulin) { option value=(l.key) selected[chosen == l.key] { (l.name) } }
                }
                (field_errors(errors, "medicamento"))
            }
            (application_fields("nova-", form, errors, &[]))
            (start_field(form, errors, today))
            (textarea(form, errors, "observacoes", "Observações"))
            div class="form-actions" { button type="submit" class="button" { "Adicionar insulina" } }
        }
    }
}

pub(super) fn changes_for(m: &Medication) -> Vec<(&'static str, &'static str)> {
    let mut out = match m.unit() {
        Unit::Insulin => vec![("doses", "Alterar doses (nova prescrição)")],
        Unit::Tablet => vec![
            ("frequencia", "Alterar frequência"),
            ("dose", "Alterar dose"),
        ],
    };
    match m.status {
        MedStatus::Active => out.push(("pausar", "Pausar")),
        MedStatus::Paused => out.push(("retomar", "Retomar")),
        _ => {}
    }
    out.push(("encerrar", "Encerrar"));
    out
}

pub(super) fn change_form(
    person: i64,
    user: &CurrentUser,
    m: &Medication,
    form: &FormData,
    errors: &Errors,
) -> Markup {
    let id = m.row.id;
    let f = |k: &str| format!("{k}-{id}");
    let chosen = form.get("alteracao");
    html! {
        form method="post" action=(change_path(person, id)) class="form-grid med-change" {
            (csrf(user))
            div class="field" {
                label for=(f("alteracao")) { "Alteração" }
                select id=(f("alteracao")) name="alteracao" {
                    @for (k, l) in changes_for(m) { option value=(k) selected[chosen == k] { (l) } }
                }
                (field_errors(errors, "alteracao"))
            }
            @if m.unit() == Unit::Insulin {
                (application_fields(&format!("m{id}-"), form, errors, &m.applications()))
            } @else {
                div class="field" {
                    label for=(f("frequencia")) { "Nova frequência" }
                    (numbers(&f("frequencia"), plan::FREQUENCIES, or(form, "frequencia", &m.row.frequency.to_string()), "x ao dia"))
                    (field_errors(errors, "frequencia"))
                }
                div class="field" {
                    label for=(f("dose")) { "Nova dose" }
                    (numbers(&f("dose"), dm::ORAL_DOSES, or(form, "dose", &m.row.dose.to_string()), " cp"))
                    (field_errors(errors, "dose"))
                }
            }
            div class="field field-wide" {
                label for=(f("motivo")) { "Motivo (opcional)" }
                input type="text" id=(f("motivo")) name="motivo" value=(form.get("motivo")) maxlength=(MAX_TEXT_CHARS);
                (field_errors(errors, "motivo"))
            }
            div class="form-actions" { button type="submit" class="button button-secondary" { "Aplicar" } }
        }
    }
}

pub(super) fn badge(s: MedStatus) -> Markup {
    let class = match s {
        MedStatus::Active => "badge badge-ok",
        MedStatus::Paused => "badge badge-warn",
        MedStatus::Stopped | MedStatus::Replaced => "badge badge-muted",
    };
    html! { span class=(class) { (s.label()) } }
}
