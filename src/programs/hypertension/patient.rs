//! The patient page's data: identification from the read model (scoped), the PEC's problems,
//! blood-pressure history, measurements, prescriptions and exams (read only), and the
//! programme's own records: treatment plan, exams, cardiovascular risk, C5 due dates and the
//! follow-up timeline.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Value,
};

use crate::auth::Scope;
use crate::clinical::age;
use crate::clinical::blood_pressure::Reading;
use crate::clinical::c5::{self, Due, Evidence, Practice};
use crate::clinical::exams::Analyte;
use crate::clinical::hiperdia::{ActionType, Status};
use crate::clinical::kidney;
use crate::clinical::sex::Sex;
use crate::db::sql::statement;
use crate::esus::catalogue::Catalogue;
use crate::store::hypertension_summary::{self as summary, Column};
use crate::store::{
    app_user, care_action as action, hypertension_cardiology as cardiology,
    hypertension_cv_risk as risk, hypertension_exam_result as exam, hypertension_mrpa as mrpa_row,
    hypertension_mrpa_reading as reading, hypertension_nutrition as nutrition,
    hypertension_treatment_change as change,
};

use super::treatment::{self, Medication};

pub use crate::care::followup::FieldError;

/// The read-model row of a person the scope reaches (`None`: unknown or out of scope).
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    person: i64,
) -> Result<Option<summary::Model>, DbErr> {
    summary::Entity::find_by_id(person)
        .filter(scope.condition(Column::NuCnes, Column::NuIne, Column::MicroArea))
        .one(db)
        .await
}

/// An active problem of the PEC problem list.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: String,
    pub description: String,
    pub since: Option<NaiveDate>,
    pub latent: bool,
}

#[derive(Debug, Clone)]
pub struct BpPoint {
    pub at: NaiveDateTime,
    pub reading: Reading,
}

#[derive(Debug, Clone, Default)]
pub struct Anthropometry {
    pub weight_kg: Option<(NaiveDate, f64)>,
    pub height_cm: Option<(NaiveDate, f64)>,
    /// From the latest day with both.
    pub bmi: Option<(NaiveDate, f64)>,
}

#[derive(Debug, Clone)]
pub struct PecPrescription {
    pub at: NaiveDateTime,
    pub medication: String,
    pub posology: Option<String>,
    pub continuous: bool,
}

#[derive(Debug, Clone)]
pub struct PecExam {
    pub name: String,
    pub requested: NaiveDateTime,
    pub done: Option<NaiveDateTime>,
    pub result: Option<String>,
}

/// The latest result of one analyte recorded in the programme.
#[derive(Debug, Clone)]
pub struct LatestExam {
    pub analyte: Analyte,
    pub value: f64,
    pub on: NaiveDate,
}

/// One event of the timeline with what it recorded.
#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub action: action::Model,
    pub action_type: Option<ActionType>,
    pub status: Option<Status>,
    /// Who created it and who completed/cancelled it (full names).
    pub created_by: String,
    pub done_by: Option<String>,
    pub mrpa: Option<(mrpa_row::Model, Vec<reading::Model>)>,
    pub exams: Vec<exam::Model>,
    pub risk: Option<risk::Model>,
    pub change: Option<change::Model>,
    pub nutrition: Option<nutrition::Model>,
    pub cardiology: Option<cardiology::Model>,
}

impl TimelineEvent {
    /// The day it happened (done) or is due.
    pub fn day(&self) -> NaiveDate {
        self.action.done_date.unwrap_or(self.action.due_date)
    }
}

/// Everything the patient page shows.
#[derive(Debug, Clone)]
pub struct PatientView {
    pub summary: summary::Model,
    pub age: Option<u32>,
    pub problems: Vec<Problem>,
    /// False when the PEC catalogue could not be resolved: the problem list was not read.
    pub problems_known: bool,
    /// Oldest first.
    pub bp_history: Vec<BpPoint>,
    pub anthropometry: Anthropometry,
    pub prescriptions: Vec<PecPrescription>,
    pub pec_exams: Vec<PecExam>,
    pub medications: Vec<Medication>,
    pub latest_exams: Vec<LatestExam>,
    /// eGFR (CKD-EPI 2021) from the latest creatinine, with its stage.
    pub egfr: Option<(f64, kidney::CkdStage, NaiveDate)>,
    pub c5_due: Vec<(Practice, Due)>,
    pub quadrimester: (NaiveDate, NaiveDate),
    /// Newest first.
    pub timeline: Vec<TimelineEvent>,
}

