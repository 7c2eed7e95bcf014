//! Logs, request tracing and metrics.
//!
//! * Logs: a tracing subscriber writing text (humans) or JSON (journald, Loki), see [`init`].
//! * [`request`]: one span per request (request id, route template, method, status, latency,
//!   user id when the auth layer records it) and the HTTP metrics.
//! * [`metrics`]: the Prometheus recorder, every metric name, and `GET /metrics` on its own
//!   listener; [`process`]: CPU, memory and open files of this process from `/proc`.
//!
//! No log line carries a patient's name, CPF or CNS: the request span holds the route
//! *template*, never the raw path or query (searches carry names), and SQL is logged at debug
//! with placeholders only.

pub mod metrics;
pub mod process;
pub mod request;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{LogConfig, LogFormat};

pub use request::{RequestId, current_request_id, record_user_id};

/// The filter of the configuration (`log.level`), or `RUST_LOG` when it is set.
pub fn filter(cfg: &LogConfig) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| config_filter(cfg))
}

/// PostgreSQL notices are logged by sqlx at INFO ("relation \"seaql_migrations\" already
/// exists, skipping" on every `migrate`): noise for an admin. Shown from WARN up unless
/// `log.level` names this target itself.
const PG_NOTICE_TARGET: &str = "sqlx::postgres::notice";

/// The filter of the configuration alone (`RUST_LOG` ignored).
pub fn config_filter(cfg: &LogConfig) -> EnvFilter {
    let filter = EnvFilter::try_new(&cfg.level).unwrap_or_else(|_| EnvFilter::new("info"));
    if cfg.level.contains(PG_NOTICE_TARGET) {
        return filter;
    }
    match format!("{PG_NOTICE_TARGET}=warn").parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    }
}

/// Installs the global subscriber once; later calls are no-ops (tests start many apps).
pub fn init(cfg: &LogConfig) {
    let _ = try_init(filter(cfg), cfg.format, std::io::stderr);
}

/// Installs the global subscriber with the given filter, format and writer. Fails when one is
/// already installed.
pub fn try_init<W>(
    filter: EnvFilter,
    format: LogFormat,
    writer: W,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    }
}
