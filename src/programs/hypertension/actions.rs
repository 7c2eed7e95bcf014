//! Follow-up actions: schedule, complete (with the clinical record each one carries),
//! cancel and delete — every write scoped to the user's patients, validated before anything is
//! saved, done in one transaction, and followed by the person's read-model refresh.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, SqlErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::auth::{Grants, Permission, Scope};
use crate::clinical::cv_risk;
use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::{ActionType, RecordKind, Status, next_actions};
use crate::clinical::mrpa::{self, Decision, HomeReading};
use crate::store::{
    hypertension_action as action, hypertension_cardiology as cardiology,
    hypertension_cv_risk as risk, hypertension_exam_result as exam, hypertension_mrpa as mrpa_row,
    hypertension_mrpa_reading as reading, hypertension_nutrition as nutrition,
    hypertension_treatment_change as change,
};

use super::followup;
use super::patient::{self, FieldError};

/// How far back an action, a collection date may be recorded (late entries of the past two
/// years are normal; older dates are typing errors).
pub const MAX_PAST_DAYS: i64 = 730;
/// How far ahead an action may be scheduled.
pub const MAX_FUTURE_DAYS: i64 = 730;
/// Day 1 of an MRPA is at most this many days before its evaluation.
pub const MAX_MRPA_SPAN_DAYS: i64 = 60;

/// A second identical record within this many seconds is taken for a double submit.
pub const DOUBLE_SUBMIT_SECS: i64 = 120;

/// Longest free text accepted in notes and records.
pub const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Unknown, or outside the user's scope (answered the same way).
    #[error("não encontrado")]
    NotFound,
    #[error("dados inválidos")]
    Invalid(Vec<FieldError>),
    /// The action is no longer pending (already done or cancelled, e.g. a double submit).
    #[error("{0}")]
    Conflict(String),
    /// The patient is in scope, but the user's profile may not do this (the permission
    /// matrix, `auth::permission`); the message is for the person at the screen.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Db(DbErr),
}

/// A unique index refusing a row is the database saying "this already exists": a parallel
/// identical write won the race (one pending action per kind, one MRPA evaluation per day —
/// migration `m20260108_000001_unique_writes`). That is a conflict for the person at the
/// screen (409), on SQLite and PostgreSQL alike, never a 500.
impl From<DbErr> for ActionError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                tracing::info!(%detail, "write refused by a unique index (parallel duplicate)");
                ActionError::Conflict(DUPLICATE_WRITE.to_string())
            }
            _ => ActionError::Db(e),
        }
    }
}

/// What a write refused by a unique index tells the user.
pub const DUPLICATE_WRITE: &str = "Este registro já existe: um envio igual acabou de ser \
     gravado (por exemplo, um clique duplo). Confira a linha do tempo; nada mais foi salvo.";

/// Begins the write transaction of one person's follow-up. Writes about the same person are
/// serialised, so the checks made inside the transaction (a pending action of the kind, a
/// record just made) see every write committed before: SQLite takes the write lock at
/// `BEGIN IMMEDIATE` (a second writer waits for the busy timeout instead of failing at its
/// first write), PostgreSQL takes a transaction-scoped advisory lock on the person. The unique
/// indexes stay the last word if anything else writes.
async fn begin_write(db: &DatabaseConnection, person: i64) -> Result<DatabaseTransaction, DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Two-key form: the first key is this lock's class ("APS1"), so it cannot collide with
        // another user of advisory locks in the same database.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [
                PERSON_LOCK_CLASS.into(),
                i32::try_from(person.rem_euclid(i64::from(i32::MAX)))
                    .unwrap_or_default()
                    .into(),
            ],
        ))
        .await?;
    }
    Ok(txn)
}

/// The first key of the per-person advisory lock (`"APS1"` as a 32-bit integer).
const PERSON_LOCK_CLASS: i32 = 0x4150_5331;

fn invalid(field: &str, message: impl Into<String>) -> ActionError {
    ActionError::Invalid(vec![FieldError::new(field, message)])
}

/// Who is writing: whose patients (scope) and what they may do to them (grants).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub scope: &'a Scope,
    pub grants: &'a Grants,
}

