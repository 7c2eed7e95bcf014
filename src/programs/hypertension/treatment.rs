//! The programme's treatment plan: medications from the PEC catalogue with dose and
//! frequency; a frequency change, a pause (resumable) and a stop (ended) are different
//! things, and each leaves an event in the medication's history.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait, Value,
};

use crate::auth::Permission;
use crate::clinical::antihypertensives;
use crate::db::sql::statement;
use crate::store::{hypertension_medication as medication, hypertension_medication_event as event};
use crate::text::fold;

use super::actions::{ActionError, Actor, clean_text};
use super::followup;
use super::patient::{self, FieldError};

pub const DOSES: std::ops::RangeInclusive<i32> = 1..=6;
pub const FREQUENCIES: std::ops::RangeInclusive<i32> = 1..=4;

/// State of a medication in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MedStatus {
    Active,
    Paused,
    Stopped,
}

impl MedStatus {
    pub fn key(self) -> &'static str {
        match self {
            MedStatus::Active => "active",
            MedStatus::Paused => "paused",
            MedStatus::Stopped => "stopped",
        }
    }
    pub fn from_key(k: &str) -> Option<MedStatus> {
        [MedStatus::Active, MedStatus::Paused, MedStatus::Stopped]
            .into_iter()
            .find(|s| s.key() == k)
    }
    pub fn label(self) -> &'static str {
        match self {
            MedStatus::Active => "Em uso",
            MedStatus::Paused => "Pausado",
            MedStatus::Stopped => "Encerrado",
        }
    }
}

/// Event kinds of a medication's history.
pub fn event_label(kind: &str) -> &str {
    match kind {
        "iniciado" => "Iniciado",
        "frequencia" => "Frequência alterada",
        "dose" => "Dose alterada",
        "pausado" => "Pausado",
        "retomado" => "Retomado",
        "encerrado" => "Encerrado",
        other => other,
    }
}

/// A medication with its history (oldest event first).
#[derive(Debug, Clone)]
pub struct Medication {
    pub row: medication::Model,
    pub status: MedStatus,
    pub events: Vec<event::Model>,
}

/// The plan of a person: active first, then paused, then stopped; by name.
pub async fn list(db: &impl ConnectionTrait, person: i64) -> Result<Vec<Medication>, DbErr> {
    let rows = medication::Entity::find()
        .filter(medication::Column::CoCidadao.eq(person))
        .order_by_asc(medication::Column::Name)
        .order_by_asc(medication::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let events = if ids.is_empty() {
        Vec::new()
    } else {
        event::Entity::find()
            .filter(event::Column::MedicationId.is_in(ids))
            .order_by_asc(event::Column::OnDate)
            .order_by_asc(event::Column::Id)
            .all(db)
            .await?
    };
    let mut out: Vec<Medication> = rows
        .into_iter()
        .map(|row| Medication {
            status: MedStatus::from_key(&row.status).unwrap_or(MedStatus::Stopped),
            events: events
                .iter()
                .filter(|e| e.medication_id == row.id)
                .cloned()
                .collect(),
            row,
        })
        .collect();
    out.sort_by_key(|m| match m.status {
        MedStatus::Active => 0,
        MedStatus::Paused => 1,
        MedStatus::Stopped => 2,
    });
    Ok(out)
}

/// An antihypertensive of the PEC catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueItem {
    pub id: i64,
    /// Ingredient and strength, as printed.
    pub name: String,
    pub class: &'static str,
}

/// The antihypertensives of the PEC catalogue, by class then name.
pub async fn catalogue(db: &impl ConnectionTrait) -> Result<Vec<CatalogueItem>, DbErr> {
    let rows = db
        .query_all_raw(statement(
            db.get_database_backend(),
            "SELECT co_seq_medicamento, no_principio_ativo, ds_concentracao FROM tb_medicamento",
            Vec::<Value>::new(),
        ))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name: String = r.try_get("", "no_principio_ativo")?;
        let Some(class) = antihypertensives::class_of(&fold(&name)) else {
            continue;
        };
        let strength: Option<String> = r.try_get("", "ds_concentracao")?;
        out.push(CatalogueItem {
            id: r.try_get("", "co_seq_medicamento")?,
            name: match strength {
                Some(s) if !s.trim().is_empty() => format!("{} {}", name.trim(), s.trim()),
                _ => name.trim().to_string(),
            },
            class,
        });
    }
    let order = |c: &str| {
        antihypertensives::CLASSES
            .iter()
            .position(|(k, _)| *k == c)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| {
        order(a.class)
            .cmp(&order(b.class))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}

/// A new medication for the plan.
#[derive(Debug, Clone)]
pub struct NewMedication {
    pub catalogue_id: i64,
    pub dose: i32,
    pub frequency: i32,
    pub started_on: NaiveDate,
    pub notes: Option<String>,
}

fn invalid(errors: Vec<FieldError>) -> Result<(), ActionError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Invalid(errors))
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

