//! Diabetes' side of the one treatment plan (`care::treatment`): the oral antidiabetics and
//! insulins of the reference system's treatment modal, as data with their source, and the
//! follow-up's pending "Modificar tratamento" closed when the plan changes.
//!
//! Source: the reference system's static list (`/api/diabetes/medicamentos_diabetes`,
//! `reference-system.md` §1.7 "Treatment modal") — without its bug of listing insulins among
//! the tablets: oral drugs 1–5 tablets per intake, 1–4 intakes a day; insulins NPH, regular,
//! glargina and lispro with 1–100 UI per application and 1–4 applications a day, each at its
//! own time. A second insulin of the same type in use is refused; changing an insulin's doses
//! keeps the old prescription as `replaced` (the reference's versioning, which was dead code
//! there, made to work).

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::care::followup::{Actor, FollowupError, steps_of};
use crate::care::treatment::{self as care, Application, Change, Drug, DrugId, Plan, Unit};
use crate::clinical::diabetes_followup::DmAction;

use super::followup::{self as dm_followup, Completion, FOLLOWUP};

/// Tablets per intake of an oral antidiabetic (the reference's 1–5).
pub const ORAL_DOSES: std::ops::RangeInclusive<i32> = 1..=5;
/// Units of one insulin application.
pub const INSULIN_UNITS: std::ops::RangeInclusive<i32> = 1..=100;

/// One entry of the listed catalogue: key, name as printed, group, unit.
pub struct Listed {
    pub key: &'static str,
    pub name: &'static str,
    pub group: &'static str,
    pub unit: Unit,
}

const fn oral(key: &'static str, name: &'static str, group: &'static str) -> Listed {
    Listed {
        key,
        name,
        group,
        unit: Unit::Tablet,
    }
}

const fn insulin(key: &'static str, name: &'static str, group: &'static str) -> Listed {
    Listed {
        key,
        name,
        group,
        unit: Unit::Insulin,
    }
}

/// The diabetes catalogue (source in the module comment), tablets first, by group.
pub static CATALOGUE: [Listed; 19] = [
    oral("metformina-500", "Metformina 500 mg", "Biguanida"),
    oral("metformina-850", "Metformina 850 mg", "Biguanida"),
    oral("glibenclamida-5", "Glibenclamida 5 mg", "Sulfonilureia"),
    oral("gliclazida-30", "Gliclazida 30 mg", "Sulfonilureia"),
    oral("gliclazida-60", "Gliclazida 60 mg", "Sulfonilureia"),
    oral("sitagliptina-50", "Sitagliptina 50 mg", "Inibidor da DPP-4"),
    oral(
        "sitagliptina-100",
        "Sitagliptina 100 mg",
        "Inibidor da DPP-4",
    ),
    oral(
        "empagliflozina-10",
        "Empagliflozina 10 mg",
        "Inibidor do SGLT2",
    ),
    oral(
        "empagliflozina-25",
        "Empagliflozina 25 mg",
        "Inibidor do SGLT2",
    ),
    oral("pioglitazona-15", "Pioglitazona 15 mg", "Tiazolidinediona"),
    oral("pioglitazona-30", "Pioglitazona 30 mg", "Tiazolidinediona"),
    oral("repaglinida-1", "Repaglinida 1 mg", "Glinida"),
    oral("repaglinida-2", "Repaglinida 2 mg", "Glinida"),
    oral(
        "acarbose-50",
        "Acarbose 50 mg",
        "Inibidor da alfa-glicosidase",
    ),
    oral(
        "acarbose-100",
        "Acarbose 100 mg",
        "Inibidor da alfa-glicosidase",
    ),
    insulin("insulina-nph", "Insulina NPH", "Insulina basal"),
    insulin("insulina-glargina", "Insulina glargina", "Insulina basal"),
    insulin("insulina-regular", "Insulina regular", "Insulina prandial"),
    insulin("insulina-lispro", "Insulina lispro", "Insulina prandial"),
];

