//! `GET /hipertensos/{id}` (the patient summary) and `GET /hipertensos/{id}/linha-do-tempo`
//! (the follow-up timeline): what the patient page shows, from `hypertension::patient::load`
//! and `hypertension::patient::timeline`, scoped (out of scope answers like unknown) and
//! audited as a view of the patient (`view_patient`, the person).

use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object, OpenApi, Union};

use super::worklist::{BpReading, TeamRef};
use super::{
    Analito, Control, ControleMrpa, Decisao, NextAction, PracticeLetter, SituacaoAcao, Tipo,
};
use crate::api::auth::ApiAuth;
use crate::api::problem::ApiError;
use crate::api::{ApiTags, V1_PREFIX, audit_origin, require_patient_scope};
use crate::audit::{self, Action, Event};
use crate::auth::CurrentUser;
use crate::clinical::blood_pressure::ControlStatus;
use crate::clinical::c5::Due;
use crate::clinical::cv_risk::RiskBand;
use crate::clinical::exams::Analyte;
use crate::clinical::mrpa::Decision;
use crate::programs::hypertension::actions::{Adjustment, MODALITIES};
use crate::programs::hypertension::followup;
use crate::programs::hypertension::patient::{self, TimelineEvent};
use crate::programs::hypertension::treatment::MedStatus;
use crate::state::AppState;

/// Endereço do domicílio (cadastro domiciliar do PEC).
#[derive(Object, Debug, Clone)]
pub struct Endereco {
    #[oai(skip_serializing_if_is_none)]
    pub logradouro: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub numero: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub bairro: Option<String>,
}

/// A última avaliação da MRPA (monitorização residencial da pressão arterial).
#[derive(Object, Debug, Clone)]
pub struct AvaliacaoMrpa {
    /// Ação `avaliar_mrpa` que a registrou.
    pub acao: i64,
    /// Data da avaliação.
    pub data: NaiveDate,
    /// Primeiro dia das medidas em casa.
    pub primeiro_dia: NaiveDate,
    /// Média sistólica dos dias 2 a 5 (o 1º dia é descartado), em mmHg.
    pub media_sistolica: i32,
    /// Média diastólica dos dias 2 a 5, em mmHg.
    pub media_diastolica: i32,
    /// Leituras dos dias 2 a 5 que entraram nas médias.
    pub leituras_validas: i32,
    pub controle: ControleMrpa,
    pub decisao: Decisao,
}

/// Situação de um medicamento no plano de tratamento do programa.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum SituacaoMedicamento {
    /// Em uso.
    EmUso,
    /// Pausado (pode ser retomado).
    Pausado,
    /// Encerrado.
    Encerrado,
}

/// Um medicamento do plano de tratamento.
#[derive(Object, Debug, Clone)]
pub struct Medicamento {
    pub id: i64,
    /// Princípio ativo e concentração.
    pub nome: String,
    /// Comprimidos por tomada.
    pub dose: i32,
    /// Tomadas por dia.
    pub frequencia: i32,
    /// Posologia por extenso (ex.: `1 cp 2x/dia`).
    pub posologia: String,
    pub situacao: SituacaoMedicamento,
    /// Início do uso.
    pub inicio: NaiveDate,
    /// Fim do uso (encerrado).
    #[oai(skip_serializing_if_is_none)]
    pub fim: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub observacoes: Option<String>,
}

/// Resultado de um exame registrado no programa.
#[derive(Object, Debug, Clone)]
pub struct ResultadoExame {
    pub analito: Analito,
    /// Nome do exame.
    pub nome: String,
    pub valor: f64,
    /// Unidade (`mg/dL`, `mEq/L`, `%`).
    pub unidade: String,
    /// Data da coleta.
    pub data: NaiveDate,
}

/// Taxa de filtração glomerular estimada (CKD-EPI 2021) da última creatinina.
#[derive(Object, Debug, Clone)]
pub struct Tfg {
    /// mL/min/1,73 m², com uma casa decimal.
    pub valor: f64,
    /// Estágio da doença renal crônica (`g1` a `g5`, com `g3a`/`g3b`).
    pub estagio: String,
    /// Nome do estágio (ex.: `G2 (60–89)`).
    pub nome: String,
    /// O que o estágio significa.
    pub descricao: String,
    /// Data da coleta da creatinina.
    pub data: NaiveDate,
}

