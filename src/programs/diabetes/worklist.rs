//! The diabetes worklist ("Diabetes"): filters, tabs by glycaemic control, counters, sorting
//! and paging over `diabetes_summary`. Rows, counters and the export come from the same
//! condition, so their numbers agree.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::permission::{Grants, Permission};
use crate::care::worklist::{self, Choice, ListDef};
use crate::clinical::age;
use crate::clinical::diabetes::{Control, format_hba1c};
use crate::export::{Cell, Table};
use crate::store::diabetes_summary::{self as summary, Column};

/// The list as data, for the platform's parser and query strings (`care::worklist`).
#[derive(Debug)]
pub struct List;

impl ListDef for List {
    type Tab = Control;
    type Sort = Sort;
    type Practice = &'static str;
    const PATH: &'static str = "/diabeticos";
    const TAB_PARAMS: &'static [&'static str] = &["controle"];
    const TABS: &'static [Control] = &Control::ALL;
    const SORTS: &'static [Sort] = &Sort::ALL;
    const DEFAULT_SORT: Sort = Sort::Name;
    const PRACTICES: &'static [&'static str] = &PRACTICES;
}

/// What the list shows: scope, team, micro-area, search, control tab, a missing C4 practice.
pub type Filters = worklist::Filters<List>;
/// Which page, how long, in which order.
pub type PageRequest = worklist::PageRequest<List>;
/// The list's parameters, parsed once for the page, its exports and the API.
pub type ListQuery = worklist::Query<List>;

impl Choice for Control {
    fn key(self) -> &'static str {
        Control::key(self)
    }
    fn label(self) -> &'static str {
        Control::label(self)
    }
}

impl Choice for Sort {
    fn key(self) -> &'static str {
        Sort::key(self)
    }
    fn label(self) -> &'static str {
        Sort::label(self)
    }
}
/// Most rows one export may hold.
pub const MAX_EXPORT_ROWS: usize = 20_000;

/// The C4 practice letters, in order.
pub const PRACTICES: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

fn practice_column(letter: &str) -> Option<Column> {
    Some(match letter {
        "A" => Column::C4A,
        "B" => Column::C4B,
        "C" => Column::C4C,
        "D" => Column::C4D,
        "E" => Column::C4E,
        "F" => Column::C4F,
        _ => return None,
    })
}

/// Sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    PointsAsc,
    Hba1cDesc,
    NextDue,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Name, Sort::PointsAsc, Sort::Hba1cDesc, Sort::NextDue];

    pub fn key(self) -> &'static str {
        match self {
            Sort::Name => "nome",
            Sort::PointsAsc => "pontos",
            Sort::Hba1cDesc => "hba1c",
            Sort::NextDue => "prazo",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "Nome (A–Z)",
            Sort::PointsAsc => "Menos pontos C4 primeiro",
            Sort::Hba1cDesc => "HbA1c mais alta primeiro",
            Sort::NextDue => "Prazo mais próximo primeiro",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl Filters {
    /// Everything but the control tab: the base the counters split.
    fn base(&self) -> Condition {
        let mut c = Condition::all().add(self.scope.condition(
            Column::NuCnes,
            Column::NuIne,
            Column::MicroArea,
        ));
        if let Some(team) = &self.team {
            c = c.add(Column::NuIne.eq(team.as_str()));
        }
        if let Some(micro) = &self.micro_area {
            c = c.add(Column::MicroArea.eq(micro.as_str()));
        }
        if let Some(search) = &self.search {
            c = c.add(search.condition(Column::SearchText));
        }
        if let Some(col) = self.missing.and_then(practice_column) {
            c = c.add(col.eq(false));
        }
        c
    }

    pub fn condition(&self) -> Condition {
        let mut c = self.base();
        if let Some(control) = self.tab {
            c = c.add(Column::ControlStatus.eq(control.key()));
        }
        c
    }
}

/// Counters: everyone under the base filters, and each control status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub total: u64,
    pub by_control: Vec<(Control, u64)>,
    /// Sum of C4 points (mean = points / total).
    pub points: i64,
}

impl Counters {
    pub fn get(&self, control: Option<Control>) -> u64 {
        match control {
            None => self.total,
            Some(c) => self
                .by_control
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(0, |(_, n)| *n),
        }
    }

    /// Mean C4 score of the people counted (0–100).
    pub fn mean(&self) -> Option<f64> {
        (self.total > 0).then(|| self.points as f64 / self.total as f64)
    }
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    control_status: String,
    n: i64,
    points: Option<i64>,
}

pub async fn counters(db: &DatabaseConnection, f: &Filters) -> Result<Counters, DbErr> {
    let rows = summary::Entity::find()
        .select_only()
        .column(Column::ControlStatus)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(Expr::cust("CAST(SUM(c4_points) AS BIGINT)"), "points")
        .filter(f.base())
        .group_by(Column::ControlStatus)
        .into_model::<CountRow>()
        .all(db)
        .await?;
    let mut c = Counters::default();
    for r in rows {
        let n = u64::try_from(r.n).unwrap_or(0);
        c.total += n;
        c.points += r.points.unwrap_or(0);
        if let Some(control) = Control::from_key(&r.control_status) {
            c.by_control.push((control, n));
        }
    }
    Ok(c)
}

