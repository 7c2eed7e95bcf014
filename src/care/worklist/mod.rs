//! The platform's worklist: what every programme's list shares. A programme describes its list
//! as data ([`ListDef`]: the URL, the tabs, the sorts with their keys, Portuguese labels and
//! default, the good practices one can filter by) and gets, from here, the list parameters
//! ([`Filters`], [`PageRequest`], [`Query`]), the one parser of a raw query string that pages,
//! exports and the API all go through (`params`), the team-in-scope check (`scope`) and the
//! paging rules.

mod params;
mod scope;

pub use params::{ParamError, PerPage, parse_micro_area, parse_team};
pub use scope::{TEAM_NOT_FOUND, team_in_scope};

use chrono::NaiveDate;

use crate::auth::Scope;
pub use crate::care::search::{MAX_CHARS as MAX_SEARCH_CHARS, Search};

/// Page sizes a person may choose on a page.
pub const PER_PAGE_CHOICES: [u64; 4] = [10, 25, 50, 100];
pub const DEFAULT_PER_PAGE: u64 = 25;
/// Largest page size an integrator may ask the API for.
pub const MAX_PER_PAGE: u64 = 100;
/// Highest page number accepted.
pub const MAX_PAGE: u64 = 100_000;

/// One value of a list's vocabulary (a tab, a sort, a good practice): its URL key and the
/// label people read.
pub trait Choice: Copy + PartialEq + std::fmt::Debug + 'static {
    fn key(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// A programme's list, as data.
pub trait ListDef: 'static {
    type Tab: Choice;
    type Sort: Choice;
    type Practice: Choice;
    /// The page's path.
    const PATH: &'static str;
    /// The names the tab parameter is read from; the first is the one written.
    const TAB_PARAMS: &'static [&'static str];
    const TABS: &'static [Self::Tab];
    const SORTS: &'static [Self::Sort];
    const DEFAULT_SORT: Self::Sort;
    /// Good practices (by letter) one may ask the list to show as missing.
    const PRACTICES: &'static [Self::Practice];
}

/// A good practice known only by its letter (a `&'static str` of the programme's list).
impl Choice for &'static str {
    fn key(self) -> &'static str {
        self
    }
    fn label(self) -> &'static str {
        self
    }
}

/// Every filter of a list, already validated, and the user's scope (always applied).
#[derive(Debug)]
pub struct Filters<D: ListDef> {
    /// What the user may see; an empty scope shows nothing.
    pub scope: Scope,
    pub team: Option<String>,
    pub micro_area: Option<String>,
    pub search: Option<Search>,
    pub tab: Option<D::Tab>,
    /// A good practice the person has not met.
    pub missing: Option<D::Practice>,
    /// The day "overdue" is measured against (in the configured zone).
    pub today: NaiveDate,
}

impl<D: ListDef> Default for Filters<D> {
    fn default() -> Self {
        Filters {
            scope: Scope::default(),
            team: None,
            micro_area: None,
            search: None,
            tab: None,
            missing: None,
            today: NaiveDate::default(),
        }
    }
}

impl<D: ListDef> Clone for Filters<D> {
    fn clone(&self) -> Self {
        Filters {
            scope: self.scope.clone(),
            team: self.team.clone(),
            micro_area: self.micro_area.clone(),
            search: self.search.clone(),
            tab: self.tab,
            missing: self.missing,
            today: self.today,
        }
    }
}

impl<D: ListDef> PartialEq for Filters<D> {
    fn eq(&self, o: &Self) -> bool {
        self.scope == o.scope
            && self.team == o.team
            && self.micro_area == o.micro_area
            && self.search == o.search
            && self.tab == o.tab
            && self.missing == o.missing
            && self.today == o.today
    }
}

impl<D: ListDef> Eq for Filters<D> {}

/// Which page, how long, in which order.
#[derive(Debug)]
pub struct PageRequest<D: ListDef> {
    pub page: u64,
    pub per_page: u64,
    pub sort: D::Sort,
}

