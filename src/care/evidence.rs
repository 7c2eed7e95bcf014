//! What the PEC recorded for a population, gathered once per refresh for any programme:
//! the population itself (the person read model joined to a programme's CTE), the latest
//! physician/nurse consultation, blood pressure and same-day weight+height measurements, ACS
//! home visits, and requested/typed exams by procedure code. Each programme's derivation turns
//! these into its own columns and indicator practices.
//!
//! Measurements are reached through every professional act of an encounter
//! (`tb_atend_prof.co_atend`), not only the one `tb_atend.co_atend_prof` points to. Catalogue
//! ids (act types, visit outcomes) come from this PEC's catalogue (`esus::catalogue`); codes
//! (CBO, SIGTAP/ABEX procedures) are matched by natural code.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryResult, Value};

use super::quality::{self, Skip, Skipped};
use crate::clinical::blood_pressure::Reading;
use crate::clinical::codes;
use crate::db::sql::{placeholders, statement};
use crate::esus::catalogue::Catalogue;
use crate::store::person;
use crate::text::{digits, normalize_cpf};

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

/// The people of a programme: the CTE `h` (`co_cidadao`) of its population rule joined to the
/// population every programme starts from (`care::person`: alive, active, registration not
/// inactive, latest link to an active team). The person read model is rebuilt before any
/// programme's.
pub async fn population(
    db: &impl ConnectionTrait,
    cte: &str,
    cte_values: &[Value],
) -> Result<BTreeMap<i64, person::Model>, DbErr> {
    let mut values = cte_values.to_vec();
    values.extend([false, true, false, true].map(Value::from));
    let people = person::Entity::find()
        .from_raw_sql(statement(
            db.get_database_backend(),
            &format!(
                "{cte}
                SELECT p.* FROM h JOIN person p ON p.co_seq_cidadao = h.co_cidadao
                WHERE p.deceased = ? AND p.active = ? AND p.registration_inactive = ?
                  AND p.team_active = ? AND p.nu_ine IS NOT NULL"
            ),
            values,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.co_seq_cidadao, p))
        .collect();
    Ok(people)
}

/// What the PEC recorded for a population, per person.
#[derive(Debug, Default)]
pub struct Evidence {
    /// Latest consultation by a physician or nurse (initial listening excluded).
    pub last_visit: HashMap<i64, NaiveDate>,
    /// Latest blood-pressure reading that parses.
    pub last_bp: HashMap<i64, (NaiveDateTime, Reading)>,
    /// Days with both weight and height.
    pub anthropometry_days: HashMap<i64, Vec<NaiveDate>>,
    /// ACS/TACS home visits that took place, with a motive, in the last 12 months.
    pub acs_visits: HashMap<i64, Vec<NaiveDate>>,
    /// Measurement rows that could not be used (`care::quality`).
    pub skipped: Skipped,
}

/// Consultations, measurements and ACS visits of the people of `cte` up to `today`.
pub async fn gather(
    db: &impl ConnectionTrait,
    cte: &str,
    cte_values: &[Value],
    catalogue: &Catalogue,
    today: NaiveDate,
    people: &BTreeMap<i64, person::Model>,
) -> Result<Evidence, DbErr> {
    // 3. Latest consultation by a physician or nurse (initial listening excluded).
    let mut values = cte_values.to_vec();
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
        cte_values.to_vec(),
    )
    .await?;
    let mut skipped = Skipped::default();
    let mut last_bp: HashMap<i64, (NaiveDateTime, Reading)> = HashMap::new();
    // (person, day) → (has weight, has height)
    let mut anthropometry: HashMap<(i64, NaiveDate), (bool, bool)> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "co_cidadao")?;
        // Unusable rows are counted and skipped (or the value ignored), never fatal.
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
    for (id, p) in people {
        if let Some(cns) = &p.nu_cns {
            by_cns.insert(cns.as_str(), *id);
        }
        if let Some(cpf) = &p.nu_cpf {
            by_cpf.insert(cpf.as_str(), *id);
        }
    }
    let since = crate::clinical::c5::window_start(today, crate::clinical::c5::LONG_WINDOW_MONTHS);
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

    Ok(Evidence {
        last_visit,
        last_bp,
        anthropometry_days,
        acs_visits,
        skipped,
    })
}

/// Whether a PEC text measurement holds a positive number (`'72.5'`, `'72,5'`, `'165'`).
fn positive_number(text: Option<String>) -> bool {
    text.and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok())
        .is_some_and(|v| v.is_finite() && v > 0.0)
}

/// One exam of a person: requested on a day, perhaps done, perhaps with a typed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Exam {
    pub requested: NaiveDate,
    pub done: Option<NaiveDate>,
    /// The value of the typed-result table, when the caller named one.
    pub value: Option<f64>,
    /// The free-text result.
    pub text: Option<String>,
}

/// Exams of the people of `cte` whose procedure has one of `procedure_codes` (natural SIGTAP
/// or ABEX codes, dots and dashes ignored), requested up to `today`; with the numeric value of
/// `typed` (`(table, value column)`, e.g. `("tb_exame_hemoglobina_glicada",
/// "vl_hemoglobina_glicada")`) when given. Oldest first.
pub async fn exams(
    db: &impl ConnectionTrait,
    cte: &str,
    cte_values: &[Value],
    procedure_codes: &[&str],
    typed: Option<(&str, &str)>,
    today: NaiveDate,
) -> Result<HashMap<i64, Vec<Exam>>, DbErr> {
    let mut values = cte_values.to_vec();
    values.extend(
        procedure_codes
            .iter()
            .map(|c| Value::from(c.replace(['.', '-'], "").to_uppercase())),
    );
    let (value_col, value_join) = match typed {
        Some((table, col)) => (
            format!("CAST(t.{col} AS DOUBLE PRECISION) AS typed_value"),
            format!("LEFT JOIN {table} t ON t.co_exame_requisitado = er.co_seq_exame_requisitado"),
        ),
        None => (
            "CAST(NULL AS DOUBLE PRECISION) AS typed_value".to_string(),
            String::new(),
        ),
    };
    let rows = query(
        db,
        &format!(
            "{cte}
            SELECT pr.co_cidadao, er.dt_solicitacao, er.dt_realizacao, er.ds_resultado, {value_col}
            FROM h
            JOIN tb_prontuario pr ON pr.co_cidadao = h.co_cidadao
            JOIN tb_exame_requisitado er ON er.co_prontuario = pr.co_seq_prontuario
            JOIN tb_proced pc ON pc.co_seq_proced = er.co_proced
            {value_join}
            WHERE UPPER(REPLACE(REPLACE(TRIM(pc.co_proced), '.', ''), '-', '')) IN ({})",
            placeholders(procedure_codes.len())
        ),
        values,
    )
    .await?;
    let mut out: HashMap<i64, Vec<Exam>> = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "co_cidadao")?;
        let requested: NaiveDateTime = r.try_get("", "dt_solicitacao")?;
        if requested.date() > today {
            continue;
        }
        let done: Option<NaiveDateTime> = r.try_get("", "dt_realizacao")?;
        let value: Option<f64> = r.try_get("", "typed_value")?;
        out.entry(id).or_default().push(Exam {
            requested: requested.date(),
            done: done.map(|d| d.date()).filter(|d| *d <= today),
            value,
            text: r.try_get("", "ds_resultado")?,
        });
    }
    for list in out.values_mut() {
        list.sort_by_key(|e| (e.done.unwrap_or(e.requested), e.requested));
    }
    Ok(out)
}
