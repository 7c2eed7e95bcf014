//! The test harness: a fresh database per test (a temp SQLite file, or — when
//! `APS_TEST_DATABASE_URL` points at a PostgreSQL server — a fresh PostgreSQL database that is
//! dropped afterwards), the real migrations, and the real routes through `TestClient`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use poem::endpoint::BoxEndpoint;
use poem::test::{TestClient, TestResponse};
use poem::{Endpoint, EndpointExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use sistema_aps::config::Config;
use sistema_aps::db::sql::statement;
use sistema_aps::web::{AppState, routes};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run: SQLite always, PostgreSQL when `APS_TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if std::env::var("APS_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        v.push(Backend::Postgres);
    }
    v
}

/// A fresh, empty database; dropped (PostgreSQL) or deleted (SQLite) at the end.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>, // (admin url, database name)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin = std::env::var("APS_TEST_DATABASE_URL").expect("APS_TEST_DATABASE_URL");
                let name = format!(
                    "aps_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.subsec_nanos())
                        .unwrap_or(0)
                );
                let conn = sea_orm::Database::connect(&admin)
                    .await
                    .expect("connect to APS_TEST_DATABASE_URL");
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let mut url = url::Url::parse(&admin).expect("APS_TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDb {
                    url: url.to_string(),
                    _dir: None,
                    pg: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop needs async I/O: run it on a runtime of its own, off the test's runtime.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let conn = sea_orm::Database::connect(&admin).await.ok()?;
                    conn.execute_unprepared(&format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    ))
                    .await
                    .ok()?;
                    conn.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// A running application on a fresh database.
pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static>>,
    pub state: AppState,
    /// Kept alive for the test's duration; dropped (and deleted) after it.
    _db: TestDb,
}

/// Options of [`TestApp::start`].
#[derive(Default)]
pub struct Start {
    /// Seed a synthetic municipality of this size on start (demo path).
    pub seed_citizens: Option<u32>,
}

impl TestApp {
    /// Migrates (app + mirror), optionally seeds, refreshes the read models: `app::prepare`,
    /// exactly as `serve` does.
    pub async fn start(backend: Backend, opts: Start) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut config = Config::with_database_url(&db.url);
        config.database.max_connections = 4;
        config.demo.seed_on_first_start = false;
        if backend == Backend::Postgres {
            sistema_aps::db::migrate_mirror(&config.database)
                .await
                .expect("mirror on postgres");
        }
        if let Some(n) = opts.seed_citizens {
            config.demo.seed_on_first_start = true;
            config.demo.citizens = n;
            config.demo.seed = 7;
            if backend == Backend::Postgres {
                // `prepare` seeds only the embedded database; seed PostgreSQL as `seed` does.
                let conn = sistema_aps::db::connect(&config.database)
                    .await
                    .expect("connect");
                sistema_aps::db::migrate_app(&conn).await.expect("migrate");
                let today = chrono::Utc::now()
                    .with_timezone(&config.time_zone)
                    .date_naive();
                sistema_aps::seed::run(
                    &conn,
                    &sistema_aps::seed::SeedOptions {
                        citizens: n,
                        seed: 7,
                        today,
                    },
                )
                .await
                .expect("seed postgres");
                conn.close().await.ok();
            }
        }
        let state = sistema_aps::app::prepare(Arc::new(config))
            .await
            .expect("prepare");
        let client = TestClient::new(routes(state.clone()).boxed());
        TestApp {
            client,
            state,
            _db: db,
        }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.state.db
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.client.get(uri).send().await
    }

    pub async fn get_htmx(&self, uri: &str) -> TestResponse {
        self.client
            .get(uri)
            .header("HX-Request", "true")
            .send()
            .await
    }

    /// Rebuilds the read models (after a fixture changed the PEC tables).
    pub async fn refresh(&self) {
        sistema_aps::app::refresh(&self.state)
            .await
            .expect("refresh");
    }

    /// Runs one SQL statement with `?` placeholders.
    pub async fn exec(&self, sql: &str, values: Vec<Value>) {
        let stmt = statement(self.conn().get_database_backend(), sql, values);
        self.conn()
            .execute_raw(stmt)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Reads a response body as text.
pub async fn body(resp: TestResponse) -> String {
    resp.0.into_body().into_string().await.expect("utf-8 body")
}

/// Parses HTML for selector assertions.
pub fn html(text: &str) -> scraper::Html {
    scraper::Html::parse_document(text)
}

pub fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(css).expect("valid selector");
    doc.select(&sel).collect()
}

pub fn text_of(el: &scraper::ElementRef) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Makes sure the harness compiles the endpoint type once.
#[allow(dead_code)]
fn _assert_endpoint<E: Endpoint>(_: &E) {}
