//! Observability: request ids, route-template metrics, `/metrics` on its own listener, the
//! readiness body, graceful shutdown with a request in flight, systemd notifications, the
//! `health` subcommand, and no patient data in the logs over a clinical journey.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt};
use sea_orm::{ConnectionTrait, Statement};
use sistema_aps::app::{Listeners, StartError, serve_on};
use sistema_aps::config::{LogConfig, LogFormat};
use sistema_aps::telemetry;
use sistema_aps::web::{AppState, routes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, oneshot};

use crate::helpers::{Start, TestApp, backends, body, html, select, text_of};

// ---------------------------------------------------------------------------------------
// Helpers

/// The `metrics` exposition as the endpoint serves it.
async fn scrape(state: &AppState) -> String {
    let client = poem::test::TestClient::new(telemetry::metrics::routes(state.clone()));
    let resp = client.get("/metrics").send().await;
    resp.assert_status_is_ok();
    resp.assert_content_type("text/plain; version=0.0.4; charset=utf-8");
    body(resp).await
}

/// The value of the sample `name{labels…}` whose labels include every `want` pair.
fn sample(exposition: &str, name: &str, want: &[(&str, &str)]) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let (labels, value) = match rest.strip_prefix('{') {
            Some(r) => {
                let (l, v) = r.split_once("} ")?;
                (l, v)
            }
            None => ("", rest.strip_prefix(' ')?),
        };
        want.iter()
            .all(|(k, v)| labels.split(',').any(|p| p == format!("{k}=\"{v}\"")))
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// A request written by hand on a fresh TCP connection; the whole answer as text (what
/// arrived, if the server drops the connection).
async fn raw_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn header(resp: &str, name: &str) -> Option<String> {
    let head = resp.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// The app served for real by `app::serve_on` on two ephemeral loopback ports.
struct Served {
    web: SocketAddr,
    metrics: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), StartError>>,
}

async fn serve_real<E>(state: AppState, endpoint: E) -> Served
where
    E: Endpoint + 'static,
{
    let bind = || async {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = *acceptor.local_addr()[0]
            .as_socket_addr()
            .expect("socket address");
        (acceptor, addr)
    };
    let (web, web_addr) = bind().await;
    let (metrics, metrics_addr) = bind().await;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_on(
        Listeners {
            web,
            metrics: Some(metrics),
        },
        state,
        endpoint,
        async {
            let _ = rx.await;
        },
    ));
    Served {
        web: web_addr,
        metrics: metrics_addr,
        stop: Some(tx),
        task,
    }
}

