//! One follow-up action table for every programme: `hypertension_action` becomes
//! `care_action` with a `program` column (existing rows are `'hypertension'`). The action kind
//! (`action_type`) is no longer a CHECK listing hypertension's keys: each programme's catalogue
//! checks it in code (`care::followup`), and a test checks every stored key against its
//! programme's catalogue. Ids are kept, so every detail table's foreign key (MRPA, exams,
//! cardiovascular risk, treatment change, nutrition, cardiology) and the self reference
//! (`origin_id`) still point at the same rows. The partial unique indexes are rebuilt per
//! programme: one pending action per (program, person, kind), one MRPA evaluation per person
//! and day.
//!
//! Also adds `care_action_step` (the checklist of an action, for the diabetes module's
//! sub-tasks) and `diabetes_evaluation` (what a diabetes evaluation records).
//!
//! How each backend does it:
//! * **PostgreSQL** runs every migration inside a transaction (sea-orm-migration 2:
//!   `use_transaction()` defaults to a transaction on PostgreSQL only), so the rename, the new
//!   column, dropping the CHECK by the name `pg_constraint` gives it and the index rebuild
//!   commit together or not at all.
//! * **SQLite** cannot drop a CHECK and runs migrations without a transaction on a pool, where
//!   each statement may take another connection. The table is rebuilt the SQLite way in one
//!   script on one connection (`PRAGMA foreign_keys=OFF` only works outside a transaction and
//!   on the connection that runs the rebuild): create the new table, copy, drop the old, rename
//!   the new to the old name, then rename that to `care_action` so the children's foreign keys
//!   follow (SQLite ≥ 3.26 rewrites them), recreate the indexes, refuse to commit when
//!   `foreign_key_check` finds anything, commit, foreign keys back on. A failure leaves the
//!   connection inside the transaction; the pool closes such a connection instead of handing
//!   it out (`db::connect`), which rolls the rebuild back.

use crate::util::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes of `care_action`, the same SQL on both backends.
const INDEXES: [&str; 4] = [
    "CREATE INDEX ix_care_action_co_cidadao_status_due_date ON care_action \
     (co_cidadao, status, due_date)",
    "CREATE UNIQUE INDEX ux_care_action_origin_type ON care_action (origin_id, action_type)",
    "CREATE UNIQUE INDEX ux_care_action_one_pending ON care_action \
     (program, co_cidadao, action_type) WHERE status = 'pending'",
    "CREATE UNIQUE INDEX ux_care_action_mrpa_day ON care_action (co_cidadao, done_date) \
     WHERE status = 'done' AND program = 'hypertension' AND action_type = 'avaliar_mrpa'",
];

/// The indexes of `hypertension_action` the rebuild replaces.
const OLD_INDEXES: [&str; 4] = [
    "ix_hypertension_action_co_cidadao_status_due_date",
    "ux_hypertension_action_origin_type",
    "ux_hypertension_action_one_pending",
    "ux_hypertension_action_mrpa_day",
];

/// The SQLite rebuild (see the module comment). The column types are those sea-query gave
/// `hypertension_action`, so the entity reads the copied rows exactly as before.
const SQLITE_REBUILD: &str = r#"
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE "care_action_new" (
  "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "program" varchar NOT NULL,
  "co_cidadao" integer NOT NULL,
  "action_type" varchar NOT NULL,
  "status" varchar NOT NULL,
  "due_date" date_text NOT NULL,
  "done_date" date_text NULL,
  "origin_id" integer NULL,
  "notes" text NULL,
  "cancel_reason" text NULL,
  "created_by" integer NOT NULL,
  "done_by" integer NULL,
  "created_at" timestamp_with_timezone_text NOT NULL,
  "updated_at" timestamp_with_timezone_text NOT NULL,
  "annulled_at" timestamp_with_timezone_text NULL,
  "annulled_by" integer NULL,
  "annul_reason" text NULL,
  FOREIGN KEY ("origin_id") REFERENCES "hypertension_action" ("id") ON DELETE SET NULL,
  FOREIGN KEY ("created_by") REFERENCES "app_user" ("id") ON DELETE RESTRICT,
  FOREIGN KEY ("done_by") REFERENCES "app_user" ("id") ON DELETE RESTRICT,
  CHECK ("status" IN ('pending', 'done', 'cancelled')),
  CHECK ("status" <> 'done' OR "done_date" IS NOT NULL)
);
INSERT INTO "care_action_new" ("id", "program", "co_cidadao", "action_type", "status",
  "due_date", "done_date", "origin_id", "notes", "cancel_reason", "created_by", "done_by",
  "created_at", "updated_at", "annulled_at", "annulled_by", "annul_reason")
