//! The auditor's pages: who did what, with whose data, when and from where — filterable by
//! user, person, action and period, and exportable as CSV (the export is audited too).

use chrono::{NaiveDate, TimeZone};
use maud::{Markup, html};
use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::audit::{self, Action, Event, Query};
use crate::auth::{CurrentUser, Role};
use crate::esus::tb_cidadao;
use crate::text::digits;

use super::error::WebError;
use super::layout;
use super::session::{Auth, Client};
use super::{AppState, format, paths};

const PER_PAGE: u64 = 50;

fn require_auditor(user: &CurrentUser) -> Result<(), WebError> {
    if user.has_role(Role::Auditor) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "A trilha de auditoria é só para o perfil de auditoria.".into(),
        ))
    }
}

/// The raw filter values, to show back in the form.
#[derive(Debug, Default, Clone)]
struct Raw {
    usuario: String,
    pessoa: String,
    acao: String,
    de: String,
    ate: String,
    pagina: u64,
}

fn parse_date(v: &str) -> Result<Option<NaiveDate>, WebError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| WebError::BadRequest(format!("Data inválida: {v}. Use dd/mm/aaaa.")))
}

async fn parse(req: &Request, state: &AppState) -> Result<(Raw, Query), WebError> {
    let mut raw = Raw {
        pagina: 1,
        ..Default::default()
    };
    for (k, v) in url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let v = v.trim().to_string();
        if v.chars().count() > 100 {
            return Err(WebError::BadRequest("Filtro longo demais.".into()));
        }
        match k.as_ref() {
            "usuario" => raw.usuario = v,
            "pessoa" => raw.pessoa = v,
            "acao" => raw.acao = v,
            "de" => raw.de = v,
            "ate" => raw.ate = v,
            "pagina" if !v.is_empty() => {
                raw.pagina = v
                    .parse::<u64>()
                    .ok()
                    .filter(|p| (1..=100_000).contains(p))
                    .ok_or_else(|| WebError::BadRequest("Página inválida.".into()))?;
            }
            _ => {}
        }
    }
    let mut q = Query::default();
    if !raw.usuario.is_empty() {
        q.username = Some(raw.usuario.to_lowercase());
    }
    if !raw.acao.is_empty() {
        q.action = Some(
            Action::from_key(&raw.acao)
                .ok_or_else(|| WebError::BadRequest("Ação desconhecida.".into()))?,
        );
    }
    if !raw.pessoa.is_empty() {
        let d = digits(&raw.pessoa);
        if d.is_empty() || d.len() != raw.pessoa.chars().filter(|c| !c.is_whitespace()).count() {
            return Err(WebError::BadRequest(
                "Pessoa: informe o código do cidadão ou o CNS (só números).".into(),
            ));
        }
        q.person = Some(if d.len() == 15 {
            // A CNS: find the citizen code.
            tb_cidadao::Entity::find()
                .filter(tb_cidadao::Column::NuCns.eq(d.clone()))
                .one(&state.db)
                .await?
                .map(|c| c.co_seq_cidadao)
                .unwrap_or(-1)
        } else {
            d.parse::<i64>()
                .map_err(|_| WebError::BadRequest("Código do cidadão inválido.".into()))?
        });
    }
    let tz = state.config.time_zone;
    let start_of = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    q.from = parse_date(&raw.de)?.and_then(start_of);
    q.until = parse_date(&raw.ate)?
        .and_then(|d| d.succ_opt())
        .and_then(start_of);
    Ok((raw, q))
}

fn query_string(raw: &Raw, page: Option<u64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("usuario", &raw.usuario),
        ("pessoa", &raw.pessoa),
        ("acao", &raw.acao),
        ("de", &raw.de),
        ("ate", &raw.ate),
    ] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    if let Some(p) = page.filter(|p| *p > 1) {
        s.append_pair("pagina", &p.to_string());
    }
    s.finish()
}

fn local(state: &AppState, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&state.config.time_zone)
        .format("%d/%m/%Y %H:%M:%S")
        .to_string()
}

/// Query keys whose values a person typed: a name, CPF or CNS searched for (`busca`), a
/// person looked up in the trail (`pessoa`).
const TYPED_KEYS: &[&str] = &["busca", "pessoa"];

/// What stands in the lists for a typed value.
pub const MASK: &str = "•••";

/// The filters of a row as lists show them: what a person typed in a search (`busca`,
/// `pessoa`) is masked, the rest kept as recorded; `true` when something was masked. The
/// auditor sees the value by opening the row ([`row`]), which is audited.
pub fn masked_filters(filters: &str) -> (String, bool) {
    let mut masked = false;
    let parts: Vec<String> = filters
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if !v.is_empty() && TYPED_KEYS.iter().any(|t| decoded(k) == *t) => {
                masked = true;
                format!("{k}={MASK}")
            }
            _ => part.to_string(),
        })
        .collect();
    (parts.join("&"), masked)
}

