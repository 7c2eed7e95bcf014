//! The care platform: what every programme shares. `person` is the read model of every
//! citizen (identity, team, micro-area, household, search text) the programmes start from;
//! `search` parses what people type in a search box; `status` records each read model's age.

pub mod evidence;
pub mod followup;
pub mod indicator;
pub mod person;
pub mod population;
pub mod quality;
pub mod search;
pub mod status;
pub mod treatment;
pub mod worklist;