SELECT "id", 'hypertension', "co_cidadao", "action_type", "status", "due_date", "done_date",
  "origin_id", "notes", "cancel_reason", "created_by", "done_by", "created_at", "updated_at",
  "annulled_at", "annulled_by", "annul_reason"
FROM "hypertension_action";
DROP TABLE "hypertension_action";
ALTER TABLE "care_action_new" RENAME TO "hypertension_action";
ALTER TABLE "hypertension_action" RENAME TO "care_action";
{indexes};
CREATE TEMP TABLE "care_action_fk_check" ("violations" integer NOT NULL CHECK ("violations" = 0));
INSERT INTO "care_action_fk_check" SELECT COUNT(*) FROM pragma_foreign_key_check;
DROP TABLE "care_action_fk_check";
COMMIT;
PRAGMA foreign_keys = ON;
"#;

async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    manager
        .get_connection()
        .execute_raw(Statement::from_string(backend, sql.to_string()))
        .await
        .map(|_| ())
}

/// PostgreSQL: rename in place (ids, sequences and foreign keys follow by OID).
async fn postgres_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for name in OLD_INDEXES {
        exec(manager, &format!("DROP INDEX IF EXISTS {name}")).await?;
    }
    for sql in [
        "ALTER TABLE hypertension_action RENAME TO care_action",
        "ALTER SEQUENCE IF EXISTS hypertension_action_id_seq RENAME TO care_action_id_seq",
        "ALTER TABLE care_action RENAME CONSTRAINT hypertension_action_pkey TO care_action_pkey",
        "ALTER TABLE care_action ADD COLUMN program varchar NOT NULL DEFAULT 'hypertension'",
        "ALTER TABLE care_action ALTER COLUMN program DROP DEFAULT",
    ] {
        exec(manager, sql).await?;
    }
    for col in ["origin_id", "created_by", "done_by"] {
        exec(
            manager,
            &format!(
                "ALTER TABLE care_action RENAME CONSTRAINT fk_hypertension_action_{col} \
                 TO fk_care_action_{col}"
            ),
        )
        .await?;
    }
    // The CHECK on the kind has the name PostgreSQL chose; ask the catalogue for it.
    let checks = manager
        .get_connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT conname::text AS name FROM pg_constraint \
             WHERE conrelid = 'care_action'::regclass AND contype = 'c' \
             AND pg_get_constraintdef(oid) LIKE '%action_type%'",
        ))
        .await?;
    if checks.is_empty() {
        return Err(DbErr::Migration(
            "care_action: the CHECK on action_type was not found in pg_constraint".into(),
        ));
    }
    for row in checks {
        let name: String = row.try_get("", "name")?;
        exec(
            manager,
            &format!("ALTER TABLE care_action DROP CONSTRAINT \"{name}\""),
        )
        .await?;
    }
    for sql in INDEXES {
        exec(manager, sql).await?;
    }
    Ok(())
}

/// SQLite: the rebuild script, as one statement batch on one connection.
async fn sqlite_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let script = SQLITE_REBUILD.replace("{indexes}", &INDEXES.join(";\n"));
    manager.get_connection().execute_unprepared(&script).await?;
    Ok(())
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn fk(
    t: &mut TableCreateStatement,
    table: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) {
    t.foreign_key(
        ForeignKey::create()
            .name(format!("fk_{table}_{col}"))
            .from(table, col)
            .to(to, "id")
            .on_delete(on_delete),
    );
}

