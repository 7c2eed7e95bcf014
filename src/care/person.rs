//! The person read model (`person`): every citizen of the PEC with identity, team and
//! micro-area, household and search text — the population every programme starts from, the
//! person page, the search across the territory and the territory itself read it.
//!
//! Team and micro-area come from the latest team link (latest update, then highest link id)
//! and the current individual registration (`co_unico_ultima_ficha`, `st_versao_atual = 1`),
//! never from name matching. People are kept whatever their state (deceased, inactive,
//! registration inactive, no team): the person page explains why someone is not on a list.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, TransactionSession,
    TransactionTrait, Value,
};

use crate::auth::Scope;
use crate::db::sql::statement;
use crate::store::person::{self, Column};
use crate::text::{digits, normalize_cpf};

use super::quality::{self, Skip, Skipped};
use super::search::{Search, search_text};

/// Name of this read model in `read_model_status`.
pub const READ_MODEL: &str = "person";

pub use crate::programs::RefreshReport;

async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn clean_digits(text: Option<String>) -> Option<String> {
    text.map(|s| digits(&s)).filter(|s| !s.is_empty())
}

/// The latest team link of a person.
struct Link {
    ine: String,
    cnes: Option<String>,
    team: Option<String>,
    team_active: bool,
    updated: Option<NaiveDateTime>,
    id: i64,
}

