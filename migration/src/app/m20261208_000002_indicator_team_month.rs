//! Each indicator's result per team and month in one table (`indicator_team_month`), written
//! by every programme's refresh through `care::indicator`, instead of one table per programme
//! (`hypertension_team_month` goes: it is derived data, rebuilt at the next refresh).

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut month = table(
            "indicator_team_month",
            vec![
                varchar("indicator"),
                varchar("nu_ine"),
                date("month_end"),
                bigint("people"),
                bigint("points"),
            ],
            &[],
        );
        month.primary_key(
            Index::create()
                .col("indicator")
                .col("nu_ine")
                .col("month_end"),
        );
        manager.create_table(month).await?;
        manager
            .drop_table(
                Table::drop()
                    .table("hypertension_team_month")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut month = table(
            "hypertension_team_month",
            vec![
                varchar("nu_ine"),
                date("month_end"),
                bigint("people"),
                bigint("points"),
            ],
            &[],
        );
        month.primary_key(Index::create().col("nu_ine").col("month_end"));
        manager.create_table(month).await?;
        manager
            .drop_table(
                Table::drop()
                    .table("indicator_team_month")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
