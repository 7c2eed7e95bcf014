//! Rebuilds `hypertension_summary` from the PEC tables.
//!
//! Population: citizens alive and active (`st_ativo = 1`, `st_faleceu = 0`) whose latest
//! team link points to an active team, whose current individual registration (if any) is not
//! inactive, and who hold a current (active or latent) problem coded with the C5 hypertension
//! list, matched by natural code. Team and micro-area come from the latest team link and the
//! current registration (`co_unico_ultima_ficha`), never from name matching. Measurements are
//! reached through every professional act of an encounter (`tb_atend_prof.co_atend`), not only
//! the one `tb_atend.co_atend_prof` points to.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryResult,
    TransactionSession, TransactionTrait, Value,
};

use crate::clinical::blood_pressure::{Reading, combined_status, control_status};
use crate::clinical::c5::{self, Evidence};
use crate::clinical::codes::{self, HYPERTENSION_C5};
use crate::db::sql::{placeholders, statement};
use crate::esus::catalogue::Catalogue;
use crate::store::{
    hypertension_summary as summary, hypertension_team as team,
    hypertension_team_month as team_month, read_model_status,
};

use super::followup;
use super::quality::{self, Skip, Skipped};
use crate::text::{digits, fold, normalize_cpf};

/// What a refresh did.
#[derive(Debug, Clone)]
pub struct RefreshReport {
    pub rows: usize,
    pub duration_ms: u128,
    /// PEC rows it could not use, per kind ([`quality`]).
    pub skipped: Skipped,
}

/// The CTE that selects the citizens with a current hypertension problem, and its values.
fn hypertensive_cte(catalogue: &Catalogue) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = catalogue
        .current_problem_situations()
        .iter()
        .map(|id| Value::from(*id))
        .collect();
    let ciap = HYPERTENSION_C5.ciap;
    values.extend(ciap.iter().map(|c| Value::from(c.to_string())));
    let cid_like = HYPERTENSION_C5
        .cid10_prefixes
        .iter()
        .map(|_| "UPPER(REPLACE(cd.nu_cid10, '.', '')) LIKE ?")
        .collect::<Vec<_>>()
        .join(" OR ");
    values.extend(
        HYPERTENSION_C5
            .cid10_prefixes
            .iter()
            .map(|p| Value::from(format!("{p}%"))),
    );
    let sql = format!(
        "WITH h AS (
            SELECT DISTINCT pr.co_cidadao
            FROM tb_problema p
            JOIN tb_prontuario pr ON pr.co_seq_prontuario = p.co_prontuario
            JOIN tb_problema_evolucao pe ON pe.co_seq_problema_evolucao = p.co_ultimo_problema_evolucao
            LEFT JOIN tb_ciap ci ON ci.co_seq_ciap = p.co_ciap
            LEFT JOIN tb_cid10 cd ON cd.co_cid10 = p.co_cid10
            WHERE pe.co_situacao_problema IN (?, ?)
              AND (UPPER(TRIM(ci.co_ciap)) IN ({}) OR {cid_like})
        )",
        placeholders(ciap.len())
    );
    (sql, values)
}

/// Citizens with a current problem coded with the C5 list, before the population's other rules
/// (alive, active, active team, registration not inactive): `pec check` shows both numbers.
pub async fn coded_population(
    db: &impl ConnectionTrait,
    catalogue: &Catalogue,
) -> Result<i64, DbErr> {
    let (cte, values) = hypertensive_cte(catalogue);
    let rows = query(db, &format!("{cte} SELECT COUNT(*) AS n FROM h"), values).await?;
    match rows.first() {
        Some(r) => r.try_get("", "n"),
        None => Ok(0),
    }
}

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

struct Person {
    /// CPF/CNS of the family head the registration names (for the household).
    head_cpf: Option<String>,
    head_cns: Option<String>,
    name: String,
    cns: Option<String>,
    cpf: Option<String>,
    birth: Option<NaiveDate>,
    sex: Option<String>,
    micro_area: Option<String>,
}

struct Link {
    ine: String,
    cnes: Option<String>,
    team: Option<String>,
    team_active: bool,
    updated: Option<NaiveDateTime>,
    id: i64,
}

