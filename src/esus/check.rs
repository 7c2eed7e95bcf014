//! `sistema-aps pec check`: what an admin runs before going live, against the configured
//! database — is this PEC one the app can work on?
//!
//! Reports the PEC tables and columns the app reads (from the entities of this module: found
//! or missing), each catalogue entry with the row it resolved to (`catalogue`), row counts and
//! date ranges of the main tables, and each programme's population. Anything the app cannot
//! work without (a required table or column, an unresolved catalogue entry) is an *error*: the
//! command then exits 1.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, Iterable, Statement, TransactionTrait,
};
use serde::Serialize;

use super::catalogue::{self, Outcome, Report as CatalogueReport};
use crate::config::Config;

/// A PEC table the app reads: the columns it reads (its entity's) and whether the app can work
/// without it.
#[derive(Debug, Clone, Serialize)]
pub struct TableSpec {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
    pub required: bool,
    pub used_for: &'static str,
}

fn spec<E: EntityTrait + Default>(required: bool, used_for: &'static str) -> TableSpec
where
    E::Column: Iterable,
{
    let table = E::default().table_name();
    TableSpec {
        table,
        columns: E::Column::iter()
            .map(|c| sea_orm::IdenStatic::as_str(&c))
            .collect(),
        required,
        used_for,
    }
}

/// Every PEC table the app reads.
pub fn tables() -> Vec<TableSpec> {
    use super::*;
    const POP: &str = "populações, equipes e microáreas";
    const IND: &str = "indicadores (consultas, medidas, visitas do ACS)";
    const CAT: &str = "catálogos";
    const HOUSE: &str = "domicílios (endereço nas listas)";
    const EXTRA: &str = "página da pessoa (exames, receitas, outros dados)";
    vec![
        spec::<tb_cidadao::Entity>(true, POP),
        spec::<tb_cidadao_vinculacao_equipe::Entity>(true, POP),
        spec::<tb_equipe::Entity>(true, POP),
        spec::<tb_cds_cad_individual::Entity>(true, POP),
        spec::<tb_prontuario::Entity>(true, POP),
        spec::<tb_problema::Entity>(true, POP),
        spec::<tb_problema_evolucao::Entity>(true, POP),
        spec::<tb_situacao_problema::Entity>(true, CAT),
        spec::<tb_ciap::Entity>(true, CAT),
        spec::<tb_cid10::Entity>(true, CAT),
        spec::<tb_atend::Entity>(true, IND),
        spec::<tb_atend_prof::Entity>(true, IND),
        spec::<tb_tipo_atend_prof::Entity>(true, CAT),
        spec::<tb_lotacao::Entity>(true, IND),
        spec::<tb_cbo::Entity>(true, CAT),
        spec::<tb_medicao::Entity>(true, IND),
        spec::<tb_cds_prof::Entity>(true, IND),
        spec::<tb_cds_ficha_visita_domiciliar::Entity>(true, IND),
        spec::<tb_cds_visita_domiciliar::Entity>(true, IND),
        spec::<tb_cds_visita_dom_desfecho::Entity>(true, CAT),
        spec::<rl_cds_visita_dom_motivo::Entity>(true, IND),
        spec::<tb_cds_cad_domiciliar::Entity>(true, HOUSE),
        spec::<tb_cds_domicilio_familia::Entity>(true, HOUSE),
        spec::<tb_tipo_logradouro::Entity>(true, HOUSE),
        spec::<tb_cds_visita_dom_motivo::Entity>(false, CAT),
        spec::<tb_sexo::Entity>(false, CAT),
        spec::<tb_renda_familiar::Entity>(false, CAT),
        spec::<tb_proced::Entity>(false, EXTRA),
        spec::<tb_medicamento::Entity>(false, EXTRA),
        spec::<tb_receita_medicamento::Entity>(false, EXTRA),
        spec::<tb_exame_requisitado::Entity>(false, EXTRA),
        spec::<tb_exame_hemoglobina_glicada::Entity>(false, EXTRA),
        spec::<tb_exame_colesterol_total::Entity>(false, EXTRA),
        spec::<tb_exame_colesterol_hdl::Entity>(false, EXTRA),
        spec::<tb_exame_colesterol_ldl::Entity>(false, EXTRA),
        spec::<tb_exame_triglicerideos::Entity>(false, EXTRA),
        spec::<tb_exame_creatina_serica::Entity>(false, EXTRA),
        spec::<tb_pre_natal::Entity>(false, EXTRA),
        spec::<tb_cirurgias_internacoes::Entity>(false, EXTRA),
        spec::<ta_evolucao_plano_ciap::Entity>(false, EXTRA),
    ]
}

/// What was found of one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableFinding {
    pub table: &'static str,
    pub required: bool,
    pub used_for: &'static str,
    pub present: bool,
    pub missing_columns: Vec<&'static str>,
}

