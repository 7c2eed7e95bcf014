//! Moves the PEC catalogues of a filled mirror to other surrogate ids (`shuffle_catalogues`),
//! rewriting every row that points to them. A catalogue id is only a row number in one PEC, so
//! every count the app computes must be the same before and after: the tests that check it
//! catch a rule that matched a surrogate id instead of a natural code or a resolved entry.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait};

use super::rng::Rng;

/// A catalogue table and the columns that point to its key.
struct Catalogue {
    table: &'static str,
    key: &'static str,
    columns: &'static [&'static str],
    references: &'static [(&'static str, &'static str)],
}

const CATALOGUES: &[Catalogue] = &[
    Catalogue {
        table: "tb_situacao_problema",
        key: "co_situacao_problema",
        columns: &["no_situacao_problema"],
        references: &[("tb_problema_evolucao", "co_situacao_problema")],
    },
    Catalogue {
        table: "tb_tipo_atend_prof",
        key: "co_tipo_atend_prof",
        columns: &["no_tipo_atend_prof"],
        references: &[("tb_atend_prof", "tp_atend_prof")],
    },
    Catalogue {
        table: "tb_cds_visita_dom_desfecho",
        key: "co_cds_visita_dom_desfecho",
        columns: &["no_cds_visita_dom_desfecho"],
        references: &[("tb_cds_visita_domiciliar", "co_cds_visita_dom_desfecho")],
    },
    Catalogue {
        table: "tb_cds_visita_dom_motivo",
        key: "co_cds_visita_dom_motivo",
        columns: &["no_cds_visita_dom_motivo"],
        references: &[("rl_cds_visita_dom_motivo", "co_cds_visita_dom_motivo")],
    },
    Catalogue {
        table: "tb_cbo",
        key: "co_cbo",
        columns: &["co_cbo_2002", "no_cbo"],
        references: &[("tb_lotacao", "co_cbo")],
    },
    Catalogue {
        table: "tb_ciap",
        key: "co_seq_ciap",
        columns: &["co_ciap", "ds_ciap"],
        references: &[("tb_problema", "co_ciap")],
    },
    Catalogue {
        table: "tb_cid10",
        key: "co_cid10",
        columns: &["nu_cid10", "no_cid10"],
        references: &[("tb_problema", "co_cid10")],
    },
    // Exam and procedure catalogue: the C4 HbA1c and foot-exam practices find their rows by
    // SIGTAP / e-SUS code, never by this id. (Whether `ta_evolucao_plano_ciap.co_proced` points
    // to this catalogue in a real PEC is not verified; the mirror says so, and it is moved too.)
    Catalogue {
        table: "tb_proced",
        key: "co_seq_proced",
        columns: &["co_proced", "no_proced"],
        references: &[
            ("tb_exame_requisitado", "co_proced"),
            ("ta_evolucao_plano_ciap", "co_proced"),
        ],
    },
];

/// First id of the shuffled ranges: above every id the generator and the fixtures use, so
/// old and new ids never collide while rows are moved.
const BASE: i64 = 500_000;

/// Gives every catalogue row of [`CATALOGUES`] a new id (a permutation drawn from `seed`, in a
/// range of its own, with gaps), rewriting the rows that point to it, in one transaction.
/// Returns how many catalogue rows moved.
pub async fn shuffle_catalogues(db: &DatabaseConnection, seed: u64) -> Result<u64, DbErr> {
    let mut rng = Rng::new(seed);
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    let mut moved = 0;
    for (n, c) in CATALOGUES.iter().enumerate() {
        let rows = txn
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT {key} AS id FROM {table} ORDER BY 1",
                    key = c.key,
                    table = c.table
                ),
            ))
            .await?;
        let old: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get::<i64>("", "id"))
            .collect::<Result<_, _>>()?;
        if old.is_empty() {
            continue;
        }
        // New ids: this table's range, shuffled order, gaps of 1–3 (non-contiguous).
        let mut order: Vec<usize> = (0..old.len()).collect();
        for i in (1..order.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        let mut next = BASE * (n as i64 + 1);
        let mut new = vec![0_i64; old.len()];
        for i in order {
            next += 1 + rng.below(3) as i64;
            new[i] = next;
        }
        let case = |column: &str| {
            let arms: String = old
                .iter()
                .zip(&new)
                .map(|(o, n)| format!(" WHEN {o} THEN {n}"))
                .collect();
            format!("CASE {column}{arms} END")
        };
        let columns = c.columns.join(", ");
        txn.execute_unprepared(&format!(
            "INSERT INTO {table} ({key}, {columns}) SELECT {mapped}, {columns} FROM {table} WHERE {key} < {BASE}",
            table = c.table,
            key = c.key,
            mapped = case(c.key),
        ))
        .await?;
        for (table, column) in c.references {
            txn.execute_unprepared(&format!(
                "UPDATE {table} SET {column} = {mapped} WHERE {column} IS NOT NULL AND {column} < {BASE}",
                mapped = case(column),
            ))
            .await?;
        }
        let deleted = txn
            .execute_unprepared(&format!(
                "DELETE FROM {table} WHERE {key} < {BASE}",
                table = c.table,
                key = c.key
            ))
            .await?;
        moved += deleted.rows_affected();
    }
    txn.commit().await?;
    Ok(moved)
}
