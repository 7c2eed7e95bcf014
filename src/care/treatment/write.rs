//! Writing the plan: add, change dose or frequency, pause, resume, stop, replace (an insulin
//! whose doses change). Every write is scoped to the programme's patients, needs
//! `ChangeTreatment`, is validated against the drug's bounds before anything is saved, runs in
//! the person's write transaction (`care::followup::begin_write`), leaves an event and
//! refreshes the programme's read model. A programme changes the medications it added; the
//! others are shown on its page as the rest of the one plan.

use std::collections::HashSet;
use std::ops::RangeInclusive;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter,
};

use super::{
    Actor, Application, Drug, DrugId, FieldError, MedStatus, TreatmentError, Unit,
    applications_text, schedule_key,
};
use crate::auth::Permission;
use crate::care::followup::{Program, begin_write, clean_text};
use crate::store::{care_medication as medication, care_medication_event as event};

/// A programme's side of the plan: its follow-up (key, who its patients are, how its read
/// model follows a write) and how its form asks for a drug.
#[derive(Debug)]
pub struct Plan {
    pub followup: &'static Program,
    /// The message when the chosen drug is not in the catalogue.
    pub choose_drug: &'static str,
    /// The unit and bounds (dose, frequency) the rest of a form with an unknown drug is
    /// checked against, so every message comes back at once.
    pub unknown: (Unit, RangeInclusive<i32>, RangeInclusive<i32>),
}

impl Plan {
    /// A stand-in for an unknown drug, with the programme's bounds.
    fn unknown_drug(&self) -> Drug {
        Drug {
            id: DrugId::Pec(0),
            name: String::new(),
            group: String::new(),
            form: "",
            program: self.followup.key,
            unit: self.unknown.0,
            dose: self.unknown.1.clone(),
            frequency: self.unknown.2.clone(),
        }
    }
}

/// A new medication: tablets per intake and intakes a day, or an insulin's applications.
#[derive(Debug, Clone)]
pub struct NewMedication {
    pub dose: i32,
    pub frequency: i32,
    /// Insulin only: each application's time and units (the frequency is their number).
    pub applications: Vec<Application>,
    pub started_on: NaiveDate,
    pub notes: Option<String>,
}

fn dose_message(drug: &Drug) -> String {
    let (lo, hi) = (drug.dose.start(), drug.dose.end());
    match drug.unit {
        Unit::Tablet => format!("A dose deve ser de {lo} a {hi} comprimidos por tomada."),
        Unit::Insulin => format!("As unidades de cada aplicação devem ser de {lo} a {hi} UI."),
    }
}

fn frequency_message(drug: &Drug) -> String {
    let (lo, hi) = (drug.frequency.start(), drug.frequency.end());
    match drug.unit {
        Unit::Tablet => format!("A frequência deve ser de {lo} a {hi} vezes ao dia."),
        Unit::Insulin => {
            format!("Informe de {lo} a {hi} aplicações ao dia, cada uma com horário e unidades.")
        }
    }
}

/// The insulin applications' errors: their number, each one's units, distinct times.
pub fn check_applications(drug: &Drug, apps: &[Application]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let n = i32::try_from(apps.len()).unwrap_or(i32::MAX);
    if !drug.frequency.contains(&n) {
        errors.push(FieldError::new("aplicacoes", frequency_message(drug)));
    }
    if apps.iter().any(|a| !drug.dose.contains(&a.units)) {
        errors.push(FieldError::new("unidades", dose_message(drug)));
    }
    let times: HashSet<_> = apps.iter().map(|a| a.time).collect();
    if times.len() != apps.len() {
        errors.push(FieldError::new(
            "horarios",
            "Duas aplicações no mesmo horário: use horários diferentes.",
        ));
    }
    errors
}

/// Everything wrong with a new medication of `drug`, against `today`.
pub fn check_new(drug: &Drug, new: &NewMedication, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = match drug.unit {
        Unit::Tablet => {
            let mut e = Vec::new();
            if !drug.dose.contains(&new.dose) {
                e.push(FieldError::new("dose", dose_message(drug)));
            }
            if !drug.frequency.contains(&new.frequency) {
                e.push(FieldError::new("frequencia", frequency_message(drug)));
            }
            e
        }
        Unit::Insulin => check_applications(drug, &new.applications),
    };
    if new.started_on > today {
        errors.push(FieldError::new(
            "inicio",
            "A data de início não pode estar no futuro.",
        ));
    }
    if let Err(e) = clean_text("observacoes", new.notes.as_deref()) {
        errors.push(e);
    }
    errors
}

fn invalid(errors: Vec<FieldError>) -> Result<(), TreatmentError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(TreatmentError::Invalid(errors))
    }
}

