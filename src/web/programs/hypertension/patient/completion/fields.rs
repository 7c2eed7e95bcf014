//! The record fields of a completion form, by the kind of record the action keeps: the MRPA
//! grid with its means and the protocol's suggestion, exams, cardiovascular risk, treatment
//! change, nutrition, cardiology.

use maud::{Markup, html};

use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::{ActionType, RecordKind};
use crate::clinical::mrpa::{self, Decision, Period};
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{Adjustment, MODALITIES};
use crate::web::components::{field_errors, input, textarea, yes_no};
use crate::web::form::Errors;
use crate::web::format;
use crate::web::session::FormData;

use super::parse::slot;

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

pub(super) fn record_fields(
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
