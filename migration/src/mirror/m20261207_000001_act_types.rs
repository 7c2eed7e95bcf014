//! The catalogue of professional act types, `tb_tipo_atend_prof`, that
//! `tb_atend_prof.tp_atend_prof` points to. The app resolves the "escuta inicial" row of it by
//! name (an initial listening is not a consultation for C2–C7), never by a surrogate id.
//!
//! PEC fact, observed on PEC 5.5.22 (`esus-schema.md` §3.6) and unverified on other versions:
//! the table has only `co_tipo_atend_prof` and `no_tipo_atend_prof` (no natural identifier);
//! `sistema-aps pec check` reports what this installation holds.

use crate::util::*;
use sea_orm_migration::prelude::*;

pub const TABLES: &[&str] = &["tb_tipo_atend_prof"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(table(
                "tb_tipo_atend_prof",
                vec![pk("co_tipo_atend_prof"), varchar("no_tipo_atend_prof")],
                &[],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("tb_tipo_atend_prof")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
