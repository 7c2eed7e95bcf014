//! The diabetes follow-up on the shared lifecycle (`care::followup`, `program = 'diabetes'`):
//! the catalogue of `clinical::diabetes_followup`, its evaluation record
//! (`diabetes_evaluation`), and the read model's follow-up columns kept current after each
//! write.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, Value,
};

use crate::auth::{Permission, Scope};
use crate::care::followup::{
    self as care, Actor, BoxFuture, Changed, Completed, CompletionRequest, Entry, FieldError,
    FollowupError, Kind, Program, check_done_on, check_text,
};
use crate::clinical::diabetes_followup::{
    Control, DmAction, GLUCOSE_RANGE, HBA1C_RANGE, next_actions,
};
use crate::db::sql::statement;
use crate::store::{care_action, diabetes_evaluation as evaluation, diabetes_summary as summary};

/// The programme's key in `care_action.program`.
pub const PROGRAM_KEY: &str = "diabetes";

const fn completion(a: DmAction) -> Permission {
    match a {
        DmAction::Schedule | DmAction::AwaitExams => Permission::Complete,
        DmAction::ModifyTreatment => Permission::ChangeTreatment,
        _ => Permission::RecordClinical,
    }
}

const fn kind(a: DmAction) -> Kind {
    Kind {
        key: a.key(),
        label: a.label(),
        clinical: a.clinical(),
        completion: completion(a),
        steps: a.steps(),
    }
}

/// The diabetes catalogue as the shared follow-up sees it.
pub static KINDS: [Kind; 7] = [
    kind(DmAction::Schedule),
    kind(DmAction::AwaitExams),
    kind(DmAction::Evaluate),
    kind(DmAction::ModifyTreatment),
    kind(DmAction::ReferEndocrinology),
    kind(DmAction::ReferNutrition),
    kind(DmAction::Finish),
];

/// The person's row of the diabetes read model, when the user's scope reaches it (`None`: not
/// on the list, or out of scope — answered the same way).
pub async fn find_in_scope(
    db: &DatabaseConnection,
    scope: &Scope,
    person: i64,
) -> Result<Option<summary::Model>, DbErr> {
    summary::Entity::find_by_id(person)
        .filter(scope.condition(
            summary::Column::NuCnes,
            summary::Column::NuIne,
            summary::Column::MicroArea,
        ))
        .one(db)
        .await
}

fn in_scope<'a>(
    db: &'a DatabaseConnection,
    scope: &'a Scope,
    person: i64,
) -> BoxFuture<'a, Result<bool, DbErr>> {
    Box::pin(async move { Ok(find_in_scope(db, scope, person).await?.is_some()) })
}

fn refresh_person(
    txn: &DatabaseTransaction,
    person: i64,
    _today: NaiveDate,
) -> BoxFuture<'_, Result<(), DbErr>> {
    Box::pin(refresh_columns(txn, Some(person)))
}

/// Diabetes' follow-up on the shared lifecycle.
pub static FOLLOWUP: Program = Program {
    key: PROGRAM_KEY,
    kinds: &KINDS,
    in_scope,
    refresh_person,
};

/// Recomputes the follow-up columns of the read model for one person or everyone: the next
/// pending action, how many are pending, and the **latest** evaluation (not any one).
pub async fn refresh_columns(db: &impl ConnectionTrait, person: Option<i64>) -> Result<(), DbErr> {
    let pending = "FROM care_action a WHERE a.program = 'diabetes' \
         AND a.co_cidadao = diabetes_summary.co_seq_cidadao AND a.status = 'pending'";
    let evaluated = "FROM care_action a JOIN diabetes_evaluation e ON e.action_id = a.id \
         WHERE a.program = 'diabetes' AND a.co_cidadao = diabetes_summary.co_seq_cidadao \
         AND a.status = 'done' ORDER BY a.done_date DESC, a.id DESC LIMIT 1";
    let mut sql = format!(
        "UPDATE diabetes_summary SET \
         pending_actions = (SELECT COUNT(*) {pending}), \
         next_action_type = (SELECT a.action_type {pending} ORDER BY a.due_date, a.id LIMIT 1), \
         next_action_due = (SELECT a.due_date {pending} ORDER BY a.due_date, a.id LIMIT 1), \
         last_evaluation_date = (SELECT a.done_date {evaluated}), \
         last_evaluation_control = (SELECT e.control {evaluated})"
    );
    let mut values: Vec<Value> = Vec::new();
    if let Some(id) = person {
        sql.push_str(" WHERE co_seq_cidadao = ?");
        values.push(id.into());
    }
    db.execute_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    Ok(())
}

/// What an evaluation records: the exams it looked at, the control status the professional
/// chose, the change proposed.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub hba1c: Option<f64>,
    pub fasting_glucose: Option<f64>,
    pub mean_glucose: Option<f64>,
    pub exam_date: Option<NaiveDate>,
    pub control: Option<Control>,
    pub proposed_change: Option<String>,
}

