//! The audit trail (LGPD): one append-only row per read of nominal data and per write, each
//! carrying a SHA-256 over its own content and the previous row's hash. Writers lock the
//! single `audit_head` row, so the chain stays linear with several instances.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::auth::CurrentUser;
use crate::store::{audit_head, audit_log, audit_log_person};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, in the trail's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewList,
    ViewPatient,
    Export,
    Print,
    ApiRead,
    Write,
    Login,
    Logout,
    AuditView,
    AuditExport,
    /// An admin gave (or tried to give) themselves a clinical role.
    SelfGrant,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::ViewList,
        Action::ViewPatient,
        Action::Export,
        Action::Print,
        Action::ApiRead,
        Action::Write,
        Action::Login,
        Action::Logout,
        Action::AuditView,
        Action::AuditExport,
        Action::SelfGrant,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Action::ViewList => "view_list",
            Action::ViewPatient => "view_patient",
            Action::Export => "export",
            Action::Print => "print",
            Action::ApiRead => "api_read",
            Action::Write => "write",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::AuditView => "audit_view",
            Action::AuditExport => "audit_export",
            Action::SelfGrant => "self_grant",
        }
    }

    pub fn from_key(key: &str) -> Option<Action> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::ViewList => "Consulta de lista",
            Action::ViewPatient => "Consulta de ficha",
            Action::Export => "Exportação",
            Action::Print => "Impressão",
            Action::ApiRead => "Leitura pela API",
            Action::Write => "Alteração",
            Action::Login => "Entrada no sistema",
            Action::Logout => "Saída do sistema",
            Action::AuditView => "Consulta à auditoria",
            Action::AuditExport => "Exportação da auditoria",
            Action::SelfGrant => "Autoatribuição de perfil clínico",
        }
    }
}

/// Where a request came from, for the trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    /// The API token of the request, if it came with one.
    pub token_id: Option<i64>,
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub user: Option<&'a CurrentUser>,
    pub action: Action,
    /// What was read or written: a route or a resource name (`/hipertensos`, `user:12`).
    pub resource: String,
    /// The filters used, as the query string.
    pub filters: Option<String>,
    /// Persons shown or written (`co_seq_cidadao`).
    pub persons: Vec<i64>,
    /// How many persons the request covered (the list's total may exceed the page's ids).
    pub person_count: u64,
    pub origin: Origin,
}

impl<'a> Event<'a> {
    /// An event about no person in particular (sign-in, sign-out, user administration).
    pub fn without_persons(
        user: Option<&'a CurrentUser>,
        action: Action,
        resource: impl Into<String>,
        origin: Origin,
    ) -> Event<'a> {
        Event {
            user,
            action,
            resource: resource.into(),
            filters: None,
            persons: Vec::new(),
            person_count: 0,
            origin,
        }
    }
}

/// The content a row's hash covers, in a fixed order. Fields added later (the token) are
/// appended only when present, so the rows written before them keep their hashes.
fn canonical(row: &audit_log::Model) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut fields = vec![
        row.id.to_string(),
        row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        row.user_id.map(|u| u.to_string()).unwrap_or_default(),
        opt(&row.username),
        opt(&row.role),
        row.action.clone(),
        row.resource.clone(),
        opt(&row.filters),
        opt(&row.person_ids),
        row.person_count.to_string(),
        opt(&row.client_addr),
        opt(&row.request_id),
        row.prev_hash.clone(),
    ];
    if let Some(t) = row.token_id {
        fields.push(format!("token={t}"));
    }
    fields.join("\u{1f}")
}

