//! The diabetes follow-up cycle: the action catalogue, each action's checklist and what
//! completing it schedules next.
//!
//! Provenance: the reference system's DM module (functional specification §1.7, "DM action
//! catalog", "Register modal", automatic chaining, subtask templates), with its defects fixed:
//! * one status set for every programme (pending, done, cancelled) — the reference mixed
//!   `AGUARDANDO` and `PENDENTE` for "not done yet" and `FINALIZADO` for "done";
//! * the legacy duplicates 6 (Finalizar, legacy) and 9 (Agendar, legacy) are gone: 12 and 1
//!   are the only ways to finish and to start;
//! * completing needs **every** mandatory step (the reference enabled "Concluir" with one);
//!   5's two steps are the template, not hard-coded beside it;
//! * an evaluation (4) schedules what follows (the reference stopped there): see
//!   [`next_actions`]; counters read the **latest** evaluation, not any (read model);
//! * deleting never fails on an action referenced as origin (`care_action.origin_id` is
//!   `ON DELETE SET NULL`).
//!
//! Cycle: 1 Agendar → (same day) 2 Aguardando coleta [4 steps] → 4 Avaliar tratamento →
//! {adequado → (180 d) 1 | aceitável → (90 d) 1 | descompensado → 5 Modificar tratamento →
//! (30 d) 2 …}; 7 endocrinology and 8 nutrition referrals stand alone; 12 finishes.

use chrono::{Days, NaiveDate};

/// A step of an action's checklist: (text, mandatory).
pub type Step = (&'static str, bool);

/// The kinds of the catalogue (the reference's numbers in the comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DmAction {
    /// 1
    Schedule,
    /// 2
    AwaitExams,
    /// 4
    Evaluate,
    /// 5
    ModifyTreatment,
    /// 7
    ReferEndocrinology,
    /// 8
    ReferNutrition,
    /// 12
    Finish,
}

/// Days from an evaluation to the next follow-up, by control (see [`next_actions`]).
pub const ADEQUATE_NEXT_DAYS: u64 = 180;
pub const ACCEPTABLE_NEXT_DAYS: u64 = 90;
/// Days from a treatment change to the next collection (reference: realisation + 30 days).
pub const AFTER_CHANGE_DAYS: u64 = 30;

const AWAIT_EXAMS_STEPS: &[Step] = &[
    (
        "Entregar solicitação de exames (hemoglobina glicada, glicemia de jejum, outros)",
        false,
    ),
    (
        "Iniciado o MGR (mapeamento de glicemias residencial)",
        false,
    ),
    ("Exames laboratoriais realizados", true),
    ("MGR concluído", true),
];

// The reference made the adherence check mandatory, so the action could only be completed 15
// days after the change, or by ticking a check nobody did. Here it is a reminder: the cycle's
// re-collection 30 days after the change ("Aguardando coleta…") is where adherence is judged.
const MODIFY_STEPS: &[Step] = &[
    ("Nova receita dos medicamentos entregue ao paciente", true),
    ("15 dias depois reavaliar a adesão do paciente", false),
];

const ENDOCRINOLOGY_STEPS: &[Step] = &[
    ("Agendar a consulta na telessaúde", false),
    ("Encaminhar para a consulta presencial", false),
    (
        "Entregue a solicitação de exames prescritos pela endocrinologia",
        false,
    ),
    (
        "Entregue a nova prescrição de medicamentos pela endocrinologia",
        false,
    ),
    ("Exames realizados", false),
    ("Consulta com endocrinologia realizada", true),
];

const NUTRITION_STEPS: &[Step] = &[
    ("Entregue o encaminhamento para a nutrição", false),
    ("Consulta com a nutrição realizada", true),
];

