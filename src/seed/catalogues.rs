//! PEC catalogues seeded with the surrogate ids the reference system hard-codes
//! (`esus-schema.md` §1.5) and the natural codes next to them.
//!
//! Ids not given by §1.5 (CBO, street types, income bands, visit motives, sex) are this
//! generator's own choice and are marked as such.

use super::identity::name_filter;
use super::writer::{Table, Writer, big, big_opt, text, text_opt};
use sea_orm::ConnectionTrait;

// ---- catalogues the app resolves by name (`esus::catalogue`) ---------------------------------
// This generator's own ids, chosen to differ from every id the code once assumed (situations
// 0/1/2, act types 1/2/3, visit outcome 1): a rule that used a surrogate id instead of the
// catalogue resolution would count the wrong rows here and fail the tests.

/// `tb_situacao_problema`.
pub const PROBLEM_ACTIVE: i64 = 2;
pub const PROBLEM_LATENT: i64 = 13;
pub const PROBLEM_RESOLVED: i64 = 0;

/// `tb_tipo_atend_prof` (act kinds; names as the PEC shows them, ids this generator's).
pub const ACT_CONSULTATION: i64 = 2;
pub const ACT_INITIAL_LISTENING: i64 = 9;
pub const ACT_PROCEDURE: i64 = 1;
const ACT_TYPES: &[(i64, &str)] = &[
    (ACT_PROCEDURE, "PROCEDIMENTOS"),
    (ACT_CONSULTATION, "CONSULTA"),
    (4, "VACINAÇÃO"),
    (5, "ATENDIMENTO ODONTOLÓGICO"),
    (7, "ATENDIMENTO DOMICILIAR"),
    (ACT_INITIAL_LISTENING, "ESCUTA INICIAL"),
    (12, "ATIVIDADE COLETIVA"),
];

// ---- tb_sexo (ids assumed: 0 male, 1 female) ----------------------------------------------
pub const SEX_MALE: i64 = 0;
pub const SEX_FEMALE: i64 = 1;

// ---- tb_ciap (co_seq_ciap from §1.5) -------------------------------------------------------
pub const CIAP_K86: i64 = 178;
pub const CIAP_K87: i64 = 179;
pub const CIAP_T89: i64 = 476;
pub const CIAP_T90: i64 = 477;
pub const CIAP_W78: i64 = 634;

const CIAP: &[(i64, &str, &str)] = &[
    (CIAP_K86, "K86", "Hipertensão sem complicações"),
    (CIAP_K87, "K87", "Hipertensão com complicações"),
    (CIAP_T89, "T89", "Diabetes insulino-dependente"),
    (CIAP_T90, "T90", "Diabetes não insulino-dependente"),
    (CIAP_W78, "W78", "Gravidez"),
];

