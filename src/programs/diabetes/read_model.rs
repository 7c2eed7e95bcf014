//! Rebuilds `diabetes_summary` from the PEC: the people of the C4 population (a current
//! problem coded CIAP T89/T90 or CID-10 E10/E11/E14, matched by natural code) among the
//! population every programme starts from (`care::person`), with their latest HbA1c, glycaemic
//! control (`clinical::diabetes`) and the C4 practices on the indicator engine
//! (`clinical::c4`, `clinical::indicator`).
//!
//! PEC sources: consultations, measurements and ACS visits as for every programme
//! (`care::evidence`); HbA1c from `tb_exame_requisitado` by procedure code (SIGTAP
//! 02.02.01.050-3 or ABEX008), its value from `tb_exame_hemoglobina_glicada` or, failing that,
//! the free-text result. The foot examination (SIGTAP 03.01.04.009-5) is read from the same
//! exam requests: where a PEC records it only as a procedure of the act, C4-F under-counts
//! (uncertain PEC fact; `pec check` says so).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, TransactionSession,
    TransactionTrait,
};

use crate::care::evidence::{self, Evidence, Exam};
use crate::clinical::c4::{C4, FOOT_EXAM, HBA1C_EXAM};
use crate::clinical::diabetes::{
    self, Hba1c, OlderAdultHealth, POPULATION, hba1c_target, parse_hba1c, plausible_hba1c,
};
use crate::clinical::{age, indicator};
use crate::esus::catalogue::Catalogue;
use crate::programs::RefreshReport;
use crate::store::diabetes_summary as summary;

/// HbA1c results of an exam list: the typed value when plausible, else the free text.
pub fn hba1c_results(exams: &[Exam]) -> Vec<Hba1c> {
    exams
        .iter()
        .filter_map(|e| {
            let value = e
                .value
                .and_then(plausible_hba1c)
                .or_else(|| e.text.as_deref().and_then(parse_hba1c))?;
            Some(Hba1c {
                on: e.done.unwrap_or(e.requested),
                value,
            })
        })
        .collect()
}

/// `2026-01-05=7.4;2026-06-30=6.9`
fn history_text(results: &[Hba1c]) -> Option<String> {
    let mut sorted = results.to_vec();
    sorted.sort_by(|a, b| a.on.cmp(&b.on).then(a.value.total_cmp(&b.value)));
    (!sorted.is_empty()).then(|| {
        sorted
            .iter()
            .map(|r| format!("{}={:.1}", r.on.format("%Y-%m-%d"), r.value))
            .collect::<Vec<_>>()
            .join(";")
    })
}

/// Parses [`history_text`] back (the person page's chart).
pub fn parse_history(text: &str) -> Vec<Hba1c> {
    text.split(';')
        .filter_map(|item| {
            let (day, value) = item.split_once('=')?;
            Some(Hba1c {
                on: NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
                value: value.parse().ok()?,
            })
        })
        .collect()
}

