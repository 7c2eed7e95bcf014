//! Layered, typed configuration: built-in defaults, then a TOML file, then `APS_*`
//! environment variables (`APS_SERVER__LISTEN`, `APS_DATABASE__URL`, … — a double underscore
//! separates the section from the key). Unknown keys are an error that names the key.
//! Secrets (the database URL may hold a password) never appear in `Debug` output or logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub mod proxy;
pub use proxy::IpRange;

/// The commented default configuration printed by `sistema-aps config`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub demo: DemoConfig,
    #[serde(default)]
    pub read_model: ReadModelConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    pub auth: AuthConfig,
    #[serde(default)]
    pub backup: BackupConfig,
    #[serde(default)]
    pub print: PrintConfig,
    pub api: ApiConfig,
    /// How the app reads this installation's PEC.
    #[serde(default)]
    pub pec: PecConfig,
    /// IANA time zone in which "today" is computed (the PEC stores local times).
    #[serde(default = "default_time_zone")]
    pub time_zone: chrono_tz::Tz,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Addresses or CIDR ranges (`10.0.0.0/8`, `fd00::/8`) of reverse proxies (Nginx, an
    /// ingress) whose forwarding headers are believed (`X-Forwarded-For`,
    /// `X-Forwarded-Proto`, `X-Request-Id`). Empty: no header is believed.
    #[serde(default = "default_trusted_proxies")]
    pub trusted_proxies: Vec<IpRange>,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[serde(default = "default_shutdown_timeout")]
    pub shutdown_timeout_secs: u64,
    /// Largest request body the app reads (bytes); more answers 413 before any parsing.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    /// Largest request head (target plus headers, bytes): a longer target answers 414, a
    /// larger head 431, at once.
    #[serde(default = "default_max_head_bytes")]
    pub max_head_bytes: usize,
    /// A connection with no traffic for this many seconds is closed (a slow or silent client
    /// cannot hold one open).
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_secs: u64,
    /// A request head must arrive whole within this many seconds of its first byte (the
    /// first one: of the connection's start), else 408 and the connection is closed — a
    /// client sending its head a byte at a time cannot hold a connection.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3030)),
            trusted_proxies: default_trusted_proxies(),
            shutdown_timeout_secs: default_shutdown_timeout(),
            max_body_bytes: default_max_body_bytes(),
            max_head_bytes: default_max_head_bytes(),
            idle_timeout_secs: default_idle_timeout(),
            header_read_timeout_secs: default_header_read_timeout(),
        }
    }
}

