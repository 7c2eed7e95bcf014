//! Form markup every programme reuses: labelled fields that keep what was typed and show their
//! messages, yes/no radios, the CSRF field, and the summary at the top of a refused form.

use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::programs::hypertension::actions;

use super::form::Errors;
use super::session::FormData;

/// Messages of one field, linked to it by id.
pub(crate) fn field_errors(errors: &Errors, field: &str) -> Markup {
    html! {
        @for m in errors.of(field) {
            p class="field-error" id=(format!("{field}-erro")) { (m) }
        }
    }
}

/// The list of every message at the top of a refused form.
pub(crate) fn error_summary(errors: &Errors, conflict: Option<&str>) -> Markup {
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

pub(crate) fn csrf(user: &CurrentUser) -> Markup {
    html! { input type="hidden" name="csrf" value=(user.csrf_token); }
}

/// A labelled text-like input keeping the typed value and showing its messages.
#[allow(clippy::too_many_arguments)]
pub(crate) fn input(
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

pub(crate) fn textarea(form: &FormData, errors: &Errors, name: &str, label: &str) -> Markup {
    html! {
        div class="field field-wide" {
            label for=(name) { (label) }
            textarea id=(name) name=(name) rows="3" maxlength=(actions::MAX_TEXT_CHARS)
                aria-invalid=[errors.has(name).then_some("true")] { (form.get(name)) }
            (field_errors(errors, name))
        }
    }
}

pub(crate) fn yes_no(form: &FormData, name: &str, label: &str) -> Markup {
    let v = form.get(name);
    html! {
        fieldset class="field radio-row" {
            legend { (label) }
            label { input type="radio" name=(name) value="sim" checked[v == "sim"]; " Sim" }
            label { input type="radio" name=(name) value="nao" checked[v != "sim"]; " Não" }
        }
    }
}