impl Actor<'_> {
    /// `Ok` when the matrix allows `permission` on an action that is `clinical` or not.
    pub fn check(&self, permission: Permission, clinical: bool) -> Result<(), ActionError> {
        self.grants
            .check(permission, clinical)
            .map_err(ActionError::Forbidden)
    }
}

/// Whether an action type is clinical: everything but arranging the round and starting an
/// MRPA (what an ACS arranges and sees at home).
pub fn is_clinical(t: ActionType) -> bool {
    !matches!(t, ActionType::ScheduleRound | ActionType::StartMrpa)
}

/// The permission completing an action of this type needs.
pub fn completion_permission(t: ActionType) -> Permission {
    match t {
        ActionType::ScheduleRound | ActionType::StartMrpa => Permission::Complete,
        ActionType::ModifyTreatment => Permission::ChangeTreatment,
        _ => Permission::RecordClinical,
    }
}

/// Whether the user may schedule an action of this type.
pub fn may_schedule(grants: &Grants, t: ActionType) -> bool {
    grants.may_on(Permission::Schedule, is_clinical(t))
}

/// Whether the user may complete an action of this type.
pub fn may_complete(grants: &Grants, t: ActionType) -> bool {
    grants.may_on(completion_permission(t), is_clinical(t))
}

/// MRPA evaluation: the five days of home readings and the professional's decision.
#[derive(Debug, Clone)]
pub struct MrpaRecord {
    pub first_day: NaiveDate,
    pub readings: Vec<HomeReading>,
    /// `None`: the protocol's suggestion.
    pub decision: Option<Decision>,
    pub analysis: Option<String>,
}

/// Kind of treatment adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    DoseIncrease,
    Switch,
    Addition,
}

impl Adjustment {
    pub const ALL: [Adjustment; 3] = [
        Adjustment::DoseIncrease,
        Adjustment::Switch,
        Adjustment::Addition,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Adjustment::DoseIncrease => "aumento_dose",
            Adjustment::Switch => "troca",
            Adjustment::Addition => "adicao",
        }
    }
    pub fn from_key(key: &str) -> Option<Adjustment> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
    pub fn label(self) -> &'static str {
        match self {
            Adjustment::DoseIncrease => "Aumento de dose",
            Adjustment::Switch => "Troca de medicamento",
            Adjustment::Addition => "Adição de medicamento",
        }
    }
}

/// Cardiology consultation modality.
pub const MODALITIES: [(&str, &str); 3] = [
    ("presencial", "Presencial"),
    ("telemedicina", "Telemedicina"),
    ("outro", "Outro"),
];

/// The clinical record an action carries when completed.
#[derive(Debug, Clone)]
pub enum Record {
    None,
    Mrpa(MrpaRecord),
    TreatmentChange {
        adjustment: Adjustment,
        new_medications: Option<String>,
    },
    Exams {
        collected_on: NaiveDate,
        values: Vec<(Analyte, f64)>,
    },
    CvRisk(cv_risk::Inputs),
    Nutrition {
        weight_kg: f64,
        height_cm: Option<f64>,
        waist_cm: Option<f64>,
        guidance: Option<String>,
    },
    Cardiology {
        professional: Option<String>,
        modality: Option<String>,
        consultation: Option<String>,
        recommendations: Option<String>,
    },
}

impl Record {
    fn kind(&self) -> RecordKind {
        match self {
            Record::None => RecordKind::None,
            Record::Mrpa(_) => RecordKind::Mrpa,
            Record::TreatmentChange { .. } => RecordKind::TreatmentChange,
            Record::Exams { .. } => RecordKind::Exams,
            Record::CvRisk(_) => RecordKind::CvRisk,
            Record::Nutrition { .. } => RecordKind::Nutrition,
            Record::Cardiology { .. } => RecordKind::Cardiology,
        }
    }
}

/// A completion request.
#[derive(Debug, Clone)]
pub struct Completion {
    pub action_type: ActionType,
    /// The pending action being completed; `None` records the action now (completing the
    /// earliest pending one of that type, if any).
    pub action_id: Option<i64>,
    pub done_on: NaiveDate,
    pub notes: Option<String>,
    pub record: Record,
}

