//! The diabetes programme's read model: one row per person with diabetes (C4 population),
//! with the latest HbA1c, glycaemic control and the C4 practices.

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
                "diabetes_summary",
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
                    varchar("nu_ine"),
                    varchar("no_equipe"),
                    varchar_null("nu_cnes"),
                    varchar_null("micro_area"),
                    ColumnDef::new("last_hba1c").double().null().to_owned(),
                    date_null("last_hba1c_date"),
                    varchar("hba1c_target"),
                    varchar("control_status"),
                    date_null("last_visit_date"),
                    date_null("last_bp_date"),
                    boolean("c4_a"),
                    boolean("c4_b"),
                    boolean("c4_c"),
                    boolean("c4_d"),
                    boolean("c4_e"),
                    boolean("c4_f"),
                    int("c4_points"),
                    text_null("c4_due"),
                    date_null("next_due"),
                    text_null("hba1c_history"),
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
            &["control_status"][..],
            &["no_cidadao"][..],
        ] {
            manager
                .create_index(index("diabetes_summary", cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("diabetes_summary")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
