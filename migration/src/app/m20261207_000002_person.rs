//! The person read model: every citizen of the PEC (not only those on a programme's list) with
//! identity, team and micro-area (latest link, current registration), household and search
//! text. Person search, the person page and the territory read it.

use crate::util::*;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(table(
                "person",
                vec![
                    ColumnDef::new("co_seq_cidadao")
                        .big_integer()
                        .not_null()
                        .primary_key()
                        .to_owned(),
                    varchar("no_cidadao"),
                    varchar("search_text"),
                    varchar_null("nu_cns"),
                    varchar_null("nu_cpf"),
                    date_null("dt_nascimento"),
                    varchar_null("sexo"),
                    varchar_null("nu_telefone"),
                    varchar_null("nu_ine"),
                    varchar_null("no_equipe"),
                    varchar_null("nu_cnes"),
                    boolean("team_active"),
                    varchar_null("micro_area"),
                    boolean("active"),
                    boolean("deceased"),
                    boolean("registration_inactive"),
                    varchar_null("household_street"),
                    varchar_null("household_number"),
                    varchar_null("household_district"),
                    date("as_of"),
                ],
                &[],
            ))
            .await?;
        for cols in [
            &["nu_ine", "micro_area"][..],
            &["nu_cnes"][..],
            &["nu_cns"][..],
            &["nu_cpf"][..],
            &["no_cidadao"][..],
        ] {
            manager.create_index(index("person", cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("person").if_exists().to_owned())
            .await
    }
}
