//! Sistema APS: nominal worklists, follow-up and indicators for primary-care teams, on top of
//! the e-SUS APS PEC database. See `ARCHITECTURE.md` in the design notes for the layout.

pub mod clinical;
pub mod seed;