/// A completion of a diabetes action.
#[derive(Debug, Clone)]
pub struct Completion {
    pub action: DmAction,
    pub action_id: Option<i64>,
    pub done_on: NaiveDate,
    pub notes: Option<String>,
    /// Checklist positions ticked with the completion.
    pub steps_done: Vec<i32>,
    /// Required for an evaluation, refused for anything else.
    pub evaluation: Option<Evaluation>,
}

/// Validates a completion against `today`; nothing is written.
pub fn validate(c: &Completion, today: NaiveDate) -> Result<(), FollowupError> {
    let mut errors = Vec::new();
    check_done_on(&mut errors, c.done_on, today);
    check_text(&mut errors, "observacoes", &c.notes);
    match (&c.evaluation, c.action == DmAction::Evaluate) {
        (Some(e), true) => check_evaluation(&mut errors, e, c.done_on),
        (None, true) => errors.push(FieldError::new(
            "controle",
            "Informe os exames e o status do controle da avaliação.",
        )),
        (Some(_), false) => errors.push(FieldError::new(
            "acao",
            "Os dados enviados não correspondem ao tipo de ação.",
        )),
        (None, false) => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(FollowupError::Invalid(errors))
    }
}

fn check_evaluation(errors: &mut Vec<FieldError>, e: &Evaluation, done_on: NaiveDate) {
    if e.control.is_none() {
        errors.push(FieldError::new(
            "controle",
            "Escolha o status do controle: adequado, aceitável ou descompensado.",
        ));
    }
    let labs = [
        (
            "hba1c",
            e.hba1c,
            &HBA1C_RANGE,
            "HbA1c deve estar entre 3 e 20 %.",
        ),
        (
            "glicemia_jejum",
            e.fasting_glucose,
            &GLUCOSE_RANGE,
            "A glicemia de jejum deve estar entre 20 e 600 mg/dL.",
        ),
        (
            "glicemia_media",
            e.mean_glucose,
            &GLUCOSE_RANGE,
            "A glicemia média deve estar entre 20 e 600 mg/dL.",
        ),
    ];
    for (field, value, range, message) in labs {
        if value.is_some_and(|v| !range.contains(&v)) {
            errors.push(FieldError::new(field, message));
        }
    }
    if labs.iter().all(|(_, v, _, _)| v.is_none()) {
        errors.push(FieldError::new(
            "hba1c",
            "Informe pelo menos um resultado: HbA1c, glicemia de jejum ou glicemia média.",
        ));
    } else {
        match e.exam_date {
            None => errors.push(FieldError::new("data_exames", "Informe a data dos exames.")),
            Some(d) if d > done_on => errors.push(FieldError::new(
                "data_exames",
                "A data dos exames não pode ser posterior à avaliação.",
            )),
            Some(d) if d < done_on - chrono::Duration::days(care::MAX_PAST_DAYS) => errors.push(
                FieldError::new("data_exames", "A data dos exames é antiga demais."),
            ),
            Some(_) => {}
        }
    }
    check_text(errors, "mudanca_proposta", &e.proposed_change);
}

/// Schedules a pending diabetes action.
pub async fn schedule(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    action: DmAction,
    due: NaiveDate,
    notes: Option<String>,
    today: NaiveDate,
) -> Result<i64, FollowupError> {
    care::schedule(
        db,
        &FOLLOWUP,
        actor,
        person,
        action.key(),
        due,
        notes,
        today,
    )
    .await
}

/// Completes a diabetes action (its mandatory steps done), writes the evaluation when it is
/// one, and schedules what the cycle says follows.
pub async fn complete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    c: Completion,
    today: NaiveDate,
) -> Result<Completed, FollowupError> {
    let req = CompletionRequest {
        kind: c.action.key().to_string(),
        action_id: c.action_id,
        done_on: c.done_on,
        notes: c.notes.clone(),
        steps_done: c.steps_done.clone(),
    };
    let done =
        care::start_completion(db, &FOLLOWUP, actor, person, &req, || validate(&c, today)).await?;
    let control = match &c.evaluation {
        Some(e) => {
            let proposed = care::clean_text("mudanca_proposta", e.proposed_change.as_deref())
                .map_err(|e| FollowupError::Invalid(vec![e]))?;
            evaluation::ActiveModel {
                action_id: Set(done.action_id),
                co_cidadao: Set(person),
                hba1c: Set(e.hba1c),
                fasting_glucose: Set(e.fasting_glucose),
                mean_glucose: Set(e.mean_glucose),
                exam_date: Set(e.exam_date),
                control: Set(e.control.map(Control::key).unwrap_or_default().to_string()),
                proposed_change: Set(proposed),
                ..Default::default()
            }
            .insert(&done.txn)
            .await?;
            e.control
        }
        None => None,
    };
    let successors: Vec<(&'static str, NaiveDate)> = next_actions(c.action, control, c.done_on)
        .into_iter()
        .map(|(a, d)| (a.key(), d))
        .collect();
    done.finish(&successors, today).await
}

/// Ticks or unticks a step of a pending diabetes action; returns the person.
pub async fn set_step(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    position: i32,
    done: bool,
) -> Result<i64, FollowupError> {
    care::set_step(db, &FOLLOWUP, actor, id, position, done).await
}

/// Cancels a pending diabetes action; returns the person.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, FollowupError> {
    care::cancel(db, &FOLLOWUP, actor, id, reason, today).await
}

