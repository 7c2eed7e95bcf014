//! The life of an action: scheduled (pending), steps ticked, completed (done) — scheduling
//! what follows — or cancelled; deleted when entered by mistake, annulled when a completed
//! one was wrong. Every write is scoped to the user's patients, allowed by the permission
//! matrix, validated before anything is saved, serialised per person, done in one
//! transaction and followed by the person's read-model refresh.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use super::{Actor, FieldError, FollowupError, Kind, Program, check_due, clean_text, invalid};
use crate::auth::{Permission, Scope};
use crate::store::{care_action as action, care_action_step as step};

/// The stored statuses.
pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const CANCELLED: &str = "cancelled";

/// The first key of the per-person advisory lock (`"APS1"` as a 32-bit integer).
const PERSON_LOCK_CLASS: i32 = 0x4150_5331;

pub(super) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Begins the write transaction of one person's follow-up. Writes about the same person are
/// serialised, so the checks made inside the transaction (a pending action of the kind, a
/// record just made) see every write committed before: SQLite takes the write lock at
/// `BEGIN IMMEDIATE` (a second writer waits for the busy timeout instead of failing at its
/// first write), PostgreSQL takes a transaction-scoped advisory lock on the person. The unique
/// indexes stay the last word if anything else writes.
pub async fn begin_write(
    db: &DatabaseConnection,
    person: i64,
) -> Result<DatabaseTransaction, DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Two-key form: the first key is this lock's class ("APS1"), so it cannot collide with
        // another user of advisory locks in the same database.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [
                PERSON_LOCK_CLASS.into(),
                i32::try_from(person.rem_euclid(i64::from(i32::MAX)))
                    .unwrap_or_default()
                    .into(),
            ],
        ))
        .await?;
    }
    Ok(txn)
}

async fn require_in_scope(
    db: &DatabaseConnection,
    program: &Program,
    scope: &Scope,
    person: i64,
) -> Result<(), FollowupError> {
    if (program.in_scope)(db, scope, person).await? {
        Ok(())
    } else {
        Err(FollowupError::NotFound)
    }
}

/// Loads an action of the programme about a person in scope (anything else: not found).
pub async fn find(
    db: &DatabaseConnection,
    program: &Program,
    scope: &Scope,
    id: i64,
) -> Result<action::Model, FollowupError> {
    let a = action::Entity::find_by_id(id)
        .filter(action::Column::Program.eq(program.key))
        .one(db)
        .await?
        .ok_or(FollowupError::NotFound)?;
    require_in_scope(db, program, scope, a.co_cidadao).await?;
    Ok(a)
}

/// The earliest pending action of a kind.
pub async fn pending_of(
    db: &impl ConnectionTrait,
    program: &Program,
    person: i64,
    kind: &str,
) -> Result<Option<action::Model>, DbErr> {
    action::Entity::find()
        .filter(action::Column::Program.eq(program.key))
        .filter(action::Column::CoCidadao.eq(person))
        .filter(action::Column::ActionType.eq(kind))
        .filter(action::Column::Status.eq(PENDING))
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .one(db)
        .await
}

/// A new action row (and its checklist from the kind's template).
pub struct NewAction<'a> {
    pub person: i64,
    pub kind: &'a Kind,
    /// `true`: recorded done on `day`; `false`: pending, due on `day`.
    pub done: bool,
    pub day: NaiveDate,
    pub origin: Option<i64>,
    pub notes: Option<String>,
}

