//! Connecting to the database and running migrations.
//!
//! * SQLite: WAL journal, foreign keys and a busy timeout are set on the connect options, so
//!   they apply to **every** pooled connection (they are per-connection settings).
//! * PostgreSQL: the app's tables live in schema `sistemaaps`; every connection gets
//!   `search_path = sistemaaps, public` so app tables resolve first and the PEC tables of
//!   `public` are read unqualified. The e-SUS mirror is created through a separate connection
//!   whose search path is `public` only.

use std::path::PathBuf;
use std::time::Duration;

use migration::{AppMigrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use secrecy::ExposeSecret;

use crate::config::{Backend, DatabaseConfig};

pub mod sql;

pub const APP_SCHEMA: &str = "sistemaaps";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    // Transparent: `{:#}` prints the cause chain, and a prefix holding `{0}` printed the
    // database's message twice.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error("cannot create the directory of the SQLite file {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Which search path a PostgreSQL connection gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    App,
    Mirror,
}

/// Connects the application pool (and creates schema `sistemaaps` on PostgreSQL).
pub async fn connect(cfg: &DatabaseConfig) -> Result<DatabaseConnection, DbError> {
    connect_for(cfg, Purpose::App).await
}

async fn connect_for(
    cfg: &DatabaseConfig,
    purpose: Purpose,
) -> Result<DatabaseConnection, DbError> {
    let backend = cfg.backend()?;
    let url = cfg.url.expose_secret().to_string();
    if backend == Backend::Sqlite {
        ensure_sqlite_dir(&url)?;
    }
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(cfg.max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(cfg.acquire_timeout_secs))
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(log::LevelFilter::Warn, Duration::from_millis(500));
    match backend {
        Backend::Sqlite => {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
            opts.map_sqlx_sqlite_before_acquire(|conn, _meta| {
                Box::pin(async move {
                    // SQLite rolls a transaction back by itself when a write fails with
                    // SQLITE_FULL (or IOERR, NOMEM); the driver's own ROLLBACK then fails ("no
                    // transaction is active") and it keeps counting the transaction as open, so
                    // its next BEGIN is a SAVEPOINT whose ROLLBACK TO leaves a transaction —
                    // and the write lock — open for good (measured by .ci/fault-disk-full.sh:
                    // every write "database is locked" after the disk had space again). An idle
                    // connection inside a transaction is closed instead of handed out.
                    use sea_orm::sqlx::Connection as _;
                    if conn.is_in_transaction() {
                        tracing::warn!(
                            "closing a pooled SQLite connection left inside a transaction by a failed write"
                        );
                        return Ok(false);
                    }
                    Ok(true)
                })
            });
        }
        Backend::Postgres => {
            opts.set_application_name("sistema-aps");
            match purpose {
                Purpose::App => opts.set_schema_search_path(format!("{APP_SCHEMA},public")),
                Purpose::Mirror => opts.set_schema_search_path("public"),
            };
        }
    }
    let mut db = sea_orm::Database::connect(opts).await?;
    if purpose == Purpose::App {
        // Statement durations for /metrics (a no-op until the recorder is installed).
        let system = crate::telemetry::metrics::db_system_name(db.get_database_backend());
        db.set_metric_callback(move |info| {
            crate::telemetry::metrics::observe_db_operation(system, info);
        });
    }
    if backend == Backend::Postgres && purpose == Purpose::App {
        // Create the schema only when missing: a production role that owns `sistemaaps` but
        // may not create schemas (sql/postgres/app-role.sql) must still connect.
        let exists = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT 1 AS one FROM pg_namespace WHERE nspname = '{APP_SCHEMA}'"),
            ))
            .await?
            .is_some();
        if !exists {
            db.execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS {APP_SCHEMA}"))
                .await?;
        }
    }
    Ok(db)
}

/// The file of a SQLite URL (`sqlite://data/x.db?mode=rwc` → `data/x.db`); `None` for an
/// in-memory database.
fn sqlite_file(url: &str) -> Option<&std::path::Path> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| std::path::Path::new(path))
}

/// The directory the app keeps its data in: the SQLite file's directory, or the working
/// directory with PostgreSQL (whose data lives on the database server).
pub fn data_dir(cfg: &DatabaseConfig) -> PathBuf {
    let url = cfg.url.expose_secret();
    match cfg.backend() {
        Ok(Backend::Sqlite) => sqlite_file(url)
            .and_then(|p| p.parent())
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), |d| d.to_path_buf()),
        _ => PathBuf::from("."),
    }
}

/// The SQLite file of the configured database; `None` for PostgreSQL or an in-memory database.
pub fn sqlite_path(cfg: &DatabaseConfig) -> Option<PathBuf> {
    match cfg.backend() {
        Ok(Backend::Sqlite) => sqlite_file(cfg.url.expose_secret()).map(|p| p.to_path_buf()),
        _ => None,
    }
}