/// Onde uma boa prática C5 fica até o fim do quadrimestre.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum SituacaoPratica {
    /// Cumprida e continua cumprida até o fim do quadrimestre.
    EmDia,
    /// Cumprida, mas deixa de contar em `data` (antes do fim do quadrimestre): repetir até lá.
    Vence,
    /// Não cumprida: precisa acontecer até `data` (último dia do quadrimestre).
    Pendente,
}

/// Uma boa prática C5 da pessoa no quadrimestre.
#[derive(Object, Debug, Clone)]
pub struct PraticaC5 {
    pub pratica: PracticeLetter,
    /// O que a boa prática pede.
    pub descricao: String,
    pub situacao: SituacaoPratica,
    /// `vence`: o dia em que deixa de contar; `pendente`: até quando precisa acontecer.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<NaiveDate>,
}

/// As boas práticas C5 no quadrimestre atual.
#[derive(Object, Debug, Clone)]
pub struct C5Quadrimestre {
    pub inicio: NaiveDate,
    pub fim: NaiveDate,
    /// Pontos hoje (0 a 100).
    pub pontos: i32,
    pub praticas: Vec<PraticaC5>,
}

/// Faixa de risco cardiovascular em 10 anos (tabela OMS/HEARTS).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaixaRisco {
    /// Menos de 5%.
    #[oai(rename = "abaixo_5")]
    Abaixo5,
    /// 5% a menos de 10%.
    #[oai(rename = "5_a_10")]
    De5a10,
    /// 10% a menos de 20%.
    #[oai(rename = "10_a_20")]
    De10a20,
    /// 20% a menos de 30%.
    #[oai(rename = "20_a_30")]
    De20a30,
    /// 30% ou mais.
    #[oai(rename = "30_ou_mais")]
    De30OuMais,
}

impl FaixaRisco {
    pub fn of(b: RiskBand) -> FaixaRisco {
        match b {
            RiskBand::Below5 => FaixaRisco::Abaixo5,
            RiskBand::From5To10 => FaixaRisco::De5a10,
            RiskBand::From10To20 => FaixaRisco::De10a20,
            RiskBand::From20To30 => FaixaRisco::De20a30,
            RiskBand::AtLeast30 => FaixaRisco::De30OuMais,
        }
    }
}

/// O último risco cardiovascular avaliado.
#[derive(Object, Debug, Clone)]
pub struct RiscoCardiovascular {
    pub faixa: FaixaRisco,
    /// A faixa por extenso (ex.: `10% a < 20%`).
    pub nome: String,
    /// Nível (Baixo, Moderado, Alto, Muito alto, Crítico).
    pub nivel: String,
    /// Risco em 10 anos (%), da célula da tabela.
    #[oai(skip_serializing_if_is_none)]
    pub percentual: Option<f64>,
    /// Data da avaliação.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<NaiveDate>,
}

/// Resumo de uma pessoa com hipertensão: identificação, território, controle da pressão,
/// acompanhamento, tratamento, exames, C5 e risco cardiovascular.
#[derive(Object, Debug, Clone)]
#[oai(example)]
pub struct PatientSummary {
    /// Identificador do cidadão no PEC (`co_seq_cidadao`).
    pub id: i64,
    pub nome: String,
    #[oai(skip_serializing_if_is_none)]
    pub cns: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub cpf: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub data_nascimento: Option<NaiveDate>,
    /// Idade em anos completos hoje.
    #[oai(skip_serializing_if_is_none)]
    pub idade: Option<u32>,
    /// `F` ou `M`.
    #[oai(skip_serializing_if_is_none)]
    pub sexo: Option<String>,
    pub equipe: TeamRef,
    #[oai(skip_serializing_if_is_none)]
    pub microarea: Option<String>,
    pub endereco: Endereco,
    /// Situação da pressão (última avaliação: consultório ou MRPA).
    pub controle: Control,
    /// Última aferição válida no consultório.
    #[oai(skip_serializing_if_is_none)]
    pub ultima_afericao: Option<BpReading>,
    /// Última consulta com médico(a) ou enfermeiro(a).
    #[oai(skip_serializing_if_is_none)]
    pub ultima_consulta: Option<NaiveDate>,
    /// A última MRPA avaliada.
    #[oai(skip_serializing_if_is_none)]
    pub ultima_mrpa: Option<AvaliacaoMrpa>,
    /// A próxima ação pendente.
    #[oai(skip_serializing_if_is_none)]
    pub proxima_acao: Option<NextAction>,
    /// Quantas ações estão pendentes.
    pub acoes_pendentes: i32,
    /// Plano de tratamento: em uso, depois pausados, depois encerrados.
    pub tratamento: Vec<Medicamento>,
    /// O último resultado de cada exame registrado no programa.
    pub exames: Vec<ResultadoExame>,
    /// TFG estimada pela última creatinina (exige data de nascimento e sexo).
    #[oai(skip_serializing_if_is_none)]
    pub tfg: Option<Tfg>,
    pub c5: C5Quadrimestre,
    #[oai(skip_serializing_if_is_none)]
    pub risco_cardiovascular: Option<RiscoCardiovascular>,
    /// Quando os dados derivados do PEC foram atualizados pela última vez.
    #[oai(skip_serializing_if_is_none)]
    pub dados_atualizados_em: Option<DateTime<Utc>>,
}

