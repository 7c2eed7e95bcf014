//! The diabetes worklist ("Diabetes"): filters, tabs by glycaemic control, counters, sorting
//! and paging over `diabetes_summary`. Rows, counters and the export come from the same
//! condition, so their numbers agree.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::Scope;
use crate::care::search::Search;
use crate::clinical::diabetes::Control;
use crate::store::diabetes_summary::{self as summary, Column};

pub const PER_PAGE: u64 = 25;
pub const MAX_PAGE: u64 = 100_000;
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

/// What the list shows.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub scope: Scope,
    pub team: Option<String>,
    pub micro_area: Option<String>,
    pub search: Option<Search>,
    pub control: Option<Control>,
    /// A C4 practice letter the person has not met.
    pub missing: Option<&'static str>,
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
        if let Some(control) = self.control {
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
    sort: Sort,
    page: u64,
) -> Result<(Vec<summary::Model>, u64), DbErr> {
    let q = summary::Entity::find().filter(f.condition());
    let total = q.clone().count(db).await?;
    let rows = ordered(q, sort)
        .offset((page.max(1) - 1) * PER_PAGE)
        .limit(PER_PAGE)
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

/// The letter as the static string of [`PRACTICES`].
pub fn practice_letter(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_uppercase();
    PRACTICES.into_iter().find(|p| *p == t)
}