/// Rebuilds the summary for `today` (a date in the configured zone), with this PEC's
/// catalogue ids.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    today: NaiveDate,
    catalogue: &Catalogue,
) -> Result<RefreshReport, DbErr> {
    let started = Instant::now();
    let mut skipped = Skipped::default();
    let (cte, cte_values) = hypertensive_cte(catalogue);

    // 1. People, with their current individual registration.
    let rows = query(
        db,
        &format!(
            "{cte}
            SELECT c.co_seq_cidadao, c.no_cidadao, c.nu_cpf, c.nu_cns, c.dt_nascimento, c.no_sexo,
                   ci.nu_micro_area, ci.st_ficha_inativa, ci.nu_cpf_responsavel,
                   ci.nu_cartao_sus_responsavel
            FROM h
            JOIN tb_cidadao c ON c.co_seq_cidadao = h.co_cidadao
            LEFT JOIN tb_cds_cad_individual ci
                   ON ci.co_unico_ficha = c.co_unico_ultima_ficha AND ci.st_versao_atual = 1
            WHERE c.st_ativo = 1 AND c.st_faleceu = 0"
        ),
        cte_values.clone(),
    )
    .await?;
    let mut people: BTreeMap<i64, Person> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        let inactive: Option<i32> = r.try_get("", "st_ficha_inativa")?;
        if inactive == Some(1) {
            continue; // left the territory (moved or died) per the latest registration
        }
        let id: i64 = r.try_get("", "co_seq_cidadao")?;
        if !seen.insert(id) {
            continue; // the first current registration wins
        }
        // Unusable rows are counted and skipped (or the value ignored), never fatal.
        let Some(name) = r.try_get::<Option<String>>("", "no_cidadao")? else {
            skipped.add(Skip::NullRequired, Some(id));
            continue;
        };
        if !quality::usable_name(&name) {
            skipped.add(Skip::NameLength, Some(id));
            continue;
        }
        let birth: Option<NaiveDate> = r.try_get("", "dt_nascimento")?;
        let birth = birth.filter(|b| {
            let ok = quality::plausible_birth(*b, today);
            if !ok {
                skipped.add(Skip::BirthDate, Some(id));
            }
            ok
        });
        let sex: Option<String> = r.try_get("", "no_sexo")?;
        let micro: Option<String> = r.try_get("", "nu_micro_area")?;
        people.entry(id).or_insert(Person {
            head_cpf: r
                .try_get::<Option<String>>("", "nu_cpf_responsavel")?
                .and_then(|s| normalize_cpf(&s)),
            head_cns: r
                .try_get::<Option<String>>("", "nu_cartao_sus_responsavel")?
                .map(|s| digits(&s))
                .filter(|s| !s.is_empty()),
            name: name.trim().to_string(),
            cns: r
                .try_get::<Option<String>>("", "nu_cns")?
                .map(|s| digits(&s))
                .filter(|s| !s.is_empty()),
            cpf: r
                .try_get::<Option<String>>("", "nu_cpf")?
                .and_then(|s| normalize_cpf(&s)),
            birth,
            sex: sex.and_then(|s| match s.trim().to_uppercase().chars().next() {
                Some('F') => Some("F".to_string()),
                Some('M') => Some("M".to_string()),
                _ => None,
            }),
            micro_area: micro
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty()),
        });
    }

    // 2. Latest team link per person (latest update, then highest link id).
    let rows = query(
        db,
        &format!(
            "{cte}
            SELECT v.co_cidadao, v.nu_ine, v.nu_cnes, v.dt_atualizacao_cadastro, v.co_seq_cidadao_vinculacao_eqp,
                   e.no_equipe, e.st_ativo
            FROM h
            JOIN tb_cidadao_vinculacao_equipe v ON v.co_cidadao = h.co_cidadao
            LEFT JOIN tb_equipe e ON e.nu_ine = v.nu_ine"
        ),
        cte_values.clone(),
    )
    .await?;
    let mut links: HashMap<i64, Link> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "co_cidadao")?;
        let Some(ine) = r.try_get::<Option<String>>("", "nu_ine")? else {
            skipped.add(Skip::NullRequired, Some(id));
            continue;
        };
        let link = Link {
            ine: ine.trim().to_string(),
            cnes: r
                .try_get::<Option<String>>("", "nu_cnes")?
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
            team: r.try_get("", "no_equipe")?,
            team_active: r.try_get::<Option<i32>>("", "st_ativo")? == Some(1),
            updated: r.try_get("", "dt_atualizacao_cadastro")?,
            id: r.try_get("", "co_seq_cidadao_vinculacao_eqp")?,
        };
        let newer = |old: &Link| {
            // None sorts before any date: a dated link wins over an undated one.
            (link.updated, link.id) > (old.updated, old.id)
        };
        match links.get(&id) {
            Some(old) if !newer(old) => {}
            _ => {
                links.insert(id, link);
            }
        }
    }

    // 3. Latest consultation by a physician or nurse (initial listening excluded).
    let mut values = cte_values.clone();
    values.push(catalogue.initial_listening.into());
    values.extend(
        codes::CONSULTATION_CBO_FAMILIES
            .iter()
            .map(|f| Value::from(f.to_string())),
    );
    let rows = query(
        db,
        &format!(
            "{cte}
            SELECT pr.co_cidadao, MAX(ap.dt_inicio) AS last_visit
            FROM h
            JOIN tb_prontuario pr ON pr.co_cidadao = h.co_cidadao
            JOIN tb_atend a ON a.co_prontuario = pr.co_seq_prontuario
            JOIN tb_atend_prof ap ON ap.co_atend = a.co_seq_atend
            JOIN tb_lotacao l ON l.co_ator_papel = ap.co_lotacao
            JOIN tb_cbo cb ON cb.co_cbo = l.co_cbo
            WHERE (ap.tp_atend_prof IS NULL OR ap.tp_atend_prof <> ?)
              AND SUBSTR(cb.co_cbo_2002, 1, 4) IN ({})
            GROUP BY pr.co_cidadao",
            placeholders(codes::CONSULTATION_CBO_FAMILIES.len())
        ),
        values,
    )
    .await?;
    let mut last_visit: HashMap<i64, NaiveDate> = HashMap::new();
    for r in rows {
        let at: Option<NaiveDateTime> = r.try_get("", "last_visit")?;
        if let Some(at) = at.filter(|d| d.date() <= today) {
            last_visit.insert(r.try_get("", "co_cidadao")?, at.date());
        }
    }

    // 4. Measurements: blood pressure, weight and height.
    let rows = query(
        db,
        &format!(
            "{cte}
            SELECT pr.co_cidadao, m.dt_medicao, m.nu_medicao_pressao_arterial,
                   m.nu_medicao_peso, m.nu_medicao_altura
            FROM h
            JOIN tb_prontuario pr ON pr.co_cidadao = h.co_cidadao
            JOIN tb_atend a ON a.co_prontuario = pr.co_seq_prontuario
            JOIN tb_atend_prof ap ON ap.co_atend = a.co_seq_atend
            JOIN tb_medicao m ON m.co_atend_prof = ap.co_seq_atend_prof"
        ),
        cte_values.clone(),
    )
    .await?;
    let mut last_bp: HashMap<i64, (NaiveDateTime, Reading)> = HashMap::new();
    // (person, day) → (has weight, has height)
    let mut anthropometry: HashMap<(i64, NaiveDate), (bool, bool)> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "co_cidadao")?;
        let Some(at) = r.try_get::<Option<NaiveDateTime>>("", "dt_medicao")? else {
            skipped.add(Skip::NullRequired, Some(id));
            continue;
        };
        if at.date() > today {
            continue;
        }
        let bp: Option<String> = r.try_get("", "nu_medicao_pressao_arterial")?;
        if bp.as_deref().is_some_and(quality::corrupt_bp_text) {
            skipped.add(Skip::BloodPressureText, Some(id));
        }
        if let Some(reading) = bp.as_deref().and_then(Reading::parse) {
            match last_bp.get(&id) {
                Some((prev, _)) if *prev >= at => {}
                _ => {
                    last_bp.insert(id, (at, reading));
                }
            }
        }
        let weight = positive_number(r.try_get("", "nu_medicao_peso")?);
        let height = positive_number(r.try_get("", "nu_medicao_altura")?);
        if weight || height {
            let e = anthropometry.entry((id, at.date())).or_default();
            e.0 |= weight;
            e.1 |= height;
        }
    }
    let mut anthropometry_days: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    for ((id, day), (w, h)) in anthropometry {
        if w && h {
            anthropometry_days.entry(id).or_default().push(day);
        }
    }

    // 5. ACS/TACS home visits that took place, with a motive, in the last 12 months. The PEC
    //    links the visited person by CNS or CPF only.
    let mut by_cns: HashMap<&str, i64> = HashMap::new();
    let mut by_cpf: HashMap<&str, i64> = HashMap::new();
    for (id, p) in &people {
        if let Some(cns) = &p.cns {
            by_cns.insert(cns.as_str(), *id);
        }
        if let Some(cpf) = &p.cpf {
            by_cpf.insert(cpf.as_str(), *id);
        }
    }
    let since = c5::window_start(today, c5::LONG_WINDOW_MONTHS);
    let mut values: Vec<Value> = codes::ACS_CBO
        .iter()
        .map(|c| Value::from(c.to_string()))
        .collect();
    values.push(catalogue.home_visit_done.into());
    values.push(since.and_hms_opt(0, 0, 0).unwrap_or_default().into());
    let rows = query(
        db,
        &format!(
            "SELECT vd.nu_cartao_sus, vd.nu_cpf_cidadao, f.dt_ficha
            FROM tb_cds_visita_domiciliar vd
            JOIN tb_cds_ficha_visita_domiciliar f ON f.co_seq_cds_ficha_visita_dom = vd.co_cds_ficha_visita_domiciliar
            JOIN tb_cds_prof p ON p.co_seq_cds_prof = f.co_cds_prof
            WHERE p.nu_cbo_2002 IN ({})
              AND vd.co_cds_visita_dom_desfecho = ?
              AND f.dt_ficha >= ?
              AND EXISTS (SELECT 1 FROM rl_cds_visita_dom_motivo r
                          WHERE r.co_cds_visita_domiciliar = vd.co_seq_cds_visita_domiciliar)",
            placeholders(codes::ACS_CBO.len())
        ),
        values,
    )
    .await?;
    let mut acs_visits: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    for r in rows {
        let cns: Option<String> = r.try_get("", "nu_cartao_sus")?;
        let cpf: Option<String> = r.try_get("", "nu_cpf_cidadao")?;
        let at: NaiveDateTime = r.try_get("", "dt_ficha")?;
        let person = cns
            .map(|c| digits(&c))
            .and_then(|c| by_cns.get(c.as_str()).copied())
            .or_else(|| {
                cpf.and_then(|c| normalize_cpf(&c))
                    .and_then(|c| by_cpf.get(c.as_str()).copied())
            });
        if let Some(id) = person {
            acs_visits.entry(id).or_default().push(at.date());
        }
    }

    // 6. Households: a person belongs to the current household of a family whose head is the
    //    person or the head their registration names (by CPF or CNS), latest registration first.
    let households = households(db).await?;
    let address_of = |p: &Person| -> Option<Address> {
        [
            p.cpf.as_deref().and_then(|c| households.by_cpf.get(c)),
            p.head_cpf.as_deref().and_then(|c| households.by_cpf.get(c)),
            p.cns.as_deref().and_then(|c| households.by_cns.get(c)),
            p.head_cns.as_deref().and_then(|c| households.by_cns.get(c)),
        ]
        .into_iter()
        .flatten()
        .max_by_key(|a| a.registered)
        .cloned()
    };

    // 7. Assemble and replace the summary in one transaction.
    let month_ends = c5::month_ends(today);
    let mut months: BTreeMap<(String, NaiveDate), (i64, i64)> = BTreeMap::new();
    let mut models = Vec::with_capacity(people.len());
    for (id, p) in people {
        let Some(link) = links.remove(&id) else {
            continue;
        };
        if !link.team_active {
            continue;
        }
        let bp = last_bp.get(&id).map(|(at, r)| (at.date(), *r));
        let evidence = Evidence {
            last_consultation: last_visit.get(&id).copied(),
            last_bp: bp.map(|(d, _)| d),
            anthropometry_days: anthropometry_days.remove(&id).unwrap_or_default(),
            acs_visits: acs_visits.remove(&id).unwrap_or_default(),
        };
        let mut visit_days = evidence.acs_visits.clone();
        visit_days.sort_unstable();
        visit_days.dedup();
        let acs_visit_dates = (!visit_days.is_empty()).then(|| {
            visit_days
                .iter()
                .map(|d| d.format("%Y-%m-%d").to_string())
                .collect::<Vec<_>>()
                .join(",")
        });
        let assessment = c5::assess(&evidence, today);
        for end in &month_ends {
            let e = months.entry((link.ine.clone(), *end)).or_default();
            e.0 += 1;
            e.1 += i64::from(c5::assess(&evidence, *end).points());
        }
        let address = address_of(&p);
        let search_text = [
            fold(&p.name),
            p.cns.clone().unwrap_or_default(),
            p.cpf.clone().unwrap_or_default(),
        ]
        .join(" ");
        models.push(summary::ActiveModel {
            co_seq_cidadao: Set(id),
            no_cidadao: Set(p.name),
            search_text: Set(search_text),
            nu_cns: Set(p.cns),
            nu_cpf: Set(p.cpf),
            dt_nascimento: Set(p.birth),
            sexo: Set(p.sex),
            nu_ine: Set(link.ine.clone()),
            nu_cnes: Set(link.cnes.clone()),
            no_equipe: Set(link.team.unwrap_or(link.ine)),
            micro_area: Set(p.micro_area),
            last_bp_systolic: Set(bp.map(|(_, r)| r.systolic)),
            last_bp_diastolic: Set(bp.map(|(_, r)| r.diastolic)),
            last_bp_date: Set(bp.map(|(d, _)| d)),
            last_visit_date: Set(evidence.last_consultation),
            control_status: Set(control_status(bp, today).key().to_string()),
            c5_visit: Set(assessment.visit),
            c5_bp: Set(assessment.blood_pressure),
            c5_anthropometry: Set(assessment.anthropometry),
            c5_acs_visits: Set(assessment.acs_visits),
            c5_points: Set(i32::from(assessment.points())),
            as_of: Set(today),
            next_action_type: Set(None),
            next_action_due: Set(None),
            pending_actions: Set(0),
            in_treatment: Set(false),
            treatment_text: Set(None),
            home_control: Set(None),
            home_date: Set(None),
            cv_risk_band: Set(None),
            household_street: Set(address.as_ref().map(|a| a.street.clone())),
            household_number: Set(address.as_ref().and_then(|a| a.number.clone())),
            household_district: Set(address.and_then(|a| a.district)),
            acs_visit_dates: Set(acs_visit_dates),
        });
    }
    let rows = models.len();
    let mut teams: BTreeMap<String, (String, Option<String>, i64)> = BTreeMap::new();
    for m in &models {
        if let (Set(ine), Set(name), Set(cnes)) = (&m.nu_ine, &m.no_equipe, &m.nu_cnes) {
            let e = teams
                .entry(ine.clone())
                .or_insert_with(|| (name.clone(), None, 0));
            e.2 += 1;
            if e.1.is_none() {
                e.1.clone_from(cnes);
            }
        }
    }

    let txn = db.begin().await?;
    // The follow-up columns come from the app's own tables, read inside the transaction so a
    // write that committed before it is not lost.
    let states = followup::load(&txn, None).await?;
    for m in &mut models {
        let Set(id) = m.co_seq_cidadao else { continue };
        let Some(state) = states.get(&id) else {
            continue;
        };
        let office = match (&m.last_bp_date, &m.last_bp_systolic, &m.last_bp_diastolic) {
            (Set(d), Set(s), Set(di)) => followup::office_reading(*d, *s, *di),
            _ => None,
        };
        m.control_status = Set(combined_status(office, state.home, today).key().to_string());
        m.next_action_type = Set(state.next_action.as_ref().map(|(t, _)| t.clone()));
        m.next_action_due = Set(state.next_action.as_ref().map(|(_, d)| *d));
        m.pending_actions = Set(state.pending_actions);
        m.in_treatment = Set(state.in_treatment());
        m.treatment_text = Set(state.treatment_text());
        m.home_control = Set(state
            .home
            .map(|(_, c)| if c { "controlled" } else { "uncontrolled" }.to_string()));
        m.home_date = Set(state.home.map(|(d, _)| d));
        m.cv_risk_band = Set(state.cv_risk_band.clone());
    }
    summary::Entity::delete_many().exec(&txn).await?;
    team_month::Entity::delete_many().exec(&txn).await?;
    let month_rows: Vec<team_month::ActiveModel> = months
        .into_iter()
        .map(|((ine, end), (people, points))| team_month::ActiveModel {
            nu_ine: Set(ine),
            month_end: Set(end),
            people: Set(people),
            points: Set(points),
        })
        .collect();
    let mut it = month_rows.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(500).collect();
        team_month::Entity::insert_many(chunk).exec(&txn).await?;
    }
    team::Entity::delete_many().exec(&txn).await?;
    let team_rows: Vec<team::ActiveModel> = teams
        .into_iter()
        .map(|(ine, (name, cnes, people))| team::ActiveModel {
            nu_ine: Set(ine),
            no_equipe: Set(name),
            people: Set(people),
            nu_cnes: Set(cnes),
        })
        .collect();
    if !team_rows.is_empty() {
        team::Entity::insert_many(team_rows).exec(&txn).await?;
    }
    let mut iter = models.into_iter().peekable();
    while iter.peek().is_some() {
        let chunk: Vec<_> = iter.by_ref().take(500).collect();
        summary::Entity::insert_many(chunk).exec(&txn).await?;
    }
    let duration_ms = started.elapsed().as_millis();
    read_model_status::Entity::delete_by_id(super::READ_MODEL.to_string())
        .exec(&txn)
        .await?;
    read_model_status::Entity::insert(read_model_status::ActiveModel {
        name: Set(super::READ_MODEL.to_string()),
        refreshed_at: Set(Utc::now()),
        as_of: Set(today),
        duration_ms: Set(i64::try_from(duration_ms).unwrap_or(i64::MAX)),
        row_count: Set(i64::try_from(rows).unwrap_or(i64::MAX)),
    })
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(RefreshReport {
        rows,
        duration_ms,
        skipped,
    })
}