impl TableFinding {
    pub fn complete(&self) -> bool {
        self.present && self.missing_columns.is_empty()
    }
}

/// Rows and dates of a main table.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub table: &'static str,
    pub rows: i64,
    pub date_column: Option<&'static str>,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// A programme's population.
#[derive(Debug, Clone, Serialize)]
pub struct Population {
    pub program: &'static str,
    /// People with a current problem coded with the programme's list.
    pub coded: Option<i64>,
    /// People on the programme's list at the last refresh.
    pub listed: Option<i64>,
}

/// What a refresh of a programme's read model would do on this PEC now: run inside a
/// transaction that is rolled back, so nothing changes.
#[derive(Debug, Clone, Serialize)]
pub struct DryRefresh {
    /// People each read model would hold (the person model first, then each programme's).
    pub lists: Vec<DryList>,
    /// PEC rows it would skip (or whose value it would ignore), per kind.
    pub skipped: Vec<SkippedRows>,
}

/// People one read model would hold.
#[derive(Debug, Clone, Serialize)]
pub struct DryList {
    pub read_model: &'static str,
    pub label: &'static str,
    pub would_list: usize,
}

/// Rows of one kind a refresh skips.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedRows {
    pub kind: &'static str,
    pub label: &'static str,
    pub rows: u64,
    /// Up to ten citizen ids, to look the rows up in the PEC.
    pub first_ids: Vec<i64>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub backend: String,
    pub tables: Vec<TableFinding>,
    pub catalogue: CatalogueReport,
    pub volumes: Vec<Volume>,
    pub populations: Vec<Population>,
    /// The refresh tried on this PEC (absent when the catalogue did not resolve or the app's
    /// tables are not migrated: a warning says why).
    pub refresh: Option<DryRefresh>,
    /// PEC facts the programmes rely on that were not verified on a real PEC, with what this
    /// PEC shows about each.
    pub unverified: Vec<UnverifiedFact>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// One programme's unverified PEC fact (`programs::Unverified`) and its count on this PEC.
#[derive(Debug, Clone, Serialize)]
pub struct UnverifiedFact {
    pub program: &'static str,
    pub fact: &'static str,
    pub counted: &'static str,
    /// `None` when the count failed (a warning says why).
    pub found: Option<i64>,
}

/// The columns of every table of `names`, as the database has them (PostgreSQL: schema
/// `public`, where the PEC lives).
async fn columns<C: ConnectionTrait>(
    db: &C,
    names: &[&str],
) -> Result<BTreeMap<String, BTreeSet<String>>, DbErr> {
    let backend = db.get_database_backend();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    match backend {
        DbBackend::Postgres => {
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT table_name::text AS t, column_name::text AS c \
                     FROM information_schema.columns WHERE table_schema = 'public'",
                ))
                .await?;
            for r in rows {
                let t: String = r.try_get("", "t")?;
                let c: String = r.try_get("", "c")?;
                out.entry(t).or_default().insert(c);
            }
        }
        _ => {
            for name in names {
                let rows = db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!(
                            "SELECT name AS c FROM pragma_table_info('{}')",
                            name.replace('\'', "")
                        ),
                    ))
                    .await?;
                for r in rows {
                    let c: String = r.try_get("", "c")?;
                    out.entry((*name).to_string()).or_default().insert(c);
                }
            }
        }
    }
    Ok(out)
}

