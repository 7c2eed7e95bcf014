//! The read-only sections of the hypertension person page: identification, status, active
//! problems, blood-pressure chart and table, anthropometry, cardiovascular risk, exams, the C5
//! good practices and the PEC records.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::clinical::blood_pressure::{CONTROL_DIASTOLIC, CONTROL_SYSTOLIC, ControlStatus};
use crate::clinical::c5::Due;
use crate::clinical::cv_risk::RiskBand;
use crate::clinical::exams;
use crate::clinical::kidney;
use crate::clinical::sex::Sex;
use crate::programs::hypertension::patient::{BpPoint, PatientView};
use crate::web::form::{format_number, short_date};
use crate::web::format;

pub(super) fn identification(v: &PatientView) -> Markup {
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

pub(super) fn status_section(v: &PatientView, today: NaiveDate) -> Markup {
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

pub(super) fn problems_section(v: &PatientView) -> Markup {
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

pub(super) fn bp_section(v: &PatientView) -> Markup {
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

pub(super) fn anthropometry_section(v: &PatientView) -> Markup {
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

pub(super) fn band_badge(band: RiskBand) -> Markup {
    html! {
        span class=(format!("badge risk risk-{}", band.colour())) { (band.level()) " (" (band.label()) ")" }
    }
}

pub(super) fn cv_risk_section(v: &PatientView) -> Markup {
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

pub(super) fn exams_section(v: &PatientView) -> Markup {
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

pub(super) fn c5_section(v: &PatientView) -> Markup {
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

pub(super) fn pec_section(v: &PatientView) -> Markup {
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
