//! Entities of the application's own tables (schema `sistemaaps` on PostgreSQL).

pub mod api_token;
pub mod app_user;
pub mod audit_head;
pub mod audit_log;
pub mod audit_log_person;
pub mod care_action;
pub mod care_action_step;
pub mod care_medication;
pub mod care_medication_event;
pub mod diabetes_evaluation;
pub mod diabetes_summary;
pub mod hypertension_cardiology;
pub mod hypertension_cv_risk;
pub mod hypertension_exam_result;
pub mod hypertension_mrpa;
pub mod hypertension_mrpa_reading;
pub mod hypertension_nutrition;
pub mod hypertension_summary;
pub mod hypertension_team;
pub mod hypertension_treatment_change;
pub mod indicator_team_month;
pub mod login_throttle;
pub mod person;
pub mod read_model_status;
pub mod user_assignment;
pub mod user_session;