fn hash_row(row: &audit_log::Model) -> String {
    Sha256::digest(canonical(row).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Audit writes of this process queue here instead of in the database: SQLite answers a
/// second concurrent writer with SQLITE_BUSY and a sleeping back-off, which would turn
/// every busy moment into latency spikes. Other instances are ordered by the head row lock.
static WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Appends one event to the chain. Returns the new row id.
pub async fn record(db: &DatabaseConnection, event: Event<'_>) -> Result<i64, DbErr> {
    // The connection first, then the turn: with the database down each writer fails on its
    // own after `database.acquire_timeout_secs`, instead of queueing behind the others'
    // timeouts (measured by .ci/fault-postgres.sh: 6.2 s for the third in line, with 2 s).
    let txn = db.begin().await?;
    let _turn = WRITER.lock().await;
    // Take the write lock on the head first (a row lock on PostgreSQL, the database write lock
    // on SQLite), then read it: rows chain in the order they commit.
    audit_head::Entity::update_many()
        .col_expr(
            audit_head::Column::LastId,
            Expr::col(audit_head::Column::LastId),
        )
        .filter(audit_head::Column::Id.eq(1))
        .exec(&txn)
        .await?;
    let head = audit_head::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".into()))?;
    let mut persons = event.persons.clone();
    persons.sort_unstable();
    persons.dedup();
    let person_ids = (!persons.is_empty()).then(|| {
        persons
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    });
    let mut row = audit_log::Model {
        id: head.last_id + 1,
        // Microseconds: what both databases store exactly.
        at: Utc::now().trunc_subsecs(6),
        user_id: event.user.map(|u| u.id),
        username: event.user.map(|u| u.username.clone()),
        role: event.user.map(|u| u.roles_label()),
        action: event.action.key().to_string(),
        resource: event.resource,
        filters: event.filters.filter(|f| !f.is_empty()),
        person_ids,
        person_count: i64::try_from(event.person_count.max(persons.len() as u64))
            .unwrap_or(i64::MAX),
        client_addr: event.origin.client_addr,
        request_id: event.origin.request_id,
        prev_hash: head.last_hash.clone(),
        hash: String::new(),
        token_id: event.origin.token_id,
    };
    row.hash = hash_row(&row);
    let id = row.id;
    let hash = row.hash.clone();
    audit_log::ActiveModel::from(row).insert(&txn).await?;
    let mut rest = persons.into_iter().peekable();
    while rest.peek().is_some() {
        let chunk: Vec<audit_log_person::ActiveModel> = rest
            .by_ref()
            .take(500)
            .map(|p| audit_log_person::ActiveModel {
                audit_id: Set(id),
                co_seq_cidadao: Set(p),
            })
            .collect();
        audit_log_person::Entity::insert_many(chunk)
            .exec(&txn)
            .await?;
    }
    audit_head::ActiveModel {
        id: Set(1),
        last_id: Set(id),
        last_hash: Set(hash),
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    crate::telemetry::metrics::record_audit_rows(1);
    Ok(id)
}

/// Result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        rows: u64,
    },
    /// The first row whose content, link or position does not match.
    Broken {
        row_id: i64,
        reason: String,
    },
}

/// Walks the whole chain in id order and names the first broken row. The person index
/// (`audit_log_person`, what "who looked at this patient" searches) is checked against each
/// row's hashed person list: a deleted or added index row breaks the chain at that row.
pub async fn verify(db: &DatabaseConnection) -> Result<Verification, DbErr> {
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut expected_id = 1i64;
    let mut rows = 0u64;
    let mut pages = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .paginate(db, 1000);
    while let Some(page) = pages.fetch_and_next().await? {
        let (Some(first), Some(last)) = (page.first().map(|r| r.id), page.last().map(|r| r.id))
        else {
            continue;
        };
        let mut index: std::collections::BTreeMap<i64, Vec<i64>> =
            std::collections::BTreeMap::new();
        for p in audit_log_person::Entity::find()
            .filter(audit_log_person::Column::AuditId.between(first, last))
            .all(db)
            .await?
        {
            index.entry(p.audit_id).or_default().push(p.co_seq_cidadao);
        }
        for row in page {
            if row.id != expected_id {
                return Ok(Verification::Broken {
                    row_id: expected_id,
                    reason: format!("row {expected_id} is missing (next row is {})", row.id),
                });
            }
            if row.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    row_id: row.id,
                    reason: "link to the previous row does not match".into(),
                });
            }
            if hash_row(&row) != row.hash {
                return Ok(Verification::Broken {
                    row_id: row.id,
                    reason: "content does not match its hash".into(),
                });
            }
            let mut indexed = index.remove(&row.id).unwrap_or_default();
            indexed.sort_unstable();
            let listed: Vec<i64> = row
                .person_ids
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            if indexed != listed {
                return Ok(Verification::Broken {
                    row_id: row.id,
                    reason: format!(
                        "person index does not match the row ({} indexed, {} in the row)",
                        indexed.len(),
                        listed.len()
                    ),
                });
            }
            prev_hash = row.hash.clone();
            expected_id += 1;
            rows += 1;
        }
        if let Some((id, _)) = index.into_iter().next() {
            return Ok(Verification::Broken {
                row_id: id,
                reason: "person index names a row that does not exist".into(),
            });
        }
    }
    let orphans = audit_log_person::Entity::find()
        .filter(audit_log_person::Column::AuditId.gt(expected_id - 1))
        .one(db)
        .await?;
    if let Some(o) = orphans {
        return Ok(Verification::Broken {
            row_id: o.audit_id,
            reason: "person index names a row that does not exist".into(),
        });
    }
    let head = audit_head::Entity::find_by_id(1).one(db).await?;
    if let Some(h) = head
        && (h.last_id != expected_id - 1 || h.last_hash != prev_hash)
    {
        return Ok(Verification::Broken {
            row_id: h.last_id.max(expected_id),
            reason: "the last rows of the chain were removed".into(),
        });
    }
    Ok(Verification::Intact { rows })
}

/// A point of the chain kept outside the database (the log, a backup manifest): the id of a
/// row and its hash. A chain cut and rehashed from an earlier row verifies on its own, but
/// no longer holds its anchors.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub id: i64,
    pub hash: String,
}

impl Anchor {
    /// `ID:HASH`, as logged and as `audit verify --anchor` takes it.
    pub fn parse(text: &str) -> Option<Anchor> {
        let (id, hash) = text.trim().split_once(':')?;
        let id = id.trim().parse().ok()?;
        let hash = hash.trim().to_ascii_lowercase();
        (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
            .then_some(Anchor { id, hash })
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.id, self.hash)
    }
}

