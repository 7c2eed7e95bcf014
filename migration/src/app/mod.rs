//! The application's own tables. On PostgreSQL they live in schema `sistemaaps` (the
//! connection's `search_path` puts it first); on SQLite in the main database.

use sea_orm_migration::prelude::*;

mod m20260101_000001_read_models;
mod m20260102_000001_team_summary;
mod m20260103_000001_access_control;
mod m20260104_000001_hypertension_followup;
mod m20260105_000001_api_tokens;
mod m20260106_000001_permissions;
mod m20260107_000001_audit_token;
mod m20260108_000001_unique_writes;
mod m20261207_000002_person;
mod m20261207_000003_diabetes;
mod m20261208_000001_care_action;
mod m20261208_000002_indicator_team_month;
mod m20261209_000001_care_medication;

pub struct AppMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AppMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_read_models::Migration),
            Box::new(m20260102_000001_team_summary::Migration),
            Box::new(m20260103_000001_access_control::Migration),
            Box::new(m20260104_000001_hypertension_followup::Migration),
            Box::new(m20260105_000001_api_tokens::Migration),
            Box::new(m20260106_000001_permissions::Migration),
            Box::new(m20260107_000001_audit_token::Migration),
            Box::new(m20260108_000001_unique_writes::Migration),
            Box::new(m20261207_000002_person::Migration),
            Box::new(m20261207_000003_diabetes::Migration),
            Box::new(m20261208_000001_care_action::Migration),
            Box::new(m20261208_000002_indicator_team_month::Migration),
            Box::new(m20261209_000001_care_medication::Migration),
        ]
    }
}