fn default_trusted_proxies() -> Vec<IpRange> {
    vec![
        IpRange::host(std::net::IpAddr::from([127, 0, 0, 1])),
        IpRange::host(std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
    ]
}

fn default_shutdown_timeout() -> u64 {
    30
}

fn default_max_body_bytes() -> usize {
    2 * 1024 * 1024
}

fn default_max_head_bytes() -> usize {
    8 * 1024
}

fn default_idle_timeout() -> u64 {
    60
}

fn default_header_read_timeout() -> u64 {
    10
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH?mode=rwc` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[serde(default = "default_database_url")]
    pub url: SecretString,
    /// Pool size. SQLite in WAL mode allows concurrent readers; PostgreSQL as configured.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Seconds to wait for a connection from the pool.
    #[serde(default = "default_acquire_timeout")]
    pub acquire_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: default_database_url(),
            max_connections: default_max_connections(),
            acquire_timeout_secs: default_acquire_timeout(),
        }
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// On the embedded SQLite default only: migrate and seed a synthetic municipality when
    /// the database is empty. A PostgreSQL database is never seeded automatically.
    pub seed_on_first_start: bool,
    pub citizens: u32,
    pub seed: u64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed_on_first_start: true,
            citizens: 5_000,
            seed: 2026,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReadModelConfig {
    /// Seconds between two refreshes of the per-person summaries.
    pub refresh_interval_secs: u64,
}

impl Default for ReadModelConfig {
    fn default() -> Self {
        Self {
            refresh_interval_secs: 900,
        }
    }
}

/// Sign-in, sessions and lockout.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// A session ends after this many minutes without a request.
    pub idle_timeout_minutes: u32,
    /// A session ends this many hours after sign-in, whatever the activity.
    pub absolute_timeout_hours: u32,
    /// Consecutive wrong passwords that lock an account (1–10, as in the PEC).
    pub max_failed_logins: u32,
    /// Minutes an account stays locked.
    pub lockout_minutes: u32,
    /// Failed sign-ins from one address within the window before it is refused (429).
    pub address_max_failures: u32,
    pub address_window_minutes: u32,
    /// Minimum password length.
    pub min_password_length: u32,
    /// Nurses may change treatment and print prescriptions (where a municipal protocol
    /// allows it); physicians always may.
    #[serde(default)]
    pub nurse_prescribes: bool,
    /// An admin may give themselves a clinical role (coordination, team, micro-area). Off by
    /// default: an admin who grants themselves access to nominal data is refused, and the
    /// attempt is audited either way.
    #[serde(default)]
    pub admin_may_self_grant_clinical: bool,
}

impl AuthConfig {
    /// The configurable part of the permission matrix.
    pub fn policy(&self) -> crate::auth::Policy {
        crate::auth::Policy {
            nurse_prescribes: self.nurse_prescribes,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 30,
            absolute_timeout_hours: 12,
            max_failed_logins: 5,
            lockout_minutes: 15,
            address_max_failures: 20,
            address_window_minutes: 15,
            min_password_length: 10,
            nurse_prescribes: false,
            admin_may_self_grant_clinical: false,
        }
    }
}

/// The JSON API for integrators (`/api/v1`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Requests one API token (or one browser session) may make per minute on this instance;
    /// more answer 429 with `Retry-After`.
    pub requests_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            requests_per_minute: 120,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `sistema_aps=debug,info`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// The Prometheus endpoint, served on a listener of its own so the reverse proxy never
/// exposes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Record metrics and serve `GET /metrics` on `listen`.
    pub enabled: bool,
    /// Address of the metrics listener; keep it on loopback (or a monitoring network).
    pub listen: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 9464)),
        }
    }
}

/// `sistema-aps backup`, `restore` and `backup verify`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    /// Where backups are written and pruned. Unset: `backups/` in the data directory
    /// (`data/backups` with the default SQLite file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<PathBuf>,
    /// Grandfather-father-son retention: the newest backup of each of the last N days,
    /// ISO weeks and months is kept; the newest backup of all is always kept.
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
    /// An age public key (`age1…`). When set, backups are encrypted to it in-process; the
    /// identity (private key) stays off this machine and is needed to restore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_recipient: Option<String>,
    /// node_exporter textfile-collector file written (atomically) after each successful backup
    /// with `sistema_aps_backup_last_success_timestamp_seconds`. Unset: not written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub textfile_path: Option<PathBuf>,
    /// PostgreSQL client programs (their major version must be ≥ the server's).
    pub pg_dump: PathBuf,
    pub pg_restore: PathBuf,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            directory: None,
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 12,
            age_recipient: None,
            textfile_path: None,
            pg_dump: PathBuf::from("pg_dump"),
            pg_restore: PathBuf::from("pg_restore"),
        }
    }
}

fn default_time_zone() -> chrono_tz::Tz {
    chrono_tz::America::Sao_Paulo
}

fn default_database_url() -> SecretString {
    SecretString::from("sqlite://data/sistema-aps.db?mode=rwc")
}

fn default_max_connections() -> u32 {
    8
}

fn default_acquire_timeout() -> u64 {
    10
}

/// Replaces the password of a URL with `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<invalid url>".into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} not found")]
    FileNotFound(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// The backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DatabaseConfig {
    pub fn backend(&self) -> Result<Backend, ConfigError> {
        let url = self.url.expose_secret();
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ConfigError::Invalid(format!(
                "database.url must start with sqlite: or postgres:// (got {})",
                redact_url(url)
            )))
        }
    }
}

/// `[pec]`: facts about this installation's PEC.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PecConfig {
    /// `[pec.catalogue]`: catalogue ids mapped by the admin where the name lookup fails.
    pub catalogue: CatalogueOverrides,
}