/// Rebuilds the summary for `today` with this PEC's catalogue ids.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    today: NaiveDate,
    catalogue: &Catalogue,
) -> Result<RefreshReport, DbErr> {
    let started = Instant::now();
    let (cte, values) = crate::care::population::coded_cte(catalogue, &POPULATION);
    let people = evidence::population(db, &cte, &values).await?;
    let Evidence {
        last_visit,
        last_bp,
        mut anthropometry_days,
        mut acs_visits,
        skipped,
    } = evidence::gather(db, &cte, &values, catalogue, today, &people).await?;
    let mut hba1c = evidence::exams(
        db,
        &cte,
        &values,
        HBA1C_EXAM.codes,
        Some(("tb_exame_hemoglobina_glicada", "vl_hemoglobina_glicada")),
        today,
    )
    .await?;
    let mut foot = evidence::exams(db, &cte, &values, FOOT_EXAM.codes, None, today).await?;

    let mut models = Vec::with_capacity(people.len());
    let mut months = crate::care::indicator::TeamMonths::new(today);
    for (id, p) in people {
        let Some(ine) = p.nu_ine.clone() else {
            continue;
        };
        let exams = hba1c.remove(&id).unwrap_or_default();
        let results = hba1c_results(&exams);
        let latest = diabetes::latest(&results, today);
        let target = hba1c_target(
            p.dt_nascimento.map_or(0, |b| age::years(b, today)),
            OlderAdultHealth::Unknown,
        );
        let control = diabetes::classify(latest, target, today);
        let bp_day = last_bp.get(&id).map(|(at, _)| at.date());
        let ev = indicator::Evidence {
            consultations: last_visit.get(&id).copied().into_iter().collect(),
            blood_pressure: bp_day.into_iter().collect(),
            anthropometry: anthropometry_days.remove(&id).unwrap_or_default(),
            acs_visits: acs_visits.remove(&id).unwrap_or_default(),
            // Requested or evaluated: both days count.
            hba1c: exams
                .iter()
                .flat_map(|e| std::iter::once(e.requested).chain(e.done))
                .collect(),
            foot_exams: foot
                .remove(&id)
                .unwrap_or_default()
                .iter()
                .map(|e| e.done.unwrap_or(e.requested))
                .collect(),
        };
        let result = indicator::assess(&C4, &ev, today);
        months.add(&C4, &ine, &ev);
        let met = |letter: &str| result.met(letter).unwrap_or(false);
        let missing: Vec<(&str, NaiveDate)> =
            result.missing().map(|(p, by)| (p.letter, by)).collect();
        let due_text = (!missing.is_empty()).then(|| {
            missing
                .iter()
                .map(|(l, by)| format!("{l}={}", by.format("%Y-%m-%d")))
                .collect::<Vec<_>>()
                .join(",")
        });
        models.push(summary::ActiveModel {
            co_seq_cidadao: Set(id),
            no_cidadao: Set(p.no_cidadao),
            search_text: Set(p.search_text),
            nu_cns: Set(p.nu_cns),
            nu_cpf: Set(p.nu_cpf),
            dt_nascimento: Set(p.dt_nascimento),
            sexo: Set(p.sexo),
            no_equipe: Set(p.no_equipe.unwrap_or_else(|| ine.clone())),
            nu_ine: Set(ine),
            nu_cnes: Set(p.nu_cnes),
            micro_area: Set(p.micro_area),
            last_hba1c: Set(latest.map(|r| r.value)),
            last_hba1c_date: Set(latest.map(|r| r.on)),
            hba1c_target: Set(target.label()),
            control_status: Set(control.key().to_string()),
            last_visit_date: Set(last_visit.get(&id).copied()),
            last_bp_date: Set(bp_day),
            c4_a: Set(met("A")),
            c4_b: Set(met("B")),
            c4_c: Set(met("C")),
            c4_d: Set(met("D")),
            c4_e: Set(met("E")),
            c4_f: Set(met("F")),
            c4_points: Set(i32::try_from(result.points()).unwrap_or(i32::MAX)),
            c4_due: Set(due_text),
            next_due: Set(missing.iter().map(|(_, by)| *by).min()),
            hba1c_history: Set(history_text(&results)),
            household_street: Set(p.household_street),
            household_number: Set(p.household_number),
            household_district: Set(p.household_district),
            as_of: Set(today),
            // The follow-up columns are filled from `care_action` below.
            ..Default::default()
        });
    }
    let rows = models.len();
    let txn = db.begin().await?;
    summary::Entity::delete_many().exec(&txn).await?;
    let mut it = models.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(300).collect();
        summary::Entity::insert_many(chunk).exec(&txn).await?;
    }
    crate::care::indicator::store(&txn, C4.code, months).await?;
    super::followup::refresh_columns(&txn, None).await?;
    let duration_ms = started.elapsed().as_millis();
    crate::care::status::record(&txn, super::READ_MODEL, today, duration_ms, rows).await?;
    txn.commit().await?;
    Ok(RefreshReport {
        rows,
        duration_ms,
        skipped,
    })
}

/// Whether the person is on the diabetes list.
pub async fn listed(db: &DatabaseConnection, person: i64) -> Result<bool, DbErr> {
    Ok(summary::Entity::find_by_id(person).one(db).await?.is_some())
}

/// The person's row, without scope (the caller checked the scope on the person).
pub async fn row(db: &DatabaseConnection, person: i64) -> Result<Option<summary::Model>, DbErr> {
    summary::Entity::find_by_id(person).one(db).await
}

/// Missing practices and their due days from [`summary::Model::c4_due`].
pub fn due_list(text: Option<&str>) -> BTreeMap<String, NaiveDate> {
    text.unwrap_or("")
        .split(',')
        .filter_map(|item| {
            let (letter, day) = item.split_once('=')?;
            Some((
                letter.to_string(),
                NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn typed_values_win_and_text_is_the_fallback() {
        let exams = vec![
            Exam {
                requested: d(2026, 1, 2),
                done: Some(d(2026, 1, 9)),
                value: Some(7.4),
                text: Some("8,0".into()),
            },
            Exam {
                requested: d(2026, 5, 2),
                done: None,
                value: None,
                text: Some("6,9 %".into()),
            },
            Exam {
                requested: d(2026, 6, 2),
                done: None,
                value: Some(45.0), // mmol/mol typed in the % column: not plausible
                text: Some("resultado em anexo".into()),
            },
        ];
        let r = hba1c_results(&exams);
        assert_eq!(
            r,
            vec![
                Hba1c {
                    on: d(2026, 1, 9),
                    value: 7.4
                },
                Hba1c {
                    on: d(2026, 5, 2),
                    value: 6.9
                }
            ]
        );
    }

    #[test]
    fn history_round_trips() {
        let r = vec![
            Hba1c {
                on: d(2026, 5, 2),
                value: 6.9,
            },
            Hba1c {
                on: d(2026, 1, 9),
                value: 7.4,
            },
        ];
        let text = history_text(&r).unwrap_or_default();
        assert_eq!(text, "2026-01-09=7.4;2026-05-02=6.9");
        assert_eq!(parse_history(&text).len(), 2);
        assert_eq!(parse_history(&text)[1].value, 6.9);
        assert_eq!(history_text(&[]), None);
    }

    #[test]
    fn due_list_parses_what_the_refresh_writes() {
        let due = due_list(Some("A=2026-12-31,F=2026-12-31"));
        assert_eq!(due.len(), 2);
        assert_eq!(due.get("F"), Some(&d(2026, 12, 31)));
        assert!(due_list(None).is_empty());
    }
}
