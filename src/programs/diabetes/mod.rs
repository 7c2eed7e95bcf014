//! Diabetes programme (indicator C4): who has diabetes, their latest HbA1c and glycaemic
//! control against an age-appropriate target, the C4 good practices with the day by which each
//! missing one must happen, the worklist built from that.

pub mod followup;
pub mod read_model;
pub mod worklist;

/// Name of this programme's read model in `read_model_status`.
pub const READ_MODEL: &str = "diabetes";

/// The programme's entry in the registry (`programs::ALL`).
pub static PROGRAM: crate::programs::ProgramDef = crate::programs::ProgramDef {
    key: READ_MODEL,
    name: "Diabetes",
    path: "/diabeticos",
    population: crate::programs::Population::Coded(&crate::clinical::diabetes::POPULATION),
    refresh: |db, today, catalogue| Box::pin(read_model::refresh(db, today, catalogue)),
    refresh_in: |txn, today, catalogue| Box::pin(read_model::refresh(txn, today, catalogue)),
    listed: |db, id| Box::pin(read_model::listed(db, id)),
};