/// What a completion did.
#[derive(Debug, Clone)]
pub struct Completed {
    pub action_id: i64,
    pub person: i64,
    pub scheduled: Vec<(ActionType, NaiveDate)>,
}

/// Trims free text; empty is `None`; too long is an error for `field`.
pub fn clean_text(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            field,
            format!("Use no máximo {MAX_TEXT_CHARS} caracteres."),
        ));
    }
    Ok(Some(t.to_string()))
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &Option<String>) {
    if let Err(e) = clean_text(field, text.as_deref()) {
        errors.push(e);
    }
}

/// Validates the completion against `today` and the action type; nothing is written.
pub fn validate(c: &Completion, today: NaiveDate) -> Result<(), ActionError> {
    let mut errors = Vec::new();
    if c.done_on > today {
        errors.push(FieldError::new(
            "data",
            "A data de realização não pode estar no futuro.",
        ));
    }
    check_text(&mut errors, "observacoes", &c.notes);
    if c.done_on < today - chrono::Duration::days(MAX_PAST_DAYS) {
        errors.push(FieldError::new(
            "data",
            format!("A data de realização não pode ser anterior a {MAX_PAST_DAYS} dias atrás."),
        ));
    }
    // A referral may be recorded without its details; every other record is required.
    let optional =
        c.action_type == ActionType::ReferCardiology && c.record.kind() == RecordKind::None;
    if c.record.kind() != c.action_type.record_kind() && !optional {
        errors.push(FieldError::new(
            "acao",
            "Os dados enviados não correspondem ao tipo de ação.",
        ));
    }
    match &c.record {
        Record::Mrpa(m) => {
            if m.first_day < c.done_on - chrono::Duration::days(MAX_MRPA_SPAN_DAYS) {
                errors.push(FieldError::new(
                    "inicio_mrpa",
                    format!(
                        "O primeiro dia do MRPA deve estar nos {MAX_MRPA_SPAN_DAYS} dias antes da avaliação."
                    ),
                ));
            }
            if m.first_day > c.done_on {
                errors.push(FieldError::new(
                    "inicio_mrpa",
                    "O primeiro dia do MRPA não pode ser posterior à avaliação.",
                ));
            }
            if let Err(e) = mrpa::summarize(&m.readings) {
                errors.push(FieldError::new("leituras", e.message()));
            }
            check_text(&mut errors, "analise", &m.analysis);
        }
        Record::TreatmentChange {
            new_medications, ..
        } => check_text(&mut errors, "novos_medicamentos", new_medications),
        Record::Exams {
            collected_on,
            values,
        } => {
            if *collected_on > today {
                errors.push(FieldError::new(
                    "data_coleta",
                    "A data da coleta não pode estar no futuro.",
                ));
            } else if *collected_on < today - chrono::Duration::days(MAX_PAST_DAYS) {
                errors.push(FieldError::new(
                    "data_coleta",
                    format!("A data da coleta não pode ser anterior a {MAX_PAST_DAYS} dias atrás."),
                ));
            }
            if values.is_empty() {
                errors.push(FieldError::new(
                    "exames",
                    "Informe pelo menos um resultado de exame.",
                ));
            }
            for (a, v) in values {
                if !a.plausible().contains(v) {
                    errors.push(FieldError::new(a.key(), "Valor fora da faixa aceita."));
                }
            }
        }
        Record::CvRisk(inputs) => {
            if let Err(e) = cv_risk::assess(inputs) {
                errors.push(FieldError::new("rcv", e.message()));
            }
        }
        Record::Nutrition {
            weight_kg,
            height_cm,
            waist_cm,
            guidance,
        } => {
            if !(2.0..=400.0).contains(weight_kg) {
                errors.push(FieldError::new("peso", "Peso deve estar entre 2 e 400 kg."));
            }
            if height_cm.is_some_and(|h| !(40.0..=250.0).contains(&h)) {
                errors.push(FieldError::new(
                    "altura",
                    "Altura deve estar entre 40 e 250 cm.",
                ));
            }
            if waist_cm.is_some_and(|w| !(30.0..=250.0).contains(&w)) {
                errors.push(FieldError::new(
                    "circunferencia",
                    "Circunferência abdominal deve estar entre 30 e 250 cm.",
                ));
            }
            check_text(&mut errors, "orientacoes", guidance);
        }
        Record::Cardiology {
            professional,
            modality,
            consultation,
            recommendations,
        } => {
            check_text(&mut errors, "profissional", professional);
            check_text(&mut errors, "consulta", consultation);
            check_text(&mut errors, "recomendacoes", recommendations);
            if modality
                .as_deref()
                .is_some_and(|m| !MODALITIES.iter().any(|(k, _)| *k == m))
            {
                errors.push(FieldError::new("modalidade", "Modalidade desconhecida."));
            }
            if c.action_type == ActionType::RecordCardiology {
                if consultation.is_none() {
                    errors.push(FieldError::new(
                        "consulta",
                        "Descreva a consulta de cardiologia.",
                    ));
                }
                if recommendations.is_none() {
                    errors.push(FieldError::new(
                        "recomendacoes",
                        "Informe as recomendações da cardiologia.",
                    ));
                }
            }
        }
        Record::None => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Invalid(errors))
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Schedules a pending action. Refuses a second pending action of the same type.
pub async fn schedule(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    action_type: ActionType,
    due: NaiveDate,
    notes: Option<String>,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    patient::find_in_scope(db, actor.scope, person)
        .await?
        .ok_or(ActionError::NotFound)?;
    actor.check(Permission::Schedule, is_clinical(action_type))?;
    let notes =
        clean_text("observacoes", notes.as_deref()).map_err(|e| ActionError::Invalid(vec![e]))?;
    if due < today {
        return Err(invalid(
            "data",
            "A data prevista não pode ser anterior a hoje.",
        ));
    }
    if due > today + chrono::Duration::days(MAX_FUTURE_DAYS) {
        return Err(invalid(
            "data",
            format!("A data prevista deve estar nos próximos {MAX_FUTURE_DAYS} dias."),
        ));
    }
    let txn = begin_write(db, person).await?;
    if pending_of(&txn, person, action_type).await?.is_some() {
        return Err(ActionError::Conflict(format!(
            "Já existe uma ação pendente \"{}\" para esta pessoa.",
            action_type.label()
        )));
    }
    let id = insert(
        &txn,
        actor,
        person,
        action_type,
        Status::Pending,
        due,
        None,
        notes,
    )
    .await?;
    followup::refresh_person(&txn, person, today).await?;
    txn.commit().await?;
    Ok(id)
}

async fn pending_of(
    db: &impl ConnectionTrait,
    person: i64,
    t: ActionType,
) -> Result<Option<action::Model>, DbErr> {
    action::Entity::find()
        .filter(action::Column::CoCidadao.eq(person))
        .filter(action::Column::ActionType.eq(t.key()))
        .filter(action::Column::Status.eq(Status::Pending.key()))
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .one(db)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    db: &impl ConnectionTrait,
    actor: Actor<'_>,
    person: i64,
    t: ActionType,
    status: Status,
    due: NaiveDate,
    origin: Option<i64>,
    notes: Option<String>,
) -> Result<i64, DbErr> {
    let done = status == Status::Done;
    let m = action::ActiveModel {
        co_cidadao: Set(person),
        action_type: Set(t.key().to_string()),
        status: Set(status.key().to_string()),
        due_date: Set(due),
        done_date: Set(done.then_some(due)),
        origin_id: Set(origin),
        notes: Set(notes),
        cancel_reason: Set(None),
        created_by: Set(actor.user_id),
        done_by: Set(done.then_some(actor.user_id)),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(m.id)
}

/// Completes a pending action (or records one done now) with its record, and schedules what
/// follows — once: the pending→done transition is a conditional update, so a double submit
/// finds nothing left to complete.
pub async fn complete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    c: Completion,
    today: NaiveDate,
) -> Result<Completed, ActionError> {
    patient::find_in_scope(db, actor.scope, person)
        .await?
        .ok_or(ActionError::NotFound)?;
    actor.check(
        completion_permission(c.action_type),
        is_clinical(c.action_type),
    )?;
    validate(&c, today)?;
    let notes =
        clean_text("observacoes", c.notes.as_deref()).map_err(|e| ActionError::Invalid(vec![e]))?;
    let txn = begin_write(db, person).await?;
    let target = match c.action_id {
        Some(id) => {
            let a = action::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|a| a.co_cidadao == person)
                .ok_or(ActionError::NotFound)?;
            if a.action_type != c.action_type.key() {
                return Err(invalid(
                    "acao",
                    "Os dados enviados não correspondem ao tipo de ação.",
                ));
            }
            Some(a)
        }
        None => pending_of(&txn, person, c.action_type).await?,
    };
    let id = match target {
        Some(a) => {
            let res = action::Entity::update_many()
                .col_expr(action::Column::Status, Status::Done.key().into())
                .col_expr(action::Column::DoneDate, Some(c.done_on).into())
                .col_expr(action::Column::DoneBy, Some(actor.user_id).into())
                .col_expr(
                    action::Column::Notes,
                    notes.clone().or(a.notes.clone()).into(),
                )
                .col_expr(action::Column::UpdatedAt, now().into())
                .filter(action::Column::Id.eq(a.id))
                .filter(action::Column::Status.eq(Status::Pending.key()))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(ActionError::Conflict(
                    "Esta ação já foi concluída ou cancelada.".to_string(),
                ));
            }
            a.id
        }
        None => {
            // Recording without a pending action has no state to flip: a double submit is
            // recognised as the same user recording the same action for the same day moments
            // ago.
            let recent = action::Entity::find()
                .filter(action::Column::CoCidadao.eq(person))
                .filter(action::Column::ActionType.eq(c.action_type.key()))
                .filter(action::Column::Status.eq(Status::Done.key()))
                .filter(action::Column::DoneDate.eq(c.done_on))
                .filter(action::Column::CreatedBy.eq(actor.user_id))
                .filter(
                    action::Column::CreatedAt
                        .gte(now() - chrono::Duration::seconds(DOUBLE_SUBMIT_SECS)),
                )
                .one(&txn)
                .await?;
            if recent.is_some() {
                return Err(ActionError::Conflict(
                    "Esta ação acabou de ser registrada; confira a linha do tempo.".to_string(),
                ));
            }
            insert(
                &txn,
                actor,
                person,
                c.action_type,
                Status::Done,
                c.done_on,
                None,
                notes,
            )
            .await?
        }
    };
    let decision = write_record(&txn, id, person, &c.record).await?;
    let mut scheduled = Vec::new();
    for (next, due) in next_actions(c.action_type, decision, c.done_on) {
        // An action of that type already pending (scheduled by hand) is not doubled.
        if pending_of(&txn, person, next).await?.is_some() {
            continue;
        }
        insert(
            &txn,
            actor,
            person,
            next,
            Status::Pending,
            due,
            Some(id),
            None,
        )
        .await?;
        scheduled.push((next, due));
    }
    followup::refresh_person(&txn, person, today).await?;
    txn.commit().await?;
    Ok(Completed {
        action_id: id,
        person,
        scheduled,
    })
}

