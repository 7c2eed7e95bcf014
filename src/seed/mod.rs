//! Synthetic municipality generator for the e-SUS PEC mirror.
//!
//! Fills an **empty** mirror (see `migration::mirror`) with a deterministic, realistic
//! municipality: health units and teams, households and families, citizens with versioned
//! registration forms, encounters, blood-pressure readings, coded problems, prescriptions,
//! labs and community health agent (ACS) home visits, plus the PEC's quirks on purpose
//! (`esus-schema.md` §4). Everything is synthetic: names are random combinations of common
//! names, documents are random numbers with valid check digits.
//!
//! The same `seed`, `citizens` and `today` always produce byte-identical data: the generator
//! uses its own PRNG ([`rng`]), assigns every primary key itself and never iterates a hash map.

mod calendar;
mod catalogues;
mod clinical;
mod identity;
mod rng;
pub mod shuffle;
mod territory;
mod visits;
mod writer;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use self::identity::DocumentFactory;
use self::rng::Rng;
use self::territory::Municipality;
use self::writer::{Table, Writer};

pub use self::identity::{cns_is_valid, cpf_is_valid};

/// Largest municipality the generator accepts.
pub const MAX_CITIZENS: u32 = 5_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// Number of distinct people. `tb_cidadao` gets slightly more rows (duplicate records).
    pub citizens: u32,
    /// PRNG seed; the same seed gives the same municipality.
    pub seed: u64,
    /// The generator's "today": no event is dated after it.
    pub today: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct SeedReport {
    /// Distinct people generated (= `SeedOptions::citizens`).
    pub citizens: u64,
    /// Rows of `tb_equipe` (family-health teams plus one inactive and one eMulti team).
    pub teams: u64,
    /// Distinct households (not counting older versions of their forms).
    pub households: u64,
    /// Rows inserted into all tables together.
    pub rows: u64,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the PEC tables already hold data; seed only an empty mirror")]
    NotEmpty,
    #[error("invalid seed options: {0}")]
    InvalidOptions(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Sequential primary keys, one counter per table.
pub(crate) struct Ids {
    next: [i64; Table::ALL.len()],
}

impl Ids {
    fn new() -> Self {
        Self {
            next: [1; Table::ALL.len()],
        }
    }

    pub(crate) fn next(&mut self, table: Table) -> i64 {
        let slot = &mut self.next[table.index()];
        let id = *slot;
        *slot += 1;
        id
    }
}

/// State shared by every part of the generator.
pub(crate) struct Ctx {
    pub today: NaiveDate,
    /// Start of the clinical history window (three years before `today`).
    pub window_start: NaiveDate,
    pub ids: Ids,
    pub docs: DocumentFactory,
}

/// Generates the municipality into an empty mirror, in one transaction.
///
/// Refuses with [`SeedError::NotEmpty`] when any mirror table already holds rows (in
/// particular `tb_cidadao`); nothing is changed then.
pub async fn run(db: &DatabaseConnection, opts: &SeedOptions) -> Result<SeedReport, SeedError> {
    if opts.citizens == 0 || opts.citizens > MAX_CITIZENS {
        return Err(SeedError::InvalidOptions(format!(
            "citizens must be between 1 and {MAX_CITIZENS}, got {}",
            opts.citizens
        )));
    }
    let started = Instant::now();
    let txn = db.begin().await?;
    if !mirror_is_empty(&txn).await? {
        txn.rollback().await?;
        return Err(SeedError::NotEmpty);
    }
    let mut writer = Writer::new(&txn);
    let stats = generate(&mut writer, opts).await?;
    writer.flush().await?;
    let rows = writer.total_written();
    let teams = writer.written(Table::Equipe);
    drop(writer);
    txn.commit().await?;
    // Millions of rows arrived at once: give the planner statistics now, instead of after
    // autovacuum gets to it (without them PostgreSQL scanned whole tables for one patient).
    analyze(db).await?;
    let report = SeedReport {
        citizens: u64::from(opts.citizens),
        teams,
        households: stats.households,
        rows,
        elapsed: started.elapsed(),
    };
    tracing::info!(
        citizens = report.citizens,
        teams = report.teams,
        households = report.households,
        rows = report.rows,
        elapsed_ms = report.elapsed.as_millis() as u64,
        "synthetic municipality generated"
    );
    Ok(report)
}

/// Refreshes the query planner's statistics of the mirror tables just filled (SQLite with a
/// bounded sample). Only those: statistics taken of the app's still-empty tables would tell
/// PostgreSQL they are empty, and it would keep scanning them (the audit trail's foreign-key
/// checks did) until autovacuum noticed they had grown.
async fn analyze<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        conn.execute_unprepared("PRAGMA analysis_limit = 1000")
            .await?;
    }
    for table in migration::mirror::MIRROR_TABLES.iter() {
        conn.execute_unprepared(&format!("ANALYZE {table}")).await?;
    }
    Ok(())
}

async fn mirror_is_empty<C: ConnectionTrait>(conn: &C) -> Result<bool, DbErr> {
    // tb_cidadao first: it is the table the contract names.
    let mut tables = vec!["tb_cidadao"];
    tables.extend(
        Table::ALL
            .iter()
            .map(|t| t.spec().0)
            .filter(|t| *t != "tb_cidadao"),
    );
    for table in tables {
        let stmt = Query::select()
            .expr(Expr::val(1))
            .from(table)
            .limit(1)
            .to_owned();
        if conn.query_one(&stmt).await?.is_some() {
            return Ok(false);
        }
    }
    Ok(true)
}

struct Stats {
    households: u64,
}

async fn generate<C: ConnectionTrait>(
    w: &mut Writer<'_, C>,
    opts: &SeedOptions,
) -> Result<Stats, DbErr> {
    let mut master = Rng::new(opts.seed);
    let mut ctx = Ctx {
        today: opts.today,
        window_start: calendar::add_days(opts.today, -3 * 365),
        ids: Ids::new(),
        docs: DocumentFactory::default(),
    };
    catalogues::write(w);
    let mut town_rng = master.fork(1);
    let municipality = Municipality::generate(&mut ctx, &mut town_rng, opts.citizens);
    municipality.write(w);
    w.flush().await?;

    let mut people_rng = master.fork(2);
    let mut builder = territory::HouseholdBuilder::new(&municipality);
    let mut households = 0u64;
    for (team_index, quota) in municipality.quotas() {
        let mut remaining = quota;
        while remaining > 0 {
            let mut rng = people_rng.fork(households);
            let mut house = builder.household(&mut ctx, &mut rng, team_index, remaining, w);
            remaining = remaining.saturating_sub(house.people_count());
            households += 1;
            let mut clinical_rng = rng.fork(10);
            for person in house.people.iter_mut() {
                clinical::person(&mut ctx, &mut clinical_rng, &municipality, person, w);
            }
            let mut visit_rng = rng.fork(20);
            visits::household(&mut ctx, &mut visit_rng, &house, w);
            w.maybe_flush().await?;
        }
    }
    Ok(Stats { households })
}