// ---- tb_cid10 (co_cid10 from §1.5; natural code without the dot, as the PEC stores it) -----
/// Hypertension leaf codes, ids 3184..=3197 in this order.
pub const CID_HYPERTENSION_LEAVES: [(&str, &str); 14] = [
    ("I10", "Hipertensão essencial (primária)"),
    (
        "I110",
        "Doença cardíaca hipertensiva com insuficiência cardíaca (congestiva)",
    ),
    (
        "I119",
        "Doença cardíaca hipertensiva sem insuficiência cardíaca (congestiva)",
    ),
    ("I120", "Doença renal hipertensiva com insuficiência renal"),
    ("I129", "Doença renal hipertensiva sem insuficiência renal"),
    (
        "I130",
        "Doença cardíaca e renal hipertensiva com insuficiência cardíaca (congestiva)",
    ),
    (
        "I131",
        "Doença cardíaca e renal hipertensiva com insuficiência renal",
    ),
    (
        "I132",
        "Doença cardíaca e renal hipertensiva com insuficiência cardíaca e renal",
    ),
    (
        "I139",
        "Doença cardíaca e renal hipertensiva, não especificada",
    ),
    ("I150", "Hipertensão renovascular"),
    ("I151", "Hipertensão secundária a outras afecções renais"),
    ("I152", "Hipertensão secundária a afecções endócrinas"),
    ("I158", "Outras formas de hipertensão secundária"),
    ("I159", "Hipertensão secundária, não especificada"),
];
pub const CID_HYPERTENSION_FIRST_ID: i64 = 3184;
const CID_HYPERTENSION_CATEGORIES: [(i64, &str, &str); 4] = [
    (12969, "I11", "Doença cardíaca hipertensiva"),
    (12970, "I12", "Doença renal hipertensiva"),
    (12971, "I13", "Doença cardíaca e renal hipertensiva"),
    (12972, "I15", "Hipertensão secundária"),
];
/// Diabetes leaves E10.0–E14.9 take ids 1722..=1771 (category-major, subcategory 0..9).
pub const CID_DIABETES_FIRST_ID: i64 = 1722;
const CID_DIABETES_CATEGORIES: [(&str, &str); 5] = [
    ("E10", "Diabetes mellitus insulino-dependente"),
    ("E11", "Diabetes mellitus não-insulino-dependente"),
    ("E12", "Diabetes mellitus relacionado com a desnutrição"),
    ("E13", "Outros tipos especificados de diabetes mellitus"),
    ("E14", "Diabetes mellitus não especificado"),
];
const CID_DIABETES_CATEGORY_FIRST_ID: i64 = 12731;
const CID_DIABETES_SUFFIXES: [&str; 10] = [
    "com coma",
    "com cetoacidose",
    "com complicações renais",
    "com complicações oftálmicas",
    "com complicações neurológicas",
    "com complicações circulatórias periféricas",
    "com outras complicações especificadas",
    "com complicações múltiplas",
    "com complicações não especificadas",
    "sem complicações",
];
pub const CID_Z34: i64 = 14174;

/// The `co_cid10` id of a hypertension leaf by its natural code (`I10`, `I119`, ...).
pub fn cid_hypertension_id(code: &str) -> Option<i64> {
    CID_HYPERTENSION_LEAVES
        .iter()
        .position(|(c, _)| *c == code)
        .map(|i| CID_HYPERTENSION_FIRST_ID + i as i64)
}

/// The `co_cid10` id of diabetes leaf `E1<category>.<sub>` (category 0..=4 for E10..E14).
pub fn cid_diabetes_id(category: u8, sub: u8) -> i64 {
    CID_DIABETES_FIRST_ID + i64::from(category.min(4)) * 10 + i64::from(sub.min(9))
}

// ---- tb_proced (co_seq_proced from §1.5; natural codes ABEX/SIGTAP as §1.5 infers) ---------
pub const PROC_TOTAL_CHOLESTEROL: i64 = 4500;
pub const PROC_CREATININE: i64 = 4501;
pub const PROC_HDL: i64 = 4505;
pub const PROC_HBA1C: i64 = 4506;
pub const PROC_LDL: i64 = 4507;
pub const PROC_GLUCOSE: i64 = 4524;
pub const PROC_TRIGLYCERIDES: i64 = 199;
pub const PROC_UREA: i64 = 201;
pub const PROC_SODIUM: i64 = 195;
pub const PROC_POTASSIUM: i64 = 192;
pub const PROC_ECG: i64 = 862;

const PROCED: &[(i64, &str, &str)] = &[
    (PROC_POTASSIUM, "0202010600", "DOSAGEM DE POTÁSSIO"),
    (PROC_SODIUM, "0202010635", "DOSAGEM DE SÓDIO"),
    (
        PROC_TRIGLYCERIDES,
        "0202010678",
        "DOSAGEM DE TRIGLICERÍDEOS",
    ),
    (PROC_UREA, "0202010694", "DOSAGEM DE URÉIA"),
    (801, "ABEX-TFG", "TAXA DE FILTRAÇÃO GLOMERULAR ESTIMADA"),
    (PROC_ECG, "0211020036", "ELETROCARDIOGRAMA"),
    (
        864,
        "0211020052",
        "MONITORAMENTO AMBULATORIAL DE PRESSÃO ARTERIAL",
    ),
    (PROC_TOTAL_CHOLESTEROL, "ABEX002", "COLESTEROL TOTAL"),
    (PROC_CREATININE, "ABEX003", "CREATININA"),
    (PROC_HDL, "ABEX007", "HDL"),
    (PROC_HBA1C, "ABEX008", "HEMOGLOBINA GLICADA"),
    (PROC_LDL, "ABEX009", "LDL"),
    (PROC_GLUCOSE, "ABEX026", "GLICEMIA"),
];