async fn raw(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

fn number(text: Option<String>) -> Option<f64> {
    text.and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// Loads the page of a person in scope; `None` when unknown or out of scope. Without a
/// resolved PEC catalogue the problem list is not read (`problems_known` false).
pub async fn load(
    db: &DatabaseConnection,
    scope: &Scope,
    person: i64,
    today: NaiveDate,
    timeline_since: Option<NaiveDate>,
    catalogue: Option<&Catalogue>,
) -> Result<Option<PatientView>, DbErr> {
    let Some(summary) = find_in_scope(db, scope, person).await? else {
        return Ok(None);
    };
    let age = summary.dt_nascimento.map(|b| age::years(b, today));

    // Problems (active or latent) of the PEC problem list.
    let mut problems = Vec::new();
    let rows =
        match catalogue {
            Some(c) => raw(
                db,
                "SELECT ci.co_ciap, ci.ds_ciap, cd.nu_cid10, cd.no_cid10, pe.co_situacao_problema,
                pe.dt_inicio_problema
         FROM tb_problema p
         JOIN tb_prontuario pr ON pr.co_seq_prontuario = p.co_prontuario
         JOIN tb_problema_evolucao pe ON pe.co_seq_problema_evolucao = p.co_ultimo_problema_evolucao
         LEFT JOIN tb_ciap ci ON ci.co_seq_ciap = p.co_ciap
         LEFT JOIN tb_cid10 cd ON cd.co_cid10 = p.co_cid10
         WHERE pr.co_cidadao = ? AND pe.co_situacao_problema IN (?, ?)
         ORDER BY pe.dt_inicio_problema DESC",
                vec![
                    person.into(),
                    c.problem_active.into(),
                    c.problem_latent.into(),
                ],
            )
            .await?,
            None => Vec::new(),
        };
    for r in rows {
        let ciap: Option<String> = r.try_get("", "co_ciap")?;
        let cid: Option<String> = r.try_get("", "nu_cid10")?;
        let (code, description) = match (cid, ciap) {
            (Some(c), _) => (c, r.try_get::<Option<String>>("", "no_cid10")?),
            (None, Some(c)) => (c, r.try_get::<Option<String>>("", "ds_ciap")?),
            (None, None) => continue,
        };
        problems.push(Problem {
            code: code.trim().to_string(),
            description: description.unwrap_or_default(),
            since: r.try_get("", "dt_inicio_problema")?,
            latent: catalogue.is_some_and(|c| {
                r.try_get::<i64>("", "co_situacao_problema").ok() == Some(c.problem_latent)
            }),
        });
    }

    // Measurements of every professional act of the person's encounters.
    let mut bp_history = Vec::new();
    let mut anthropometry = Anthropometry::default();
    let mut by_day: BTreeMap<NaiveDate, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for r in raw(
        db,
        "SELECT m.dt_medicao, m.nu_medicao_pressao_arterial, m.nu_medicao_peso,
                m.nu_medicao_altura
         FROM tb_prontuario pr
         JOIN tb_atend a ON a.co_prontuario = pr.co_seq_prontuario
         JOIN tb_atend_prof ap ON ap.co_atend = a.co_seq_atend
         JOIN tb_medicao m ON m.co_atend_prof = ap.co_seq_atend_prof
         WHERE pr.co_cidadao = ?
         ORDER BY m.dt_medicao",
        vec![person.into()],
    )
    .await?
    {
        let at: NaiveDateTime = r.try_get("", "dt_medicao")?;
        if at.date() > today {
            continue;
        }
        let bp: Option<String> = r.try_get("", "nu_medicao_pressao_arterial")?;
        if let Some(reading) = bp.as_deref().and_then(Reading::parse) {
            bp_history.push(BpPoint { at, reading });
        }
        let w = number(r.try_get("", "nu_medicao_peso")?);
        let h = number(r.try_get("", "nu_medicao_altura")?);
        if let Some(w) = w {
            anthropometry.weight_kg = Some((at.date(), w));
        }
        if let Some(h) = h {
            anthropometry.height_cm = Some((at.date(), h));
        }
        if w.is_some() || h.is_some() {
            let e = by_day.entry(at.date()).or_default();
            e.0 = w.or(e.0);
            e.1 = h.or(e.1);
        }
    }
    let anthropometry_days: Vec<NaiveDate> = by_day
        .iter()
        .filter(|(_, (w, h))| w.is_some() && h.is_some())
        .map(|(d, _)| *d)
        .collect();
    if let Some((day, (Some(w), Some(h)))) = by_day
        .iter()
        .rev()
        .find(|(_, (w, h))| w.is_some() && h.is_some())
    {
        let m = h / 100.0;
        anthropometry.bmi = Some((*day, ((w / (m * m)) * 10.0).round() / 10.0));
    }

    // PEC prescriptions (read only), newest first.
    let mut prescriptions = Vec::new();
    for r in raw(
        db,
        "SELECT ap.dt_inicio, md.no_principio_ativo, md.ds_concentracao, rm.no_posologia,
                rm.st_uso_continuo
         FROM tb_prontuario pr
         JOIN tb_atend a ON a.co_prontuario = pr.co_seq_prontuario
         JOIN tb_atend_prof ap ON ap.co_atend = a.co_seq_atend
         JOIN tb_receita_medicamento rm ON rm.co_atend_prof = ap.co_seq_atend_prof
         JOIN tb_medicamento md ON md.co_seq_medicamento = rm.co_medicamento
         WHERE pr.co_cidadao = ?
         ORDER BY ap.dt_inicio DESC
         LIMIT 30",
        vec![person.into()],
    )
    .await?
    {
        let name: String = r.try_get("", "no_principio_ativo")?;
        let strength: Option<String> = r.try_get("", "ds_concentracao")?;
        prescriptions.push(PecPrescription {
            at: r.try_get("", "dt_inicio")?,
            medication: match strength {
                Some(s) => format!("{name} {s}"),
                None => name,
            },
            posology: r.try_get("", "no_posologia")?,
            continuous: r.try_get::<i32>("", "st_uso_continuo")? == 1,
        });
    }

    // PEC requested/realised exams (read only), newest first.
    let mut pec_exams = Vec::new();
    for r in raw(
        db,
        "SELECT p.no_proced, e.dt_solicitacao, e.dt_realizacao, e.ds_resultado
         FROM tb_prontuario pr
         JOIN tb_exame_requisitado e ON e.co_prontuario = pr.co_seq_prontuario
         JOIN tb_proced p ON p.co_seq_proced = e.co_proced
         WHERE pr.co_cidadao = ?
         ORDER BY e.dt_solicitacao DESC
         LIMIT 30",
        vec![person.into()],
    )
    .await?
    {
        pec_exams.push(PecExam {
            name: r.try_get("", "no_proced")?,
            requested: r.try_get("", "dt_solicitacao")?,
            done: r.try_get("", "dt_realizacao")?,
            result: r.try_get("", "ds_resultado")?,
        });
    }

    // ACS visits: the ones the read model counted (the PEC links them by CNS or CPF only).
    let acs_visits: Vec<NaiveDate> = summary
        .acs_visit_dates
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .collect();
    let evidence = Evidence {
        last_consultation: summary.last_visit_date,
        last_bp: summary.last_bp_date,
        anthropometry_days,
        acs_visits,
    };
    let c5_due = c5::due_dates(&evidence, today);

    let medications = treatment::list(db, person).await?;

    // The programme's exams: the latest of each analyte, from completed actions only (an
    // annulled action's results no longer count).
    let done: Vec<i64> = action::Entity::find()
        .filter(action::Column::Program.eq(super::actions::PROGRAM_KEY))
        .filter(action::Column::CoCidadao.eq(person))
        .filter(action::Column::Status.eq(Status::Done.key()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let results: Vec<exam::Model> = exam::Entity::find()
        .filter(exam::Column::CoCidadao.eq(person))
        .order_by_asc(exam::Column::CollectedOn)
        .order_by_asc(exam::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| done.contains(&r.action_id))
        .collect();
    let mut latest: BTreeMap<&'static str, LatestExam> = BTreeMap::new();
    for r in &results {
        if let Some(a) = Analyte::from_key(&r.analyte) {
            latest.insert(
                a.key(),
                LatestExam {
                    analyte: a,
                    value: r.value,
                    on: r.collected_on,
                },
            );
        }
    }
    let latest_exams: Vec<LatestExam> = Analyte::ALL
        .iter()
        .filter_map(|a| latest.get(a.key()).cloned())
        .collect();
    let sex = summary.sexo.as_deref().and_then(Sex::from_key);
    let egfr = latest
        .get(Analyte::Creatinine.key())
        .zip(summary.dt_nascimento)
        .zip(sex)
        .map(|((c, birth), sex)| {
            let e = kidney::egfr_ckd_epi_2021(c.value, age::years(birth, c.on), sex);
            (e, kidney::CkdStage::from_egfr(e), c.on)
        });

    let timeline = timeline(db, person, timeline_since).await?;
    Ok(Some(PatientView {
        summary,
        age,
        problems,
        problems_known: catalogue.is_some(),
        bp_history,
        anthropometry,
        prescriptions,
        pec_exams,
        medications,
        latest_exams,
        egfr,
        c5_due,
        quadrimester: c5::quadrimester(today),
        timeline,
    }))
}

/// The follow-up timeline of a person, newest first, optionally from a day on.
pub async fn timeline(
    db: &impl ConnectionTrait,
    person: i64,
    since: Option<NaiveDate>,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let actions = action::Entity::find()
        .filter(action::Column::Program.eq(super::actions::PROGRAM_KEY))
        .filter(action::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let users: BTreeMap<i64, String> = app_user::Entity::find()
        .filter(
            app_user::Column::Id.is_in(
                actions
                    .iter()
                    .flat_map(|a| [Some(a.created_by), a.done_by])
                    .flatten()
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect();
    let mrpas = mrpa_row::Entity::find()
        .filter(mrpa_row::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let mrpa_ids: Vec<i64> = mrpas.iter().map(|m| m.id).collect();
    let readings = if mrpa_ids.is_empty() {
        Vec::new()
    } else {
        reading::Entity::find()
            .filter(reading::Column::MrpaId.is_in(mrpa_ids))
            .order_by_asc(reading::Column::Day)
            .order_by_asc(reading::Column::Period)
            .order_by_asc(reading::Column::Seq)
            .all(db)
            .await?
    };
    let exams = exam::Entity::find()
        .filter(exam::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let risks = risk::Entity::find()
        .filter(risk::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let changes = change::Entity::find()
        .filter(change::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let nutritions = nutrition::Entity::find()
        .filter(nutrition::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let cardiologies = cardiology::Entity::find()
        .filter(cardiology::Column::CoCidadao.eq(person))
        .all(db)
        .await?;
    let mut out: Vec<TimelineEvent> = actions
        .into_iter()
        .map(|a| {
            let id = a.id;
            TimelineEvent {
                action_type: ActionType::from_key(&a.action_type),
                status: Status::from_key(&a.status),
                created_by: users.get(&a.created_by).cloned().unwrap_or_default(),
                done_by: a.done_by.and_then(|u| users.get(&u).cloned()),
                mrpa: mrpas.iter().find(|m| m.action_id == id).map(|m| {
                    (
                        m.clone(),
                        readings
                            .iter()
                            .filter(|r| r.mrpa_id == m.id)
                            .cloned()
                            .collect(),
                    )
                }),
                exams: exams
                    .iter()
                    .filter(|e| e.action_id == id)
                    .cloned()
                    .collect(),
                risk: risks.iter().find(|r| r.action_id == id).cloned(),
                change: changes.iter().find(|c| c.action_id == id).cloned(),
                nutrition: nutritions.iter().find(|n| n.action_id == id).cloned(),
                cardiology: cardiologies.iter().find(|c| c.action_id == id).cloned(),
                action: a,
            }
        })
        .filter(|e| since.is_none_or(|s| e.day() >= s))
        .collect();
    out.sort_by(|a, b| b.day().cmp(&a.day()).then(b.action.id.cmp(&a.action.id)));
    Ok(out)
}
