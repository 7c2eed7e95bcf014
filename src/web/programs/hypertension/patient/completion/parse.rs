//! Reading a submitted completion form: the action it is about, the MRPA grid cell by cell,
//! and the record of each kind; every problem is a message for one field.

use crate::clinical::cv_risk;
use crate::clinical::exams::{self, Analyte};
use crate::clinical::hiperdia::{ActionType, RecordKind};
use crate::clinical::mrpa::{self, Decision, HomeReading, Period};
use crate::clinical::sex::Sex;
use crate::programs::hypertension::actions::{Adjustment, Completion, MrpaRecord, Record};
use crate::web::error::WebError;
use crate::web::form::{Errors, date_field, decimal_field, int_field, path_id, text, yes};
use crate::web::session::FormData;

/// The MRPA grid's field suffix: `{day}_{period}_{seq}`.
pub(super) fn slot(day: u8, period: Period, seq: u8) -> String {
    format!("{day}_{}_{seq}", period.key())
}

/// Readings typed in the MRPA grid; per-cell messages.
pub(super) fn parse_readings(errors: &mut Errors, form: &FormData) -> Vec<HomeReading> {
    let mut out = Vec::new();
    for day in 1..=mrpa::DAYS {
        for period in Period::ALL {
            for seq in 1..=mrpa::READINGS_PER_PERIOD {
                let k = slot(day, period, seq);
                let s = form.get(&format!("pas_{k}")).trim();
                let d = form.get(&format!("pad_{k}")).trim();
                if s.is_empty() && d.is_empty() {
                    continue;
                }
                let field = format!("leitura_{k}");
                let at = format!("Dia {day}, {}, medida {seq}", period.label());
                if s.is_empty() || d.is_empty() {
                    errors.push(&field, format!("{at}: informe a sistólica e a diastólica."));
                    continue;
                }
                // Digits only; a huge number is kept (capped) so the range message shows.
                let num = |t: &str| {
                    t.bytes()
                        .all(|b| b.is_ascii_digit())
                        .then(|| t.parse::<i32>().unwrap_or(i32::MAX).min(99_999))
                };
                let (Some(sv), Some(dv)) = (num(s), num(d)) else {
                    errors.push(&field, format!("{at}: use só números inteiros (mmHg)."));
                    continue;
                };
                match mrpa::validate_reading(sv, dv) {
                    Ok(()) => out.push(HomeReading {
                        day,
                        period,
                        seq,
                        systolic: sv,
                        diastolic: dv,
                    }),
                    Err(e) => errors.push(&field, format!("{at}: {}", e.message())),
                }
            }
        }
    }
    out
}

/// The action type and pending action a completion form is about.
pub(super) fn completion_target(form: &FormData) -> Result<(ActionType, Option<i64>), WebError> {
    let t = ActionType::from_key(form.get("tipo").trim())
        .ok_or_else(|| WebError::BadRequest("Tipo de ação desconhecido.".into()))?;
    let id = match form.get("acao").trim() {
        "" => None,
        raw => Some(path_id(raw)?),
    };
    Ok((t, id))
}

