//! Identical writes sent in parallel (a double click, a retrying integrator) must create one
//! row, not several: the database enforces it, not only a check-then-insert in the app.
//!
//! * `ux_hypertension_action_one_pending`: at most one **pending** action of a kind per person
//!   (partial unique index on `(co_cidadao, action_type) WHERE status = 'pending'`).
//! * `ux_hypertension_action_mrpa_day`: at most one **MRPA evaluation done** per person and
//!   day (`(co_cidadao, done_date) WHERE status = 'done' AND action_type = 'avaliar_mrpa'`).
//!   An annulled evaluation has status `cancelled`, so a corrected MRPA can be entered again.
//!
//! Duplicates written before this migration would make the indexes fail to build, so they are
//! resolved first, keeping the history: of several pending actions of a kind the earliest
//! (due date, then id) stays and the others are cancelled with a reason; of several MRPA
//! evaluations of a day the first (lowest id) stays and the others are annulled with a reason.
//! Both statements and indexes are the same SQL on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Cancels every pending action that has an earlier pending one of the same kind.
const CANCEL_DUPLICATE_PENDING: &str = "UPDATE hypertension_action SET status = 'cancelled', \
     cancel_reason = 'Ação pendente duplicada, cancelada automaticamente (atualização do sistema).', \
     updated_at = {now} \
     WHERE status = 'pending' AND EXISTS (SELECT 1 FROM hypertension_action o \
       WHERE o.co_cidadao = hypertension_action.co_cidadao \
       AND o.action_type = hypertension_action.action_type AND o.status = 'pending' \
       AND (o.due_date < hypertension_action.due_date \
            OR (o.due_date = hypertension_action.due_date AND o.id < hypertension_action.id)))";

/// Annuls every MRPA evaluation that repeats an earlier one of the same person and day.
const ANNUL_DUPLICATE_MRPA: &str = "UPDATE hypertension_action SET status = 'cancelled', \
     annulled_at = {now}, \
     annul_reason = 'Registro duplicado da mesma MRPA no mesmo dia, anulado automaticamente (atualização do sistema).', \
     updated_at = {now} \
     WHERE status = 'done' AND action_type = 'avaliar_mrpa' AND EXISTS (SELECT 1 FROM hypertension_action o \
       WHERE o.co_cidadao = hypertension_action.co_cidadao AND o.done_date = hypertension_action.done_date \
       AND o.action_type = 'avaliar_mrpa' AND o.status = 'done' AND o.id < hypertension_action.id)";

const INDEXES: [(&str, &str); 2] = [
    (
        "ux_hypertension_action_one_pending",
        "CREATE UNIQUE INDEX ux_hypertension_action_one_pending ON hypertension_action \
         (co_cidadao, action_type) WHERE status = 'pending'",
    ),
    (
        "ux_hypertension_action_mrpa_day",
        "CREATE UNIQUE INDEX ux_hypertension_action_mrpa_day ON hypertension_action \
         (co_cidadao, done_date) WHERE status = 'done' AND action_type = 'avaliar_mrpa'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // The timestamp as each backend stores a `timestamptz` written by the app.
        let now = match backend {
            DbBackend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
            _ => "CURRENT_TIMESTAMP",
        };
        for sql in [CANCEL_DUPLICATE_PENDING, ANNUL_DUPLICATE_MRPA] {
            db.execute_raw(Statement::from_string(backend, sql.replace("{now}", now)))
                .await?;
        }
        for (_, sql) in INDEXES {
            db.execute_raw(Statement::from_string(backend, sql)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table("hypertension_action")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
