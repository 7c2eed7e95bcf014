//! Per-person summary of a hypertensive citizen, derived from the PEC by the read-model job.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hypertension_summary")]
pub struct Model {
    /// `tb_cidadao.co_seq_cidadao`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao: i64,
    pub no_cidadao: String,
    /// Name, CNS and CPF folded to upper-case ASCII for accent-insensitive search.
    pub search_text: String,
    pub nu_cns: Option<String>,
    pub nu_cpf: Option<String>,
    pub dt_nascimento: Option<Date>,
    /// `F` or `M`.
    pub sexo: Option<String>,
    pub nu_ine: String,
    pub no_equipe: String,
    /// CNES of the health unit of the team link.
    pub nu_cnes: Option<String>,
    pub micro_area: Option<String>,
    pub last_bp_systolic: Option<i32>,
    pub last_bp_diastolic: Option<i32>,
    pub last_bp_date: Option<Date>,
    pub last_visit_date: Option<Date>,
    /// A [`crate::clinical::blood_pressure::ControlStatus`] key.
    pub control_status: String,
    pub c5_visit: bool,
    pub c5_bp: bool,
    pub c5_anthropometry: bool,
    pub c5_acs_visits: bool,
    pub c5_points: i32,
    /// The day the rules were evaluated for.
    pub as_of: Date,
    /// The earliest pending follow-up action (an `ActionType` key) and its due date.
    pub next_action_type: Option<String>,
    pub next_action_due: Option<Date>,
    pub pending_actions: i32,
    /// Has an active medication in the programme's treatment plan.
    pub in_treatment: bool,
    /// Active medications, one per line ("Losartana 50 mg — 1 cp 2x/dia").
    pub treatment_text: Option<String>,
    /// Home (MRPA) control of the latest evaluation and its date.
    pub home_control: Option<String>,
    pub home_date: Option<Date>,
    /// Band key of the latest cardiovascular-risk assessment.
    pub cv_risk_band: Option<String>,
    /// Address of the household of the current registration (street with its type, number,
    /// neighbourhood), for the ACS list.
    pub household_street: Option<String>,
    pub household_number: Option<String>,
    pub household_district: Option<String>,
    /// ACS/TACS home visits of the last 12 months counted by C5 (ISO dates, comma-separated),
    /// so the patient page shows the same evidence the list scored.
    pub acs_visit_dates: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Whether the person meets a C5 good practice, per the read model.
    pub fn c5_met(&self, p: crate::clinical::c5::Practice) -> bool {
        use crate::clinical::c5::Practice;
        match p {
            Practice::Visit => self.c5_visit,
            Practice::BloodPressure => self.c5_bp,
            Practice::Anthropometry => self.c5_anthropometry,
            Practice::AcsVisits => self.c5_acs_visits,
        }
    }
}
