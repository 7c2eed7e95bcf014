//! Every route of the web interface, in one place.

pub const HOME: &str = "/";
pub const HYPERTENSION: &str = "/hipertensos";
pub const HEALTH: &str = "/health";
pub const READY: &str = "/ready";
