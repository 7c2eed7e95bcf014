//! The person read model: every citizen of the PEC, with identity, team, micro-area and
//! household as of the last refresh (`care::person`).

use chrono::NaiveDate;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub co_seq_cidadao: i64,
    pub no_cidadao: String,
    /// Folded name (no accents, lower case), CNS and CPF digits, separated by spaces.
    pub search_text: String,
    pub nu_cns: Option<String>,
    pub nu_cpf: Option<String>,
    pub dt_nascimento: Option<NaiveDate>,
    /// `F`, `M` or `None` when the PEC says neither.
    pub sexo: Option<String>,
    /// The mobile phone the PEC holds, digits only.
    pub nu_telefone: Option<String>,
    /// Team of the latest link (`None`: never linked to a team).
    pub nu_ine: Option<String>,
    pub no_equipe: Option<String>,
    pub nu_cnes: Option<String>,
    /// Whether the team of the latest link is active.
    pub team_active: bool,
    /// Micro-area of the current individual registration.
    pub micro_area: Option<String>,
    /// `tb_cidadao.st_ativo = 1`.
    pub active: bool,
    pub deceased: bool,
    /// The current individual registration says the person left the territory.
    pub registration_inactive: bool,
    pub household_street: Option<String>,
    pub household_number: Option<String>,
    pub household_district: Option<String>,
    pub as_of: NaiveDate,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
