//! The PostgreSQL role scripts: the app role reads the PEC, owns its schema, and may only
//! append to the audit trail.

use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, TestDb, postgres_or_skip, psql};

#[tokio::test]
async fn the_app_role_appends_to_the_audit_trail_and_cannot_rewrite_it() {
    if !postgres_or_skip("the_app_role_appends_to_the_audit_trail_and_cannot_rewrite_it") {
        return;
    }
    let db = TestDb::new(Backend::Postgres).await;
    let role = format!("aps_role_{}", std::process::id());
    // The "PEC": created by the superuser.
    let config = sistema_aps::config::Config::with_database_url(&db.url);
    sistema_aps::db::migrate_mirror(&config.database)
        .await
        .expect("mirror as superuser");
    psql(
        &db.url,
        "sql/postgres/app-role.sql",
        &[("app_role", &role), ("app_password", "'x'")],
    );

    let mut app_url = url::Url::parse(&db.url).expect("url");
    app_url.set_username(&role).expect("user");
    let app_config = sistema_aps::config::Config::with_database_url(app_url.as_str());
    let conn = sistema_aps::db::connect(&app_config.database)
        .await
        .expect("connect as the app role");
    sistema_aps::db::migrate_app(&conn)
        .await
        .expect("the app role migrates its own schema");
    psql(
        &db.url,
        "sql/postgres/audit-append-only.sql",
        &[("app_role", &role)],
    );

    let id = sistema_aps::audit::record(
        &conn,
        sistema_aps::audit::Event {
            user: None,
            action: sistema_aps::audit::Action::Write,
            resource: "test".into(),
            filters: None,
            persons: vec![1, 2],
            person_count: 2,
            origin: Default::default(),
        },
    )
    .await
    .expect("the app role appends");
    assert_eq!(id, 1);
    for sql in [
        "UPDATE audit_log SET resource = 'x'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log_person",
        "TRUNCATE audit_log CASCADE",
        "INSERT INTO tb_cidadao (co_seq_cidadao, no_cidadao, no_cidadao_filtro, st_ativo, st_faleceu) VALUES (1, 'X', 'X', 1, 0)",
        "UPDATE tb_cidadao SET no_cidadao = 'X'",
    ] {
        let err = conn.execute_unprepared(sql).await.expect_err(sql);
        assert!(
            err.to_string().contains("permission denied")
                || err.to_string().contains("must be owner"),
            "{sql}: {err}"
        );
    }
    conn.execute_unprepared("SELECT COUNT(*) FROM tb_cidadao")
        .await
        .expect("reads the PEC");
    assert!(matches!(
        sistema_aps::audit::verify(&conn).await.expect("verify"),
        sistema_aps::audit::Verification::Intact { rows: 1 }
    ));
    conn.close().await.ok();
    drop(db);
    // Roles are cluster-wide: remove it.
    let admin = std::env::var("APS_TEST_DATABASE_URL").expect("url");
    let c = sea_orm::Database::connect(&admin).await.expect("admin");
    c.execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
}

/// PEC upgrades add tables, created by the role that owns the PEC (not the superuser that ran
/// app-role.sql): the app role must read them with no new grant. And the role's search path is
/// set in the PEC database only, not server-wide.
#[tokio::test]
async fn tables_the_pec_owner_adds_later_are_readable_and_the_search_path_is_per_database() {
    if !postgres_or_skip(
        "tables_the_pec_owner_adds_later_are_readable_and_the_search_path_is_per_database",
    ) {
        return;
    }
    let admin = std::env::var("APS_TEST_DATABASE_URL").expect("url");
    let su = sea_orm::Database::connect(&admin).await.expect("admin");
    let pid = std::process::id();
    let owner = format!("aps_pec_owner_{pid}");
    let role = format!("aps_app_{pid}");
    su.execute_unprepared(&format!("CREATE ROLE {owner} LOGIN"))
        .await
        .expect("pec owner");

    let db = TestDb::new(Backend::Postgres).await;
    let db_name = url::Url::parse(&db.url).expect("url").path()[1..].to_string();
    // The PEC owner owns the database (so schema `public`, PostgreSQL 15) and the PEC tables.
    su.execute_unprepared(&format!("ALTER DATABASE {db_name} OWNER TO {owner}"))
        .await
        .expect("owner");
    let mut owner_url = url::Url::parse(&db.url).expect("url");
    owner_url.set_username(&owner).expect("user");
    let owner_config = sistema_aps::config::Config::with_database_url(owner_url.as_str());
    sistema_aps::db::migrate_mirror(&owner_config.database)
        .await
        .expect("mirror as the PEC owner");

    // Run by the superuser, naming the PEC owner (as docs/deploy.md says).
    psql(
        &db.url,
        "sql/postgres/app-role.sql",
        &[
            ("app_role", &role),
            ("app_password", "'x'"),
            ("pec_owner", &owner),
        ],
    );

    // A PEC upgrade, after the script ran: a new table, by the PEC owner.
    let pec = sea_orm::Database::connect(owner_url.as_str())
        .await
        .expect("connect as the PEC owner");
    pec.execute_unprepared(
        "CREATE TABLE public.tb_tabela_nova_do_pec (co_seq BIGINT PRIMARY KEY); \
         INSERT INTO public.tb_tabela_nova_do_pec VALUES (1), (2), (3)",
    )
    .await
    .expect("the PEC owner adds a table");
    pec.close().await.ok();

    let mut app_url = url::Url::parse(&db.url).expect("url");
    app_url.set_username(&role).expect("user");
    // A plain connection, without the app's own search path: the role's setting applies.
    let app = sea_orm::Database::connect(app_url.as_str())
        .await
        .expect("connect as the app role");
    let row = app
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT current_setting('search_path') AS sp, \
             (SELECT COUNT(*) FROM tb_tabela_nova_do_pec) AS n",
        ))
        .await
        .expect("the app role reads the table the PEC owner added later")
        .expect("row");
    assert_eq!(
        row.try_get::<String>("", "sp").expect("sp"),
        "sistemaaps, public"
    );
    assert_eq!(row.try_get::<i64>("", "n").expect("n"), 3);
    app.close().await.ok();

    // The setting is bound to this database: none server-wide (setdatabase = 0).
    let row = su
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT COUNT(*) FILTER (WHERE d.datname = '{db_name}') AS here, \
                        COUNT(*) FILTER (WHERE s.setdatabase = 0) AS everywhere \
                 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole \
                 LEFT JOIN pg_database d ON d.oid = s.setdatabase \
                 WHERE r.rolname = '{role}'"
            ),
        ))
        .await
        .expect("settings")
        .expect("row");
    assert_eq!(row.try_get::<i64>("", "here").expect("here"), 1);
    assert_eq!(row.try_get::<i64>("", "everywhere").expect("everywhere"), 0);

    drop(db);
    for r in [&role, &owner] {
        su.execute_unprepared(&format!("DROP ROLE IF EXISTS {r}"))
            .await
            .expect("drop role");
    }
    su.close().await.ok();
}
