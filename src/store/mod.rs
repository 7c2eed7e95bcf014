//! Entities of the application's own tables (schema `sistemaaps` on PostgreSQL).

pub mod hypertension_summary;
pub mod hypertension_team;
pub mod read_model_status;
