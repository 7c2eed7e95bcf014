//! The treatment plan of a person — one plan whatever programmes they are in (a hypertensive
//! diabetic takes losartan and metformin, and a prescription lists both). Medications come
//! from a programme's drug catalogue ([`Drug`]: the PEC's `tb_medicamento` for hypertension,
//! a listed catalogue with its source for diabetes); each is added, has its dose or frequency
//! changed, is paused and resumed, stopped, or — an insulin — replaced by a new prescription
//! that keeps the old one as history. Every change leaves an event. Scope, permission
//! (`ChangeTreatment`), validation against the drug's bounds, per-person serialisation and the
//! read-model refresh are the same for every programme ([`write`]).

mod write;

pub use write::*;

use std::ops::RangeInclusive;

use chrono::{NaiveTime, Timelike};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::store::{care_medication as medication, care_medication_event as event};

pub use crate::care::followup::{Actor, FieldError, FollowupError as TreatmentError};

/// Tablets per intake, intakes a day, units per insulin application, applications a day.
pub const FREQUENCIES: RangeInclusive<i32> = 1..=4;

/// What one dose counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Tablets per intake; the intake times follow the frequency (`print::posology`).
    Tablet,
    /// Insulin units (UI) per application, each application at its own time.
    Insulin,
}

impl Unit {
    /// Stored in `care_medication.unit`.
    pub fn key(self) -> &'static str {
        match self {
            Unit::Tablet => "comprimido",
            Unit::Insulin => "ui",
        }
    }
    pub fn from_key(k: &str) -> Unit {
        if k == "ui" {
            Unit::Insulin
        } else {
            Unit::Tablet
        }
    }
    /// As the forms show it.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Tablet => "comprimido(s)",
            Unit::Insulin => "UI",
        }
    }
}

/// Which catalogue entry a medication is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrugId {
    /// `tb_medicamento.co_seq_medicamento` of this PEC.
    Pec(i64),
    /// The key of a programme's listed catalogue entry.
    Listed(&'static str),
}

/// A drug of a programme's catalogue: what it is and the bounds of its dose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drug {
    pub id: DrugId,
    /// Ingredient and strength, as printed ("Metformina 850 mg").
    pub name: String,
    /// The group the forms list it under ("Biguanida", "Insulina basal"…).
    pub group: String,
    /// "comprimido", "frasco-ampola ou caneta"…
    pub form: &'static str,
    /// The programme whose catalogue offers it.
    pub program: &'static str,
    pub unit: Unit,
    /// Tablets per intake, or units per application.
    pub dose: RangeInclusive<i32>,
    /// Intakes, or applications, a day.
    pub frequency: RangeInclusive<i32>,
}

/// One insulin application: its time and units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Application {
    pub time: NaiveTime,
    pub units: i32,
}

/// `"07:00 20;22:00 10"`, by time.
pub fn schedule_key(apps: &[Application]) -> String {
    let mut apps = apps.to_vec();
    apps.sort();
    apps.iter()
        .map(|a| format!("{} {}", hhmm(a.time), a.units))
        .collect::<Vec<_>>()
        .join(";")
}

/// The applications of a stored schedule (entries that do not read are skipped).
pub fn parse_schedule(s: &str) -> Vec<Application> {
    s.split(';')
        .filter_map(|part| {
            let (t, u) = part.trim().split_once(' ')?;
            Some(Application {
                time: NaiveTime::parse_from_str(t, "%H:%M").ok()?,
                units: u.trim().parse().ok()?,
            })
        })
        .collect()
}

