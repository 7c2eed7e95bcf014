//! PEC catalogue resolution: the surrogate ids of *this* PEC for the catalogue entries the
//! rules need, found by natural code or by name, never assumed.
//!
//! A surrogate id (`co_situacao_problema`, `tp_atend_prof`, `co_cds_visita_dom_desfecho`, …) is
//! only a row number in one installation's catalogue: the same id means "escuta inicial" in
//! one PEC and "atendimento individual" in another. Each entry below is resolved at start and
//! before every refresh by its **folded name** (accents, case and punctuation ignored) among the
//! rows of its catalogue table, or taken from the configuration (`[pec.catalogue]`), in which
//! case the id must exist in that table. An entry that matches no row, or several, is
//! *unresolved*: `/ready` answers 503 naming it, the pages show a banner, and the read models
//! are not rebuilt (nothing is computed on a guess).
//!
//! Natural codes that rules match directly in SQL (CIAP `co_ciap`, CID-10 `nu_cid10`, CBO
//! `co_cbo_2002`) need no resolution and are not listed here.
//!
//! Uncertain PEC facts (see `esus-schema.md` §3.6 and §5): the names of the problem situations
//! ("Ativo", "Latente", "Resolvido" are the PEC's UI terms), the name of the initial-listening
//! act type (PEC 5.5.22 has only `no_tipo_atend_prof`, no identifier) and of the "visit done"
//! outcome. The accepted names of each entry are listed with it; `sistema-aps pec check` shows
//! each table's rows when one does not match, so the admin can map it in the configuration.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, Statement};
use serde::Serialize;

use crate::config::CatalogueOverrides;
use crate::text::fold;

/// A catalogue entry some rule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    ProblemActive,
    ProblemLatent,
    ProblemResolved,
    InitialListening,
    HomeVisitDone,
}

/// Where an entry is looked up and by which names.
#[derive(Debug)]
pub struct EntryDef {
    pub entry: Entry,
    /// Key of the entry in `[pec.catalogue]`.
    pub key: &'static str,
    /// What it is, for people (Portuguese).
    pub label: &'static str,
    pub table: &'static str,
    pub id_column: &'static str,
    pub name_column: &'static str,
    /// Accepted names, already folded (upper case, no accents, single spaces).
    pub names: &'static [&'static str],
    /// Which rule needs it.
    pub used_by: &'static str,
}

/// Every entry the rules need.
pub const ENTRIES: &[EntryDef] = &[
    EntryDef {
        entry: Entry::ProblemActive,
        key: "problem_active",
        label: "situação de problema ativo",
        table: "tb_situacao_problema",
        id_column: "co_situacao_problema",
        name_column: "no_situacao_problema",
        names: &["ATIVO", "ATIVA"],
        used_by: "populações por condição (hipertensão, diabetes): problemas atuais",
    },
    EntryDef {
        entry: Entry::ProblemLatent,
        key: "problem_latent",
        label: "situação de problema latente",
        table: "tb_situacao_problema",
        id_column: "co_situacao_problema",
        name_column: "no_situacao_problema",
        names: &["LATENTE"],
        used_by: "populações por condição: um problema latente é uma condição atual",
    },
    EntryDef {
        entry: Entry::ProblemResolved,
        key: "problem_resolved",
        label: "situação de problema resolvido",
        table: "tb_situacao_problema",
        id_column: "co_situacao_problema",
        name_column: "no_situacao_problema",
        names: &["RESOLVIDO", "RESOLVIDA"],
        used_by: "página da pessoa: problemas que saíram da lista",
    },
    EntryDef {
        entry: Entry::InitialListening,
        key: "initial_listening",
        label: "tipo de atendimento \"escuta inicial\"",
        table: "tb_tipo_atend_prof",
        id_column: "co_tipo_atend_prof",
        name_column: "no_tipo_atend_prof",
        names: &["ESCUTA INICIAL", "ESCUTA INICIAL ORIENTACAO"],
        used_by: "indicadores C2–C7: escuta inicial não conta como consulta",
    },
    EntryDef {
        entry: Entry::HomeVisitDone,
        key: "home_visit_done",
        label: "desfecho de visita domiciliar \"visita realizada\"",
        table: "tb_cds_visita_dom_desfecho",
        id_column: "co_cds_visita_dom_desfecho",
        name_column: "no_cds_visita_dom_desfecho",
        names: &["VISITA REALIZADA", "REALIZADA"],
        used_by: "indicadores C2–C7: visitas do ACS/TACS que aconteceram",
    },
];

/// The definition of an entry (its place in [`ENTRIES`]; a test checks the two agree).
pub fn def(entry: Entry) -> &'static EntryDef {
    &ENTRIES[match entry {
        Entry::ProblemActive => 0,
        Entry::ProblemLatent => 1,
        Entry::ProblemResolved => 2,
        Entry::InitialListening => 3,
        Entry::HomeVisitDone => 4,
    }]
}

