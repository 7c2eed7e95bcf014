//! Indicator results per team, for every programme: a refresh adds each person's points at
//! each month end of the quadrimester ([`TeamMonths`]) and stores them in
//! `indicator_team_month` under the indicator's code; [`team_summary`] reads them back with
//! the situation now from the programme's read model (its [`Source`]), within the user's scope.
//! The rules (practices, windows, points, consolidation) are `clinical::indicator`'s.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::QueryOrder;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::auth::Scope;
use crate::clinical::indicator::{self, Band, Events, IndicatorDef, PracticeDef};
use crate::store::indicator_team_month as month;

/// People and points per (team INE, month end), as a refresh accumulates them.
#[derive(Debug, Default)]
pub struct TeamMonths {
    month_ends: Vec<NaiveDate>,
    totals: BTreeMap<(String, NaiveDate), (i64, i64)>,
}

impl TeamMonths {
    /// The month ends of the quadrimester of `today` (today for the current month).
    pub fn new(today: NaiveDate) -> TeamMonths {
        TeamMonths {
            month_ends: indicator::month_ends(today),
            totals: BTreeMap::new(),
        }
    }

    /// Counts one person of team `ine` in every month, with the points `def` gives their
    /// events on that month's end.
    pub fn add(&mut self, def: &IndicatorDef, ine: &str, events: &impl Events) {
        for end in self.month_ends.clone() {
            let points = indicator::points_on(def, events, end);
            self.add_points(ine, end, points);
        }
    }

    /// Counts one person of team `ine` with `points` at `end` (for a rule computed elsewhere).
    pub fn add_points(&mut self, ine: &str, end: NaiveDate, points: u32) {
        let e = self.totals.entry((ine.to_string(), end)).or_default();
        e.0 += 1;
        e.1 += i64::from(points);
    }

    /// The month ends counted.
    pub fn month_ends(&self) -> &[NaiveDate] {
        &self.month_ends
    }
}

/// Replaces the stored months of `code` with `months` (inside the refresh's transaction).
pub async fn store(db: &impl ConnectionTrait, code: &str, months: TeamMonths) -> Result<(), DbErr> {
    month::Entity::delete_many()
        .filter(month::Column::Indicator.eq(code))
        .exec(db)
        .await?;
    let rows: Vec<month::ActiveModel> = months
        .totals
        .into_iter()
        .map(|((ine, end), (people, points))| month::ActiveModel {
            indicator: Set(code.to_string()),
            nu_ine: Set(ine),
            month_end: Set(end),
            people: Set(people),
            points: Set(points),
        })
        .collect();
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(500).collect();
        month::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// The stored months of `code` for team `ine` between `start` and `end`, oldest first.
pub async fn team_months(
    db: &impl ConnectionTrait,
    code: &str,
    ine: &str,
    (start, end): (NaiveDate, NaiveDate),
) -> Result<Vec<month::Model>, DbErr> {
    month::Entity::find()
        .filter(month::Column::Indicator.eq(code))
        .filter(month::Column::NuIne.eq(ine))
        .filter(month::Column::MonthEnd.between(start, end))
        .order_by_asc(month::Column::MonthEnd)
        .all(db)
        .await
}

/// Where a programme keeps each person's indicator result now: its read model's table, the
/// points column and one boolean column per practice, in the order of `def.practices`; the
/// table has the person read model's `nu_cnes`, `nu_ine` and `micro_area` columns.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub def: &'static IndicatorDef,
    pub table: &'static str,
    pub points: &'static str,
    pub practices: &'static [&'static str],
}

/// One month of the quadrimester.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub end: NaiveDate,
    pub people: i64,
    pub score: Option<f64>,
    /// The current month, still open.
    pub partial: bool,
}

/// A micro-area line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct MicroAreaLine {
    pub micro_area: Option<String>,
    pub people: i64,
    pub score: Option<f64>,
}

