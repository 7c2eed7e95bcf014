//! Batched, foreign-key-ordered writer for the mirror tables.
//!
//! Rows are buffered per table. A flush writes every table in [`Table::ALL`] order (parents
//! before children), each as multi-row `INSERT` statements sized to stay under the backend's
//! bound-parameter limit. Primary keys are assigned by the generator, never by the database,
//! so the data do not depend on when flushes happen.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::sea_query::{Expr, Query, Value};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

/// Every table the generator fills, in insertion (foreign-key) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Table {
    Sexo,
    TipoLogradouro,
    RendaFamiliar,
    SituacaoProblema,
    TipoAtendProf,
    Ciap,
    Cid10,
    Proced,
    Medicamento,
    Cbo,
    VisitaDesfecho,
    VisitaMotivo,
    Equipe,
    Lotacao,
    CdsProf,
    CadDomiciliar,
    DomicilioFamilia,
    Cidadao,
    Vinculacao,
    CadIndividual,
    Prontuario,
    Atend,
    AtendProf,
    Problema,
    ProblemaEvolucao,
    Medicao,
    Receita,
    ExameRequisitado,
    ExameHemoglobinaGlicada,
    ExameColesterolTotal,
    ExameColesterolHdl,
    ExameColesterolLdl,
    ExameTriglicerideos,
    ExameCreatinaSerica,
    PreNatal,
    Cirurgias,
    FichaVisita,
    VisitaDomiciliar,
    VisitaMotivoRel,
}

