//! Hypertension program: who is hypertensive, how their blood pressure and the C5 good
//! practices stand, the worklist built from that, and the follow-up the team records:
//! actions (`actions`), treatment plan (`treatment`), the patient page (`patient`) and the
//! read-model columns they keep current (`followup`).

pub mod acs;
pub mod actions;
pub mod documents;
pub mod followup;
pub mod patient;
pub mod read_model;
pub mod treatment;
pub mod worklist;

/// The worklist page.
pub const PATH: &str = "/hipertensos";

/// Name of this program's read model in `read_model_status`.
pub const READ_MODEL: &str = "hypertension";

/// The programme's entry in the registry (`programs::ALL`).
pub static PROGRAM: crate::programs::ProgramDef = crate::programs::ProgramDef {
    key: READ_MODEL,
    name: "Hipertensão",
    path: PATH,
    population: crate::programs::Population::Coded(&crate::clinical::codes::HYPERTENSION_C5),
    refresh: |db, today, catalogue| Box::pin(read_model::refresh(db, today, catalogue)),
    refresh_in: |txn, today, catalogue| Box::pin(read_model::refresh(txn, today, catalogue)),
    listed: |db, id| Box::pin(read_model::listed(db, id)),
    unverified: &[],
    indicator: Some(crate::care::indicator::Source {
        def: &crate::clinical::c5::C5,
        table: "hypertension_summary",
        points: "c5_points",
        practices: &["c5_visit", "c5_bp", "c5_anthropometry", "c5_acs_visits"],
    }),
};
