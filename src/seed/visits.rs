//! Community health agent (ACS) home visits over the last two years.
//!
//! Each visit to a household is one `tb_cds_ficha_visita_domiciliar` (by the ACS of the
//! household's micro-area) with one `tb_cds_visita_domiciliar` row per visited person, matched
//! to the citizen by CNS (sometimes CPF too), and its motives in `rl_cds_visita_dom_motivo`.
//! Visit frequency depends on the ACS and on who lives there, so that roughly half of the
//! hypertensive people get two completed visits at least 30 days apart within a year.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use super::Ctx;
use super::calendar::{add_days, office_time, uniform_date, weekday_within};
use super::catalogues::{
    MOTIVE_BEDRIDDEN, MOTIVE_CHILD, MOTIVE_DIABETES, MOTIVE_GUIDANCE, MOTIVE_HYPERTENSION,
    MOTIVE_NEWBORN, MOTIVE_PERIODIC, MOTIVE_PREGNANT, MOTIVE_REGISTRATION,
    MOTIVE_SEARCH_CONSULTATION, MOTIVE_SEARCH_EXAM, MOTIVE_SEARCH_VACCINE, MOTIVE_VECTOR_CONTROL,
    VISIT_ABSENT, VISIT_DONE, VISIT_REFUSED,
};
use super::rng::Rng;
use super::territory::{Household, Person};
use super::writer::{Table, Writer, big, big_opt, text_opt, ts};

/// Days of visit history generated.
const HISTORY_DAYS: i64 = 730;

pub fn household<C: ConnectionTrait>(
    ctx: &mut Ctx,
    rng: &mut Rng,
    house: &Household,
    w: &mut Writer<'_, C>,
) {
    let Some(acs) = house.acs else { return };
    let today = ctx.today;
    let followed: Vec<&Person> = house
        .people
        .iter()
        .filter(|p| p.followed && !p.family_moved)
        .collect();
    if followed.is_empty() {
        return;
    }
    let priority = |p: &Person| {
        p.health.hypertensive
            || p.health.diabetic
            || p.health.pregnant_since.is_some()
            || p.health.bedridden
            || p.age(today) < 2
    };
    let priority_house = followed.iter().any(|p| priority(p));
    let per_year = house.acs_activity * if priority_house { 2.6 } else { 1.0 };
    let lo = add_days(today, -HISTORY_DAYS);
    let mut days = Vec::new();
    for _ in 0..rng.poisson(per_year * HISTORY_DAYS as f64 / 365.0) {
        let day = uniform_date(rng, lo, today);
        days.push(day);
        // Some visits get a quick return visit (less than 30 days apart).
        if rng.chance(0.1) {
            let back = add_days(day, rng.range(5, 26));
            if back <= today {
                days.push(back);
            }
        }
    }
    days.sort_unstable();

    for day in days {
        let day = weekday_within(day, lo, today);
        let present: Vec<&Person> = followed
            .iter()
            .copied()
            .filter(|p| p.alive_on(day))
            .collect();
        if present.is_empty() {
            continue;
        }
        let mut visited: Vec<&Person> = present
            .iter()
            .copied()
            .filter(|p| rng.chance(if priority(p) { 0.92 } else { 0.75 }))
            .collect();
        if visited.is_empty() {
            visited.push(present[rng.below(present.len() as u64) as usize]);
        }
        let outcome = rng.weighted(&[
            (VISIT_DONE, 0.88),
            (VISIT_REFUSED, 0.03),
            (VISIT_ABSENT, 0.09),
        ]);
        let form = ctx.ids.next(Table::FichaVisita);
        w.push(
            Table::FichaVisita,
            vec![big(form), ts(office_time(rng, day)), big(acs)],
        );
        for p in visited {
            let visit = ctx.ids.next(Table::VisitaDomiciliar);
            let cpf = p.cpf.clone().filter(|_| rng.chance(0.3));
            let bp =
                (outcome == VISIT_DONE && p.health.hypertensive && rng.chance(0.03)).then(|| {
                    format!(
                        "{}/{}",
                        120 + 10 * rng.range(0, 4),
                        80 + 10 * rng.range(0, 2)
                    )
                });
            w.push(
                Table::VisitaDomiciliar,
                vec![
                    big(visit),
                    big(form),
                    text_opt(Some(p.cns.clone())),
                    text_opt(cpf),
                    big_opt(Some(outcome)),
                    text_opt(bp),
                ],
            );
            for motive in motives(rng, p, day, outcome) {
                w.push(Table::VisitaMotivoRel, vec![big(visit), big(motive)]);
            }
        }
    }
}

/// Motives of one visited person (ordered, without repeats). Most completed visits have at
/// least one; refused and absent visits rarely do.
fn motives(rng: &mut Rng, p: &Person, day: chrono::NaiveDate, outcome: i64) -> BTreeSet<i64> {
    let mut set = BTreeSet::new();
    if outcome != VISIT_DONE {
        if rng.chance(0.3) {
            set.insert(MOTIVE_PERIODIC);
        }
        return set;
    }
    if rng.chance(0.08) {
        return set;
    }
    let age = p.age(day);
    let pregnant = p
        .health
        .pregnant_since
        .is_some_and(|lmp| day >= lmp && day <= add_days(lmp, 280));
    let candidates = [
        (MOTIVE_PERIODIC, 0.6),
        (
            MOTIVE_HYPERTENSION,
            if p.health.hypertensive { 0.7 } else { 0.0 },
        ),
        (MOTIVE_DIABETES, if p.health.diabetic { 0.7 } else { 0.0 }),
        (MOTIVE_PREGNANT, if pregnant { 0.9 } else { 0.0 }),
        (MOTIVE_NEWBORN, if age < 1 { 0.6 } else { 0.0 }),
        (MOTIVE_CHILD, if (1..10).contains(&age) { 0.4 } else { 0.0 }),
        (MOTIVE_BEDRIDDEN, if p.health.bedridden { 0.8 } else { 0.0 }),
        (MOTIVE_REGISTRATION, 0.1),
        (MOTIVE_SEARCH_CONSULTATION, 0.06),
        (MOTIVE_SEARCH_EXAM, 0.04),
        (MOTIVE_SEARCH_VACCINE, if age < 10 { 0.1 } else { 0.01 }),
        (MOTIVE_VECTOR_CONTROL, 0.06),
        (MOTIVE_GUIDANCE, 0.1),
    ];
    for (motive, probability) in candidates {
        if rng.chance(probability) {
            set.insert(motive);
        }
    }
    if set.is_empty() {
        set.insert(MOTIVE_PERIODIC);
    }
    set
}
