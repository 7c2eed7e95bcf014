//! The `/api/` namespace before its endpoints exist: every answer is an RFC 9457 problem
//! JSON, and nothing is answered to a caller who is not signed in (401), so integrators see
//! the same contract the JSON API will keep.

use chrono::Utc;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use serde_json::json;

use crate::auth::session;

use super::AppState;
use super::session::{SESSION_COOKIE, cookie};

/// An RFC 9457 problem document.
pub fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
    });
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/problem+json")
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
}

#[handler]
pub async fn fallback(req: &Request, Data(state): Data<&AppState>) -> Response {
    let user = match cookie(req, SESSION_COOKIE) {
        Some(token) => session::lookup(&state.db, &state.config.auth, &token, Utc::now()).await,
        None => Ok(None),
    };
    match user {
        Ok(Some(_)) => problem(
            StatusCode::NOT_FOUND,
            "Recurso inexistente",
            "Este endereço da API não existe.",
        ),
        Ok(None) => {
            let mut resp = problem(
                StatusCode::UNAUTHORIZED,
                "Não autenticado",
                "Entre no sistema ou envie credenciais válidas para usar a API.",
            );
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                poem::http::HeaderValue::from_static("Bearer"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed on the API");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erro interno",
                "Tente de novo em instantes.",
            )
        }
    }
    .into_response()
}
