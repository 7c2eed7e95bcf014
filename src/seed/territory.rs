//! Territory: health units, teams, professionals, households, families and citizens with
//! their registration forms (FCD/FCI), team links and clinical records.

use std::collections::{BTreeSet, HashSet, VecDeque};

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::Ctx;
use super::calendar::{add_days, age_on, at, office_time, uniform_date};
use super::catalogues::{
    CBO_2002_ACS, CBO_2002_TACS, CBO_NURSE_ESF, CBO_NURSING_TECH_ESF, CBO_NUTRITIONIST,
    CBO_PHYSICIAN_ESF, CBO_PHYSICIAN_GENERAL, CBO_PHYSIOTHERAPIST, CBO_PSYCHOLOGIST, INCOME_BANDS,
    SEX_FEMALE, SEX_MALE, STREET_TYPES,
};
use super::identity::{
    FEMALE_FIRST, FamilyNames, SURNAMES, full_name, mobile_phone, name_filter, name_key, uuid,
};
use super::rng::Rng;
use super::writer::{
    Table, Writer, big, big_opt, date_opt, int, int_opt, text, text_opt, ts_opt, tstz_opt,
};

/// CNES team type of a family-health team (eSF).
pub const TEAM_TYPE_ESF: i64 = 70;
/// Team type used for the eMulti team (assumed CNES code; not read by the app).
pub const TEAM_TYPE_EMULTI: i64 = 72;

const NEIGHBOURHOODS: &[&str] = &[
    "CENTRO",
    "SÃO JOSÉ",
    "NOVA ESPERANÇA",
    "SANTA LUZIA",
    "ALVORADA",
    "VILA NOVA",
    "SÃO FRANCISCO",
    "BELA VISTA",
    "PROGRESSO",
    "SANTO ANTÔNIO",
    "AEROPORTO",
    "COHAB",
    "JARDIM AMÉRICA",
    "PLANALTO",
    "BOA ESPERANÇA",
    "SÃO PEDRO",
    "CIDADE NOVA",
    "TIRADENTES",
    "LIBERDADE",
    "SÃO LÁZARO",
    "UNIÃO",
    "PRIMAVERA",
    "MORADA DO SOL",
    "PANTANAL",
    "SÃO VICENTE",
    "COLINA",
    "PORTO",
    "CRUZEIRO",
];

const STREETS: &[&str] = &[
    "SÃO JOSÉ",
    "SETE DE SETEMBRO",
    "DOM PEDRO II",
    "DAS FLORES",
    "QUINZE DE NOVEMBRO",
    "TIRADENTES",
    "SANTOS DUMONT",
    "DA CONSTITUIÇÃO",
    "BARÃO DO RIO BRANCO",
    "RUI BARBOSA",
    "DUQUE DE CAXIAS",
    "MARECHAL DEODORO",
    "FLORIANO PEIXOTO",
    "DOS PESCADORES",
    "DA PAZ",
    "SÃO SEBASTIÃO",
    "NOSSA SENHORA DE NAZARÉ",
    "DO COMÉRCIO",
    "BENJAMIN CONSTANT",
    "CASTELO BRANCO",
    "JOSÉ BONIFÁCIO",
    "DAS PALMEIRAS",
    "DOS IPÊS",
    "DO CAMPO",
    "DA IGREJA",
    "BOA VISTA",
    "DA FEIRA",
    "DO PORTO",
];

const COMPLEMENTS: &[&str] = &[
    "CASA A", "CASA B", "FUNDOS", "APTO 101", "APTO 202", "BLOCO B", "KITNET 3",
];

fn roman(n: usize) -> &'static str {
    const R: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    R[(n.max(1) - 1) % R.len()]
}

/// One team and the professionals assigned to it.
#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
    pub ine: String,
    pub cnes: String,
    pub name: String,
    pub active: bool,
    /// A family-health team with registered population.
    pub family_health: bool,
    pub team_type: i64,
    pub neighbourhood: &'static str,
    /// Micro-area weights (index 0 = micro-area '01').
    pub micro_area_weights: Vec<f64>,
    /// `tb_cds_prof` id of the ACS of each micro-area (index 0 = '01').
    pub acs: Vec<i64>,
    /// How busy each micro-area's ACS is (multiplies the visit rate).
    pub acs_activity: Vec<f64>,
    /// `tb_lotacao` ids: (physician, nurse, nursing technician). Zero when absent.
    pub physician: i64,
    pub nurse: i64,
    pub technician: i64,
    pub quota: u32,
}

