//! SQLite: an online, consistent copy with `VACUUM INTO` (a read transaction on the live
//! database: the app keeps serving), checked with `PRAGMA integrity_check`, gzip-compressed.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use secrecy::SecretString;

use super::BackupError;
use super::archive::{HashingWriter, create_private};
use super::inspect::quote_literal;
use crate::config::DatabaseConfig;

fn io_err(context: String) -> impl FnOnce(io::Error) -> BackupError {
    move |source| BackupError::Io { context, source }
}

/// Copies the live database into `dest` (which must not exist).
pub async fn snapshot(conn: &DatabaseConnection, dest: &Path) -> Result<(), BackupError> {
    let dest = dest
        .to_str()
        .ok_or_else(|| BackupError::Config(format!("caminho não UTF-8: {}", dest.display())))?;
    conn.execute_unprepared(&format!("VACUUM INTO {}", quote_literal(dest)))
        .await?;
    Ok(())
}

/// Opens a SQLite file (that exists) with the app's connection settings.
pub async fn open_file(path: &Path) -> Result<DatabaseConnection, BackupError> {
    let cfg = DatabaseConfig {
        url: SecretString::from(format!("sqlite://{}?mode=rw", path.display())),
        max_connections: 1,
        acquire_timeout_secs: 30,
    };
    Ok(crate::db::connect(&cfg).await?)
}

/// `PRAGMA integrity_check` must answer exactly `ok`.
pub async fn integrity_check(conn: &DatabaseConnection, what: &Path) -> Result<(), BackupError> {
    let rows = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?;
    let msgs: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    if msgs.len() == 1 && msgs[0] == "ok" {
        Ok(())
    } else {
        Err(BackupError::Integrity(format!(
            "PRAGMA integrity_check falhou em {}: {}",
            what.display(),
            msgs.join("; ")
        )))
    }
}

/// gzip `src` into `dest`; returns the SHA-256 and size of `dest`.
pub fn gzip(src: &Path, dest: &Path) -> Result<(String, u64), BackupError> {
    let ctx = || format!("não foi possível comprimir {}", src.display());
    let mut input = BufReader::with_capacity(1 << 20, File::open(src).map_err(io_err(ctx()))?);
    let out = HashingWriter::new(BufWriter::with_capacity(1 << 20, create_private(dest)?));
    let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    io::copy(&mut input, &mut enc).map_err(io_err(ctx()))?;
    let out = enc.finish().map_err(io_err(ctx()))?;
    let (mut buf, sha, bytes) = out.finish();
    buf.flush().map_err(io_err(ctx()))?;
    Ok((sha, bytes))
}

/// Decompresses the payload into `dest`.
pub fn gunzip(src: &Path, dest: &Path) -> Result<(), BackupError> {
    let ctx = || format!("não foi possível descomprimir {}", src.display());
    let input = BufReader::with_capacity(1 << 20, File::open(src).map_err(io_err(ctx()))?);
    let mut dec = flate2::read::GzDecoder::new(input);
    let mut out = BufWriter::with_capacity(1 << 20, create_private(dest)?);
    io::copy(&mut dec, &mut out).map_err(|e| BackupError::Integrity(format!("{}: {e}", ctx())))?;
    let file = out.into_inner().map_err(|e| BackupError::Io {
        context: ctx(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_err(ctx()))?;
    Ok(())
}

/// Whether the SQLite file exists and holds any table.
pub async fn has_tables(path: &Path) -> Result<bool, BackupError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(io_err(format!("não foi possível ler {}", path.display()))(
                e,
            ));
        }
        Ok(m) if m.len() == 0 => return Ok(false),
        Ok(_) => {}
    }
    let conn = open_file(path).await?;
    let n = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'",
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    conn.close().await?;
    Ok(n > 0)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Puts `restored` in place of `target`. An existing target (and its `-wal`) is kept aside
/// as `TARGET.before-restore-STAMP`; the stale `-shm` is removed. Returns the kept path.
pub fn replace(
    target: &Path,
    restored: &Path,
    stamp: &str,
) -> Result<Option<PathBuf>, BackupError> {
    let mut kept = None;
    if target.exists() {
        let aside = with_suffix(target, &format!(".before-restore-{stamp}"));
        std::fs::rename(target, &aside).map_err(io_err(format!(
            "não foi possível mover {}",
            target.display()
        )))?;
        let wal = with_suffix(target, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, with_suffix(&aside, "-wal"))
                .map_err(io_err(format!("não foi possível mover {}", wal.display())))?;
        }
        kept = Some(aside);
    }
    for stale in ["-wal", "-shm", "-journal"] {
        let p = with_suffix(target, stale);
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(io_err(format!("não foi possível remover {}", p.display())))?;
        }
    }
    std::fs::rename(restored, target).map_err(io_err(format!(
        "não foi possível criar {}",
        target.display()
    )))?;
    if let Some(dir) = target.parent() {
        super::archive::sync_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        });
    }
    Ok(kept)
}
