//! Rebuilds `hypertension_summary` from the PEC tables.
//!
//! Population: citizens alive and active (`st_ativo = 1`, `st_faleceu = 0`) whose latest
//! team link points to an active team, whose current individual registration (if any) is not
//! inactive, and who hold a current (active or latent) problem coded with the C5 hypertension
//! list, matched by natural code. Team and micro-area come from the latest team link and the
//! current registration (`co_unico_ultima_ficha`), never from name matching. Measurements are
//! reached through every professional act of an encounter (`tb_atend_prof.co_atend`), not only
//! the one `tb_atend.co_atend_prof` points to.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, TransactionSession,
    TransactionTrait, Value,
};

use crate::care::evidence::{self, Evidence};
use crate::clinical::blood_pressure::{combined_status, control_status};
use crate::clinical::c5;
use crate::clinical::codes::HYPERTENSION_C5;
use crate::esus::catalogue::Catalogue;
use crate::store::{hypertension_summary as summary, hypertension_team as team, read_model_status};

use super::followup;

pub use crate::programs::RefreshReport;

/// The CTE that selects the citizens with a current hypertension problem, and its values.
fn hypertensive_cte(catalogue: &Catalogue) -> (String, Vec<Value>) {
    crate::care::population::coded_cte(catalogue, &HYPERTENSION_C5)
}

