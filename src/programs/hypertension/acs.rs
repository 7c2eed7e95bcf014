//! The ACS worklist: every hypertensive person of one micro-area, grouped by household
//! (street, number), with what each one needs next and by when — for the round of visits.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::auth::Scope;
use crate::clinical::c5::{self, Practice};
use crate::store::hypertension_summary::{self as summary, Column};

/// One household and its hypertensive residents.
#[derive(Debug, Clone)]
pub struct Household {
    /// `None`: the registration links the person to no current household.
    pub street: Option<String>,
    pub number: Option<String>,
    pub district: Option<String>,
    pub people: Vec<summary::Model>,
}

/// What one person needs, in the order the ACS reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub what: String,
    pub by: Option<NaiveDate>,
    pub overdue: bool,
}

/// The needs of a person: the next follow-up action, then the missing C5 practices (due by
/// the end of the quadrimester).
pub fn needs(r: &summary::Model, today: NaiveDate) -> Vec<Need> {
    let mut out = Vec::new();
    if let (Some(t), Some(due)) = (&r.next_action_type, r.next_action_due) {
        out.push(Need {
            what: super::followup::action_label(t).to_string(),
            by: Some(due),
            overdue: due < today,
        });
    }
    let (_, end) = c5::quadrimester(today);
    let met = |p: Practice| r.c5_met(p);
    for p in Practice::ALL.into_iter().filter(|p| !met(*p)) {
        out.push(Need {
            what: p.description().to_string(),
            by: Some(end),
            overdue: false,
        });
    }
    out
}

/// Sort key of a house number: numeric part first ("12A" after "12", "S/N" last).
fn number_key(n: &Option<String>) -> (u64, String) {
    let text = n.clone().unwrap_or_default();
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u64::MAX), text)
}

/// The households of a micro-area of a team, within the scope (empty when out of scope).
pub async fn households(
    db: &DatabaseConnection,
    scope: &Scope,
    team: &str,
    micro_area: &str,
) -> Result<Vec<Household>, DbErr> {
    let rows = summary::Entity::find()
        .filter(scope.condition(Column::NuCnes, Column::NuIne, Column::MicroArea))
        .filter(Column::NuIne.eq(team))
        .filter(Column::MicroArea.eq(micro_area))
        .order_by_asc(Column::NoCidadao)
        .order_by_asc(Column::CoSeqCidadao)
        .all(db)
        .await?;
    let mut houses: Vec<Household> = Vec::new();
    for r in rows {
        let key = (r.household_street.clone(), r.household_number.clone());
        match houses
            .iter_mut()
            .find(|h| (h.street.clone(), h.number.clone()) == key)
        {
            Some(h) => h.people.push(r),
            None => houses.push(Household {
                street: r.household_street.clone(),
                number: r.household_number.clone(),
                district: r.household_district.clone(),
                people: vec![r],
            }),
        }
    }
    houses.sort_by(|a, b| {
        (a.street.is_none(), a.street.clone(), number_key(&a.number)).cmp(&(
            b.street.is_none(),
            b.street.clone(),
            number_key(&b.number),
        ))
    });
    Ok(houses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn house_numbers_sort_numerically() {
        let mut v = vec![
            Some("12A".to_string()),
            Some("2".to_string()),
            None,
            Some("12".to_string()),
            Some("S/N".to_string()),
        ];
        v.sort_by_key(number_key);
        assert_eq!(
            v,
            vec![
                Some("2".to_string()),
                Some("12".to_string()),
                Some("12A".to_string()),
                None,
                Some("S/N".to_string()),
            ]
        );
    }
}