/// Writes the record of a completed action; returns the MRPA decision when there is one.
async fn write_record(
    txn: &DatabaseTransaction,
    action_id: i64,
    person: i64,
    record: &Record,
) -> Result<Option<Decision>, ActionError> {
    match record {
        Record::None => Ok(None),
        Record::Mrpa(m) => {
            let s = mrpa::summarize(&m.readings).map_err(|e| invalid("leituras", e.message()))?;
            let decision = m.decision.unwrap_or_else(|| mrpa::suggested_decision(&s));
            let row = mrpa_row::ActiveModel {
                action_id: Set(action_id),
                co_cidadao: Set(person),
                first_day: Set(m.first_day),
                mean_systolic: Set(s.mean_systolic),
                mean_diastolic: Set(s.mean_diastolic),
                valid_readings: Set(i32::try_from(s.valid_readings).unwrap_or(i32::MAX)),
                control: Set(match s.control {
                    mrpa::HomeControl::Controlled => "controlled",
                    mrpa::HomeControl::Uncontrolled => "uncontrolled",
                }
                .to_string()),
                decision: Set(decision.key().to_string()),
                analysis: Set(m.analysis.clone()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let readings: Vec<reading::ActiveModel> = m
                .readings
                .iter()
                .map(|r| reading::ActiveModel {
                    mrpa_id: Set(row.id),
                    day: Set(i32::from(r.day)),
                    period: Set(r.period.key().to_string()),
                    seq: Set(i32::from(r.seq)),
                    systolic: Set(r.systolic),
                    diastolic: Set(r.diastolic),
                    ..Default::default()
                })
                .collect();
            if !readings.is_empty() {
                reading::Entity::insert_many(readings).exec(txn).await?;
            }
            Ok(Some(decision))
        }
        Record::TreatmentChange {
            adjustment,
            new_medications,
        } => {
            change::ActiveModel {
                action_id: Set(action_id),
                co_cidadao: Set(person),
                adjustment: Set(adjustment.key().to_string()),
                new_medications: Set(new_medications.clone()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(None)
        }
        Record::Exams {
            collected_on,
            values,
        } => {
            let rows: Vec<exam::ActiveModel> = values
                .iter()
                .map(|(a, v)| exam::ActiveModel {
                    action_id: Set(action_id),
                    co_cidadao: Set(person),
                    analyte: Set(a.key().to_string()),
                    value: Set(*v),
                    collected_on: Set(*collected_on),
                    ..Default::default()
                })
                .collect();
            exam::Entity::insert_many(rows).exec(txn).await?;
            Ok(None)
        }
        Record::CvRisk(inputs) => {
            let a = cv_risk::assess(inputs).map_err(|e| invalid("rcv", e.message()))?;
            risk::ActiveModel {
                action_id: Set(action_id),
                co_cidadao: Set(person),
                age: Set(i32::try_from(inputs.age).unwrap_or(i32::MAX)),
                sex: Set(inputs.sex.key().to_string()),
                smoker: Set(inputs.smoker),
                diabetes: Set(inputs.diabetes),
                systolic: Set(inputs.systolic),
                total_cholesterol: Set(inputs.total_cholesterol_mg_dl),
                bmi: Set(inputs.bmi),
                method: Set(a.method.key().to_string()),
                percent: Set(a.percent),
                band: Set(a.band.key().to_string()),
                chart_edition: Set(cv_risk::CHART_EDITION.to_string()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(None)
        }
        Record::Nutrition {
            weight_kg,
            height_cm,
            waist_cm,
            guidance,
        } => {
            let bmi = height_cm.map(|h| {
                let m = h / 100.0;
                ((weight_kg / (m * m)) * 10.0).round() / 10.0
            });
            nutrition::ActiveModel {
                action_id: Set(action_id),
                co_cidadao: Set(person),
                weight_kg: Set(*weight_kg),
                height_cm: Set(*height_cm),
                bmi: Set(bmi),
                waist_cm: Set(*waist_cm),
                guidance: Set(guidance.clone()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(None)
        }
        Record::Cardiology {
            professional,
            modality,
            consultation,
            recommendations,
        } => {
            cardiology::ActiveModel {
                action_id: Set(action_id),
                co_cidadao: Set(person),
                professional: Set(professional.clone()),
                modality: Set(modality.clone()),
                consultation: Set(consultation.clone()),
                recommendations: Set(recommendations.clone()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Ok(None)
        }
    }
}

/// Loads an action of a person in scope.
pub async fn find(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> Result<action::Model, ActionError> {
    let a = action::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ActionError::NotFound)?;
    patient::find_in_scope(db, scope, a.co_cidadao)
        .await?
        .ok_or(ActionError::NotFound)?;
    Ok(a)
}

/// What a correction changed, for the audit row: the action before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub person: i64,
    pub before: String,
    pub after: String,
}

impl Changed {
    /// One line for the audit trail (no free text but the reason given for an annulment).
    pub fn audit_detail(&self) -> String {
        format!("antes: {}; depois: {}", self.before, self.after)
    }
}

/// The fields of an action the audit trail keeps (no notes: free text may name people).
fn describe(a: &action::Model) -> String {
    let mut out = format!(
        "id={} tipo={} situacao={} prazo={}",
        a.id, a.action_type, a.status, a.due_date
    );
    if let Some(d) = a.done_date {
        out.push_str(&format!(" realizada={d}"));
    }
    if let Some(u) = a.done_by {
        out.push_str(&format!(" por={u}"));
    }
    out
}

/// Cancels a pending action (it stays in the timeline as cancelled, with the reason).
pub async fn cancel(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    let a = find(db, actor.scope, id).await?;
    actor.check(Permission::Cancel, true)?;
    let reason =
        clean_text("motivo", reason.as_deref()).map_err(|e| ActionError::Invalid(vec![e]))?;
    let txn = begin_write(db, a.co_cidadao).await?;
    let res = action::Entity::update_many()
        .col_expr(action::Column::Status, Status::Cancelled.key().into())
        .col_expr(action::Column::CancelReason, reason.into())
        .col_expr(action::Column::DoneBy, Some(actor.user_id).into())
        .col_expr(action::Column::UpdatedAt, now().into())
        .filter(action::Column::Id.eq(id))
        .filter(action::Column::Status.eq(Status::Pending.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ActionError::Conflict(
            "Só uma ação pendente pode ser cancelada.".to_string(),
        ));
    }
    followup::refresh_person(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    Ok(a.co_cidadao)
}

/// Whether an action is a completed record (done, or done and then annulled): never deleted.
pub fn is_record(a: &action::Model) -> bool {
    a.status == Status::Done.key() || a.annulled_at.is_some()
}

/// The pending actions an action scheduled (and theirs), children last.
async fn pending_successors(txn: &DatabaseTransaction, id: i64) -> Result<Vec<i64>, ActionError> {
    let mut out = Vec::new();
    let mut frontier = vec![id];
    while let Some(parent) = frontier.pop() {
        let children = action::Entity::find()
            .filter(action::Column::OriginId.eq(parent))
            .filter(action::Column::Status.eq(Status::Pending.key()))
            .all(txn)
            .await?;
        for c in children {
            out.push(c.id);
            frontier.push(c.id);
        }
    }
    Ok(out)
}

/// Deletes an action entered by mistake that is not a completed record (pending or
/// cancelled), with the pending actions it scheduled (and theirs); actions already done that
/// it led to stay in the history, detached. A completed action is refused: annul it
/// ([`annul`]). Never fails on a foreign key.
pub async fn delete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<Changed, ActionError> {
    let a = find(db, actor.scope, id).await?;
    actor.check(Permission::Delete, true)?;
    if is_record(&a) {
        return Err(ActionError::Conflict(
            "Uma ação realizada não é excluída: anule-a informando o motivo.".to_string(),
        ));
    }
    let txn = begin_write(db, a.co_cidadao).await?;
    // Re-read inside the transaction: it may have been completed meanwhile.
    let res = action::Entity::find_by_id(a.id)
        .filter(action::Column::Status.ne(Status::Done.key()))
        .filter(action::Column::AnnulledAt.is_null())
        .one(&txn)
        .await?;
    let Some(a) = res else {
        return Err(ActionError::Conflict(
            "Uma ação realizada não é excluída: anule-a informando o motivo.".to_string(),
        ));
    };
    let mut doomed = vec![a.id];
    doomed.extend(pending_successors(&txn, a.id).await?);
    // Children first, so the SET NULL of the remaining ones never points at a deleted row.
    for id in doomed.iter().rev() {
        action::Entity::delete_by_id(*id).exec(&txn).await?;
    }
    followup::refresh_person(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    let after = if doomed.len() > 1 {
        format!(
            "excluida com as pendentes que gerou ({})",
            doomed[1..]
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        )
    } else {
        "excluida".to_string()
    };
    Ok(Changed {
        person: a.co_cidadao,
        before: describe(&a),
        after,
    })
}

/// Annuls a completed action with a reason: it stays in the timeline as annulled (status
/// `cancelled`, who, when, why), its record no longer counts, and the pending actions it
/// scheduled are removed. Nothing is deleted but those pending successors.
pub async fn annul(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Changed, ActionError> {
    let a = find(db, actor.scope, id).await?;
    actor.check(Permission::Delete, true)?;
    let reason = clean_text("motivo", reason.as_deref())
        .map_err(|e| ActionError::Invalid(vec![e]))?
        .ok_or_else(|| invalid("motivo", "Informe o motivo da anulação."))?;
    let txn = begin_write(db, a.co_cidadao).await?;
    let res = action::Entity::update_many()
        .col_expr(action::Column::Status, Status::Cancelled.key().into())
        .col_expr(action::Column::AnnulledAt, Some(now()).into())
        .col_expr(action::Column::AnnulledBy, Some(actor.user_id).into())
        .col_expr(action::Column::AnnulReason, Some(reason.clone()).into())
        .col_expr(action::Column::UpdatedAt, now().into())
        .filter(action::Column::Id.eq(a.id))
        .filter(action::Column::Status.eq(Status::Done.key()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ActionError::Conflict(
            "Só uma ação realizada pode ser anulada.".to_string(),
        ));
    }
    let successors = pending_successors(&txn, a.id).await?;
    for id in successors.iter().rev() {
        action::Entity::delete_by_id(*id).exec(&txn).await?;
    }
    followup::refresh_person(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    let mut after = format!(
        "id={} situacao=cancelled anulada_por={} motivo=\"{}\"",
        a.id, actor.user_id, reason
    );
    if !successors.is_empty() {
        after.push_str(&format!(
            " pendentes_excluidas={}",
            successors
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    Ok(Changed {
        person: a.co_cidadao,
        before: describe(&a),
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn completion(t: ActionType, done_on: NaiveDate, record: Record) -> Completion {
        Completion {
            action_type: t,
            action_id: None,
            done_on,
            notes: None,
            record,
        }
    }

    fn fields(r: Result<(), ActionError>) -> Vec<String> {
        match r {
            Ok(()) => vec![],
            Err(ActionError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
            Err(other) => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn dates_are_bounded_on_both_sides() {
        let today = d(2026, 11, 29);
        let t = ActionType::StartMrpa;
        assert!(fields(validate(&completion(t, today, Record::None), today)).is_empty());
        assert_eq!(
            fields(validate(
                &completion(t, d(2026, 11, 30), Record::None),
                today
            )),
            vec!["data"]
        );
        // 730 days back is accepted, 731 is not.
        let edge = today - chrono::Duration::days(MAX_PAST_DAYS);
        assert!(fields(validate(&completion(t, edge, Record::None), today)).is_empty());
        assert_eq!(
            fields(validate(
                &completion(t, edge - chrono::Duration::days(1), Record::None),
                today
            )),
            vec!["data"]
        );
    }

    #[test]
    fn records_must_match_the_action_but_a_referral_may_go_without() {
        let today = d(2026, 11, 29);
        assert!(
            fields(validate(
                &completion(ActionType::ReferCardiology, today, Record::None),
                today
            ))
            .is_empty()
        );
        assert_eq!(
            fields(validate(
                &completion(ActionType::EvaluateMrpa, today, Record::None),
                today
            )),
            vec!["acao"]
        );
        let visit = Record::Cardiology {
            professional: None,
            modality: Some("drive-thru".into()),
            consultation: None,
            recommendations: None,
        };
        assert_eq!(
            fields(validate(
                &completion(ActionType::RecordCardiology, today, visit),
                today
            )),
            vec!["modalidade", "consulta", "recomendacoes"]
        );
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(clean_text("x", Some("   ")), Ok(None));
        assert_eq!(clean_text("x", Some(" a ")), Ok(Some("a".into())));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert!(clean_text("x", Some(&long)).is_err());
        assert!(clean_text("x", Some(&"a".repeat(MAX_TEXT_CHARS))).is_ok());
    }
}