/// Rebuilds the summary for `today` (a date in the configured zone), with this PEC's
/// catalogue ids.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    today: NaiveDate,
    catalogue: &Catalogue,
) -> Result<RefreshReport, DbErr> {
    let started = Instant::now();
    let (cte, cte_values) = hypertensive_cte(catalogue);

    // 1. The population, then what the PEC recorded for it (`care::evidence`).
    let people = evidence::population(db, &cte, &cte_values).await?;
    let Evidence {
        last_visit,
        last_bp,
        mut anthropometry_days,
        mut acs_visits,
        skipped,
    } = evidence::gather(db, &cte, &cte_values, catalogue, today, &people).await?;

    // 7. Assemble and replace the summary in one transaction.
    let mut months = crate::care::indicator::TeamMonths::new(today);
    let month_ends = months.month_ends().to_vec();
    let mut models = Vec::with_capacity(people.len());
    for (id, p) in people {
        let Some(ine) = p.nu_ine.clone() else {
            continue;
        };
        let bp = last_bp.get(&id).map(|(at, r)| (at.date(), *r));
        let evidence = c5::Evidence {
            last_consultation: last_visit.get(&id).copied(),
            last_bp: bp.map(|(d, _)| d),
            anthropometry_days: anthropometry_days.remove(&id).unwrap_or_default(),
            acs_visits: acs_visits.remove(&id).unwrap_or_default(),
        };
        let mut visit_days = evidence.acs_visits.clone();
        visit_days.sort_unstable();
        visit_days.dedup();
        let acs_visit_dates = (!visit_days.is_empty()).then(|| {
            visit_days
                .iter()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .collect::<Vec<_>>()
                .join(",")
        });
        let assessment = c5::assess(&evidence, today);
        for end in &month_ends {
            months.add_points(&ine, *end, u32::from(c5::assess(&evidence, *end).points()));
        }
        models.push(summary::ActiveModel {
            co_seq_cidadao: Set(id),
            no_cidadao: Set(p.no_cidadao),
            search_text: Set(p.search_text),
            nu_cns: Set(p.nu_cns),
            nu_cpf: Set(p.nu_cpf),
            dt_nascimento: Set(p.dt_nascimento),
            sexo: Set(p.sexo),
            nu_ine: Set(ine.clone()),
            nu_cnes: Set(p.nu_cnes),
            no_equipe: Set(p.no_equipe.unwrap_or(ine)),
            micro_area: Set(p.micro_area),
            last_bp_systolic: Set(bp.map(|(_, r)| r.systolic)),
            last_bp_diastolic: Set(bp.map(|(_, r)| r.diastolic)),
            last_bp_date: Set(bp.map(|(d, _)| d)),
            last_visit_date: Set(evidence.last_consultation),
            control_status: Set(control_status(bp, today).key().to_string()),
            c5_visit: Set(assessment.visit),
            c5_bp: Set(assessment.blood_pressure),
            c5_anthropometry: Set(assessment.anthropometry),
            c5_acs_visits: Set(assessment.acs_visits),
            c5_points: Set(i32::from(assessment.points())),
            as_of: Set(today),
            next_action_type: Set(None),
            next_action_due: Set(None),
            pending_actions: Set(0),
            in_treatment: Set(false),
            treatment_text: Set(None),
            home_control: Set(None),
            home_date: Set(None),
            cv_risk_band: Set(None),
            household_street: Set(p.household_street),
            household_number: Set(p.household_number),
            household_district: Set(p.household_district),
            acs_visit_dates: Set(acs_visit_dates),
        });
    }
    let rows = models.len();
    let mut teams: BTreeMap<String, (String, Option<String>, i64)> = BTreeMap::new();
    for m in &models {
        if let (Set(ine), Set(name), Set(cnes)) = (&m.nu_ine, &m.no_equipe, &m.nu_cnes) {
            let e = teams
                .entry(ine.clone())
                .or_insert_with(|| (name.clone(), None, 0));
            e.2 += 1;
            if e.1.is_none() {
                e.1.clone_from(cnes);
            }
        }
    }

    let txn = db.begin().await?;
    // The follow-up columns come from the app's own tables, read inside the transaction so a
    // write that committed before it is not lost.
    let states = followup::load(&txn, None).await?;
    for m in &mut models {
        let Set(id) = m.co_seq_cidadao else { continue };
        let Some(state) = states.get(&id) else {
            continue;
        };
        let office = match (&m.last_bp_date, &m.last_bp_systolic, &m.last_bp_diastolic) {
            (Set(d), Set(s), Set(di)) => followup::office_reading(*d, *s, *di),
            _ => None,
        };
        m.control_status = Set(combined_status(office, state.home, today).key().to_string());
        m.next_action_type = Set(state.next_action.as_ref().map(|(t, _)| t.clone()));
        m.next_action_due = Set(state.next_action.as_ref().map(|(_, d)| *d));
        m.pending_actions = Set(state.pending_actions);
        m.in_treatment = Set(state.in_treatment());
        m.treatment_text = Set(state.treatment_text());
        m.home_control = Set(state
            .home
            .map(|(_, c)| if c { "controlled" } else { "uncontrolled" }.to_string()));
        m.home_date = Set(state.home.map(|(d, _)| d));
        m.cv_risk_band = Set(state.cv_risk_band.clone());
    }
    summary::Entity::delete_many().exec(&txn).await?;
    crate::care::indicator::store(&txn, c5::C5.code, months).await?;
    team::Entity::delete_many().exec(&txn).await?;
    let team_rows: Vec<team::ActiveModel> = teams
        .into_iter()
        .map(|(ine, (name, cnes, people))| team::ActiveModel {
            nu_ine: Set(ine),
            no_equipe: Set(name),
            people: Set(people),
            nu_cnes: Set(cnes),
        })
        .collect();
    if !team_rows.is_empty() {
        team::Entity::insert_many(team_rows).exec(&txn).await?;
    }
    let mut iter = models.into_iter().peekable();
    while iter.peek().is_some() {
        let chunk: Vec<_> = iter.by_ref().take(500).collect();
        summary::Entity::insert_many(chunk).exec(&txn).await?;
    }
    let duration_ms = started.elapsed().as_millis();
    crate::care::status::record(&txn, super::READ_MODEL, today, duration_ms, rows).await?;
    txn.commit().await?;
    Ok(RefreshReport {
        rows,
        duration_ms,
        skipped,
    })
}

/// The last refresh of this read model, if any.
pub async fn status(db: &DatabaseConnection) -> Result<Option<read_model_status::Model>, DbErr> {
    crate::care::status::get(db, super::READ_MODEL).await
}

/// Whether the person is on the hypertension list.
pub async fn listed(db: &DatabaseConnection, person: i64) -> Result<bool, DbErr> {
    Ok(summary::Entity::find_by_id(person).one(db).await?.is_some())
}
