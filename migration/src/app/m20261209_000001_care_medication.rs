//! One treatment plan for every programme: `hypertension_medication` and
//! `hypertension_medication_event` become `care_medication` and `care_medication_event`. A
//! person has one plan whatever programmes they are in; `program` names the programme that
//! added the medication (existing rows are `'hypertension'`). Ids are kept, so every event
//! still points at its medication, and new ids continue after the copied ones.
//!
//! New columns, for drugs that do not come from the PEC catalogue and for insulin:
//! * `drug`: the key of a programme's own catalogue entry (`NULL` for a PEC drug, which keeps
//!   `co_medicamento`);
//! * `unit`: `comprimido` (dose = tablets per intake) or `ui` (insulin: dose = units a day,
//!   `schedule` = each application's time and units, `"07:00 20;22:00 10"`);
//! * `replaces_id`: the medication this one replaced (an insulin changed keeps the old row as
//!   `replaced`).
//!
//! The dose bounds are each catalogue entry's (tablets 1–6 for hypertension, 1–5 for oral
//! diabetes drugs, 1–100 UI per insulin application) and checked in code (`care::treatment`);
//! the table keeps `dose >= 1`, frequency 1–4 and the statuses.
//!
//! How each backend does it (the approach of `m20261208_000001_care_action`): PostgreSQL renames
//! in place inside the migration's transaction (sequence, primary key, foreign keys and grants
//! follow), adds the columns and replaces the CHECKs it finds in `pg_constraint`; SQLite
//! rebuilds both tables in one script on one connection with foreign keys off, refusing to
//! commit when `foreign_key_check` finds anything.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The CHECKs of both tables, the same SQL on both backends: (table, name, condition).
const CHECKS: [(&str, &str, &str); 6] = [
    ("care_medication", "ck_care_medication_dose", "dose >= 1"),
    (
        "care_medication",
        "ck_care_medication_frequency",
        "frequency BETWEEN 1 AND 4",
    ),
    (
        "care_medication",
        "ck_care_medication_status",
        "status IN ('active', 'paused', 'stopped', 'replaced')",
    ),
    (
        "care_medication",
        "ck_care_medication_unit",
        "unit IN ('comprimido', 'ui')",
    ),
    (
        "care_medication",
        "ck_care_medication_drug",
        "co_medicamento IS NULL OR drug IS NULL",
    ),
    (
        "care_medication_event",
        "ck_care_medication_event_kind",
        "kind IN ('iniciado', 'frequencia', 'dose', 'pausado', 'retomado', 'encerrado', \
         'substituido')",
    ),
];

const INDEXES: [&str; 2] = [
    "CREATE INDEX ix_care_medication_co_cidadao_status ON care_medication (co_cidadao, status)",
    "CREATE INDEX ix_care_medication_event_medication_id ON care_medication_event (medication_id)",
];

/// The SQLite rebuild. Column types are those sea-query gave the old tables.
const SQLITE_REBUILD: &str = r#"
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE "care_medication" (
  "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "program" varchar NOT NULL,
  "co_cidadao" integer NOT NULL,
  "co_medicamento" integer NULL,
  "drug" varchar NULL,
  "name" varchar NOT NULL,
  "unit" varchar NOT NULL,
  "dose" integer NOT NULL,
  "frequency" integer NOT NULL,
  "schedule" varchar NULL,
  "started_on" date_text NOT NULL,
  "status" varchar NOT NULL,
  "ended_on" date_text NULL,
  "replaces_id" integer NULL,
  "notes" text NULL,
  "created_by" integer NOT NULL,
  "created_at" timestamp_with_timezone_text NOT NULL,
  "updated_at" timestamp_with_timezone_text NOT NULL,
  CONSTRAINT "fk_care_medication_created_by" FOREIGN KEY ("created_by")
    REFERENCES "app_user" ("id") ON DELETE RESTRICT,
  CONSTRAINT "fk_care_medication_replaces_id" FOREIGN KEY ("replaces_id")
    REFERENCES "care_medication" ("id") ON DELETE SET NULL,
  {medication_checks}
);
INSERT INTO "care_medication" ("id", "program", "co_cidadao", "co_medicamento", "drug", "name",
  "unit", "dose", "frequency", "schedule", "started_on", "status", "ended_on", "replaces_id",
  "notes", "created_by", "created_at", "updated_at")
SELECT "id", 'hypertension', "co_cidadao", "co_medicamento", NULL, "name", 'comprimido', "dose",
  "frequency", NULL, "started_on", "status", "ended_on", NULL, "notes", "created_by",
  "created_at", "updated_at"
FROM "hypertension_medication";
CREATE TABLE "care_medication_event" (
  "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "medication_id" integer NOT NULL,
  "kind" varchar NOT NULL,
  "on_date" date_text NOT NULL,
  "detail" varchar NULL,
  "reason" text NULL,
  "user_id" integer NOT NULL,
  "created_at" timestamp_with_timezone_text NOT NULL,
  CONSTRAINT "fk_care_medication_event_medication_id" FOREIGN KEY ("medication_id")
    REFERENCES "care_medication" ("id") ON DELETE CASCADE,
  CONSTRAINT "fk_care_medication_event_user_id" FOREIGN KEY ("user_id")
    REFERENCES "app_user" ("id") ON DELETE RESTRICT,
  {event_checks}
);
INSERT INTO "care_medication_event" ("id", "medication_id", "kind", "on_date", "detail",
  "reason", "user_id", "created_at")
