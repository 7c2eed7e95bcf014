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