impl Example for PatientSummary {
    fn example() -> Self {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        PatientSummary {
            id: 1042,
            nome: "MARIA DAS DORES DA SILVA".into(),
            cns: Some("700000000000001".into()),
            cpf: None,
            data_nascimento: NaiveDate::from_ymd_opt(1958, 7, 14),
            idade: Some(67),
            sexo: Some("F".into()),
            equipe: TeamRef {
                ine: "0000000001".into(),
                nome: "ESF 01 - CENTRO".into(),
            },
            microarea: Some("03".into()),
            endereco: Endereco {
                logradouro: Some("RUA DAS FLORES".into()),
                numero: Some("120".into()),
                bairro: Some("CENTRO".into()),
            },
            controle: Control::NaoControlada,
            ultima_afericao: Some(BpReading {
                sistolica: 152,
                diastolica: 94,
                data: d(2, 10),
            }),
            ultima_consulta: Some(d(2, 10)),
            ultima_mrpa: Some(AvaliacaoMrpa {
                acao: 88,
                data: d(2, 24),
                primeiro_dia: d(2, 17),
                media_sistolica: 138,
                media_diastolica: 86,
                leituras_validas: 24,
                controle: ControleMrpa::NaoControlada,
                decisao: Decisao::Modificar,
            }),
            proxima_acao: Some(NextAction {
                tipo: "modificar_tratamento".into(),
                nome: "Modificar tratamento".into(),
                prazo: d(2, 24),
                atrasada: true,
            }),
            acoes_pendentes: 1,
            tratamento: vec![Medicamento {
                id: 7,
                nome: "Losartana Potássica 50 mg".into(),
                dose: 1,
                frequencia: 2,
                posologia: "1 cp 2x/dia".into(),
                situacao: SituacaoMedicamento::EmUso,
                inicio: d(1, 5),
                fim: None,
                observacoes: None,
            }],
            exames: vec![ResultadoExame {
                analito: Analito::Creatinina,
                nome: "Creatinina".into(),
                valor: 1.1,
                unidade: "mg/dL".into(),
                data: d(1, 20),
            }],
            tfg: Some(Tfg {
                valor: 54.3,
                estagio: "g3a".into(),
                nome: "G3a (45–59)".into(),
                descricao: "Leve a moderadamente diminuída".into(),
                data: d(1, 20),
            }),
            c5: C5Quadrimestre {
                inicio: d(1, 1),
                fim: d(4, 30),
                pontos: 50,
                praticas: vec![
                    PraticaC5 {
                        pratica: PracticeLetter::A,
                        descricao: "Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses"
                            .into(),
                        situacao: SituacaoPratica::EmDia,
                        data: None,
                    },
                    PraticaC5 {
                        pratica: PracticeLetter::D,
                        descricao: "Duas visitas do ACS com intervalo de 30 dias em 12 meses"
                            .into(),
                        situacao: SituacaoPratica::Pendente,
                        data: Some(d(4, 30)),
                    },
                ],
            },
            risco_cardiovascular: Some(RiscoCardiovascular {
                faixa: FaixaRisco::De10a20,
                nome: "10% a < 20%".into(),
                nivel: "Alto".into(),
                percentual: Some(12.0),
                data: Some(d(1, 27)),
            }),
            dados_atualizados_em: None,
        }
    }
}