/// The head of the chain now (`None` before the first row).
pub async fn head(db: &impl sea_orm::ConnectionTrait) -> Result<Option<Anchor>, DbErr> {
    Ok(audit_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .filter(|h| h.last_id > 0)
        .map(|h| Anchor {
            id: h.last_id,
            hash: h.last_hash,
        }))
}

/// Checks the chain and that it still holds every anchor; names the first problem.
pub async fn verify_anchored(
    db: &DatabaseConnection,
    anchors: &[Anchor],
) -> Result<Verification, DbErr> {
    let v = verify(db).await?;
    if !matches!(v, Verification::Intact { .. }) {
        return Ok(v);
    }
    for a in anchors {
        let row = audit_log::Entity::find_by_id(a.id).one(db).await?;
        match row {
            None => {
                return Ok(Verification::Broken {
                    row_id: a.id,
                    reason: "the anchored row is gone: the chain was cut".into(),
                });
            }
            Some(r) if r.hash != a.hash => {
                return Ok(Verification::Broken {
                    row_id: a.id,
                    reason: "the anchored row's hash differs: the chain was rewritten".into(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(v)
}

/// Logs the head of the chain (the anchor an operator or a log collector keeps outside the
/// database) now and then every `every`.
pub fn spawn_anchor_log(
    db: DatabaseConnection,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match head(&db).await {
                Ok(Some(a)) => {
                    tracing::info!(audit.anchor = %a, "audit chain head");
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "audit chain head unavailable"),
            }
        }
    })
}

/// Filters of the auditor's page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub username: Option<String>,
    pub person: Option<i64>,
    pub action: Option<Action>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
}

fn condition(q: &Query) -> Condition {
    let mut c = Condition::all();
    if let Some(u) = &q.username {
        c = c.add(audit_log::Column::Username.eq(u.as_str()));
    }
    if let Some(a) = q.action {
        c = c.add(audit_log::Column::Action.eq(a.key()));
    }
    if let Some(f) = q.from {
        c = c.add(audit_log::Column::At.gte(f));
    }
    if let Some(u) = q.until {
        c = c.add(audit_log::Column::At.lt(u));
    }
    if let Some(p) = q.person {
        c = c.add(
            audit_log::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(audit_log_person::Column::AuditId)
                    .from(audit_log_person::Entity)
                    .and_where(audit_log_person::Column::CoSeqCidadao.eq(p))
                    .to_owned(),
            ),
        );
    }
    c
}

/// A page of the trail, newest first, and the total.
pub async fn search(
    db: &DatabaseConnection,
    q: &Query,
    page: u64,
    per_page: u64,
) -> Result<(Vec<audit_log::Model>, u64), DbErr> {
    let base = audit_log::Entity::find().filter(condition(q));
    let total = base.clone().count(db).await?;
    let rows = base
        .order_by_desc(audit_log::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every row matching the filters, oldest first (CSV export).
pub async fn all(db: &DatabaseConnection, q: &Query) -> Result<Vec<audit_log::Model>, DbErr> {
    audit_log::Entity::find()
        .filter(condition(q))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> audit_log::Model {
        audit_log::Model {
            id: 1,
            at: DateTime::from_timestamp(1_790_000_000, 123_000).unwrap_or_default(),
            user_id: Some(3),
            username: Some("ana".into()),
            role: Some("acs".into()),
            action: "view_list".into(),
            resource: "/hipertensos".into(),
            filters: Some("equipe=1".into()),
            person_ids: Some("1 2 3".into()),
            person_count: 3,
            client_addr: Some("127.0.0.1".into()),
            request_id: None,
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
            token_id: None,
        }
    }

    #[test]
    fn the_hash_covers_every_field() {
        let base = hash_row(&row());
        let variants: Vec<audit_log::Model> = vec![
            audit_log::Model { id: 2, ..row() },
            audit_log::Model {
                user_id: Some(4),
                ..row()
            },
            audit_log::Model {
                username: Some("bia".into()),
                ..row()
            },
            audit_log::Model {
                action: "export".into(),
                ..row()
            },
            audit_log::Model {
                resource: "/x".into(),
                ..row()
            },
            audit_log::Model {
                filters: None,
                ..row()
            },
            audit_log::Model {
                person_ids: Some("1 2".into()),
                ..row()
            },
            audit_log::Model {
                person_count: 4,
                ..row()
            },
            audit_log::Model {
                client_addr: Some("10.0.0.1".into()),
                ..row()
            },
            audit_log::Model {
                prev_hash: "1".repeat(64),
                ..row()
            },
            audit_log::Model {
                token_id: Some(7),
                ..row()
            },
        ];
        for v in variants {
            assert_ne!(hash_row(&v), base);
        }
        assert_eq!(hash_row(&row()), base, "deterministic");
    }

    #[test]
    fn action_keys_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_key(a.key()), Some(a));
        }
    }
}
