//! The JSON API for integrators: `/api/v1`, built with poem-openapi over the same program
//! modules the pages use (never a second copy of their queries), documented at `/api/docs`.
//!
//! # Layout
//!
//! - `problem.rs` — RFC 9457 problem documents: [`problem::ApiError`] (what operations
//!   return) and [`problem::from_error`], the one place where every other error under `/api`
//!   (parse errors, unknown routes, wrong methods) becomes a problem.
//! - `auth.rs` — the middleware that finds the caller (Bearer token, or a browser session for
//!   reads), applies the rate limit, and the `ApiAuth` security scheme operations take.
//! - `docs.rs` — the documentation page (vendored Swagger UI, no external loads, strict CSP).
//! - `territory.rs` — teams and micro-areas in scope.
//! - `programs/hypertension/` — one file per endpoint group: `worklist.rs`, `c5.rs`, `patient.rs`
//!   (summary, timeline), `actions.rs` (follow-up writes and the MRPA submission).
//!
//! # Adding an endpoint
//!
//! 1. Create one file, e.g. `src/api/programs/hypertension/patients.rs`, with request/response types
//!    (`#[derive(Object)]`, Portuguese doc comments — they become the descriptions — and an
//!    `Example` for the main response) and a `pub struct PatientsApi;` with
//!    `#[OpenApi(tag = "ApiTags::Hipertensao")] impl PatientsApi { ... }`.
//! 2. Each operation takes `auth: ApiAuth` (the caller; never read credentials yourself),
//!    `Data(state): Data<&AppState>`, typed `Path`/`Query`/`Json` parameters with validators,
//!    and returns `Result<Json<T>, ApiError>`. Give it an `operation_id`.
//! 3. Scope: start with `require_patient_scope(auth.user())?` and pass that scope to the
//!    program module function the page calls (e.g. `hypertension::followup::...`). A person
//!    or team outside the scope answers exactly like an unknown one (`ApiError::not_found`).
//! 4. Audit: every read of nominal data calls `audit::record` with the page's action
//!    (`Action::ViewList`, `Action::ViewPatient`, `Action::Write`, ...), the persons, and
//!    `audit_origin(req)`; the resource is the API path (`/api/v1/...`).
//! 5. Writes take a Bearer token (the middleware refuses writes by cookie) and return 201/200
//!    with the created/updated object; invalid input is `ApiError::invalid(field, message)`.
//! 6. Register the struct in its programme's tuple in `programs/mod.rs` (a programme's APIs are
//!    one line there; [`service`] takes them all), then regenerate the committed document:
//!    `cargo run -- openapi > openapi/openapi.json` (a test fails until you do), add a curl
//!    example to `docs/api.md`, and tests to `tests/app/api.rs`.

// `ApiError` carries its problem document by value (poem-openapi payloads are plain types);
// it is built at most once per failed request, so its size costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod docs;
pub mod problem;
pub mod programs;
pub mod territory;

use std::sync::LazyLock;

use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get};
use poem_openapi::{OpenApiService, Tags};

use crate::auth::{CurrentUser, Scope};
use problem::ApiError;

/// Where version 1 is served.
pub const V1_PREFIX: &str = "/api/v1";
/// The version of the API document (`info.version`): the contract, not the program's version.
pub const API_VERSION: &str = "1.0.0";

#[derive(Tags)]
pub enum ApiTags {
    /// Equipes e microáreas do território do usuário.
    Territorio,
    /// Programa de hipertensão: lista nominal, indicador C5, resumo e acompanhamento da pessoa.
    Hipertensao,
    /// Programa de diabetes: lista nominal com a última hemoglobina glicada e o indicador C4.
    Diabetes,
}

type Apis = (territory::TerritoryApi, programs::Apis);

/// The poem-openapi service of `/api/v1`.
pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (territory::TerritoryApi, programs::apis()),
        "Sistema APS — API",
        API_VERSION,
    )
    .description(
        "API JSON do Sistema APS para integradores. Autenticação: token de API criado pelo \
         próprio usuário (em /tokens), no cabeçalho `Authorization: Bearer <token>`; o token age \
         com o perfil e o território de quem o criou, e cada uso fica na auditoria com o número \
         do token. Erros seguem a RFC 9457 (`application/problem+json`). \
         Guia: docs/api.md.",
    )
    .server(V1_PREFIX)
}

