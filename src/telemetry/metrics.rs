//! Prometheus metrics: every name the app exports, the recorder, the helpers other modules
//! call, and `GET /metrics` (served by `app::serve` on `metrics.listen`, a listener of its
//! own that the reverse proxy never exposes).
//!
//! Names follow OpenTelemetry's semantic conventions in their Prometheus form where one
//! exists (`http_server_request_duration_seconds`, `db_client_*`, `process_*`), and carry the
//! `sistema_aps_` prefix otherwise. `monitoring/` (alerts, dashboard) uses exactly these.
//!
//! The recorder is global and can be installed once per process: [`install`] does it behind
//! a `OnceLock`, so the integration tests (many apps in one process) share it and read it
//! through [`handle`]`().render()`. Histograms get explicit buckets; `app::serve` runs the
//! recorder's upkeep every few seconds ([`spawn_upkeep`]).
//!
//! Gauges that describe state held elsewhere (pool usage, read-model age) are refreshed when
//! Prometheus scrapes ([`observe_state`]), so they are right even after a restart.

use std::sync::OnceLock;
use std::time::Duration;

use chrono::Utc;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use poem::web::Data;
use poem::{Endpoint, EndpointExt, Response, Route, get, handler};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::state::AppState;

/// Histogram: duration of HTTP requests, by `http_route` (template), `http_request_method`,
/// `http_response_status_code`.
pub const HTTP_REQUEST_DURATION: &str = "http_server_request_duration_seconds";
/// Gauge: requests being served, by `http_request_method`.
pub const HTTP_ACTIVE_REQUESTS: &str = "http_server_active_requests";
/// Histogram: duration of database statements, by `db_system_name` and `db_operation_name`.
pub const DB_OPERATION_DURATION: &str = "db_client_operation_duration_seconds";
/// Counter: database statements that returned an error, by `db_system_name`.
pub const DB_OPERATION_FAILURES: &str = "sistema_aps_db_operation_failures_total";
/// Gauge: pooled connections by `db_client_connection_state` (`used`, `idle`).
pub const DB_CONNECTIONS: &str = "db_client_connections_usage";
/// Gauge: the pool's maximum size.
pub const DB_CONNECTIONS_MAX: &str = "db_client_connections_max";
/// Gauge: seconds since the read model was rebuilt, by `read_model`.
pub const READ_MODEL_AGE: &str = "sistema_aps_read_model_age_seconds";
/// Gauge: Unix time of the last successful rebuild, by `read_model`.
pub const READ_MODEL_REFRESHED: &str = "sistema_aps_read_model_last_refresh_timestamp_seconds";
/// Gauge: how long the last successful rebuild took, by `read_model`.
pub const READ_MODEL_REFRESH_DURATION: &str =
    "sistema_aps_read_model_last_refresh_duration_seconds";
/// Gauge: rows in the read model after the last rebuild, by `read_model`.
pub const READ_MODEL_ROWS: &str = "sistema_aps_read_model_rows";
/// Gauge: the configured seconds between rebuilds, by `read_model`.
pub const READ_MODEL_INTERVAL: &str = "sistema_aps_read_model_refresh_interval_seconds";
/// Gauge: PEC rows the last successful rebuild could not use (skipped, or a value ignored), by
/// `read_model` and `kind` (`crate::care::quality::Skip::key`).
pub const READ_MODEL_SKIPPED: &str = "sistema_aps_read_model_skipped_rows";
/// Counter: rebuilds that failed, by `read_model`.
pub const READ_MODEL_REFRESH_FAILURES: &str = "sistema_aps_read_model_refresh_failures_total";
/// Counter: failed logins ([`record_login_failure`]).
pub const LOGIN_FAILURES: &str = "sistema_aps_login_failures_total";
/// Counter: audit-log rows written ([`record_audit_rows`]).
pub const AUDIT_ROWS: &str = "sistema_aps_audit_rows_total";
/// Gauge, always 1: `version` and `commit` of this binary.
pub const BUILD_INFO: &str = "sistema_aps_build_info";
/// Not exported by the app: the backup command writes it for node_exporter's textfile
/// collector (`monitoring/` alerts on it). Listed here so the name lives in one place.
pub const BACKUP_LAST_SUCCESS: &str = "sistema_aps_backup_last_success_timestamp_seconds";

