//! Follow-up actions: schedule, complete (with the clinical record each one carries),
//! cancel and delete — every write scoped to the user's patients, validated before anything is
//! saved, done in one transaction, and followed by the person's read-model refresh.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, EntityTrait,
};

use crate::auth::{Grants, Permission, Scope};
use crate::care::followup::{self as care, CompletionRequest, Kind, Program, check_text};
use crate::clinical::cv_risk;
use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::{ActionType, RecordKind, next_actions};
use crate::clinical::mrpa::{self, Decision, HomeReading};
use crate::store::{
    care_action as action, hypertension_cardiology as cardiology, hypertension_cv_risk as risk,
    hypertension_exam_result as exam, hypertension_mrpa as mrpa_row,
    hypertension_mrpa_reading as reading, hypertension_nutrition as nutrition,
    hypertension_treatment_change as change,
};

use super::followup;
use super::patient::{self, FieldError};

pub use crate::care::followup::{
    Actor, Changed, DOUBLE_SUBMIT_SECS, DUPLICATE_WRITE, FollowupError as ActionError,
    MAX_FUTURE_DAYS, MAX_PAST_DAYS, MAX_TEXT_CHARS, clean_text, is_record,
};

/// Day 1 of an MRPA is at most this many days before its evaluation.
pub const MAX_MRPA_SPAN_DAYS: i64 = 60;

fn invalid(field: &str, message: impl Into<String>) -> ActionError {
    care::invalid(field, message)
}

/// Whether an action type is clinical: everything but arranging the round and starting an
/// MRPA (what an ACS arranges and sees at home).
pub const fn is_clinical(t: ActionType) -> bool {
    !matches!(t, ActionType::ScheduleRound | ActionType::StartMrpa)
}

/// The permission completing an action of this type needs.
pub const fn completion_permission(t: ActionType) -> Permission {
    match t {
        ActionType::ScheduleRound | ActionType::StartMrpa => Permission::Complete,
        ActionType::ModifyTreatment => Permission::ChangeTreatment,
        _ => Permission::RecordClinical,
    }
}

const fn kind(t: ActionType) -> Kind {
    Kind {
        key: t.key(),
        label: t.label(),
        clinical: is_clinical(t),
        completion: completion_permission(t),
        steps: &[],
    }
}

/// The hypertension catalogue as the shared follow-up sees it (no checklists).
pub static KINDS: [Kind; 11] = [
    kind(ActionType::ScheduleRound),
    kind(ActionType::StartMrpa),
    kind(ActionType::EvaluateMrpa),
    kind(ActionType::ModifyTreatment),
    kind(ActionType::RequestExams),
    kind(ActionType::EvaluateExams),
    kind(ActionType::EvaluateCvRisk),
    kind(ActionType::ReferNutrition),
    kind(ActionType::RecordNutrition),
    kind(ActionType::ReferCardiology),
    kind(ActionType::RecordCardiology),
];

fn in_scope<'a>(
    db: &'a DatabaseConnection,
    scope: &'a Scope,
    person: i64,
) -> care::BoxFuture<'a, Result<bool, sea_orm::DbErr>> {
    Box::pin(async move { Ok(patient::find_in_scope(db, scope, person).await?.is_some()) })
}

fn refresh_person(
    txn: &DatabaseTransaction,
    person: i64,
    today: NaiveDate,
) -> care::BoxFuture<'_, Result<(), sea_orm::DbErr>> {
    Box::pin(followup::refresh_person(txn, person, today))
}

/// The programme's key in `care_action.program`.
pub const PROGRAM_KEY: &str = "hypertension";

/// Hypertension's follow-up on the shared lifecycle.
pub static FOLLOWUP: Program = Program {
    key: PROGRAM_KEY,
    kinds: &KINDS,
    in_scope,
    refresh_person,
};

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
    care::schedule(
        db,
        &FOLLOWUP,
        actor,
        person,
        action_type.key(),
        due,
        notes,
        today,
    )
    .await
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
    let req = CompletionRequest {
        kind: c.action_type.key().to_string(),
        action_id: c.action_id,
        done_on: c.done_on,
        notes: c.notes.clone(),
        steps_done: Vec::new(),
    };
    let done =
        care::start_completion(db, &FOLLOWUP, actor, person, &req, || validate(&c, today)).await?;
    let decision = write_record(&done.txn, done.action_id, person, &c.record).await?;
    let successors: Vec<(&'static str, NaiveDate)> =
        next_actions(c.action_type, decision, c.done_on)
            .into_iter()
            .map(|(t, d)| (t.key(), d))
            .collect();
    let finished = done.finish(&successors, today).await?;
    Ok(Completed {
        action_id: finished.action_id,
        person: finished.person,
        scheduled: finished
            .scheduled
            .into_iter()
            .filter_map(|(k, d)| ActionType::from_key(k).map(|t| (t, d)))
            .collect(),
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

/// Loads a hypertension action of a person in scope.
pub async fn find(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> Result<action::Model, ActionError> {
    care::find(db, &FOLLOWUP, scope, id).await
}

/// Cancels a pending action (it stays in the timeline as cancelled, with the reason).
pub async fn cancel(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    care::cancel(db, &FOLLOWUP, actor, id, reason, today).await
}

/// Deletes an action entered by mistake that is not a completed record, with the pending
/// actions it scheduled (`care::followup::delete`).
pub async fn delete(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<Changed, ActionError> {
    care::delete(db, &FOLLOWUP, actor, id, today).await
}

/// Annuls a completed action with a reason (`care::followup::annul`).
pub async fn annul(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Changed, ActionError> {
    care::annul(db, &FOLLOWUP, actor, id, reason, today).await
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
    fn the_shared_catalogue_mirrors_the_hiperdia_cycle() {
        assert_eq!(KINDS.len(), ActionType::ALL.len());
        for t in ActionType::ALL {
            let k = FOLLOWUP.kind(t.key());
            assert_eq!(k.map(|k| k.label), Some(t.label()));
            assert_eq!(k.map(|k| k.clinical), Some(is_clinical(t)));
            assert_eq!(k.map(|k| k.completion), Some(completion_permission(t)));
        }
        assert_eq!(
            FOLLOWUP.kind("agendar_hiperdia").map(|k| k.clinical),
            Some(false)
        );
        assert_eq!(
            FOLLOWUP.kind("modificar_tratamento").map(|k| k.completion),
            Some(Permission::ChangeTreatment)
        );
    }
}