/// A catalogue entry as the shared plan sees it.
pub fn drug(l: &Listed) -> Drug {
    let (form, dose) = match l.unit {
        Unit::Tablet => ("comprimido", ORAL_DOSES),
        Unit::Insulin => ("frasco-ampola ou caneta", INSULIN_UNITS),
    };
    Drug {
        id: DrugId::Listed(l.key),
        name: l.name.to_string(),
        group: l.group.to_string(),
        form,
        program: FOLLOWUP.key,
        unit: l.unit,
        dose,
        frequency: care::FREQUENCIES,
    }
}

/// The entries of one unit (the tablets for "Adicionar medicamento", the insulins for
/// "Adicionar insulina").
pub fn of_unit(unit: Unit) -> impl Iterator<Item = &'static Listed> {
    CATALOGUE.iter().filter(move |l| l.unit == unit)
}

/// The entry of a key, if it has that unit.
pub fn find(key: &str, unit: Unit) -> Option<Drug> {
    of_unit(unit).find(|l| l.key == key).map(drug)
}

/// Diabetes' side of the plan for oral drugs.
pub static PLAN: Plan = Plan {
    followup: &FOLLOWUP,
    choose_drug: "Escolha um antidiabético oral do catálogo.",
    unknown: (Unit::Tablet, ORAL_DOSES, care::FREQUENCIES),
};

/// Diabetes' side of the plan for insulins (another message for an unknown type).
pub static INSULIN_PLAN: Plan = Plan {
    followup: &FOLLOWUP,
    choose_drug: "Escolha o tipo de insulina.",
    unknown: (Unit::Insulin, INSULIN_UNITS, care::FREQUENCIES),
};

/// What a write did: the medication, and the pending "Modificar tratamento" it completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub medication: i64,
    pub person: i64,
    pub closed_action: Option<i64>,
}