/// The configured id of an entry, if the admin mapped it.
fn configured(overrides: &CatalogueOverrides, entry: Entry) -> Option<i64> {
    match entry {
        Entry::ProblemActive => overrides.problem_active,
        Entry::ProblemLatent => overrides.problem_latent,
        Entry::ProblemResolved => overrides.problem_resolved,
        Entry::InitialListening => overrides.initial_listening,
        Entry::HomeVisitDone => overrides.home_visit_done,
    }
}

/// How an entry was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// By name among the PEC's rows.
    Name,
    /// Mapped in `[pec.catalogue]` (and found in the table).
    Configuration,
}

/// A catalogue row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub id: i64,
    pub name: String,
}

/// Why an entry could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// The table could not be read (missing table or column).
    Unreadable { error: String },
    /// No row has an accepted name.
    NoMatch { rows: Vec<Row> },
    /// Several rows have an accepted name.
    Ambiguous { matches: Vec<Row> },
    /// The configured id is not a row of the table.
    ConfiguredIdAbsent { id: i64 },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |rows: &[Row]| {
            rows.iter()
                .map(|r| format!("{} = {}", r.id, r.name))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self {
            Problem::Unreadable { error } => write!(f, "tabela ilegível: {error}"),
            Problem::NoMatch { rows } if rows.is_empty() => write!(f, "a tabela está vazia"),
            Problem::NoMatch { rows } => write!(
                f,
                "nenhuma linha tem um dos nomes aceitos (linhas: {})",
                list(rows)
            ),
            Problem::Ambiguous { matches } => {
                write!(f, "mais de uma linha corresponde: {}", list(matches))
            }
            Problem::ConfiguredIdAbsent { id } => {
                write!(f, "o id {id} configurado não é uma linha da tabela")
            }
        }
    }
}

/// The outcome for one entry.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub entry: Entry,
    pub key: &'static str,
    pub table: &'static str,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Resolved { row: Row, source: Source },
    Unresolved { problem: Problem },
}

impl Resolution {
    pub fn def(&self) -> &'static EntryDef {
        def(self.entry)
    }

    pub fn id(&self) -> Option<i64> {
        match &self.outcome {
            Outcome::Resolved { row, .. } => Some(row.id),
            Outcome::Unresolved { .. } => None,
        }
    }
}

/// The ids every rule needs, all resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Catalogue {
    pub problem_active: i64,
    pub problem_latent: i64,
    pub problem_resolved: i64,
    pub initial_listening: i64,
    pub home_visit_done: i64,
}

impl Catalogue {
    /// Situations of a current condition (active or latent).
    pub fn current_problem_situations(&self) -> [i64; 2] {
        [self.problem_active, self.problem_latent]
    }
}

/// The resolution of every entry.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub entries: Vec<Resolution>,
}

impl Report {
    /// The catalogue, when every entry is resolved.
    pub fn catalogue(&self) -> Option<Catalogue> {
        let id = |e: Entry| self.entries.iter().find(|r| r.entry == e)?.id();
        Some(Catalogue {
            problem_active: id(Entry::ProblemActive)?,
            problem_latent: id(Entry::ProblemLatent)?,
            problem_resolved: id(Entry::ProblemResolved)?,
            initial_listening: id(Entry::InitialListening)?,
            home_visit_done: id(Entry::HomeVisitDone)?,
        })
    }

    /// The entries that could not be resolved.
    pub fn unresolved(&self) -> impl Iterator<Item = &Resolution> {
        self.entries.iter().filter(|r| r.id().is_none())
    }

    /// One line per unresolved entry (for logs and errors).
    pub fn problems(&self) -> Vec<String> {
        self.unresolved()
            .filter_map(|r| match &r.outcome {
                Outcome::Unresolved { problem } => {
                    Some(format!("{} ({}): {problem}", r.key, r.table))
                }
                Outcome::Resolved { .. } => None,
            })
            .collect()
    }
}

/// Reads the rows of one catalogue table.
async fn rows<C: ConnectionTrait>(db: &C, d: &EntryDef) -> Result<Vec<Row>, DbErr> {
    // Identifiers come from the constant table above, never from input.
    let sql = format!(
        "SELECT {id} AS id, {name} AS name FROM {table} ORDER BY {id}",
        id = d.id_column,
        name = d.name_column,
        table = d.table
    );
    let backend = db.get_database_backend();
    let result = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    result
        .iter()
        .map(|r| {
            Ok(Row {
                id: r.try_get("", "id")?,
                name: r
                    .try_get::<Option<String>>("", "name")?
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            })
        })
        .collect()
}

/// Resolves one entry among the rows of its table.
pub fn resolve_entry(d: &EntryDef, rows: &[Row], configured: Option<i64>) -> Outcome {
    if let Some(id) = configured {
        return match rows.iter().find(|r| r.id == id) {
            Some(row) => Outcome::Resolved {
                row: row.clone(),
                source: Source::Configuration,
            },
            None => Outcome::Unresolved {
                problem: Problem::ConfiguredIdAbsent { id },
            },
        };
    }
    let matches: Vec<Row> = rows
        .iter()
        .filter(|r| d.names.contains(&fold(&r.name).as_str()))
        .cloned()
        .collect();
    match matches.as_slice() {
        [one] => Outcome::Resolved {
            row: one.clone(),
            source: Source::Name,
        },
        [] => Outcome::Unresolved {
            problem: Problem::NoMatch {
                rows: rows.to_vec(),
            },
        },
        _ => Outcome::Unresolved {
            problem: Problem::Ambiguous { matches },
        },
    }
}