impl Served {
    /// What SIGTERM does in production: resolve the shutdown future.
    fn signal(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Waits (bounded) until nothing accepts connections on `addr` any more.
async fn wait_until_refused(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A state whose configuration is changed by `f` (same database).
fn with_config(state: &AppState, f: impl FnOnce(&mut sistema_aps::config::Config)) -> AppState {
    let mut config = (*state.config).clone();
    f(&mut config);
    let mut state = state.clone();
    state.config = Arc::new(config);
    state
}

// ---------------------------------------------------------------------------------------
// Request ids and HTTP metrics

#[tokio::test]
async fn every_response_carries_a_request_id_and_client_ids_are_not_believed() {
    let app = TestApp::start(crate::helpers::Backend::Sqlite, Start::default()).await;
    let mut seen = Vec::new();
    for uri in [
        "/hipertensos",
        "/health",
        "/nao-existe",
        "/hipertensos?equipe=abc",
    ] {
        // TestClient requests have no TCP peer, so they never come from a trusted proxy.
        let resp = app
            .client
            .get(uri)
            .header("X-Request-Id", "forjado-pelo-cliente")
            .send()
            .await;
        let id = resp
            .0
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{uri}: no X-Request-Id"));
        assert_ne!(id, "forjado-pelo-cliente", "{uri}");
        assert_eq!(id.len(), 32, "{uri}: {id}");
        assert!(!seen.contains(&id), "ids are unique");
        seen.push(id);
    }
}

#[tokio::test]
async fn request_ids_from_trusted_proxies_are_kept() {
    let app = TestApp::start(crate::helpers::Backend::Sqlite, Start::default()).await;
    // Default configuration: 127.0.0.1 is the trusted proxy (Nginx on the same host).
    let mut served = serve_real(app.state.clone(), routes(app.state.clone())).await;
    let resp = raw_get(served.web, "/health", &[("X-Request-Id", "nginx-7f9c2ba4")]).await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert_eq!(
        header(&resp, "x-request-id").as_deref(),
        Some("nginx-7f9c2ba4")
    );
    // A malformed id is replaced even from a trusted proxy.
    let resp = raw_get(served.web, "/health", &[("X-Request-Id", "a b")]).await;
    assert_ne!(header(&resp, "x-request-id").as_deref(), Some("a b"));
    served.signal();
    served.task.await.expect("join").expect("serve");

    // Nobody trusted: the same header from the same address is replaced.
    let state = with_config(&app.state, |c| c.server.trusted_proxies.clear());
    let mut served = serve_real(state.clone(), routes(state)).await;
    let resp = raw_get(served.web, "/health", &[("X-Request-Id", "nginx-7f9c2ba4")]).await;
    let id = header(&resp, "x-request-id").expect("an id");
    assert_ne!(id, "nginx-7f9c2ba4");
    assert_eq!(id.len(), 32);
    served.signal();
    served.task.await.expect("join").expect("serve");
}

#[tokio::test]
async fn http_metrics_are_labelled_by_route_template() {
    let app = TestApp::start(crate::helpers::Backend::Sqlite, Start::default()).await;
    let asset = sistema_aps::web::assets::url("favicon.svg");
    let before = scrape(&app.state).await;
    let count = |text: &str, route: &str, status: &str| {
        sample(
            text,
            "http_server_request_duration_seconds_count",
            &[
                ("http_route", route),
                ("http_request_method", "GET"),
                ("http_response_status_code", status),
            ],
        )
        .unwrap_or(0.0)
    };
    app.get("/hipertensos").await.assert_status_is_ok();
    app.get("/hipertensos?busca=maria")
        .await
        .assert_status_is_ok();
    app.get(&asset).await.assert_status_is_ok();
    app.get("/nada/898001234567891")
        .await
        .assert_status(poem::http::StatusCode::NOT_FOUND);
    app.get("/pacientes/898001234567892")
        .await
        .assert_status(poem::http::StatusCode::NOT_FOUND);
    app.get("/hipertensos?equipe=abc")
        .await
        .assert_status(poem::http::StatusCode::BAD_REQUEST);
    let after = scrape(&app.state).await;

    // Other tests run in this process and share the recorder: compare increments.
    assert!(count(&after, "/hipertensos", "200") >= count(&before, "/hipertensos", "200") + 2.0);
    assert!(count(&after, "/assets/*path", "200") >= count(&before, "/assets/*path", "200") + 1.0);
    assert!(count(&after, "unmatched", "404") >= count(&before, "unmatched", "404") + 1.0);
    assert!(
        count(&after, "/pacientes/:id", "404") >= count(&before, "/pacientes/:id", "404") + 1.0
    );
    assert!(count(&after, "/hipertensos", "400") >= count(&before, "/hipertensos", "400") + 1.0);
    // Never the raw path or the query.
    assert!(!after.contains("898001234567891"));
    assert!(!after.contains("898001234567892"));
    assert!(!after.contains("maria"));
    assert!(!after.contains(&asset));
    // Explicit buckets: a histogram, not a summary.
    assert!(after.contains("# TYPE http_server_request_duration_seconds histogram"));
    for le in ["0.005", "0.1", "1", "10", "+Inf"] {
        assert!(
            sample(
                &after,
                "http_server_request_duration_seconds_bucket",
                &[("http_route", "/hipertensos"), ("le", le)]
            )
            .is_some(),
            "bucket {le}"
        );
    }
}

/// The metrics recorder is global to the process, and tests run in parallel: the counters are
/// checked exactly in a process that runs only [`metrics_of_one_process`].
#[test]
fn metrics_endpoint_exports_every_family() {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "observability::metrics_of_one_process",
            "--ignored",
            "--test-threads=1",
        ])
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn audit_rows(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    sistema_aps::store::audit_log::Entity::find()
        .count(app.conn())
        .await
        .expect("count audit rows")
}

#[tokio::test]
#[ignore = "run alone, in a process of its own, by metrics_endpoint_exports_every_family"]
async fn metrics_of_one_process() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        // A PEC with its catalogues, so that the read model is computed (an empty PEC has no
        // catalogue to resolve and nothing to compute).
        crate::fixture::Fixture::new(&app).await;
        app.refresh().await;
        let before = scrape(&app.state).await;
        let rows_before = audit_rows(&app).await;
        // Through the real pages only: a failed sign-in, and a list view (audited).
        app.try_login("ninguem", "senha-errada-123")
            .await
            .assert_status(poem::http::StatusCode::UNAUTHORIZED);
        app.get("/hipertensos").await.assert_status_is_ok();
        let text = scrape(&app.state).await;
        let written = audit_rows(&app).await - rows_before;

        let version = env!("CARGO_PKG_VERSION");
        let build = sample(&text, "sistema_aps_build_info", &[("version", version)]);
        assert_eq!(build, Some(1.0), "{backend:?}");
        assert!(text.contains("sistema_aps_build_info{version=\""));
        assert!(text.contains(",commit=\""));

        // Nothing else runs in this process: the counters moved by exactly what was done.
        let get = |t: &str, name: &str| sample(t, name, &[]).unwrap_or(0.0);
        let delta = |name: &str| get(&text, name) - get(&before, name);
        assert_eq!(
            delta("sistema_aps_login_failures_total"),
            1.0,
            "{backend:?}"
        );
        // The list view is audited; a failed sign-in is counted, not audited (no user).
        assert_eq!(written, 1, "{backend:?}: the list view's audit row");
        assert_eq!(
            delta("sistema_aps_audit_rows_total"),
            written as f64,
            "{backend:?}: one count per audit row written"
        );

        let system = match backend {
            crate::helpers::Backend::Sqlite => "sqlite",
            crate::helpers::Backend::Postgres => "postgresql",
        };
        assert!(
            sample(
                &text,
                "db_client_operation_duration_seconds_count",
                &[("db_system_name", system), ("db_operation_name", "SELECT")]
            )
            .is_some_and(|n| n > 0.0),
            "{backend:?}: DB statement durations"
        );
        assert!(sample(&text, "db_client_connections_usage", &[("state", "used")]).is_some());
        assert!(sample(&text, "db_client_connections_usage", &[("state", "idle")]).is_some());
        assert!(sample(&text, "db_client_connections_max", &[]).is_some());

        let rm = [("read_model", "hypertension")];
        let age = sample(&text, "sistema_aps_read_model_age_seconds", &rm).expect("age");
        assert!((0.0..600.0).contains(&age), "{backend:?}: age {age}");
        let refreshed = sample(
            &text,
            "sistema_aps_read_model_last_refresh_timestamp_seconds",
            &rm,
        )
        .expect("timestamp");
        assert!(refreshed > 1.7e9);
        assert!(
            sample(
                &text,
                "sistema_aps_read_model_last_refresh_duration_seconds",
                &rm
            )
            .is_some()
        );
        assert_eq!(
            sample(
                &text,
                "sistema_aps_read_model_refresh_interval_seconds",
                &rm
            ),
            Some(900.0)
        );
        assert!(sample(&text, "sistema_aps_read_model_refresh_failures_total", &rm).is_some());

        if std::path::Path::new("/proc/self/stat").exists() {
            for name in [
                "process_cpu_seconds_total",
                "process_resident_memory_bytes",
                "process_open_fds",
                "process_max_fds",
                "process_start_time_seconds",
            ] {
                assert!(sample(&text, name, &[]).is_some(), "{name}");
            }
        }
        // Every family has HELP and TYPE (promtool checks the rest in .ci/observability.sh).
        for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
            let name = line.split_whitespace().nth(2).expect("name");
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "{name} has no HELP"
            );
        }
    }
}

