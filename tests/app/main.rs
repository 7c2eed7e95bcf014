//! Integration tests through the real application: one binary, modules per area. Every test
//! runs on SQLite, and on PostgreSQL too when `APS_TEST_DATABASE_URL` is set.

mod api;
mod api_diabetes;
mod api_followup;
mod auth;
mod backup;
mod care_action;
mod catalogue;
mod cli;
mod corrupt_pec;
mod diabetes;
mod diabetes_followup;
mod diabetes_web;
mod documents;
mod fixture;
mod followup;
mod health;
mod helpers;
mod hypertension;
mod limits;
mod logs;
mod mirror;
mod observability;
mod patient;
mod permissions;
mod person;
mod postgres_grants;
mod team;
mod treatment;
mod treatment_migration;
mod web_shell;
mod writes;
