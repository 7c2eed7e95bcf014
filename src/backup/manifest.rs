//! The manifest written into every backup: what was backed up, from which version, and the
//! row count of every table at the moment of the copy, so a restore can be checked.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const FORMAT: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";

/// What a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole database: the SQLite file, or a PostgreSQL database where the e-SUS mirror
    /// is in use (staging, tests).
    Database,
    /// Only schema `sistemaaps` of a PostgreSQL database holding a real PEC (the PEC's own
    /// tables are backed up by the PEC's procedures).
    AppSchema,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    /// File name inside the archive: `database.sqlite.gz` or `database.pgdump`.
    pub name: String,
    /// SHA-256 (hex) and size of the payload as stored in the archive.
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: u32,
    pub app_version: String,
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub scope: Scope,
    /// PostgreSQL server version (`SHOW server_version`); SQLite library version.
    pub server_version: String,
    /// Applied app migrations (`seaql_migrations.version`), in order.
    pub migrations: Vec<String>,
    /// `schema.table` → rows, for every table in the backup.
    pub tables: BTreeMap<String, u64>,
    pub payload: Payload,
    /// The head of the audit chain in the copy: an anchor kept outside the database
    /// (`audit verify --anchor ID:HASH`); a restore checks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<crate::audit::Anchor>,
}

impl Manifest {
    /// The last applied app migration.
    pub fn migration_version(&self) -> &str {
        self.migrations.last().map_or("(nenhuma)", String::as_str)
    }

    /// Differences between this manifest and what a restored database holds.
    pub fn differences(
        &self,
        migrations: &[String],
        tables: &BTreeMap<String, u64>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if self.migrations != migrations {
            out.push(format!(
                "migrações: backup {:?}, restaurado {:?}",
                self.migrations, migrations
            ));
        }
        for (table, rows) in &self.tables {
            match tables.get(table) {
                None => out.push(format!("tabela {table} ausente no banco restaurado")),
                Some(n) if n != rows => out.push(format!(
                    "tabela {table}: {rows} linha(s) no backup, {n} restaurada(s)"
                )),
                Some(_) => {}
            }
        }
        for table in tables.keys() {
            if !self.tables.contains_key(table) {
                out.push(format!("tabela {table} não consta do backup"));
            }
        }
        out
    }
}
