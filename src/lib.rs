//! Sistema APS: nominal worklists, follow-up and indicators for primary-care teams, on top of
//! the e-SUS APS PEC database. See `ARCHITECTURE.md` in the design notes for the layout.

pub mod api;
pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod care;
pub mod cli;
pub mod clinical;
pub mod config;
pub mod db;
pub mod drain;
pub mod esus;
pub mod export;
pub mod http;
pub mod print;
pub mod probe;
pub mod programs;
pub mod seed;
pub mod state;
pub mod store;
pub mod systemd;
pub mod telemetry;
pub mod territory;
pub mod text;
pub mod web;