impl Table {
    pub const ALL: [Table; 39] = [
        Table::Sexo,
        Table::TipoLogradouro,
        Table::RendaFamiliar,
        Table::SituacaoProblema,
        Table::TipoAtendProf,
        Table::Ciap,
        Table::Cid10,
        Table::Proced,
        Table::Medicamento,
        Table::Cbo,
        Table::VisitaDesfecho,
        Table::VisitaMotivo,
        Table::Equipe,
        Table::Lotacao,
        Table::CdsProf,
        Table::CadDomiciliar,
        Table::DomicilioFamilia,
        Table::Cidadao,
        Table::Vinculacao,
        Table::CadIndividual,
        Table::Prontuario,
        Table::Atend,
        Table::AtendProf,
        Table::Problema,
        Table::ProblemaEvolucao,
        Table::Medicao,
        Table::Receita,
        Table::ExameRequisitado,
        Table::ExameHemoglobinaGlicada,
        Table::ExameColesterolTotal,
        Table::ExameColesterolHdl,
        Table::ExameColesterolLdl,
        Table::ExameTriglicerideos,
        Table::ExameCreatinaSerica,
        Table::PreNatal,
        Table::Cirurgias,
        Table::FichaVisita,
        Table::VisitaDomiciliar,
        Table::VisitaMotivoRel,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Table name and the columns the generator fills, in row order.
    pub fn spec(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Table::Sexo => ("tb_sexo", &["co_sexo", "no_sexo"]),
            Table::TipoLogradouro => (
                "tb_tipo_logradouro",
                &["co_tipo_logradouro", "no_tipo_logradouro"],
            ),
            Table::RendaFamiliar => (
                "tb_renda_familiar",
                &["co_renda_familiar", "no_renda_familiar"],
            ),
            Table::SituacaoProblema => (
                "tb_situacao_problema",
                &["co_situacao_problema", "no_situacao_problema"],
            ),
            Table::TipoAtendProf => (
                "tb_tipo_atend_prof",
                &["co_tipo_atend_prof", "no_tipo_atend_prof"],
            ),
            Table::Ciap => ("tb_ciap", &["co_seq_ciap", "co_ciap", "ds_ciap"]),
            Table::Cid10 => ("tb_cid10", &["co_cid10", "nu_cid10", "no_cid10"]),
            Table::Proced => ("tb_proced", &["co_seq_proced", "co_proced", "no_proced"]),
            Table::Medicamento => (
                "tb_medicamento",
                &[
                    "co_seq_medicamento",
                    "no_principio_ativo",
                    "no_principio_ativo_filtro",
                    "co_forma_farmaceutica",
                    "ds_concentracao",
                ],
            ),
            Table::Cbo => ("tb_cbo", &["co_cbo", "co_cbo_2002", "no_cbo"]),
            Table::VisitaDesfecho => (
                "tb_cds_visita_dom_desfecho",
                &["co_cds_visita_dom_desfecho", "no_cds_visita_dom_desfecho"],
            ),
            Table::VisitaMotivo => (
                "tb_cds_visita_dom_motivo",
                &["co_cds_visita_dom_motivo", "no_cds_visita_dom_motivo"],
            ),
            Table::Equipe => (
                "tb_equipe",
                &[
                    "co_seq_equipe",
                    "nu_ine",
                    "no_equipe",
                    "st_ativo",
                    "ds_area",
                    "tp_equipe",
                ],
            ),
            Table::Lotacao => (
                "tb_lotacao",
                &["co_ator_papel", "co_prof", "co_cbo", "co_equipe"],
            ),
            Table::CdsProf => (
                "tb_cds_prof",
                &[
                    "co_seq_cds_prof",
                    "nu_cns",
                    "nu_cbo_2002",
                    "nu_ine",
                    "nu_cnes",
                ],
            ),
            Table::CadDomiciliar => (
                "tb_cds_cad_domiciliar",
                &[
                    "co_seq_cds_cad_domiciliar",
                    "co_unico_ficha",
                    "tp_logradouro",
                    "no_logradouro",
                    "nu_domicilio",
                    "no_bairro",
                    "nu_cep",
                    "ds_complemento",
                    "nu_micro_area",
                    "st_versao_atual",
                    "dt_cad_domiciliar",
                ],
            ),
            Table::DomicilioFamilia => (
                "tb_cds_domicilio_familia",
                &[
                    "co_seq_cds_domicilio_familia",
                    "co_cds_cad_domiciliar",
                    "nu_cpf_cidadao",
                    "nu_cartao_sus",
                    "dt_nascimento",
                    "qt_membros_familia",
                    "co_renda_familiar",
                    "st_mudanca",
                ],
            ),
            Table::Cidadao => (
                "tb_cidadao",
                &[
                    "co_seq_cidadao",
                    "no_cidadao",
                    "no_cidadao_filtro",
                    "nu_cpf",
                    "nu_cns",
                    "dt_nascimento",
                    "no_sexo",
                    "no_mae",
                    "nu_telefone_celular",
                    "st_ativo",
                    "st_faleceu",
                    "dt_obito",
                    "co_unico_ultima_ficha",
                    "dt_atualizado",
                    "st_unificado",
                ],
            ),
            Table::Vinculacao => (
                "tb_cidadao_vinculacao_equipe",
                &[
                    "co_seq_cidadao_vinculacao_eqp",
                    "co_cidadao",
                    "nu_ine",
                    "nu_cnes",
                    "dt_atualizacao_cadastro",
                ],
            ),
            Table::CadIndividual => (
                "tb_cds_cad_individual",
                &[
                    "co_seq_cds_cad_individual",
                    "co_unico_ficha",
                    "no_cidadao",
                    "no_cidadao_filtro",
                    "nu_cpf_cidadao",
                    "nu_cns_cidadao",
                    "dt_nascimento",
                    "co_sexo",
                    "nu_micro_area",
                    "st_responsavel_familiar",
                    "nu_cpf_responsavel",
                    "nu_cartao_sus_responsavel",
                    "st_versao_atual",
                    "st_ficha_inativa",
                    "dt_cad_individual",
                    "dt_obito",
                ],
            ),
            Table::Prontuario => ("tb_prontuario", &["co_seq_prontuario", "co_cidadao"]),
            Table::Atend => (
                "tb_atend",
                &[
                    "co_seq_atend",
                    "co_prontuario",
                    "co_atend_prof",
                    "dt_inicio",
                ],
            ),
            Table::AtendProf => (
                "tb_atend_prof",
                &[
                    "co_seq_atend_prof",
                    "co_atend",
                    "dt_inicio",
                    "co_lotacao",
                    "tp_atend_prof",
                ],
            ),
            Table::Problema => (
                "tb_problema",
                &[
                    "co_seq_problema",
                    "co_prontuario",
                    "co_ciap",
                    "co_cid10",
                    "co_ultimo_problema_evolucao",
                    "co_unico_problema",
                ],
            ),
            Table::ProblemaEvolucao => (
                "tb_problema_evolucao",
                &[
                    "co_seq_problema_evolucao",
                    "co_unico_problema",
                    "co_situacao_problema",
                    "dt_inicio_problema",
                    "co_atend_prof",
                ],
            ),
            Table::Medicao => (
                "tb_medicao",
                &[
                    "co_seq_medicao",
                    "co_atend_prof",
                    "dt_medicao",
                    "nu_medicao_pressao_arterial",
                    "nu_medicao_glicemia",
                    "tp_glicemia",
                    "nu_medicao_peso",
                    "nu_medicao_altura",
                    "nu_medicao_imc",
                    "nu_medicao_circunf_abdominal",
                ],
            ),
            Table::Receita => (
                "tb_receita_medicamento",
                &[
                    "co_seq_receita_medicamento",
                    "co_atend_prof",
                    "co_medicamento",
                    "qt_dose",
                    "ds_frequencia_dose",
                    "tp_frequencia_dose",
                    "st_uso_continuo",
                    "no_posologia",
                    "dt_inicio_tratamento",
                ],
            ),
            Table::ExameRequisitado => (
                "tb_exame_requisitado",
                &[
                    "co_seq_exame_requisitado",
                    "co_prontuario",
                    "co_proced",
                    "dt_solicitacao",
                    "dt_realizacao",
                    "ds_resultado",
                ],
            ),
            Table::ExameHemoglobinaGlicada => (
                "tb_exame_hemoglobina_glicada",
                &[
                    "co_seq_exame_hemoglobina_glicada",
                    "co_exame_requisitado",
                    "vl_hemoglobina_glicada",
                ],
            ),
            Table::ExameColesterolTotal => (
                "tb_exame_colesterol_total",
                &[
                    "co_seq_exame_colesterol_total",
                    "co_exame_requisitado",
                    "vl_colesterol_total",
                ],
            ),
            Table::ExameColesterolHdl => (
                "tb_exame_colesterol_hdl",
                &[
                    "co_seq_exame_colesterol_hdl",
                    "co_exame_requisitado",
                    "vl_colesterol_hdl",
                ],
            ),
            Table::ExameColesterolLdl => (
                "tb_exame_colesterol_ldl",
                &[
                    "co_seq_exame_colesterol_ldl",
                    "co_exame_requisitado",
                    "vl_colesterol_ldl",
                ],
            ),
            Table::ExameTriglicerideos => (
                "tb_exame_triglicerideos",
                &[
                    "co_seq_exame_triglicerideos",
                    "co_exame_requisitado",
                    "vl_triglicerideos",
                ],
            ),
            Table::ExameCreatinaSerica => (
                "tb_exame_creatina_serica",
                &[
                    "co_seq_exame_creatina_serica",
                    "co_exame_requisitado",
                    "vl_creatina_serica",
                ],
            ),
            Table::PreNatal => (
                "tb_pre_natal",
                &[
                    "co_seq_pre_natal",
                    "co_prontuario",
                    "dt_ultima_menstruacao",
                    "st_gravidez_planejada",
                ],
            ),
            Table::Cirurgias => (
                "tb_cirurgias_internacoes",
                &[
                    "co_seq_cirurgias_internacoes",
                    "co_prontuario",
                    "ds_cirurgia_internacao",
                    "dt_cirurgia_internacao",
                ],
            ),
            Table::FichaVisita => (
                "tb_cds_ficha_visita_domiciliar",
                &["co_seq_cds_ficha_visita_dom", "dt_ficha", "co_cds_prof"],
            ),
            Table::VisitaDomiciliar => (
                "tb_cds_visita_domiciliar",
                &[
                    "co_seq_cds_visita_domiciliar",
                    "co_cds_ficha_visita_domiciliar",
                    "nu_cartao_sus",
                    "nu_cpf_cidadao",
                    "co_cds_visita_dom_desfecho",
                    "nu_medicao_pressao_arterial",
                ],
            ),
            Table::VisitaMotivoRel => (
                "rl_cds_visita_dom_motivo",
                &["co_cds_visita_domiciliar", "co_cds_visita_dom_motivo"],
            ),
        }
    }
}