/// Main tables: rows, and the date range of their main date.
const VOLUMES: &[(&str, Option<&str>)] = &[
    ("tb_cidadao", None),
    (
        "tb_cidadao_vinculacao_equipe",
        Some("dt_atualizacao_cadastro"),
    ),
    ("tb_problema", None),
    ("tb_atend", Some("dt_inicio")),
    ("tb_atend_prof", Some("dt_inicio")),
    ("tb_medicao", Some("dt_medicao")),
    ("tb_cds_ficha_visita_domiciliar", Some("dt_ficha")),
    ("tb_cds_visita_domiciliar", None),
];

async fn volume<C: ConnectionTrait>(
    db: &C,
    table: &'static str,
    date: Option<&'static str>,
) -> Result<Volume, DbErr> {
    let backend = db.get_database_backend();
    let sql = match date {
        // Dates are read as text: the same on both backends and whatever the column's type.
        Some(d) => format!(
            "SELECT COUNT(*) AS n, CAST(MIN({d}) AS TEXT) AS first, CAST(MAX({d}) AS TEXT) AS last FROM {table}"
        ),
        None => format!("SELECT COUNT(*) AS n, NULL AS first, NULL AS last FROM {table}"),
    };
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    let (rows, first, last) = match row {
        Some(r) => (
            r.try_get::<i64>("", "n")?,
            r.try_get::<Option<String>>("", "first").unwrap_or(None),
            r.try_get::<Option<String>>("", "last").unwrap_or(None),
        ),
        None => (0, None, None),
    };
    Ok(Volume {
        table,
        rows,
        date_column: date,
        first,
        last,
    })
}