/// Rebuilds the person read model from the PEC, in one transaction.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    today: NaiveDate,
) -> Result<RefreshReport, DbErr> {
    let started = Instant::now();
    let mut skipped = Skipped::default();

    // 1. Citizens with their current individual registration.
    let rows = query(
        db,
        "SELECT c.co_seq_cidadao, c.no_cidadao, c.nu_cpf, c.nu_cns, c.dt_nascimento, c.no_sexo,
                c.nu_telefone_celular, c.st_ativo, c.st_faleceu,
                ci.nu_micro_area, ci.st_ficha_inativa, ci.nu_cpf_responsavel,
                ci.nu_cartao_sus_responsavel
         FROM tb_cidadao c
         LEFT JOIN tb_cds_cad_individual ci
                ON ci.co_unico_ficha = c.co_unico_ultima_ficha AND ci.st_versao_atual = 1",
        vec![],
    )
    .await?;
    // (model, head CPF, head CNS)
    let mut people: BTreeMap<i64, (person::ActiveModel, Option<String>, Option<String>)> =
        BTreeMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "co_seq_cidadao")?;
        if people.contains_key(&id) {
            continue; // two "current" registrations: the first one read stands
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
        let name = name.trim().to_string();
        let birth: Option<NaiveDate> = r.try_get("", "dt_nascimento")?;
        let birth = birth.filter(|b| {
            let ok = quality::plausible_birth(*b, today);
            if !ok {
                skipped.add(Skip::BirthDate, Some(id));
            }
            ok
        });
        let cns = clean_digits(r.try_get("", "nu_cns")?);
        let cpf = r
            .try_get::<Option<String>>("", "nu_cpf")?
            .and_then(|s| normalize_cpf(&s));
        let sex: Option<String> = r.try_get("", "no_sexo")?;
        let model = person::ActiveModel {
            co_seq_cidadao: Set(id),
            search_text: Set(search_text(&name, cns.as_deref(), cpf.as_deref())),
            no_cidadao: Set(name),
            nu_cns: Set(cns),
            nu_cpf: Set(cpf),
            dt_nascimento: Set(birth),
            sexo: Set(
                sex.and_then(|s| match s.trim().to_uppercase().chars().next() {
                    Some('F') => Some("F".to_string()),
                    Some('M') => Some("M".to_string()),
                    _ => None,
                }),
            ),
            nu_telefone: Set(clean_digits(r.try_get("", "nu_telefone_celular")?)),
            nu_ine: Set(None),
            no_equipe: Set(None),
            nu_cnes: Set(None),
            team_active: Set(false),
            micro_area: Set(clean(r.try_get("", "nu_micro_area")?)),
            active: Set(r.try_get::<Option<i32>>("", "st_ativo")? == Some(1)),
            deceased: Set(r.try_get::<Option<i32>>("", "st_faleceu")? == Some(1)),
            registration_inactive: Set(r.try_get::<Option<i32>>("", "st_ficha_inativa")? == Some(1)),
            household_street: Set(None),
            household_number: Set(None),
            household_district: Set(None),
            as_of: Set(today),
        };
        let head_cpf = r
            .try_get::<Option<String>>("", "nu_cpf_responsavel")?
            .and_then(|s| normalize_cpf(&s));
        let head_cns = clean_digits(r.try_get("", "nu_cartao_sus_responsavel")?);
        people.insert(id, (model, head_cpf, head_cns));
    }

    // 2. Latest team link per person (latest update, then highest link id).
    let rows = query(
        db,
        "SELECT v.co_cidadao, v.nu_ine, v.nu_cnes, v.dt_atualizacao_cadastro,
                v.co_seq_cidadao_vinculacao_eqp, e.no_equipe, e.st_ativo
         FROM tb_cidadao_vinculacao_equipe v
         LEFT JOIN tb_equipe e ON e.nu_ine = v.nu_ine",
        vec![],
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
            cnes: clean(r.try_get("", "nu_cnes")?),
            team: clean(r.try_get("", "no_equipe")?),
            team_active: r.try_get::<Option<i32>>("", "st_ativo")? == Some(1),
            updated: r.try_get("", "dt_atualizacao_cadastro")?,
            id: r.try_get("", "co_seq_cidadao_vinculacao_eqp")?,
        };
        // None sorts before any date: a dated link wins over an undated one.
        let newer = |old: &Link| (link.updated, link.id) > (old.updated, old.id);
        match links.get(&id) {
            Some(old) if !newer(old) => {}
            _ => {
                links.insert(id, link);
            }
        }
    }

    // 3. Households.
    let households = households(db).await?;

    let mut models = Vec::with_capacity(people.len());
    for (id, (mut m, head_cpf, head_cns)) in people {
        if let Some(link) = links.remove(&id) {
            m.no_equipe = Set(Some(link.team.unwrap_or_else(|| link.ine.clone())));
            m.nu_ine = Set(Some(link.ine));
            m.nu_cnes = Set(link.cnes);
            m.team_active = Set(link.team_active);
        }
        let own_cpf = match &m.nu_cpf {
            Set(c) => c.clone(),
            _ => None,
        };
        let own_cns = match &m.nu_cns {
            Set(c) => c.clone(),
            _ => None,
        };
        let address = [
            own_cpf.as_deref().and_then(|c| households.by_cpf.get(c)),
            head_cpf.as_deref().and_then(|c| households.by_cpf.get(c)),
            own_cns.as_deref().and_then(|c| households.by_cns.get(c)),
            head_cns.as_deref().and_then(|c| households.by_cns.get(c)),
        ]
        .into_iter()
        .flatten()
        .max_by_key(|a| a.registered)
        .cloned();
        if let Some(a) = address {
            m.household_street = Set(Some(a.street));
            m.household_number = Set(a.number);
            m.household_district = Set(a.district);
        }
        models.push(m);
    }
    let rows = models.len();

    let txn = db.begin().await?;
    person::Entity::delete_many().exec(&txn).await?;
    let mut it = models.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(400).collect();
        person::Entity::insert_many(chunk).exec(&txn).await?;
    }
    let duration_ms = started.elapsed().as_millis();
    super::status::record(&txn, READ_MODEL, today, duration_ms, rows).await?;
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
        let Some(street) = clean(r.try_get("", "no_logradouro")?) else {
            continue;
        };
        let kind: Option<String> = clean(r.try_get("", "no_tipo_logradouro")?);
        let address = Address {
            street: match kind {
                Some(k) => format!("{k} {street}"),
                None => street,
            },
            number: clean(r.try_get("", "nu_domicilio")?),
            district: clean(r.try_get("", "no_bairro")?),
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
        if let Some(cns) = clean_digits(r.try_get("", "nu_cartao_sus")?) {
            keep(&mut out.by_cns, cns, &address);
        }
    }
    Ok(out)
}

