//! The team summary: C5 of the current quadrimester (mean of the monthly results, NT 8/2026)
//! with its monthly trend, the practices met, and the follow-up workload.

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::Scope;
use crate::clinical::c5;
use crate::store::hypertension_summary::{self as summary, Column};

use super::worklist::{self, Counters, Filters};

/// The concept bands of C2–C7 (Ótimo > 75, Bom > 50, Suficiente > 25, Regular ≤ 25).
pub fn band(score: f64) -> &'static str {
    if score > 75.0 {
        "Ótimo"
    } else if score > 50.0 {
        "Bom"
    } else if score > 25.0 {
        "Suficiente"
    } else {
        "Regular"
    }
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

#[derive(Debug, Clone)]
pub struct TeamSummary {
    pub quadrimester: (NaiveDate, NaiveDate),
    /// Monthly trend; empty when the user sees only part of the team (micro-areas).
    pub months: Vec<Month>,
    /// Mean of the monthly results so far.
    pub quadrimester_score: Option<f64>,
    /// Now, over the people the user sees.
    pub people: u64,
    pub score_now: Option<f64>,
    /// People meeting each practice (A–D) now.
    pub practices: [u64; 4],
    pub counters: Counters,
    pub micro_areas: Vec<MicroAreaLine>,
}

#[derive(Debug, FromQueryResult)]
struct PracticeRow {
    people: i64,
    points: Option<i64>,
    a: Option<i64>,
    b: Option<i64>,
    c: Option<i64>,
    d: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct AreaRow {
    micro_area: Option<String>,
    people: i64,
    points: Option<i64>,
}

fn mean(points: i64, people: i64) -> Option<f64> {
    (people > 0).then(|| (points as f64 / people as f64 * 10.0).round() / 10.0)
}

/// The summary of a team as the scope sees it.
pub async fn summary(
    db: &DatabaseConnection,
    scope: &Scope,
    team: &worklist::TeamOption,
    today: NaiveDate,
) -> Result<TeamSummary, DbErr> {
    use sea_orm::sea_query::Expr;
    let whole_team = scope
        .micro_areas_of(&team.nu_ine, team.nu_cnes.as_deref())
        .is_none();
    let scoped = || {
        summary::Entity::find()
            .filter(scope.condition(Column::NuCnes, Column::NuIne, Column::MicroArea))
            .filter(Column::NuIne.eq(team.nu_ine.as_str()))
    };
    let as_int = |c: &str| Expr::cust(format!("SUM(CASE WHEN {c} THEN 1 ELSE 0 END)"));
    let p = scoped()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "people")
        .column_as(Expr::cust("SUM(c5_points)"), "points")
        .column_as(as_int("c5_visit"), "a")
        .column_as(as_int("c5_bp"), "b")
        .column_as(as_int("c5_anthropometry"), "c")
        .column_as(as_int("c5_acs_visits"), "d")
        .into_model::<PracticeRow>()
        .one(db)
        .await?;
    let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
    let (people, points, practices) = match p {
        Some(r) => (
            r.people,
            r.points.unwrap_or(0),
            [n(r.a), n(r.b), n(r.c), n(r.d)],
        ),
        None => (0, 0, [0; 4]),
    };
    let areas = scoped()
        .select_only()
        .column(Column::MicroArea)
        .column_as(Expr::cust("COUNT(*)"), "people")
        .column_as(Expr::cust("SUM(c5_points)"), "points")
        .group_by(Column::MicroArea)
        .order_by_asc(Column::MicroArea)
        .into_model::<AreaRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|r| MicroAreaLine {
            score: mean(r.points.unwrap_or(0), r.people),
            micro_area: r.micro_area,
            people: r.people,
        })
        .collect();
    let filters = Filters {
        scope: scope.clone(),
        team: Some(team.nu_ine.clone()),
        today,
        ..Default::default()
    };
    let counters = worklist::counters(db, &filters).await?;
    let (start, end) = c5::quadrimester(today);
    let months: Vec<Month> = if whole_team {
        crate::care::indicator::team_months(db, c5::C5.code, &team.nu_ine, (start, end))
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
        quadrimester: (start, end),
        months,
        quadrimester_score,
        people: u64::try_from(people).unwrap_or(0),
        score_now: mean(points, people),
        practices,
        counters,
        micro_areas: areas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_at_their_edges() {
        assert_eq!(band(100.0), "Ótimo");
        assert_eq!(band(75.1), "Ótimo");
        assert_eq!(band(75.0), "Bom");
        assert_eq!(band(50.1), "Bom");
        assert_eq!(band(50.0), "Suficiente");
        assert_eq!(band(25.1), "Suficiente");
        assert_eq!(band(25.0), "Regular");
        assert_eq!(band(0.0), "Regular");
    }
}