/// Resultado de uma MRPA registrada numa ação.
#[derive(Object, Debug, Clone)]
pub struct RegistroMrpaView {
    pub primeiro_dia: NaiveDate,
    pub media_sistolica: i32,
    pub media_diastolica: i32,
    pub leituras_validas: i32,
    /// Leituras informadas (os 5 dias, o 1º incluído).
    pub leituras: u32,
    #[oai(skip_serializing_if_is_none)]
    pub controle: Option<ControleMrpa>,
    #[oai(skip_serializing_if_is_none)]
    pub decisao: Option<Decisao>,
    #[oai(skip_serializing_if_is_none)]
    pub analise: Option<String>,
}

/// Resultados de exames registrados numa ação.
#[derive(Object, Debug, Clone)]
pub struct RegistroExamesView {
    pub resultados: Vec<ResultadoExame>,
}

/// Risco cardiovascular avaliado numa ação: as entradas e o resultado.
#[derive(Object, Debug, Clone)]
pub struct RegistroRcvView {
    pub idade: i32,
    /// `F` ou `M`.
    pub sexo: String,
    pub tabagista: bool,
    pub diabetes: bool,
    /// Pressão sistólica usada (mmHg).
    pub sistolica: i32,
    /// Colesterol total (mg/dL), quando usada a tabela laboratorial.
    #[oai(skip_serializing_if_is_none)]
    pub colesterol_total: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub imc: Option<f64>,
    /// Tabela usada (`laboratorial` ou `nao_laboratorial`).
    pub metodo: String,
    pub percentual: f64,
    #[oai(skip_serializing_if_is_none)]
    pub faixa: Option<FaixaRisco>,
}

/// Ajuste do tratamento registrado numa ação.
#[derive(Object, Debug, Clone)]
pub struct RegistroTratamentoView {
    /// `aumento_dose`, `troca` ou `adicao`.
    pub ajuste: String,
    /// O ajuste por extenso.
    pub nome: String,
    #[oai(skip_serializing_if_is_none)]
    pub novos_medicamentos: Option<String>,
}

/// Consulta de nutrição registrada numa ação.
#[derive(Object, Debug, Clone)]
pub struct RegistroNutricaoView {
    /// kg.
    pub peso: f64,
    /// cm.
    #[oai(skip_serializing_if_is_none)]
    pub altura: Option<f64>,
    /// kg/m².
    #[oai(skip_serializing_if_is_none)]
    pub imc: Option<f64>,
    /// Circunferência abdominal (cm).
    #[oai(skip_serializing_if_is_none)]
    pub circunferencia: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub orientacoes: Option<String>,
}

/// Encaminhamento ou consulta de cardiologia registrada numa ação.
#[derive(Object, Debug, Clone)]
pub struct RegistroCardiologiaView {
    #[oai(skip_serializing_if_is_none)]
    pub profissional: Option<String>,
    /// `presencial`, `telemedicina` ou `outro`.
    #[oai(skip_serializing_if_is_none)]
    pub modalidade: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub consulta: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub recomendacoes: Option<String>,
}

/// O registro clínico de uma ação realizada; `tipo` diz qual.
#[derive(Union, Debug, Clone)]
#[oai(discriminator_name = "tipo", one_of)]
pub enum RegistroView {
    #[oai(mapping = "mrpa")]
    Mrpa(RegistroMrpaView),
    #[oai(mapping = "exames")]
    Exames(RegistroExamesView),
    #[oai(mapping = "rcv")]
    Rcv(RegistroRcvView),
    #[oai(mapping = "tratamento")]
    Tratamento(RegistroTratamentoView),
    #[oai(mapping = "nutricao")]
    Nutricao(RegistroNutricaoView),
    #[oai(mapping = "cardiologia")]
    Cardiologia(RegistroCardiologiaView),
}