async fn insert(
    db: &impl ConnectionTrait,
    program: &Program,
    user: i64,
    n: NewAction<'_>,
) -> Result<i64, DbErr> {
    let m = action::ActiveModel {
        program: Set(program.key.to_string()),
        co_cidadao: Set(n.person),
        action_type: Set(n.kind.key.to_string()),
        status: Set(if n.done { DONE } else { PENDING }.to_string()),
        due_date: Set(n.day),
        done_date: Set(n.done.then_some(n.day)),
        origin_id: Set(n.origin),
        notes: Set(n.notes),
        cancel_reason: Set(None),
        created_by: Set(user),
        done_by: Set(n.done.then_some(user)),
        created_at: Set(now()),
        updated_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let steps: Vec<step::ActiveModel> = n
        .kind
        .steps
        .iter()
        .zip(1..)
        .map(|((text, mandatory), position)| step::ActiveModel {
            action_id: Set(m.id),
            position: Set(position),
            text: Set(text.to_string()),
            mandatory: Set(*mandatory),
            done_at: Set(None),
            done_by: Set(None),
            ..Default::default()
        })
        .collect();
    if !steps.is_empty() {
        step::Entity::insert_many(steps).exec(db).await?;
    }
    Ok(m.id)
}

/// Schedules a pending action. Refuses a second pending action of the same kind.
#[allow(clippy::too_many_arguments)]
pub async fn schedule(
    db: &DatabaseConnection,
    program: &Program,
    actor: Actor<'_>,
    person: i64,
    kind: &str,
    due: NaiveDate,
    notes: Option<String>,
    today: NaiveDate,
) -> Result<i64, FollowupError> {
    require_in_scope(db, program, actor.scope, person).await?;
    let kind = program.known(kind)?;
    actor.check(Permission::Schedule, kind.clinical)?;
    let notes =
        clean_text("observacoes", notes.as_deref()).map_err(|e| FollowupError::Invalid(vec![e]))?;
    check_due(due, today)?;
    let txn = begin_write(db, person).await?;
    if pending_of(&txn, program, person, kind.key).await?.is_some() {
        return Err(FollowupError::Conflict(format!(
            "Já existe uma ação pendente \"{}\" para esta pessoa.",
            kind.label
        )));
    }
    let id = insert(
        &txn,
        program,
        actor.user_id,
        NewAction {
            person,
            kind,
            done: false,
            day: due,
            origin: None,
            notes,
        },
    )
    .await?;
    (program.refresh_person)(&txn, person, today).await?;
    txn.commit().await?;
    Ok(id)
}

/// A completion request, before the programme's own record.
#[derive(Debug, Clone)]
pub struct CompletionRequest {
    pub kind: String,
    /// The pending action being completed; `None` records the action now (completing the
    /// earliest pending one of that kind, if any).
    pub action_id: Option<i64>,
    pub done_on: NaiveDate,
    pub notes: Option<String>,
    /// Positions (1-based) of the checklist steps ticked with the completion.
    pub steps_done: Vec<i32>,
}

/// A completion in progress: the action is done inside `txn`; the programme writes its
/// record there and then calls [`Completing::finish`] with what its rules schedule next.
/// Dropping it rolls everything back.
pub struct Completing<'p> {
    pub txn: DatabaseTransaction,
    pub action_id: i64,
    pub person: i64,
    pub kind: &'static Kind,
    program: &'p Program,
    user: i64,
}

/// What a completion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub action_id: i64,
    pub person: i64,
    pub scheduled: Vec<(&'static str, NaiveDate)>,
}