fn decoded(k: &str) -> String {
    url::form_urlencoded::parse(k.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

fn action_label(key: &str) -> &str {
    Action::from_key(key).map(|a| a.label()).unwrap_or(key)
}

#[handler]
pub async fn trail(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Markup, WebError> {
    require_auditor(&user)?;
    let (raw, q) = parse(req, state).await?;
    let (rows, total) = audit::search(&state.db, &q, raw.pagina, PER_PAGE).await?;
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::AuditView,
            resource: paths::AUDIT.into(),
            filters: Some(query_string(&raw, Some(raw.pagina))),
            persons: q.person.into_iter().filter(|p| *p > 0).collect(),
            person_count: total,
            origin: client.origin(),
        },
    )
    .await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    let footer = state.footer(Some(&user)).await;
    let qs = query_string(&raw, None);
    Ok(layout::page(
        "Trilha de auditoria",
        None,
        &footer,
        html! {
            div class="page-head" {
                h1 { "Trilha de auditoria" }
                p class="lead" { "Cada consulta a dados de pacientes e cada alteração, com quem, quando e de onde." }
            }
            form class="filters" method="get" action=(paths::AUDIT) role="search" {
                div class="field" { label for="usuario" { "Usuário" } input id="usuario" name="usuario" value=(raw.usuario) maxlength="40"; }
                div class="field" { label for="pessoa" { "Pessoa (código do cidadão ou CNS)" } input id="pessoa" name="pessoa" value=(raw.pessoa) inputmode="numeric" maxlength="20"; }
                div class="field" {
                    label for="acao" { "Ação" }
                    select id="acao" name="acao" {
                        option value="" { "Todas" }
                        @for a in Action::ALL { option value=(a.key()) selected[raw.acao == a.key()] { (a.label()) } }
                    }
                }
                div class="field" { label for="de" { "De" } input id="de" name="de" type="date" value=(raw.de); }
                div class="field" { label for="ate" { "Até" } input id="ate" name="ate" type="date" value=(raw.ate); }
                div class="filter-actions" {
                    button type="submit" class="button" { "Filtrar" }
                    a class="button button-secondary" href=(paths::AUDIT) { "Limpar filtros" }
                    a class="button button-secondary" href=(format!("{}?{qs}", paths::AUDIT_CSV)) { "Exportar CSV" }
                }
            }
            p class="result-summary" { (format::int(total)) " registro(s)" }
            @if rows.is_empty() {
                div class="empty-state" { p { "Nenhum registro com os filtros atuais." } }
            } @else {
                div class="table-wrap" tabindex="0" role="region" aria-label="Registros de auditoria" {
                    table class="worklist" {
                        thead { tr {
                            th scope="col" { "Quando" } th scope="col" { "Usuário" } th scope="col" { "Ação" }
                            th scope="col" { "Recurso e filtros" } th scope="col" class="num" { "Pessoas" } th scope="col" { "Origem" }
                        } }
                        tbody {
                            @for r in &rows {
                                tr {
                                    td { (local(state, r.at)) span class="patient-meta" { a href=(paths::audit_row(r.id)) title="Abrir o registro completo (a abertura fica registrada)" { "nº " (r.id) } } }
                                    td {
                                        (r.username.clone().unwrap_or_else(|| "—".into())) span class="patient-meta" { (r.role.clone().unwrap_or_default()) }
                                        @if let Some(t) = r.token_id { span class="patient-meta audit-token" { "pela API, token nº " (t) } }
                                    }
                                    td { (action_label(&r.action)) }
                                    td {
                                        (r.resource)
                                        @if let Some(f) = &r.filters {
                                            @let (shown, hidden) = masked_filters(f);
                                            span class="patient-meta audit-filters" { (shown) }
                                            @if hidden { a class="patient-meta audit-open" href=(paths::audit_row(r.id)) { "ver o que foi digitado" } }
                                        }
                                    }
                                    td class="num" {
                                        (r.person_count)
                                        @if let Some(ids) = &r.person_ids { span class="patient-meta" title=(ids) { (ids.chars().take(60).collect::<String>()) @if ids.len() > 60 { "…" } } }
                                    }
                                    td { (r.client_addr.clone().unwrap_or_default()) @if let Some(id) = &r.request_id { span class="patient-meta" { (id) } } }
                                }
                            }
                        }
                    }
                }
                nav class="pagination" aria-label="Paginação" {
                    @if raw.pagina > 1 { a rel="prev" href=(format!("{}?{}", paths::AUDIT, query_string(&raw, Some(raw.pagina - 1)))) { "Anterior" } }
                    span class="page-current" aria-current="page" { "Página " (raw.pagina) " de " (pages) }
                    @if raw.pagina < pages { a rel="next" href=(format!("{}?{}", paths::AUDIT, query_string(&raw, Some(raw.pagina + 1)))) { "Próxima" } }
                }
            }
        },
    ))
}

fn csv_field(v: &str) -> String {
    // Quote everything; neutralise spreadsheet formulas.
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    format!("\"{}\"", v.replace('"', "\"\""))
}

#[handler]
pub async fn csv(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
) -> Result<Response, WebError> {
    require_auditor(&user)?;
    let (raw, q) = parse(req, state).await?;
    let rows = audit::all(&state.db, &q).await?;
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::AuditExport,
            resource: paths::AUDIT_CSV.into(),
            filters: Some(query_string(&raw, None)),
            persons: q.person.into_iter().filter(|p| *p > 0).collect(),
            person_count: rows.len() as u64,
            origin: client.origin(),
        },
    )
    .await?;
    let mut out = String::from(
        "\u{feff}id;quando;usuario;perfil;acao;recurso;filtros;pessoas;qtd_pessoas;origem;request_id;hash\r\n",
    );
    for r in &rows {
        let fields = [
            r.id.to_string(),
            local(state, r.at),
            r.username.clone().unwrap_or_default(),
            r.role.clone().unwrap_or_default(),
            r.action.clone(),
            r.resource.clone(),
            r.filters
                .as_deref()
                .map(|f| masked_filters(f).0)
                .unwrap_or_default(),
            r.person_ids.clone().unwrap_or_default(),
            r.person_count.to_string(),
            r.client_addr.clone().unwrap_or_default(),
            r.request_id.clone().unwrap_or_default(),
            r.hash.clone(),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    Ok(out
        .with_content_type("text/csv; charset=utf-8")
        .with_header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"auditoria.csv\"",
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response())
}

/// One audit row in full, what was typed in a search included. Opening it is itself a row of
/// the trail (who opened which row, with the persons it names).
#[handler]
pub async fn row(
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    poem::web::Path(id): poem::web::Path<String>,
) -> Result<Markup, WebError> {
    require_auditor(&user)?;
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(WebError::NotFound)?;
    let r = crate::store::audit_log::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(WebError::NotFound)?;
    let persons: Vec<i64> = r
        .person_ids
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    audit::record(
        &state.db,
        Event {
            user: Some(&user),
            action: Action::AuditView,
            resource: paths::audit_row(id),
            filters: None,
            person_count: persons.len() as u64,
            persons,
            origin: client.origin(),
        },
    )
    .await?;
    let typed: Vec<(String, String)> = r
        .filters
        .as_deref()
        .map(|f| {
            url::form_urlencoded::parse(f.as_bytes())
                .filter(|(k, v)| !v.is_empty() && TYPED_KEYS.contains(&k.as_ref()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let footer = state.footer(Some(&user)).await;
    let field = |label: &'static str, value: String| html! { tr { th scope="row" { (label) } td { (value) } } };
    Ok(layout::page(
        "Registro de auditoria",
        None,
        &footer,
        html! {
            div class="page-head" {
                h1 { "Registro de auditoria nº " (r.id) }
                p class="lead" { "O registro completo. Esta abertura ficou registrada na trilha em seu nome." }
                p { a class="button button-secondary" href=(paths::AUDIT) { "Voltar à trilha" } }
            }
            table class="worklist audit-row" {
                tbody {
                    (field("Quando", local(state, r.at)))
                    (field("Usuário", r.username.clone().unwrap_or_else(|| "—".into())))
                    (field("Perfil", r.role.clone().unwrap_or_default()))
                    (field("Ação", action_label(&r.action).to_string()))
                    (field("Recurso", r.resource.clone()))
                    (field("Filtros", r.filters.clone().unwrap_or_default()))
                    @for (k, v) in &typed {
                        tr class="audit-typed" { th scope="row" { "Digitado em " (k) } td { (v) } }
                    }
                    (field("Pessoas", format!("{} ({})", r.person_count, r.person_ids.clone().unwrap_or_default())))
                    (field("Origem", r.client_addr.clone().unwrap_or_default()))
                    (field("Request id", r.request_id.clone().unwrap_or_default()))
                    (field("Token da API", r.token_id.map(|t| format!("nº {t}")).unwrap_or_else(|| "—".into())))
                    (field("Hash", r.hash.clone()))
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_searches_are_masked_and_the_rest_kept() {
        assert_eq!(
            masked_filters("equipe=0000000001&busca=MARIA+DA+PENHA&situacao=controlada"),
            (
                "equipe=0000000001&busca=•••&situacao=controlada".to_string(),
                true
            )
        );
        assert_eq!(
            masked_filters("usuario=ana&pessoa=898001234567891"),
            ("usuario=ana&pessoa=•••".to_string(), true)
        );
        assert_eq!(masked_filters("equipe=1"), ("equipe=1".to_string(), false));
        assert_eq!(masked_filters("busca="), ("busca=".to_string(), false));
        assert_eq!(
            masked_filters("acs no time 1; recusado"),
            ("acs no time 1; recusado".to_string(), false)
        );
    }
}