/// The scope as a condition on this read model. People without a team link are reached only
/// by a municipality-wide scope.
pub fn scope_condition(scope: &Scope) -> Condition {
    scope.condition(Column::NuCnes, Column::NuIne, Column::MicroArea)
}

/// A person the scope reaches (`None`: unknown or out of scope).
pub async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<Option<person::Model>, DbErr> {
    person::Entity::find_by_id(id)
        .filter(scope_condition(scope))
        .one(db)
        .await
}

/// At most this many people are listed for one search.
pub const SEARCH_LIMIT: u64 = 50;

/// People in scope matching a search, by name (accents ignored); one more than [`SEARCH_LIMIT`] tells the
/// caller the list was cut.
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    search: &Search,
) -> Result<Vec<person::Model>, DbErr> {
    person::Entity::find()
        .filter(scope_condition(scope))
        .filter(search.condition(Column::SearchText))
        // The folded name leads the search text: accents do not move anyone in the order,
        // and both databases sort plain ASCII the same way.
        .order_by_asc(Column::SearchText)
        .order_by_asc(Column::CoSeqCidadao)
        .limit(SEARCH_LIMIT + 1)
        .all(db)
        .await
}

/// Whether the person belongs to the population every programme starts from (alive, active,
/// registration not inactive, linked to an active team), and if not, why — in Portuguese.
pub fn exclusion(p: &person::Model) -> Option<&'static str> {
    if p.deceased {
        Some("consta como falecido no PEC")
    } else if !p.active {
        Some("o cadastro do cidadão está inativo no PEC")
    } else if p.registration_inactive {
        Some("a ficha de cadastro individual atual está inativa (mudou-se ou saiu do território)")
    } else if p.nu_ine.is_none() {
        Some("não tem vínculo com nenhuma equipe")
    } else if !p.team_active {
        Some("a equipe do vínculo mais recente está inativa")
    } else {
        None
    }
}

/// Column filter for the population every programme starts from (see [`exclusion`]).
pub fn eligible() -> Condition {
    Condition::all()
        .add(Column::Deceased.eq(false))
        .add(Column::Active.eq(true))
        .add(Column::RegistrationInactive.eq(false))
        .add(Column::NuIne.is_not_null())
        .add(Column::TeamActive.eq(true))
}

/// Where a person stands on one programme's list.
#[derive(Debug, Clone)]
pub struct Membership {
    pub program: &'static crate::programs::ProgramDef,
    pub listed: bool,
    /// Why the person is or is not on the list, in Portuguese.
    pub reason: String,
}

/// Each programme of the registry, with whether the person is on its list and why (or why
/// not). `catalogue` is `None` while a PEC catalogue entry is unresolved: the population rule
/// cannot be evaluated then, and the reason says so.
pub async fn memberships(
    db: &DatabaseConnection,
    catalogue: Option<&crate::esus::catalogue::Catalogue>,
    p: &person::Model,
) -> Result<Vec<Membership>, DbErr> {
    use crate::programs::{ALL, Population};
    let mut out = Vec::with_capacity(ALL.len());
    for program in ALL {
        let listed = (program.listed)(db, p.co_seq_cidadao).await?;
        let rule = program.population.describe();
        let reason = if listed {
            format!("Está na lista: {rule}.")
        } else if let Some(why) = exclusion(p) {
            format!("Não está na lista: {why}.")
        } else {
            match (catalogue, program.population) {
                (None, _) => "Não foi possível avaliar: o catálogo do PEC não está resolvido (veja o aviso no topo da página).".to_string(),
                (Some(c), Population::Coded(list)) => {
                    if crate::care::population::has_coded_problem(db, c, list, p.co_seq_cidadao).await? {
                        "Tem o problema codificado no PEC e entra na lista na próxima atualização dos dados.".to_string()
                    } else {
                        format!("Não está na lista: não tem {rule}.")
                    }
                }
            }
        };
        out.push(Membership {
            program,
            listed,
            reason,
        });
    }
    Ok(out)
}
