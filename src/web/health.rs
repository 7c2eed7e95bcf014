//! Liveness and readiness probes.

use std::time::Instant;

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::AppState;

/// Liveness: the process answers. No I/O.
#[handler]
pub fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers, the app's migrations are current and (SQLite) the file's
/// directory has room to write; 503 otherwise, with the reason in the JSON body. Also
/// reported, without changing the answer: the read model's age (stale after three refresh
/// intervals; the data is still served, with its age in the footer), the free space of the
/// data and backup directories, and `warnings` (a full backup directory).
#[handler]
pub async fn ready(Data(state): Data<&AppState>) -> Response {
    let started = Instant::now();
    let ping = state.db.execute_unprepared("SELECT 1").await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Err(e) = ping {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return unavailable(json!({ "status": "unavailable", "reason": "database unreachable" }));
    }
    let migrations = match crate::db::migration_state(&state.db).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read migrations");
            return unavailable(
                json!({ "status": "unavailable", "reason": "cannot read migration state" }),
            );
        }
    };
    if !migrations.is_current() {
        return unavailable(json!({
            "status": "unavailable",
            "reason": "migrations pending",
            "migrations": { "known": migrations.known, "applied": migrations.applied },
        }));
    }
    // The PEC catalogue: every entry the rules need must resolve, or nothing is computed. An
    // empty PEC (a staging mirror before seeding) has nothing to compute and stays ready.
    let report = match state.catalogue_report() {
        Some(r) if r.catalogue().is_some() => r,
        _ => state.resolve_catalogue().await,
    };
    // Asked only when something is unresolved; `pec_empty` errs when tb_cidadao is missing,
    // and then there is nothing to compute either.
    let resolved = report.catalogue().is_some();
    if !resolved && matches!(crate::db::pec_empty(&state.db).await, Ok(false)) {
        let unresolved: Vec<serde_json::Value> = report
            .unresolved()
            .map(|r| {
                json!({
                    "entry": r.key,
                    "table": r.table,
                    "label": r.def().label,
                    "problem": match &r.outcome {
                        crate::esus::catalogue::Outcome::Unresolved { problem } => problem.to_string(),
                        crate::esus::catalogue::Outcome::Resolved { .. } => String::new(),
                    },
                })
            })
            .collect();
        let names: Vec<&str> = report.unresolved().map(|r| r.key).collect();
        return unavailable(json!({
            "status": "unavailable",
            "reason": format!("PEC catalogue entries unresolved: {}", names.join(", ")),
            "catalogue": unresolved,
        }));
    }
    // A SQLite file on a full filesystem still answers `SELECT 1` but cannot write: not
    // ready, saying why. (PostgreSQL's disk is the database server's; its writes answer 503.)
    let sqlite_dir = crate::db::sqlite_path(&state.config.database)
        .map(|_| crate::db::data_dir(&state.config.database));
    if let Some(dir) = &sqlite_dir
        && let Some((avail, _)) = crate::telemetry::process::free_space(dir)
        && avail < MIN_FREE_BYTES
    {
        tracing::warn!(dir = %dir.display(), free_bytes = avail, "readiness: no space left for the SQLite file");
        return unavailable(json!({
            "status": "unavailable",
            "reason": format!(
                "disk full: {avail} bytes free in the directory of the SQLite file ({}), at least {MIN_FREE_BYTES} needed to write",
                dir.display()
            ),
            "data_dir": { "free_bytes": avail },
        }));
    }
    // The backup directory does not stop the service (it still serves and writes), but a
    // full one means tonight's backup fails: reported here and by the backup command.
    let backup_dir = crate::backup::directory(&state.config);
    let mut warnings: Vec<String> = Vec::new();
    let backup_free = crate::telemetry::process::free_space(&backup_dir).map(|(avail, _)| avail);
    if let Some(avail) = backup_free.filter(|a| *a < MIN_FREE_BYTES) {
        warnings.push(format!(
            "backup directory full: {avail} bytes free in {}; the next backup will fail",
            backup_dir.display()
        ));
    }
    let mut read_models = Vec::new();
    for name in crate::programs::read_models() {
        if let Ok(Some(s)) = crate::care::status::get(&state.db, name).await {
            read_models.push((name, s));
        }
    }
    let interval = state.config.read_model.refresh_interval_secs.max(60);
    let describe = |s: &crate::store::read_model_status::Model| {
        let age = (chrono::Utc::now() - s.refreshed_at).num_seconds();
        json!({
            "refreshed_at": s.refreshed_at.to_rfc3339(),
            "age_seconds": age,
            "stale": age > 3 * i64::try_from(interval).unwrap_or(i64::MAX / 4),
            "rows": s.row_count,
        })
    };
    // `read_model`: the oldest of them (what an alert on staleness wants); `read_models`: each.
    let oldest = read_models
        .iter()
        .map(|(_, s)| s)
        .min_by_key(|s| s.refreshed_at);
    let data_dir = crate::db::data_dir(&state.config.database);
    let disk = crate::telemetry::process::free_space(&data_dir).map(|(avail, size)| {
        let percent = if size == 0 {
            0.0
        } else {
            avail as f64 * 100.0 / size as f64
        };
        json!({
            "free_bytes": avail,
            "free_percent": (percent * 10.0).round() / 10.0,
        })
    });
    Json(json!({
        "status": "ready",
        "database": { "reachable": true, "latency_ms": (latency_ms * 10.0).round() / 10.0 },
        "migrations": { "known": migrations.known, "applied": migrations.applied },
        "read_model": oldest.map(describe),
        "read_models": read_models
            .iter()
            .map(|(name, s)| (name.to_string(), describe(s)))
            .collect::<serde_json::Map<String, serde_json::Value>>(),
        "data_dir": disk,
        "backup_dir": backup_free.map(|avail| json!({ "free_bytes": avail })),
        "pec_catalogue": if resolved { "resolved" } else { "empty PEC: nothing to resolve" },
        "warnings": warnings,
    }))
    .into_response()
}

/// Below this many free bytes a filesystem counts as full: SQLite needs room for its WAL
/// and a checkpoint, a backup for the archive.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

fn unavailable(body: serde_json::Value) -> Response {
    Json(body)
        .with_status(StatusCode::SERVICE_UNAVAILABLE)
        .into_response()
}
