//! Reading a programme's follow-up of one person: the timeline (every action with who did it
//! and its checklist, newest first) and the next action (the earliest pending one).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{Kind, PENDING, Program};
use crate::store::{app_user, care_action as action, care_action_step as step};

/// One action of the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: action::Model,
    /// `None`: a key the catalogue no longer knows (shown as stored).
    pub kind: Option<&'static Kind>,
    /// Who created it and who completed/cancelled it (full names).
    pub created_by: String,
    pub done_by: Option<String>,
    pub steps: Vec<step::Model>,
}

impl Entry {
    /// The day it happened (done) or is due.
    pub fn day(&self) -> NaiveDate {
        self.action.done_date.unwrap_or(self.action.due_date)
    }

    pub fn label(&self) -> &str {
        self.kind.map_or(&self.action.action_type, |k| k.label)
    }
}

/// The programme's actions about a person, newest first (by day, then id).
pub async fn timeline(
    db: &impl ConnectionTrait,
    program: &Program,
    person: i64,
) -> Result<Vec<Entry>, DbErr> {
    let actions = action::Entity::find()
        .filter(action::Column::Program.eq(program.key))
        .filter(action::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let users: BTreeMap<i64, String> = app_user::Entity::find()
        .filter(
            app_user::Column::Id.is_in(
                actions
                    .iter()
                    .flat_map(|a| [Some(a.created_by), a.done_by])
                    .flatten()
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect();
    let mut steps: BTreeMap<i64, Vec<step::Model>> = BTreeMap::new();
    if !ids.is_empty() {
        for s in step::Entity::find()
            .filter(step::Column::ActionId.is_in(ids))
            .order_by_asc(step::Column::Position)
            .all(db)
            .await?
        {
            steps.entry(s.action_id).or_default().push(s);
        }
    }
    let mut out: Vec<Entry> = actions
        .into_iter()
        .map(|a| Entry {
            kind: program.kind(&a.action_type),
            created_by: users.get(&a.created_by).cloned().unwrap_or_default(),
            done_by: a.done_by.and_then(|u| users.get(&u).cloned()),
            steps: steps.remove(&a.id).unwrap_or_default(),
            action: a,
        })
        .collect();
    out.sort_by(|a, b| b.day().cmp(&a.day()).then(b.action.id.cmp(&a.action.id)));
    Ok(out)
}

/// The pending actions of a person in a programme: how many, and the next one (earliest due,
/// then lowest id) as (kind key, due date).
pub async fn next_action(
    db: &impl ConnectionTrait,
    program: &str,
    person: i64,
) -> Result<(Option<(String, NaiveDate)>, i32), DbErr> {
    let pending = action::Entity::find()
        .filter(action::Column::Program.eq(program))
        .filter(action::Column::CoCidadao.eq(person))
        .filter(action::Column::Status.eq(PENDING))
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?;
    let count = i32::try_from(pending.len()).unwrap_or(i32::MAX);
    Ok((
        pending
            .into_iter()
            .next()
            .map(|a| (a.action_type, a.due_date)),
        count,
    ))
}
