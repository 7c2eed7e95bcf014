//! The hypertension worklist ("Hipertensos"): filters, sorting, pagination and counters over
//! the read model. Rows, counters and exports come from the same filter, so their numbers
//! always agree.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order,
    QueryFilter, QueryOrder, QuerySelect,
};

use chrono::NaiveDate;

use crate::auth::Scope;
use crate::care::worklist::{self, Choice, ListDef};
use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Practice;
use crate::store::hypertension_summary::{self as summary, Column};

pub use crate::care::worklist::{
    DEFAULT_PER_PAGE, MAX_PAGE, MAX_SEARCH_CHARS, PER_PAGE_CHOICES, Search,
};

/// The list as data, for the platform's parser and query strings (`care::worklist`).
#[derive(Debug)]
pub struct List;

impl ListDef for List {
    type Tab = Tab;
    type Sort = Sort;
    type Practice = Practice;
    const PATH: &'static str = crate::web::paths::HYPERTENSION;
    // `controle` is the name the first version used for the three BP tabs.
    const TAB_PARAMS: &'static [&'static str] = &["situacao", "controle"];
    const TABS: &'static [Tab] = &Tab::ALL;
    const SORTS: &'static [Sort] = &Sort::ALL;
    const DEFAULT_SORT: Sort = Sort::Name;
    const PRACTICES: &'static [Practice] = &Practice::ALL;
}

/// Every filter of the list, already validated, and the user's scope (always applied).
pub type Filters = worklist::Filters<List>;
/// A page request.
pub type PageRequest = worklist::PageRequest<List>;
/// The list's parameters, parsed once for the page, its exports and the API.
pub type ListQuery = worklist::Query<List>;

/// Sort orders offered on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    /// Fewest C5 points first: who needs the most.
    PointsAsc,
    /// Oldest last reading first (never measured first).
    LastBpAsc,
    /// Oldest people first.
    AgeDesc,
    /// Earliest next action first (people with nothing pending last).
    NextAction,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Name,
        Sort::PointsAsc,
        Sort::LastBpAsc,
        Sort::AgeDesc,
        Sort::NextAction,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Sort::Name => "nome",
            Sort::PointsAsc => "pontos",
            Sort::LastBpAsc => "afericao",
            Sort::AgeDesc => "idade",
            Sort::NextAction => "proxima_acao",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "Nome (A–Z)",
            Sort::PointsAsc => "Menos pontos C5 primeiro",
            Sort::LastBpAsc => "Aferição mais antiga primeiro",
            Sort::AgeDesc => "Mais idosos primeiro",
            Sort::NextAction => "Próxima ação mais urgente primeiro",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
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

impl Choice for Tab {
    fn key(self) -> &'static str {
        Tab::key(self)
    }
    fn label(self) -> &'static str {
        Tab::label(self)
    }
}

impl Choice for Practice {
    fn key(self) -> &'static str {
        self.letter()
    }
    fn label(self) -> &'static str {
        self.description()
    }
}

/// The status tabs of the list. Each is one condition on the read model, and its counter is
/// the count of that same condition, so a tab's number is its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Controlled,
    Uncontrolled,
    NoRecentReading,
    /// At least one pending follow-up action (any due date).
    Pending,
    /// The earliest pending action is due before today.
    Overdue,
    /// At least one active medication in the programme's treatment plan.
    InTreatment,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Controlled,
        Tab::Uncontrolled,
        Tab::NoRecentReading,
        Tab::Pending,
        Tab::Overdue,
        Tab::InTreatment,
    ];

    /// URL value (`situacao=`).
    pub fn key(self) -> &'static str {
        match self {
            Tab::Controlled => "controlada",
            Tab::Uncontrolled => "nao_controlada",
            Tab::NoRecentReading => "sem_afericao",
            Tab::Pending => "acoes_pendentes",
            Tab::Overdue => "acoes_atrasadas",
            Tab::InTreatment => "em_tratamento",
        }
    }

    pub fn from_key(key: &str) -> Option<Tab> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::Controlled => "Pressão controlada",
            Tab::Uncontrolled => "Pressão não controlada",
            Tab::NoRecentReading => "Sem aferição recente",
            Tab::Pending => "Ações pendentes",
            Tab::Overdue => "Ações atrasadas",
            Tab::InTreatment => "Em tratamento",
        }
    }

    pub fn of_control(s: ControlStatus) -> Tab {
        match s {
            ControlStatus::Controlled => Tab::Controlled,
            ControlStatus::Uncontrolled => Tab::Uncontrolled,
            ControlStatus::NoRecentReading => Tab::NoRecentReading,
        }
    }

    fn condition(self, today: NaiveDate) -> Condition {
        use sea_orm::sea_query::ExprTrait;
        let c = Condition::all();
        match self {
            Tab::Controlled => c.add(Column::ControlStatus.eq(ControlStatus::Controlled.key())),
            Tab::Uncontrolled => c.add(Column::ControlStatus.eq(ControlStatus::Uncontrolled.key())),
            Tab::NoRecentReading => {
                c.add(Column::ControlStatus.eq(ControlStatus::NoRecentReading.key()))
            }
            Tab::Pending => c.add(Expr::col(Column::PendingActions).gt(0)),
            Tab::Overdue => c.add(Expr::col(Column::NextActionDue).lt(today)),
            Tab::InTreatment => c.add(Column::InTreatment.eq(true)),
        }
    }
}