// ---- typed value shortcuts (typed NULLs matter on PostgreSQL) ------------------------------

pub fn big(v: i64) -> Value {
    Value::BigInt(Some(v))
}
pub fn big_opt(v: Option<i64>) -> Value {
    Value::BigInt(v)
}
pub fn int(v: i32) -> Value {
    Value::Int(Some(v))
}
pub fn int_opt(v: Option<i32>) -> Value {
    Value::Int(v)
}
pub fn text(v: impl Into<String>) -> Value {
    Value::String(Some(v.into()))
}
pub fn text_opt(v: Option<String>) -> Value {
    Value::String(v)
}
pub fn date_opt(v: Option<NaiveDate>) -> Value {
    Value::ChronoDate(v)
}
pub fn ts(v: NaiveDateTime) -> Value {
    Value::ChronoDateTime(Some(v))
}
pub fn ts_opt(v: Option<NaiveDateTime>) -> Value {
    Value::ChronoDateTime(v)
}
pub fn tstz_opt(v: Option<NaiveDateTime>) -> Value {
    Value::ChronoDateTimeUtc(v.map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc)))
}
pub fn num(v: f64) -> Value {
    Value::Double(Some(v))
}

/// Rows per statement at most; fewer when the column count would exceed the parameter budget.
const MAX_ROWS_PER_STATEMENT: usize = 1000;
/// Buffered rows (all tables together) that trigger a flush.
const FLUSH_THRESHOLD: usize = 150_000;

