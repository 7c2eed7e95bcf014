//! Corrupted PEC rows (issue 17): the read-model refresh skips and counts them per kind, never
//! fails the whole refresh, and `pec check` reports the same counts without changing anything.

use chrono::{Duration, NaiveDate};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sistema_aps::care::quality::Skip;

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{Backend, Start, TestApp, backends, body, html, select, text_of};

/// Names in the rendered worklist, sorted.
async fn listed(app: &TestApp) -> Vec<String> {
    let resp = app.get("/hipertensos?per_page=100").await;
    resp.assert_status_is_ok();
    let page = body(resp).await;
    let doc = html(&page);
    let mut names: Vec<String> = select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect();
    names.sort();
    names
}

/// Lets `table.column` hold NULL in this test's own database, as a PEC that never had the
/// mirror's NOT NULL would: `ALTER TABLE` on PostgreSQL; on SQLite (which cannot drop a
/// constraint) the table's DDL is rewritten and the schema version bumped so that every
/// pooled connection reloads it.
async fn allow_null(app: &TestApp, backend: Backend, table: &str, column: &str, ty: &str) {
    match backend {
        Backend::Postgres => {
            app.exec(
                &format!("ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"),
                vec![],
            )
            .await;
        }
        Backend::Sqlite => {
            let row = app
                .conn()
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA schema_version",
                ))
                .await
                .expect("schema_version")
                .expect("a row");
            let version: i64 = row.try_get_by_index(0).expect("an integer");
            app.conn()
                .execute_unprepared(&format!(
                    "PRAGMA writable_schema = ON; \
                     UPDATE sqlite_master SET sql = replace(sql, '\"{column}\" {ty} NOT NULL', '\"{column}\" {ty} NULL') \
                     WHERE type = 'table' AND name = '{table}'; \
                     PRAGMA schema_version = {}; \
                     PRAGMA writable_schema = OFF;",
                    version + 1
                ))
                .await
                .expect("rewrite the DDL");
            let row = app
                .conn()
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    format!(
                        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                    ),
                ))
                .await
                .expect("ddl")
                .expect("a row");
            let sql: String = row.try_get_by_index(0).expect("text");
            assert!(
                sql.contains(&format!("\"{column}\" {ty} NULL")),
                "{table}.{column} still NOT NULL: {sql}"
            );
        }
    }
}