/// Runs every check against `db`.
pub async fn run(db: &sea_orm::DatabaseConnection, config: &Config) -> Result<CheckReport, DbErr> {
    let specs = tables();
    let names: Vec<&str> = specs.iter().map(|s| s.table).collect();
    let found = columns(db, &names).await?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut findings = Vec::new();
    for s in &specs {
        let have = found.get(s.table);
        let missing_columns: Vec<&'static str> = match have {
            Some(cols) => s
                .columns
                .iter()
                .copied()
                .filter(|c| !cols.contains(*c))
                .collect(),
            None => Vec::new(),
        };
        let f = TableFinding {
            table: s.table,
            required: s.required,
            used_for: s.used_for,
            present: have.is_some(),
            missing_columns,
        };
        if !f.complete() {
            let what = if f.present {
                format!(
                    "{}: faltam as colunas {}",
                    f.table,
                    f.missing_columns.join(", ")
                )
            } else {
                format!("{}: tabela ausente", f.table)
            };
            if f.required {
                errors.push(format!("{what} (necessária para: {})", f.used_for));
            } else {
                warnings.push(format!(
                    "{what} (sem ela fica indisponível: {})",
                    f.used_for
                ));
            }
        }
        findings.push(f);
    }

    let catalogue = catalogue::resolve(db, &config.pec.catalogue).await;
    for r in catalogue.unresolved() {
        if let Outcome::Unresolved { problem } = &r.outcome {
            if matches!(problem, catalogue::Problem::Unreadable { .. })
                && findings.iter().any(|f| f.table == r.table && !f.complete())
            {
                continue; // the missing table or column is already an error above
            }
            errors.push(format!(
                "catálogo {} ({}, {}): {problem} — mapeie em [pec.catalogue] {} = <id>",
                r.key,
                r.def().label,
                r.table,
                r.key
            ));
        }
    }

    let mut volumes = Vec::new();
    for (table, date) in VOLUMES {
        let readable = findings.iter().any(|f| f.table == *table && f.complete());
        if !readable {
            continue;
        }
        match volume(db, table, *date).await {
            Ok(v) => volumes.push(v),
            Err(e) => warnings.push(format!("{table}: não foi possível contar as linhas ({e})")),
        }
    }
    if volumes
        .iter()
        .any(|v| v.table == "tb_cidadao" && v.rows == 0)
    {
        warnings.push("tb_cidadao está vazia: nenhum cidadão para listar".to_string());
    }

    let mut populations = Vec::new();
    let resolved = catalogue.catalogue();
    for program in crate::programs::ALL {
        let coded = match (&resolved, program.population) {
            (Some(c), crate::programs::Population::Coded(list)) => {
                crate::care::population::coded_count(db, c, list)
                    .await
                    .map(Some)
                    .unwrap_or_else(|e| {
                        warnings.push(format!("{}: população não calculada ({e})", program.name));
                        None
                    })
            }
            (None, _) => None,
        };
        let listed = crate::care::status::get(db, program.key)
            .await
            .ok()
            .flatten()
            .map(|s| s.row_count);
        populations.push(Population {
            program: program.name,
            coded,
            listed,
        });
    }

    let mut unverified = Vec::new();
    for program in crate::programs::ALL {
        for u in program.unverified {
            let found = match db
                .query_one_raw(Statement::from_string(db.get_database_backend(), u.probe))
                .await
                .and_then(|r| r.map(|r| r.try_get::<i64>("", "n")).transpose())
            {
                Ok(n) => n,
                Err(e) => {
                    warnings.push(format!(
                        "{}: {} não contados ({e})",
                        program.name, u.counted
                    ));
                    None
                }
            };
            unverified.push(UnverifiedFact {
                program: program.name,
                fact: u.fact,
                counted: u.counted,
                found,
            });
        }
    }

    let mut refresh = None;
    if let Some(c) = catalogue.catalogue() {
        let today = chrono::Utc::now()
            .with_timezone(&config.time_zone)
            .date_naive();
        match dry_refresh(db, &c, today).await {
            Ok(reports) => {
                let mut skipped = crate::care::quality::Skipped::default();
                for (_, _, r) in &reports {
                    skipped.merge(&r.skipped);
                }
                refresh = Some(DryRefresh {
                    lists: reports
                        .iter()
                        .map(|(read_model, label, r)| DryList {
                            read_model,
                            label,
                            would_list: r.rows,
                        })
                        .collect(),
                    skipped: crate::care::quality::Skip::ALL
                        .into_iter()
                        .map(|k| SkippedRows {
                            kind: k.key(),
                            label: k.label(),
                            rows: skipped.count(k),
                            first_ids: skipped.examples(k).to_vec(),
                        })
                        .collect(),
                });
            }
            Err(e) => warnings.push(format!(
                "atualização de teste não executada ({e}); rode `sistema-aps migrate` antes"
            )),
        }
    }

    Ok(CheckReport {
        backend: format!("{:?}", db.get_database_backend()),
        tables: findings,
        catalogue,
        volumes,
        populations,
        refresh,
        unverified,
        errors,
        warnings,
    })
}

/// Every read-model refresh (the person model, then each programme's) inside one transaction
/// that is rolled back: what each would list and skip, with nothing changed.
async fn dry_refresh(
    db: &sea_orm::DatabaseConnection,
    catalogue: &crate::esus::catalogue::Catalogue,
    today: chrono::NaiveDate,
) -> Result<Vec<(&'static str, &'static str, crate::programs::RefreshReport)>, DbErr> {
    let txn = db.begin().await?;
    let mut out = Vec::new();
    let result = async {
        let people = crate::care::person::refresh(&txn, today).await?;
        out.push((
            crate::care::person::READ_MODEL,
            "Pessoas do território",
            people,
        ));
        for p in crate::programs::ALL {
            let r = (p.refresh_in)(&txn, today, catalogue).await?;
            out.push((p.key, p.name, r));
        }
        Ok::<(), DbErr>(())
    }
    .await;
    txn.rollback().await?;
    result.map(|()| out)
}

