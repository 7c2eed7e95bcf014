//! Hypertension program: who is hypertensive, how their blood pressure and the C5 good
//! practices stand, and the worklist built from that.

pub mod read_model;
pub mod worklist;

/// Name of this program's read model in `read_model_status`.
pub const READ_MODEL: &str = "hypertension";