/// The commit this binary was built from (`build.rs`), or `unknown`.
pub const COMMIT: &str = env!("SISTEMA_APS_COMMIT");

/// OpenTelemetry's advised buckets for HTTP server durations.
const HTTP_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
/// Database statements: from a cached SQLite lookup to the read-model rebuild's big queries.
const DB_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder as the global recorder, once per process; later calls
/// return the same handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_REQUEST_DURATION.into()), HTTP_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(DB_OPERATION_DURATION.into()), DB_BUCKETS)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

/// The installed recorder's handle, if [`install`] ran.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE.get()
}

fn describe() {
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Duration of HTTP server requests."
    );
    describe_gauge!(
        HTTP_ACTIVE_REQUESTS,
        "Number of active HTTP server requests."
    );
    describe_histogram!(
        DB_OPERATION_DURATION,
        Unit::Seconds,
        "Duration of database client operations."
    );
    describe_counter!(
        DB_OPERATION_FAILURES,
        "Database operations that returned an error."
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Connections in the database pool, by state (used or idle)."
    );
    describe_gauge!(DB_CONNECTIONS_MAX, "Maximum size of the database pool.");
    describe_gauge!(
        READ_MODEL_AGE,
        Unit::Seconds,
        "Seconds since the read model was last rebuilt from the PEC."
    );
    describe_gauge!(
        READ_MODEL_REFRESHED,
        Unit::Seconds,
        "Unix time of the last successful read-model rebuild."
    );
    describe_gauge!(
        READ_MODEL_REFRESH_DURATION,
        Unit::Seconds,
        "Duration of the last successful read-model rebuild."
    );
    describe_gauge!(
        READ_MODEL_ROWS,
        "Rows in the read model after its last rebuild."
    );
    describe_gauge!(
        READ_MODEL_SKIPPED,
        "PEC rows the last rebuild of the read model could not use, by kind."
    );
    describe_gauge!(
        READ_MODEL_INTERVAL,
        Unit::Seconds,
        "Configured seconds between two read-model rebuilds."
    );
    describe_counter!(
        READ_MODEL_REFRESH_FAILURES,
        "Read-model rebuilds that failed."
    );
    describe_counter!(LOGIN_FAILURES, "Failed login attempts.");
    describe_counter!(AUDIT_ROWS, "Rows written to the audit log.");
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version and commit of the running binary are its labels."
    );
    // Registered now so they are exported (as 0 / 1) before anything happens.
    counter!(LOGIN_FAILURES).absolute(0);
    counter!(AUDIT_ROWS).absolute(0);
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "commit" => COMMIT).set(1.0);
}

/// Counts one failed login. For the authentication layer.
pub fn record_login_failure() {
    counter!(LOGIN_FAILURES).increment(1);
}

/// Counts `n` rows written to the audit log. For the audit layer, after its insert commits.
pub fn record_audit_rows(n: u64) {
    counter!(AUDIT_ROWS).increment(n);
}

/// The `db_system_name` label of a backend.
pub fn db_system_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgresql",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// The sea-orm metric callback (`db::connect` installs it): the statement's duration by
/// system and operation. Only the statement's first keyword is read, never its values.
pub fn observe_db_operation(system: &'static str, info: &sea_orm::metric::Info<'_>) {
    let operation = operation_name(&info.statement.sql);
    metrics::histogram!(
        DB_OPERATION_DURATION,
        "db_system_name" => system,
        "db_operation_name" => operation,
    )
    .record(info.elapsed.as_secs_f64());
    if info.failed {
        counter!(DB_OPERATION_FAILURES, "db_system_name" => system).increment(1);
    }
}

/// The first SQL keyword, from a fixed list (a label must stay low-cardinality).
pub fn operation_name(sql: &str) -> &'static str {
    let word = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default();
    const KNOWN: &[&str] = &[
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "CREATE",
        "ALTER",
        "DROP",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "PRAGMA",
        "SET",
        "SHOW",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(word))
        .copied()
        .unwrap_or("OTHER")
}

