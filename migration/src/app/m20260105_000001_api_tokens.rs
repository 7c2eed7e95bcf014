//! API tokens for integrators: bound to a user (whose role and scope they act with), named,
//! with an expiry; only the SHA-256 of the secret is stored, with a short visible prefix.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn timestamptz(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut token = table(
            "api_token",
            vec![
                ColumnDef::new("id")
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key()
                    .to_owned(),
                bigint("user_id"),
                varchar("name"),
                // The first characters of the token, shown in lists to recognise it.
                varchar("prefix"),
                // SHA-256 (hex) of the whole token: a stolen database yields no live token.
                ColumnDef::new("token_hash")
                    .string()
                    .not_null()
                    .unique_key()
                    .to_owned(),
                bigint_null("created_by"),
                timestamptz("created_at"),
                timestamptz("expires_at"),
                timestamptz_null("last_used_at"),
                timestamptz_null("revoked_at"),
            ],
            &[],
        );
        token.foreign_key(
            ForeignKey::create()
                .name("fk_api_token_user")
                .from("api_token", "user_id")
                .to("app_user", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
        token.check(Expr::col("expires_at").gt(Expr::col("created_at")));
        manager.create_table(token).await?;
        manager
            .create_index(index("api_token", &["user_id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_token").if_exists().to_owned())
            .await?;
        Ok(())
    }
}