impl Filters {
    /// Everything but the control-status filter: the base the counters split.
    fn base_condition(&self) -> Condition {
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
        if let Some(p) = self.missing {
            let col = match p {
                Practice::Visit => Column::C5Visit,
                Practice::BloodPressure => Column::C5Bp,
                Practice::Anthropometry => Column::C5Anthropometry,
                Practice::AcsVisits => Column::C5AcsVisits,
            };
            c = c.add(col.eq(false));
        }
        c
    }

    fn condition(&self) -> Condition {
        let mut c = self.base_condition();
        if let Some(t) = self.tab {
            c = c.add(t.condition(self.today));
        }
        c
    }
}

/// The counters of the tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub total: u64,
    pub controlled: u64,
    pub uncontrolled: u64,
    pub no_recent_reading: u64,
    pub pending: u64,
    pub overdue: u64,
    pub in_treatment: u64,
}

impl Counters {
    pub fn get(&self, t: Option<Tab>) -> u64 {
        match t {
            None => self.total,
            Some(Tab::Controlled) => self.controlled,
            Some(Tab::Uncontrolled) => self.uncontrolled,
            Some(Tab::NoRecentReading) => self.no_recent_reading,
            Some(Tab::Pending) => self.pending,
            Some(Tab::Overdue) => self.overdue,
            Some(Tab::InTreatment) => self.in_treatment,
        }
    }
}

/// The team's (or micro-area's) C5 result: mean points over everyone in that scope.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub people: u64,
    pub points: u64,
}

impl Score {
    /// Mean points, 0–100, one decimal.
    pub fn mean(&self) -> Option<f64> {
        (self.people > 0).then(|| (self.points as f64 / self.people as f64 * 10.0).round() / 10.0)
    }
}

/// One page of the list.
#[derive(Debug, Clone)]
pub struct Page {
    pub rows: Vec<summary::Model>,
    /// Rows matching every filter.
    pub total: u64,
    pub counters: Counters,
    pub score: Score,
    pub page: u64,
    pub per_page: u64,
}

impl Page {
    pub fn pages(&self) -> u64 {
        worklist::pages(self.total, self.per_page)
    }
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    total: i64,
    controlled: Option<i64>,
    uncontrolled: Option<i64>,
    no_recent: Option<i64>,
    pending: Option<i64>,
    overdue: Option<i64>,
    in_treatment: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct ScoreRow {
    people: i64,
    points: Option<i64>,
}

/// `SUM(CASE WHEN <tab condition> THEN 1 ELSE 0 END)`, with its values bound.
fn count_case(tab: Tab, today: NaiveDate) -> Expr {
    Func::sum(Expr::case(tab.condition(today), 1).finally(0)).into()
}

/// Counters for the filters (tab ignored: each counter is one tab).
pub async fn counters(db: &DatabaseConnection, filters: &Filters) -> Result<Counters, DbErr> {
    let t = filters.today;
    let row = summary::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(count_case(Tab::Controlled, t), "controlled")
        .column_as(count_case(Tab::Uncontrolled, t), "uncontrolled")
        .column_as(count_case(Tab::NoRecentReading, t), "no_recent")
        .column_as(count_case(Tab::Pending, t), "pending")
        .column_as(count_case(Tab::Overdue, t), "overdue")
        .column_as(count_case(Tab::InTreatment, t), "in_treatment")
        .filter(filters.base_condition())
        .into_model::<CountRow>()
        .one(db)
        .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(row
        .map(|r| Counters {
            total: n(r.total),
            controlled: n(r.controlled.unwrap_or(0)),
            uncontrolled: n(r.uncontrolled.unwrap_or(0)),
            no_recent_reading: n(r.no_recent.unwrap_or(0)),
            pending: n(r.pending.unwrap_or(0)),
            overdue: n(r.overdue.unwrap_or(0)),
            in_treatment: n(r.in_treatment.unwrap_or(0)),
        })
        .unwrap_or_default())
}

/// C5 score of the team/micro-area scope of the filters (search and practice filters ignored).
pub async fn score(db: &DatabaseConnection, filters: &Filters) -> Result<Score, DbErr> {
    let scope = Filters {
        scope: filters.scope.clone(),
        team: filters.team.clone(),
        micro_area: filters.micro_area.clone(),
        ..Default::default()
    };
    let row = summary::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "people")
        .column_as(Expr::cust("SUM(c5_points)"), "points")
        .filter(scope.base_condition())
        .into_model::<ScoreRow>()
        .one(db)
        .await?;
    Ok(row
        .map(|r| Score {
            people: u64::try_from(r.people).unwrap_or(0),
            points: u64::try_from(r.points.unwrap_or(0)).unwrap_or(0),
        })
        .unwrap_or_default())
}

