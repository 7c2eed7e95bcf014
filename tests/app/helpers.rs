//! The test harness: a fresh database per test (a temp SQLite file, or — when
//! `APS_TEST_DATABASE_URL` points at a PostgreSQL server — a fresh PostgreSQL database that is
//! dropped afterwards), the real migrations, and the real routes through `TestClient`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use poem::endpoint::BoxEndpoint;
use poem::test::{TestClient, TestResponse};
use poem::{Endpoint, EndpointExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};
use sistema_aps::auth::{Assignment, Role, users};
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

/// For the tests that only make sense on PostgreSQL: true when `APS_TEST_DATABASE_URL` is set.
/// Otherwise the test is skipped, and says so by name on stderr (`cargo test` reports it as
/// passed): `.ci/run` sets the variable and fails when the output names a skipped test; when
/// the server is unreachable the harness panics rather than skipping.
pub fn postgres_or_skip(test: &str) -> bool {
    if backends().contains(&Backend::Postgres) {
        return true;
    }
    // Straight to the process's stderr: the test harness captures `eprintln!` of passing tests.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (PostgreSQL only; set APS_TEST_DATABASE_URL to run it): {test}"
    );
    false
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

/// A signed-in browser: the session cookie and the CSRF token of its pages.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// The password every test user gets.
pub const PASSWORD: &str = "senha-de-teste-2026";

/// A running application on a fresh database.
pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static>>,
    pub state: AppState,
    /// A coordinator of the whole municipality, signed in: sees every patient.
    pub session: Session,
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
        Self::start_configured(backend, opts, |_| {}).await
    }

    /// [`TestApp::start`] with a change to the configuration.
    pub async fn start_configured(
        backend: Backend,
        opts: Start,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut config = Config::with_database_url(&db.url);
        configure(&mut config);
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
        let mut app = TestApp {
            client,
            state,
            session: Session {
                cookie: String::new(),
                csrf: String::new(),
            },
            _db: db,
        };
        let coordinator = app
            .create_user(
                "coordenacao.teste",
                vec![assignment(Role::Coordinator, None, None, None)],
            )
            .await;
        // A coordinator who is a physician: every action of the permission matrix.
        users::set_profession(
            app.conn(),
            coordinator,
            Some(sistema_aps::auth::Profession::Physician),
        )
        .await
        .expect("profession");
        app.session = app.login("coordenacao.teste", PASSWORD).await;
        app
    }

    /// Creates a user with [`PASSWORD`] and the given assignments.
    pub async fn create_user(&self, username: &str, assignments: Vec<Assignment>) -> i64 {
        users::create(
            self.conn(),
            &self.state.config.auth,
            users::NewUser {
                username: username.into(),
                full_name: format!("Usuário {username}"),
                cpf: None,
                profession: None,
                assignments,
            },
            PASSWORD,
            false,
        )
        .await
        .expect("create user")
        .id
    }

    /// Signs in through the real pages and returns the browser's session.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let resp = self.try_login(username, password).await;
        resp.assert_status(poem::http::StatusCode::SEE_OTHER);
        let cookie = set_cookie_value(&resp, "aps_sessao").expect("session cookie");
        let page = body(
            self.client
                .get("/senha")
                .header("Cookie", format!("aps_sessao={cookie}"))
                .send()
                .await,
        )
        .await;
        let doc = html(&page);
        let csrf = select(&doc, "input[name=csrf]")
            .first()
            .and_then(|e| e.value().attr("value"))
            .expect("csrf on the page")
            .to_string();
        Session { cookie, csrf }
    }

    /// Posts the sign-in form as a browser would; returns the raw response.
    pub async fn try_login(&self, username: &str, password: &str) -> TestResponse {
        let form_page = self.client.get("/entrar").send().await;
        let pre = set_cookie_value(&form_page, "aps_csrf_entrar").expect("pre-session csrf cookie");
        self.client
            .post("/entrar")
            .header("Cookie", format!("aps_csrf_entrar={pre}"))
            .content_type("application/x-www-form-urlencoded")
            .body(format!(
                "csrf={pre}&usuario={username}&senha={}",
                urlencode(password)
            ))
            .send()
            .await
    }

    /// The scope of the default coordinator (the whole municipality).
    pub fn session_scope(&self) -> sistema_aps::auth::Scope {
        sistema_aps::auth::Scope {
            municipality: true,
            ..Default::default()
        }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The URL of this test's database.
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    /// GET as the default coordinator.
    pub async fn get(&self, uri: &str) -> TestResponse {
        self.get_as(&self.session, uri).await
    }

    pub async fn get_as(&self, s: &Session, uri: &str) -> TestResponse {
        self.client
            .get(uri)
            .header("Cookie", format!("aps_sessao={}", s.cookie))
            .send()
            .await
    }

    /// GET with no session.
    pub async fn get_anon(&self, uri: &str) -> TestResponse {
        self.client.get(uri).send().await
    }

    pub async fn get_htmx(&self, uri: &str) -> TestResponse {
        self.client
            .get(uri)
            .header("Cookie", format!("aps_sessao={}", self.session.cookie))
            .header("HX-Request", "true")
            .send()
            .await
    }

    /// POSTs a form as `s`; the CSRF token is added unless `with_csrf` is false.
    pub async fn post_as(
        &self,
        s: &Session,
        uri: &str,
        fields: &[(&str, &str)],
        with_csrf: bool,
    ) -> TestResponse {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        if with_csrf {
            form.append_pair("csrf", &s.csrf);
        }
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        self.client
            .post(uri)
            .header("Cookie", format!("aps_sessao={}", s.cookie))
            .content_type("application/x-www-form-urlencoded")
            .body(form.finish())
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

/// An assignment for tests.
pub fn assignment(
    role: Role,
    cnes: Option<&str>,
    ine: Option<&str>,
    micro: Option<&str>,
) -> Assignment {
    Assignment {
        role,
        cnes: cnes.map(String::from),
        ine: ine.map(String::from),
        micro_area: micro.map(String::from),
    }
}

/// The value a response sets for a cookie.
pub fn set_cookie_value(resp: &TestResponse, name: &str) -> Option<String> {
    resp.0
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn urlencode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
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

/// Runs a SQL file with psql (installed with PostgreSQL) and `-v` variables; panics on error.
pub fn psql(db_url: &str, file: &str, vars: &[(&str, &str)]) {
    let mut c = std::process::Command::new("psql");
    c.arg(db_url)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file]);
    for (k, v) in vars {
        c.arg("-v").arg(format!("{k}={v}"));
    }
    let out = c.output().expect("psql is installed with PostgreSQL");
    assert!(
        out.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A date as the pages write it (`dd/mm/aaaa`).
pub fn br_date(d: chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}
