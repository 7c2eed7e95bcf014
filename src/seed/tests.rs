//! End-to-end tests of the generator on temporary SQLite mirrors.

use std::path::Path;

use chrono::NaiveDate;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use super::calendar::add_days;
use super::writer::Table;
use super::{SeedError, SeedOptions, cns_is_valid, cpf_is_valid, run};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()
}

async fn fresh_mirror(dir: &Path, name: &str) -> DatabaseConnection {
    let path = dir.join(name);
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false).map_sqlx_sqlite_opts(|o| {
        o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5))
    });
    let db = Database::connect(opts).await.unwrap();
    migration::mirror::up(&db).await.unwrap();
    db
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn counts(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in Table::ALL {
        let name = t.spec().0;
        out.push((
            name,
            scalar(db, &format!("SELECT COUNT(*) FROM {name}")).await,
        ));
    }
    out
}

/// FNV-1a digest of every row of `table`, all columns as text, ordered by all columns.
async fn digest(db: &DatabaseConnection, table: &str) -> (u64, usize) {
    let backend = db.get_database_backend();
    let cols: Vec<String> = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("PRAGMA table_info({table})"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    let select = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("CAST({c} AS TEXT) AS c{i}"))
        .collect::<Vec<_>>();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        select.join(", "),
        cols.join(", ")
    );
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for row in &rows {
        for i in 0..cols.len() {
            let v: Option<String> = row.try_get("", &format!("c{i}")).unwrap();
            for b in v.as_deref().unwrap_or("\u{0}NULL").bytes().chain([0x1f]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h ^= 0x1e;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h, rows.len())
}

#[tokio::test]
async fn same_seed_same_data_different_seed_different_data() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SeedOptions {
        citizens: 2_000,
        seed: 42,
        today: today(),
    };
    let a = fresh_mirror(dir.path(), "a.db").await;
    let b = fresh_mirror(dir.path(), "b.db").await;
    let c = fresh_mirror(dir.path(), "c.db").await;
    let ra = run(&a, &opts).await.unwrap();
    let rb = run(&b, &opts).await.unwrap();
    run(
        &c,
        &SeedOptions {
            seed: 43,
            ..opts.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(ra.rows, rb.rows);
    assert_eq!(ra.households, rb.households);
    assert_eq!(ra.citizens, 2_000);
    assert_eq!(ra.teams, 3, "one eSF team, one inactive, one eMulti");
    assert_eq!(counts(&a).await, counts(&b).await);
    assert_eq!(
        digest(&a, "tb_cidadao").await,
        digest(&b, "tb_cidadao").await
    );
    // Every other table too: the whole municipality is reproducible.
    for t in Table::ALL {
        let name = t.spec().0;
        assert_eq!(digest(&a, name).await, digest(&b, name).await, "{name}");
    }
    assert_ne!(
        digest(&a, "tb_cidadao").await,
        digest(&c, "tb_cidadao").await
    );
}

#[tokio::test]
async fn refuses_a_non_empty_mirror_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_mirror(dir.path(), "x.db").await;
    let opts = SeedOptions {
        citizens: 300,
        seed: 1,
        today: today(),
    };
    run(&db, &opts).await.unwrap();
    let before = counts(&db).await;
    let err = run(&db, &SeedOptions { seed: 2, ..opts })
        .await
        .unwrap_err();
    assert!(matches!(err, SeedError::NotEmpty), "{err}");
    assert!(err.to_string().contains("already hold data"));
    assert_eq!(before, counts(&db).await);
}

#[tokio::test]
async fn rejects_invalid_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_mirror(dir.path(), "x.db").await;
    for citizens in [0, super::MAX_CITIZENS + 1] {
        let err = run(
            &db,
            &SeedOptions {
                citizens,
                seed: 1,
                today: today(),
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, SeedError::InvalidOptions(_)), "{err}");
    }
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM tb_cidadao").await, 0);
}