/// Adds a medication. Refuses one already in use or paused (change it instead).
pub async fn add(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    new: NewMedication,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    patient::find_in_scope(db, actor.scope, person)
        .await?
        .ok_or(ActionError::NotFound)?;
    actor.check(Permission::ChangeTreatment, true)?;
    let mut errors = Vec::new();
    let item = catalogue(db)
        .await?
        .into_iter()
        .find(|c| c.id == new.catalogue_id);
    if item.is_none() {
        errors.push(FieldError::new(
            "medicamento",
            "Escolha um anti-hipertensivo do catálogo.",
        ));
    }
    if !DOSES.contains(&new.dose) {
        errors.push(FieldError::new(
            "dose",
            "A dose deve ser de 1 a 6 comprimidos por tomada.",
        ));
    }
    if !FREQUENCIES.contains(&new.frequency) {
        errors.push(FieldError::new(
            "frequencia",
            "A frequência deve ser de 1 a 4 vezes ao dia.",
        ));
    }
    if new.started_on > today {
        errors.push(FieldError::new(
            "inicio",
            "A data de início não pode estar no futuro.",
        ));
    }
    let notes = match clean_text("observacoes", new.notes.as_deref()) {
        Ok(n) => n,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    invalid(errors)?;
    let Some(item) = item else {
        return Err(ActionError::NotFound);
    };
    let txn = db.begin().await?;
    let open = medication::Entity::find()
        .filter(medication::Column::CoCidadao.eq(person))
        .filter(medication::Column::CoMedicamento.eq(item.id))
        .filter(medication::Column::Status.ne(MedStatus::Stopped.key()))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(ActionError::Conflict(format!(
            "{} já está no plano; altere ou retome o existente.",
            item.name
        )));
    }
    let now = Utc::now();
    let m = medication::ActiveModel {
        co_cidadao: Set(person),
        co_medicamento: Set(Some(item.id)),
        name: Set(item.name.clone()),
        dose: Set(new.dose),
        frequency: Set(new.frequency),
        started_on: Set(new.started_on),
        status: Set(MedStatus::Active.key().to_string()),
        ended_on: Set(None),
        notes: Set(notes),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        m.id,
        "iniciado",
        new.started_on,
        Some(format!("{} cp {}x/dia", new.dose, new.frequency)),
        None,
        actor.user_id,
    )
    .await?;
    followup::refresh_person(&txn, person, today).await?;
    txn.commit().await?;
    Ok(m.id)
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

/// Applies a change; returns the person. Each change is valid only from some states
/// (a stopped medication is history: add it again instead).
pub async fn change(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    medication_id: i64,
    change: Change,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    let m = medication::Entity::find_by_id(medication_id)
        .one(db)
        .await?
        .ok_or(ActionError::NotFound)?;
    patient::find_in_scope(db, actor.scope, m.co_cidadao)
        .await?
        .ok_or(ActionError::NotFound)?;
    actor.check(Permission::ChangeTreatment, true)?;
    let reason =
        clean_text("motivo", reason.as_deref()).map_err(|e| ActionError::Invalid(vec![e]))?;
    let status = MedStatus::from_key(&m.status).unwrap_or(MedStatus::Stopped);
    let conflict = |msg: &str| Err(ActionError::Conflict(msg.to_string()));
    let (new_status, kind, detail, dose, frequency) = match change {
        Change::Frequency(f) => {
            if !FREQUENCIES.contains(&f) {
                return Err(ActionError::Invalid(vec![FieldError::new(
                    "frequencia",
                    "A frequência deve ser de 1 a 4 vezes ao dia.",
                )]));
            }
            if status == MedStatus::Stopped {
                return conflict("Um medicamento encerrado não pode ser alterado.");
            }
            if f == m.frequency {
                return Err(ActionError::Invalid(vec![FieldError::new(
                    "frequencia",
                    "A nova frequência é igual à atual.",
                )]));
            }
            (
                status,
                "frequencia",
                format!("{}x/dia → {}x/dia", m.frequency, f),
                m.dose,
                f,
            )
        }
        Change::Dose(d) => {
            if !DOSES.contains(&d) {
                return Err(ActionError::Invalid(vec![FieldError::new(
                    "dose",
                    "A dose deve ser de 1 a 6 comprimidos por tomada.",
                )]));
            }
            if status == MedStatus::Stopped {
                return conflict("Um medicamento encerrado não pode ser alterado.");
            }
            if d == m.dose {
                return Err(ActionError::Invalid(vec![FieldError::new(
                    "dose",
                    "A nova dose é igual à atual.",
                )]));
            }
            (
                status,
                "dose",
                format!("{} cp → {} cp", m.dose, d),
                d,
                m.frequency,
            )
        }
        Change::Pause => {
            if status != MedStatus::Active {
                return conflict("Só um medicamento em uso pode ser pausado.");
            }
            (
                MedStatus::Paused,
                "pausado",
                String::new(),
                m.dose,
                m.frequency,
            )
        }
        Change::Resume => {
            if status != MedStatus::Paused {
                return conflict("Só um medicamento pausado pode ser retomado.");
            }
            (
                MedStatus::Active,
                "retomado",
                String::new(),
                m.dose,
                m.frequency,
            )
        }
        Change::Stop => {
            if status == MedStatus::Stopped {
                return conflict("Este medicamento já está encerrado.");
            }
            (
                MedStatus::Stopped,
                "encerrado",
                String::new(),
                m.dose,
                m.frequency,
            )
        }
    };
    let txn = db.begin().await?;
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
    followup::refresh_person(&txn, m.co_cidadao, today).await?;
    txn.commit().await?;
    Ok(m.co_cidadao)
}