// ---- tb_medicamento (antihypertensives inside the reference's id ranges 195–196, 222–224,
// 276–288; other ids are this generator's choice) --------------------------------------------
/// Pharmaceutical form id used by the reference for injectables.
pub const FORM_INJECTABLE: i64 = 82;
/// Tablet form id (assumed; the form catalogue is not mirrored).
pub const FORM_TABLET: i64 = 1;

pub const MED_CAPTOPRIL_25: i64 = 195;
pub const MED_ENALAPRIL_10: i64 = 196;
pub const MED_HCTZ_25: i64 = 222;
pub const MED_FUROSEMIDE_40: i64 = 223;
pub const MED_SPIRONOLACTONE_25: i64 = 224;
pub const MED_LOSARTAN_50: i64 = 276;
pub const MED_AMLODIPINE_5: i64 = 277;
pub const MED_AMLODIPINE_10: i64 = 278;
pub const MED_ATENOLOL_50: i64 = 279;
pub const MED_CARVEDILOL_12: i64 = 280;
pub const MED_ENALAPRIL_20: i64 = 281;
pub const MED_METFORMIN_850: i64 = 401;
pub const MED_GLIBENCLAMIDE_5: i64 = 402;
pub const MED_GLICLAZIDE_30: i64 = 403;
pub const MED_INSULIN_NPH: i64 = 404;
pub const MED_INSULIN_REGULAR: i64 = 405;
pub const MED_PILL: i64 = 501;
pub const MED_MONTHLY_INJECTION: i64 = 502;
pub const MED_QUARTERLY_INJECTION: i64 = 503;

/// (id, active ingredient, form, strength, usual posology)
pub const MEDICINES: &[(i64, &str, i64, &str, &str)] = &[
    (
        MED_CAPTOPRIL_25,
        "Captopril",
        FORM_TABLET,
        "25 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        MED_ENALAPRIL_10,
        "Enalapril, Maleato de",
        FORM_TABLET,
        "10 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        MED_HCTZ_25,
        "Hidroclorotiazida",
        FORM_TABLET,
        "25 mg",
        "1 comprimido pela manhã",
    ),
    (
        MED_FUROSEMIDE_40,
        "Furosemida",
        FORM_TABLET,
        "40 mg",
        "1 comprimido pela manhã",
    ),
    (
        MED_SPIRONOLACTONE_25,
        "Espironolactona",
        FORM_TABLET,
        "25 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_LOSARTAN_50,
        "Losartana Potássica",
        FORM_TABLET,
        "50 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        MED_AMLODIPINE_5,
        "Anlodipino, Besilato de",
        FORM_TABLET,
        "5 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_AMLODIPINE_10,
        "Anlodipino, Besilato de",
        FORM_TABLET,
        "10 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_ATENOLOL_50,
        "Atenolol",
        FORM_TABLET,
        "50 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_CARVEDILOL_12,
        "Carvedilol",
        FORM_TABLET,
        "12,5 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        MED_ENALAPRIL_20,
        "Enalapril, Maleato de",
        FORM_TABLET,
        "20 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        282,
        "Propranolol, Cloridrato de",
        FORM_TABLET,
        "40 mg",
        "1 comprimido de 12/12 horas",
    ),
    (
        MED_METFORMIN_850,
        "Metformina, Cloridrato de",
        FORM_TABLET,
        "850 mg",
        "1 comprimido após almoço e jantar",
    ),
    (
        MED_GLIBENCLAMIDE_5,
        "Glibenclamida",
        FORM_TABLET,
        "5 mg",
        "1 comprimido antes do café",
    ),
    (
        MED_GLICLAZIDE_30,
        "Gliclazida",
        FORM_TABLET,
        "30 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_INSULIN_NPH,
        "Insulina Humana NPH",
        FORM_INJECTABLE,
        "100 UI/mL",
        "aplicar conforme esquema",
    ),
    (
        MED_INSULIN_REGULAR,
        "Insulina Humana Regular",
        FORM_INJECTABLE,
        "100 UI/mL",
        "aplicar conforme glicemia",
    ),
    (
        MED_PILL,
        "Etinilestradiol + Levonorgestrel",
        FORM_TABLET,
        "0,03 mg + 0,15 mg",
        "1 comprimido ao dia",
    ),
    (
        MED_MONTHLY_INJECTION,
        "Noretisterona, Enantato de + Estradiol, Valerato de",
        FORM_INJECTABLE,
        "50 mg/mL + 5 mg/mL",
        "1 ampola IM a cada 30 dias",
    ),
    (
        MED_QUARTERLY_INJECTION,
        "Medroxiprogesterona, Acetato",
        FORM_INJECTABLE,
        "150 mg/mL",
        "1 ampola IM a cada 90 dias",
    ),
];