#[tokio::test]
async fn a_five_thousand_people_town_looks_real() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_mirror(dir.path(), "town.db").await;
    let today = today();
    let report = run(
        &db,
        &SeedOptions {
            citizens: 5_000,
            seed: 7,
            today,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        report.teams, 4,
        "two eSF teams plus the inactive and eMulti ones"
    );

    let adult_cutoff = add_days(today, -18 * 365 - 4)
        .format("%Y-%m-%d")
        .to_string();
    let adults = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM tb_cidadao WHERE st_ativo = 1 AND dt_nascimento <= '{adult_cutoff}'"),
    )
    .await;
    let (active, latent) = (
        super::catalogues::PROBLEM_ACTIVE,
        super::catalogues::PROBLEM_LATENT,
    );
    let coded = |codes_ciap: &str, cid_like: &str| {
        format!(
            "SELECT COUNT(DISTINCT c.co_seq_cidadao) FROM tb_cidadao c \
             JOIN tb_prontuario pr ON pr.co_cidadao = c.co_seq_cidadao \
             JOIN tb_problema p ON p.co_prontuario = pr.co_seq_prontuario \
             JOIN tb_problema_evolucao e ON e.co_seq_problema_evolucao = p.co_ultimo_problema_evolucao \
             LEFT JOIN tb_ciap ci ON ci.co_seq_ciap = p.co_ciap \
             LEFT JOIN tb_cid10 cd ON cd.co_cid10 = p.co_cid10 \
             WHERE c.st_ativo = 1 AND c.dt_nascimento <= '{adult_cutoff}' \
               AND e.co_situacao_problema IN ({active}, {latent}) \
               AND (ci.co_ciap IN ({codes_ciap}) OR {cid_like})"
        )
    };
    let htn = scalar(
        &db,
        &coded(
            "'K86','K87'",
            "cd.nu_cid10 LIKE 'I10%' OR cd.nu_cid10 LIKE 'I11%' OR cd.nu_cid10 LIKE 'I12%' \
             OR cd.nu_cid10 LIKE 'I13%' OR cd.nu_cid10 LIKE 'I15%'",
        ),
    )
    .await;
    let dm = scalar(&db, &coded("'T89','T90'", "cd.nu_cid10 LIKE 'E1%'")).await;
    let htn_share = htn as f64 / adults as f64;
    let dm_share = dm as f64 / adults as f64;
    assert!(
        (0.14..=0.24).contains(&htn_share),
        "hypertension share {htn_share}"
    );
    assert!(
        (0.03..=0.09).contains(&dm_share),
        "diabetes share {dm_share}"
    );

    // Every coded problem hangs off a record of an existing citizen, and every current
    // (non-duplicate) citizen has a record.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM tb_problema p LEFT JOIN tb_prontuario pr \
             ON pr.co_seq_prontuario = p.co_prontuario LEFT JOIN tb_cidadao c ON c.co_seq_cidadao = pr.co_cidadao \
             WHERE c.co_seq_cidadao IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM tb_cidadao c WHERE c.st_ativo = 1 AND c.st_unificado = 0 AND NOT EXISTS \
             (SELECT 1 FROM tb_prontuario pr WHERE pr.co_cidadao = c.co_seq_cidadao)"
        )
        .await,
        0
    );
    // Quirks.
    let homonyms = scalar(
        &db,
        "SELECT COUNT(*) FROM (SELECT no_cidadao_filtro FROM tb_cds_cad_individual WHERE st_versao_atual = 1 \
         GROUP BY no_cidadao_filtro HAVING COUNT(DISTINCT nu_micro_area) > 1) x",
    )
    .await;
    assert!(homonyms >= 1, "homonym pairs {homonyms}");
    let deceased = scalar(
        &db,
        "SELECT COUNT(*) FROM tb_cidadao WHERE st_faleceu = 1 AND dt_obito IS NOT NULL",
    )
    .await;
    assert!((1..100).contains(&deceased), "deceased {deceased}");
    let two_links = scalar(
        &db,
        "SELECT COUNT(*) FROM (SELECT co_cidadao FROM tb_cidadao_vinculacao_equipe GROUP BY co_cidadao \
         HAVING COUNT(DISTINCT nu_ine) > 1) x",
    )
    .await;
    assert!(two_links >= 1, "citizens with two team links {two_links}");
    let duplicates = scalar(
        &db,
        "SELECT COUNT(*) FROM tb_cidadao WHERE st_ativo = 0 OR st_unificado = 1",
    )
    .await;
    assert!(duplicates >= 20, "duplicate records {duplicates}");

    // Nothing after today; tb_atend points at its last act; foreign keys hold.
    let tomorrow = add_days(today, 1).format("%Y-%m-%d").to_string();
    for (table, col) in [
        ("tb_atend", "dt_inicio"),
        ("tb_medicao", "dt_medicao"),
        ("tb_exame_requisitado", "dt_realizacao"),
        ("tb_cds_ficha_visita_domiciliar", "dt_ficha"),
        ("tb_cds_cad_individual", "dt_cad_individual"),
    ] {
        let late = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM {table} WHERE {col} >= '{tomorrow}'"),
        )
        .await;
        assert_eq!(late, 0, "{table}.{col}");
    }
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM tb_atend a WHERE a.co_atend_prof <> \
             (SELECT MAX(ap.co_seq_atend_prof) FROM tb_atend_prof ap WHERE ap.co_atend = a.co_seq_atend)"
        )
        .await,
        0
    );
    let two_act = scalar(
        &db,
        "SELECT COUNT(*) FROM tb_atend a WHERE (SELECT COUNT(*) FROM tb_atend_prof ap WHERE ap.co_atend = a.co_seq_atend) = 2",
    )
    .await;
    assert!(two_act > 0);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM pragma_foreign_key_check").await,
        0
    );

    // Documents: CPFs (left-padded) and CNSs all carry valid check digits.
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT nu_cpf, nu_cns FROM tb_cidadao".to_string(),
        ))
        .await
        .unwrap();
    let (mut with_cpf, mut unpadded) = (0, 0);
    for r in &rows {
        let cpf: Option<String> = r.try_get("", "nu_cpf").unwrap();
        let cns: Option<String> = r.try_get("", "nu_cns").unwrap();
        assert!(cns_is_valid(cns.as_deref().unwrap()));
        if let Some(cpf) = cpf {
            with_cpf += 1;
            if cpf.len() < 11 {
                unpadded += 1;
            }
            assert!(cpf_is_valid(&format!("{cpf:0>11}")), "{cpf}");
        }
    }
    let cpf_less = 1.0 - f64::from(with_cpf) / rows.len() as f64;
    assert!(
        (0.25..=0.35).contains(&cpf_less),
        "CPF-less share {cpf_less}"
    );
    assert!(unpadded >= 1, "some CPFs lost their leading zeros");

    // Odd micro-areas exist: outside any micro-area and non-numeric.
    assert!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM tb_cds_cad_individual WHERE nu_micro_area = '00'"
        )
        .await
            > 0
    );
    assert!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM tb_cds_cad_individual WHERE nu_micro_area LIKE '%A'"
        )
        .await
            > 0
    );
}