/// A team's indicator as the user's scope sees it.
#[derive(Debug, Clone)]
pub struct TeamSummary {
    pub def: &'static IndicatorDef,
    pub quadrimester: (NaiveDate, NaiveDate),
    /// Monthly trend; empty when the user sees only part of the team (micro-areas).
    pub months: Vec<Month>,
    /// Mean of the monthly results so far (NT 8/2026), one decimal.
    pub quadrimester_score: Option<f64>,
    pub band: Option<Band>,
    /// Now, over the people the user sees.
    pub people: u64,
    pub score_now: Option<f64>,
    /// People meeting each practice now, in the order of `def.practices`.
    pub practices: Vec<(&'static PracticeDef, u64)>,
    pub micro_areas: Vec<MicroAreaLine>,
}

/// Mean points per person, one decimal.
fn mean(points: i64, people: i64) -> Option<f64> {
    (people > 0).then(|| (points as f64 / people as f64 * 10.0).round() / 10.0)
}

/// The summary of team `nu_ine` (of unit `nu_cnes`) as `scope` sees it, on `today`.
pub async fn team_summary(
    db: &impl ConnectionTrait,
    scope: &Scope,
    source: &Source,
    nu_ine: &str,
    nu_cnes: Option<&str>,
    today: NaiveDate,
) -> Result<TeamSummary, DbErr> {
    let col = |c: &str| Expr::col((Alias::new(source.table), Alias::new(c)));
    let scoped = || {
        let mut q = Query::select();
        q.from(Alias::new(source.table))
            .cond_where(scope.condition(
                (Alias::new(source.table), Alias::new("nu_cnes")),
                (Alias::new(source.table), Alias::new("nu_ine")),
                (Alias::new(source.table), Alias::new("micro_area")),
            ))
            .and_where(col("nu_ine").eq(nu_ine));
        q
    };
    let mut totals = scoped();
    totals
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("people"))
        .expr_as(
            Expr::cust(format!("COALESCE(SUM({}), 0)", source.points)),
            Alias::new("points"),
        );
    for (i, c) in source.practices.iter().enumerate() {
        totals.expr_as(
            Expr::cust(format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)")),
            Alias::new(format!("p{i}")),
        );
    }
    let row = db.query_one(&totals).await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let (people, points, met) = match row {
        Some(r) => {
            let mut met = Vec::with_capacity(source.practices.len());
            for i in 0..source.practices.len() {
                met.push(n(r.try_get::<i64>("", &format!("p{i}"))?));
            }
            (
                r.try_get::<i64>("", "people")?,
                r.try_get::<i64>("", "points")?,
                met,
            )
        }
        None => (0, 0, vec![0; source.practices.len()]),
    };
    let mut areas = scoped();
    areas
        .expr_as(col("micro_area"), Alias::new("micro_area"))
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("people"))
        .expr_as(
            Expr::cust(format!("COALESCE(SUM({}), 0)", source.points)),
            Alias::new("points"),
        )
        .group_by_col((Alias::new(source.table), Alias::new("micro_area")))
        .order_by(
            (Alias::new(source.table), Alias::new("micro_area")),
            sea_orm::Order::Asc,
        );
    let mut micro_areas = Vec::new();
    for r in db.query_all(&areas).await? {
        let people: i64 = r.try_get("", "people")?;
        micro_areas.push(MicroAreaLine {
            micro_area: r.try_get("", "micro_area")?,
            people,
            score: mean(r.try_get("", "points")?, people),
        });
    }
    let quadrimester = indicator::quadrimester(today);
    let whole_team = scope.micro_areas_of(nu_ine, nu_cnes).is_none();
    let months: Vec<Month> = if whole_team {
        team_months(db, source.def.code, nu_ine, quadrimester)
            .await?
            .into_iter()
            .map(|m| Month {
                end: m.month_end,
                people: m.people,
                score: mean(m.points, m.people),
                partial: m.month_end == today
                    && today.succ_opt().map(|d| chrono::Datelike::day(&d)) != Some(1),
            })
            .collect()
    } else {
        Vec::new()
    };
    let scores: Vec<f64> = months.iter().filter_map(|m| m.score).collect();
    let quadrimester_score = (!scores.is_empty())
        .then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 10.0).round() / 10.0);
    Ok(TeamSummary {
        def: source.def,
        quadrimester,
        months,
        quadrimester_score,
        band: quadrimester_score.and_then(|v| source.def.band(v)),
        people: n(people),
        score_now: mean(points, people),
        practices: source.def.practices.iter().zip(met).collect(),
        micro_areas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::c4::C4;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn each_person_counts_once_per_month_with_their_points_then() {
        let mut months = TeamMonths::new(d(2026, 6, 15));
        assert_eq!(
            months.month_ends(),
            [d(2026, 5, 31), d(2026, 6, 15)],
            "second quadrimester: May, then June so far"
        );
        months.add_points("A", d(2026, 5, 31), 20);
        months.add_points("A", d(2026, 5, 31), 35);
        months.add_points("B", d(2026, 6, 15), 0);
        assert_eq!(
            months.totals.get(&("A".into(), d(2026, 5, 31))),
            Some(&(2, 55))
        );
        assert_eq!(
            months.totals.get(&("B".into(), d(2026, 6, 15))),
            Some(&(1, 0))
        );
        assert_eq!(C4.code, "C4");
    }
}