async fn one_i64(app: &TestApp, sql: &str, values: Vec<Value>) -> Option<i64> {
    let stmt = sistema_aps::db::sql::statement(app.conn().get_database_backend(), sql, values);
    let row = app
        .conn()
        .query_one_raw(stmt)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<Option<i64>>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn corrupted_pec_rows_are_skipped_and_counted_never_fatal() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        let today = app.state.today();
        let recent = f.days_ago(10);
        let people = [
            Person::new(1, "ANA SEM PROBLEMA", TEAM_A, "01"),
            Person::new(2, "BRUNO PA EM TEXTO", TEAM_A, "01"),
            Person::new(3, "CARLA NASCIDA EM 1800", TEAM_A, "02"),
            Person::new(4, "DANIEL NASCIDO NO FUTURO", TEAM_B, "01"),
            Person::new(5, "NOME GIGANTE", TEAM_A, "01"),
            Person::new(6, "NOME NULO", TEAM_A, "01"),
            Person::new(7, "EVA MEDICAO SEM DATA", TEAM_A, "02"),
            Person::new(8, "FABIO VINCULO SEM EQUIPE", TEAM_B, "02"),
        ];
        for p in &people {
            f.person(p).await;
        }
        f.bp(1, recent, "130/85").await;
        // A slash that is not two numbers, and three numbers: both skipped; the good
        // reading of the same day before them still counts.
        f.bp(2, f.days_ago(20), "150/95").await;
        f.bp(2, recent, "12O/80").await;
        f.bp(2, recent, "120/80/70").await;
        let set = |sql: &'static str, values: Vec<Value>| {
            let app = &app;
            async move { app.exec(sql, values).await }
        };
        set(
            "UPDATE tb_cidadao SET dt_nascimento = ? WHERE co_seq_cidadao = 3",
            vec![NaiveDate::from_ymd_opt(1800, 1, 1).into()],
        )
        .await;
        set(
            "UPDATE tb_cidadao SET dt_nascimento = ? WHERE co_seq_cidadao = 4",
            vec![(today + Duration::days(30)).into()],
        )
        .await;
        set(
            "UPDATE tb_cidadao SET no_cidadao = ? WHERE co_seq_cidadao = 5",
            vec!["N".repeat(40_000).into()],
        )
        .await;
        // NULLs where the mirror has NOT NULL.
        allow_null(&app, backend, "tb_cidadao", "no_cidadao", "varchar").await;
        allow_null(&app, backend, "tb_medicao", "dt_medicao", "timestamp_text").await;
        allow_null(
            &app,
            backend,
            "tb_cidadao_vinculacao_equipe",
            "nu_ine",
            "varchar",
        )
        .await;
        set(
            "UPDATE tb_cidadao SET no_cidadao = NULL WHERE co_seq_cidadao = 6",
            vec![],
        )
        .await;
        f.bp(7, recent, "141/91").await;
        set(
            "UPDATE tb_medicao SET dt_medicao = NULL WHERE nu_medicao_pressao_arterial = '141/91'",
            vec![],
        )
        .await;
        // A newer link without a team: skipped, the older one (TEAM_B) stays.
        f.team_link(8, TEAM_A, recent).await;
        set(
            "UPDATE tb_cidadao_vinculacao_equipe SET nu_ine = NULL WHERE co_cidadao = 8 AND nu_ine = ?",
            vec![TEAM_A.to_string().into()],
        )
        .await;

        let done = sistema_aps::app::refresh(&app.state)
            .await
            .unwrap_or_else(|e| panic!("{backend:?}: the refresh failed: {e}"));
        // Identity rows are the person model's; measurements each programme's.
        let skipped = done.skipped();
        let counts: Vec<(&str, u64)> = Skip::ALL
            .iter()
            .map(|k| (k.key(), skipped.count(*k)))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("blood_pressure_text", 2),
                ("birth_date", 2),
                ("name_length", 1),
                ("null_required", 3),
            ],
            "{backend:?}"
        );
        assert_eq!(skipped.examples(Skip::NameLength), &[5], "{backend:?}");
        assert_eq!(skipped.examples(Skip::BirthDate), &[3, 4], "{backend:?}");
        let hypertension = done.get("hypertension").expect("hypertension refreshed");
        assert_eq!(hypertension.rows, 6, "{backend:?}");
        assert_eq!(
            listed(&app).await,
            vec![
                "ANA SEM PROBLEMA",
                "BRUNO PA EM TEXTO",
                "CARLA NASCIDA EM 1800",
                "DANIEL NASCIDO NO FUTURO",
                "EVA MEDICAO SEM DATA",
                "FABIO VINCULO SEM EQUIPE",
            ],
            "{backend:?}"
        );
        // The good reading counts; the ignored birth dates are unknown, not 1800.
        assert_eq!(
            one_i64(
                &app,
                "SELECT CAST(last_bp_systolic AS BIGINT) FROM hypertension_summary WHERE co_seq_cidadao = 2",
                vec![]
            )
            .await,
            Some(150),
            "{backend:?}"
        );
        assert_eq!(
            one_i64(
                &app,
                "SELECT COUNT(*) FROM hypertension_summary WHERE dt_nascimento IS NULL AND co_seq_cidadao IN (3, 4)",
                vec![]
            )
            .await,
            Some(2),
            "{backend:?}"
        );
        // Person 8 keeps the team of the link that has one.
        assert_eq!(
            one_i64(
                &app,
                "SELECT COUNT(*) FROM hypertension_summary WHERE co_seq_cidadao = 8 AND nu_ine = ?",
                vec![TEAM_B.to_string().into()]
            )
            .await,
            Some(1),
            "{backend:?}"
        );

        // `pec check` reports the same counts from a refresh it rolls back.
        let before = sistema_aps::programs::hypertension::read_model::status(app.conn())
            .await
            .expect("status")
            .expect("refreshed");
        let check = sistema_aps::esus::check::run(app.conn(), &app.state.config)
            .await
            .expect("pec check");
        let dry = check.refresh.as_ref().expect("the check ran the refresh");
        let would: Vec<(&str, usize)> = dry
            .lists
            .iter()
            .map(|l| (l.read_model, l.would_list))
            .collect();
        assert_eq!(
            would,
            vec![("person", 6), ("hypertension", 6), ("diabetes", 0)],
            "{backend:?}"
        );
        let check_counts: Vec<(&str, u64)> = dry.skipped.iter().map(|s| (s.kind, s.rows)).collect();
        assert_eq!(check_counts, counts, "{backend:?}");
        let text = check.render();
        assert!(
            text.contains("Hipertensão: 6 pessoa(s) na lista")
                && text.contains("8 linha(s) do PEC ignorada(s)"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("linhas ignoradas [name_length]: 1 — nome com mais de 200 caracteres (pessoa ignorada) (co_seq_cidadao 5)"),
            "{backend:?}: {text}"
        );
        let after = sistema_aps::programs::hypertension::read_model::status(app.conn())
            .await
            .expect("status")
            .expect("refreshed");
        assert_eq!(
            before.refreshed_at, after.refreshed_at,
            "{backend:?}: the check wrote"
        );
        assert_eq!(
            one_i64(&app, "SELECT COUNT(*) FROM hypertension_summary", vec![]).await,
            Some(6),
            "{backend:?}"
        );
    }
}