/// Starts completing an action: scope, permission, the programme's validation (`validate`,
/// run after the permission check), then — inside the person's write transaction — the
/// pending→done transition (a conditional update, so a double submit finds nothing left to
/// complete) or, with nothing pending, the action recorded now (a double submit recognised as
/// the same user recording the same kind for the same day moments ago), and its checklist:
/// the steps ticked now are recorded, and every mandatory one must be done.
pub async fn start_completion<'p>(
    db: &DatabaseConnection,
    program: &'p Program,
    actor: Actor<'_>,
    person: i64,
    req: &CompletionRequest,
    validate: impl FnOnce() -> Result<(), FollowupError>,
) -> Result<Completing<'p>, FollowupError> {
    require_in_scope(db, program, actor.scope, person).await?;
    let kind = program.known(&req.kind)?;
    actor.check(kind.completion, kind.clinical)?;
    validate()?;
    let notes = clean_text("observacoes", req.notes.as_deref())
        .map_err(|e| FollowupError::Invalid(vec![e]))?;
    let txn = begin_write(db, person).await?;
    let target = match req.action_id {
        Some(id) => {
            let a = action::Entity::find_by_id(id)
                .filter(action::Column::Program.eq(program.key))
                .one(&txn)
                .await?
                .filter(|a| a.co_cidadao == person)
                .ok_or(FollowupError::NotFound)?;
            if a.action_type != kind.key {
                return Err(invalid(
                    "acao",
                    "Os dados enviados não correspondem ao tipo de ação.",
                ));
            }
            Some(a)
        }
        None => pending_of(&txn, program, person, kind.key).await?,
    };
    let action_id = match target {
        Some(a) => {
            let res = action::Entity::update_many()
                .col_expr(action::Column::Status, DONE.into())
                .col_expr(action::Column::DoneDate, Some(req.done_on).into())
                .col_expr(action::Column::DoneBy, Some(actor.user_id).into())
                .col_expr(
                    action::Column::Notes,
                    notes.clone().or(a.notes.clone()).into(),
                )
                .col_expr(action::Column::UpdatedAt, now().into())
                .filter(action::Column::Id.eq(a.id))
                .filter(action::Column::Status.eq(PENDING))
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(FollowupError::Conflict(
                    "Esta ação já foi concluída ou cancelada.".to_string(),
                ));
            }
            a.id
        }
        None => {
            let recent = action::Entity::find()
                .filter(action::Column::Program.eq(program.key))
                .filter(action::Column::CoCidadao.eq(person))
                .filter(action::Column::ActionType.eq(kind.key))
                .filter(action::Column::Status.eq(DONE))
                .filter(action::Column::DoneDate.eq(req.done_on))
                .filter(action::Column::CreatedBy.eq(actor.user_id))
                .filter(
                    action::Column::CreatedAt
                        .gte(now() - chrono::Duration::seconds(super::DOUBLE_SUBMIT_SECS)),
                )
                .one(&txn)
                .await?;
            if recent.is_some() {
                return Err(FollowupError::Conflict(
                    "Esta ação acabou de ser registrada; confira a linha do tempo.".to_string(),
                ));
            }
            insert(
                &txn,
                program,
                actor.user_id,
                NewAction {
                    person,
                    kind,
                    done: true,
                    day: req.done_on,
                    origin: None,
                    notes,
                },
            )
            .await?
        }
    };
    tick(&txn, action_id, &req.steps_done, actor.user_id).await?;
    require_mandatory_steps(&txn, action_id).await?;
    Ok(Completing {
        txn,
        action_id,
        person,
        kind,
        program,
        user: actor.user_id,
    })
}

impl Completing<'_> {
    /// Schedules what follows (a kind already pending — scheduled by hand — is not doubled),
    /// refreshes the person's read model and commits.
    pub async fn finish(
        self,
        successors: &[(&'static str, NaiveDate)],
        today: NaiveDate,
    ) -> Result<Completed, FollowupError> {
        let mut scheduled = Vec::new();
        for (key, due) in successors {
            let kind = self.program.known(key)?;
            if pending_of(&self.txn, self.program, self.person, kind.key)
                .await?
                .is_some()
            {
                continue;
            }
            insert(
                &self.txn,
                self.program,
                self.user,
                NewAction {
                    person: self.person,
                    kind,
                    done: false,
                    day: *due,
                    origin: Some(self.action_id),
                    notes: None,
                },
            )
            .await?;
            scheduled.push((kind.key, *due));
        }
        (self.program.refresh_person)(&self.txn, self.person, today).await?;
        self.txn.commit().await?;
        Ok(Completed {
            action_id: self.action_id,
            person: self.person,
            scheduled,
        })
    }
}

/// Marks the steps at `positions` of an action done (those already done keep who and when).
async fn tick(
    txn: &DatabaseTransaction,
    action_id: i64,
    positions: &[i32],
    user: i64,
) -> Result<(), FollowupError> {
    if positions.is_empty() {
        return Ok(());
    }
    let steps = steps_of(txn, action_id).await?;
    if let Some(p) = positions
        .iter()
        .find(|p| !steps.iter().any(|s| s.position == **p))
    {
        return Err(invalid("etapas", format!("Etapa {p} desconhecida.")));
    }
    step::Entity::update_many()
        .col_expr(step::Column::DoneAt, Some(now()).into())
        .col_expr(step::Column::DoneBy, Some(user).into())
        .filter(step::Column::ActionId.eq(action_id))
        .filter(step::Column::Position.is_in(positions.iter().copied()))
        .filter(step::Column::DoneAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

async fn require_mandatory_steps(
    txn: &DatabaseTransaction,
    action_id: i64,
) -> Result<(), FollowupError> {
    let missing: Vec<String> = steps_of(txn, action_id)
        .await?
        .into_iter()
        .filter(|s| s.mandatory && s.done_at.is_none())
        .map(|s| s.text)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(FollowupError::Invalid(vec![FieldError::new(
            "etapas",
            format!("Conclua as etapas obrigatórias: {}.", missing.join("; ")),
        )]))
    }
}

/// The checklist of an action, in order.
pub async fn steps_of(
    db: &impl ConnectionTrait,
    action_id: i64,
) -> Result<Vec<step::Model>, DbErr> {
    step::Entity::find()
        .filter(step::Column::ActionId.eq(action_id))
        .order_by_asc(step::Column::Position)
        .all(db)
        .await
}

/// Ticks (or unticks) one step of a pending action. Needs the permission completing the
/// action needs: whoever may not complete it may not tick its steps either.
pub async fn set_step(
    db: &DatabaseConnection,
    program: &Program,
    actor: Actor<'_>,
    id: i64,
    position: i32,
    done: bool,
) -> Result<i64, FollowupError> {
    let a = find(db, program, actor.scope, id).await?;
    let kind = program.known(&a.action_type)?;
    actor.check(kind.completion, kind.clinical)?;
    let txn = begin_write(db, a.co_cidadao).await?;
    let pending = action::Entity::find_by_id(a.id)
        .filter(action::Column::Status.eq(PENDING))
        .one(&txn)
        .await?;
    if pending.is_none() {
        return Err(FollowupError::Conflict(
            "As etapas só mudam enquanto a ação está pendente.".to_string(),
        ));
    }
    let (at, by) = if done {
        (Some(now()), Some(actor.user_id))
    } else {
        (None, None)
    };
    let res = step::Entity::update_many()
        .col_expr(step::Column::DoneAt, at.into())
        .col_expr(step::Column::DoneBy, by.into())
        .filter(step::Column::ActionId.eq(a.id))
        .filter(step::Column::Position.eq(position))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(invalid("etapas", format!("Etapa {position} desconhecida.")));
    }
    txn.commit().await?;
    Ok(a.co_cidadao)
}

/// What a correction changed, for the audit row: the action before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub person: i64,
    pub before: String,
    pub after: String,
}