#[tokio::test]
async fn audit_rows_carry_the_request_id_of_the_response() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let resp = app.get("/hipertensos").await;
        resp.assert_status_is_ok();
        let id = resp
            .0
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("X-Request-Id")
            .to_string();
        let row = app
            .conn()
            .query_one_raw(Statement::from_string(
                app.conn().get_database_backend(),
                "SELECT request_id FROM audit_log ORDER BY id DESC LIMIT 1",
            ))
            .await
            .expect("audit row")
            .expect("a row");
        let logged: Option<String> = row.try_get("", "request_id").expect("request_id");
        assert_eq!(logged.as_deref(), Some(id.as_str()), "{backend:?}");
    }
}

#[tokio::test]
async fn metrics_are_not_served_by_the_web_listener() {
    let app = TestApp::start(crate::helpers::Backend::Sqlite, Start::default()).await;
    app.get("/metrics")
        .await
        .assert_status(poem::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn readiness_reports_read_model_age_and_free_disk() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        // A PEC with its catalogues: the refresh can run (an empty one has nothing to resolve).
        crate::fixture::Fixture::new(&app).await;
        app.refresh().await;
        let resp = app.get("/ready").await;
        resp.assert_status_is_ok();
        let json: serde_json::Value = serde_json::from_str(&body(resp).await).expect("json");
        assert_eq!(json["status"], "ready");
        assert_eq!(json["database"]["reachable"], true);
        assert!(json["database"]["latency_ms"].is_number());
        assert_eq!(json["read_model"]["stale"], false, "{backend:?}: {json}");
        assert!(json["read_model"]["age_seconds"].as_i64().is_some());
        let free = json["data_dir"]["free_percent"].as_f64().expect("free %");
        assert!((0.0..=100.0).contains(&free), "{json}");
        assert!(json["data_dir"]["free_bytes"].as_u64().is_some());
        assert_eq!(json["pec_catalogue"], "resolved");
    }
}

