//! What the programme prints and exports, as data: the worklist as a table (CSV/XLSX, the
//! same rows in the same order as the page), prescriptions from the treatment plan, and the
//! MRPA sheet's patient block. Rendering is in `crate::print` and `crate::export`.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::{Grants, Permission, Scope};
use crate::care::treatment::{Unit, hhmm, parse_schedule};
use crate::clinical::age;
use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Practice;
use crate::clinical::sex::Sex;
use crate::export::{Cell, Table};
use crate::print::{Patient, PrescribedItem, Prescription};
use crate::store::hypertension_summary::{self as summary, Column};

use super::actions::ActionError;
use super::followup;

/// Most rows one export may hold (a municipality's whole list fits; more is refused).
pub const MAX_EXPORT_ROWS: usize = 100_000;
/// Most patients in one prescription file.
pub const MAX_PRESCRIPTIONS: usize = 200;

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: &Option<String>) -> Cell {
    s.as_ref().map_or(Cell::Empty, |v| Cell::Text(v.clone()))
}

fn date(d: Option<NaiveDate>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

/// The household address in one line.
pub fn address(r: &summary::Model) -> Option<String> {
    r.household_street.as_ref().map(|s| {
        let mut a = format!(
            "{s}, {}",
            r.household_number.clone().unwrap_or_else(|| "s/n".into())
        );
        if let Some(d) = &r.household_district {
            a.push_str(" - ");
            a.push_str(d);
        }
        a
    })
}

/// The worklist rows as an exported table.
pub fn worklist_table(
    grants: &Grants,
    rows: &[summary::Model],
    today: NaiveDate,
) -> Result<Table, &'static str> {
    grants.check(Permission::Export, true)?;
    let headers = [
        "Nome",
        "CNS",
        "Idade",
        "Sexo",
        "Equipe",
        "INE",
        "Microárea",
        "Endereço",
        "Última PA",
        "Data da última PA",
        "Situação da PA",
        "Última consulta",
        "Tratamento",
        "Próxima ação",
        "Prazo da próxima ação",
        "Boas práticas C5 em falta",
        "Pontos C5",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let status = ControlStatus::from_key(&r.control_status)
                .map_or(r.control_status.clone(), |s| s.label().to_string());
            let met = |p: Practice| r.c5_met(p);
            let missing: Vec<&str> = Practice::ALL
                .into_iter()
                .filter(|p| !met(*p))
                .map(|p| p.letter())
                .collect();
            vec![
                text(&r.no_cidadao),
                opt(&r.nu_cns),
                r.dt_nascimento
                    .map_or(Cell::Empty, |b| Cell::Int(i64::from(age::years(b, today)))),
                opt(&r.sexo),
                text(&r.no_equipe),
                text(&r.nu_ine),
                opt(&r.micro_area),
                address(r).map_or(Cell::Empty, Cell::Text),
                match (r.last_bp_systolic, r.last_bp_diastolic) {
                    (Some(s), Some(d)) => text(format!("{s}/{d}")),
                    _ => Cell::Empty,
                },
                date(r.last_bp_date),
                text(status),
                date(r.last_visit_date),
                r.treatment_text
                    .as_ref()
                    .map_or(Cell::Empty, |t| text(t.replace('\n', "; "))),
                r.next_action_type
                    .as_ref()
                    .map_or(Cell::Empty, |t| text(followup::action_label(t))),
                date(r.next_action_due),
                text(missing.join(", ")),
                Cell::Int(i64::from(r.c5_points)),
            ]
        })
        .collect();
    Ok(Table {
        title: "Hipertensos".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows,
    })
}

/// The patient block of a printed document.
pub fn patient(r: &summary::Model) -> Patient {
    Patient {
        name: r.no_cidadao.clone(),
        cns: r.nu_cns.clone(),
        birth: r.dt_nascimento,
        sex: r
            .sexo
            .as_deref()
            .and_then(Sex::from_key)
            .map(|s| s.label().to_string()),
        address: address(r),
    }
}

/// Prescriptions of the active medications of the given persons (in that order), with the
/// person of each, skipping persons outside the scope or without an active medication.
/// Refused unless the user may print a prescription (signed with their own name).
pub async fn prescriptions(
    db: &DatabaseConnection,
    scope: &Scope,
    grants: &Grants,
    persons: &[i64],
    professional: &str,
    today: NaiveDate,
) -> Result<Vec<(i64, Prescription)>, ActionError> {
    grants
        .check(Permission::PrintPrescription, true)
        .map_err(ActionError::Forbidden)?;
    let rows = summary::Entity::find()
        .filter(scope.condition(Column::NuCnes, Column::NuIne, Column::MicroArea))
        .filter(Column::CoSeqCidadao.is_in(persons.to_vec()))
        .all(db)
        .await?;
    // One plan: every programme's active medications, an insulin with its applications.
    let meds = crate::care::treatment::active_of(db, persons).await?;
    let mut out = Vec::new();
    for id in persons {
        let Some(r) = rows.iter().find(|r| r.co_seq_cidadao == *id) else {
            continue;
        };
        let items: Vec<PrescribedItem> = meds
            .iter()
            .filter(|m| m.co_cidadao == *id)
            .map(|m| PrescribedItem {
                medication: m.name.clone(),
                dose: m.dose,
                frequency: m.frequency,
                notes: m.notes.clone(),
                insulin: (Unit::from_key(&m.unit) == Unit::Insulin).then(|| {
                    parse_schedule(m.schedule.as_deref().unwrap_or_default())
                        .iter()
                        .map(|a| (hhmm(a.time), a.units))
                        .collect()
                }),
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        out.push((
            *id,
            Prescription {
                patient: patient(r),
                items,
                date: today,
                professional: professional.to_string(),
            },
        ));
    }
    Ok(out)
}
