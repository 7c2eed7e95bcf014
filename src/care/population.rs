//! Populations defined by a clinical code list: citizens who hold a current (active or latent)
//! problem coded with the list, matched by natural code (CIAP exact, CID-10 by prefix, dots and
//! case ignored) and by this PEC's own problem-situation ids.

use sea_orm::{ConnectionTrait, DbErr, Value};

use crate::clinical::codes::CodeList;
use crate::db::sql::{placeholders, statement};
use crate::esus::catalogue::Catalogue;

/// A CTE named `h` with one column, `co_cidadao`: the citizens with a current problem coded
/// with `list`; and the values its placeholders take.
pub fn coded_cte(catalogue: &Catalogue, list: &CodeList) -> (String, Vec<Value>) {
    cte(catalogue, list, None)
}

/// [`coded_cte`], limited to one citizen inside the CTE when `person` is given (the person
/// page asks about one person: the index on the record, not a scan of every problem).
fn cte(catalogue: &Catalogue, list: &CodeList, person: Option<i64>) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = catalogue
        .current_problem_situations()
        .iter()
        .map(|id| Value::from(*id))
        .collect();
    values.extend(list.ciap.iter().map(|c| Value::from(c.to_string())));
    let cid_like = list
        .cid10_prefixes
        .iter()
        .map(|_| "UPPER(REPLACE(cd.nu_cid10, '.', '')) LIKE ?")
        .collect::<Vec<_>>()
        .join(" OR ");
    values.extend(
        list.cid10_prefixes
            .iter()
            .map(|p| Value::from(format!("{p}%"))),
    );
    let sql = format!(
        "WITH h AS (
            SELECT DISTINCT pr.co_cidadao
            FROM tb_problema p
            JOIN tb_prontuario pr ON pr.co_seq_prontuario = p.co_prontuario
            JOIN tb_problema_evolucao pe ON pe.co_seq_problema_evolucao = p.co_ultimo_problema_evolucao
            LEFT JOIN tb_ciap ci ON ci.co_seq_ciap = p.co_ciap
            LEFT JOIN tb_cid10 cd ON cd.co_cid10 = p.co_cid10
            WHERE pe.co_situacao_problema IN (?, ?)
              AND (UPPER(TRIM(ci.co_ciap)) IN ({}) OR {cid_like}){}
        )",
        placeholders(list.ciap.len()),
        if person.is_some() { " AND pr.co_cidadao = ?" } else { "" }
    );
    values.extend(person.map(Value::from));
    (sql, values)
}

/// How many citizens hold a current problem coded with `list`, before the population's other
/// rules (alive, active, active team, registration not inactive): `pec check` shows both.
pub async fn coded_count(
    db: &impl ConnectionTrait,
    catalogue: &Catalogue,
    list: &CodeList,
) -> Result<i64, DbErr> {
    let (cte, values) = coded_cte(catalogue, list);
    let sql = format!("{cte} SELECT COUNT(*) AS n FROM h");
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    match rows.first() {
        Some(r) => r.try_get("", "n"),
        None => Ok(0),
    }
}

/// Whether one citizen holds a current problem coded with `list`.
pub async fn has_coded_problem(
    db: &impl ConnectionTrait,
    catalogue: &Catalogue,
    list: &CodeList,
    person: i64,
) -> Result<bool, DbErr> {
    let (cte, values) = cte(catalogue, list, Some(person));
    let sql = format!("{cte} SELECT COUNT(*) AS n FROM h");
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    match rows.first() {
        Some(r) => Ok(r.try_get::<i64>("", "n")? > 0),
        None => Ok(false),
    }
}
