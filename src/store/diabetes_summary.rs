//! Per-person summary of a person with diabetes (C4 population), derived from the PEC by the
//! read-model job (`programs::diabetes::read_model`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "diabetes_summary")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao: i64,
    pub no_cidadao: String,
    pub search_text: String,
    pub nu_cns: Option<String>,
    pub nu_cpf: Option<String>,
    pub dt_nascimento: Option<Date>,
    pub sexo: Option<String>,
    pub nu_ine: String,
    pub no_equipe: String,
    pub nu_cnes: Option<String>,
    pub micro_area: Option<String>,
    /// Latest HbA1c (%) and the day it was done.
    pub last_hba1c: Option<f64>,
    pub last_hba1c_date: Option<Date>,
    /// The person's HbA1c target as the page shows it ("< 7,0 %").
    pub hba1c_target: String,
    /// A [`crate::clinical::diabetes::Control`] key.
    pub control_status: String,
    pub last_visit_date: Option<Date>,
    pub last_bp_date: Option<Date>,
    /// C4 practices A–F met on `as_of`.
    pub c4_a: bool,
    pub c4_b: bool,
    pub c4_c: bool,
    pub c4_d: bool,
    pub c4_e: bool,
    pub c4_f: bool,
    pub c4_points: i32,
    /// Missing practices with the day by which each must happen to count in the quadrimester
    /// (`A=2026-12-31,E=2026-12-31`).
    pub c4_due: Option<String>,
    /// The earliest of those days.
    pub next_due: Option<Date>,
    /// HbA1c results, oldest first (`2025-03-02=7.4;2025-09-10=6.9`), for the person page.
    pub hba1c_history: Option<String>,
    pub household_street: Option<String>,
    pub household_number: Option<String>,
    pub household_district: Option<String>,
    /// The earliest pending follow-up action (kind key, due date) and how many are pending
    /// (`programs::diabetes::followup`, kept current after each write).
    pub next_action_type: Option<String>,
    pub next_action_due: Option<Date>,
    pub pending_actions: i32,
    /// The latest evaluation: its day and the control status the professional chose.
    pub last_evaluation_date: Option<Date>,
    pub last_evaluation_control: Option<String>,
    pub as_of: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
