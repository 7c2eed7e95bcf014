//! Backups that restore: round trip into an empty database with identical content and an
//! intact audit chain, refusal of a non-empty target, tampering, encryption, the metric file
//! and the command line's exit codes. Both backends.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sha2::{Digest, Sha256};
use sistema_aps::backup::manifest::Scope;
use sistema_aps::backup::{self, BackupError, RestoreOptions, inspect};
use sistema_aps::config::Config;

use crate::helpers::{Backend, Start, TestApp, TestDb, backends, postgres_or_skip, psql};

/// A config for `url` whose backups go to `dir`.
fn config(url: &str, dir: &Path) -> Config {
    let mut c = Config::with_database_url(url);
    c.database.max_connections = 2;
    c.backup.directory = Some(dir.to_path_buf());
    c
}

/// `schema.table` → SHA-256 of every row (as text, sorted), for every table of the scope.
async fn digests(conn: &DatabaseConnection, scope: Scope) -> BTreeMap<String, String> {
    let backend = conn.get_database_backend();
    let mut out = BTreeMap::new();
    for (schema, table) in inspect::tables(conn, scope).await.expect("tables") {
        let sql = match backend {
            DbBackend::Postgres => format!(
                "SELECT t::text AS r FROM {}.{} t ORDER BY 1",
                inspect::quote_ident(&schema),
                inspect::quote_ident(&table)
            ),
            _ => {
                let cols = conn
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!(
                            "SELECT name FROM pragma_table_info({})",
                            inspect::quote_literal(&table)
                        ),
                    ))
                    .await
                    .expect("columns");
                let expr: Vec<String> = cols
                    .iter()
                    .map(|r| {
                        format!(
                            "quote({})",
                            inspect::quote_ident(&r.try_get::<String>("", "name").expect("name"))
                        )
                    })
                    .collect();
                format!(
                    "SELECT {} AS r FROM {} ORDER BY 1",
                    expr.join(" || '|' || "),
                    inspect::quote_ident(&table)
                )
            }
        };
        let rows = conn
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("rows");
        let mut h = Sha256::new();
        for r in rows {
            h.update(r.try_get::<String>("", "r").unwrap_or_default().as_bytes());
            h.update(b"\n");
        }
        out.insert(format!("{schema}.{table}"), format!("{:x}", h.finalize()));
    }
    out
}

/// A seeded app with some audit rows and a second user.
async fn app_with_activity(backend: Backend) -> TestApp {
    let app = TestApp::start(
        backend,
        Start {
            seed_citizens: Some(300),
        },
    )
    .await;
    for uri in [
        "/hipertensos",
        "/hipertensos?controle=nao_controlada",
        "/hipertensos?page=2",
    ] {
        app.get(uri).await.assert_status_is_ok();
    }
    app.create_user(
        "acs.backup",
        vec![crate::helpers::assignment(
            sistema_aps::auth::Role::Acs,
            None,
            Some("0000000001"),
            Some("01"),
        )],
    )
    .await;
    app
}

fn audit_rows(v: sistema_aps::audit::Verification) -> u64 {
    match v {
        sistema_aps::audit::Verification::Intact { rows } => rows,
        sistema_aps::audit::Verification::Broken { row_id, reason } => {
            panic!("audit chain broken at {row_id}: {reason}")
        }
    }
}