impl DmAction {
    /// In the order the register form offers them.
    pub const ALL: [DmAction; 7] = [
        DmAction::Schedule,
        DmAction::AwaitExams,
        DmAction::Evaluate,
        DmAction::ModifyTreatment,
        DmAction::ReferEndocrinology,
        DmAction::ReferNutrition,
        DmAction::Finish,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            DmAction::Schedule => "dm_agendar_acompanhamento",
            DmAction::AwaitExams => "dm_aguardando_coleta",
            DmAction::Evaluate => "dm_avaliar_tratamento",
            DmAction::ModifyTreatment => "dm_modificar_tratamento",
            DmAction::ReferEndocrinology => "dm_encaminhar_endocrinologia",
            DmAction::ReferNutrition => "dm_encaminhar_nutricao",
            DmAction::Finish => "dm_finalizar_acompanhamento",
        }
    }

    pub fn from_key(key: &str) -> Option<DmAction> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub const fn label(self) -> &'static str {
        match self {
            DmAction::Schedule => "Agendar novo acompanhamento",
            DmAction::AwaitExams => "Aguardando coleta de exames e glicemias residenciais",
            DmAction::Evaluate => "Avaliar tratamento",
            DmAction::ModifyTreatment => "Modificar tratamento",
            DmAction::ReferEndocrinology => "Encaminhar para endocrinologia",
            DmAction::ReferNutrition => "Encaminhar para nutrição",
            DmAction::Finish => "Finalizar acompanhamento",
        }
    }

    /// Clinical: a nurse or physician does it; arranging the follow-up and confirming the
    /// collection are what an ACS may do too.
    pub const fn clinical(self) -> bool {
        !matches!(self, DmAction::Schedule | DmAction::AwaitExams)
    }

    /// The checklist each new action of the kind gets.
    pub const fn steps(self) -> &'static [Step] {
        match self {
            DmAction::AwaitExams => AWAIT_EXAMS_STEPS,
            DmAction::ModifyTreatment => MODIFY_STEPS,
            DmAction::ReferEndocrinology => ENDOCRINOLOGY_STEPS,
            DmAction::ReferNutrition => NUTRITION_STEPS,
            _ => &[],
        }
    }
}

/// The control status the professional chooses in an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Adequate,
    Acceptable,
    Decompensated,
}

impl Control {
    pub const ALL: [Control; 3] = [
        Control::Adequate,
        Control::Acceptable,
        Control::Decompensated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Control::Adequate => "adequado",
            Control::Acceptable => "aceitavel",
            Control::Decompensated => "descompensado",
        }
    }

    pub fn from_key(key: &str) -> Option<Control> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Control::Adequate => "Tratamento adequado",
            Control::Acceptable => "Tratamento aceitável",
            Control::Decompensated => "Tratamento descompensado",
        }
    }
}

/// Plausible HbA1c (%), and glucose (mg/dL), for refusing typing errors.
pub const HBA1C_RANGE: std::ops::RangeInclusive<f64> = 3.0..=20.0;
pub const GLUCOSE_RANGE: std::ops::RangeInclusive<f64> = 20.0..=600.0;