async fn log(
    db: &impl ConnectionTrait,
    med: i64,
    kind: &str,
    on: NaiveDate,
    detail: Option<String>,
    reason: Option<String>,
    user: i64,
) -> Result<(), DbErr> {
    event::ActiveModel {
        medication_id: Set(med),
        kind: Set(kind.to_string()),
        on_date: Set(on),
        detail: Set(detail),
        reason: Set(reason),
        user_id: Set(user),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn require_in_scope(
    db: &DatabaseConnection,
    plan: &Plan,
    actor: Actor<'_>,
    person: i64,
) -> Result<(), TreatmentError> {
    if (plan.followup.in_scope)(db, actor.scope, person).await? {
        Ok(())
    } else {
        Err(TreatmentError::NotFound)
    }
}

/// The open (in use or paused) medication of the same drug, if any.
async fn open_of(
    db: &impl ConnectionTrait,
    person: i64,
    drug: &DrugId,
) -> Result<Option<medication::Model>, DbErr> {
    let q = medication::Entity::find()
        .filter(medication::Column::CoCidadao.eq(person))
        .filter(
            medication::Column::Status.is_in([MedStatus::Active.key(), MedStatus::Paused.key()]),
        );
    let q = match drug {
        DrugId::Pec(id) => q.filter(medication::Column::CoMedicamento.eq(*id)),
        DrugId::Listed(key) => q.filter(medication::Column::Drug.eq(*key)),
    };
    q.one(db).await
}

fn duplicate(drug: &Drug) -> TreatmentError {
    TreatmentError::Conflict(match drug.unit {
        Unit::Tablet => format!(
            "{} já está no plano; altere ou retome o existente.",
            drug.name
        ),
        Unit::Insulin => format!(
            "Já existe {} em uso no plano; interrompa ou altere a anterior primeiro.",
            drug.name
        ),
    })
}

/// How a new medication reads in its first event.
fn start_detail(drug: &Drug, new: &NewMedication) -> String {
    match drug.unit {
        Unit::Tablet => format!("{} cp {}x/dia", new.dose, new.frequency),
        Unit::Insulin => applications_text(&sorted(&new.applications)),
    }
}

fn sorted(apps: &[Application]) -> Vec<Application> {
    let mut a = apps.to_vec();
    a.sort();
    a
}

/// The stored dose, frequency and schedule of a new medication.
fn amounts(drug: &Drug, new: &NewMedication) -> (i32, i32, Option<String>) {
    match drug.unit {
        Unit::Tablet => (new.dose, new.frequency, None),
        Unit::Insulin => (
            new.applications.iter().map(|a| a.units).sum(),
            i32::try_from(new.applications.len()).unwrap_or(i32::MAX),
            Some(schedule_key(&new.applications)),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    db: &impl ConnectionTrait,
    plan: &Plan,
    user: i64,
    person: i64,
    drug: &Drug,
    new: &NewMedication,
    notes: Option<String>,
    replaces: Option<i64>,
) -> Result<i64, DbErr> {
    let (dose, frequency, schedule) = amounts(drug, new);
    let now = Utc::now();
    let (co_medicamento, key) = match &drug.id {
        DrugId::Pec(id) => (Some(*id), None),
        DrugId::Listed(k) => (None, Some(k.to_string())),
    };
    let m = medication::ActiveModel {
        program: Set(plan.followup.key.to_string()),
        co_cidadao: Set(person),
        co_medicamento: Set(co_medicamento),
        drug: Set(key),
        name: Set(drug.name.clone()),
        unit: Set(drug.unit.key().to_string()),
        dose: Set(dose),
        frequency: Set(frequency),
        schedule: Set(schedule),
        started_on: Set(new.started_on),
        status: Set(MedStatus::Active.key().to_string()),
        ended_on: Set(None),
        replaces_id: Set(replaces),
        notes: Set(notes),
        created_by: Set(user),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    log(
        db,
        m.id,
        "iniciado",
        new.started_on,
        Some(start_detail(drug, new)),
        None,
        user,
    )
    .await?;
    Ok(m.id)
}

/// Adds a medication of `drug` (`None`: not in the catalogue). Refuses one of the same drug
/// already in use or paused (change or resume it instead) — for insulin, a second of the same
/// type.
pub async fn add(
    db: &DatabaseConnection,
    plan: &Plan,
    actor: Actor<'_>,
    person: i64,
    drug: Option<&Drug>,
    new: NewMedication,
    today: NaiveDate,
) -> Result<i64, TreatmentError> {
    require_in_scope(db, plan, actor, person).await?;
    actor.check(Permission::ChangeTreatment, true)?;
    let mut errors = Vec::new();
    if drug.is_none() {
        errors.push(FieldError::new("medicamento", plan.choose_drug));
    }
    let stand_in = plan.unknown_drug();
    errors.extend(check_new(drug.unwrap_or(&stand_in), &new, today));
    invalid(errors)?;
    let Some(drug) = drug else {
        return Err(TreatmentError::NotFound);
    };
    let notes = clean_text("observacoes", new.notes.as_deref())
        .map_err(|e| TreatmentError::Invalid(vec![e]))?;
    let txn = begin_write(db, person).await?;
    if open_of(&txn, person, &drug.id).await?.is_some() {
        return Err(duplicate(drug));
    }
    let id = insert(&txn, plan, actor.user_id, person, drug, &new, notes, None).await?;
    (plan.followup.refresh_person)(&txn, person, today).await?;
    txn.commit().await?;
    Ok(id)
}

/// What to do to a medication of the plan.
#[derive(Debug, Clone)]
pub enum Change {
    Frequency(i32),
    Dose(i32),
    Pause,
    Resume,
    Stop,
}

/// Loads a medication the programme added, about a person in its scope, with the permission
/// to change it.
async fn find_own(
    db: &DatabaseConnection,
    plan: &Plan,
    actor: Actor<'_>,
    medication_id: i64,
) -> Result<medication::Model, TreatmentError> {
    let m = medication::Entity::find_by_id(medication_id)
        .one(db)
        .await?
        .ok_or(TreatmentError::NotFound)?;
    require_in_scope(db, plan, actor, m.co_cidadao).await?;
    actor.check(Permission::ChangeTreatment, true)?;
    if m.program != plan.followup.key {
        return Err(TreatmentError::Conflict(
            "Este medicamento foi incluído por outro programa; altere-o na página desse \
             programa."
                .to_string(),
        ));
    }
    Ok(m)
}

fn conflict<T>(msg: &str) -> Result<T, TreatmentError> {
    Err(TreatmentError::Conflict(msg.to_string()))
}

fn field<T>(field: &str, msg: impl Into<String>) -> Result<T, TreatmentError> {
    Err(TreatmentError::Invalid(vec![FieldError::new(field, msg)]))
}

/// The new (status, event kind, detail, dose, frequency) a change gives `m`, or why not.
fn apply(
    m: &medication::Model,
    drug_bounds: (&RangeInclusive<i32>, &RangeInclusive<i32>),
    change: &Change,
) -> Result<(MedStatus, &'static str, String, i32, i32), TreatmentError> {
    let status = MedStatus::from_key(&m.status).unwrap_or(MedStatus::Stopped);
    let insulin = Unit::from_key(&m.unit) == Unit::Insulin;
    let (doses, frequencies) = drug_bounds;
    match *change {
        Change::Frequency(_) | Change::Dose(_) if insulin => conflict(
            "Para mudar as doses de uma insulina, use \"Alterar doses\": a prescrição anterior \
             fica no histórico.",
        ),
        Change::Frequency(f) => {
            if !frequencies.contains(&f) {
                return field(
                    "frequencia",
                    format!(
                        "A frequência deve ser de {} a {} vezes ao dia.",
                        frequencies.start(),
                        frequencies.end()
                    ),
                );
            }
            if !status.open() {
                return conflict("Um medicamento encerrado não pode ser alterado.");
            }
            if f == m.frequency {
                return field("frequencia", "A nova frequência é igual à atual.");
            }
            let detail = format!("{}x/dia → {}x/dia", m.frequency, f);
            Ok((status, "frequencia", detail, m.dose, f))
        }
        Change::Dose(d) => {
            if !doses.contains(&d) {
                return field(
                    "dose",
                    format!(
                        "A dose deve ser de {} a {} comprimidos por tomada.",
                        doses.start(),
                        doses.end()
                    ),
                );
            }
            if !status.open() {
                return conflict("Um medicamento encerrado não pode ser alterado.");
            }
            if d == m.dose {
                return field("dose", "A nova dose é igual à atual.");
            }
            let detail = format!("{} cp → {} cp", m.dose, d);
            Ok((status, "dose", detail, d, m.frequency))
        }
        Change::Pause if status != MedStatus::Active => {
            conflict("Só um medicamento em uso pode ser pausado.")
        }
        Change::Pause => Ok((
            MedStatus::Paused,
            "pausado",
            String::new(),
            m.dose,
            m.frequency,
        )),
        Change::Resume if status != MedStatus::Paused => {
            conflict("Só um medicamento pausado pode ser retomado.")
        }
        Change::Resume => Ok((
            MedStatus::Active,
            "retomado",
            String::new(),
            m.dose,
            m.frequency,
        )),
        Change::Stop if !status.open() => conflict("Este medicamento já está encerrado."),
        Change::Stop => Ok((
            MedStatus::Stopped,
            "encerrado",
            String::new(),
            m.dose,
            m.frequency,
        )),
    }
}

/// Applies a change to a medication the programme added; returns the person. Each change is
/// valid only from some states (a stopped medication is history: add it again instead); the
/// dose and frequency stay within `bounds` (dose, frequency) of the drug.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    db: &DatabaseConnection,
    plan: &Plan,
    actor: Actor<'_>,
    medication_id: i64,
    bounds: (RangeInclusive<i32>, RangeInclusive<i32>),
    change: Change,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, TreatmentError> {
    let m = find_own(db, plan, actor, medication_id).await?;
    let reason =
        clean_text("motivo", reason.as_deref()).map_err(|e| TreatmentError::Invalid(vec![e]))?;
    let (new_status, kind, detail, dose, frequency) = apply(&m, (&bounds.0, &bounds.1), &change)?;
    let txn = begin_write(db, m.co_cidadao).await?;
    // Conditional on the state read above, so two concurrent changes cannot both apply.
    let res = medication::Entity::update_many()
        .col_expr(medication::Column::Status, new_status.key().into())
        .col_expr(medication::Column::Dose, dose.into())
        .col_expr(medication::Column::Frequency, frequency.into())
        .col_expr(
            medication::Column::EndedOn,
            (new_status == MedStatus::Stopped).then_some(today).into(),
        )
        .col_expr(medication::Column::UpdatedAt, Utc::now().into())
        .filter(medication::Column::Id.eq(m.id))
        .filter(medication::Column::Status.eq(m.status.as_str()))
        .filter(medication::Column::Dose.eq(m.dose))
        .filter(medication::Column::Frequency.eq(m.frequency))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return conflict("O medicamento foi alterado por outra pessoa; recarregue a página.");
    }
    log(
        &txn,
        m.id,
        kind,
        today,
        (!detail.is_empty()).then_some(detail),
        reason,
        actor.user_id,
    )
    .await?;
    (plan.followup.refresh_person)(&txn, m.co_cidadao, today).await?;
    txn.commit().await?;
    Ok(m.co_cidadao)
}

/// Replaces an insulin's prescription (new applications): the old row is kept as `replaced`
/// (ended today) and a new active row points at it. Returns the new medication's id.
#[allow(clippy::too_many_arguments)]
pub async fn replace(
    db: &DatabaseConnection,
    plan: &Plan,
    actor: Actor<'_>,
    medication_id: i64,
    drug: &Drug,
    applications: Vec<Application>,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, TreatmentError> {
    let m = find_own(db, plan, actor, medication_id).await?;
    if Unit::from_key(&m.unit) != Unit::Insulin || drug.unit != Unit::Insulin {
        return conflict("Só uma insulina tem as doses substituídas por nova prescrição.");
    }
    let status = MedStatus::from_key(&m.status).unwrap_or(MedStatus::Stopped);
    let reason =
        clean_text("motivo", reason.as_deref()).map_err(|e| TreatmentError::Invalid(vec![e]))?;
    invalid(check_applications(drug, &applications))?;
    if !status.open() {
        return conflict("Um medicamento encerrado não pode ser alterado.");
    }
    if m.schedule.as_deref() == Some(schedule_key(&applications).as_str()) {
        return field("aplicacoes", "As novas doses são iguais às atuais.");
    }
    let txn = begin_write(db, m.co_cidadao).await?;
    let res = medication::Entity::update_many()
        .col_expr(medication::Column::Status, MedStatus::Replaced.key().into())
        .col_expr(medication::Column::EndedOn, Some(today).into())
        .col_expr(medication::Column::UpdatedAt, Utc::now().into())
        .filter(medication::Column::Id.eq(m.id))
        .filter(medication::Column::Status.eq(m.status.as_str()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return conflict("O medicamento foi alterado por outra pessoa; recarregue a página.");
    }
    let new = NewMedication {
        dose: 0,
        frequency: 0,
        applications,
        started_on: today,
        notes: m.notes.clone(),
    };
    let id = insert(
        &txn,
        plan,
        actor.user_id,
        m.co_cidadao,
        drug,
        &new,
        m.notes.clone(),
        Some(m.id),
    )
    .await?;
    log(
        &txn,
        m.id,
        "substituido",
        today,
        Some(start_detail(drug, &new)),
        reason,
        actor.user_id,
    )
    .await?;
    (plan.followup.refresh_person)(&txn, m.co_cidadao, today).await?;
    txn.commit().await?;
    Ok(id)
}