/// Catalogue entries mapped by hand (`esus::catalogue`): the id of the row in *this* PEC's
/// catalogue table. Unset entries are found by name. A mapped id must exist in the table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogueOverrides {
    /// `tb_situacao_problema`: active problem.
    pub problem_active: Option<i64>,
    /// `tb_situacao_problema`: latent problem.
    pub problem_latent: Option<i64>,
    /// `tb_situacao_problema`: resolved problem.
    pub problem_resolved: Option<i64>,
    /// `tb_tipo_atend_prof`: the initial listening ("escuta inicial").
    pub initial_listening: Option<i64>,
    /// `tb_cds_visita_dom_desfecho`: visit done ("visita realizada").
    pub home_visit_done: Option<i64>,
}

/// The health unit printed at the top of prescriptions and MRPA sheets.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrintConfig {
    pub unit_name: String,
    pub unit_address: Option<String>,
    pub municipality: Option<String>,
    pub phone: Option<String>,
}

impl Default for PrintConfig {
    fn default() -> Self {
        Self {
            unit_name: "Unidade Básica de Saúde".to_string(),
            unit_address: None,
            municipality: None,
            phone: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            demo: DemoConfig::default(),
            read_model: ReadModelConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            auth: AuthConfig::default(),
            backup: BackupConfig::default(),
            print: PrintConfig::default(),
            api: ApiConfig::default(),
            pec: PecConfig::default(),
            time_zone: default_time_zone(),
        }
    }
}

impl Config {
    /// The defaults with another database (tests, tools).
    pub fn with_database_url(url: &str) -> Config {
        let mut c = Config::default();
        c.database.url = SecretString::from(url.to_string());
        c
    }

    /// Defaults → optional TOML file → `APS_*` environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, Env::prefixed("APS_"))
    }

    fn load_from(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut fig = Figment::new().merge(Serialized::defaults(Defaults::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::FileNotFound(path.to_path_buf()));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        // `APS_TEST_*` belongs to the test harness, not to the application.
        let env = env
            .filter(|k| !k.as_str().to_ascii_lowercase().starts_with("test_"))
            .split("__");
        fig = fig.merge(env);
        let config: Config = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(describe(e)))?;
        config.database.backend()?;
        if !(1..=10).contains(&config.auth.max_failed_logins) {
            return Err(ConfigError::Invalid(
                "auth.max_failed_logins must be between 1 and 10".into(),
            ));
        }
        if config.auth.min_password_length < 8 {
            return Err(ConfigError::Invalid(
                "auth.min_password_length must be at least 8".into(),
            ));
        }
        if config.auth.idle_timeout_minutes == 0 || config.auth.absolute_timeout_hours == 0 {
            return Err(ConfigError::Invalid(
                "auth timeouts must be positive".into(),
            ));
        }
        if !(1..=100_000).contains(&config.api.requests_per_minute) {
            return Err(ConfigError::Invalid(
                "api.requests_per_minute must be between 1 and 100000".into(),
            ));
        }
        if config.server.header_read_timeout_secs == 0 || config.server.idle_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "server.header_read_timeout_secs and server.idle_timeout_secs must be at least 1"
                    .into(),
            ));
        }
        if config.database.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database.max_connections must be at least 1".into(),
            ));
        }
        Ok(config)
    }
}

fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Serializable defaults fed to figment first (the secret URL is not serializable, so it is
/// filled by serde defaults instead).
#[derive(Serialize, Default)]
struct Defaults {
    server: ServerConfig,
    demo: DemoConfig,
    read_model: ReadModelConfig,
    log: LogConfig,
    metrics: MetricsConfig,
    auth: AuthConfig,
    backup: BackupConfig,
    api: ApiConfig,
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults() {
        Jail::expect_with(|_jail| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(c.server.listen.to_string(), "127.0.0.1:3030");
            assert_eq!(
                c.database.url.expose_secret(),
                "sqlite://data/sistema-aps.db?mode=rwc"
            );
            assert_eq!(c.time_zone, chrono_tz::America::Sao_Paulo);
            assert_eq!(
                c.database.backend().map_err(|e| e.to_string())?,
                Backend::Sqlite
            );
            Ok(())
        });
    }

    #[test]
    fn file_then_env() {
        Jail::expect_with(|jail| {
            jail.create_file("aps.toml", "[server]\nlisten = \"127.0.0.1:4000\"\n[demo]\ncitizens = 10\nseed = 1\nseed_on_first_start = false\n")?;
            jail.set_env("APS_SERVER__LISTEN", "127.0.0.1:5000");
            jail.set_env("APS_TEST_DATABASE_URL", "postgres://ignored");
            let c = Config::load(Some(Path::new("aps.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.server.listen.to_string(), "127.0.0.1:5000");
            assert_eq!(c.demo.citizens, 10);
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_take_cidr_ranges_and_name_a_bad_one() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "aps.toml",
                "[server]\nlisten = \"127.0.0.1:4000\"\ntrusted_proxies = [\"10.0.0.0/8\", \"fd00::/8\", \"192.0.2.7\"]\n",
            )?;
            let c = Config::load(Some(Path::new("aps.toml"))).map_err(|e| e.to_string())?;
            let shown: Vec<String> = c
                .server
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(shown, ["10.0.0.0/8", "fd00::/8", "192.0.2.7"]);
            jail.create_file(
                "bad.toml",
                "[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n",
            )?;
            let err = Config::load(Some(Path::new("bad.toml")))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("'10.0.0.0/33'"), "{err}");
            assert!(err.contains("trusted_proxies"), "{err}");
            // The environment form (a Kubernetes ConfigMap).
            jail.set_env(
                "APS_SERVER__TRUSTED_PROXIES",
                "[\"10.42.0.0/16\", \"fd00::/8\"]",
            );
            let c = Config::load(None).map_err(|e| e.to_string())?;
            let shown: Vec<String> = c
                .server
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(shown, ["10.42.0.0/16", "fd00::/8"]);
            Ok(())
        });
    }

    #[test]
    fn unknown_key_is_named() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "aps.toml",
                "[server]\nlisten = \"127.0.0.1:4000\"\nlistne = 1\n",
            )?;
            let err = Config::load(Some(Path::new("aps.toml")))
                .err()
                .map(|e| e.to_string());
            let err = err.unwrap_or_default();
            assert!(err.contains("listne"), "{err}");
            jail.create_file("b.toml", "colour = 1\n")?;
            let err = Config::load(Some(Path::new("b.toml")))
                .err()
                .map(|e| e.to_string());
            assert!(err.unwrap_or_default().contains("colour"));
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted() {
        Jail::expect_with(|jail| {
            jail.set_env("APS_DATABASE__URL", "postgres://aps:s3cr3t@db:5432/esus");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            let shown = format!("{c:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(shown.contains("***"));
            assert_eq!(
                c.database.backend().map_err(|e| e.to_string())?,
                Backend::Postgres
            );
            Ok(())
        });
    }

    #[test]
    fn bad_values() {
        Jail::expect_with(|jail| {
            jail.set_env("APS_DATABASE__URL", "mysql://x");
            assert!(Config::load(None).is_err());
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("APS_API__REQUESTS_PER_MINUTE", "0");
            assert!(Config::load(None).is_err());
            Ok(())
        });
        Jail::expect_with(|_| {
            assert!(matches!(
                Config::load(Some(Path::new("/nonexistent/aps.toml"))),
                Err(ConfigError::FileNotFound(_))
            ));
            Ok(())
        });
    }

    #[test]
    fn default_file_parses() {
        Jail::expect_with(|jail| {
            jail.create_file("d.toml", DEFAULT_CONFIG_TOML)?;
            let c = Config::load(Some(Path::new("d.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.server.listen.to_string(), "127.0.0.1:3030");
            assert_eq!(c.metrics.listen.to_string(), "127.0.0.1:9464");
            assert!(c.metrics.enabled);
            assert_eq!(c.backup.keep_daily, 7);
            assert!(c.backup.age_recipient.is_none());
            assert_eq!(c.api.requests_per_minute, 120);
            Ok(())
        });
    }
}