/// The action(s) that completing `done` on `on` schedules. An evaluation needs its control
/// status; without one it schedules nothing.
///
/// The evaluation's successor is this system's rule (the reference scheduled nothing): with
/// the treatment adequate, the next follow-up in 180 days; acceptable, in 90 days; with the
/// treatment decompensated, a treatment change at once. Provenance: Sociedade Brasileira de
/// Diabetes, Diretriz 2023 ("HbA1c a cada 3 meses até atingir a meta, depois a cada 6
/// meses"), and the C4 indicator's HbA1c within 12 months (Nota Técnica C4, Previne Brasil /
/// APS 2024) — a 180-day cycle keeps two per year.
pub fn next_actions(
    done: DmAction,
    control: Option<Control>,
    on: NaiveDate,
) -> Vec<(DmAction, NaiveDate)> {
    let after = |days: u64| on.checked_add_days(Days::new(days)).unwrap_or(on);
    match done {
        DmAction::Schedule => vec![(DmAction::AwaitExams, on)],
        DmAction::AwaitExams => vec![(DmAction::Evaluate, on)],
        DmAction::Evaluate => match control {
            Some(Control::Adequate) => vec![(DmAction::Schedule, after(ADEQUATE_NEXT_DAYS))],
            Some(Control::Acceptable) => vec![(DmAction::Schedule, after(ACCEPTABLE_NEXT_DAYS))],
            Some(Control::Decompensated) => vec![(DmAction::ModifyTreatment, on)],
            None => vec![],
        },
        DmAction::ModifyTreatment => vec![(DmAction::AwaitExams, after(AFTER_CHANGE_DAYS))],
        DmAction::ReferEndocrinology | DmAction::ReferNutrition | DmAction::Finish => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn mandatory(a: DmAction) -> Vec<&'static str> {
        a.steps()
            .iter()
            .filter(|(_, m)| *m)
            .map(|(t, _)| *t)
            .collect()
    }

    #[test]
    fn keys_round_trip_and_are_unique_without_the_legacy_duplicates() {
        let mut keys: Vec<_> = DmAction::ALL.iter().map(|a| a.key()).collect();
        for a in DmAction::ALL {
            assert_eq!(DmAction::from_key(a.key()), Some(a));
        }
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 7);
        assert_eq!(
            DmAction::ALL
                .iter()
                .filter(|a| a.label().contains("acompanhamento"))
                .count(),
            2,
            "one way to start, one way to finish"
        );
        for c in Control::ALL {
            assert_eq!(Control::from_key(c.key()), Some(c));
        }
        assert_eq!(Control::from_key("controlado"), None);
    }

    #[test]
    fn scheduling_a_follow_up_waits_for_the_collection_with_its_four_steps() {
        let on = d(2026, 12, 7);
        assert_eq!(
            next_actions(DmAction::Schedule, None, on),
            vec![(DmAction::AwaitExams, on)]
        );
        assert_eq!(DmAction::AwaitExams.steps().len(), 4);
        assert_eq!(
            mandatory(DmAction::AwaitExams),
            vec!["Exames laboratoriais realizados", "MGR concluído"]
        );
        assert!(DmAction::Schedule.steps().is_empty());
        assert!(!DmAction::Schedule.clinical());
    }

    #[test]
    fn the_collection_leads_to_the_evaluation() {
        let on = d(2026, 12, 7);
        assert_eq!(
            next_actions(DmAction::AwaitExams, None, on),
            vec![(DmAction::Evaluate, on)]
        );
        assert!(DmAction::Evaluate.clinical());
        assert!(DmAction::Evaluate.steps().is_empty());
    }

    #[test]
    fn the_evaluation_schedules_by_the_chosen_control() {
        let on = d(2026, 12, 7);
        assert_eq!(
            next_actions(DmAction::Evaluate, Some(Control::Adequate), on),
            vec![(DmAction::Schedule, d(2027, 6, 5))]
        );
        assert_eq!(
            next_actions(DmAction::Evaluate, Some(Control::Acceptable), on),
            vec![(DmAction::Schedule, d(2027, 3, 7))]
        );
        assert_eq!(
            next_actions(DmAction::Evaluate, Some(Control::Decompensated), on),
            vec![(DmAction::ModifyTreatment, on)]
        );
        assert_eq!(next_actions(DmAction::Evaluate, None, on), vec![]);
    }

    #[test]
    fn a_treatment_change_needs_the_new_prescription_and_recollects_in_30_days() {
        assert_eq!(
            mandatory(DmAction::ModifyTreatment),
            vec!["Nova receita dos medicamentos entregue ao paciente"]
        );
        assert_eq!(
            next_actions(DmAction::ModifyTreatment, None, d(2026, 12, 7)),
            vec![(DmAction::AwaitExams, d(2027, 1, 6))]
        );
        assert!(DmAction::ModifyTreatment.clinical());
    }

    #[test]
    fn referrals_have_their_steps_and_the_finish_ends_the_cycle() {
        assert_eq!(DmAction::ReferEndocrinology.steps().len(), 6);
        assert_eq!(
            mandatory(DmAction::ReferEndocrinology),
            vec!["Consulta com endocrinologia realizada"]
        );
        assert_eq!(
            mandatory(DmAction::ReferNutrition),
            vec!["Consulta com a nutrição realizada"]
        );
        let on = d(2026, 12, 7);
        for a in [
            DmAction::ReferEndocrinology,
            DmAction::ReferNutrition,
            DmAction::Finish,
        ] {
            assert_eq!(next_actions(a, None, on), vec![], "{a:?}");
            assert!(a.clinical(), "{a:?}");
        }
    }
}
