//! Diabetes programme (indicator C4): who has diabetes, their latest HbA1c and glycaemic
//! control against an age-appropriate target, the C4 good practices with the day by which each
//! missing one must happen, the worklist built from that.

pub mod followup;
pub mod read_model;
pub mod treatment;
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
    unverified: &[crate::programs::Unverified {
        fact: "C4-F (avaliação dos pés) é lida dos pedidos de exame com o código SIGTAP \
               03.01.04.009-5; se este PEC registra a avaliação só como procedimento do \
               atendimento, a prática F fica subcontada",
        counted: "pedidos de exame com o código da avaliação dos pés",
        probe: "SELECT COUNT(*) AS n FROM tb_exame_requisitado er \
                JOIN tb_proced p ON p.co_seq_proced = er.co_proced \
                WHERE REPLACE(REPLACE(TRIM(p.co_proced), '.', ''), '-', '') = '0301040095'",
    }],
    indicator: Some(crate::care::indicator::Source {
        def: &crate::clinical::c4::C4,
        table: "diabetes_summary",
        points: "c4_points",
        practices: &["c4_a", "c4_b", "c4_c", "c4_d", "c4_e", "c4_f"],
    }),
};