/// Um evento da linha do tempo: uma ação do acompanhamento com o que registrou.
#[derive(Object, Debug, Clone)]
pub struct TimelineItem {
    /// Identificador da ação (para concluir ou cancelar).
    pub id: i64,
    pub tipo: Tipo,
    /// Nome da ação, em português.
    pub nome: String,
    pub situacao: SituacaoAcao,
    /// Data prevista.
    pub prazo: NaiveDate,
    /// Data de realização (ações realizadas).
    #[oai(skip_serializing_if_is_none)]
    pub realizada_em: Option<NaiveDate>,
    /// Quem criou a ação (nome completo).
    pub criada_por: String,
    /// Quem a concluiu ou cancelou.
    #[oai(skip_serializing_if_is_none)]
    pub concluida_por: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub observacoes: Option<String>,
    /// Motivo do cancelamento (ações canceladas).
    #[oai(skip_serializing_if_is_none)]
    pub motivo_cancelamento: Option<String>,
    /// A ação cuja conclusão agendou esta.
    #[oai(skip_serializing_if_is_none)]
    pub origem: Option<i64>,
    /// O registro clínico (ações realizadas que registram dados).
    #[oai(skip_serializing_if_is_none)]
    pub registro: Option<RegistroView>,
}

/// A linha do tempo do acompanhamento, do evento mais recente ao mais antigo.
#[derive(Object, Debug, Clone)]
pub struct Timeline {
    /// A pessoa.
    pub id: i64,
    /// Só eventos desta data em diante (realização ou, se pendente, prazo).
    #[oai(skip_serializing_if_is_none)]
    pub desde: Option<NaiveDate>,
    pub eventos: Vec<TimelineItem>,
}

fn analyte_result(a: Analyte, valor: f64, data: NaiveDate) -> ResultadoExame {
    ResultadoExame {
        analito: Analito::of(a),
        nome: a.label().to_string(),
        valor,
        unidade: a.unit().to_string(),
        data,
    }
}

fn record_of(e: &TimelineEvent) -> Option<RegistroView> {
    if let Some((m, readings)) = &e.mrpa {
        return Some(RegistroView::Mrpa(RegistroMrpaView {
            primeiro_dia: m.first_day,
            media_sistolica: m.mean_systolic,
            media_diastolica: m.mean_diastolic,
            leituras_validas: m.valid_readings,
            leituras: u32::try_from(readings.len()).unwrap_or(u32::MAX),
            controle: ControleMrpa::from_stored(&m.control),
            decisao: Decision::from_key(&m.decision).map(Decisao::of),
            analise: m.analysis.clone(),
        }));
    }
    if !e.exams.is_empty() {
        return Some(RegistroView::Exames(RegistroExamesView {
            resultados: e
                .exams
                .iter()
                .filter_map(|x| {
                    Analyte::from_key(&x.analyte)
                        .map(|a| analyte_result(a, x.value, x.collected_on))
                })
                .collect(),
        }));
    }
    if let Some(r) = &e.risk {
        return Some(RegistroView::Rcv(RegistroRcvView {
            idade: r.age,
            sexo: r.sex.clone(),
            tabagista: r.smoker,
            diabetes: r.diabetes,
            sistolica: r.systolic,
            colesterol_total: r.total_cholesterol,
            imc: r.bmi,
            metodo: r.method.clone(),
            percentual: r.percent,
            faixa: RiskBand::from_key(&r.band).map(FaixaRisco::of),
        }));
    }
    if let Some(c) = &e.change {
        return Some(RegistroView::Tratamento(RegistroTratamentoView {
            ajuste: c.adjustment.clone(),
            nome: Adjustment::from_key(&c.adjustment)
                .map_or_else(|| c.adjustment.clone(), |a| a.label().to_string()),
            novos_medicamentos: c.new_medications.clone(),
        }));
    }
    if let Some(n) = &e.nutrition {
        return Some(RegistroView::Nutricao(RegistroNutricaoView {
            peso: n.weight_kg,
            altura: n.height_cm,
            imc: n.bmi,
            circunferencia: n.waist_cm,
            orientacoes: n.guidance.clone(),
        }));
    }
    if let Some(c) = &e.cardiology {
        return Some(RegistroView::Cardiologia(RegistroCardiologiaView {
            profissional: c.professional.clone(),
            modalidade: c
                .modality
                .clone()
                .filter(|m| MODALITIES.iter().any(|(k, _)| k == m)),
            consulta: c.consultation.clone(),
            recomendacoes: c.recommendations.clone(),
        }));
    }
    None
}

/// One timeline event as the API shows it (`None`: a type or status this version does not
/// know, which the database constraints rule out).
fn item(e: &TimelineEvent) -> Option<TimelineItem> {
    let t = e.action_type?;
    let a = &e.action;
    Some(TimelineItem {
        id: a.id,
        tipo: Tipo::of(t),
        nome: t.label().to_string(),
        situacao: SituacaoAcao::of(e.status?),
        prazo: a.due_date,
        realizada_em: a.done_date,
        criada_por: e.created_by.clone(),
        concluida_por: e.done_by.clone(),
        observacoes: a.notes.clone(),
        motivo_cancelamento: a.cancel_reason.clone(),
        origem: a.origin_id,
        registro: record_of(e),
    })
}

