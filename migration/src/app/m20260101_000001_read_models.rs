//! Read models: per-person summaries derived from the PEC by a background job, so that a
//! worklist over a whole municipality is an indexed query instead of a recomputation.

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
                "read_model_status",
                vec![
                    ColumnDef::new("name")
                        .string()
                        .not_null()
                        .primary_key()
                        .to_owned(),
                    ColumnDef::new("refreshed_at")
                        .timestamp_with_time_zone()
                        .not_null()
                        .to_owned(),
                    date("as_of"),
                    bigint("duration_ms"),
                    bigint("row_count"),
                ],
                &[],
            ))
            .await?;

        let mut summary = table(
            "hypertension_summary",
            vec![
                pk("co_seq_cidadao"),
                varchar("no_cidadao"),
                varchar("search_text"),
                varchar_null("nu_cns"),
                varchar_null("nu_cpf"),
                date_null("dt_nascimento"),
                varchar_null("sexo"),
                varchar("nu_ine"),
                varchar("no_equipe"),
                varchar_null("micro_area"),
                int_null("last_bp_systolic"),
                int_null("last_bp_diastolic"),
                date_null("last_bp_date"),
                date_null("last_visit_date"),
                varchar("control_status"),
                boolean("c5_visit"),
                boolean("c5_bp"),
                boolean("c5_anthropometry"),
                boolean("c5_acs_visits"),
                int("c5_points"),
                date("as_of"),
            ],
            &[],
        );
        summary.check(Expr::col("control_status").is_in([
            "controlled",
            "uncontrolled",
            "no_recent_reading",
        ]));
        summary.check(Expr::col("c5_points").between(0, 100));
        manager.create_table(summary).await?;
        manager
            .create_index(index("hypertension_summary", &["nu_ine", "no_cidadao"]))
            .await?;
        manager
            .create_index(index("hypertension_summary", &["nu_ine", "micro_area"]))
            .await?;
        manager
            .create_index(index("hypertension_summary", &["no_cidadao"]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["hypertension_summary", "read_model_status"] {
            manager
                .drop_table(Table::drop().table(name).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
