//! `hypertension_medication` / `_event` → `care_medication` / `_event` (migration
//! `m20261209_000001_care_medication`) on both backends: the rows keep their ids, columns and
//! history, new ids continue after them, the events follow their medication, the old tables
//! are gone and SQLite's foreign keys are back on and clean.

use migration::{AppMigrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::helpers::{Backend, TestDb, backends};
use crate::treatment::{LOSARTAN, count, exec, ints, strings};

const MIGRATION: &str = "m20261209_000001_care_medication";

/// The database migrated up to (not including) the plan's migration.
async fn before_plan(backend: Backend) -> (TestDb, DatabaseConnection) {
    let tdb = TestDb::new(backend).await;
    let config = sistema_aps::config::Config::with_database_url(&tdb.url);
    let db = sistema_aps::db::connect(&config.database)
        .await
        .expect("connect");
    let at = AppMigrator::migrations()
        .iter()
        .position(|m| m.name() == MIGRATION)
        .expect("the migration is registered");
    AppMigrator::up(&db, Some(u32::try_from(at).expect("few migrations")))
        .await
        .expect("older migrations");
    (tdb, db)
}

#[tokio::test]
async fn the_migration_keeps_ids_and_history() {
    for backend in backends() {
        let (_tdb, db) = before_plan(backend).await;
        let ts = "'2026-11-02T10:00:00+00:00'";
        exec(
            &db,
            &format!(
                "INSERT INTO app_user (id, username, full_name, password_hash, active, \
                 must_change_password, failed_logins, password_changed_at, created_at, updated_at) \
                 VALUES (913, 'med.migra', 'Médica Migração', 'x', true, false, 0, {ts}, {ts}, {ts})"
            ),
        )
        .await;
        let med = |id: i64, name: &str, status: &str, ended: &str| {
            format!(
                "INSERT INTO hypertension_medication (id, co_cidadao, co_medicamento, name, dose, \
                 frequency, started_on, status, ended_on, notes, created_by, created_at, updated_at) \
                 VALUES ({id}, 6601, {LOSARTAN}, '{name}', 2, 3, '2026-10-01', '{status}', {ended}, \
                 'após o café', 913, {ts}, {ts})"
            )
        };
        exec(&db, &med(57, "Losartana 50 mg", "active", "NULL")).await;
        exec(&db, &med(58, "Anlodipino 5 mg", "stopped", "'2026-10-20'")).await;
        let ev = |id: i64, m: i64, kind: &str| {
            format!(
                "INSERT INTO hypertension_medication_event (id, medication_id, kind, on_date, \
                 detail, reason, user_id, created_at) VALUES ({id}, {m}, '{kind}', '2026-10-01', \
                 'det {id}', NULL, 913, {ts})"
            )
        };
        exec(&db, &ev(81, 57, "iniciado")).await;
        exec(&db, &ev(82, 57, "dose")).await;
        exec(&db, &ev(83, 58, "encerrado")).await;
        if backend == Backend::Postgres {
            exec(&db, "SELECT setval('hypertension_medication_id_seq', 58)").await;
            exec(
                &db,
                "SELECT setval('hypertension_medication_event_id_seq', 83)",
            )
            .await;
        }
        AppMigrator::up(&db, None)
            .await
            .expect("the plan migration");

        assert_eq!(
            strings(
                &db,
                "SELECT id || ':' || program || ':' || unit || ':' || name || ':' || status || ':' \
                 || dose || 'x' || frequency || ':' || COALESCE(notes, '-') \
                 FROM care_medication ORDER BY id"
            )
            .await,
            vec![
                "57:hypertension:comprimido:Losartana 50 mg:active:2x3:após o café",
                "58:hypertension:comprimido:Anlodipino 5 mg:stopped:2x3:após o café",
            ],
            "{backend:?}"
        );
        assert_eq!(
            ints(
                &db,
                "SELECT co_medicamento FROM care_medication ORDER BY id"
            )
            .await,
            vec![Some(LOSARTAN), Some(LOSARTAN)]
        );
        assert_eq!(
            strings(
                &db,
                "SELECT id || ':' || medication_id || ':' || kind || ':' || detail \
                 FROM care_medication_event ORDER BY id"
            )
            .await,
            vec![
                "81:57:iniciado:det 81",
                "82:57:dose:det 82",
                "83:58:encerrado:det 83"
            ]
        );
        // New ids continue after the copied ones; the new columns and statuses hold.
        exec(
            &db,
            &format!(
                "INSERT INTO care_medication (program, co_cidadao, drug, name, unit, dose, \
                 frequency, schedule, started_on, status, created_by, created_at, updated_at) \
                 VALUES ('diabetes', 6601, 'insulina-nph', 'Insulina NPH', 'ui', 30, 2, \
                 '07:00 20;22:00 10', '2026-11-01', 'replaced', 913, {ts}, {ts})"
            ),
        )
        .await;
        assert_eq!(
            ints(
                &db,
                "SELECT id FROM care_medication WHERE program = 'diabetes'"
            )
            .await,
            vec![Some(59)],
            "{backend:?}"
        );
        let bad = db
            .execute_raw(Statement::from_string(
                db.get_database_backend(),
                "UPDATE care_medication SET status = 'ativo' WHERE id = 57",
            ))
            .await;
        assert!(bad.is_err(), "{backend:?}: an unknown status is refused");
        // The events follow their medication.
        exec(&db, "DELETE FROM care_medication WHERE id = 57").await;
        assert_eq!(
            ints(
                &db,
                "SELECT medication_id FROM care_medication_event ORDER BY id"
            )
            .await,
            vec![Some(58)],
            "{backend:?}"
        );
        if backend == Backend::Sqlite {
            assert_eq!(
                count(
                    &db,
                    "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'hypertension_medication%'"
                )
                .await,
                0
            );
        }
        if backend == Backend::Sqlite {
            assert_eq!(
                strings(
                    &db,
                    "SELECT \"table\" FROM pragma_foreign_key_list('care_medication_event') \
                     ORDER BY \"table\""
                )
                .await,
                vec!["app_user", "care_medication"]
            );
            assert_eq!(
                ints(&db, "SELECT COUNT(*) FROM pragma_foreign_key_check").await,
                vec![Some(0)]
            );
            assert_eq!(ints(&db, "PRAGMA foreign_keys").await, vec![Some(1)]);
        } else {
            assert_eq!(
                count(
                    &db,
                    "SELECT COUNT(*) FROM pg_class WHERE relname LIKE 'hypertension_medication%'"
                )
                .await,
                0
            );
        }
        db.close().await.ok();
    }
}