fn medication(m: &crate::programs::hypertension::treatment::Medication) -> Medicamento {
    Medicamento {
        id: m.row.id,
        nome: m.row.name.clone(),
        dose: m.row.dose,
        frequencia: m.row.frequency,
        posologia: m.posology(),
        situacao: match m.status {
            MedStatus::Active => SituacaoMedicamento::EmUso,
            MedStatus::Paused => SituacaoMedicamento::Pausado,
            MedStatus::Stopped | MedStatus::Replaced => SituacaoMedicamento::Encerrado,
        },
        inicio: m.row.started_on,
        fim: m.row.ended_on,
        observacoes: m.row.notes.clone(),
    }
}

/// Records a read of one person's data.
pub(crate) async fn audit_view(
    state: &AppState,
    user: &CurrentUser,
    req: &Request,
    resource: String,
    person: i64,
) -> Result<(), ApiError> {
    audit::record(
        &state.db,
        Event {
            user: Some(user),
            action: Action::ViewPatient,
            resource,
            filters: req.uri().query().map(String::from),
            persons: vec![person],
            person_count: 1,
            origin: audit_origin(req),
        },
    )
    .await?;
    Ok(())
}

/// The answer to an unknown, out-of-scope or malformed person id.
pub(crate) fn person_not_found() -> ApiError {
    ApiError::not_found("Pessoa não encontrada (ou fora do território do usuário do token).")
}

pub struct PatientApi;