/// Units, teams and professionals.
pub struct Municipality {
    pub teams: Vec<Team>,
    pub area_code: u32,
    pub cep_prefix: u32,
    pub inactive_team: usize,
    lotacao_rows: Vec<(i64, i64, i64, i64)>,
    cds_prof_rows: Vec<(i64, String, &'static str, String, String)>,
}

impl Municipality {
    pub fn generate(ctx: &mut Ctx, rng: &mut Rng, citizens: u32) -> Self {
        let n_esf = ((citizens + 1650) / 3300).max(1) as usize;
        let n_units = if n_esf <= 4 { 1 } else { 2 };
        let mut cnes_set = BTreeSet::new();
        while cnes_set.len() < n_units {
            cnes_set.insert(format!("{:07}", 2_000_000 + rng.below(7_000_000)));
        }
        // Ordered by generation, not by value.
        let mut cnes: Vec<String> = Vec::new();
        let mut pool: Vec<String> = cnes_set.into_iter().collect();
        while !pool.is_empty() {
            let i = rng.below(pool.len() as u64) as usize;
            cnes.push(pool.remove(i));
        }
        let mut ines = BTreeSet::new();
        let mut next_ine = |rng: &mut Rng| loop {
            let ine = format!("{:010}", 1_000_000 + rng.below(9_000_000));
            if ines.insert(ine.clone()) {
                return ine;
            }
        };

        let rural = if n_esf >= 3 { n_esf / 6 } else { 0 };
        let urban = n_esf - rural;
        let weights: Vec<f64> = (0..n_esf).map(|_| rng.uniform(0.8, 1.2)).collect();
        let total_weight: f64 = weights.iter().sum();
        let mut quotas: Vec<u32> = weights
            .iter()
            .map(|w| (f64::from(citizens) * w / total_weight).floor() as u32)
            .collect();
        let assigned: u32 = quotas.iter().sum();
        for i in 0..(citizens.saturating_sub(assigned) as usize) {
            quotas[i % n_esf] += 1;
        }

        let mut teams = Vec::new();
        let mut lotacao_rows = Vec::new();
        let mut cds_prof_rows = Vec::new();
        let mut prof = 0i64;
        let mut tacs_left = 2;
        for i in 0..n_esf {
            let neighbourhood = NEIGHBOURHOODS[i % NEIGHBOURHOODS.len()];
            let name = if i < urban {
                if i % 4 == 3 {
                    format!("URBANA {}", roman(i / 4 + 1))
                } else if i < NEIGHBOURHOODS.len() {
                    format!("ESF {:02} - {}", i + 1, name_filter(neighbourhood))
                } else {
                    format!("ESF {:02}", i + 1)
                }
            } else {
                let k = i - urban;
                if k.is_multiple_of(2) {
                    format!("RIBEIRINHA {}", roman(k / 2 + 1))
                } else {
                    format!("RURAL {}", roman(k / 2 + 1))
                }
            };
            let id = ctx.ids.next(Table::Equipe);
            let unit = cnes[i % cnes.len()].clone();
            let ine = next_ine(rng);
            let micro_areas = rng.range(6, 11) as usize;
            let mut acs = Vec::new();
            let mut acs_activity = Vec::new();
            for ma in 0..micro_areas {
                let prof_id = ctx.ids.next(Table::CdsProf);
                // Two TACS in the municipality: the last micro-area of the first team and the
                // first micro-area of a middle team (or of the first team when it is alone).
                let is_tacs = tacs_left > 0
                    && ((i == 0 && ma + 1 == micro_areas)
                        || (i == n_esf / 2 && ma == 0 && (n_esf > 1 || i == 0)));
                let cbo = if is_tacs {
                    tacs_left -= 1;
                    CBO_2002_TACS
                } else {
                    CBO_2002_ACS
                };
                cds_prof_rows.push((prof_id, ctx.docs.cns(rng), cbo, ine.clone(), unit.clone()));
                acs.push(prof_id);
                acs_activity.push(rng.uniform(0.35, 1.65));
            }
            let mut lot = |cbo: i64, prof: &mut i64| {
                *prof += 1;
                let lid = ctx.ids.next(Table::Lotacao);
                lotacao_rows.push((lid, *prof, cbo, id));
                lid
            };
            let physician_cbo = if rng.chance(0.85) {
                CBO_PHYSICIAN_ESF
            } else {
                CBO_PHYSICIAN_GENERAL
            };
            let physician = lot(physician_cbo, &mut prof);
            let nurse = lot(CBO_NURSE_ESF, &mut prof);
            let technician = lot(CBO_NURSING_TECH_ESF, &mut prof);
            teams.push(Team {
                id,
                ine,
                cnes: unit,
                name,
                active: true,
                family_health: true,
                team_type: TEAM_TYPE_ESF,
                neighbourhood,
                micro_area_weights: (0..micro_areas).map(|_| rng.uniform(0.7, 1.3)).collect(),
                acs,
                acs_activity,
                physician,
                nurse,
                technician,
                quota: quotas[i],
            });
        }
        // A former team, deactivated: some citizens still hold an old link to it.
        let inactive_team = teams.len();
        teams.push(Team {
            id: ctx.ids.next(Table::Equipe),
            ine: next_ine(rng),
            cnes: cnes[0].clone(),
            name: format!("PSF {:02} - VILA OPERÁRIA", n_esf + 1),
            active: false,
            family_health: false,
            team_type: TEAM_TYPE_ESF,
            neighbourhood: "VILA OPERÁRIA",
            micro_area_weights: Vec::new(),
            acs: Vec::new(),
            acs_activity: Vec::new(),
            physician: 0,
            nurse: 0,
            technician: 0,
            quota: 0,
        });
        // An eMulti team: professionals, no registered population.
        let emulti_id = ctx.ids.next(Table::Equipe);
        for cbo in [CBO_PHYSIOTHERAPIST, CBO_PSYCHOLOGIST, CBO_NUTRITIONIST] {
            prof += 1;
            let lid = ctx.ids.next(Table::Lotacao);
            lotacao_rows.push((lid, prof, cbo, emulti_id));
        }
        teams.push(Team {
            id: emulti_id,
            ine: next_ine(rng),
            cnes: cnes[0].clone(),
            name: "E-MULTI 01".to_string(),
            active: true,
            family_health: false,
            team_type: TEAM_TYPE_EMULTI,
            neighbourhood: "CENTRO",
            micro_area_weights: Vec::new(),
            acs: Vec::new(),
            acs_activity: Vec::new(),
            physician: 0,
            nurse: 0,
            technician: 0,
            quota: 0,
        });
        Self {
            teams,
            area_code: *rng.pick(&[91u32, 92, 93, 94, 95, 96, 97]),
            cep_prefix: 69_000 + rng.below(900) as u32,
            inactive_team,
            lotacao_rows,
            cds_prof_rows,
        }
    }

