//! What a database holds: its tables (enumerated, never hard-coded), their row counts and the
//! applied app migrations. Works on a connection or inside a transaction (one snapshot).

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::manifest::Scope;
use crate::db::APP_SCHEMA;

/// `"name"` with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'` with embedded quotes doubled.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

async fn strings<C: ConnectionTrait>(conn: &C, sql: &str, col: &str) -> Result<Vec<String>, DbErr> {
    let backend = conn.get_database_backend();
    conn.query_all_raw(Statement::from_string(backend, sql))
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", col))
        .collect()
}

async fn scalar_i64<C: ConnectionTrait>(conn: &C, sql: &str) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    Ok(conn
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Schemas a scope covers on PostgreSQL.
fn pg_schema_filter(scope: Scope) -> String {
    match scope {
        Scope::AppSchema => format!("n.nspname = {}", quote_literal(APP_SCHEMA)),
        Scope::Database => "n.nspname NOT IN ('pg_catalog', 'information_schema') \
                            AND n.nspname NOT LIKE 'pg\\_%'"
            .to_string(),
    }
}

/// Every table of the scope as (`schema`, `table`), sorted. SQLite's schema is `main`.
pub async fn tables<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
) -> Result<Vec<(String, String)>, DbErr> {
    let mut out = Vec::new();
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            let sql = format!(
                "SELECT n.nspname AS s, c.relname AS t FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p') AND {} ORDER BY 1, 2",
                pg_schema_filter(scope)
            );
            let backend = conn.get_database_backend();
            for r in conn
                .query_all_raw(Statement::from_string(backend, sql))
                .await?
            {
                out.push((r.try_get::<String>("", "s")?, r.try_get::<String>("", "t")?));
            }
        }
        _ => {
            for t in strings(
                conn,
                "SELECT name AS t FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                "t",
            )
            .await?
            {
                out.push(("main".to_string(), t));
            }
        }
    }
    Ok(out)
}

/// `schema.table` → row count, for every table of the scope.
pub async fn counts<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
) -> Result<BTreeMap<String, u64>, DbErr> {
    let mut out = BTreeMap::new();
    for (schema, table) in tables(conn, scope).await? {
        let n = scalar_i64(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM {}.{}",
                quote_ident(&schema),
                quote_ident(&table)
            ),
        )
        .await?;
        out.insert(format!("{schema}.{table}"), u64::try_from(n).unwrap_or(0));
    }
    Ok(out)
}

/// The applied app migrations, in order (empty when the app was never migrated).
pub async fn migrations<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, DbErr> {
    let (exists, table) = match conn.get_database_backend() {
        DbBackend::Postgres => (
            format!(
                "SELECT COUNT(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = {} AND c.relname = 'seaql_migrations'",
                quote_literal(APP_SCHEMA)
            ),
            format!("{}.seaql_migrations", quote_ident(APP_SCHEMA)),
        ),
        _ => (
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name = 'seaql_migrations'"
                .to_string(),
            "seaql_migrations".to_string(),
        ),
    };
    if scalar_i64(conn, &exists).await? == 0 {
        return Ok(Vec::new());
    }
    strings(
        conn,
        &format!("SELECT version FROM {table} ORDER BY version"),
        "version",
    )
    .await
}

/// Whether a PostgreSQL relation exists (`schema.name`).
pub async fn pg_relation_exists<C: ConnectionTrait>(
    conn: &C,
    schema: &str,
    name: &str,
) -> Result<bool, DbErr> {
    Ok(scalar_i64(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {} AND c.relname = {}",
            quote_literal(schema),
            quote_literal(name)
        ),
    )
    .await?
        > 0)
}

/// Whether a PostgreSQL schema exists.
pub async fn pg_schema_exists<C: ConnectionTrait>(conn: &C, schema: &str) -> Result<bool, DbErr> {
    Ok(scalar_i64(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = {}",
            quote_literal(schema)
        ),
    )
    .await?
        > 0)
}

/// The server's version string.
pub async fn server_version<C: ConnectionTrait>(conn: &C) -> Result<String, DbErr> {
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => "SELECT current_setting('server_version') AS v",
        _ => "SELECT sqlite_version() AS v",
    };
    Ok(strings(conn, sql, "v").await?.pop().unwrap_or_default())
}
