//! Per-team totals of the hypertension read model, so the team selector does not aggregate
//! the whole municipality on every page view.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(table(
                "hypertension_team",
                vec![
                    ColumnDef::new("nu_ine")
                        .string()
                        .not_null()
                        .primary_key()
                        .to_owned(),
                    varchar("no_equipe"),
                    bigint("people"),
                ],
                &[],
            ))
            .await?;
        // Fill it from the summary already in place, so an upgrade needs no refresh.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO hypertension_team (nu_ine, no_equipe, people) \
                 SELECT nu_ine, MIN(no_equipe), COUNT(*) FROM hypertension_summary GROUP BY nu_ine",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("hypertension_team")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