    /// (team index, people to generate) for every family-health team, in team order.
    pub fn quotas(&self) -> Vec<(usize, u32)> {
        self.teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.family_health)
            .map(|(i, t)| (i, t.quota))
            .collect()
    }

    pub fn family_health_teams(&self) -> impl Iterator<Item = usize> + '_ {
        self.teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.family_health)
            .map(|(i, _)| i)
    }

    pub fn write<C: ConnectionTrait>(&self, w: &mut Writer<'_, C>) {
        for (i, t) in self.teams.iter().enumerate() {
            w.push(
                Table::Equipe,
                vec![
                    big(t.id),
                    text(t.ine.clone()),
                    text(t.name.clone()),
                    int(i32::from(t.active)),
                    text_opt(Some((i + 1).to_string())),
                    big_opt(Some(t.team_type)),
                ],
            );
        }
        for (id, prof, cbo, team) in &self.lotacao_rows {
            w.push(
                Table::Lotacao,
                vec![big(*id), big(*prof), big(*cbo), big_opt(Some(*team))],
            );
        }
        for (id, cns, cbo, ine, cnes) in &self.cds_prof_rows {
            w.push(
                Table::CdsProf,
                vec![
                    big(*id),
                    text_opt(Some(cns.clone())),
                    text(*cbo),
                    text_opt(Some(ine.clone())),
                    text_opt(Some(cnes.clone())),
                ],
            );
        }
    }
}

/// Clinical facts decided for a person; used by the ACS visit generator.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub hypertensive: bool,
    pub diabetic: bool,
    /// Last menstrual period of an ongoing pregnancy.
    pub pregnant_since: Option<NaiveDate>,
    pub bedridden: bool,
}