// ---------------------------------------------------------------------------------------
// Lifecycle

/// The real routes behind a gate: a request with `X-Test-Hold` says it arrived and waits
/// for `release` before going on into the app. This is how the test holds a request in
/// flight at a known moment; everything else (listeners, `serve_on`, signal, deadline,
/// middleware, handler, database) is the production code.
fn gated(
    state: AppState,
    arrived: Arc<Notify>,
    release: Arc<Notify>,
) -> impl Endpoint<Output = poem::Response> {
    routes(state).around(move |ep, req| {
        let arrived = arrived.clone();
        let release = release.clone();
        async move {
            if req.headers().contains_key("x-test-hold") {
                arrived.notify_one();
                release.notified().await;
            }
            ep.call(req).await
        }
    })
}

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let state = with_config(&app.state, |c| c.server.shutdown_timeout_secs = 20);
        let arrived = Arc::new(Notify::new());
        let release = Arc::new(Notify::new());
        let mut served = serve_real(
            state.clone(),
            gated(state.clone(), arrived.clone(), release.clone()),
        )
        .await;
        let web = served.web;
        let client =
            tokio::spawn(async move { raw_get(web, "/ready", &[("X-Test-Hold", "1")]).await });
        tokio::time::timeout(Duration::from_secs(10), arrived.notified())
            .await
            .expect("the request reached the app");

        // SIGTERM: both listeners stop accepting…
        served.signal();
        wait_until_refused(served.web).await;
        wait_until_refused(served.metrics).await;
        // …but the server waits for the request it is serving.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !served.task.is_finished(),
            "{backend:?}: serve returned early"
        );

        release.notify_one();
        let resp = tokio::time::timeout(Duration::from_secs(10), client)
            .await
            .expect("answered")
            .expect("client task");
        assert!(resp.starts_with("HTTP/1.1 200"), "{backend:?}: {resp}");
        assert!(resp.contains("\"status\":\"ready\""), "{backend:?}: {resp}");
        assert!(header(&resp, "x-request-id").is_some());
        tokio::time::timeout(Duration::from_secs(10), served.task)
            .await
            .expect("serve returned after the last request")
            .expect("join")
            .expect("clean shutdown");
    }
}

#[tokio::test]
async fn shutdown_deadline_bounds_a_stuck_request() {
    let app = TestApp::start(crate::helpers::Backend::Sqlite, Start::default()).await;
    let state = with_config(&app.state, |c| c.server.shutdown_timeout_secs = 1);
    let arrived = Arc::new(Notify::new());
    let never = Arc::new(Notify::new());
    let mut served = serve_real(state.clone(), gated(state, arrived.clone(), never)).await;
    let web = served.web;
    let client = tokio::spawn(async move { raw_get(web, "/ready", &[("X-Test-Hold", "1")]).await });
    tokio::time::timeout(Duration::from_secs(10), arrived.notified())
        .await
        .expect("the request reached the app");
    let started = Instant::now();
    served.signal();
    tokio::time::timeout(Duration::from_secs(10), served.task)
        .await
        .expect("serve gave up at the deadline")
        .expect("join")
        .expect("clean shutdown");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    let resp = client.await.expect("client task");
    assert!(resp.is_empty(), "the stuck request was cut: {resp}");
}

