//! The programme registry. Every programme the app offers is one [`ProgramDef`] in [`ALL`]:
//! navigation, the read-model refresh, `/ready`, the metrics, `pec check` and the person page
//! ("is this person on the list, and if not, why") read this list and nothing else, so a new
//! programme is its folder, its migration and one line here.

pub mod diabetes;
pub mod hypertension;

use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};

use crate::clinical::codes::CodeList;
use crate::esus::catalogue::Catalogue;

/// A boxed future borrowing its arguments.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a read-model rebuild did.
#[derive(Debug, Clone, Default)]
pub struct RefreshReport {
    pub rows: usize,
    pub duration_ms: u128,
    /// PEC rows it could not use, per kind (`care::quality`).
    pub skipped: crate::care::quality::Skipped,
}

/// Rebuilds a programme's read model for `today` (after the person read model).
pub type RefreshFn = for<'a> fn(
    &'a DatabaseConnection,
    NaiveDate,
    &'a Catalogue,
) -> BoxFuture<'a, Result<RefreshReport, DbErr>>;

/// The same rebuild inside a transaction the caller may roll back (`pec check` tries it).
pub type RefreshInFn = for<'a> fn(
    &'a DatabaseTransaction,
    NaiveDate,
    &'a Catalogue,
) -> BoxFuture<'a, Result<RefreshReport, DbErr>>;

/// Whether a person is on the programme's list (its read model holds them).
pub type ListedFn = for<'a> fn(&'a DatabaseConnection, i64) -> BoxFuture<'a, Result<bool, DbErr>>;

/// Who a programme is for, before the rules every programme shares (`care::person::exclusion`).
#[derive(Debug, Clone, Copy)]
pub enum Population {
    /// People with a current (active or latent) problem coded with a list.
    Coded(&'static CodeList),
}

impl Population {
    /// The rule in Portuguese, as the person page and the list's help show it.
    pub fn describe(&self) -> String {
        match self {
            Population::Coded(list) => {
                let mut codes: Vec<String> =
                    list.ciap.iter().map(|c| format!("CIAP {c}")).collect();
                codes.extend(list.cid10_prefixes.iter().map(|c| format!("CID {c}")));
                format!(
                    "problema ativo ou latente na lista de problemas do PEC com um destes códigos: {} ({})",
                    codes.join(", "),
                    list.source
                )
            }
        }
    }
}

/// A PEC fact a programme relies on that was not verified against a real PEC. `pec check`
/// prints it with what `probe` (a `SELECT COUNT(*) AS n …` over PEC tables only) finds on the
/// database it checks, so the admin can judge it on theirs.
#[derive(Debug, Clone, Copy)]
pub struct Unverified {
    /// What is assumed and what goes wrong when it is false, in Portuguese.
    pub fact: &'static str,
    /// What the count means, in Portuguese ("pedidos de avaliação dos pés").
    pub counted: &'static str,
    pub probe: &'static str,
}

/// One programme.
pub struct ProgramDef {
    /// Stable key (metrics label, read-model name).
    pub key: &'static str,
    /// Name in the navigation and on the person page.
    pub name: &'static str,
    /// The worklist page.
    pub path: &'static str,
    pub population: Population,
    pub refresh: RefreshFn,
    pub refresh_in: RefreshInFn,
    pub listed: ListedFn,
    /// The PEC facts its rules rely on that nobody verified on a real PEC.
    pub unverified: &'static [Unverified],
    /// Its national indicator and where its read model keeps each person's result (the team
    /// summary reads it).
    pub indicator: Option<crate::care::indicator::Source>,
}

impl std::fmt::Debug for ProgramDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgramDef")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Every programme, in the order the navigation shows them.
pub static ALL: &[&ProgramDef] = &[&hypertension::PROGRAM, &diabetes::PROGRAM];

/// Programmes announced in the navigation but not built yet.
pub const PLANNED: &[&str] = &[
    "Planejamento familiar",
    "Adolescentes",
    "Pré-natal",
    "Domicílios",
    "Rastreamento",
    "Indicadores",
];

/// Every read model the refresh rebuilds, in order: the person model first, then each
/// programme's.
pub fn read_models() -> impl Iterator<Item = &'static str> {
    std::iter::once(crate::care::person::READ_MODEL).chain(ALL.iter().map(|p| p.key))
}

/// The programme with this key.
pub fn by_key(key: &str) -> Option<&'static ProgramDef> {
    ALL.iter().copied().find(|p| p.key == key)
}