/// After a successful rebuild of `read_model`.
pub fn record_refresh(read_model: &'static str, duration: Duration, rows: usize) {
    gauge!(READ_MODEL_REFRESHED, "read_model" => read_model).set(Utc::now().timestamp() as f64);
    gauge!(READ_MODEL_AGE, "read_model" => read_model).set(0.0);
    gauge!(READ_MODEL_REFRESH_DURATION, "read_model" => read_model).set(duration.as_secs_f64());
    gauge!(READ_MODEL_ROWS, "read_model" => read_model).set(rows as f64);
    counter!(READ_MODEL_REFRESH_FAILURES, "read_model" => read_model).increment(0);
}

/// The PEC rows the last rebuild of `read_model` skipped, every kind (0 included).
pub fn record_skipped(read_model: &'static str, skipped: &crate::care::quality::Skipped) {
    for kind in crate::care::quality::Skip::ALL {
        gauge!(READ_MODEL_SKIPPED, "read_model" => read_model, "kind" => kind.key())
            .set(skipped.count(kind) as f64);
    }
}

/// After a failed rebuild of `read_model`.
pub fn record_refresh_failure(read_model: &'static str) {
    counter!(READ_MODEL_REFRESH_FAILURES, "read_model" => read_model).increment(1);
}

/// Pool usage of `db` (read when Prometheus scrapes).
pub fn observe_pool(db: &DatabaseConnection, max_connections: u32) {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    gauge!(DB_CONNECTIONS, "state" => "used").set(f64::from(size - idle));
    gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    gauge!(DB_CONNECTIONS_MAX).set(f64::from(max_connections));
}

/// Refreshes the gauges that describe state held elsewhere: the pool and the read model's
/// age (from its status row, so it is right after a restart too).
pub async fn observe_state(state: &AppState) {
    observe_pool(&state.db, state.config.database.max_connections);
    for name in crate::programs::read_models() {
        observe_read_model(state, name).await;
    }
}

async fn observe_read_model(state: &AppState, name: &'static str) {
    gauge!(READ_MODEL_INTERVAL, "read_model" => name)
        .set(state.config.read_model.refresh_interval_secs.max(60) as f64);
    let status = tokio::time::timeout(
        Duration::from_secs(2),
        crate::care::status::get(&state.db, name),
    )
    .await;
    match status {
        Ok(Ok(Some(s))) => {
            let age = (Utc::now() - s.refreshed_at).num_milliseconds().max(0) as f64 / 1000.0;
            gauge!(READ_MODEL_AGE, "read_model" => name).set(age);
            gauge!(READ_MODEL_REFRESHED, "read_model" => name)
                .set(s.refreshed_at.timestamp() as f64);
            gauge!(READ_MODEL_REFRESH_DURATION, "read_model" => name)
                .set(s.duration_ms as f64 / 1000.0);
            gauge!(READ_MODEL_ROWS, "read_model" => name).set(s.row_count as f64);
        }
        Ok(Ok(None)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "metrics: cannot read the read-model status"),
        Err(_) => tracing::warn!("metrics: reading the read-model status timed out"),
    }
}

/// Runs the recorder's upkeep (drains histogram samples) every `period`, until aborted.
pub fn spawn_upkeep(period: Duration) -> Option<tokio::task::JoinHandle<()>> {
    let handle = handle()?;
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            handle.run_upkeep();
        }
    }))
}

/// The exposition: the recorder's metrics, then this process's (`process_*`).
pub async fn render(state: &AppState) -> String {
    observe_state(state).await;
    let mut out = handle().map(|h| h.render()).unwrap_or_default();
    super::process::render(&mut out);
    out
}

#[handler]
async fn metrics_page(Data(state): Data<&AppState>) -> Response {
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .header("Cache-Control", "no-store")
        .body(render(state).await)
}

/// The routes of the metrics listener: `GET /metrics` only.
pub fn routes(state: AppState) -> impl Endpoint<Output = Response> {
    Route::new().at("/metrics", get(metrics_page)).data(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_a_fixed_set() {
        assert_eq!(operation_name("SELECT 1"), "SELECT");
        assert_eq!(operation_name("  select * from x"), "SELECT");
        assert_eq!(
            operation_name("WITH h AS (SELECT 1) SELECT * FROM h"),
            "WITH"
        );
        assert_eq!(operation_name("INSERT INTO t VALUES (?)"), "INSERT");
        assert_eq!(operation_name("VACUUM"), "OTHER");
        assert_eq!(operation_name("MARIA DA SILVA"), "OTHER");
        assert_eq!(operation_name(""), "OTHER");
    }
}
