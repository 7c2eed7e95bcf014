//! The e-SUS mirror refuses to run over PEC tables it did not create.

use sea_orm::ConnectionTrait;

use crate::helpers::{Backend, Start, TestApp, TestDb, backends};

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

/// Every mirror table has an entity whose columns exist with compatible types: over a seeded
/// municipality, reading one row through each entity decodes every column it declares (an
/// empty table would decode nothing, so each table must give a row).
#[tokio::test]
async fn every_mirror_table_has_a_matching_entity() {
    use sea_orm::EntityTrait;
    use sistema_aps::esus::*;
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(300),
            },
        )
        .await;
        // The one table the generator leaves empty gets a row by hand.
        let audited = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(10, 15, 0))
            .expect("timestamp");
        app.exec(
            "INSERT INTO ta_evolucao_plano_ciap (co_atend_prof, co_proced, dt_auditoria) VALUES (?, ?, ?)",
            vec![41_i64.into(), 7_i64.into(), audited.into()],
        )
        .await;
        let conn = app.conn();
        let mut tables = Vec::new();
        let mut empty = Vec::new();
        macro_rules! check {
            ($($m:ident),* $(,)?) => { $(
                let row = $m::Entity::find()
                    .one(conn)
                    .await
                    .unwrap_or_else(|e| panic!("{backend:?} {}: {e}", stringify!($m)));
                if row.is_none() {
                    empty.push(stringify!($m));
                }
                tables.push(stringify!($m));
            )* };
        }
        check!(
            rl_cds_visita_dom_motivo,
            ta_evolucao_plano_ciap,
            tb_atend,
            tb_atend_prof,
            tb_cbo,
            tb_cds_cad_domiciliar,
            tb_cds_cad_individual,
            tb_cds_domicilio_familia,
            tb_cds_ficha_visita_domiciliar,
            tb_cds_prof,
            tb_cds_visita_dom_desfecho,
            tb_cds_visita_dom_motivo,
            tb_cds_visita_domiciliar,
            tb_ciap,
            tb_cid10,
            tb_cidadao,
            tb_cidadao_vinculacao_equipe,
            tb_cirurgias_internacoes,
            tb_equipe,
            tb_exame_colesterol_hdl,
            tb_exame_colesterol_ldl,
            tb_exame_colesterol_total,
            tb_exame_creatina_serica,
            tb_exame_hemoglobina_glicada,
            tb_exame_requisitado,
            tb_exame_triglicerideos,
            tb_lotacao,
            tb_medicamento,
            tb_medicao,
            tb_pre_natal,
            tb_problema,
            tb_problema_evolucao,
            tb_proced,
            tb_prontuario,
            tb_receita_medicamento,
            tb_renda_familiar,
            tb_sexo,
            tb_situacao_problema,
            tb_tipo_atend_prof,
            tb_tipo_logradouro,
        );
        let mut expected: Vec<&str> = migration::mirror::MIRROR_TABLES.clone();
        expected.sort();
        tables.sort();
        assert_eq!(tables, expected, "{backend:?}");
        assert_eq!(
            empty,
            Vec::<&str>::new(),
            "{backend:?}: tables with no row to decode"
        );
    }
}