SELECT "id", "medication_id", "kind", "on_date", "detail", "reason", "user_id", "created_at"
FROM "hypertension_medication_event";
DROP TABLE "hypertension_medication_event";
DROP TABLE "hypertension_medication";
{indexes};
CREATE TEMP TABLE "care_medication_fk_check" ("violations" integer NOT NULL CHECK ("violations" = 0));
INSERT INTO "care_medication_fk_check" SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE "care_medication_fk_check";
COMMIT;
PRAGMA foreign_keys = ON;
"#;

fn checks_of(table: &str) -> String {
    CHECKS
        .iter()
        .filter(|(t, _, _)| *t == table)
        .map(|(_, name, cond)| format!("CONSTRAINT \"{name}\" CHECK ({cond})"))
        .collect::<Vec<_>>()
        .join(",\n  ")
}

async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    manager
        .get_connection()
        .execute_raw(Statement::from_string(backend, sql.to_string()))
        .await
        .map(|_| ())
}

/// Drops every CHECK of `table` (PostgreSQL chose their names; ask `pg_constraint`).
async fn drop_checks(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT conname::text AS name FROM pg_constraint \
             WHERE conrelid = $1::regclass AND contype = 'c'",
            [table.into()],
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get("", "name")?;
        exec(
            manager,
            &format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\""),
        )
        .await?;
    }
    Ok(())
}

/// Renames `old` to `new` with its sequence, primary key and the named foreign keys.
async fn rename(
    manager: &SchemaManager<'_>,
    old: &str,
    new: &str,
    fks: &[&str],
) -> Result<(), DbErr> {
    exec(manager, &format!("ALTER TABLE {old} RENAME TO {new}")).await?;
    exec(
        manager,
        &format!("ALTER SEQUENCE IF EXISTS {old}_id_seq RENAME TO {new}_id_seq"),
    )
    .await?;
    exec(
        manager,
        &format!("ALTER TABLE {new} RENAME CONSTRAINT {old}_pkey TO {new}_pkey"),
    )
    .await?;
    for col in fks {
        exec(
            manager,
            &format!("ALTER TABLE {new} RENAME CONSTRAINT fk_{old}_{col} TO fk_{new}_{col}"),
        )
        .await?;
    }
    Ok(())
}

async fn postgres_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    exec(
        manager,
        "DROP INDEX IF EXISTS ix_hypertension_medication_co_cidadao_status",
    )
    .await?;
    rename(
        manager,
        "hypertension_medication",
        "care_medication",
        &["created_by"],
    )
    .await?;
    rename(
        manager,
        "hypertension_medication_event",
        "care_medication_event",
        &["medication_id", "user_id"],
    )
    .await?;
    for sql in [
        "ALTER TABLE care_medication ADD COLUMN program varchar NOT NULL DEFAULT 'hypertension'",
        "ALTER TABLE care_medication ALTER COLUMN program DROP DEFAULT",
        "ALTER TABLE care_medication ADD COLUMN drug varchar NULL",
        "ALTER TABLE care_medication ADD COLUMN unit varchar NOT NULL DEFAULT 'comprimido'",
        "ALTER TABLE care_medication ALTER COLUMN unit DROP DEFAULT",
        "ALTER TABLE care_medication ADD COLUMN schedule varchar NULL",
        "ALTER TABLE care_medication ADD COLUMN replaces_id bigint NULL",
        "ALTER TABLE care_medication ADD CONSTRAINT fk_care_medication_replaces_id \
         FOREIGN KEY (replaces_id) REFERENCES care_medication (id) ON DELETE SET NULL",
    ] {
        exec(manager, sql).await?;
    }
    drop_checks(manager, "care_medication").await?;
    drop_checks(manager, "care_medication_event").await?;
    for (table, name, cond) in CHECKS {
        exec(
            manager,
            &format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({cond})"),
        )
        .await?;
    }
    for sql in INDEXES {
        exec(manager, sql).await?;
    }
    Ok(())
}

async fn sqlite_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let script = SQLITE_REBUILD
        .replace("{medication_checks}", &checks_of("care_medication"))
        .replace("{event_checks}", &checks_of("care_medication_event"))
        .replace("{indexes}", &INDEXES.join(";\n"));
    manager.get_connection().execute_unprepared(&script).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(manager).await,
            _ => postgres_up(manager).await,
        }
    }

    /// No way down: the old tables cannot hold other programmes' drugs, insulin or replaced
    /// rows. Restore the backup taken before the upgrade instead.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "care_medication cannot go back to hypertension_medication (it holds every \
             programme's drugs); restore the backup taken before the upgrade"
                .into(),
        ))
    }
}