/// Reads a completion form; every parse problem is a field message.
pub(super) fn parse_completion(
    form: &FormData,
    action_type: ActionType,
    action_id: Option<i64>,
) -> Result<Completion, Errors> {
    let mut e = Errors::default();
    let done_on = date_field(&mut e, form, "data", "a data de realização");
    let record = match action_type.record_kind() {
        RecordKind::None => Some(Record::None),
        RecordKind::Mrpa => {
            let first_day = date_field(&mut e, form, "inicio_mrpa", "o primeiro dia do MRPA");
            let readings = parse_readings(&mut e, form);
            let decision = match form.get("decisao").trim() {
                "" => None,
                k => {
                    let d = Decision::from_key(k);
                    if d.is_none() {
                        e.push("decisao", "Escolha uma decisão da lista.");
                    }
                    d
                }
            };
            first_day.map(|first_day| {
                Record::Mrpa(MrpaRecord {
                    first_day,
                    readings,
                    decision,
                    analysis: text(form, "analise"),
                })
            })
        }
        RecordKind::TreatmentChange => {
            let adjustment = Adjustment::from_key(form.get("ajuste").trim());
            if adjustment.is_none() {
                e.push("ajuste", "Escolha o tipo de ajuste.");
            }
            adjustment.map(|adjustment| Record::TreatmentChange {
                adjustment,
                new_medications: text(form, "novos_medicamentos"),
            })
        }
        RecordKind::Exams => {
            let collected = date_field(&mut e, form, "data_coleta", "a data da coleta");
            let mut values = Vec::new();
            for a in Analyte::ALL {
                let t = form.get(a.key()).trim();
                if t.is_empty() {
                    continue;
                }
                match exams::parse_value(a, t) {
                    Ok(v) => values.push((a, v)),
                    Err(err) => e.push(a.key(), err.message()),
                }
            }
            collected.map(|collected_on| Record::Exams {
                collected_on,
                values,
            })
        }
        RecordKind::CvRisk => {
            let age = int_field(&mut e, form, "idade", "Idade", 0..=130, true);
            let sex = Sex::from_key(form.get("sexo"));
            if sex.is_none() {
                e.push("sexo", "Escolha o sexo.");
            }
            let systolic = int_field(&mut e, form, "pas", "Pressão sistólica", 1..=400, true);
            let chol = decimal_field(
                &mut e,
                form,
                "colesterol_total",
                "Colesterol total",
                "mg/dL",
                Analyte::TotalCholesterol.plausible(),
                false,
            );
            let bmi = decimal_field(
                &mut e,
                form,
                "imc",
                "IMC",
                "kg/m²",
                cv_risk::BMI_RANGE,
                false,
            );
            match (age, sex, systolic) {
                (Some(age), Some(sex), Some(systolic)) => Some(Record::CvRisk(cv_risk::Inputs {
                    age: u32::try_from(age).unwrap_or(0),
                    sex,
                    smoker: yes(form, "tabagismo"),
                    diabetes: yes(form, "diabetes"),
                    systolic: i32::try_from(systolic).unwrap_or(0),
                    total_cholesterol_mg_dl: chol,
                    bmi,
                })),
                _ => None,
            }
        }
        RecordKind::Nutrition => {
            let weight = decimal_field(&mut e, form, "peso", "Peso", "kg", 2.0..=400.0, true);
            let height = decimal_field(&mut e, form, "altura", "Altura", "cm", 40.0..=250.0, false);
            let waist = decimal_field(
                &mut e,
                form,
                "circunferencia",
                "Circunferência abdominal",
                "cm",
                30.0..=250.0,
                false,
            );
            weight.map(|weight_kg| Record::Nutrition {
                weight_kg,
                height_cm: height,
                waist_cm: waist,
                guidance: text(form, "orientacoes"),
            })
        }
        RecordKind::Cardiology => Some(Record::Cardiology {
            professional: text(form, "profissional"),
            modality: text(form, "modalidade"),
            consultation: text(form, "consulta"),
            recommendations: text(form, "recomendacoes"),
        }),
    };
    match (done_on, record) {
        (Some(done_on), Some(record)) if e.is_empty() => Ok(Completion {
            action_type,
            action_id,
            done_on,
            notes: text(form, "observacoes"),
            record,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrpa_cells_get_their_own_messages() {
        let mut f = FormData::default();
        f.0.insert("pas_2_manha_1".into(), "400".into());
        f.0.insert("pad_2_manha_1".into(), "20".into());
        f.0.insert("pas_2_noite_1".into(), "120".into());
        f.0.insert("pad_2_noite_1".into(), "130".into());
        f.0.insert("pas_3_manha_1".into(), "12a".into());
        f.0.insert("pad_3_manha_1".into(), "80".into());
        f.0.insert("pas_3_noite_1".into(), "99999999999".into());
        f.0.insert("pad_3_noite_1".into(), "80".into());
        f.0.insert("pas_4_manha_1".into(), "120".into());
        f.0.insert("pad_4_manha_1".into(), "80".into());
        let mut e = Errors::default();
        let r = parse_readings(&mut e, &f);
        assert_eq!(r.len(), 1);
        for k in [
            "leitura_2_manha_1",
            "leitura_2_noite_1",
            "leitura_3_manha_1",
            "leitura_3_noite_1",
        ] {
            assert!(e.has(k), "{k}");
        }
    }
}
