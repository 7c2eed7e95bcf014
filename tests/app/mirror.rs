//! The e-SUS mirror refuses to run over PEC tables it did not create.

use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, TestDb, backends};

async fn table_count(conn: &sea_orm::DatabaseConnection, backend: Backend) -> i64 {
    let sql = match backend {
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
        }
        Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'",
    };
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            sql,
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

#[tokio::test]
async fn mirror_refuses_over_existing_pec_tables() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let config = sistema_aps::config::Config::with_database_url(&db.url);
        // A "real PEC": tb_cidadao exists with data, created by someone else.
        let raw = sea_orm::Database::connect(&db.url).await.expect("connect");
        raw.execute_unprepared(
            "CREATE TABLE tb_cidadao (co_seq_cidadao BIGINT PRIMARY KEY, no_cidadao VARCHAR(70))",
        )
        .await
        .expect("create");
        raw.execute_unprepared("INSERT INTO tb_cidadao VALUES (1, 'PESSOA REAL')")
            .await
            .expect("insert");
        let before = table_count(&raw, backend).await;
        let err = sistema_aps::db::migrate_mirror(&config.database)
            .await
            .expect_err("must refuse");
        let msg = err.to_string();
        assert!(
            msg.contains("refusing") && msg.contains("tb_cidadao"),
            "{backend:?}: {msg}"
        );
        assert_eq!(
            table_count(&raw, backend).await,
            before,
            "{backend:?}: nothing created"
        );
        raw.close().await.ok();
    }
}

#[tokio::test]
async fn mirror_is_idempotent_over_itself() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let config = sistema_aps::config::Config::with_database_url(&db.url);
        sistema_aps::db::migrate_mirror(&config.database)
            .await
            .expect("first run");
        sistema_aps::db::migrate_mirror(&config.database)
            .await
            .expect("second run is a no-op");
        let raw = sea_orm::Database::connect(&db.url).await.expect("connect");
        assert!(table_count(&raw, backend).await >= migration::mirror::MIRROR_TABLES.len() as i64);
        raw.close().await.ok();
    }
}
