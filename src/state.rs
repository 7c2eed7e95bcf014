//! `AppState`: what every handler, job and command shares (database, configuration, the PEC
//! catalogue as last resolved). Outside `web`, so `api`, `telemetry` and `cli` need not import
//! the web layer to reach it.

use std::sync::{Arc, RwLock};

use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::esus::catalogue;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// The last resolution of the PEC catalogue (`None` before the first one).
    catalogue: Arc<RwLock<Option<Arc<catalogue::Report>>>>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Arc<Config>) -> AppState {
        AppState {
            db,
            config,
            catalogue: Arc::new(RwLock::new(None)),
        }
    }

    /// Today in the configured time zone (the PEC stores local dates).
    pub fn today(&self) -> chrono::NaiveDate {
        Utc::now()
            .with_timezone(&self.config.time_zone)
            .date_naive()
    }

    /// Resolves the PEC catalogue again, keeps the result and returns it.
    pub async fn resolve_catalogue(&self) -> Arc<catalogue::Report> {
        let report = Arc::new(catalogue::resolve(&self.db, &self.config.pec.catalogue).await);
        for problem in report.problems() {
            tracing::error!(%problem, "PEC catalogue entry unresolved; nothing is computed on a guess");
        }
        if let Ok(mut slot) = self.catalogue.write() {
            *slot = Some(report.clone());
        }
        report
    }

    /// The last resolution of the PEC catalogue, if any.
    pub fn catalogue_report(&self) -> Option<Arc<catalogue::Report>> {
        self.catalogue.read().ok().and_then(|slot| slot.clone())
    }

    /// The resolved catalogue: the last resolution when it is complete, else a new one.
    pub async fn catalogue(&self) -> Option<catalogue::Catalogue> {
        match self.catalogue_report().and_then(|r| r.catalogue()) {
            Some(c) => Some(c),
            None => self.resolve_catalogue().await.catalogue(),
        }
    }
}
