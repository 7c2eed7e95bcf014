//! The follow-up columns of the read model: next pending action, pending count, treatment
//! (the antihypertensives of the one plan: what hypertension added),
//! the latest home (MRPA) evaluation and cardiovascular-risk band — derived from the app's own
//! tables, for everyone by the periodic refresh and for one person right after each write, so
//! the list, its counters and its export show an action at once.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use crate::clinical::blood_pressure::{Reading, combined_status};
use crate::clinical::hiperdia::ActionType;
use crate::db::sql::statement;

/// The follow-up state of one person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub next_action: Option<(String, NaiveDate)>,
    pub pending_actions: i32,
    pub treatment: Vec<String>,
    /// Latest MRPA evaluation: (evaluation day, controlled).
    pub home: Option<(NaiveDate, bool)>,
    pub cv_risk_band: Option<String>,
}

impl State {
    pub fn in_treatment(&self) -> bool {
        !self.treatment.is_empty()
    }

    pub fn treatment_text(&self) -> Option<String> {
        (!self.treatment.is_empty()).then(|| self.treatment.join("\n"))
    }
}

/// One line of the treatment column: "Losartana 50 mg — 1 cp 2x/dia".
pub fn medication_line(name: &str, dose: i32, frequency: i32) -> String {
    crate::care::treatment::tablet_line(name, dose, frequency)
}

/// Runs `sql`, replacing `/*person*/` with a filter on `column` when one person is asked for.
async fn rows(
    db: &impl ConnectionTrait,
    sql: &str,
    column: &str,
    person: Option<i64>,
) -> Result<Vec<QueryResult>, DbErr> {
    let (sql, values): (String, Vec<Value>) = match person {
        Some(id) => (
            sql.replace("/*person*/", &format!("AND {column} = ?")),
            vec![id.into()],
        ),
        None => (sql.replace("/*person*/", ""), vec![]),
    };
    db.query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await
}

/// Follow-up state of one person (`Some(id)`) or of everyone (`None`).
pub async fn load(
    db: &impl ConnectionTrait,
    person: Option<i64>,
) -> Result<HashMap<i64, State>, DbErr> {
    let mut out: HashMap<i64, State> = HashMap::new();
    for r in rows(
        db,
        "SELECT co_cidadao, action_type, due_date FROM care_action
         WHERE program = 'hypertension' AND status = 'pending' /*person*/ ORDER BY co_cidadao, due_date, id",
        "co_cidadao",
        person,
    )
    .await?
    {
        let s = out.entry(r.try_get("", "co_cidadao")?).or_default();
        s.pending_actions += 1;
        if s.next_action.is_none() {
            s.next_action = Some((r.try_get("", "action_type")?, r.try_get("", "due_date")?));
        }
    }
    for r in rows(
        db,
        "SELECT co_cidadao, name, dose, frequency FROM care_medication
         WHERE program = 'hypertension' AND status = 'active' /*person*/
         ORDER BY co_cidadao, name, id",
        "co_cidadao",
        person,
    )
    .await?
    {
        let name: String = r.try_get("", "name")?;
        let line = medication_line(&name, r.try_get("", "dose")?, r.try_get("", "frequency")?);
        out.entry(r.try_get("", "co_cidadao")?)
            .or_default()
            .treatment
            .push(line);
    }
    // Latest evaluation wins: by the day it was done, then by id.
    for r in rows(
        db,
        "SELECT m.co_cidadao, a.done_date, m.control FROM hypertension_mrpa m
         JOIN care_action a ON a.id = m.action_id
         WHERE a.status = 'done' /*person*/ ORDER BY m.co_cidadao, a.done_date, m.id",
        "m.co_cidadao",
        person,
    )
    .await?
    {
        let day: Option<NaiveDate> = r.try_get("", "done_date")?;
        let control: String = r.try_get("", "control")?;
        if let Some(day) = day {
            out.entry(r.try_get("", "co_cidadao")?).or_default().home =
                Some((day, control == "controlled"));
        }
    }
    for r in rows(
        db,
        "SELECT r.co_cidadao, r.band FROM hypertension_cv_risk r
         JOIN care_action a ON a.id = r.action_id
         WHERE a.status = 'done' /*person*/ ORDER BY r.co_cidadao, a.done_date, r.id",
        "r.co_cidadao",
        person,
    )
    .await?
    {
        out.entry(r.try_get("", "co_cidadao")?)
            .or_default()
            .cv_risk_band = Some(r.try_get("", "band")?);
    }
    Ok(out)
}

/// Recomputes the follow-up columns of one person's read-model row (and the control status,
/// which the latest home evaluation may decide). A person outside the read model is left alone.
pub async fn refresh_person(
    db: &impl ConnectionTrait,
    person: i64,
    today: NaiveDate,
) -> Result<(), DbErr> {
    let state = load(db, Some(person))
        .await?
        .remove(&person)
        .unwrap_or_default();
    let backend = db.get_database_backend();
    let Some(row) = db
        .query_one_raw(statement(
            backend,
            "SELECT last_bp_systolic, last_bp_diastolic, last_bp_date FROM hypertension_summary
             WHERE co_seq_cidadao = ?",
            vec![person.into()],
        ))
        .await?
    else {
        return Ok(());
    };
    let office = office_reading(
        row.try_get("", "last_bp_date")?,
        row.try_get("", "last_bp_systolic")?,
        row.try_get("", "last_bp_diastolic")?,
    );
    let status = combined_status(office, state.home, today);
    let (next_type, next_due) = state
        .next_action
        .clone()
        .map_or((None, None), |(t, d)| (Some(t), Some(d)));
    db.execute_raw(statement(
        backend,
        "UPDATE hypertension_summary SET next_action_type = ?, next_action_due = ?,
            pending_actions = ?, in_treatment = ?, treatment_text = ?, home_control = ?,
            home_date = ?, cv_risk_band = ?, control_status = ?
         WHERE co_seq_cidadao = ?",
        vec![
            next_type.into(),
            next_due.into(),
            state.pending_actions.into(),
            state.in_treatment().into(),
            state.treatment_text().into(),
            state
                .home
                .map(|(_, c)| if c { "controlled" } else { "uncontrolled" }.to_string())
                .into(),
            state.home.map(|(d, _)| d).into(),
            state.cv_risk_band.clone().into(),
            status.key().into(),
            person.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The office reading stored in the read model, when complete.
pub fn office_reading(
    date: Option<NaiveDate>,
    systolic: Option<i32>,
    diastolic: Option<i32>,
) -> Option<(NaiveDate, Reading)> {
    match (date, systolic, diastolic) {
        (Some(d), Some(s), Some(di)) => Some((
            d,
            Reading {
                systolic: s,
                diastolic: di,
            },
        )),
        _ => None,
    }
}

/// The label of a stored action key (the key itself if unknown).
pub fn action_label(key: &str) -> &str {
    ActionType::from_key(key).map_or(key, |a| a.label())
}
