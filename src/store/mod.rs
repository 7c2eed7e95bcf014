//! Entities of the application's own tables (schema `sistemaaps` on PostgreSQL).

pub mod api_token;
pub mod app_user;
pub mod audit_head;
pub mod audit_log;
pub mod audit_log_person;
pub mod hypertension_summary;
pub mod hypertension_team;
pub mod login_throttle;
pub mod read_model_status;
pub mod user_assignment;
pub mod user_session;
