//! PostgreSQL: `pg_dump` in custom format from an exported snapshot (the manifest's row counts
//! are taken in that same snapshot), and `pg_restore` in one transaction.

use std::path::Path;
use std::process::Stdio;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::BackupError;
use super::inspect::{self, quote_ident};
use super::manifest::Scope;
use crate::config::BackupConfig;
use crate::db::APP_SCHEMA;

/// How the client programs reach the server: the URL without its password (it would show in
/// `ps`), and the password for `PGPASSWORD`.
pub struct Libpq {
    url: String,
    password: Option<String>,
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Libpq {
    pub fn from_url(url: &str) -> Result<Libpq, BackupError> {
        let mut u = url::Url::parse(url)
            .map_err(|e| BackupError::Config(format!("database.url inválida: {e}")))?;
        let password = u.password().map(percent_decode);
        let _ = u.set_password(None);
        // Parameters only sqlx knows would make libpq refuse the URI.
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| k != "statement-cache-capacity")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
        Ok(Libpq {
            url: u.to_string(),
            password,
        })
    }

    fn command(&self, program: &Path) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(program);
        if let Some(p) = &self.password {
            c.env("PGPASSWORD", p);
        }
        c.stdin(Stdio::null()).kill_on_drop(true);
        c
    }
}

async fn run(mut cmd: tokio::process::Command, program: &Path) -> Result<String, BackupError> {
    let name = program.display().to_string();
    let out = cmd.output().await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BackupError::Tool(format!(
                "{name} não encontrado: instale o cliente PostgreSQL da mesma versão do servidor \
                 (Debian: postgresql-client-15) ou ajuste backup.pg_dump / backup.pg_restore"
            ))
        } else {
            BackupError::Tool(format!("não foi possível executar {name}: {e}"))
        }
    })?;
    if !out.status.success() {
        return Err(BackupError::Tool(format!(
            "{name} falhou ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `pg_dump -Fc` of the scope, in the exported `snapshot`.
pub async fn dump(
    cfg: &BackupConfig,
    pg: &Libpq,
    snapshot: &str,
    scope: Scope,
    dest: &Path,
) -> Result<(), BackupError> {
    let mut c = pg.command(&cfg.pg_dump);
    c.arg("--format=custom")
        .arg("--compress=6")
        .arg("--no-password")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(dest);
    if scope == Scope::AppSchema {
        c.arg(format!("--schema={APP_SCHEMA}"));
    }
    c.arg("--dbname").arg(&pg.url);
    run(c, &cfg.pg_dump).await.map(|_| ())
}

/// The archive's table of contents (`pg_restore --list`): a cheap readability check.
pub async fn toc(cfg: &BackupConfig, file: &Path) -> Result<String, BackupError> {
    let mut c = tokio::process::Command::new(&cfg.pg_restore);
    c.arg("--list").arg(file).stdin(Stdio::null());
    run(c, &cfg.pg_restore).await.map_err(|e| match e {
        BackupError::Tool(m) => BackupError::Integrity(m),
        other => other,
    })
}

/// Whether a TOC line creates one of `schemas` (`5; 2615 16386 SCHEMA - sistemaaps owner`).
fn creates_schema(line: &str, schemas: &[String]) -> bool {
    let fields: Vec<&str> = line.split_whitespace().collect();
    fields.len() >= 6
        && fields[3] == "SCHEMA"
        && fields[4] == "-"
        && schemas.iter().any(|s| s == fields[5])
}

/// Restores `file` into the target in one transaction, without owners or grants (objects
/// belong to the role restoring). Schemas that already exist are not created again.
pub async fn restore(
    cfg: &BackupConfig,
    pg: &Libpq,
    file: &Path,
    existing_schemas: &[String],
    work_dir: &Path,
) -> Result<(), BackupError> {
    let toc = toc(cfg, file).await?;
    let list: String = toc
        .lines()
        .filter(|l| !creates_schema(l, existing_schemas))
        .map(|l| format!("{l}\n"))
        .collect();
    let list_path = work_dir.join("restore.list");
    std::fs::write(&list_path, list).map_err(|source| BackupError::Io {
        context: format!("não foi possível escrever {}", list_path.display()),
        source,
    })?;
    let mut c = pg.command(&cfg.pg_restore);
    c.arg("--exit-on-error")
        .arg("--single-transaction")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--no-password")
        .arg("--use-list")
        .arg(&list_path)
        .arg("--dbname")
        .arg(&pg.url)
        .arg(file);
    run(c, &cfg.pg_restore).await.map(|_| ())
}

/// Checks that the target may receive the backup, empties it when forced, and returns the
/// schemas of the scope that already exist there.
pub async fn prepare_target(
    conn: &DatabaseConnection,
    scope: Scope,
    force: bool,
) -> Result<Vec<String>, BackupError> {
    let app_tables = inspect::tables(conn, Scope::AppSchema).await?;
    let all_tables = inspect::tables(conn, Scope::Database).await?;
    let mirror =
        inspect::pg_relation_exists(conn, "public", migration::mirror::MIRROR_MIGRATION_TABLE)
            .await?;
    let other_tables: Vec<&(String, String)> =
        all_tables.iter().filter(|(s, _)| s != APP_SCHEMA).collect();
    if scope == Scope::Database && !other_tables.is_empty() && !mirror {
        return Err(BackupError::Refused(
            "este backup é do banco inteiro (espelho do e-SUS), mas o banco de destino tem tabelas \
             que não são do espelho (um PEC real?): restaure-o num banco vazio"
                .into(),
        ));
    }
    let to_drop: Vec<&(String, String)> = match scope {
        Scope::AppSchema => app_tables.iter().collect(),
        Scope::Database => all_tables.iter().collect(),
    };
    if !to_drop.is_empty() {
        if !force {
            return Err(BackupError::Refused(format!(
                "o banco de destino não está vazio ({} tabela(s), por exemplo {}.{}): \
                 restaure num banco vazio, ou use --force para apagar o que há nele",
                to_drop.len(),
                to_drop[0].0,
                to_drop[0].1
            )));
        }
        for (schema, table) in &to_drop {
            conn.execute_unprepared(&format!(
                "DROP TABLE IF EXISTS {}.{} CASCADE",
                quote_ident(schema),
                quote_ident(table)
            ))
            .await?;
        }
    }
    // Left-over sequences (identity sequences went with their tables).
    let schemas: Vec<String> = match scope {
        Scope::AppSchema => vec![APP_SCHEMA.to_string()],
        Scope::Database => vec![APP_SCHEMA.to_string(), "public".to_string()],
    };
    let mut existing = Vec::new();
    for s in &schemas {
        if inspect::pg_schema_exists(conn, s).await? {
            existing.push(s.clone());
        }
    }
    if force {
        let backend = conn.get_database_backend();
        for s in &existing {
            let rows = conn
                .query_all_raw(sea_orm::Statement::from_string(
                    backend,
                    format!(
                        "SELECT c.relname AS t, c.relkind::text AS k FROM pg_class c \
                         JOIN pg_namespace n ON n.oid = c.relnamespace \
                         WHERE c.relkind IN ('S', 'v', 'm') AND n.nspname = {}",
                        inspect::quote_literal(s)
                    ),
                ))
                .await?;
            for r in rows {
                let name: String = r.try_get("", "t")?;
                let kind = match r.try_get::<String>("", "k")?.as_str() {
                    "S" => "SEQUENCE",
                    "v" => "VIEW",
                    _ => "MATERIALIZED VIEW",
                };
                conn.execute_unprepared(&format!(
                    "DROP {kind} IF EXISTS {}.{} CASCADE",
                    quote_ident(s),
                    quote_ident(&name)
                ))
                .await?;
            }
        }
    }
    Ok(existing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_leaves_the_url() {
        let pg = Libpq::from_url("postgres://aps:p%40ss%3Aw@db:5432/esus?sslmode=require")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pg.url, "postgres://aps@db:5432/esus?sslmode=require");
        assert_eq!(pg.password.as_deref(), Some("p@ss:w"));
        let pg = Libpq::from_url("postgres://postgres@127.0.0.1:5432/x?statement-cache-capacity=0")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pg.url, "postgres://postgres@127.0.0.1:5432/x");
        assert!(pg.password.is_none());
    }

    #[test]
    fn schema_lines_of_the_toc() {
        let s = vec!["sistemaaps".to_string()];
        assert!(creates_schema(
            "5; 2615 16386 SCHEMA - sistemaaps postgres",
            &s
        ));
        assert!(!creates_schema(
            "6; 1259 16387 TABLE sistemaaps app_user postgres",
            &s
        ));
        assert!(!creates_schema("5; 2615 16386 SCHEMA - other postgres", &s));
    }
}