/// The binary under systemd's notification protocol: READY=1 once serving (with the
/// addresses in STATUS), WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 and exit 0 on
/// SIGTERM. Also the `health` subcommand against it.
#[test]
fn systemd_notifications_health_subcommand_and_sigterm() {
    use std::os::unix::net::UnixDatagram;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("dir");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let log_path = dir.path().join("stderr.log");
    let bin = env!("CARGO_BIN_EXE_sistema-aps");
    let mut child = Command::new(bin)
        .env_remove("APS_TEST_DATABASE_URL")
        .env_remove("RUST_LOG")
        .env(
            "APS_DATABASE__URL",
            format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display()),
        )
        .env("APS_DEMO__CITIZENS", "200")
        .env("APS_SERVER__LISTEN", "127.0.0.1:0")
        .env("APS_METRICS__LISTEN", "127.0.0.1:0")
        .env("APS_LOG__FORMAT", "json")
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("start the binary");
    let logs = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let recv = || {
        let mut buf = [0u8; 4096];
        let n = socket
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("no notification ({e}); logs:\n{}", logs()));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };

    let ready = recv();
    assert!(ready.contains("READY=1\n"), "{ready}");
    let status = ready
        .lines()
        .find_map(|l| l.strip_prefix("STATUS="))
        .expect("status")
        .to_string();
    let url_after = |marker: &str| -> String {
        let i = status.find(marker).expect(marker) + marker.len();
        status[i..]
            .split([' ', ','])
            .next()
            .expect("url")
            .to_string()
    };
    let web = url_after("serving ");
    let metrics = url_after("metrics ");
    assert!(web.starts_with("http://127.0.0.1:"), "{status}");
    assert!(metrics.ends_with("/metrics"), "{status}");

    // Pings at half of 400 ms.
    let started = Instant::now();
    assert_eq!(recv(), "WATCHDOG=1\n");
    assert_eq!(recv(), "WATCHDOG=1\n");
    assert!(started.elapsed() < Duration::from_secs(5));

    // `health`: exit 0 on 2xx, 1 otherwise; prints the body.
    let health = |url: &str| {
        Command::new(bin)
            .env_remove("APS_TEST_DATABASE_URL")
            .args(["health", "--url", url])
            .output()
            .expect("run health")
    };
    let out = health(&format!("{web}ready"));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"status\":\"ready\""));
    let out = health(&metrics);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("sistema_aps_build_info{"));
    let out = health(&format!("{web}metrics"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the web listener has no /metrics"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let closed_port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = health(&format!("http://127.0.0.1:{closed_port}/ready"));
    assert_eq!(out.status.code(), Some(1));

    // SIGTERM: STOPPING=1, then a clean exit.
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let msg = recv();
        if msg.contains("STOPPING=1") {
            break;
        }
        assert_eq!(msg, "WATCHDOG=1\n");
        assert!(Instant::now() < deadline, "no STOPPING=1");
    }
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "did not exit; logs:\n{}", logs());
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}; logs:\n{}", logs());
    assert!(logs().contains("\"message\":\"stopped\""));
}

// ---------------------------------------------------------------------------------------
// No patient data in the logs

/// Every log line of this test process from the moment [`capture_logs`] first runs: the
/// production subscriber (JSON, the default `info` filter, `RUST_LOG` ignored) writing to
/// memory. It is global, so lines of tests running at the same time land here too; that only
/// makes the check stricter.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let cfg = LogConfig {
            format: LogFormat::Json,
            ..LogConfig::default()
        };
        telemetry::try_init(telemetry::config_filter(&cfg), cfg.format, move || {
            SharedBuf(sink.clone())
        })
        .expect("no other global subscriber in the test binary");
        buf
    })
    .clone()
}

struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_names_cpf_or_cns_in_the_logs_over_a_clinical_journey() {
    let logs = capture_logs();
    assert_eq!(LogConfig::default().level, "info", "the production default");
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(300),
            },
        )
        .await;
        let mut ids = Vec::new();
        let mut get = async |uri: &str, htmx: bool| {
            let resp = if htmx {
                app.get_htmx(uri).await
            } else {
                app.get(uri).await
            };
            if let Some(id) = resp.0.headers().get("x-request-id") {
                ids.push(id.to_str().expect("id").to_string());
            }
            body(resp).await
        };

        // The list, then what it shows.
        let page = get("/hipertensos", false).await;
        let doc = html(&page);
        let names: Vec<String> = select(&doc, "table.worklist tbody tr .patient-name")
            .iter()
            .map(text_of)
            .collect();
        assert!(names.len() >= 5, "{backend:?}: a seeded list");
        let cns: Vec<String> = select(&doc, "table.worklist tbody tr .patient-meta")
            .iter()
            .map(text_of)
            .filter_map(|t| t.split("CNS ").nth(1).map(|c| c.trim().to_string()))
            .collect();
        assert!(!cns.is_empty(), "{backend:?}: CNS on the page");
        let team = select(&doc, "select#equipe option")
            .iter()
            .filter_map(|o| o.value().attr("value"))
            .find(|v| !v.is_empty())
            .expect("a team")
            .to_string();

        // Search by a real name and a real CNS, filter, page, sort, through htmx too.
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let found = get(&format!("/hipertensos?busca={}", enc(&names[0])), false).await;
        assert!(found.contains(&names[0]), "{backend:?}: search by name");
        let found = get(&format!("/hipertensos?busca={}", enc(&cns[0])), true).await;
        assert!(found.contains(&cns[0]), "{backend:?}: search by CNS");
        get(
            &format!("/hipertensos?equipe={team}&controle=nao_controlada"),
            true,
        )
        .await;
        get(
            &format!("/hipertensos?equipe={team}&pratica=b&ordem=pontos&page=2"),
            false,
        )
        .await;
        get(
            &format!(
                "/hipertensos?busca={}&controle=sem_afericao",
                enc(&names[1])
            ),
            true,
        )
        .await;
        // Wrong input and unknown addresses that carry patient data.
        get(
            &format!("/hipertensos?busca={}&equipe=x", enc(&names[2])),
            false,
        )
        .await;
        get(&format!("/pacientes/{}", cns[0]), false).await;
        get(&format!("/hipertensos/{}", enc(&names[3])), false).await;

        // Everyone in the municipality: names, CPF and CNS.
        let rows = app
            .conn()
            .query_all_raw(Statement::from_string(
                app.conn().get_database_backend(),
                "SELECT no_cidadao, no_mae, nu_cpf, nu_cns FROM tb_cidadao",
            ))
            .await
            .expect("citizens");
        let mut secrets: Vec<String> = Vec::new();
        for r in rows {
            for col in ["no_cidadao", "no_mae", "nu_cpf", "nu_cns"] {
                if let Ok(Some(v)) = r.try_get::<Option<String>>("", col)
                    && v.trim().len() >= 6
                {
                    secrets.push(v.trim().to_string());
                }
            }
        }
        assert!(
            secrets.len() > 300,
            "{backend:?}: names and documents to look for"
        );

        let text = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
        // The capture works: this journey's requests are in it, at the production level.
        for id in &ids {
            assert!(text.contains(id), "{backend:?}: request {id} not logged");
        }
        assert!(text.contains("\"http.route\":\"/hipertensos\""));
        // Signed-in requests carry the user id (recorded by the session extractor).
        assert!(
            text.lines()
                .any(|l| l.contains(ids[0].as_str()) && l.contains("\"user.id\":")),
            "{backend:?}: no user.id on the request's lines"
        );
        let upper = text.to_uppercase();
        for s in &secrets {
            assert!(
                !upper.contains(&s.to_uppercase()),
                "{backend:?}: patient data in the logs: {s}"
            );
        }
        for line in text.lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_ne!(v["level"], "DEBUG", "{line}");
            assert_ne!(v["level"], "TRACE", "{line}");
        }
    }
}