/// Usual posology of a medicine of [`MEDICINES`].
pub fn posology(id: i64) -> &'static str {
    MEDICINES
        .iter()
        .find(|m| m.0 == id)
        .map_or("conforme orientação", |m| m.4)
}

// ---- tb_cbo (co_cbo surrogate ids: this generator's choice) --------------------------------
pub const CBO_PHYSICIAN_ESF: i64 = 1;
pub const CBO_NURSE_ESF: i64 = 2;
pub const CBO_NURSING_TECH_ESF: i64 = 3;
pub const CBO_ACS: i64 = 4;
pub const CBO_TACS: i64 = 5;
pub const CBO_PHYSICIAN_GENERAL: i64 = 6;
pub const CBO_PHYSIOTHERAPIST: i64 = 7;
pub const CBO_PSYCHOLOGIST: i64 = 8;
pub const CBO_NUTRITIONIST: i64 = 9;

pub const CBO_2002_ACS: &str = "515105";
pub const CBO_2002_TACS: &str = "322255";

const CBO: &[(i64, &str, &str)] = &[
    (
        CBO_PHYSICIAN_ESF,
        "225142",
        "MÉDICO DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    ),
    (
        CBO_NURSE_ESF,
        "223565",
        "ENFERMEIRO DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    ),
    (
        CBO_NURSING_TECH_ESF,
        "322245",
        "TÉCNICO DE ENFERMAGEM DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    ),
    (CBO_ACS, CBO_2002_ACS, "AGENTE COMUNITÁRIO DE SAÚDE"),
    (
        CBO_TACS,
        CBO_2002_TACS,
        "TÉCNICO EM AGENTE COMUNITÁRIO DE SAÚDE",
    ),
    (CBO_PHYSICIAN_GENERAL, "225125", "MÉDICO CLÍNICO"),
    (CBO_PHYSIOTHERAPIST, "223605", "FISIOTERAPEUTA GERAL"),
    (CBO_PSYCHOLOGIST, "251510", "PSICÓLOGO CLÍNICO"),
    (CBO_NUTRITIONIST, "223710", "NUTRICIONISTA"),
];

// ---- home-visit outcome and motives ---------------------------------------------------------
/// `tb_cds_visita_dom_desfecho` (ids this generator's, see above).
pub const VISIT_DONE: i64 = 3;
pub const VISIT_REFUSED: i64 = 1;
pub const VISIT_ABSENT: i64 = 2;

pub const MOTIVE_REGISTRATION: i64 = 1;
pub const MOTIVE_PERIODIC: i64 = 2;
pub const MOTIVE_SEARCH_CONSULTATION: i64 = 3;
pub const MOTIVE_SEARCH_EXAM: i64 = 4;
pub const MOTIVE_SEARCH_VACCINE: i64 = 5;
pub const MOTIVE_PREGNANT: i64 = 7;
pub const MOTIVE_NEWBORN: i64 = 9;
pub const MOTIVE_CHILD: i64 = 10;
pub const MOTIVE_HYPERTENSION: i64 = 11;
pub const MOTIVE_DIABETES: i64 = 12;
pub const MOTIVE_BEDRIDDEN: i64 = 13;
pub const MOTIVE_VECTOR_CONTROL: i64 = 16;
pub const MOTIVE_GUIDANCE: i64 = 18;

const VISIT_MOTIVES: &[(i64, &str)] = &[
    (MOTIVE_REGISTRATION, "CADASTRAMENTO / ATUALIZAÇÃO"),
    (MOTIVE_PERIODIC, "VISITA PERIÓDICA"),
    (MOTIVE_SEARCH_CONSULTATION, "BUSCA ATIVA - CONSULTA"),
    (MOTIVE_SEARCH_EXAM, "BUSCA ATIVA - EXAME"),
    (MOTIVE_SEARCH_VACCINE, "BUSCA ATIVA - VACINA"),
    (6, "BUSCA ATIVA - CONDICIONALIDADES DO BOLSA FAMÍLIA"),
    (MOTIVE_PREGNANT, "ACOMPANHAMENTO - GESTANTE"),
    (8, "ACOMPANHAMENTO - PUÉRPERA"),
    (MOTIVE_NEWBORN, "ACOMPANHAMENTO - RECÉM-NASCIDO"),
    (MOTIVE_CHILD, "ACOMPANHAMENTO - CRIANÇA"),
    (
        MOTIVE_HYPERTENSION,
        "ACOMPANHAMENTO - PESSOA COM HIPERTENSÃO",
    ),
    (MOTIVE_DIABETES, "ACOMPANHAMENTO - PESSOA COM DIABETES"),
    (MOTIVE_BEDRIDDEN, "ACOMPANHAMENTO - DOMICILIADOS / ACAMADOS"),
    (14, "ACOMPANHAMENTO - PESSOA COM OUTRAS DOENÇAS CRÔNICAS"),
    (15, "EGRESSO DE INTERNAÇÃO"),
    (MOTIVE_VECTOR_CONTROL, "CONTROLE AMBIENTAL / VETORIAL"),
    (17, "CONVITE PARA ATIVIDADES COLETIVAS / CAMPANHA DE SAÚDE"),
    (MOTIVE_GUIDANCE, "ORIENTAÇÃO / PREVENÇÃO"),
    (19, "OUTROS"),
];

// ---- address and income catalogues (ids: this generator's choice) ---------------------------
/// (id, name, weight among households)
pub const STREET_TYPES: &[(i64, &str, f64)] = &[
    (1, "RUA", 0.70),
    (2, "AVENIDA", 0.08),
    (3, "TRAVESSA", 0.08),
    (4, "BECO", 0.04),
    (5, "ESTRADA", 0.04),
    (6, "COMUNIDADE", 0.04),
    (7, "RAMAL", 0.02),
];

/// (id, name, weight among families)
pub const INCOME_BANDS: &[(i64, &str, f64)] = &[
    (1, "ATÉ 1/4 DE SALÁRIO MÍNIMO", 0.12),
    (2, "1/4 A 1/2 SALÁRIO MÍNIMO", 0.16),
    (3, "1/2 A 1 SALÁRIO MÍNIMO", 0.26),
    (4, "1 A 2 SALÁRIOS MÍNIMOS", 0.24),
    (5, "2 A 3 SALÁRIOS MÍNIMOS", 0.10),
    (6, "3 A 4 SALÁRIOS MÍNIMOS", 0.05),
    (7, "ACIMA DE 4 SALÁRIOS MÍNIMOS", 0.07),
];

/// Buffers every catalogue row.
pub fn write<C: ConnectionTrait>(w: &mut Writer<'_, C>) {
    w.push(Table::Sexo, vec![big(SEX_MALE), text("MASCULINO")]);
    w.push(Table::Sexo, vec![big(SEX_FEMALE), text("FEMININO")]);
    for (id, name, _) in STREET_TYPES {
        w.push(Table::TipoLogradouro, vec![big(*id), text(*name)]);
    }
    for (id, name, _) in INCOME_BANDS {
        w.push(Table::RendaFamiliar, vec![big(*id), text(*name)]);
    }
    for (id, name) in [
        (PROBLEM_ACTIVE, "ATIVO"),
        (PROBLEM_LATENT, "LATENTE"),
        (PROBLEM_RESOLVED, "RESOLVIDO"),
    ] {
        w.push(Table::SituacaoProblema, vec![big(id), text(name)]);
    }
    for (id, name) in ACT_TYPES {
        w.push(Table::TipoAtendProf, vec![big(*id), text(*name)]);
    }
    for (id, code, name) in CIAP {
        w.push(Table::Ciap, vec![big(*id), text(*code), text(*name)]);
    }
    for (i, (code, name)) in CID_HYPERTENSION_LEAVES.iter().enumerate() {
        w.push(
            Table::Cid10,
            vec![
                big(CID_HYPERTENSION_FIRST_ID + i as i64),
                text(*code),
                text(*name),
            ],
        );
    }
    for (id, code, name) in CID_HYPERTENSION_CATEGORIES {
        w.push(Table::Cid10, vec![big(id), text(code), text(name)]);
    }
    for (c, (code, name)) in CID_DIABETES_CATEGORIES.iter().enumerate() {
        for (s, suffix) in CID_DIABETES_SUFFIXES.iter().enumerate() {
            w.push(
                Table::Cid10,
                vec![
                    big(cid_diabetes_id(c as u8, s as u8)),
                    text(format!("{code}{s}")),
                    text(format!("{name} - {suffix}")),
                ],
            );
        }
        w.push(
            Table::Cid10,
            vec![
                big(CID_DIABETES_CATEGORY_FIRST_ID + c as i64),
                text(*code),
                text(*name),
            ],
        );
    }
    w.push(
        Table::Cid10,
        vec![
            big(CID_Z34),
            text("Z34"),
            text("Supervisão de gravidez normal"),
        ],
    );
    for (id, code, name) in PROCED {
        w.push(Table::Proced, vec![big(*id), text(*code), text(*name)]);
    }
    for (id, name, form, strength, _) in MEDICINES {
        w.push(
            Table::Medicamento,
            vec![
                big(*id),
                text(*name),
                text(name_filter(name)),
                big_opt(Some(*form)),
                text_opt(Some(strength.to_string())),
            ],
        );
    }
    for (id, code, name) in CBO {
        w.push(Table::Cbo, vec![big(*id), text(*code), text(*name)]);
    }
    for (id, name) in [
        (VISIT_DONE, "VISITA REALIZADA"),
        (VISIT_REFUSED, "VISITA RECUSADA"),
        (VISIT_ABSENT, "AUSENTE"),
    ] {
        w.push(Table::VisitaDesfecho, vec![big(id), text(name)]);
    }
    for (id, name) in VISIT_MOTIVES {
        w.push(Table::VisitaMotivo, vec![big(*id), text(*name)]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_ids_follow_the_reference() {
        assert_eq!(cid_hypertension_id("I10"), Some(3184));
        assert_eq!(cid_hypertension_id("I119"), Some(3186));
        assert_eq!(cid_hypertension_id("I159"), Some(3197));
        assert_eq!(cid_diabetes_id(0, 0), 1722, "E10.0");
        assert_eq!(cid_diabetes_id(1, 9), 1741, "E11.9");
        assert_eq!(cid_diabetes_id(4, 9), 1771, "E14.9");
        assert_eq!(CID_DIABETES_CATEGORY_FIRST_ID + 4, 12735);
        for (id, ..) in MEDICINES {
            let antihypertensive = matches!(id, 195..=196 | 222..=224 | 276..=288);
            assert_eq!(antihypertensive, *id < 400, "{id}");
        }
    }
}