/// A generated person (their current `tb_cidadao` row) and what later stages need.
#[derive(Debug, Clone)]
pub struct Person {
    pub record_id: i64,
    pub female: bool,
    pub birth: NaiveDate,
    pub cpf: Option<String>,
    pub cns: String,
    pub team: usize,
    pub death: Option<NaiveDate>,
    /// Has a current, active individual registration form (the ACS follows them).
    pub followed: bool,
    /// Their family declared a move (`st_mudanca = 1`).
    pub family_moved: bool,
    pub health: Health,
}

impl Person {
    pub fn age(&self, on: NaiveDate) -> i32 {
        age_on(self.birth, on)
    }

    pub fn alive_on(&self, day: NaiveDate) -> bool {
        day >= self.birth && self.death.is_none_or(|d| day <= d)
    }
}

/// A household and its people.
pub struct Household {
    pub people: Vec<Person>,
    /// `tb_cds_prof` id of the ACS of the household's micro-area, if it has one.
    pub acs: Option<i64>,
    pub acs_activity: f64,
}

impl Household {
    pub fn people_count(&self) -> u32 {
        self.people.len() as u32
    }
}

/// Age pyramid in 5-year bands from 0–4 to 80+ (`esus-schema.md` §4.3), percent.
const PYRAMID: [f64; 17] = [
    6.3, 6.6, 6.9, 7.1, 7.6, 7.7, 7.8, 8.0, 7.6, 6.6, 6.1, 5.7, 4.9, 4.0, 3.0, 2.0, 2.3,
];

fn sample_age(rng: &mut Rng, min_age: i32) -> i32 {
    let first_band = (min_age.max(0) / 5) as usize;
    let bands: Vec<(usize, f64)> = PYRAMID
        .iter()
        .copied()
        .enumerate()
        .skip(first_band.min(16))
        .collect();
    for _ in 0..32 {
        let band = rng.weighted(&bands);
        let age = if band == 16 {
            80 + ((-(1.0 - rng.next_f64()).ln() * 6.0) as i32).min(21)
        } else {
            band as i32 * 5 + rng.range(0, 5) as i32
        };
        if age >= min_age {
            return age;
        }
    }
    min_age
}

/// Persons per household (`esus-schema.md` §4.2).
const HOUSEHOLD_SIZES: &[(u32, f64)] = &[
    (1, 17.0),
    (2, 25.0),
    (3, 22.0),
    (4, 18.0),
    (5, 9.0),
    (6, 4.5),
    (7, 2.5),
    (8, 1.3),
    (9, 0.7),
];

struct RingEntry {
    name: String,
    female: bool,
    team: usize,
    micro_area: String,
}

/// Generates households one at a time, remembering recent names for homonyms.
pub struct HouseholdBuilder {
    ring: VecDeque<RingEntry>,
    /// Keys of every name given so far (membership only; never iterated).
    used_names: HashSet<u64>,
    area_code: u32,
    cep_prefix: u32,
    teams: Vec<TeamView>,
    inactive_team: usize,
    esf_teams: Vec<usize>,
}

#[derive(Clone)]
struct TeamView {
    ine: String,
    cnes: String,
    neighbourhood: &'static str,
    weights: Vec<(usize, f64)>,
    acs: Vec<i64>,
    acs_activity: Vec<f64>,
}

struct Member {
    age: i32,
    female: bool,
    family: usize,
    head: bool,
}

impl HouseholdBuilder {
    pub fn new(m: &Municipality) -> Self {
        let teams = m
            .teams
            .iter()
            .map(|t| TeamView {
                ine: t.ine.clone(),
                cnes: t.cnes.clone(),
                neighbourhood: t.neighbourhood,
                weights: t.micro_area_weights.iter().copied().enumerate().collect(),
                acs: t.acs.clone(),
                acs_activity: t.acs_activity.clone(),
            })
            .collect();
        Self {
            ring: VecDeque::new(),
            used_names: HashSet::new(),
            area_code: m.area_code,
            cep_prefix: m.cep_prefix,
            teams,
            inactive_team: m.inactive_team,
            esf_teams: m.family_health_teams().collect(),
        }
    }

