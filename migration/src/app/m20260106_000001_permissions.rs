//! Permissions per action: the profession of a user (what a physician or a nurse may do that
//! others may not), and annulment of a completed action — a completed record is never deleted,
//! it is annulled with a reason, by someone, at a time.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        manager
            .alter_table(
                Table::alter()
                    .table("app_user")
                    .add_column(varchar_null("profession"))
                    .to_owned(),
            )
            .await?;
        for col in [
            timestamptz_null("annulled_at"),
            bigint_null("annulled_by"),
            text_null("annul_reason"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("hypertension_action")
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["annulled_at", "annulled_by", "annul_reason"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("hypertension_action")
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("app_user")
                    .drop_column("profession")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
