//! The diabetes programme's pages: the worklist (`/diabeticos`, `list.rs`), its files and
//! printed list (`exports.rs`), and the panel on the person page with the HbA1c history.

mod exports;
mod list;

use maud::{Markup, html};

use crate::clinical::c4;
use crate::clinical::diabetes::{Control, Hba1c, format_hba1c};
use crate::programs::diabetes::read_model::{due_list, parse_history};
use crate::state::AppState;

use crate::web::error::WebError;
use crate::web::format;

pub const LIST: &str =
    <crate::programs::diabetes::worklist::List as crate::care::worklist::ListDef>::PATH;
pub const CSV: &str = "/diabeticos/exportar.csv";
pub const XLSX: &str = "/diabeticos/exportar.xlsx";
pub const PRINT: &str = "/diabeticos/imprimir";

/// The programme's web side (`web::programs::ALL`).
pub static WEB: super::WebProgram = super::WebProgram {
    key: crate::programs::diabetes::READ_MODEL,
    routes: |route| {
        use crate::web::methods::get;
        route
            .at(LIST, get(list::list))
            .at(CSV, get(exports::export_csv))
            .at(XLSX, get(exports::export_xlsx))
            .at(PRINT, get(exports::print))
    },
    panel: Some(|state, person| Box::pin(panel(state, person))),
};

fn control_badge(key: &str) -> Markup {
    let control = Control::from_key(key);
    let class = match control {
        Some(Control::Controlled) => "badge badge-ok",
        Some(Control::Uncontrolled) => "badge badge-bad",
        Some(Control::NoRecentHba1c) => "badge badge-warn",
        _ => "badge badge-muted",
    };
    html! { span class=(class) { (control.map_or("—", |c| c.label())) } }
}

/// The diabetes panel of the person page (`None`: not on the list).
pub async fn panel(state: &AppState, person: i64) -> Result<Option<Markup>, WebError> {
    let Some(r) = crate::programs::diabetes::read_model::row(&state.db, person).await? else {
        return Ok(None);
    };
    let history = r
        .hba1c_history
        .as_deref()
        .map(parse_history)
        .unwrap_or_default();
    let due = due_list(r.c4_due.as_deref());
    Ok(Some(html! {
        section class="card diabetes-panel" aria-labelledby="diabetes-titulo" {
            h2 id="diabetes-titulo" { "Diabetes" }
            dl class="facts" {
                dt { "Controle" } dd { (control_badge(&r.control_status)) }
                dt { "Meta de HbA1c" } dd { (r.hba1c_target) }
                dt { "Última HbA1c" } dd {
                    @match (r.last_hba1c, r.last_hba1c_date) {
                        (Some(v), Some(d)) => { (format_hba1c(v)) " % em " (format::date(d)) }
                        _ => { "Sem registro" }
                    }
                }
                dt { "Pontos C4" } dd { (r.c4_points) " de 100" }
            }
            @if !history.is_empty() { (chart(&history)) }
            h3 { "Boas práticas C4" }
            ul class="practice-list" {
                @for p in c4::C4.practices {
                    li {
                        @match due.get(p.letter) {
                            Some(by) => { span class="badge badge-warn" { (p.letter) } " " (p.description) " — fazer até " (format::date(*by)) }
                            None => { span class="badge badge-ok" { (p.letter) } " " (p.description) " — feito" }
                        }
                    }
                }
            }
        }
    }))
}

/// HbA1c over time: an SVG line (no script), with the values in a table for screen readers
/// and print.
fn chart(history: &[Hba1c]) -> Markup {
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    let (lo, hi) = (4.0_f64, 14.0_f64);
    let n = history.len();
    let x = |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            20.0 + (W - 40.0) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| H - 10.0 - (H - 20.0) * ((v.clamp(lo, hi) - lo) / (hi - lo));
    let points: Vec<String> = history
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{:.1},{:.1}", x(i), y(r.value)))
        .collect();
    html! {
        figure class="hba1c-chart" {
            svg viewBox=(format!("0 0 {W} {H}")) role="img" aria-label="Evolução da hemoglobina glicada" width="320" height="120" {
                line x1="0" x2=(W) y1=(format!("{:.1}", y(7.0))) y2=(format!("{:.1}", y(7.0))) stroke="#888" stroke-dasharray="4 3" {}
                polyline points=(points.join(" ")) fill="none" stroke="currentColor" stroke-width="2" {}
                @for (i, r) in history.iter().enumerate() {
                    circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(r.value))) r="3" fill="currentColor" {}
                }
            }
            figcaption { "Hemoglobina glicada (%) — linha tracejada em 7 %" }
            table class="compact" {
                thead { tr { th scope="col" { "Data" } th scope="col" { "HbA1c (%)" } } }
                tbody { @for r in history.iter().rev() { tr { td { (format::date(r.on)) } td { (format_hba1c(r.value)) } } } }
            }
        }
    }
}
