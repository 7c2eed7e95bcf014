//! The e-SUS APS PEC mirror: a faithful subset of the PEC schema for the demo, tests and
//! staging. Table and column names are the PEC's own (see `esus-schema.md` §3.2 and §3.5);
//! where a name is not confirmed against a real PEC, the migration says so next to it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement};

use std::sync::LazyLock;

mod m20260101_000001_esus_tier_a;
mod m20261207_000001_act_types;

/// Bookkeeping table of the mirror migrator, distinct from the app's `seaql_migrations`.
pub const MIRROR_MIGRATION_TABLE: &str = "seaql_mirror_migrations";

/// Every PEC table the mirror creates, in creation order. Used by [`guard`], the generator and
/// the mirror tests.
pub static MIRROR_TABLES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        m20260101_000001_esus_tier_a::TABLES,
        m20261207_000001_act_types::TABLES,
    ]
    .concat()
});

pub struct MirrorMigrator;

#[async_trait::async_trait]
impl MigratorTrait for MirrorMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_esus_tier_a::Migration),
            Box::new(m20261207_000001_act_types::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        MIRROR_MIGRATION_TABLE.into_iden()
    }
}

/// Which of `names` exist as tables. On PostgreSQL the PEC lives in schema `public`.
async fn existing_tables<C: ConnectionTrait>(db: &C, names: &[&str]) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let list = names
        .iter()
        .map(|n| format!("'{}'", n.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(",");
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name IN ({list}) ORDER BY 1"
        ),
        _ => format!(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({list}) ORDER BY 1"
        ),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect()
}

/// Refuses to run the mirror over a database that already holds PEC tables the mirror did not
/// create (a real PEC, or a copy of one). Nothing is changed when it refuses.
pub async fn guard<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let bookkeeping = existing_tables(db, &[MIRROR_MIGRATION_TABLE]).await?;
    let present = existing_tables(db, &MIRROR_TABLES).await?;
    if present.is_empty() {
        return Ok(());
    }
    if bookkeeping.is_empty() {
        return Err(DbErr::Custom(format!(
            "refusing to create the e-SUS mirror: PEC tables already exist that the mirror did \
             not create ({}). This looks like a real PEC database; the mirror is only for the \
             demo, tests and staging. Nothing was changed.",
            present.join(", ")
        )));
    }
    Ok(())
}

/// Runs the mirror migrations after [`guard`] has cleared the database.
pub async fn up(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), DbErr> {
    guard(db).await?;
    MirrorMigrator::up(db, None).await
}
