//! `hypertension_action` → `care_action` (migration `m20261208_000001_care_action`) on both
//! backends: rows written in the old table keep their ids, their detail rows and their
//! origin, the children's foreign keys follow the rename, and the new indexes are per
//! programme. And every stored kind belongs to its programme's catalogue.

use migration::{AppMigrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::helpers::{Backend, TestDb, backends};

const MIGRATION: &str = "m20261208_000001_care_action";

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn ints(db: &DatabaseConnection, sql: &str) -> Vec<Option<i64>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.try_get_by_index::<Option<i64>>(0).expect("an integer"))
        .collect()
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("a string"))
        .collect()
}

/// The database migrated up to (not including) the rename.
async fn before_rename(backend: Backend) -> (TestDb, DatabaseConnection) {
    let tdb = TestDb::new(backend).await;
    let config = sistema_aps::config::Config::with_database_url(&tdb.url);
    let db = sistema_aps::db::connect(&config.database)
        .await
        .expect("connect");
    let names: Vec<String> = AppMigrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let at = names
        .iter()
        .position(|n| n == MIGRATION)
        .expect("the migration is registered");
    AppMigrator::up(&db, Some(u32::try_from(at).expect("few migrations")))
        .await
        .expect("older migrations");
    (tdb, db)
}

#[tokio::test]
async fn old_rows_keep_their_ids_children_and_origins() {
    for backend in backends() {
        let (_tdb, db) = before_rename(backend).await;
        let ts = "'2026-11-02T10:00:00+00:00'";
        exec(
            &db,
            &format!(
                "INSERT INTO app_user (id, username, full_name, password_hash, active, \
                 must_change_password, failed_logins, password_changed_at, created_at, updated_at) \
                 VALUES (907, 'enf.migra', 'Enfermeira Migração', 'x', true, false, 0, {ts}, {ts}, {ts})"
            ),
        )
        .await;
        let action = |id: i64, kind: &str, status: &str, done: &str, origin: &str| {
            format!(
                "INSERT INTO hypertension_action (id, co_cidadao, action_type, status, due_date, \
                 done_date, origin_id, created_by, created_at, updated_at) VALUES \
                 ({id}, 5501, '{kind}', '{status}', '2026-11-02', {done}, {origin}, 907, {ts}, {ts})"
            )
        };
        exec(
            &db,
            &action(341, "iniciar_mrpa", "done", "'2026-11-02'", "NULL"),
        )
        .await;
        exec(
            &db,
            &action(342, "avaliar_mrpa", "done", "'2026-11-09'", "341"),
        )
        .await;
        exec(
            &db,
            &action(343, "solicitar_exames", "pending", "NULL", "342"),
        )
        .await;
        exec(
            &db,
            "INSERT INTO hypertension_mrpa (id, action_id, co_cidadao, first_day, mean_systolic, \
             mean_diastolic, valid_readings, control, decision) \
             VALUES (61, 342, 5501, '2026-11-03', 128, 79, 24, 'controlled', 'manter')",
        )
        .await;
        exec(
            &db,
            "INSERT INTO hypertension_exam_result (id, action_id, co_cidadao, analyte, value, \
             collected_on) VALUES (71, 342, 5501, 'creatinina', 1.1, '2026-11-05')",
        )
        .await;

        if backend == Backend::Postgres {
            // Rows written by the app take their ids from the sequence.
            exec(&db, "SELECT setval('hypertension_action_id_seq', 343)").await;
        }
        AppMigrator::up(&db, None).await.expect("the rename");

        assert_eq!(
            strings(&db, "SELECT program FROM care_action ORDER BY id").await,
            vec!["hypertension"; 3],
            "{backend:?}"
        );
        assert_eq!(
            ints(&db, "SELECT id FROM care_action ORDER BY id").await,
            vec![Some(341), Some(342), Some(343)]
        );
        assert_eq!(
            ints(&db, "SELECT origin_id FROM care_action ORDER BY id").await,
            vec![None, Some(341), Some(342)]
        );
        assert_eq!(
            ints(
                &db,
                "SELECT a.id FROM hypertension_mrpa m JOIN care_action a ON a.id = m.action_id"
            )
            .await,
            vec![Some(342)]
        );
        // The children's foreign keys now name care_action: deleting the action cascades to
        // its records and detaches the action it scheduled.
        exec(&db, "DELETE FROM care_action WHERE id = 342").await;
        assert_eq!(
            ints(&db, "SELECT COUNT(*) FROM hypertension_mrpa").await,
            vec![Some(0)],
            "{backend:?}"
        );
        assert_eq!(
            ints(&db, "SELECT COUNT(*) FROM hypertension_exam_result").await,
            vec![Some(0)]
        );
        assert_eq!(
            ints(&db, "SELECT origin_id FROM care_action WHERE id = 343").await,
            vec![None]
        );
        // One pending action per programme, person and kind: the same key pending in another
        // programme is another action; a second in the same programme is refused.
        let pending = |program: &str| {
            format!(
                "INSERT INTO care_action (program, co_cidadao, action_type, status, due_date, \
                 created_by, created_at, updated_at) VALUES \
                 ('{program}', 5501, 'solicitar_exames', 'pending', '2026-12-01', 907, {ts}, {ts})"
            )
        };
        exec(&db, &pending("diabetes")).await;
        let second = db
            .execute_raw(Statement::from_string(
                db.get_database_backend(),
                pending("hypertension"),
            ))
            .await;
        assert!(second.is_err(), "{backend:?}: {second:?}");
        // New ids continue after the copied ones.
        assert_eq!(
            ints(
                &db,
                "SELECT MIN(id) FROM care_action WHERE program = 'diabetes'"
            )
            .await,
            vec![Some(344)],
            "{backend:?}"
        );
        if backend == Backend::Sqlite {
            assert_eq!(
                strings(
                    &db,
                    "SELECT \"table\" FROM pragma_foreign_key_list('hypertension_mrpa')"
                )
                .await,
                vec!["care_action"]
            );
            assert_eq!(
                ints(&db, "SELECT COUNT(*) FROM pragma_foreign_key_check").await,
                vec![Some(0)]
            );
            assert_eq!(ints(&db, "PRAGMA foreign_keys").await, vec![Some(1)]);
        }
        db.close().await.ok();
    }
}
