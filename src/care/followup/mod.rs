//! Follow-up actions of every programme: one table (`care_action`, with the programme's key)
//! and one lifecycle — schedule, tick the steps of a checklist, complete (scheduling what the
//! programme's rules say follows), cancel, delete, annul — generic over a programme's action
//! catalogue ([`Program`]). A programme keeps its own clinical records and its successor rules
//! (pure functions in `clinical`); this module keeps scope, permission, validation, duplicate
//! detection, per-person serialisation and the read-model refresh after each write the same
//! for all of them.

mod lifecycle;
mod timeline;

pub use lifecycle::*;
pub use timeline::*;

use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, SqlErr};

use crate::auth::{Grants, Permission, Scope};

/// A boxed future borrowing its arguments.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// How far back an action, a collection date may be recorded (late entries of the past two
/// years are normal; older dates are typing errors).
pub const MAX_PAST_DAYS: i64 = 730;
/// How far ahead an action may be scheduled.
pub const MAX_FUTURE_DAYS: i64 = 730;
/// A second identical record within this many seconds is taken for a double submit.
pub const DOUBLE_SUBMIT_SECS: i64 = 120;
/// Longest free text accepted in notes and records.
pub const MAX_TEXT_CHARS: usize = 2000;

/// One step of an action's checklist template: its text, and whether completing the action
/// needs it ticked.
pub type StepTemplate = (&'static str, bool);

/// One kind of action of a programme's catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// Stored in `care_action.action_type`.
    pub key: &'static str,
    /// Portuguese, as the pages show it.
    pub label: &'static str,
    /// Clinical: the matrix's clinical column applies (an ACS may not do it).
    pub clinical: bool,
    /// The permission completing it needs.
    pub completion: Permission,
    /// The checklist each new action of this kind gets.
    pub steps: &'static [StepTemplate],
}

/// Whether `person` is a patient of the programme the scope reaches.
pub type InScopeFn =
    for<'a> fn(&'a DatabaseConnection, &'a Scope, i64) -> BoxFuture<'a, Result<bool, DbErr>>;

/// Recomputes the follow-up columns of one person's read-model row, inside the write.
pub type RefreshPersonFn =
    for<'a> fn(&'a DatabaseTransaction, i64, NaiveDate) -> BoxFuture<'a, Result<(), DbErr>>;

/// A programme's follow-up: its key, its action catalogue, who its patients are, and how its
/// read model follows a write.
pub struct Program {
    /// `care_action.program`.
    pub key: &'static str,
    pub kinds: &'static [Kind],
    pub in_scope: InScopeFn,
    pub refresh_person: RefreshPersonFn,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Program {
    /// The kind of a stored key.
    pub fn kind(&self, key: &str) -> Option<&'static Kind> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// The label of a stored key (the key itself if unknown).
    pub fn label<'a>(&self, key: &'a str) -> &'a str {
        self.kind(key).map_or(key, |k| k.label)
    }

    fn known(&self, key: &str) -> Result<&'static Kind, FollowupError> {
        self.kind(key)
            .ok_or_else(|| invalid("acao", "Tipo de ação desconhecido."))
    }
}

/// A message about one field of a form or request, in Portuguese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FollowupError {
    /// Unknown, or outside the user's scope (answered the same way).
    #[error("não encontrado")]
    NotFound,
    #[error("dados inválidos")]
    Invalid(Vec<FieldError>),
    /// The action is no longer pending (already done or cancelled, e.g. a double submit).
    #[error("{0}")]
    Conflict(String),
    /// The patient is in scope, but the user's profile may not do this (the permission
    /// matrix, `auth::permission`); the message is for the person at the screen.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Db(DbErr),
}

/// What a write refused by a unique index tells the user.
pub const DUPLICATE_WRITE: &str = "Este registro já existe: um envio igual acabou de ser \
     gravado (por exemplo, um clique duplo). Confira a linha do tempo; nada mais foi salvo.";

/// A unique index refusing a row is the database saying "this already exists": a parallel
/// identical write won the race (one pending action per programme, person and kind, one MRPA
/// evaluation per day). That is a conflict for the person at the screen (409), on SQLite and
/// PostgreSQL alike, never a 500.
impl From<DbErr> for FollowupError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                tracing::info!(%detail, "write refused by a unique index (parallel duplicate)");
                FollowupError::Conflict(DUPLICATE_WRITE.to_string())
            }
            _ => FollowupError::Db(e),
        }
    }
}