#[OpenApi(tag = "ApiTags::Hipertensao")]
impl PatientApi {
    /// Resumo de um hipertenso
    ///
    /// O que a página da pessoa mostra: identificação, equipe e microárea, endereço do
    /// domicílio, controle da pressão com a última aferição, a última MRPA, a próxima ação e
    /// quantas estão pendentes, o plano de tratamento, os últimos exames (com a TFG e o
    /// estágio), as boas práticas C5 do quadrimestre e o último risco cardiovascular. Pessoa
    /// desconhecida ou fora do território: 404. Registrado na trilha de auditoria.
    #[oai(
        path = "/hipertensos/:id",
        method = "get",
        operation_id = "resumoHipertenso"
    )]
    async fn summary(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa (`id` da lista de hipertensos).
        id: Path<i64>,
    ) -> Result<Json<PatientSummary>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        let today = state.today();
        let catalogue = state.catalogue().await;
        let Some(v) =
            patient::load(&state.db, &scope, id.0, today, None, catalogue.as_ref()).await?
        else {
            return Err(person_not_found());
        };
        audit_view(
            state,
            user,
            req,
            format!("{V1_PREFIX}/hipertensos/{}", id.0),
            id.0,
        )
        .await?;
        let s = &v.summary;
        let status =
            ControlStatus::from_key(&s.control_status).unwrap_or(ControlStatus::NoRecentReading);
        let ultima_mrpa = v.timeline.iter().find_map(|e| {
            let (m, _) = e.mrpa.as_ref()?;
            Some(AvaliacaoMrpa {
                acao: e.action.id,
                data: e.day(),
                primeiro_dia: m.first_day,
                media_sistolica: m.mean_systolic,
                media_diastolica: m.mean_diastolic,
                leituras_validas: m.valid_readings,
                controle: ControleMrpa::from_stored(&m.control)?,
                decisao: Decision::from_key(&m.decision).map(Decisao::of)?,
            })
        });
        let latest_risk = v
            .timeline
            .iter()
            .find_map(|e| e.risk.as_ref().map(|r| (e, r)));
        let risco_cardiovascular =
            s.cv_risk_band
                .as_deref()
                .and_then(RiskBand::from_key)
                .map(|band| {
                    let same = latest_risk.filter(|(_, r)| r.band == band.key());
                    RiscoCardiovascular {
                        faixa: FaixaRisco::of(band),
                        nome: band.label().to_string(),
                        nivel: band.level().to_string(),
                        percentual: same.map(|(_, r)| r.percent),
                        data: same.map(|(e, _)| e.day()),
                    }
                });
        let praticas = v
            .c5_due
            .iter()
            .map(|(p, due)| {
                let (situacao, data) = match due {
                    Due::Covered => (SituacaoPratica::EmDia, None),
                    Due::Lapses { lapses } => (SituacaoPratica::Vence, Some(*lapses)),
                    Due::Missing { by } => (SituacaoPratica::Pendente, Some(*by)),
                };
                PraticaC5 {
                    pratica: PracticeLetter::of(*p),
                    descricao: p.description().to_string(),
                    situacao,
                    data,
                }
            })
            .collect();
        let refreshed = crate::programs::hypertension::read_model::status(&state.db)
            .await?
            .map(|r| r.refreshed_at);
        Ok(Json(PatientSummary {
            id: s.co_seq_cidadao,
            nome: s.no_cidadao.clone(),
            cns: s.nu_cns.clone(),
            cpf: s.nu_cpf.clone(),
            data_nascimento: s.dt_nascimento,
            idade: v.age,
            sexo: s.sexo.clone(),
            equipe: TeamRef {
                ine: s.nu_ine.clone(),
                nome: s.no_equipe.clone(),
            },
            microarea: s.micro_area.clone(),
            endereco: Endereco {
                logradouro: s.household_street.clone(),
                numero: s.household_number.clone(),
                bairro: s.household_district.clone(),
            },
            controle: Control::of(status),
            ultima_afericao: match (s.last_bp_systolic, s.last_bp_diastolic, s.last_bp_date) {
                (Some(sistolica), Some(diastolica), Some(data)) => Some(BpReading {
                    sistolica,
                    diastolica,
                    data,
                }),
                _ => None,
            },
            ultima_consulta: s.last_visit_date,
            ultima_mrpa,
            proxima_acao: match (&s.next_action_type, s.next_action_due) {
                (Some(t), Some(prazo)) => Some(NextAction {
                    tipo: t.clone(),
                    nome: followup::action_label(t).to_string(),
                    prazo,
                    atrasada: prazo < today,
                }),
                _ => None,
            },
            acoes_pendentes: s.pending_actions,
            tratamento: v.medications.iter().map(medication).collect(),
            exames: v
                .latest_exams
                .iter()
                .map(|e| analyte_result(e.analyte, e.value, e.on))
                .collect(),
            tfg: v.egfr.map(|(valor, stage, data)| Tfg {
                valor: (valor * 10.0).round() / 10.0,
                estagio: stage.key().to_string(),
                nome: stage.label().to_string(),
                descricao: stage.description().to_string(),
                data,
            }),
            c5: C5Quadrimestre {
                inicio: v.quadrimester.0,
                fim: v.quadrimester.1,
                pontos: s.c5_points,
                praticas,
            },
            risco_cardiovascular,
            dados_atualizados_em: refreshed,
        }))
    }

    /// Linha do tempo do acompanhamento
    ///
    /// As ações do acompanhamento da pessoa, da mais recente à mais antiga (pela data de
    /// realização ou, se pendente, pela data prevista), com quem criou e quem concluiu, as
    /// observações e o registro clínico de cada uma (MRPA, exames, risco cardiovascular,
    /// ajuste de tratamento, nutrição, cardiologia). Registrado na trilha de auditoria.
    #[oai(
        path = "/hipertensos/:id/linha-do-tempo",
        method = "get",
        operation_id = "linhaDoTempoHipertenso"
    )]
    async fn timeline(
        &self,
        auth: ApiAuth,
        req: &Request,
        Data(state): Data<&AppState>,
        /// Identificador da pessoa.
        id: Path<i64>,
        /// Só eventos desta data em diante (AAAA-MM-DD).
        desde: Query<Option<NaiveDate>>,
    ) -> Result<Json<Timeline>, ApiError> {
        let user = auth.user();
        let scope = require_patient_scope(user)?;
        if patient::find_in_scope(&state.db, &scope, id.0)
            .await?
            .is_none()
        {
            return Err(person_not_found());
        }
        let events = patient::timeline(&state.db, id.0, desde.0).await?;
        audit_view(
            state,
            user,
            req,
            format!("{V1_PREFIX}/hipertensos/{}/linha-do-tempo", id.0),
            id.0,
        )
        .await?;
        Ok(Json(Timeline {
            id: id.0,
            desde: desde.0,
            eventos: events.iter().filter_map(item).collect(),
        }))
    }
}