/// Every row matching the filters, in the page's order (for exports and printing).
pub async fn all_rows(
    db: &DatabaseConnection,
    filters: &Filters,
    sort: Sort,
) -> Result<Vec<summary::Model>, DbErr> {
    ordered(summary::Entity::find().filter(filters.condition()), sort)
        .all(db)
        .await
}

fn ordered(q: sea_orm::Select<summary::Entity>, sort: Sort) -> sea_orm::Select<summary::Entity> {
    let q = match sort {
        Sort::Name => q,
        Sort::PointsAsc => q.order_by(Column::C5Points, Order::Asc),
        Sort::LastBpAsc => q
            .order_by(
                Expr::cust("CASE WHEN last_bp_date IS NULL THEN 0 ELSE 1 END"),
                Order::Asc,
            )
            .order_by(Column::LastBpDate, Order::Asc),
        Sort::AgeDesc => q
            .order_by(
                Expr::cust("CASE WHEN dt_nascimento IS NULL THEN 1 ELSE 0 END"),
                Order::Asc,
            )
            .order_by(Column::DtNascimento, Order::Asc),
        Sort::NextAction => q
            .order_by(
                Expr::cust("CASE WHEN next_action_due IS NULL THEN 1 ELSE 0 END"),
                Order::Asc,
            )
            .order_by(Column::NextActionDue, Order::Asc),
    };
    // Name, then id: a total order, so pages never overlap.
    q.order_by(Column::NoCidadao, Order::Asc)
        .order_by(Column::CoSeqCidadao, Order::Asc)
}

/// One page of the list with its counters and score.
pub async fn page(
    db: &DatabaseConnection,
    filters: &Filters,
    req: &PageRequest,
) -> Result<Page, DbErr> {
    let counters = counters(db, filters).await?;
    let total = counters.get(filters.tab);
    let score = score(db, filters).await?;
    let rows = ordered(
        summary::Entity::find().filter(filters.condition()),
        req.sort,
    )
    .offset(req.offset())
    .limit(req.per_page)
    .all(db)
    .await?;
    Ok(Page {
        rows,
        total,
        counters,
        score,
        page: req.page,
        per_page: req.per_page,
    })
}

/// A team that has hypertensive people, for the selector.
pub type TeamOption = crate::store::hypertension_team::Model;

/// Teams with hypertensive people that the scope reaches, by name. `people` is what the
/// user sees of the team: the team's total from the read model when the scope holds the
/// whole team, else (an ACS) the people of their own micro-areas only — the same number
/// the list shows for that team.
pub async fn teams(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<TeamOption>, DbErr> {
    use crate::store::hypertension_team::{Column as TeamColumn, Entity as Team};
    use sea_orm::PaginatorTrait;
    let all = Team::find()
        .order_by(TeamColumn::NoEquipe, Order::Asc)
        .order_by(TeamColumn::NuIne, Order::Asc)
        .all(db)
        .await?;
    let mut reached = Vec::new();
    for mut t in all {
        if !scope.allows_team(&t.nu_ine, t.nu_cnes.as_deref()) {
            continue;
        }
        if let Some(areas) = scope.micro_areas_of(&t.nu_ine, t.nu_cnes.as_deref()) {
            let seen = summary::Entity::find()
                .filter(Column::NuIne.eq(t.nu_ine.as_str()))
                .filter(Column::MicroArea.is_in(areas))
                .count(db)
                .await?;
            t.people = i64::try_from(seen).unwrap_or(i64::MAX);
        }
        reached.push(t);
    }
    Ok(reached)
}

#[derive(Debug, FromQueryResult)]
struct MicroAreaRow {
    micro_area: Option<String>,
}

/// Micro-areas of a team that have hypertensive people and that the scope reaches.
pub async fn micro_areas(
    db: &DatabaseConnection,
    scope: &Scope,
    team: &TeamOption,
) -> Result<Vec<String>, DbErr> {
    if let Some(only) = scope.micro_areas_of(&team.nu_ine, team.nu_cnes.as_deref()) {
        let mut only = only;
        only.sort();
        return Ok(only);
    }
    let team = team.nu_ine.as_str();
    let rows = summary::Entity::find()
        .select_only()
        .column(Column::MicroArea)
        .distinct()
        .filter(Column::NuIne.eq(team))
        .filter(Column::MicroArea.is_not_null())
        .order_by(Column::MicroArea, Order::Asc)
        .into_model::<MicroAreaRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|r| r.micro_area).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_round_trip() {
        for s in Sort::ALL {
            assert_eq!(Sort::from_key(s.key()), Some(s));
        }
        assert_eq!(Sort::from_key("zzz"), None);
    }

    #[test]
    fn score_mean() {
        assert_eq!(
            Score {
                people: 3,
                points: 175
            }
            .mean(),
            Some(58.3)
        );
        assert_eq!(Score::default().mean(), None);
    }
}
