//! Backups that restore (issue 8).
//!
//! * `sistema-aps backup`: SQLite — `VACUUM INTO` (online, consistent) + `PRAGMA
//!   integrity_check`, gzip; PostgreSQL — `pg_dump -Fc` of schema `sistemaaps` (the PEC's own
//!   tables are backed up by the PEC), or of the whole database when the e-SUS mirror is in
//!   use. A manifest (migrations, row count of every table, taken in the same snapshot) goes
//!   into the same tar; optional in-process age encryption; a `.sha256` beside it; retention;
//!   the node_exporter textfile for the "backup too old" alert.
//! * `sistema-aps restore FILE`: checksum, decrypt, restore into an **empty** database (or
//!   `--force`), then compare with the manifest and walk the audit chain.
//! * `sistema-aps backup verify FILE`: the same into a scratch database, dropped afterwards.
//!
//! Exit codes: 0 success, 1 failure (I/O, database, pg_dump…), 3 integrity (checksum,
//! decryption, manifest or audit chain do not match), 4 refused (target not empty, identity
//! missing, backup from another backend or a newer version).

pub mod archive;
pub mod inspect;
pub mod manifest;
pub mod postgres;
pub mod retention;
pub mod sqlite;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::Utc;
use migration::MigratorTrait;
use sea_orm::{AccessMode, ConnectionTrait, IsolationLevel, Statement, TransactionTrait};
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Backend, Config, DatabaseConfig};
use manifest::{Manifest, Payload, Scope};