#[tokio::test]
async fn backup_restores_into_an_empty_database_identically() {
    for backend in backends() {
        let app = app_with_activity(backend).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = config(app.db_url(), dir.path());
        let report = backup::backup(&cfg, None).await.expect("backup");
        let source = digests(app.conn(), report.manifest.scope).await;
        let source_audit = audit_rows(
            sistema_aps::audit::verify(app.conn())
                .await
                .expect("verify"),
        );
        assert!(source_audit >= 3, "{backend:?}: {source_audit} audit rows");
        assert_eq!(report.manifest.scope, Scope::Database, "{backend:?}");
        assert!(report.path.exists() && report.checksum_path.exists());
        assert!(!report.encrypted);
        assert!(
            report
                .manifest
                .tables
                .keys()
                .any(|t| t.ends_with(".audit_log"))
        );
        assert!(
            report
                .manifest
                .tables
                .keys()
                .any(|t| t.ends_with(".hypertension_summary")),
            "{:?}",
            report.manifest.tables.keys()
        );

        // verify: a scratch database, then removed.
        let v = backup::verify(&cfg, &report.path, None, None)
            .await
            .expect("verify");
        assert_eq!(v.audit_rows, source_audit);

        // restore into a fresh, empty database.
        let empty = TestDb::new(backend).await;
        let target_cfg = config(&empty.url, dir.path());
        let r = backup::restore(&target_cfg, &report.path, &RestoreOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: restore: {e}"));
        assert_eq!(r.audit_rows, source_audit);
        let target = sistema_aps::db::connect(&target_cfg.database)
            .await
            .expect("connect");
        assert_eq!(
            digests(&target, report.manifest.scope).await,
            source,
            "{backend:?}: restored content differs"
        );
        assert_eq!(
            audit_rows(sistema_aps::audit::verify(&target).await.expect("verify")),
            source_audit
        );
        let state = sistema_aps::db::migration_state(&target)
            .await
            .expect("state");
        assert!(state.is_current(), "{backend:?}: {state:?}");
        target.close().await.ok();

        // A second restore into what is now a full database is refused, and changes nothing.
        let err = backup::restore(&target_cfg, &report.path, &RestoreOptions::default())
            .await
            .expect_err("non-empty target refused");
        assert!(matches!(err, BackupError::Refused(_)), "{err}");
        assert_eq!(err.exit_code(), 4);
        // ... unless forced.
        let forced = RestoreOptions {
            force: true,
            ..Default::default()
        };
        let r = backup::restore(&target_cfg, &report.path, &forced)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: forced restore: {e}"));
        if backend == Backend::Sqlite {
            assert!(r.kept_aside.as_ref().is_some_and(|p| p.exists()));
        }
        let target = sistema_aps::db::connect(&target_cfg.database)
            .await
            .expect("connect");
        assert_eq!(digests(&target, report.manifest.scope).await, source);
        target.close().await.ok();
    }
}

/// Over a real PEC (no mirror bookkeeping), PostgreSQL backups hold schema `sistemaaps` only.
#[tokio::test]
async fn postgres_over_a_real_pec_backs_up_the_app_schema_only() {
    if !postgres_or_skip("postgres_over_a_real_pec_backs_up_the_app_schema_only") {
        return;
    }
    let app = app_with_activity(Backend::Postgres).await;
    app.exec(
        &format!(
            "DROP TABLE public.{}",
            migration::mirror::MIRROR_MIGRATION_TABLE
        ),
        vec![],
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let cfg = config(app.db_url(), dir.path());
    let report = backup::backup(&cfg, None).await.expect("backup");
    assert_eq!(report.manifest.scope, Scope::AppSchema);
    assert!(
        report
            .manifest
            .tables
            .keys()
            .all(|t| t.starts_with("sistemaaps.")),
        "{:?}",
        report.manifest.tables.keys()
    );
    let source = digests(app.conn(), Scope::AppSchema).await;

    // Into an empty database whose (empty) schema sistemaaps already exists.
    let empty = TestDb::new(Backend::Postgres).await;
    let target_cfg = config(&empty.url, dir.path());
    let pre = sistema_aps::db::connect(&target_cfg.database)
        .await
        .expect("connect creates the schema");
    pre.close().await.ok();
    backup::restore(&target_cfg, &report.path, &RestoreOptions::default())
        .await
        .expect("restore");
    let target = sistema_aps::db::connect(&target_cfg.database)
        .await
        .expect("connect");
    assert_eq!(digests(&target, Scope::AppSchema).await, source);
    // The PEC tables (public) were neither backed up nor created.
    assert!(
        inspect::tables(&target, Scope::Database)
            .await
            .expect("tables")
            .iter()
            .all(|(s, _)| s == "sistemaaps")
    );
    target.close().await.ok();

    // A full-database backup never lands over a database holding a real PEC.
    // (Forced restore of the app schema over the source replaces only sistemaaps.)
    let forced = RestoreOptions {
        force: true,
        ..Default::default()
    };
    backup::restore(&cfg, &report.path, &forced)
        .await
        .expect("forced restore over the source");
    assert_eq!(digests(app.conn(), Scope::AppSchema).await, source);
    assert!(sistema_aps::db::pec_present(app.conn()).await.expect("pec"));
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x55;
    std::fs::write(path, bytes).expect("write");
}

fn rewrite_checksum(path: &Path) {
    let bytes = std::fs::read(path).expect("read");
    let name = path.file_name().and_then(|n| n.to_str()).expect("name");
    std::fs::write(
        backup::archive::checksum_path(path),
        format!("{:x}  {name}\n", Sha256::digest(&bytes)),
    )
    .expect("write");
}

fn copy_backup(from: &Path, dir: &Path) -> PathBuf {
    let to = dir.join(from.file_name().expect("name"));
    std::fs::copy(from, &to).expect("copy");
    std::fs::copy(
        backup::archive::checksum_path(from),
        backup::archive::checksum_path(&to),
    )
    .expect("copy");
    to
}

#[tokio::test]
async fn tampered_backups_are_refused() {
    for backend in backends() {
        let app = app_with_activity(backend).await;
        let dir = tempfile::tempdir().expect("dir");
        let cfg = config(app.db_url(), dir.path());
        let report = backup::backup(&cfg, None).await.expect("backup");
        let empty = TestDb::new(backend).await;
        let target_cfg = config(&empty.url, dir.path());
        let scratch = tempfile::tempdir().expect("dir");

        // 1. One byte changed: the checksum does not match.
        let bad = copy_backup(&report.path, scratch.path());
        flip_byte(&bad, report.bytes as usize / 2);
        for err in [
            backup::restore(&target_cfg, &bad, &RestoreOptions::default())
                .await
                .expect_err("tampered"),
            backup::verify(&cfg, &bad, None, None)
                .await
                .expect_err("tampered"),
        ] {
            assert!(
                matches!(&err, BackupError::Integrity(m) if m.contains("soma")),
                "{err}"
            );
            assert_eq!(err.exit_code(), 3);
        }

        // 2. Changed and its checksum recomputed: the manifest's payload hash catches it.
        rewrite_checksum(&bad);
        let err = backup::restore(&target_cfg, &bad, &RestoreOptions::default())
            .await
            .expect_err("tampered");
        assert!(matches!(err, BackupError::Integrity(_)), "{err}");

        // 3. No checksum file.
        let lone = scratch.path().join("lone.tar");
        std::fs::copy(&report.path, &lone).expect("copy");
        let err = backup::verify(&cfg, &lone, None, None)
            .await
            .expect_err("no checksum");
        assert!(matches!(err, BackupError::Integrity(_)), "{err}");

        // Nothing was restored by any of them.
        let target = sistema_aps::db::connect(&target_cfg.database)
            .await
            .expect("connect");
        let left = inspect::tables(&target, Scope::AppSchema)
            .await
            .expect("tables");
        let left_all = if backend == Backend::Sqlite {
            inspect::tables(&target, Scope::Database)
                .await
                .expect("tables")
        } else {
            left
        };
        assert!(left_all.is_empty(), "{backend:?}: {left_all:?}");
        target.close().await.ok();
    }
}

#[tokio::test]
async fn encrypted_backups_need_the_identity() {
    use age::secrecy::ExposeSecret;
    for backend in backends() {
        let app = app_with_activity(backend).await;
        let dir = tempfile::tempdir().expect("dir");
        let keys = tempfile::tempdir().expect("dir");
        let identity = age::x25519::Identity::generate();
        let key_file = keys.path().join("key.txt");
        std::fs::write(
            &key_file,
            format!(
                "# created: test\n# public key: {}\n{}\n",
                identity.to_public(),
                identity.to_string().expose_secret()
            ),
        )
        .expect("write key");
        let other = age::x25519::Identity::generate();
        let other_file = keys.path().join("other.txt");
        std::fs::write(
            &other_file,
            format!("{}\n", other.to_string().expose_secret()),
        )
        .expect("write key");

        let mut cfg = config(app.db_url(), dir.path());
        cfg.backup.age_recipient = Some(identity.to_public().to_string());
        let report = backup::backup(&cfg, None).await.expect("backup");
        assert!(report.encrypted);
        assert!(report.path.to_string_lossy().ends_with(".tar.age"));
        let head = std::fs::read(&report.path).expect("read");
        assert!(head.starts_with(b"age-encryption.org/v1"));
        // Nothing of the content shows in clear.
        assert!(!head.windows(13).any(|w| w == b"manifest.json"));
        let source = digests(app.conn(), report.manifest.scope).await;

        let empty = TestDb::new(backend).await;
        let target_cfg = config(&empty.url, dir.path());
        let err = backup::restore(&target_cfg, &report.path, &RestoreOptions::default())
            .await
            .expect_err("identity required");
        assert!(
            matches!(&err, BackupError::Refused(m) if m.contains("--identity")),
            "{err}"
        );
        let wrong = RestoreOptions {
            identity: Some(other_file.clone()),
            force: false,
        };
        let err = backup::restore(&target_cfg, &report.path, &wrong)
            .await
            .expect_err("wrong identity");
        assert!(matches!(err, BackupError::Refused(_)), "{err}");

        backup::verify(&cfg, &report.path, Some(&key_file), None)
            .await
            .expect("verify with the identity");
        let right = RestoreOptions {
            identity: Some(key_file.clone()),
            force: false,
        };
        backup::restore(&target_cfg, &report.path, &right)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: restore: {e}"));
        let target = sistema_aps::db::connect(&target_cfg.database)
            .await
            .expect("connect");
        assert_eq!(digests(&target, report.manifest.scope).await, source);
        target.close().await.ok();

        // A tampered ciphertext with a matching checksum fails authentication.
        let scratch = tempfile::tempdir().expect("dir");
        let bad = copy_backup(&report.path, scratch.path());
        flip_byte(&bad, report.bytes as usize - 100);
        rewrite_checksum(&bad);
        let err = backup::verify(&cfg, &bad, Some(&key_file), None)
            .await
            .expect_err("tampered ciphertext");
        assert!(matches!(err, BackupError::Integrity(_)), "{err}");
    }
}

#[tokio::test]
async fn the_metric_file_and_retention() {
    let app = TestApp::start(Backend::Sqlite, Start::default()).await;
    let dir = tempfile::tempdir().expect("dir");
    let prom = dir.path().join("sistema-aps-backup.prom");
    let mut cfg = config(app.db_url(), &dir.path().join("backups"));
    cfg.backup.textfile_path = Some(prom.clone());
    cfg.backup.keep_daily = 2;
    cfg.backup.keep_weekly = 0;
    cfg.backup.keep_monthly = 0;
    // Old backups of three past days, and a file that is not ours.
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).expect("dir");
    for day in ["20250101", "20250102", "20250103"] {
        let name = format!("sistema-aps-{day}T030000Z.tar");
        std::fs::write(backups.join(&name), b"old").expect("write");
        std::fs::write(backups.join(format!("{name}.sha256")), b"x").expect("write");
    }
    std::fs::write(backups.join("LEIA-ME.txt"), b"mine").expect("write");
    let before = chrono::Utc::now().timestamp();
    let report = backup::backup(&cfg, None).await.expect("backup");
    let text = std::fs::read_to_string(&prom).expect("metric file");
    let value: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix("sistema_aps_backup_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the gauge");
    assert!(value >= before - 1 && value <= chrono::Utc::now().timestamp() + 1);
    // keep_daily = 2: today's and 2025-01-03; the two older ones went with their checksums.
    assert_eq!(report.pruned.len(), 2, "{:?}", report.pruned);
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    left.sort();
    assert_eq!(left.len(), 5, "{left:?}");
    assert!(left.contains(&"LEIA-ME.txt".to_string()));
    assert!(left.contains(&"sistema-aps-20250103T030000Z.tar.sha256".to_string()));
    // --output elsewhere: no retention there.
    let elsewhere = tempfile::tempdir().expect("dir");
    std::fs::write(
        elsewhere.path().join("sistema-aps-20200101T000000Z.tar"),
        b"x",
    )
    .expect("w");
    let r = backup::backup(&cfg, Some(elsewhere.path()))
        .await
        .expect("backup");
    assert!(r.pruned.is_empty());
    assert!(
        elsewhere
            .path()
            .join("sistema-aps-20200101T000000Z.tar")
            .exists()
    );
}

#[test]
fn the_command_line_reports_with_exit_codes() {
    use std::process::Command;
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
    let run = |args: &[&str], db: &str| {
        Command::new(env!("CARGO_BIN_EXE_sistema-aps"))
            .env_remove("APS_TEST_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .env("APS_DATABASE__URL", db)
            .env("APS_BACKUP__DIRECTORY", dir.path().join("b"))
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&["seed", "--citizens", "200", "--seed", "5"], &url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["backup"], &url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Backup gravado"), "{stdout}");
    let file = std::fs::read_dir(dir.path().join("b"))
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "tar"))
        .expect("backup file");
    let file = file.to_str().expect("utf-8");
    let out = run(&["backup", "verify", file], &url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Restoring over the live, full database is refused: exit 4.
    let out = run(&["restore", file], &url);
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Into a new file it works.
    let other = format!("sqlite://{}?mode=rwc", dir.path().join("new.db").display());
    let out = run(&["restore", file], &other);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("restaurado em"));
    // Tampered: exit 3.
    flip_byte(Path::new(file), 4000);
    let out = run(&["backup", "verify", file], &url);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("soma de verificação"));
}

