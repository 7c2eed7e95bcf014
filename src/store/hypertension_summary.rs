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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