/// The OpenAPI document, as committed in `openapi/openapi.json` and served at
/// `/api/v1/openapi.json`: poem-openapi's document with one correction. poem-openapi names
/// chrono's `NaiveDate` format `naive-date`, which no OpenAPI tool knows (clients and fuzzers
/// then treat dates as free strings); the values are RFC 3339 full-dates (`2026-03-16`),
/// which OpenAPI calls `format: date`. (A JSON string cannot hold an unescaped `"`, so the
/// replaced text is only ever that schema keyword, never a description.)
pub fn spec_json() -> String {
    static SPEC: LazyLock<String> = LazyLock::new(|| {
        let mut s = service()
            .spec()
            .replace(r#""format": "naive-date""#, r#""format": "date""#);
        s.push('\n');
        s
    });
    SPEC.clone()
}

/// `GET /api/v1/openapi.json`: the document of [`spec_json`].
#[poem::handler]
fn openapi_json() -> Response {
    Response::builder()
        .content_type("application/json; charset=utf-8")
        .body(spec_json())
}

/// The methods each path of version 1 takes, from the document (`/hipertensos/{id}/acoes` →
/// `POST`), with `HEAD` wherever `GET` is (poem answers it with the `GET` operation).
static ALLOWED: LazyLock<Vec<(Vec<String>, String)>> = LazyLock::new(|| {
    let doc: serde_json::Value = serde_json::from_str(&spec_json()).unwrap_or_default();
    let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, item)| {
            let mut methods: Vec<String> = ["get", "post", "put", "patch", "delete"]
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(str::to_uppercase)
                .collect();
            if methods.iter().any(|m| m == "GET") {
                methods.insert(1, "HEAD".into());
            }
            let segments = path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            (segments, methods.join(", "))
        })
        .collect()
});

/// The `Allow` value of a path under `/api/v1` (`/hipertensos/7/acoes`), if the API has it.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    ALLOWED
        .iter()
        .find(|(template, _)| {
            template.len() == parts.len()
                && template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| (t.starts_with('{') && t.ends_with('}')) || t == p)
        })
        .map(|(_, allow)| allow.as_str())
}

/// A 405 under `/api` (where this is nested) says which methods the address takes (`Allow`,
/// RFC 9110 §15.5.6).
async fn allow_on_405<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    // Nested at `/api`: the path here is the rest (`/v1/hipertensos/7/acoes`).
    let path = req.uri().path().to_string();
    let mut resp = next.call(req).await?.into_response();
    if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
        && !resp.headers().contains_key(poem::http::header::ALLOW)
    {
        let allow = match path.as_str() {
            "/docs" | "/v1/openapi.json" => Some("GET, HEAD"),
            p => p.strip_prefix("/v1").and_then(allowed_methods),
        };
        if let Some(allow) = allow.and_then(|a| poem::http::HeaderValue::from_str(a).ok()) {
            resp.headers_mut().insert(poem::http::header::ALLOW, allow);
        }
    }
    Ok(resp)
}

/// Every route under `/api` (nest it at `/api`): the documentation, the document, version 1,
/// all behind the authentication middleware and the problem mapping.
pub fn routes() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/docs", get(docs::page))
        .at("/v1/openapi.json", get(openapi_json))
        .nest("/v1", service())
        .around(auth::authenticate)
        // The session scheme reads the cookie through poem's jar.
        .with(poem::middleware::CookieJarManager::new())
        .catch_all_error(problem::from_error)
        .around(allow_on_405)
        // Answers carry nominal health data: no browser, proxy or shared cache keeps them.
        .with(
            poem::middleware::SetHeader::new()
                .overriding(poem::http::header::CACHE_CONTROL, "no-store"),
        )
}

/// The scope of nominal data of a caller; a role without one (admin, auditor) gets 403, as
/// on the pages.
pub fn require_patient_scope(user: &CurrentUser) -> Result<Scope, ApiError> {
    let scope = user.scope();
    if scope.is_empty() {
        return Err(ApiError::forbidden(
            "O perfil do usuário deste token não dá acesso a dados de pacientes.",
        ));
    }
    Ok(scope)
}

/// Where a request came from, for the audit trail (the same rules as the pages).
/// A request made with an API token names the token: its use is audited under its own id.
pub fn audit_origin(req: &Request) -> crate::audit::Origin {
    let mut origin = crate::http::client(req).origin();
    origin.token_id = req
        .extensions()
        .get::<auth::Caller>()
        .and_then(|c| c.token_id);
    origin
}