fn ordered(q: sea_orm::Select<summary::Entity>, sort: Sort) -> sea_orm::Select<summary::Entity> {
    let q = match sort {
        Sort::Name => q,
        Sort::PointsAsc => q.order_by_asc(Column::C4Points),
        Sort::Hba1cDesc => q
            .order_by(
                Expr::cust("CASE WHEN last_hba1c IS NULL THEN 1 ELSE 0 END"),
                Order::Asc,
            )
            .order_by_desc(Column::LastHba1c),
        Sort::NextDue => q
            .order_by(
                Expr::cust("CASE WHEN next_due IS NULL THEN 1 ELSE 0 END"),
                Order::Asc,
            )
            .order_by_asc(Column::NextDue),
    };
    q.order_by_asc(Column::SearchText)
        .order_by_asc(Column::CoSeqCidadao)
}

/// One page of rows, and the number of rows under the same filters.
pub async fn page(
    db: &DatabaseConnection,
    f: &Filters,
    req: &PageRequest,
) -> Result<(Vec<summary::Model>, u64), DbErr> {
    let q = summary::Entity::find().filter(f.condition());
    let total = q.clone().count(db).await?;
    let rows = ordered(q, req.sort)
        .offset(req.offset())
        .limit(req.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every row under the filters (exports), at most `MAX_EXPORT_ROWS + 1`.
pub async fn all_rows(
    db: &DatabaseConnection,
    f: &Filters,
    sort: Sort,
) -> Result<Vec<summary::Model>, DbErr> {
    ordered(summary::Entity::find().filter(f.condition()), sort)
        .limit(MAX_EXPORT_ROWS as u64 + 1)
        .all(db)
        .await
}

/// Why a file or a printed list is not given.
#[derive(Debug)]
pub enum ExportError {
    /// The user's profile may not (the sentence to show).
    Forbidden(&'static str),
    /// More than [`MAX_EXPORT_ROWS`] rows: filter first.
    TooMany,
    Db(DbErr),
}

impl From<DbErr> for ExportError {
    fn from(e: DbErr) -> Self {
        ExportError::Db(e)
    }
}

/// Every row under the filters, in the page's order, for a file (`Permission::Export`) or a
/// printed list (`Permission::View`) — when the user may, and when the list is not too long.
pub async fn rows_for(
    db: &DatabaseConnection,
    grants: &Grants,
    permission: Permission,
    f: &Filters,
    sort: Sort,
) -> Result<Vec<summary::Model>, ExportError> {
    grants
        .check(permission, true)
        .map_err(ExportError::Forbidden)?;
    let rows = all_rows(db, f, sort).await?;
    if rows.len() > MAX_EXPORT_ROWS {
        return Err(ExportError::TooMany);
    }
    Ok(rows)
}

/// The exported table (CSV and XLSX): one line per person, in the rows' order.
pub fn export_table(rows: &[summary::Model], today: chrono::NaiveDate) -> Table {
    let mut headers: Vec<String> = [
        "Nome",
        "CNS",
        "Nascimento",
        "Idade",
        "Equipe",
        "INE",
        "Microárea",
        "Última HbA1c (%)",
        "Data da HbA1c",
        "Meta",
        "Controle",
        "Pontos C4",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(PRACTICES.iter().map(|p| format!("C4 {p}")));
    headers.extend([
        "Próxima ação".to_string(),
        "Prazo da próxima ação".to_string(),
    ]);
    Table {
        title: "Diabetes".into(),
        headers,
        rows: rows.iter().map(|r| export_row(r, today)).collect(),
    }
}

fn export_row(r: &summary::Model, today: chrono::NaiveDate) -> Vec<Cell> {
    let mut cells = vec![
        Cell::Text(r.no_cidadao.clone()),
        r.nu_cns.clone().map_or(Cell::Empty, Cell::Text),
        r.dt_nascimento.map_or(Cell::Empty, Cell::Date),
        r.dt_nascimento
            .map_or(Cell::Empty, |b| Cell::Int(i64::from(age::years(b, today)))),
        Cell::Text(r.no_equipe.clone()),
        Cell::Text(r.nu_ine.clone()),
        r.micro_area.clone().map_or(Cell::Empty, Cell::Text),
        r.last_hba1c
            .map_or(Cell::Empty, |v| Cell::Text(format_hba1c(v))),
        r.last_hba1c_date.map_or(Cell::Empty, Cell::Date),
        Cell::Text(r.hba1c_target.clone()),
        Cell::Text(
            Control::from_key(&r.control_status)
                .map_or("", |c| c.label())
                .to_string(),
        ),
        Cell::Int(i64::from(r.c4_points)),
    ];
    for met in [r.c4_a, r.c4_b, r.c4_c, r.c4_d, r.c4_e, r.c4_f] {
        cells.push(Cell::Text(if met { "sim" } else { "não" }.into()));
    }
    // The list's last column: the next follow-up action and its due day.
    cells.push(r.next_action_type.as_deref().map_or(Cell::Empty, |t| {
        Cell::Text(super::followup::FOLLOWUP.label(t).to_string())
    }));
    cells.push(r.next_action_due.map_or(Cell::Empty, Cell::Date));
    cells
}

#[derive(Debug, FromQueryResult)]
struct PhoneRow {
    co_seq_cidadao: i64,
    nu_telefone: Option<String>,
}

/// The mobile phone the PEC holds for each of these people (from the `person` read model),
/// for the printed list.
pub async fn phones(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    use crate::store::person::{Column as P, Entity as Person};
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows = Person::find()
            .select_only()
            .column(P::CoSeqCidadao)
            .column(P::NuTelefone)
            .filter(P::CoSeqCidadao.is_in(chunk.iter().copied()))
            .filter(P::NuTelefone.is_not_null())
            .into_model::<PhoneRow>()
            .all(db)
            .await?;
        out.extend(
            rows.into_iter()
                .filter_map(|r| r.nu_telefone.map(|t| (r.co_seq_cidadao, t))),
        );
    }
    Ok(out)
}
