//! Indicator results per team and month, for every programme: a refresh adds each person's
//! points at each month end of the quadrimester ([`TeamMonths`]) and stores them in
//! `indicator_team_month` under the indicator's code; the team summaries read them back.
//! The rules (practices, windows, points, consolidation) are `clinical::indicator`'s.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::QueryOrder;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::clinical::indicator::{self, Events, IndicatorDef};
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