pub struct Writer<'c, C: ConnectionTrait> {
    conn: &'c C,
    buffers: Vec<Vec<Vec<Value>>>,
    buffered: usize,
    written: Vec<u64>,
    max_params: usize,
}

impl<'c, C: ConnectionTrait> Writer<'c, C> {
    pub fn new(conn: &'c C) -> Self {
        let max_params = match conn.get_database_backend() {
            DbBackend::Postgres => 65_000,
            _ => 30_000,
        };
        Self {
            conn,
            buffers: vec![Vec::new(); Table::ALL.len()],
            buffered: 0,
            written: vec![0; Table::ALL.len()],
            max_params,
        }
    }

    /// Buffers one row; its values must follow [`Table::spec`] column order.
    pub fn push(&mut self, table: Table, row: Vec<Value>) {
        debug_assert_eq!(row.len(), table.spec().1.len(), "{:?}", table);
        self.buffers[table.index()].push(row);
        self.buffered += 1;
    }

    /// Flushes when enough rows are buffered. Call only between complete units of work
    /// (a household with everything hanging off it), so no child row precedes its parent.
    pub async fn maybe_flush(&mut self) -> Result<(), DbErr> {
        if self.buffered >= FLUSH_THRESHOLD {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes every buffered row, parents first.
    pub async fn flush(&mut self) -> Result<(), DbErr> {
        for table in Table::ALL {
            let rows = std::mem::take(&mut self.buffers[table.index()]);
            if rows.is_empty() {
                continue;
            }
            let (name, columns) = table.spec();
            let per_statement = (self.max_params / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT);
            let count = rows.len() as u64;
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut stmt = Query::insert();
                stmt.into_table(name).columns(columns.iter().copied());
                for row in rows.by_ref().take(per_statement) {
                    stmt.values(row.into_iter().map(Expr::Value))
                        .map_err(|e| DbErr::Custom(format!("{name}: {e}")))?;
                }
                self.conn.execute(&stmt).await?;
            }
            self.written[table.index()] += count;
        }
        self.buffered = 0;
        Ok(())
    }

    /// Rows written so far to one table.
    pub fn written(&self, table: Table) -> u64 {
        self.written[table.index()]
    }

    /// Rows written so far to all tables.
    pub fn total_written(&self) -> u64 {
        self.written.iter().sum()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn table_order_is_consistent() {
        for (i, t) in Table::ALL.iter().enumerate() {
            assert_eq!(t.index(), i, "{t:?}");
            let (name, cols) = t.spec();
            assert!(!cols.is_empty(), "{name}");
        }
    }

    #[test]
    fn every_mirror_table_is_known() {
        let names: Vec<&str> = Table::ALL.iter().map(|t| t.spec().0).collect();
        for t in migration::mirror::MIRROR_TABLES.iter() {
            if *t == "ta_evolucao_plano_ciap" {
                continue; // not generated (IUD/implant audit rows are out of scope)
            }
            assert!(names.contains(t), "{t}");
        }
    }
}