/// Deletes a diabetes action entered by mistake (never fails on an origin reference).
pub async fn delete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<Changed, FollowupError> {
    care::delete(db, &FOLLOWUP, actor, id, today).await
}

/// A diabetes action about a person in the user's scope (anything else: not found).
pub async fn find(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> Result<care_action::Model, FollowupError> {
    care::find(db, &FOLLOWUP, scope, id).await
}

/// Annuls a completed diabetes action with a reason (it stays in the timeline as annulled).
pub async fn annul(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Changed, FollowupError> {
    care::annul(db, &FOLLOWUP, actor, id, reason, today).await
}

/// One person's diabetes follow-up as the pages and the API show it: the timeline (newest
/// first, with who and the checklists) and the evaluation of each evaluated action.
#[derive(Debug, Clone)]
pub struct FollowupView {
    pub timeline: Vec<Entry>,
    pub evaluations: BTreeMap<i64, evaluation::Model>,
}

impl FollowupView {
    /// The pending actions, earliest due first (the first is the next action).
    pub fn pending(&self) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = self
            .timeline
            .iter()
            .filter(|e| e.action.status == care::PENDING)
            .collect();
        out.sort_by_key(|e| (e.action.due_date, e.action.id));
        out
    }

    /// The evaluation recorded with an action.
    pub fn evaluation(&self, action_id: i64) -> Option<&evaluation::Model> {
        self.evaluations.get(&action_id)
    }

    /// The action of the timeline with this id.
    pub fn entry(&self, action_id: i64) -> Option<&Entry> {
        self.timeline.iter().find(|e| e.action.id == action_id)
    }
}

/// The follow-up of a person in the user's scope (`None`: not on the list, or out of scope).
pub async fn view(
    db: &DatabaseConnection,
    scope: &Scope,
    person: i64,
) -> Result<Option<FollowupView>, DbErr> {
    if find_in_scope(db, scope, person).await?.is_none() {
        return Ok(None);
    }
    let timeline = care::timeline(db, &FOLLOWUP, person).await?;
    let evaluations = evaluations(db, person)
        .await?
        .into_iter()
        .map(|e| (e.action_id, e))
        .collect();
    Ok(Some(FollowupView {
        timeline,
        evaluations,
    }))
}

/// The evaluations of a person, by action id.
pub async fn evaluations(
    db: &impl ConnectionTrait,
    person: i64,
) -> Result<Vec<evaluation::Model>, DbErr> {
    use sea_orm::ColumnTrait;
    evaluation::Entity::find()
        .filter(evaluation::Column::CoCidadao.eq(person))
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn fields(r: Result<(), FollowupError>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(FollowupError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            Err(other) => vec![format!("{other:?}")],
        }
    }

    fn evaluate(e: Evaluation) -> Completion {
        Completion {
            action: DmAction::Evaluate,
            action_id: None,
            done_on: d(2026, 12, 7),
            notes: None,
            steps_done: vec![],
            evaluation: Some(e),
        }
    }

    #[test]
    fn an_evaluation_needs_a_result_its_date_and_the_chosen_control() {
        let today = d(2026, 12, 7);
        let ok = Evaluation {
            hba1c: Some(7.4),
            exam_date: Some(d(2026, 12, 1)),
            control: Some(Control::Acceptable),
            ..Default::default()
        };
        assert_eq!(
            fields(validate(&evaluate(ok.clone()), today)),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(validate(&evaluate(Evaluation::default()), today)),
            vec!["controle", "hba1c"]
        );
        let no_date = Evaluation {
            exam_date: None,
            hba1c: Some(31.0),
            ..ok.clone()
        };
        assert_eq!(
            fields(validate(&evaluate(no_date), today)),
            vec!["hba1c", "data_exames"]
        );
        let mut other = evaluate(ok);
        other.action = DmAction::Finish;
        assert_eq!(fields(validate(&other, today)), vec!["acao"]);
    }

    #[test]
    fn the_catalogue_mirrors_the_clinical_cycle() {
        for a in DmAction::ALL {
            let k = FOLLOWUP
                .kind(a.key())
                .map(|k| (k.label, k.clinical, k.steps.len()));
            assert_eq!(k, Some((a.label(), a.clinical(), a.steps().len())));
        }
        assert_eq!(
            FOLLOWUP
                .kind("dm_modificar_tratamento")
                .map(|k| k.completion),
            Some(Permission::ChangeTreatment)
        );
        assert_eq!(FOLLOWUP.kind("agendar_hiperdia"), None);
    }
}
