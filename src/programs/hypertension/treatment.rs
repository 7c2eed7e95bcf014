//! Hypertension's side of the one treatment plan (`care::treatment`): antihypertensives from
//! the PEC catalogue (`tb_medicamento`), tablets 1–6 per intake, 1–4 intakes a day. A frequency
//! change, a pause (resumable) and a stop (ended) are different things, and each leaves an
//! event in the medication's history.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};

use crate::care::treatment::{self as care, Drug, DrugId, Plan, Unit};
use crate::clinical::antihypertensives;
use crate::db::sql::statement;
use crate::text::fold;

use super::actions::{ActionError, Actor, FOLLOWUP};

pub use crate::care::treatment::{Change, MedStatus, Medication, event_label};

pub const DOSES: std::ops::RangeInclusive<i32> = 1..=6;
pub const FREQUENCIES: std::ops::RangeInclusive<i32> = care::FREQUENCIES;

/// Hypertension's side of the plan.
pub static PLAN: Plan = Plan {
    followup: &FOLLOWUP,
    choose_drug: "Escolha um anti-hipertensivo do catálogo.",
    unknown: (Unit::Tablet, DOSES, FREQUENCIES),
};

/// The whole plan of a person (every programme's medications): in use first, then paused,
/// then stopped; by name.
pub async fn list(db: &impl ConnectionTrait, person: i64) -> Result<Vec<Medication>, DbErr> {
    care::list(db, person).await
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

/// An antihypertensive as the shared plan sees it.
pub fn drug(item: &CatalogueItem) -> Drug {
    Drug {
        id: DrugId::Pec(item.id),
        name: item.name.clone(),
        group: item.class.to_string(),
        form: "comprimido",
        program: FOLLOWUP.key,
        unit: Unit::Tablet,
        dose: DOSES,
        frequency: FREQUENCIES,
    }
}

/// Adds a medication. Refuses one already in use or paused (change it instead).
pub async fn add(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    new: NewMedication,
    today: NaiveDate,
) -> Result<i64, ActionError> {
    let item = catalogue(db)
        .await?
        .into_iter()
        .find(|c| c.id == new.catalogue_id)
        .map(|c| drug(&c));
    let new = care::NewMedication {
        dose: new.dose,
        frequency: new.frequency,
        applications: Vec::new(),
        started_on: new.started_on,
        notes: new.notes,
    };
    care::add(db, &PLAN, actor, person, item.as_ref(), new, today).await
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
    care::change(
        db,
        &PLAN,
        actor,
        medication_id,
        (DOSES, FREQUENCIES),
        change,
        reason,
        today,
    )
    .await
}
