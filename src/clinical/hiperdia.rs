//! The Hiperdia follow-up cycle for hypertension: the action catalogue and what completing
//! each action schedules next.
//!
//! Provenance: the reference system's workflow (functional specification §1.6, "Clinical
//! workflow rules"), with its defects fixed: every completion schedules its successor in one
//! place (the reference did it only on some code paths and created "Agendar Hiperdia" twice),
//! and a cardiology referral waits for its consultation record (the reference had no successor,
//! so the loop stopped there).
//!
//! Cycle: Agendar Hiperdia → Iniciar MRPA → (7 d) Avaliar MRPA → {manter → Solicitar exames →
//! (7 d) Avaliar exames → Avaliar RCV → Encaminhar nutrição → Registrar nutrição → (365 d)
//! Agendar Hiperdia} | {modificar → Modificar tratamento → (30 d) Iniciar MRPA …} |
//! {cardiologia → Encaminhar cardiologia → (30 d) Registrar cardiologia}.

use chrono::{Days, NaiveDate};

use super::mrpa::Decision;

/// The actions of the catalogue, in the reference's numbering order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionType {
    StartMrpa,
    EvaluateMrpa,
    ModifyTreatment,
    RequestExams,
    EvaluateExams,
    EvaluateCvRisk,
    ReferNutrition,
    RecordNutrition,
    ScheduleRound,
    ReferCardiology,
    RecordCardiology,
}

/// Days from the completion of an action to the due date of its successor.
pub const MRPA_EVALUATION_DAYS: u64 = 7;
pub const EXAMS_EVALUATION_DAYS: u64 = 7;
pub const CONTROL_MRPA_DAYS: u64 = 30;
pub const NEXT_ROUND_DAYS: u64 = 365;
pub const CARDIOLOGY_VISIT_DAYS: u64 = 30;

impl ActionType {
    /// In the order a round goes through them (for menus).
    pub const ALL: [ActionType; 11] = [
        ActionType::ScheduleRound,
        ActionType::StartMrpa,
        ActionType::EvaluateMrpa,
        ActionType::ModifyTreatment,
        ActionType::RequestExams,
        ActionType::EvaluateExams,
        ActionType::EvaluateCvRisk,
        ActionType::ReferNutrition,
        ActionType::RecordNutrition,
        ActionType::ReferCardiology,
        ActionType::RecordCardiology,
    ];

    pub const fn key(self) -> &'static str {
        match self {
            ActionType::ScheduleRound => "agendar_hiperdia",
            ActionType::StartMrpa => "iniciar_mrpa",
            ActionType::EvaluateMrpa => "avaliar_mrpa",
            ActionType::ModifyTreatment => "modificar_tratamento",
            ActionType::RequestExams => "solicitar_exames",
            ActionType::EvaluateExams => "avaliar_exames",
            ActionType::EvaluateCvRisk => "avaliar_rcv",
            ActionType::ReferNutrition => "encaminhar_nutricao",
            ActionType::RecordNutrition => "registrar_nutricao",
            ActionType::ReferCardiology => "encaminhar_cardiologia",
            ActionType::RecordCardiology => "registrar_cardiologia",
        }
    }

    pub fn from_key(key: &str) -> Option<ActionType> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub const fn label(self) -> &'static str {
        match self {
            ActionType::ScheduleRound => "Agendar Hiperdia",
            ActionType::StartMrpa => "Iniciar MRPA",
            ActionType::EvaluateMrpa => "Avaliar MRPA",
            ActionType::ModifyTreatment => "Modificar tratamento",
            ActionType::RequestExams => "Solicitar exames",
            ActionType::EvaluateExams => "Avaliar exames",
            ActionType::EvaluateCvRisk => "Avaliar risco cardiovascular",
            ActionType::ReferNutrition => "Encaminhar para nutrição",
            ActionType::RecordNutrition => "Registrar consulta de nutrição",
            ActionType::ReferCardiology => "Encaminhar para cardiologia",
            ActionType::RecordCardiology => "Registrar consulta de cardiologia",
        }
    }

    /// What completing it records besides date and notes.
    pub fn record_kind(self) -> RecordKind {
        match self {
            ActionType::EvaluateMrpa => RecordKind::Mrpa,
            ActionType::ModifyTreatment => RecordKind::TreatmentChange,
            ActionType::EvaluateExams => RecordKind::Exams,
            ActionType::EvaluateCvRisk => RecordKind::CvRisk,
            ActionType::RecordNutrition => RecordKind::Nutrition,
            ActionType::ReferCardiology | ActionType::RecordCardiology => RecordKind::Cardiology,
            _ => RecordKind::None,
        }
    }
}

/// The clinical record an action carries when it is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    None,
    Mrpa,
    TreatmentChange,
    Exams,
    CvRisk,
    Nutrition,
    Cardiology,
}