/// Completes the pending "Modificar tratamento" of the person, if there is one: changing the
/// plan is what it asked for. Its mandatory step (the new prescription) is ticked with it; the
/// adherence reminder stays as it is (the "Aguardando coleta" the cycle schedules next is
/// where adherence is judged).
/// Runs after the plan's own commit: a refusal here (someone completed it meanwhile) leaves
/// the plan change in place and the action as it is.
async fn close_modify(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    today: NaiveDate,
) -> Result<Option<i64>, FollowupError> {
    let kind = DmAction::ModifyTreatment.key();
    let Some(pending) = crate::care::followup::pending_of(db, &FOLLOWUP, person, kind).await?
    else {
        return Ok(None);
    };
    let steps: Vec<i32> = steps_of(db, pending.id)
        .await?
        .iter()
        .filter(|s| s.mandatory)
        .map(|s| s.position)
        .collect();
    let done = dm_followup::complete(
        db,
        actor,
        person,
        Completion {
            action: DmAction::ModifyTreatment,
            action_id: Some(pending.id),
            done_on: today,
            notes: Some("Concluída ao alterar o plano de tratamento.".to_string()),
            steps_done: steps,
            evaluation: None,
        },
        today,
    )
    .await;
    match done {
        Ok(c) => Ok(Some(c.action_id)),
        Err(FollowupError::Conflict(m)) => {
            tracing::info!(action = pending.id, %m, "pending treatment change not closed");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

async fn written(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    medication: i64,
    person: i64,
    today: NaiveDate,
) -> Result<Written, FollowupError> {
    let closed_action = close_modify(db, actor, person, today).await?;
    Ok(Written {
        medication,
        person,
        closed_action,
    })
}

/// A new oral drug: tablets per intake, intakes a day.
#[derive(Debug, Clone)]
pub struct NewOral {
    pub drug: String,
    pub dose: i32,
    pub frequency: i32,
    pub started_on: NaiveDate,
    pub notes: Option<String>,
}

/// Adds an oral antidiabetic to the plan.
pub async fn add_oral(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    new: NewOral,
    today: NaiveDate,
) -> Result<Written, FollowupError> {
    let drug = find(&new.drug, Unit::Tablet);
    let new = care::NewMedication {
        dose: new.dose,
        frequency: new.frequency,
        applications: Vec::new(),
        started_on: new.started_on,
        notes: new.notes,
    };
    let id = care::add(db, &PLAN, actor, person, drug.as_ref(), new, today).await?;
    written(db, actor, id, person, today).await
}

/// A new insulin: its type and each application's time and units.
#[derive(Debug, Clone)]
pub struct NewInsulin {
    pub drug: String,
    pub applications: Vec<Application>,
    pub started_on: NaiveDate,
    pub notes: Option<String>,
}

/// Adds an insulin; a second of the same type in use is refused.
pub async fn add_insulin(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    person: i64,
    new: NewInsulin,
    today: NaiveDate,
) -> Result<Written, FollowupError> {
    let drug = find(&new.drug, Unit::Insulin);
    let new = care::NewMedication {
        dose: 0,
        frequency: 0,
        applications: new.applications,
        started_on: new.started_on,
        notes: new.notes,
    };
    let id = care::add(db, &INSULIN_PLAN, actor, person, drug.as_ref(), new, today).await?;
    written(db, actor, id, person, today).await
}

/// The catalogue entry of a stored medication (diabetes' own), if it is still listed.
fn stored_drug(m: &crate::store::care_medication::Model) -> Option<Drug> {
    let key = m.drug.as_deref()?;
    CATALOGUE.iter().find(|l| l.key == key).map(drug)
}

async fn load(db: &DatabaseConnection, id: i64) -> Result<Option<care::Medication>, FollowupError> {
    use sea_orm::EntityTrait;
    let Some(row) = crate::store::care_medication::Entity::find_by_id(id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(care::list(db, row.co_cidadao)
        .await?
        .into_iter()
        .find(|m| m.row.id == id))
}

/// Changes dose or frequency of an oral drug, or pauses, resumes or stops any medication
/// diabetes added.
pub async fn change(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    medication_id: i64,
    what: Change,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Written, FollowupError> {
    let bounds = load(db, medication_id)
        .await?
        .and_then(|m| stored_drug(&m.row))
        .map_or((ORAL_DOSES, care::FREQUENCIES), |d| (d.dose, d.frequency));
    let person = care::change(db, &PLAN, actor, medication_id, bounds, what, reason, today).await?;
    written(db, actor, medication_id, person, today).await
}

/// Replaces an insulin's doses by a new prescription (the old one is kept as replaced).
pub async fn change_insulin(
    db: &DatabaseConnection,
    actor: Actor<'_>,
    medication_id: i64,
    applications: Vec<Application>,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Written, FollowupError> {
    let m = load(db, medication_id)
        .await?
        .ok_or(FollowupError::NotFound)?;
    let Some(drug) = stored_drug(&m.row).filter(|d| d.unit == Unit::Insulin) else {
        // Scope and permission first, then the refusal (`replace` checks them in order).
        return care::replace(
            db,
            &PLAN,
            actor,
            medication_id,
            &drug(&CATALOGUE[0]),
            applications,
            reason,
            today,
        )
        .await
        .and_then(|_| Err(FollowupError::NotFound));
    };
    let id = care::replace(
        db,
        &PLAN,
        actor,
        medication_id,
        &drug,
        applications,
        reason,
        today,
    )
    .await?;
    written(db, actor, id, m.row.co_cidadao, today).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_keeps_insulins_out_of_the_tablets() {
        let tablets: Vec<&str> = of_unit(Unit::Tablet).map(|l| l.name).collect();
        assert_eq!(tablets.len(), 15);
        assert!(!tablets.iter().any(|n| n.starts_with("Insulina")));
        let insulins: Vec<&str> = of_unit(Unit::Insulin).map(|l| l.key).collect();
        assert_eq!(
            insulins,
            [
                "insulina-nph",
                "insulina-glargina",
                "insulina-regular",
                "insulina-lispro"
            ]
        );
        assert_eq!(find("insulina-nph", Unit::Tablet), None);
        assert_eq!(
            find("metformina-850", Unit::Tablet).map(|d| (d.dose, d.frequency)),
            Some((1..=5, 1..=4))
        );
        assert_eq!(
            find("insulina-nph", Unit::Insulin).map(|d| d.dose),
            Some(1..=100)
        );
        let mut keys: Vec<&str> = CATALOGUE.iter().map(|l| l.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CATALOGUE.len());
    }
}
