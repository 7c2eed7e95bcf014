//! Start-up: connect, migrate, seed the embedded demo on first start, keep the read models
//! fresh, and serve until a shutdown signal.
//!
//! Lifecycle: `serve` runs the web server and, when `metrics.enabled`, the metrics server on
//! its own listener; tells systemd `READY=1` once both are bound (and pings its watchdog);
//! on SIGTERM/SIGINT both stop accepting (the web listener first accepts the connections
//! already queued, see [`crate::drain`]), accepted connections get up to a second to finish
//! on their own, requests still in flight then get up to `server.shutdown_timeout_secs`, then
//! the pool is closed.

use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{IntoEndpoint, Server};
use sea_orm::DatabaseConnection;

use crate::config::{Backend, Config};
use crate::web::{AppState, routes};
use crate::{db, programs, seed, systemd, telemetry};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("database: {0}")]
    Orm(#[from] sea_orm::DbErr),
    #[error("seeding the demo municipality failed: {0}")]
    Seed(#[from] seed::SeedError),
    #[error("creating the demo users failed: {0}")]
    Users(#[from] crate::auth::UserError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// Connects and brings the database to the state the server needs.
pub async fn prepare(config: Arc<Config>) -> Result<AppState, StartError> {
    if config.metrics.enabled {
        telemetry::metrics::install();
    }
    let backend = config.database.backend().map_err(db::DbError::from)?;
    let conn = db::connect(&config.database).await?;
    db::migrate_app(&conn).await?;
    if backend == Backend::Sqlite {
        // SQLite is never a real PEC: the mirror is always created there.
        db::migrate_mirror(&config.database).await?;
    }
    let state = AppState::new(conn, config.clone());
    let mut seeded = false;
    if backend == Backend::Sqlite
        && config.demo.seed_on_first_start
        && db::pec_empty(&state.db).await?
    {
        seeded = true;
        tracing::info!(
            citizens = config.demo.citizens,
            seed = config.demo.seed,
            "empty embedded database: creating a synthetic municipality"
        );
        // The generator logs what it created.
        seed::run(
            &state.db,
            &seed::SeedOptions {
                citizens: config.demo.citizens,
                seed: config.demo.seed,
                today: state.today(),
            },
        )
        .await?;
    }
    if !db::pec_present(&state.db).await? {
        tracing::warn!(
            "the PEC tables are missing: lists stay empty until the database holds the e-SUS PEC"
        );
    } else if read_models_outdated(&state).await? {
        match refresh(&state).await {
            Ok(_) => {}
            // Logged entry by entry; /ready answers 503 naming them and the pages show a
            // banner: the instance starts so that the admin can see why.
            Err(RefreshError::Catalogue(_)) => {}
            Err(RefreshError::Db(e)) => return Err(e.into()),
        }
    }
    if seeded && crate::auth::users::list(&state.db).await?.is_empty() {
        create_demo_users(&state).await?;
    }
    Ok(state)
}

/// Whether any read model is missing or was computed for another day.
async fn read_models_outdated(state: &AppState) -> Result<bool, sea_orm::DbErr> {
    for name in programs::read_models() {
        let status = crate::care::status::get(&state.db, name).await?;
        if status.is_none_or(|s| s.as_of != state.today()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// On the embedded demo's first start: one user per role, with random passwords printed
/// once to the console (never logged). PostgreSQL never gets them.
async fn create_demo_users(state: &AppState) -> Result<(), StartError> {
    use crate::auth::{Assignment, Role, password, users};
    let territory = crate::territory::load(&state.db).await?;
    let team = territory.teams.first().map(|t| t.nu_ine.clone());
    let micro = team.as_ref().and_then(|ine| {
        territory
            .micro_areas
            .iter()
            .filter(|(i, _)| i == ine)
            // "00" is the PEC's "outside any micro-area": not a real ACS territory.
            .find(|(_, m)| m.as_str() != "00")
            .map(|(_, m)| m.clone())
    });
    let plain = |role| Assignment {
        role,
        cnes: None,
        ine: None,
        micro_area: None,
    };
    let mut demo = vec![
        ("admin", "Administração (demonstração)", plain(Role::Admin)),
        (
            "coordenacao",
            "Coordenação (demonstração)",
            plain(Role::Coordinator),
        ),
        (
            "auditoria",
            "Auditoria (demonstração)",
            plain(Role::Auditor),
        ),
    ];
    if let Some(ine) = &team {
        demo.push((
            "profissional",
            "Profissional da equipe (demonstração)",
            Assignment {
                role: Role::Professional,
                cnes: None,
                ine: Some(ine.clone()),
                micro_area: None,
            },
        ));
        if let Some(m) = &micro {
            demo.push((
                "acs",
                "ACS (demonstração)",
                Assignment {
                    role: Role::Acs,
                    cnes: None,
                    ine: Some(ine.clone()),
                    micro_area: Some(m.clone()),
                },
            ));
        }
    }
    println!("\nDemonstração: usuários criados (senhas aparecem só agora; guarde-as):");
    for (username, name, assignment) in demo {
        let pw = password::generate();
        // The demo team professional is a physician, so every action can be tried.
        let profession =
            (assignment.role == Role::Professional).then_some(crate::auth::Profession::Physician);
        let new = users::NewUser {
            username: username.into(),
            full_name: name.into(),
            cpf: None,
            profession,
            assignments: vec![assignment.clone()],
        };
        // Printed once on the console: changed at the first sign-in, like any provisional
        // password.
        users::create(&state.db, &state.config.auth, new, &pw, true).await?;
        println!("  {username:<13} {pw}   {}", assignment.describe());
    }
    println!();
    Ok(())
}

/// Why a refresh did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Catalogue entries of the PEC could not be resolved: nothing was recomputed.
    #[error("PEC catalogue entries unresolved: {}", .0.join("; "))]
    Catalogue(Vec<String>),
}

/// Resolves the PEC catalogue, then rebuilds every read model; logs the result and records it
/// in the metrics. With an unresolved catalogue entry nothing is rebuilt (the previous data
/// stays, with its age). Unusable PEC rows are skipped and counted (each report's `skipped`,
/// the metric, a warning per kind), never a reason to fail.
pub async fn refresh(state: &AppState) -> Result<Refreshed, RefreshError> {
    use crate::care::person;
    let today = state.today();
    let mut done = Refreshed::default();
    // The person read model needs no catalogue entry: search and the person page stay
    // current even while a programme's catalogue entry is unresolved.
    let report = person::refresh(&state.db, today)
        .await
        .inspect_err(|_| telemetry::metrics::record_refresh_failure(person::READ_MODEL))?;
    refreshed(person::READ_MODEL, &report);
    done.reports.push((person::READ_MODEL, report));
    let resolution = state.resolve_catalogue().await;
    let Some(catalogue) = resolution.catalogue() else {
        for p in programs::ALL {
            telemetry::metrics::record_refresh_failure(p.key);
        }
        return Err(RefreshError::Catalogue(resolution.problems()));
    };
    for p in programs::ALL {
        let report = (p.refresh)(&state.db, today, &catalogue)
            .await
            .inspect_err(|_| telemetry::metrics::record_refresh_failure(p.key))?;
        refreshed(p.key, &report);
        done.reports.push((p.key, report));
    }
    Ok(done)
}

/// What one refresh of every read model did.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// Per read model, in the order they were rebuilt (the person model first).
    pub reports: Vec<(&'static str, programs::RefreshReport)>,
}

impl Refreshed {
    /// The report of one read model.
    pub fn get(&self, name: &str) -> Option<&programs::RefreshReport> {
        self.reports
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r)
    }

    /// PEC rows skipped by any of them.
    pub fn skipped(&self) -> crate::care::quality::Skipped {
        let mut all = crate::care::quality::Skipped::default();
        for (_, r) in &self.reports {
            all.merge(&r.skipped);
        }
        all
    }
}

/// Logs a rebuilt read model and records it in the metrics.
fn refreshed(name: &'static str, report: &programs::RefreshReport) {
    telemetry::metrics::record_refresh(
        name,
        Duration::from_millis(u64::try_from(report.duration_ms).unwrap_or(u64::MAX)),
        report.rows,
    );
    telemetry::metrics::record_skipped(name, &report.skipped);
    report.skipped.log(name);
    tracing::info!(
        read_model = name,
        rows = report.rows,
        skipped = report.skipped.total(),
        duration_ms = report.duration_ms as u64,
        "read model refreshed"
    );
}

/// Refreshes the read models every `interval` until the process ends.
pub fn spawn_refresher(state: AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // the first tick fires at once; start-up already refreshed
        loop {
            tick.tick().await;
            if let Err(e) = refresh(&state).await {
                tracing::error!(error = %e, "read-model refresh failed; the previous data stays in place");
            }
        }
    })
}

/// Binds the configured address.
pub async fn bind(config: &Config) -> Result<TcpAcceptor, StartError> {
    let addr = config.server.listen;
    TcpListener::bind(addr)
        .into_acceptor()
        .await
        .map_err(|source| StartError::Listen { addr, source })
}

/// Binds the metrics listener (`metrics.listen`) when metrics are enabled.
pub async fn bind_metrics(config: &Config) -> Result<Option<TcpAcceptor>, StartError> {
    if !config.metrics.enabled {
        return Ok(None);
    }
    let addr = config.metrics.listen;
    TcpListener::bind(addr)
        .into_acceptor()
        .await
        .map(Some)
        .map_err(|source| StartError::Listen { addr, source })
}

/// The bound listeners [`serve_on`] serves.
pub struct Listeners {
    pub web: TcpAcceptor,
    /// `GET /metrics`; `None` when metrics are disabled.
    pub metrics: Option<TcpAcceptor>,
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish (up to
/// `server.shutdown_timeout_secs`). Binds the metrics listener itself.
pub async fn serve(
    acceptor: TcpAcceptor,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let listeners = Listeners {
        web: acceptor,
        metrics: bind_metrics(&state.config).await?,
    };
    serve_on(listeners, state.clone(), routes(state), shutdown).await
}

/// [`serve`] on listeners bound by the caller, with the web endpoint given (`routes(state)`
/// in production; tests wrap it to hold a request in flight).
pub async fn serve_on<E>(
    listeners: Listeners,
    state: AppState,
    endpoint: E,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let db: DatabaseConnection = state.db.clone();
    let grace = Duration::from_secs(state.config.server.shutdown_timeout_secs);
    let refresher = spawn_refresher(
        state.clone(),
        Duration::from_secs(state.config.read_model.refresh_interval_secs.max(60)),
    );
    // The head of the audit chain goes to the log hourly: an anchor outside the database
    // (`audit verify --anchor ID:HASH`).
    let anchor_log = crate::audit::spawn_anchor_log(db.clone(), Duration::from_secs(3600));
    let upkeep = if state.config.metrics.enabled {
        telemetry::metrics::spawn_upkeep(Duration::from_secs(5))
    } else {
        None
    };

    // One signal stops both servers.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };

    let web_addr = first_addr(&listeners.web);
    let metrics_addr = listeners.metrics.as_ref().and_then(first_addr);
    if let Some(addr) = metrics_addr {
        tracing::info!(url = %format!("http://{addr}/metrics"), "metrics are served");
    }
    let metrics_server = listeners.metrics.map(|acceptor| {
        // Scrapes are instant: a second is plenty to finish one.
        tokio::spawn(
            Server::new_with_acceptor(acceptor)
                .name("metrics")
                .run_with_graceful_shutdown(
                    telemetry::metrics::routes(state.clone()),
                    stopped(stop_rx.clone()),
                    Some(Duration::from_secs(1)),
                ),
        )
    });
    if let Some(addr) = web_addr {
        tracing::info!(url = %format!("http://{addr}/"), "Sistema APS is listening");
    }
    // The web listener drains on `stop` (crate::drain); the server itself is told to shut
    // down (`web_stop`) only once the accepted connections finished, or after DRAIN_BOUND.
    let active = crate::drain::Active::default();
    let (web_stop_tx, web_stop_rx) = tokio::sync::watch::channel(false);
    let web = Server::new_with_acceptor(crate::drain::DrainingAcceptor::new(
        crate::web::limits::HeadTimeoutAcceptor::new(
            listeners.web,
            Duration::from_secs(state.config.server.header_read_timeout_secs.max(1)),
        ),
        stop_rx.clone(),
        active.clone(),
    ))
    .name("web")
    .idle_timeout(Duration::from_secs(
        state.config.server.idle_timeout_secs.max(1),
    ))
    .run_with_graceful_shutdown(endpoint, stopped(web_stop_rx), Some(grace));
    tokio::pin!(web);
    let mut status = String::from("serving");
    if let Some(addr) = web_addr {
        status.push_str(&format!(" http://{addr}/"));
    }
    if let Some(addr) = metrics_addr {
        status.push_str(&format!(", metrics http://{addr}/metrics"));
    }
    systemd::notify_ready(&status);
    let watchdog = systemd::spawn_watchdog();

    let result = tokio::select! {
        result = &mut web => result, // the server failed on its own
        () = shutdown => {
            systemd::notify_stopping();
            let _ = stop_tx.send(true);
            let drain = async {
                let open = active.wait_idle(DRAIN_BOUND.min(grace)).await;
                let _ = web_stop_tx.send(true);
                open
            };
            tokio::pin!(drain);
            let mut open = None;
            loop {
                tokio::select! {
                    result = &mut web => break result,
                    n = &mut drain, if open.is_none() => {
                        tracing::info!(open_connections = n, "shutting the web server down");
                        open = Some(n);
                    }
                }
            }
        }
    };
    let _ = stop_tx.send(true);
    let _ = web_stop_tx.send(true);
    if let Some(server) = metrics_server {
        match server.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "metrics server error"),
            Err(e) => tracing::warn!(error = %e, "metrics server task failed"),
            Ok(Ok(())) => {}
        }
    }
    for task in [Some(refresher), Some(anchor_log), upkeep, watchdog]
        .into_iter()
        .flatten()
    {
        task.abort();
    }
    let _ = db.close().await;
    tracing::info!("stopped");
    result.map_err(StartError::Serve)
}

fn first_addr(acceptor: &TcpAcceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
}

/// After the shutdown signal, how long the accepted connections get to finish on their own
/// before the server shuts down the rest (idle keep-alive connections never finish by
/// themselves); `server.shutdown_timeout_secs` then applies to requests still running.
const DRAIN_BOUND: Duration = Duration::from_secs(1);

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
