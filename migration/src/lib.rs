//! Database migrations of Sistema APS, in two separate migrators:
//!
//! * [`MirrorMigrator`] creates the **e-SUS PEC mirror**: the subset of PEC tables the app
//!   reads, with the PEC's exact table and column names. It exists for the demo, tests and
//!   staging only. Against a real PEC it must never run; [`mirror::guard`] refuses when PEC
//!   tables exist that this migrator did not create. It keeps its own bookkeeping table
//!   (`seaql_mirror_migrations`) so that the two histories never mix.
//! * [`AppMigrator`] creates the application's own tables (schema `sistemaaps` on PostgreSQL,
//!   the main database on SQLite). It never touches a PEC table.

pub mod app;
pub mod mirror;
mod util;

pub use app::AppMigrator;
pub use mirror::MirrorMigrator;
pub use sea_orm_migration;
pub use sea_orm_migration::MigratorTrait;