/// The checklist steps of an action and the diabetes evaluation record.
async fn create_children(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut step = table(
        "care_action_step",
        vec![
            id(),
            bigint("action_id"),
            int("position"),
            ColumnDef::new("text").text().not_null().to_owned(),
            ColumnDef::new("mandatory").boolean().not_null().to_owned(),
            timestamptz_null("done_at"),
            bigint_null("done_by"),
        ],
        &[],
    );
    step.check(Expr::col("position").gte(1));
    fk(
        &mut step,
        "care_action_step",
        "action_id",
        "care_action",
        ForeignKeyAction::Cascade,
    );
    fk(
        &mut step,
        "care_action_step",
        "done_by",
        "app_user",
        ForeignKeyAction::Restrict,
    );
    manager.create_table(step).await?;
    manager
        .create_index(
            Index::create()
                .name("ux_care_action_step_position")
                .table("care_action_step")
                .col("action_id")
                .col("position")
                .unique()
                .to_owned(),
        )
        .await?;

    let mut eval = table(
        "diabetes_evaluation",
        vec![
            id(),
            ColumnDef::new("action_id")
                .big_integer()
                .not_null()
                .unique_key()
                .to_owned(),
            bigint("co_cidadao"),
            ColumnDef::new("hba1c").double().null().to_owned(),
            ColumnDef::new("fasting_glucose").double().null().to_owned(),
            ColumnDef::new("mean_glucose").double().null().to_owned(),
            date_null("exam_date"),
            varchar("control"),
            text_null("proposed_change"),
        ],
        &[],
    );
    eval.check(Expr::col("control").is_in(["adequado", "aceitavel", "descompensado"]));
    fk(
        &mut eval,
        "diabetes_evaluation",
        "action_id",
        "care_action",
        ForeignKeyAction::Cascade,
    );
    manager.create_table(eval).await?;
    manager
        .create_index(index("diabetes_evaluation", &["co_cidadao", "exam_date"]))
        .await?;
    // The diabetes read model's follow-up columns (one per statement for SQLite).
    for col in [
        varchar_null("next_action_type"),
        date_null("next_action_due"),
        ColumnDef::new("pending_actions")
            .integer()
            .not_null()
            .default(0)
            .to_owned(),
        date_null("last_evaluation_date"),
        varchar_null("last_evaluation_control"),
    ] {
        let mut col = col;
        manager
            .alter_table(
                Table::alter()
                    .table("diabetes_summary")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(manager).await?,
            _ => postgres_up(manager).await?,
        }
        create_children(manager).await
    }

    /// Down only where every action is hypertension's (the old table had no `program`).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            "next_action_type",
            "next_action_due",
            "pending_actions",
            "last_evaluation_date",
            "last_evaluation_control",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("diabetes_summary")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for name in ["diabetes_evaluation", "care_action_step"] {
            manager
                .drop_table(Table::drop().table(name).if_exists().to_owned())
                .await?;
        }
        let others = manager
            .get_connection()
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM care_action WHERE program <> 'hypertension'",
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or_default();
        if others > 0 {
            return Err(DbErr::Migration(format!(
                "care_action holds {others} actions of other programmes; hypertension_action cannot hold them"
            )));
        }
        for sql in [
            "DROP INDEX ux_care_action_one_pending",
            "DROP INDEX ux_care_action_mrpa_day",
            "ALTER TABLE care_action RENAME TO hypertension_action",
            "CREATE UNIQUE INDEX ux_hypertension_action_one_pending ON hypertension_action \
             (co_cidadao, action_type) WHERE status = 'pending'",
            "CREATE UNIQUE INDEX ux_hypertension_action_mrpa_day ON hypertension_action \
             (co_cidadao, done_date) WHERE status = 'done' AND action_type = 'avaliar_mrpa'",
            "ALTER TABLE hypertension_action DROP COLUMN program",
        ] {
            exec(manager, sql).await?;
        }
        // The kind is no longer CHECKed: harmless to the older code.
        Ok(())
    }
}