pub fn hhmm(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "20 UI às 07:00, 10 UI às 22:00".
pub fn applications_text(apps: &[Application]) -> String {
    apps.iter()
        .map(|a| format!("{} UI às {}", a.units, hhmm(a.time)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// State of a medication in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MedStatus {
    Active,
    Paused,
    Stopped,
    /// An insulin whose doses changed: the new prescription replaced it.
    Replaced,
}

impl MedStatus {
    pub fn key(self) -> &'static str {
        match self {
            MedStatus::Active => "active",
            MedStatus::Paused => "paused",
            MedStatus::Stopped => "stopped",
            MedStatus::Replaced => "replaced",
        }
    }
    pub fn from_key(k: &str) -> Option<MedStatus> {
        [
            MedStatus::Active,
            MedStatus::Paused,
            MedStatus::Stopped,
            MedStatus::Replaced,
        ]
        .into_iter()
        .find(|s| s.key() == k)
    }
    pub fn label(self) -> &'static str {
        match self {
            MedStatus::Active => "Em uso",
            MedStatus::Paused => "Pausado",
            MedStatus::Stopped => "Encerrado",
            MedStatus::Replaced => "Substituído",
        }
    }
    /// Still part of the current plan (in use or paused).
    pub fn open(self) -> bool {
        matches!(self, MedStatus::Active | MedStatus::Paused)
    }
    fn rank(self) -> u8 {
        match self {
            MedStatus::Active => 0,
            MedStatus::Paused => 1,
            MedStatus::Stopped => 2,
            MedStatus::Replaced => 3,
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
        "substituido" => "Substituído por nova prescrição",
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

impl Medication {
    pub fn unit(&self) -> Unit {
        Unit::from_key(&self.row.unit)
    }
    /// The insulin applications (empty for a tablet).
    pub fn applications(&self) -> Vec<Application> {
        self.row
            .schedule
            .as_deref()
            .map(parse_schedule)
            .unwrap_or_default()
    }
    /// One line of the current plan.
    pub fn line(&self) -> String {
        line(&self.row)
    }
    /// How it is taken: "1 cp 2x/dia", "20 UI às 07:00, 10 UI às 22:00".
    pub fn posology(&self) -> String {
        match self.unit() {
            Unit::Insulin => applications_text(&self.applications()),
            Unit::Tablet => format!("{} cp {}x/dia", self.row.dose, self.row.frequency),
        }
    }
}

/// One line of the plan: "Losartana 50 mg — 1 cp 2x/dia", "Insulina NPH — 20 UI às 07:00,
/// 10 UI às 22:00".
pub fn line(m: &medication::Model) -> String {
    match (Unit::from_key(&m.unit), m.schedule.as_deref()) {
        (Unit::Insulin, Some(s)) => {
            format!("{} — {}", m.name, applications_text(&parse_schedule(s)))
        }
        _ => tablet_line(&m.name, m.dose, m.frequency),
    }
}

/// "Losartana 50 mg — 1 cp 2x/dia".
pub fn tablet_line(name: &str, dose: i32, frequency: i32) -> String {
    format!("{name} — {dose} cp {frequency}x/dia")
}

/// The whole plan of a person, every programme's medications: in use first, then paused,
/// stopped, replaced; by name.
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
    out.sort_by_key(|m| m.status.rank());
    Ok(out)
}

/// The active medications of these persons (every programme's), by person, name and id —
/// what a prescription lists.
pub async fn active_of(
    db: &impl ConnectionTrait,
    persons: &[i64],
) -> Result<Vec<medication::Model>, DbErr> {
    medication::Entity::find()
        .filter(medication::Column::CoCidadao.is_in(persons.to_vec()))
        .filter(medication::Column::Status.eq(MedStatus::Active.key()))
        .order_by_asc(medication::Column::Name)
        .order_by_asc(medication::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    #[test]
    fn a_schedule_is_stored_by_time_and_reads_back() {
        let apps = [
            Application {
                time: t(22, 0),
                units: 10,
            },
            Application {
                time: t(7, 30),
                units: 20,
            },
        ];
        let key = schedule_key(&apps);
        assert_eq!(key, "07:30 20;22:00 10");
        let back = parse_schedule(&key);
        assert_eq!(applications_text(&back), "20 UI às 07:30, 10 UI às 22:00");
        assert_eq!(parse_schedule("xx;07:00 5").len(), 1);
    }

    #[test]
    fn statuses_round_trip() {
        for s in ["active", "paused", "stopped", "replaced"] {
            assert_eq!(MedStatus::from_key(s).map(MedStatus::key), Some(s));
        }
        assert_eq!(MedStatus::from_key("ativo"), None);
        assert_eq!(Unit::from_key("ui"), Unit::Insulin);
        assert_eq!(Unit::from_key("comprimido"), Unit::Tablet);
    }
}