/// Resolves every entry against this database's catalogue tables (each table read once).
pub async fn resolve<C: ConnectionTrait>(db: &C, overrides: &CatalogueOverrides) -> Report {
    let mut tables: BTreeMap<&str, Result<Vec<Row>, String>> = BTreeMap::new();
    let mut entries = Vec::with_capacity(ENTRIES.len());
    for d in ENTRIES {
        if !tables.contains_key(d.table) {
            let read = rows(db, d).await.map_err(|e| e.to_string());
            tables.insert(d.table, read);
        }
        let outcome = match tables.get(d.table) {
            Some(Ok(rows)) => resolve_entry(d, rows, configured(overrides, d.entry)),
            Some(Err(error)) => Outcome::Unresolved {
                problem: Problem::Unreadable {
                    error: error.clone(),
                },
            },
            None => Outcome::Unresolved {
                problem: Problem::Unreadable {
                    error: "not read".to_string(),
                },
            },
        };
        entries.push(Resolution {
            entry: d.entry,
            key: d.key,
            table: d.table,
            outcome,
        });
    }
    Report { entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(i64, &str)]) -> Vec<Row> {
        list.iter()
            .map(|(id, name)| Row {
                id: *id,
                name: name.to_string(),
            })
            .collect()
    }

    #[test]
    fn resolves_by_folded_name_whatever_the_id() {
        let d = def(Entry::InitialListening);
        let table = rows(&[
            (1, "Consulta"),
            (7, "  Escuta   inicial "),
            (2, "Procedimentos"),
        ]);
        match resolve_entry(d, &table, None) {
            Outcome::Resolved { row, source } => {
                assert_eq!(row.id, 7);
                assert_eq!(source, Source::Name);
            }
            other => panic!("{other:?}"),
        }
        let situations = rows(&[(5, "Resolvido"), (0, "Latente"), (9, "ATIVO")]);
        let active = resolve_entry(def(Entry::ProblemActive), &situations, None);
        assert!(matches!(active, Outcome::Resolved { row, .. } if row.id == 9));
        let visit = rows(&[
            (4, "Visita realizada"),
            (1, "Visita recusada"),
            (2, "Ausente"),
        ]);
        let done = resolve_entry(def(Entry::HomeVisitDone), &visit, None);
        assert!(matches!(done, Outcome::Resolved { row, .. } if row.id == 4));
    }

    #[test]
    fn accents_and_case_are_ignored() {
        let table = rows(&[(3, "ESCUTA INICIAL/ORIENTAÇÃO")]);
        let out = resolve_entry(def(Entry::InitialListening), &table, None);
        assert!(matches!(out, Outcome::Resolved { row, .. } if row.id == 3));
    }

    #[test]
    fn no_match_and_ambiguity_are_unresolved() {
        let d = def(Entry::InitialListening);
        let none = resolve_entry(d, &rows(&[(1, "Atendimento individual")]), None);
        match none {
            Outcome::Unresolved {
                problem: Problem::NoMatch { rows },
            } => assert_eq!(rows.len(), 1),
            other => panic!("{other:?}"),
        }
        let two = resolve_entry(
            d,
            &rows(&[(1, "Escuta inicial"), (2, "ESCUTA INICIAL")]),
            None,
        );
        match two {
            Outcome::Unresolved {
                problem: Problem::Ambiguous { matches },
            } => assert_eq!(matches.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2]),
            other => panic!("{other:?}"),
        }
        // "Visita não realizada" is not "visita realizada".
        let not_done = resolve_entry(
            def(Entry::HomeVisitDone),
            &rows(&[(1, "Visita não realizada")]),
            None,
        );
        assert!(matches!(not_done, Outcome::Unresolved { .. }));
    }

    #[test]
    fn configuration_wins_but_must_name_an_existing_row() {
        let d = def(Entry::InitialListening);
        let table = rows(&[(1, "Escuta inicial"), (8, "Acolhimento")]);
        let out = resolve_entry(d, &table, Some(8));
        assert!(
            matches!(&out, Outcome::Resolved { row, source: Source::Configuration } if row.id == 8),
            "{out:?}"
        );
        let absent = resolve_entry(d, &table, Some(99));
        assert!(matches!(
            absent,
            Outcome::Unresolved {
                problem: Problem::ConfiguredIdAbsent { id: 99 }
            }
        ));
    }

    #[test]
    fn every_entry_has_its_definition_and_folded_names() {
        for d in ENTRIES {
            assert_eq!(def(d.entry).entry, d.entry);
            assert_eq!(def(d.entry).key, d.key);
            assert!(!d.names.is_empty(), "{}", d.key);
            for n in d.names {
                assert_eq!(fold(n), *n, "{} must be written folded", d.key);
            }
        }
    }
}