/// `sqlite://data/x.db?mode=rwc` → creates `data/` when missing.
fn ensure_sqlite_dir(url: &str) -> Result<(), DbError> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Runs the application's own migrations.
pub async fn migrate_app(db: &DatabaseConnection) -> Result<(), DbError> {
    AppMigrator::up(db, None).await?;
    Ok(())
}

/// `sistema-aps migrate [--mirror]`: the app's migrations, then (with `mirror`) the e-SUS
/// mirror. The mirror's guard runs **first**, on a connection that creates nothing: over a real
/// PEC it refuses before schema `sistemaaps` or any app table is created.
pub async fn migrate(cfg: &DatabaseConfig, mirror: bool) -> Result<(), DbError> {
    if mirror {
        let check = connect_for(cfg, Purpose::Mirror).await?;
        let verdict = migration::mirror::guard(&check).await;
        check.close().await?;
        verdict?;
    }
    let conn = connect(cfg).await?;
    let result = migrate_app(&conn).await;
    conn.close().await?;
    result?;
    if mirror {
        migrate_mirror(cfg).await?;
    }
    Ok(())
}

/// Creates the e-SUS mirror, refusing (and changing nothing) over a real PEC.
pub async fn migrate_mirror(cfg: &DatabaseConfig) -> Result<(), DbError> {
    let db = connect_for(cfg, Purpose::Mirror).await?;
    let result = migration::mirror::up(&db).await;
    db.close().await?;
    result?;
    Ok(())
}

/// Why a database error is the database's state rather than the request's fault: the
/// server is down or restarting, or it has no space left to write. Pages answer 503 with a
/// Portuguese explanation and the API a 503 problem; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No connection: refused, reset, closed by a restart, or the pool could not get one
    /// within `database.acquire_timeout_secs`.
    Unreachable,
    /// The database cannot write: no space left (SQLite `SQLITE_FULL`, PostgreSQL 53100).
    DiskFull,
    /// SQLite's write lock is held (`SQLITE_BUSY`, `SQLITE_LOCKED`): after the busy timeout,
    /// or at once when waiting could deadlock (seen right after a failed write on a full disk).
    Busy,
}

/// Classifies `e` as the database being unavailable, or `None` for any other error (a bug
/// or a constraint: those stay 500 / their own answer).
pub fn unavailable(e: &sea_orm::DbErr) -> Option<Unavailable> {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    let runtime = match e {
        DbErr::ConnectionAcquire(_) => return Some(Unavailable::Unreachable),
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return None,
    };
    let conn_error = matches!(e, DbErr::Conn(_));
    let RuntimeErr::SqlxError(sqlx_error) = runtime else {
        return conn_error.then_some(Unavailable::Unreachable);
    };
    match sqlx_error.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Unavailable::Unreachable),
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            let code = code.as_ref();
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // Primary result code in the low byte.
                return match code.parse::<i32>().map(|c| c & 0xff) {
                    Ok(13) => Some(Unavailable::DiskFull), // SQLITE_FULL
                    Ok(5 | 6) => Some(Unavailable::Busy),  // SQLITE_BUSY, SQLITE_LOCKED
                    _ => None,
                };
            }
            match code {
                "53100" => Some(Unavailable::DiskFull),
                // connection_exception; admin_shutdown, crash_shutdown, cannot_connect_now.
                c if c.starts_with("08") => Some(Unavailable::Unreachable),
                "57P01" | "57P02" | "57P03" => Some(Unavailable::Unreachable),
                _ => None,
            }
        }
        _ => conn_error.then_some(Unavailable::Unreachable),
    }
}

/// Whether the PEC (or mirror) tables exist at all.
pub async fn pec_present(db: &DatabaseConnection) -> Result<bool, DbError> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name = 'tb_cidadao'"
        }
        _ => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'tb_cidadao'",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0)
}

/// Whether the PEC tables hold no citizen (an existence check: a real PEC has millions).
pub async fn pec_empty(db: &DatabaseConnection) -> Result<bool, DbError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT 1 AS one FROM tb_cidadao LIMIT 1",
        ))
        .await?;
    Ok(row.is_none())
}

/// Number of app migrations known to this binary and applied in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationState {
    pub known: usize,
    pub applied: usize,
}

impl MigrationState {
    pub fn is_current(&self) -> bool {
        self.applied >= self.known
    }
}

/// Reads the app's migration state without creating anything.
pub async fn migration_state(db: &DatabaseConnection) -> Result<MigrationState, DbError> {
    let known = AppMigrator::migrations().len();
    let backend = db.get_database_backend();
    let exists_sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = '{APP_SCHEMA}' AND table_name = 'seaql_migrations'"
        ),
        _ => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'"
            .to_string(),
    };
    let exists = db
        .query_one_raw(Statement::from_string(backend, exists_sql))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        > 0;
    if !exists {
        return Ok(MigrationState { known, applied: 0 });
    }
    let names: std::collections::BTreeSet<String> = AppMigrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await?;
    let mut applied = 0;
    for r in rows {
        if names.contains(&r.try_get::<String>("", "version")?) {
            applied += 1;
        }
    }
    Ok(MigrationState { known, applied })
}