impl<D: ListDef> PageRequest<D> {
    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.per_page)
    }
}

impl<D: ListDef> Default for PageRequest<D> {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            sort: D::DEFAULT_SORT,
        }
    }
}

impl<D: ListDef> Clone for PageRequest<D> {
    fn clone(&self) -> Self {
        PageRequest {
            page: self.page,
            per_page: self.per_page,
            sort: self.sort,
        }
    }
}

impl<D: ListDef> PartialEq for PageRequest<D> {
    fn eq(&self, o: &Self) -> bool {
        self.page == o.page && self.per_page == o.per_page && self.sort == o.sort
    }
}

impl<D: ListDef> Eq for PageRequest<D> {}

/// Number of pages of `total` rows (at least one, so "page 1 of 1" reads right when empty).
pub fn pages(total: u64, per_page: u64) -> u64 {
    total.div_ceil(per_page.max(1)).max(1)
}

/// A list's parameters: its filters and the page asked for. The page, its exports and the API
/// build it with the same parser (`Query::parse`, `Query::set`).
#[derive(Debug)]
pub struct Query<D: ListDef> {
    pub filters: Filters<D>,
    pub page: PageRequest<D>,
}

impl<D: ListDef> Default for Query<D> {
    fn default() -> Self {
        Query {
            filters: Filters::default(),
            page: PageRequest::default(),
        }
    }
}

impl<D: ListDef> Clone for Query<D> {
    fn clone(&self) -> Self {
        Query {
            filters: self.filters.clone(),
            page: self.page.clone(),
        }
    }
}

impl<D: ListDef> PartialEq for Query<D> {
    fn eq(&self, o: &Self) -> bool {
        self.filters == o.filters && self.page == o.page
    }
}

impl<D: ListDef> Eq for Query<D> {}

impl<D: ListDef> Query<D> {
    /// The query string of this view; defaults are left out so URLs stay short and shareable.
    pub fn to_query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        let f = &self.filters;
        if let Some(t) = &f.team {
            s.append_pair("equipe", t);
        }
        if let Some(m) = &f.micro_area {
            s.append_pair("microarea", m);
        }
        if let Some(b) = &f.search {
            s.append_pair("busca", &b.raw);
        }
        if let (Some(t), Some(name)) = (f.tab, D::TAB_PARAMS.first()) {
            s.append_pair(name, t.key());
        }
        if let Some(p) = f.missing {
            s.append_pair("pratica", p.key());
        }
        if self.page.sort != D::DEFAULT_SORT {
            s.append_pair("ordem", self.page.sort.key());
        }
        if self.page.per_page != DEFAULT_PER_PAGE {
            s.append_pair("per_page", &self.page.per_page.to_string());
        }
        if self.page.page != 1 {
            s.append_pair("page", &self.page.page.to_string());
        }
        s.finish()
    }

    /// This view on the list's own page.
    pub fn href(&self) -> String {
        self.href_at(D::PATH)
    }

    /// This view's parameters on another path (exports, printing).
    pub fn href_at(&self, path: &str) -> String {
        let q = self.to_query();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{q}")
        }
    }

    /// The same filters on another tab, from the first page.
    pub fn with_tab(&self, t: Option<D::Tab>) -> Self {
        let mut q = self.clone();
        q.filters.tab = t;
        q.page.page = 1;
        q
    }

    pub fn with_page(&self, page: u64) -> Self {
        let mut q = self.clone();
        q.page.page = page;
        q
    }

    /// The same filters for every row (exports, printing): first page, default page size.
    pub fn for_export(&self) -> Self {
        let mut q = self.clone();
        q.page.page = 1;
        q.page.per_page = DEFAULT_PER_PAGE;
        q
    }

    /// Only the scope and the team: "clear the filters".
    pub fn without_filters(&self) -> Self {
        let mut q = Self::default();
        q.filters.scope = self.filters.scope.clone();
        q.filters.team = self.filters.team.clone();
        q
    }
}