/// The action(s) that completing `done` on `on` schedules, with their due dates. An MRPA
/// evaluation needs its decision; without one it schedules nothing.
pub fn next_actions(
    done: ActionType,
    decision: Option<Decision>,
    on: NaiveDate,
) -> Vec<(ActionType, NaiveDate)> {
    let after = |days: u64| on.checked_add_days(Days::new(days)).unwrap_or(on);
    match done {
        ActionType::ScheduleRound => vec![(ActionType::StartMrpa, on)],
        ActionType::StartMrpa => vec![(ActionType::EvaluateMrpa, after(MRPA_EVALUATION_DAYS))],
        ActionType::EvaluateMrpa => match decision {
            Some(Decision::Maintain) => vec![(ActionType::RequestExams, on)],
            Some(Decision::Modify) => vec![(ActionType::ModifyTreatment, on)],
            Some(Decision::Cardiology) => vec![(ActionType::ReferCardiology, on)],
            None => vec![],
        },
        ActionType::ModifyTreatment => vec![(ActionType::StartMrpa, after(CONTROL_MRPA_DAYS))],
        ActionType::RequestExams => {
            vec![(ActionType::EvaluateExams, after(EXAMS_EVALUATION_DAYS))]
        }
        ActionType::EvaluateExams => vec![(ActionType::EvaluateCvRisk, on)],
        ActionType::EvaluateCvRisk => vec![(ActionType::ReferNutrition, on)],
        ActionType::ReferNutrition => vec![(ActionType::RecordNutrition, on)],
        ActionType::RecordNutrition => vec![(ActionType::ScheduleRound, after(NEXT_ROUND_DAYS))],
        ActionType::ReferCardiology => {
            vec![(ActionType::RecordCardiology, after(CARDIOLOGY_VISIT_DAYS))]
        }
        ActionType::RecordCardiology => vec![],
    }
}

/// State of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Done,
    Cancelled,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<Status> {
        [Status::Pending, Status::Done, Status::Cancelled]
            .into_iter()
            .find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "Pendente",
            Status::Done => "Realizada",
            Status::Cancelled => "Cancelada",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn keys_round_trip_and_are_unique() {
        for a in ActionType::ALL {
            assert_eq!(ActionType::from_key(a.key()), Some(a));
        }
        let mut keys: Vec<_> = ActionType::ALL.iter().map(|a| a.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 11);
        assert_eq!(ActionType::from_key("x"), None);
        for s in [Status::Pending, Status::Done, Status::Cancelled] {
            assert_eq!(Status::from_key(s.key()), Some(s));
        }
    }

    #[test]
    fn every_completion_schedules_the_reference_successor() {
        let on = d(2026, 11, 29);
        use ActionType::*;
        type Case = (ActionType, Option<Decision>, Vec<(ActionType, NaiveDate)>);
        let cases: Vec<Case> = vec![
            (ScheduleRound, None, vec![(StartMrpa, on)]),
            (StartMrpa, None, vec![(EvaluateMrpa, d(2026, 12, 6))]),
            (
                EvaluateMrpa,
                Some(Decision::Maintain),
                vec![(RequestExams, on)],
            ),
            (
                EvaluateMrpa,
                Some(Decision::Modify),
                vec![(ModifyTreatment, on)],
            ),
            (
                EvaluateMrpa,
                Some(Decision::Cardiology),
                vec![(ReferCardiology, on)],
            ),
            (EvaluateMrpa, None, vec![]),
            (ModifyTreatment, None, vec![(StartMrpa, d(2026, 12, 29))]),
            (RequestExams, None, vec![(EvaluateExams, d(2026, 12, 6))]),
            (EvaluateExams, None, vec![(EvaluateCvRisk, on)]),
            (EvaluateCvRisk, None, vec![(ReferNutrition, on)]),
            (ReferNutrition, None, vec![(RecordNutrition, on)]),
            (
                RecordNutrition,
                None,
                vec![(ScheduleRound, d(2027, 11, 29))],
            ),
            (
                ReferCardiology,
                None,
                vec![(RecordCardiology, d(2026, 12, 29))],
            ),
            (RecordCardiology, None, vec![]),
        ];
        for (done, decision, expected) in cases {
            assert_eq!(
                next_actions(done, decision, on),
                expected,
                "{done:?} {decision:?}"
            );
        }
    }

    #[test]
    fn intervals_cross_month_and_leap_year_ends() {
        assert_eq!(
            next_actions(ActionType::StartMrpa, None, d(2028, 2, 25)),
            vec![(ActionType::EvaluateMrpa, d(2028, 3, 3))]
        );
        assert_eq!(
            next_actions(ActionType::RecordNutrition, None, d(2027, 3, 1)),
            vec![(ActionType::ScheduleRound, d(2028, 2, 29))]
        );
    }

    #[test]
    fn record_kinds() {
        assert_eq!(ActionType::EvaluateMrpa.record_kind(), RecordKind::Mrpa);
        assert_eq!(ActionType::EvaluateExams.record_kind(), RecordKind::Exams);
        assert_eq!(ActionType::ScheduleRound.record_kind(), RecordKind::None);
        assert_eq!(
            ActionType::RecordCardiology.record_kind(),
            RecordKind::Cardiology
        );
    }
}