    /// Generates one household of `team` with at most `max_people` people and buffers its
    /// territory rows (FCD versions, families, citizens, FCI versions, links, records).
    pub fn household<C: ConnectionTrait>(
        &mut self,
        ctx: &mut Ctx,
        rng: &mut Rng,
        team: usize,
        max_people: u32,
        w: &mut Writer<'_, C>,
    ) -> Household {
        let today = ctx.today;
        let tv = self.teams[team].clone();
        let size = rng.weighted(HOUSEHOLD_SIZES).min(max_people).max(1);

        // Micro-area: ~5% outside any micro-area ('00'), a few non-numeric ('03A').
        let ma_index = rng.weighted(&tv.weights);
        let roll = rng.next_f64();
        let (micro_area, acs, acs_activity) = if roll < 0.05 {
            ("00".to_string(), None, 0.0)
        } else if roll < 0.055 {
            (
                format!("{:02}A", ma_index + 1),
                tv.acs.get(ma_index).copied(),
                tv.acs_activity[ma_index],
            )
        } else {
            (
                format!("{:02}", ma_index + 1),
                tv.acs.get(ma_index).copied(),
                tv.acs_activity[ma_index],
            )
        };

        // Composition: ages from the pyramid, at least one adult, 1–3 families.
        let mut ages: Vec<i32> = (0..size).map(|_| sample_age(rng, 0)).collect();
        ages.sort_unstable_by(|a, b| b.cmp(a));
        if ages[0] < 18 {
            ages[0] = sample_age(rng, 18);
        }
        let adults: Vec<usize> = (0..ages.len()).filter(|i| ages[*i] >= 18).collect();
        let wanted_families = if size >= 3 && rng.chance(0.012) {
            3
        } else if size >= 2 && rng.chance(0.06) {
            2
        } else {
            1
        };
        let families = wanted_families.min(adults.len()).max(1);
        let mut heads: Vec<usize> = Vec::new();
        let mut pool = adults.clone();
        for _ in 0..families {
            let i = rng.below(pool.len() as u64) as usize;
            heads.push(pool.remove(i));
        }
        let mut members: Vec<Member> = ages
            .iter()
            .enumerate()
            .map(|(i, age)| {
                let head_of = heads.iter().position(|h| *h == i);
                let family = head_of.unwrap_or_else(|| {
                    if families > 1 && rng.chance(0.4) {
                        rng.below(families as u64) as usize
                    } else {
                        0
                    }
                });
                Member {
                    age: *age,
                    female: rng.chance(0.515),
                    family,
                    head: head_of.is_some(),
                }
            })
            .collect();
        // Each family lists its head first.
        members.sort_by_key(|m| (m.family, !m.head));
        let family_names: Vec<FamilyNames> =
            (0..families).map(|_| FamilyNames::random(rng)).collect();

        let mut people = Vec::with_capacity(members.len());
        let mut family_heads: Vec<(Option<String>, String, NaiveDate)> = Vec::new();
        let mut family_sizes = vec![0i32; families];
        let mut adult_women: Vec<(usize, String, i32)> = Vec::new();
        let mut moved_families = vec![false; families];
        for (f, moved) in moved_families.iter_mut().enumerate() {
            // A moved family in a single-family house leaves an empty household; keep it rarer.
            *moved = rng.chance(if f == 0 { 0.03 } else { 0.08 });
        }

        for m in &members {
            family_sizes[m.family] += 1;
            let (mut person, name) = self.person(
                ctx,
                rng,
                w,
                team,
                &tv,
                &micro_area,
                m,
                &family_names,
                &family_heads,
                &adult_women,
            );
            if m.head {
                family_heads.push((person.cpf.clone(), person.cns.clone(), person.birth));
            }
            if m.female && m.age >= 18 {
                adult_women.push((m.family, name, m.age));
            }
            person.family_moved = moved_families[m.family];
            people.push(person);
        }

        // Household form (FCD), 1–4 versions, with the families declared in each version.
        let versions = rng.weighted(&[(1u32, 0.6), (2, 0.25), (3, 0.1), (4, 0.05)]);
        let mut dates: Vec<NaiveDate> = (0..versions)
            .map(|_| uniform_date(rng, add_days(today, -2500), add_days(today, -3)))
            .collect();
        dates.sort_unstable();
        let street_type = rng.weighted(
            &STREET_TYPES
                .iter()
                .map(|(id, _, w)| (*id, *w))
                .collect::<Vec<_>>(),
        );
        let street = rng.pick(STREETS).to_string();
        let number = if rng.chance(0.07) {
            "S/N".to_string()
        } else {
            rng.range(1, 2000).to_string()
        };
        let neighbourhood = if rng.chance(0.85) {
            tv.neighbourhood
        } else {
            *rng.pick(NEIGHBOURHOODS)
        };
        let cep = format!("{:05}{:03}", self.cep_prefix, rng.below(1000));
        let complement = if rng.chance(0.1) {
            Some(rng.pick(COMPLEMENTS).to_string())
        } else {
            None
        };
        let income: Vec<i64> = (0..families)
            .map(|_| {
                rng.weighted(
                    &INCOME_BANDS
                        .iter()
                        .map(|(id, _, w)| (*id, *w))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let declared: Vec<i32> = family_sizes
            .iter()
            .map(|n| {
                if rng.chance(0.2) {
                    (n + rng.range(-1, 3) as i32).max(1)
                } else {
                    *n
                }
            })
            .collect();
        for (v, day) in dates.iter().enumerate() {
            let current = v + 1 == dates.len();
            let fcd = ctx.ids.next(Table::CadDomiciliar);
            w.push(
                Table::CadDomiciliar,
                vec![
                    big(fcd),
                    text(uuid(rng)),
                    big_opt(Some(street_type)),
                    text_opt(Some(street.clone())),
                    text_opt(Some(number.clone())),
                    text_opt(Some(neighbourhood.to_string())),
                    text_opt(Some(cep.clone())),
                    text_opt(complement.clone()),
                    text_opt(Some(micro_area.clone())),
                    int(i32::from(current)),
                    ts_opt(Some(office_time(rng, *day))),
                ],
            );
            for (f, (cpf, cns, birth)) in family_heads.iter().enumerate() {
                let (cpf_col, cns_col) = match cpf {
                    Some(c) if rng.chance(0.6) => (Some(c.clone()), None),
                    Some(c) => (Some(c.clone()), Some(cns.clone())),
                    None => (None, Some(cns.clone())),
                };
                w.push(
                    Table::DomicilioFamilia,
                    vec![
                        big(ctx.ids.next(Table::DomicilioFamilia)),
                        big(fcd),
                        text_opt(cpf_col),
                        text_opt(cns_col),
                        ts_opt(Some(at(*birth, 0))),
                        int_opt(Some(declared[f])),
                        big_opt(Some(income[f])),
                        int(i32::from(current && moved_families[f])),
                    ],
                );
            }
        }

        Household {
            people,
            acs,
            acs_activity,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn person<C: ConnectionTrait>(
        &mut self,
        ctx: &mut Ctx,
        rng: &mut Rng,
        w: &mut Writer<'_, C>,
        team: usize,
        tv: &TeamView,
        micro_area: &str,
        m: &Member,
        family_names: &[FamilyNames],
        family_heads: &[(Option<String>, String, NaiveDate)],
        adult_women: &[(usize, String, i32)],
    ) -> (Person, String) {
        let today = ctx.today;
        let birth = {
            let latest = add_days(today, -(i64::from(m.age) * 36525 / 100));
            add_days(latest, -rng.range(0, 365))
        };
        let age = age_on(birth, today);

        // Name: the family's surnames for the head, children and half of the other adults.
        let own_names;
        let names = if m.head || m.age < 18 || rng.chance(0.5) {
            &family_names[m.family]
        } else {
            own_names = FamilyNames::random(rng);
            &own_names
        };
        // Accidental homonyms are avoided (a few retries), so that homonyms come from the
        // deliberate copies below at the intended rate.
        let mut name = full_name(rng, m.female, names);
        for _ in 0..12 {
            if !self.used_names.contains(&name_key(&name_filter(&name))) {
                break;
            }
            name = full_name(rng, m.female, names);
        }
        // Homonyms: ~0.5% copy the name of a recent person of another micro-area.
        if self.ring.len() >= 50 && rng.chance(0.005) {
            let start = rng.below(self.ring.len() as u64) as usize;
            let found = (0..self.ring.len())
                .map(|k| (start + k) % self.ring.len())
                .find(|k| {
                    let e = &self.ring[*k];
                    e.female == m.female && (e.team != team || e.micro_area != micro_area)
                });
            if let Some(k) = found {
                name = self.ring[k].name.clone();
            }
        }
        let filter = name_filter(&name);
        self.used_names.insert(name_key(&filter));
        self.ring.push_back(RingEntry {
            name: name.clone(),
            female: m.female,
            team,
            micro_area: micro_area.to_string(),
        });
        if self.ring.len() > 400 {
            self.ring.pop_front();
        }

        let mother = if m.age < 18 {
            adult_women
                .iter()
                .filter(|(f, _, a)| *f == m.family && *a >= m.age + 14 && *a <= m.age + 48)
                .map(|(_, n, _)| n.clone())
                .next()
        } else {
            None
        };
        let mother = mother.or_else(|| {
            rng.chance(0.92).then(|| {
                // Her own surname line ends with the surname she passed on to the child.
                let first = *rng.pick(FEMALE_FIRST);
                let maiden = *rng.pick(SURNAMES);
                if maiden == names.mother_side {
                    format!("{first} {maiden}")
                } else {
                    format!("{first} {maiden} {}", names.mother_side)
                }
            })
        });

        // Documents: CPF far rarer under 18 and among heads (30–40% CPF-less heads).
        let cpf_probability = match age {
            0..=4 => 0.15,
            5..=11 => 0.3,
            12..=17 => 0.5,
            _ if m.head => 0.65,
            _ => 0.9,
        };
        let cpf = rng.chance(cpf_probability).then(|| ctx.docs.cpf(rng));
        let cns = ctx.docs.cns(rng);
        let stored_cpf = cpf.as_ref().map(|c| {
            if c.starts_with('0') && rng.chance(0.05) {
                c.trim_start_matches('0').to_string()
            } else {
                c.clone()
            }
        });

        // Death in the last three years, age-graded (~0.7% overall).
        let death_p = match age {
            0 => 0.004,
            1..=59 => 0.0025,
            60..=79 => 0.022,
            _ => 0.07,
        };
        let death = rng
            .chance(death_p)
            .then(|| uniform_date(rng, birth.max(ctx.window_start), add_days(today, -1)))
            .filter(|d| *d >= birth);

        // Individual registration form (FCI): 1–4 versions, ~1.5% of people have none.
        let has_fci = rng.chance(0.985);
        let versions = if has_fci {
            rng.weighted(&[(1u32, 0.5), (2, 0.3), (3, 0.14), (4, 0.06)])
        } else {
            0
        };
        let hi = death.unwrap_or(add_days(today, -1)).max(birth);
        let lo = birth.max(add_days(today, -8 * 365)).min(hi);
        let mut fci_dates: Vec<NaiveDate> =
            (0..versions).map(|_| uniform_date(rng, lo, hi)).collect();
        fci_dates.sort_unstable();
        let changed_micro_area = versions > 1 && rng.chance(0.05) && tv.weights.len() > 1;
        let other_micro_area = {
            let ma = rng.below(tv.weights.len().max(1) as u64) as usize + 1;
            let candidate = format!("{ma:02}");
            if candidate == micro_area {
                format!("{:02}", (ma % tv.weights.len().max(1)) + 1)
            } else {
                candidate
            }
        };
        let inactive_latest = match death {
            Some(_) => rng.chance(0.85),
            None => rng.chance(0.035),
        };
        let (resp_cpf, resp_cns) = if m.head {
            (None, None)
        } else {
            match family_heads.get(m.family) {
                Some((Some(c), cns, _)) => {
                    let r = rng.next_f64();
                    if r < 0.8 {
                        (Some(c.clone()), None)
                    } else if r < 0.92 {
                        (Some(c.clone()), Some(cns.clone()))
                    } else {
                        (None, Some(cns.clone()))
                    }
                }
                Some((None, cns, _)) => (None, Some(cns.clone())),
                None => (None, None),
            }
        };
        let sex_id = if m.female { SEX_FEMALE } else { SEX_MALE };
        let mut fci_uuids = Vec::new();
        for (v, day) in fci_dates.iter().enumerate() {
            let current = v + 1 == fci_dates.len();
            let id = uuid(rng);
            fci_uuids.push(id.clone());
            let inactive = current && inactive_latest;
            let ma = if changed_micro_area && !current {
                other_micro_area.clone()
            } else {
                micro_area.to_string()
            };
            let cpf_here = if !current && cpf.is_some() && rng.chance(0.25) {
                None
            } else {
                cpf.clone()
            };
            w.push(
                Table::CadIndividual,
                vec![
                    big(ctx.ids.next(Table::CadIndividual)),
                    text(id),
                    text_opt(Some(name.clone())),
                    text_opt(Some(filter.clone())),
                    text_opt(cpf_here),
                    text_opt(Some(cns.clone())),
                    ts_opt(Some(at(birth, 0))),
                    big_opt(Some(sex_id)),
                    text_opt(Some(ma)),
                    int_opt(Some(i32::from(m.head))),
                    text_opt(resp_cpf.clone()),
                    text_opt(resp_cns.clone()),
                    int(i32::from(current)),
                    int(i32::from(inactive)),
                    ts_opt(Some(office_time(rng, *day))),
                    tstz_opt(if inactive {
                        death.map(|d| at(d, 0))
                    } else {
                        None
                    }),
                ],
            );
        }
        let updated = match fci_dates.last() {
            Some(d) => office_time(rng, *d),
            None => {
                let day = uniform_date(rng, ctx.window_start, today);
                office_time(rng, day)
            }
        };

        // 1–2% of people also have an older duplicate record.
        if rng.chance(0.015) {
            let dup_id = ctx.ids.next(Table::Cidadao);
            let inactive = rng.chance(0.6);
            let dup_cns = if rng.chance(0.6) {
                cns.clone()
            } else {
                ctx.docs.cns(rng)
            };
            let first_fci = if fci_uuids.len() > 1 {
                fci_uuids.first().cloned()
            } else {
                None
            };
            let older_day = uniform_date(rng, add_days(today, -9 * 365).max(birth), updated.date());
            let older = office_time(rng, older_day);
            w.push(
                Table::Cidadao,
                vec![
                    big(dup_id),
                    text(name.clone()),
                    text(filter.clone()),
                    text_opt(stored_cpf.clone()),
                    text_opt(Some(dup_cns)),
                    date_opt(Some(birth)),
                    text_opt(Some(sex_name(m.female).to_string())),
                    text_opt(mother.clone()),
                    text_opt(None),
                    int(i32::from(!inactive)),
                    int(0),
                    date_opt(None),
                    text_opt(first_fci),
                    ts_opt(Some(older)),
                    int_opt(Some(i32::from(!inactive))),
                ],
            );
            if rng.chance(0.5) {
                w.push(
                    Table::Prontuario,
                    vec![big(ctx.ids.next(Table::Prontuario)), big(dup_id)],
                );
            }
        }

        let citizen_id = ctx.ids.next(Table::Cidadao);
        let phone = (age >= 14 && rng.chance(0.65)).then(|| mobile_phone(rng, self.area_code));
        w.push(
            Table::Cidadao,
            vec![
                big(citizen_id),
                text(name.clone()),
                text(filter),
                text_opt(stored_cpf),
                text_opt(Some(cns.clone())),
                date_opt(Some(birth)),
                text_opt(Some(sex_name(m.female).to_string())),
                text_opt(mother),
                text_opt(phone),
                int(1),
                int(i32::from(death.is_some())),
                date_opt(death),
                text_opt(fci_uuids.last().cloned()),
                ts_opt(Some(updated)),
                int_opt(Some(0)),
            ],
        );

        // Team links: the current one, and for 5–10% an older one to another (or the
        // deactivated) team. People without a form are linked less often.
        if has_fci || rng.chance(0.6) {
            if rng.chance(0.075) {
                let other = if self.esf_teams.len() > 1 && rng.chance(0.7) {
                    let mut t = self.esf_teams[rng.below(self.esf_teams.len() as u64) as usize];
                    if t == team {
                        t = self.esf_teams[(self
                            .esf_teams
                            .iter()
                            .position(|x| *x == t)
                            .unwrap_or(0)
                            + 1)
                            % self.esf_teams.len()];
                    }
                    t
                } else {
                    self.inactive_team
                };
                let ov = &self.teams[other];
                let older_day = uniform_date(
                    rng,
                    add_days(updated.date(), -1500),
                    add_days(updated.date(), -30),
                );
                w.push(
                    Table::Vinculacao,
                    vec![
                        big(ctx.ids.next(Table::Vinculacao)),
                        big(citizen_id),
                        text(ov.ine.clone()),
                        text_opt(Some(ov.cnes.clone())),
                        ts_opt(Some(office_time(rng, older_day))),
                    ],
                );
            }
            w.push(
                Table::Vinculacao,
                vec![
                    big(ctx.ids.next(Table::Vinculacao)),
                    big(citizen_id),
                    text(tv.ine.clone()),
                    text_opt(Some(tv.cnes.clone())),
                    ts_opt(Some(updated)),
                ],
            );
        }

        let record_id = ctx.ids.next(Table::Prontuario);
        w.push(Table::Prontuario, vec![big(record_id), big(citizen_id)]);

        let person = Person {
            record_id,
            female: m.female,
            birth,
            cpf,
            cns,
            team,
            death,
            followed: has_fci && !inactive_latest,
            family_moved: false,
            health: Health::default(),
        };
        (person, name)
    }
}

fn sex_name(female: bool) -> &'static str {
    if female { "FEMININO" } else { "MASCULINO" }
}