/// A household address.
#[derive(Debug, Clone)]
struct Address {
    street: String,
    number: Option<String>,
    district: Option<String>,
    registered: Option<NaiveDateTime>,
}

struct Households {
    by_cpf: HashMap<String, Address>,
    by_cns: HashMap<String, Address>,
}

/// Current households by the CPF and CNS of their families' heads (families that moved out,
/// `st_mudanca = 1`, excluded); the latest registration wins.
async fn households(db: &impl ConnectionTrait) -> Result<Households, DbErr> {
    let rows = query(
        db,
        "SELECT df.nu_cpf_cidadao, df.nu_cartao_sus, d.no_logradouro, d.nu_domicilio,
                d.no_bairro, d.dt_cad_domiciliar, tl.no_tipo_logradouro
         FROM tb_cds_domicilio_familia df
         JOIN tb_cds_cad_domiciliar d ON d.co_seq_cds_cad_domiciliar = df.co_cds_cad_domiciliar
         LEFT JOIN tb_tipo_logradouro tl ON tl.co_tipo_logradouro = d.tp_logradouro
         WHERE df.st_mudanca = 0 AND d.st_versao_atual = 1",
        vec![],
    )
    .await?;
    let mut out = Households {
        by_cpf: HashMap::new(),
        by_cns: HashMap::new(),
    };
    for r in rows {
        let street: Option<String> = r.try_get("", "no_logradouro")?;
        let Some(street) = street
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let kind: Option<String> = r.try_get("", "no_tipo_logradouro")?;
        let address = Address {
            street: match kind.map(|k| k.trim().to_string()).filter(|k| !k.is_empty()) {
                Some(k) => format!("{k} {street}"),
                None => street,
            },
            number: r
                .try_get::<Option<String>>("", "nu_domicilio")?
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            district: r
                .try_get::<Option<String>>("", "no_bairro")?
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            registered: r.try_get("", "dt_cad_domiciliar")?,
        };
        let keep =
            |map: &mut HashMap<String, Address>, key: String, a: &Address| match map.get(&key) {
                Some(old) if old.registered >= a.registered => {}
                _ => {
                    map.insert(key, a.clone());
                }
            };
        if let Some(cpf) = r
            .try_get::<Option<String>>("", "nu_cpf_cidadao")?
            .and_then(|c| normalize_cpf(&c))
        {
            keep(&mut out.by_cpf, cpf, &address);
        }
        if let Some(cns) = r
            .try_get::<Option<String>>("", "nu_cartao_sus")?
            .map(|c| digits(&c))
            .filter(|c| !c.is_empty())
        {
            keep(&mut out.by_cns, cns, &address);
        }
    }
    Ok(out)
}

/// Whether a PEC text measurement holds a positive number (`'72.5'`, `'72,5'`, `'165'`).
fn positive_number(text: Option<String>) -> bool {
    text.and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok())
        .is_some_and(|v| v.is_finite() && v > 0.0)
}

/// The last refresh of this read model, if any.
pub async fn status(db: &DatabaseConnection) -> Result<Option<read_model_status::Model>, DbErr> {
    read_model_status::Entity::find_by_id(super::READ_MODEL.to_string())
        .one(db)
        .await
}