pub fn invalid(field: &str, message: impl Into<String>) -> FollowupError {
    FollowupError::Invalid(vec![FieldError::new(field, message)])
}

/// Who is writing: whose patients (scope) and what they may do to them (grants).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub scope: &'a Scope,
    pub grants: &'a Grants,
}

impl Actor<'_> {
    /// `Ok` when the matrix allows `permission` on an action that is `clinical` or not.
    pub fn check(&self, permission: Permission, clinical: bool) -> Result<(), FollowupError> {
        self.grants
            .check(permission, clinical)
            .map_err(FollowupError::Forbidden)
    }
}

/// Whether the user may schedule an action of this kind.
pub fn may_schedule(grants: &Grants, kind: &Kind) -> bool {
    grants.may_on(Permission::Schedule, kind.clinical)
}

/// Whether the user may complete an action of this kind (and tick its steps).
pub fn may_complete(grants: &Grants, kind: &Kind) -> bool {
    grants.may_on(kind.completion, kind.clinical)
}

/// Trims free text; empty is `None`; too long is an error for `field`.
pub fn clean_text(field: &str, text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(FieldError::new(
            field,
            format!("Use no máximo {MAX_TEXT_CHARS} caracteres."),
        ));
    }
    Ok(Some(t.to_string()))
}

/// Adds the error of a too long text to `errors`.
pub fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &Option<String>) {
    if let Err(e) = clean_text(field, text.as_deref()) {
        errors.push(e);
    }
}

/// A day something was done: not in the future, not older than [`MAX_PAST_DAYS`].
pub fn check_done_on(errors: &mut Vec<FieldError>, done_on: NaiveDate, today: NaiveDate) {
    if done_on > today {
        errors.push(FieldError::new(
            "data",
            "A data de realização não pode estar no futuro.",
        ));
    }
    if done_on < today - chrono::Duration::days(MAX_PAST_DAYS) {
        errors.push(FieldError::new(
            "data",
            format!("A data de realização não pode ser anterior a {MAX_PAST_DAYS} dias atrás."),
        ));
    }
}

/// A due date: from today to [`MAX_FUTURE_DAYS`] ahead.
pub fn check_due(due: NaiveDate, today: NaiveDate) -> Result<(), FollowupError> {
    if due < today {
        return Err(invalid(
            "data",
            "A data prevista não pode ser anterior a hoje.",
        ));
    }
    if due > today + chrono::Duration::days(MAX_FUTURE_DAYS) {
        return Err(invalid(
            "data",
            format!("A data prevista deve estar nos próximos {MAX_FUTURE_DAYS} dias."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn free_text_is_trimmed_and_bounded() {
        assert_eq!(clean_text("x", Some("   ")), Ok(None));
        assert_eq!(clean_text("x", Some(" a ")), Ok(Some("a".into())));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        assert!(clean_text("x", Some(&long)).is_err());
        assert!(clean_text("x", Some(&"a".repeat(MAX_TEXT_CHARS))).is_ok());
    }

    #[test]
    fn due_dates_run_from_today_to_the_bound() {
        let today = d(2026, 12, 7);
        assert!(check_due(today, today).is_ok());
        assert!(matches!(
            check_due(d(2026, 12, 6), today),
            Err(FollowupError::Invalid(_))
        ));
        let edge = today + chrono::Duration::days(MAX_FUTURE_DAYS);
        assert!(check_due(edge, today).is_ok());
        assert!(check_due(edge + chrono::Duration::days(1), today).is_err());
    }

    #[test]
    fn done_days_are_bounded_on_both_sides() {
        let today = d(2026, 12, 7);
        let mut e = Vec::new();
        check_done_on(&mut e, today, today);
        check_done_on(&mut e, today - chrono::Duration::days(MAX_PAST_DAYS), today);
        assert_eq!(e, vec![]);
        check_done_on(&mut e, d(2026, 12, 8), today);
        assert_eq!(e.len(), 1);
    }
}