/// Production on PostgreSQL: the app role (sql/postgres/app-role.sql) with the append-only
/// audit trail (sql/postgres/audit-append-only.sql) backs up its schema, and restores it into
/// a new database where an administrator prepared the empty schema — the disaster-recovery
/// runbook's path.
#[tokio::test]
async fn postgres_backup_and_restore_as_the_app_role() {
    if !postgres_or_skip("postgres_backup_and_restore_as_the_app_role") {
        return;
    }
    let role = format!("aps_bak_{}", std::process::id());
    let with_role = |url: &str| {
        let mut u = url::Url::parse(url).expect("url");
        u.set_username(&role).expect("user");
        u.set_password(Some("x")).expect("password");
        u.to_string()
    };
    let dir = tempfile::tempdir().expect("dir");
    let source = TestDb::new(Backend::Postgres).await;
    let target = TestDb::new(Backend::Postgres).await;
    {
        // The "PEC" (by the superuser, then no longer a mirror), the role, the app's schema.
        let su = Config::with_database_url(&source.url);
        sistema_aps::db::migrate_mirror(&su.database)
            .await
            .expect("mirror");
        let admin = sistema_aps::db::connect(&su.database)
            .await
            .expect("connect");
        admin
            .execute_unprepared(&format!(
                "DROP TABLE public.{}; DROP SCHEMA sistemaaps",
                migration::mirror::MIRROR_MIGRATION_TABLE
            ))
            .await
            .expect("a real PEC");
        admin.close().await.ok();
        psql(
            &source.url,
            "sql/postgres/app-role.sql",
            &[("app_role", &role), ("app_password", "'x'")],
        );
        let app = config(&with_role(&source.url), dir.path());
        let conn = sistema_aps::db::connect(&app.database)
            .await
            .expect("as the role");
        sistema_aps::db::migrate_app(&conn).await.expect("migrate");
        psql(
            &source.url,
            "sql/postgres/audit-append-only.sql",
            &[("app_role", &role)],
        );
        for _ in 0..3 {
            sistema_aps::audit::record(
                &conn,
                sistema_aps::audit::Event {
                    user: None,
                    action: sistema_aps::audit::Action::ViewList,
                    resource: "test".into(),
                    filters: None,
                    persons: vec![1, 2, 3],
                    person_count: 3,
                    origin: Default::default(),
                },
            )
            .await
            .expect("append");
        }
        let before = digests(&conn, Scope::AppSchema).await;
        conn.close().await.ok();

        let report = backup::backup(&app, None)
            .await
            .unwrap_or_else(|e| panic!("backup as the app role: {e}"));
        assert_eq!(report.manifest.scope, Scope::AppSchema);

        // The new server: an administrator creates the empty schema owned by the role.
        let su_target = Config::with_database_url(&target.url);
        let admin = sistema_aps::db::connect(&su_target.database)
            .await
            .expect("connect");
        admin
            .execute_unprepared(&format!(
                "DROP SCHEMA sistemaaps; CREATE SCHEMA sistemaaps AUTHORIZATION {role}; \
                 GRANT USAGE ON SCHEMA public TO {role}"
            ))
            .await
            .expect("schema for the role");
        admin.close().await.ok();
        let app_target = config(&with_role(&target.url), dir.path());
        backup::restore(&app_target, &report.path, &RestoreOptions::default())
            .await
            .unwrap_or_else(|e| panic!("restore as the app role: {e}"));
        psql(
            &target.url,
            "sql/postgres/audit-append-only.sql",
            &[("app_role", &role)],
        );
        let conn = sistema_aps::db::connect(&app_target.database)
            .await
            .expect("as the role");
        assert_eq!(digests(&conn, Scope::AppSchema).await, before);
        assert_eq!(
            audit_rows(sistema_aps::audit::verify(&conn).await.expect("verify")),
            3
        );
        // Append-only again, and the chain goes on.
        let err = conn
            .execute_unprepared("UPDATE audit_log SET resource = 'x'")
            .await
            .expect_err("append-only");
        assert!(err.to_string().contains("permission denied"), "{err}");
        let id = sistema_aps::audit::record(
            &conn,
            sistema_aps::audit::Event {
                user: None,
                action: sistema_aps::audit::Action::Write,
                resource: "after restore".into(),
                filters: None,
                persons: vec![],
                person_count: 0,
                origin: Default::default(),
            },
        )
        .await
        .expect("append after restore");
        assert_eq!(id, 4);
        conn.close().await.ok();
    }
    drop(source);
    drop(target);
    let admin = std::env::var("APS_TEST_DATABASE_URL").expect("url");
    let c = sea_orm::Database::connect(&admin).await.expect("admin");
    c.execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
}
