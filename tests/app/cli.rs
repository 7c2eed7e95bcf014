//! The command line, run as a user would run it.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sistema-aps"));
    // The test harness's own variables must not leak into the app's configuration.
    c.env_remove("APS_TEST_DATABASE_URL")
        .env("RUST_LOG", "warn");
    c
}

#[test]
fn config_prints_the_commented_defaults() {
    let out = bin().arg("config").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[server]") && text.contains("listen = \"127.0.0.1:3030\""));
    assert!(text.contains("# "), "commented");
}

#[test]
fn configuration_errors_name_the_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let out = bin()
        .args(["--config", "/nonexistent/aps.toml", "migrate"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    let file = dir.path().join("aps.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:3030\"\nlistem = 1\n").expect("write");
    let out = bin()
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listem"));
}

#[test]
fn seed_fills_an_empty_mirror_once() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
    let run = || {
        bin()
            .env("APS_DATABASE__URL", &url)
            .args(["seed", "--citizens", "400", "--seed", "3"])
            .output()
            .expect("run")
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("400 cidadãos"));
    let second = run();
    assert!(!second.status.success(), "a second seed must refuse");
    assert!(String::from_utf8_lossy(&second.stderr).contains("already"));
    // `--if-empty` (the compose stack seeds on every `up`): nothing to do, exit 0.
    let third = bin()
        .env("APS_DATABASE__URL", &url)
        .args(["seed", "--citizens", "400", "--if-empty"])
        .output()
        .expect("run");
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(String::from_utf8_lossy(&third.stdout).contains("nada a semear"));
}

#[test]
fn users_are_managed_from_the_command_line_without_default_passwords() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
    let run = |args: &[&str]| {
        bin()
            .env("APS_DATABASE__URL", &url)
            .args(args)
            .output()
            .expect("run")
    };
    // No user exists until one is created.
    let out = run(&["user", "list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    let out = run(&[
        "user",
        "add",
        "chefe",
        "--name",
        "Chefe da TI",
        "--role",
        "admin",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let password = stdout
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(password.len() >= 10, "{stdout}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&password),
        "never in the logs"
    );
    let out = run(&["user", "add", "x", "--name", "Curto", "--role", "admin"]);
    assert!(!out.status.success(), "invalid user names are refused");
    let out = run(&["user", "add", "acs1", "--name", "ACS Um", "--role", "acs"]);
    assert!(!out.status.success(), "an ACS needs a team and micro-area");
    let out = run(&["user", "list"]);
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(list.contains("chefe") && list.contains("ativo"), "{list}");
    assert!(run(&["user", "disable", "chefe"]).status.success());
    assert!(String::from_utf8_lossy(&run(&["user", "list"]).stdout).contains("desativado"));
    let out = run(&["user", "passwd", "chefe"]);
    assert!(out.status.success());
    assert!(!run(&["user", "passwd", "ninguem"]).status.success());
    // The audit chain of a fresh database is intact.
    let out = run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("íntegra"));
}

/// The objects of a database outside the catalogs: `(schemas, tables)` as sorted names.
async fn objects(url: &str) -> (Vec<String>, Vec<String>) {
    use sea_orm::ConnectionTrait;
    let conn = sea_orm::Database::connect(url).await.expect("connect");
    let backend = conn.get_database_backend();
    let names = |sql: &'static str| {
        let conn = &conn;
        async move {
            conn.query_all_raw(sea_orm::Statement::from_string(backend, sql))
                .await
                .expect(sql)
                .iter()
                .map(|r| r.try_get::<String>("", "name").expect("name"))
                .collect::<Vec<_>>()
        }
    };
    let found = if backend == sea_orm::DbBackend::Postgres {
        (
            names(
                "SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
                 AND nspname <> 'information_schema' ORDER BY 1",
            )
            .await,
            names(
                "SELECT schemaname || '.' || tablename AS name FROM pg_tables \
                 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            )
            .await,
        )
    } else {
        (
            Vec::new(),
            names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1").await,
        )
    };
    conn.close().await.ok();
    found
}

/// `migrate --mirror` over a real PEC checks first: it refuses before creating anything (no
/// schema `sistemaaps`, no app table, no bookkeeping table) and says so once.
#[tokio::test]
async fn migrate_mirror_over_a_real_pec_refuses_first_and_once() {
    use sea_orm::ConnectionTrait;
    for backend in crate::helpers::backends() {
        let db = crate::helpers::TestDb::new(backend).await;
        let raw = sea_orm::Database::connect(&db.url).await.expect("connect");
        raw.execute_unprepared(
            "CREATE TABLE tb_cidadao (co_seq_cidadao BIGINT PRIMARY KEY, no_cidadao VARCHAR(70))",
        )
        .await
        .expect("a PEC table");
        raw.close().await.ok();
        let before = objects(&db.url).await;

        let out = bin()
            .env_remove("RUST_LOG")
            .env("APS_DATABASE__URL", &db.url)
            .args(["migrate", "--mirror"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{backend:?}: {stderr}");
        assert_eq!(
            stderr
                .matches("refusing to create the e-SUS mirror")
                .count(),
            1,
            "{backend:?}: the refusal is printed once: {stderr}"
        );
        assert!(stderr.contains("tb_cidadao"), "{backend:?}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("Migrações aplicadas"),
            "{backend:?}"
        );
        let after = objects(&db.url).await;
        assert_eq!(after, before, "{backend:?}: nothing was created");
        let expected = match backend {
            crate::helpers::Backend::Postgres => vec!["public.tb_cidadao".to_string()],
            crate::helpers::Backend::Sqlite => vec!["tb_cidadao".to_string()],
        };
        assert_eq!(after.1, expected, "{backend:?}");
    }
}

/// A repeated `migrate` on PostgreSQL logs its INFO lines but not PostgreSQL's notices
/// ("relation \"seaql_migrations\" already exists, skipping").
#[tokio::test]
async fn migrate_does_not_log_postgres_notices() {
    if !crate::helpers::backends().contains(&crate::helpers::Backend::Postgres) {
        return;
    }
    let db = crate::helpers::TestDb::new(crate::helpers::Backend::Postgres).await;
    let run = || {
        bin()
            .env_remove("RUST_LOG")
            .env("APS_DATABASE__URL", &db.url)
            .args(["migrate", "--mirror"])
            .output()
            .expect("run")
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = run();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    assert!(
        stderr.contains("No pending migrations"),
        "INFO is on: {stderr}"
    );
    assert!(!stderr.contains("already exists"), "{stderr}");
    assert!(!stderr.contains("sqlx::postgres::notice"), "{stderr}");
}