impl Changed {
    /// One line for the audit trail (no free text but the reason given for an annulment).
    pub fn audit_detail(&self) -> String {
        format!("antes: {}; depois: {}", self.before, self.after)
    }
}

/// The fields of an action the audit trail keeps (no notes: free text may name people).
fn describe(a: &action::Model) -> String {
    let mut out = format!(
        "id={} tipo={} situacao={} prazo={}",
        a.id, a.action_type, a.status, a.due_date
    );
    if let Some(d) = a.done_date {
        out.push_str(&format!(" realizada={d}"));
    }
    if let Some(u) = a.done_by {
        out.push_str(&format!(" por={u}"));
    }
    out
}

/// Cancels a pending action (it stays in the timeline as cancelled, with the reason).
pub async fn cancel(
    db: &DatabaseConnection,
    program: &Program,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<i64, FollowupError> {
    let a = find(db, program, actor.scope, id).await?;
    actor.check(Permission::Cancel, true)?;
    let reason =
        clean_text("motivo", reason.as_deref()).map_err(|e| FollowupError::Invalid(vec![e]))?;
    let txn = begin_write(db, a.co_cidadao).await?;
    let res = action::Entity::update_many()
        .col_expr(action::Column::Status, CANCELLED.into())
        .col_expr(action::Column::CancelReason, reason.into())
        .col_expr(action::Column::DoneBy, Some(actor.user_id).into())
        .col_expr(action::Column::UpdatedAt, now().into())
        .filter(action::Column::Id.eq(id))
        .filter(action::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(FollowupError::Conflict(
            "Só uma ação pendente pode ser cancelada.".to_string(),
        ));
    }
    (program.refresh_person)(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    Ok(a.co_cidadao)
}

/// Whether an action is a completed record (done, or done and then annulled): never deleted.
pub fn is_record(a: &action::Model) -> bool {
    a.status == DONE || a.annulled_at.is_some()
}

/// The pending actions an action scheduled (and theirs), children last.
async fn pending_successors(txn: &DatabaseTransaction, id: i64) -> Result<Vec<i64>, FollowupError> {
    let mut out = Vec::new();
    let mut frontier = vec![id];
    while let Some(parent) = frontier.pop() {
        let children = action::Entity::find()
            .filter(action::Column::OriginId.eq(parent))
            .filter(action::Column::Status.eq(PENDING))
            .all(txn)
            .await?;
        for c in children {
            out.push(c.id);
            frontier.push(c.id);
        }
    }
    Ok(out)
}

const NOT_DELETED: &str = "Uma ação realizada não é excluída: anule-a informando o motivo.";

/// Deletes an action entered by mistake that is not a completed record (pending or
/// cancelled), with the pending actions it scheduled (and theirs); actions already done that
/// it led to stay in the history, detached (`origin_id` is `ON DELETE SET NULL`). A completed
/// action is refused: annul it ([`annul`]). Never fails on a foreign key.
pub async fn delete(
    db: &DatabaseConnection,
    program: &Program,
    actor: Actor<'_>,
    id: i64,
    today: NaiveDate,
) -> Result<Changed, FollowupError> {
    let a = find(db, program, actor.scope, id).await?;
    actor.check(Permission::Delete, true)?;
    if is_record(&a) {
        return Err(FollowupError::Conflict(NOT_DELETED.to_string()));
    }
    let txn = begin_write(db, a.co_cidadao).await?;
    // Re-read inside the transaction: it may have been completed meanwhile.
    let Some(a) = action::Entity::find_by_id(a.id)
        .filter(action::Column::Status.ne(DONE))
        .filter(action::Column::AnnulledAt.is_null())
        .one(&txn)
        .await?
    else {
        return Err(FollowupError::Conflict(NOT_DELETED.to_string()));
    };
    let mut doomed = vec![a.id];
    doomed.extend(pending_successors(&txn, a.id).await?);
    // Children first, so the SET NULL of the remaining ones never points at a deleted row.
    for id in doomed.iter().rev() {
        action::Entity::delete_by_id(*id).exec(&txn).await?;
    }
    (program.refresh_person)(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    let after = if doomed.len() > 1 {
        format!(
            "excluida com as pendentes que gerou ({})",
            join(&doomed[1..], " ")
        )
    } else {
        "excluida".to_string()
    };
    Ok(Changed {
        person: a.co_cidadao,
        before: describe(&a),
        after,
    })
}

fn join(ids: &[i64], sep: &str) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(sep)
}

/// Annuls a completed action with a reason: it stays in the timeline as annulled (status
/// `cancelled`, who, when, why), its record no longer counts, and the pending actions it
/// scheduled are removed. Nothing is deleted but those pending successors.
pub async fn annul(
    db: &DatabaseConnection,
    program: &Program,
    actor: Actor<'_>,
    id: i64,
    reason: Option<String>,
    today: NaiveDate,
) -> Result<Changed, FollowupError> {
    let a = find(db, program, actor.scope, id).await?;
    actor.check(Permission::Delete, true)?;
    let reason = clean_text("motivo", reason.as_deref())
        .map_err(|e| FollowupError::Invalid(vec![e]))?
        .ok_or_else(|| invalid("motivo", "Informe o motivo da anulação."))?;
    let txn = begin_write(db, a.co_cidadao).await?;
    let res = action::Entity::update_many()
        .col_expr(action::Column::Status, CANCELLED.into())
        .col_expr(action::Column::AnnulledAt, Some(now()).into())
        .col_expr(action::Column::AnnulledBy, Some(actor.user_id).into())
        .col_expr(action::Column::AnnulReason, Some(reason.clone()).into())
        .col_expr(action::Column::UpdatedAt, now().into())
        .filter(action::Column::Id.eq(a.id))
        .filter(action::Column::Status.eq(DONE))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(FollowupError::Conflict(
            "Só uma ação realizada pode ser anulada.".to_string(),
        ));
    }
    let successors = pending_successors(&txn, a.id).await?;
    for id in successors.iter().rev() {
        action::Entity::delete_by_id(*id).exec(&txn).await?;
    }
    (program.refresh_person)(&txn, a.co_cidadao, today).await?;
    txn.commit().await?;
    let mut after = format!(
        "id={} situacao=cancelled anulada_por={} motivo=\"{}\"",
        a.id, actor.user_id, reason
    );
    if !successors.is_empty() {
        after.push_str(&format!(" pendentes_excluidas={}", join(&successors, ",")));
    }
    Ok(Changed {
        person: a.co_cidadao,
        before: describe(&a),
        after,
    })
}