impl CheckReport {
    /// The report as text for the admin (Portuguese).
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "Verificação do PEC ({})", self.backend);
        let _ = writeln!(out, "\nTabelas e colunas lidas pelo sistema:");
        for f in &self.tables {
            let state = if f.complete() {
                "ok"
            } else if f.required {
                "ERRO"
            } else {
                "aviso"
            };
            let detail = if !f.present {
                " — tabela ausente".to_string()
            } else if !f.missing_columns.is_empty() {
                format!(" — faltam: {}", f.missing_columns.join(", "))
            } else {
                String::new()
            };
            let _ = writeln!(out, "  [{state:>5}] {}{detail}", f.table);
        }
        let _ = writeln!(
            out,
            "\nCatálogos (resolvidos pelo nome, nunca por id presumido):"
        );
        for r in &self.catalogue.entries {
            match &r.outcome {
                Outcome::Resolved { row, source } => {
                    let how = match source {
                        catalogue::Source::Name => "pelo nome",
                        catalogue::Source::Configuration => "pela configuração [pec.catalogue]",
                    };
                    let _ = writeln!(
                        out,
                        "  [   ok] {} ({}): {}.{} = {} \"{}\" ({how})",
                        r.key,
                        r.def().label,
                        r.table,
                        r.def().id_column,
                        row.id,
                        row.name
                    );
                }
                Outcome::Unresolved { problem } => {
                    let _ = writeln!(out, "  [ ERRO] {} ({}): {problem}", r.key, r.def().label);
                }
            }
        }
        let _ = writeln!(out, "\nVolume dos dados:");
        for v in &self.volumes {
            let range = match (&v.date_column, &v.first, &v.last) {
                (Some(col), Some(a), Some(b)) => format!(", {col} de {a} a {b}"),
                _ => String::new(),
            };
            let _ = writeln!(out, "  {}: {} linha(s){range}", v.table, v.rows);
        }
        let _ = writeln!(out, "\nPopulações dos programas:");
        for p in &self.populations {
            let coded = p
                .coded
                .map_or("não calculada".to_string(), |n| n.to_string());
            let listed = p
                .listed
                .map_or("lista ainda não calculada".to_string(), |n| {
                    format!("{n} na lista da última atualização")
                });
            let _ = writeln!(
                out,
                "  {}: {coded} com problema atual codificado; {listed}",
                p.program
            );
        }
        if let Some(r) = &self.refresh {
            let total: u64 = r.skipped.iter().map(|s| s.rows).sum();
            let _ = writeln!(
                out,
                "\nAtualização de teste (desfeita ao final; nada foi gravado):"
            );
            for l in &r.lists {
                let _ = writeln!(out, "  {}: {} pessoa(s) na lista", l.label, l.would_list);
            }
            let _ = writeln!(out, "  {total} linha(s) do PEC ignorada(s)");
            for s in &r.skipped {
                let ids = if s.first_ids.is_empty() {
                    String::new()
                } else {
                    let ids: Vec<String> = s.first_ids.iter().map(i64::to_string).collect();
                    format!(" (co_seq_cidadao {})", ids.join(", "))
                };
                let _ = writeln!(
                    out,
                    "    linhas ignoradas [{}]: {} — {}{ids}",
                    s.kind, s.rows, s.label
                );
            }
        }
        if !self.unverified.is_empty() {
            let _ = writeln!(
                out,
                "\nPontos não verificados num PEC real (confira neste):"
            );
            for u in &self.unverified {
                let found = u
                    .found
                    .map_or_else(|| "não contado".to_string(), |n| n.to_string());
                let _ = writeln!(
                    out,
                    "  - {}: {}. Neste PEC, {}: {found}",
                    u.program, u.fact, u.counted
                );
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nAvisos:");
            for w in &self.warnings {
                let _ = writeln!(out, "  - {w}");
            }
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "\nResultado: o sistema pode trabalhar sobre este PEC.");
        } else {
            let _ = writeln!(out, "\nErros (o sistema não pode trabalhar assim):");
            for e in &self.errors {
                let _ = writeln!(out, "  - {e}");
            }
        }
        out
    }
}