/// Exit code of an integrity failure.
pub const EXIT_INTEGRITY: u8 = 3;
/// Exit code of a refusal.
pub const EXIT_REFUSED: u8 = 4;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup or the restored data does not match what was written.
    #[error("{0}")]
    Integrity(String),
    /// The operation would destroy data or cannot proceed as asked.
    #[error("{0}")]
    Refused(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("erro de banco de dados: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Connect(#[from] crate::db::DbError),
    #[error("{0}")]
    Tool(String),
    #[error("configuração: {0}")]
    Config(String),
}

impl BackupError {
    pub fn exit_code(&self) -> u8 {
        match self {
            BackupError::Integrity(_) => EXIT_INTEGRITY,
            BackupError::Refused(_) => EXIT_REFUSED,
            _ => 1,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

/// The configured backup directory (`backups/` in the data directory when unset).
pub fn directory(config: &Config) -> PathBuf {
    config
        .backup
        .directory
        .clone()
        .unwrap_or_else(|| crate::db::data_dir(&config.database).join("backups"))
}

fn ensure_private_dir(dir: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(format!("não foi possível criar {}", dir.display())))
}

fn recipient(config: &Config) -> Result<Option<age::x25519::Recipient>, BackupError> {
    match config.backup.age_recipient.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => age::x25519::Recipient::from_str(r).map(Some).map_err(|e| {
            BackupError::Config(format!(
                "backup.age_recipient não é uma chave pública age (age1…): {e}"
            ))
        }),
    }
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// What `backup` did.
#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub checksum_path: PathBuf,
    pub bytes: u64,
    pub encrypted: bool,
    pub manifest: Manifest,
    pub pruned: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// Backs up the configured database into `output` (default: the configured directory, where
/// retention is then applied).
pub async fn backup(config: &Config, output: Option<&Path>) -> Result<BackupReport, BackupError> {
    let started = Instant::now();
    let recipient = recipient(config)?;
    let backend = config
        .database
        .backend()
        .map_err(|e| BackupError::Config(e.to_string()))?;
    let configured = directory(config);
    let dir = output.map_or_else(|| configured.clone(), Path::to_path_buf);
    ensure_private_dir(&dir)?;
    let work = tempfile::Builder::new()
        .prefix(".backup-")
        .tempdir_in(&dir)
        .map_err(io_err(format!(
            "não foi possível criar um diretório temporário em {}",
            dir.display()
        )))?;
    let created_at = Utc::now();
    let conn = crate::db::connect(&config.database).await?;
    let (scope, server_version, migrations, tables, audit_head, payload) = match backend {
        Backend::Sqlite => {
            let copy = work.path().join("copy.sqlite");
            sqlite::snapshot(&conn, &copy).await?;
            conn.close().await?;
            let c = sqlite::open_file(&copy).await?;
            sqlite::integrity_check(&c, &copy).await?;
            let migrations = inspect::migrations(&c).await?;
            let tables = inspect::counts(&c, Scope::Database).await?;
            let version = inspect::server_version(&c).await?;
            let head = if migrations.is_empty() {
                None
            } else {
                crate::audit::head(&c).await?
            };
            c.close().await?;
            let name = "database.sqlite.gz";
            let payload = work.path().join(name);
            let (copy2, payload2) = (copy.clone(), payload.clone());
            let (sha256, bytes) =
                tokio::task::spawn_blocking(move || sqlite::gzip(&copy2, &payload2))
                    .await
                    .map_err(|e| BackupError::Tool(format!("compressão interrompida: {e}")))??;
            let _ = std::fs::remove_file(&copy);
            (
                Scope::Database,
                version,
                migrations,
                tables,
                head,
                (
                    payload,
                    Payload {
                        name: name.into(),
                        sha256,
                        bytes,
                    },
                ),
            )
        }
        Backend::Postgres => {
            let mirror = inspect::pg_relation_exists(
                &conn,
                "public",
                migration::mirror::MIRROR_MIGRATION_TABLE,
            )
            .await?;
            let scope = if mirror {
                Scope::Database
            } else {
                Scope::AppSchema
            };
            let pg = postgres::Libpq::from_url(config.database.url.expose_secret())?;
            // One snapshot for the counts and the dump.
            let txn = conn
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?;
            let snapshot: String = txn
                .query_one_raw(Statement::from_string(
                    txn.get_database_backend(),
                    "SELECT pg_export_snapshot() AS s",
                ))
                .await?
                .map(|r| r.try_get::<String>("", "s"))
                .transpose()?
                .unwrap_or_default();
            let migrations = inspect::migrations(&txn).await?;
            let tables = inspect::counts(&txn, scope).await?;
            let version = inspect::server_version(&txn).await?;
            let head = if migrations.is_empty() {
                None
            } else {
                crate::audit::head(&txn).await?
            };
            let name = "database.pgdump";
            let payload = work.path().join(name);
            let dumped = postgres::dump(&config.backup, &pg, &snapshot, scope, &payload).await;
            txn.commit().await?;
            conn.close().await?;
            dumped?;
            let p2 = payload.clone();
            let (sha256, bytes) = tokio::task::spawn_blocking(move || archive::sha256_file(&p2))
                .await
                .map_err(|e| BackupError::Tool(format!("leitura interrompida: {e}")))??;
            (
                scope,
                version,
                migrations,
                tables,
                head,
                (
                    payload,
                    Payload {
                        name: name.into(),
                        sha256,
                        bytes,
                    },
                ),
            )
        }
    };
    let manifest = Manifest {
        format: manifest::FORMAT,
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at,
        backend: backend_name(backend).into(),
        scope,
        server_version,
        migrations,
        tables,
        payload: payload.1,
        audit_head,
    };
    let name = retention::file_name(created_at, recipient.is_some());
    let (dir2, m2, p2, r2) = (
        dir.clone(),
        manifest.clone(),
        payload.0.clone(),
        recipient.clone(),
    );
    let written =
        tokio::task::spawn_blocking(move || archive::write(&dir2, &name, &m2, &p2, r2.as_ref()))
            .await
            .map_err(|e| BackupError::Tool(format!("escrita interrompida: {e}")))??;
    drop(work);
    let same_dir = match (
        std::fs::canonicalize(&dir),
        std::fs::canonicalize(&configured),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let pruned = if same_dir {
        retention::prune(
            &dir,
            retention::Policy {
                daily: config.backup.keep_daily,
                weekly: config.backup.keep_weekly,
                monthly: config.backup.keep_monthly,
            },
            &config.time_zone,
        )
        .map_err(io_err(format!("retenção em {}", dir.display())))?
    } else {
        Vec::new()
    };
    let elapsed = started.elapsed();
    if let Some(path) = &config.backup.textfile_path {
        write_textfile(path, created_at.timestamp(), written.bytes, elapsed)?;
    }
    Ok(BackupReport {
        path: written.path,
        checksum_path: written.checksum_path,
        bytes: written.bytes,
        encrypted: recipient.is_some(),
        manifest,
        pruned,
        elapsed,
    })
}

/// The node_exporter textfile, written to a temporary file and renamed.
pub fn write_textfile(
    path: &Path,
    success_unix: i64,
    bytes: u64,
    elapsed: Duration,
) -> Result<(), BackupError> {
    let text = format!(
        "# HELP sistema_aps_backup_last_success_timestamp_seconds Unix time of the last successful backup.\n\
         # TYPE sistema_aps_backup_last_success_timestamp_seconds gauge\n\
         sistema_aps_backup_last_success_timestamp_seconds {success_unix}\n\
         # HELP sistema_aps_backup_last_size_bytes Size of the last successful backup file.\n\
         # TYPE sistema_aps_backup_last_size_bytes gauge\n\
         sistema_aps_backup_last_size_bytes {bytes}\n\
         # HELP sistema_aps_backup_last_duration_seconds Duration of the last successful backup.\n\
         # TYPE sistema_aps_backup_last_duration_seconds gauge\n\
         sistema_aps_backup_last_duration_seconds {:.3}\n",
        elapsed.as_secs_f64()
    );
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let ctx = format!(
        "backup gravado, mas não foi possível escrever a métrica em {}",
        path.display()
    );
    std::fs::write(&tmp, text).map_err(io_err(ctx.clone()))?;
    // node_exporter runs as another user: the file must be world-readable (it holds no
    // personal data).
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(ctx)(e)
    })
}

/// Which options `restore` and `verify` take.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// age identity file (private key) for an encrypted backup.
    pub identity: Option<PathBuf>,
    /// Replace a database that is not empty.
    pub force: bool,
}

/// What `restore` or `verify` found.
#[derive(Debug)]
pub struct RestoreReport {
    pub manifest: Manifest,
    pub encrypted: bool,
    pub tables: usize,
    pub rows: u64,
    pub audit_rows: u64,
    /// SQLite with `--force`: where the replaced file was kept.
    pub kept_aside: Option<PathBuf>,
    pub elapsed: Duration,
}

fn refuse_foreign(manifest: &Manifest, backend: Backend) -> Result<(), BackupError> {
    if manifest.backend != backend_name(backend) {
        return Err(BackupError::Refused(format!(
            "este backup é de um banco {}, e o destino é {}",
            manifest.backend,
            backend_name(backend)
        )));
    }
    let known: Vec<String> = migration::AppMigrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let unknown: Vec<&String> = manifest
        .migrations
        .iter()
        .filter(|m| !known.contains(m))
        .collect();
    if !unknown.is_empty() {
        return Err(BackupError::Refused(format!(
            "o backup vem de uma versão mais nova do sistema (migrações desconhecidas: {unknown:?}; \
             backup feito pela versão {}): instale essa versão e restaure com ela",
            manifest.app_version
        )));
    }
    Ok(())
}

/// Compares a restored database with the manifest and walks its audit chain.
async fn check_restored(
    conn: &sea_orm::DatabaseConnection,
    manifest: &Manifest,
) -> Result<(usize, u64, u64), BackupError> {
    let migrations = inspect::migrations(conn).await?;
    let tables = inspect::counts(conn, manifest.scope).await?;
    let diffs = manifest.differences(&migrations, &tables);
    if !diffs.is_empty() {
        return Err(BackupError::Integrity(format!(
            "o banco restaurado não confere com o manifesto: {}",
            diffs.join("; ")
        )));
    }
    let audit_rows = if migrations.is_empty() {
        0
    } else {
        let anchors: Vec<crate::audit::Anchor> = manifest.audit_head.iter().cloned().collect();
        match crate::audit::verify_anchored(conn, &anchors).await? {
            crate::audit::Verification::Intact { rows } => rows,
            crate::audit::Verification::Broken { row_id, reason } => {
                return Err(BackupError::Integrity(format!(
                    "trilha de auditoria do backup adulterada no registro {row_id}: {reason}"
                )));
            }
        }
    };
    Ok((tables.len(), tables.values().sum(), audit_rows))
}

async fn open_blocking(
    file: PathBuf,
    identity: Option<PathBuf>,
    work: PathBuf,
) -> Result<archive::Opened, BackupError> {
    tokio::task::spawn_blocking(move || archive::open(&file, identity.as_deref(), &work))
        .await
        .map_err(|e| BackupError::Tool(format!("leitura interrompida: {e}")))?
}

/// Opens (checks, decrypts, unpacks) a backup in a private temporary directory under `dir`
/// and refuses a backup of the other backend. The directory lives as long as the returned
/// guard.
async fn open_in(
    dir: &Path,
    file: &Path,
    opts: &RestoreOptions,
    backend: Backend,
) -> Result<(tempfile::TempDir, archive::Opened), BackupError> {
    let work = tempfile::Builder::new()
        .prefix(".restore-")
        .tempdir_in(dir)
        .map_err(io_err(format!(
            "não foi possível criar um diretório temporário em {}",
            dir.display()
        )))?;
    let opened = open_blocking(
        file.to_path_buf(),
        opts.identity.clone(),
        work.path().to_path_buf(),
    )
    .await?;
    refuse_foreign(&opened.manifest, backend)?;
    Ok((work, opened))
}

/// Restores `file` into the configured database.
pub async fn restore(
    config: &Config,
    file: &Path,
    opts: &RestoreOptions,
) -> Result<RestoreReport, BackupError> {
    let started = Instant::now();
    let backend = config
        .database
        .backend()
        .map_err(|e| BackupError::Config(e.to_string()))?;
    match backend {
        Backend::Sqlite => {
            let target = crate::db::sqlite_path(&config.database).ok_or_else(|| {
                BackupError::Config("database.url não aponta para um arquivo SQLite".into())
            })?;
            let parent = target
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            ensure_private_dir(&parent)?;
            // Refuse before doing any work.
            if !opts.force && sqlite::has_tables(&target).await? {
                return Err(not_empty(&target.display().to_string()));
            }
            let (work, opened) = open_in(&parent, file, opts, backend).await?;
            let restored = work.path().join("restored.sqlite");
            let (src, dst) = (opened.payload.clone(), restored.clone());
            tokio::task::spawn_blocking(move || sqlite::gunzip(&src, &dst))
                .await
                .map_err(|e| BackupError::Tool(format!("descompressão interrompida: {e}")))??;
            {
                let c = sqlite::open_file(&restored).await?;
                let r = async {
                    sqlite::integrity_check(&c, &restored).await?;
                    check_restored(&c, &opened.manifest).await
                }
                .await;
                c.close().await?;
                r?;
            }
            // Checked again right before the swap: nothing may have appeared meanwhile.
            if !opts.force && sqlite::has_tables(&target).await? {
                return Err(not_empty(&target.display().to_string()));
            }
            let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let kept_aside = sqlite::replace(&target, &restored, &stamp)?;
            let conn = sqlite::open_file(&target).await?;
            let checked = check_restored(&conn, &opened.manifest).await;
            conn.close().await?;
            let (tables, rows, audit_rows) = checked?;
            Ok(RestoreReport {
                manifest: opened.manifest,
                encrypted: opened.encrypted,
                tables,
                rows,
                audit_rows,
                kept_aside,
                elapsed: started.elapsed(),
            })
        }
        Backend::Postgres => {
            let conn = crate::db::connect(&config.database).await?;
            let dir = directory(config);
            ensure_private_dir(&dir)?;
            let (work, opened) = open_in(&dir, file, opts, backend).await?;
            let existing =
                postgres::prepare_target(&conn, opened.manifest.scope, opts.force).await?;
            conn.close().await?;
            let pg = postgres::Libpq::from_url(config.database.url.expose_secret())?;
            postgres::restore(&config.backup, &pg, &opened.payload, &existing, work.path()).await?;
            let conn = crate::db::connect(&config.database).await?;
            let checked = check_restored(&conn, &opened.manifest).await;
            conn.close().await?;
            let (tables, rows, audit_rows) = checked?;
            Ok(RestoreReport {
                manifest: opened.manifest,
                encrypted: opened.encrypted,
                tables,
                rows,
                audit_rows,
                kept_aside: None,
                elapsed: started.elapsed(),
            })
        }
    }
}

fn not_empty(what: &str) -> BackupError {
    BackupError::Refused(format!(
        "o banco de destino {what} não está vazio: restaure num banco vazio, ou use --force \
         (com SQLite o arquivo atual é guardado ao lado como .before-restore-DATA)"
    ))
}

/// Restores `file` into a scratch database (a temporary SQLite file, or a temporary database
/// on the PostgreSQL server of `scratch_url`, default `database.url`) and compares it with the
/// manifest; the scratch database is removed afterwards.
pub async fn verify(
    config: &Config,
    file: &Path,
    identity: Option<&Path>,
    scratch_url: Option<&str>,
) -> Result<RestoreReport, BackupError> {
    let started = Instant::now();
    let dir = directory(config);
    ensure_private_dir(&dir)?;
    let work = tempfile::Builder::new()
        .prefix(".verify-")
        .tempdir_in(&dir)
        .map_err(io_err(format!(
            "não foi possível criar um diretório temporário em {}",
            dir.display()
        )))?;
    let opened = open_blocking(
        file.to_path_buf(),
        identity.map(Path::to_path_buf),
        work.path().to_path_buf(),
    )
    .await?;
    let m = &opened.manifest;
    let (tables, rows, audit_rows) = match m.backend.as_str() {
        "sqlite" => {
            let restored = work.path().join("verify.sqlite");
            let (src, dst) = (opened.payload.clone(), restored.clone());
            tokio::task::spawn_blocking(move || sqlite::gunzip(&src, &dst))
                .await
                .map_err(|e| BackupError::Tool(format!("descompressão interrompida: {e}")))??;
            let c = sqlite::open_file(&restored).await?;
            let r = async {
                sqlite::integrity_check(&c, &restored).await?;
                check_restored(&c, m).await
            }
            .await;
            c.close().await?;
            r?
        }
        "postgres" => {
            let admin = match scratch_url {
                Some(u) => u.to_string(),
                None if config.database.backend().ok() == Some(Backend::Postgres) => {
                    config.database.url.expose_secret().to_string()
                }
                None => {
                    return Err(BackupError::Config(
                        "para verificar um backup PostgreSQL informe --scratch-url postgres://… \
                         (um servidor onde se possa criar um banco temporário)"
                            .into(),
                    ));
                }
            };
            verify_pg(config, &admin, &opened, work.path()).await?
        }
        other => {
            return Err(BackupError::Refused(format!(
                "backend desconhecido no manifesto: {other}"
            )));
        }
    };
    Ok(RestoreReport {
        manifest: opened.manifest,
        encrypted: opened.encrypted,
        tables,
        rows,
        audit_rows,
        kept_aside: None,
        elapsed: started.elapsed(),
    })
}

async fn verify_pg(
    config: &Config,
    admin_url: &str,
    opened: &archive::Opened,
    work: &Path,
) -> Result<(usize, u64, u64), BackupError> {
    let name = format!(
        "sistemaaps_verify_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros()
    );
    // No statement logging here: DROP DATABASE is slow by nature, not a slow query to report.
    let mut opts = sea_orm::ConnectOptions::new(admin_url.to_string());
    opts.max_connections(1).sqlx_logging(false);
    let admin = sea_orm::Database::connect(opts).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| {
            BackupError::Tool(format!(
                "não foi possível criar o banco temporário {name} (o usuário precisa de CREATEDB, \
                 ou use --scratch-url): {e}"
            ))
        })?;
    let result = async {
        let mut url = url::Url::parse(admin_url)
            .map_err(|e| BackupError::Config(format!("URL inválida: {e}")))?;
        url.set_path(&format!("/{name}"));
        let scratch = DatabaseConfig {
            url: SecretString::from(url.to_string()),
            max_connections: 2,
            acquire_timeout_secs: 30,
        };
        let conn = crate::db::connect(&scratch).await?;
        let existing = postgres::prepare_target(&conn, opened.manifest.scope, false).await?;
        conn.close().await?;
        let pg = postgres::Libpq::from_url(url.as_ref())?;
        postgres::restore(&config.backup, &pg, &opened.payload, &existing, work).await?;
        let conn = crate::db::connect(&scratch).await?;
        let r = check_restored(&conn, &opened.manifest).await;
        conn.close().await?;
        r
    }
    .await;
    let dropped = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    admin.close().await.ok();
    let r = result?;
    dropped?;
    Ok(r)
}
