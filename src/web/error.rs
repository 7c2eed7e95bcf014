//! Errors of the web layer. 4xx messages are written for the person at the screen, in
//! Portuguese; everything else is logged with its cause and answered with a generic page.

use poem::http::StatusCode;
use poem::{IntoResponse, Response, error::ResponseError};

use super::layout::{Footer, error_page};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is invalid; the message says why, in Portuguese.
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    /// Signed in, but this is not for this user (or the CSRF token is wrong).
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; the message says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    #[error("internal: {0}")]
    Internal(&'static str),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl ResponseError for WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Db(e) if crate::db::unavailable(e).is_some() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            WebError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        let footer = Footer::default();
        let (title, message) = match self {
            WebError::BadRequest(m) => ("Pedido inválido", m.as_str()),
            WebError::NotFound => (
                "Página não encontrada",
                "O endereço não existe ou não está disponível para você.",
            ),
            WebError::Forbidden(m) => ("Acesso não permitido", m.as_str()),
            WebError::TooManyRequests(m) => ("Muitas tentativas", m.as_str()),
            WebError::Internal(what) => {
                tracing::error!(error = what, "internal error while serving a page");
                (
                    "Erro interno",
                    "Não foi possível concluir o pedido. Tente de novo em instantes; se o erro continuar, avise o suporte.",
                )
            }
            WebError::Db(e) if crate::db::unavailable(e).is_some() => {
                tracing::warn!(error = %e, "database unavailable while serving a page");
                unavailable_message(crate::db::unavailable(e))
            }
            WebError::Db(e) => {
                tracing::error!(error = %e, "database error while serving a page");
                (
                    "Erro interno",
                    "Não foi possível concluir o pedido. Tente de novo em instantes; se o erro continuar, avise o suporte.",
                )
            }
        };
        let mut resp = error_page(title, message, &footer)
            .with_status(self.status())
            .into_response();
        if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(
                poem::http::header::RETRY_AFTER,
                poem::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        resp
    }
}

/// Seconds a client should wait before trying again after a 503 for an unavailable database.
pub const RETRY_AFTER_SECS: &str = "5";

/// Title and message of the page for a database that is down or full (Portuguese).
pub fn unavailable_message(why: Option<crate::db::Unavailable>) -> (&'static str, &'static str) {
    match why {
        Some(crate::db::Unavailable::DiskFull) => (
            "Sem espaço para gravar",
            "O servidor do banco de dados está sem espaço em disco: nada foi gravado e os dados já registrados estão preservados. Avise o suporte; tente de novo depois que o espaço for liberado.",
        ),
        Some(crate::db::Unavailable::Busy) => (
            "Banco de dados ocupado",
            "O banco de dados está ocupado com outra gravação: nada foi gravado e os dados já registrados estão preservados. Tente de novo em instantes.",
        ),
        _ => (
            "Banco de dados indisponível",
            "O sistema não conseguiu falar com o banco de dados agora (ele pode estar reiniciando). Nada foi gravado e os dados já registrados estão preservados. Tente de novo em alguns instantes.",
        ),
    }
}

impl From<crate::auth::SessionError> for WebError {
    fn from(e: crate::auth::SessionError) -> Self {
        match e {
            crate::auth::SessionError::Db(e) => WebError::Db(e),
        }
    }
}

impl From<crate::auth::UserError> for WebError {
    fn from(e: crate::auth::UserError) -> Self {
        match e {
            crate::auth::UserError::Invalid(m) => WebError::BadRequest(m),
            crate::auth::UserError::NotFound => WebError::NotFound,
            crate::auth::UserError::Db(e) => WebError::Db(e),
            crate::auth::UserError::Hash(_) => WebError::Internal("password hashing failed"),
        }
    }
}

/// The 405 page (the route adds `Allow`, see `web::methods`).
pub fn method_not_allowed() -> Response {
    WebError::BadRequest("Método não permitido para este endereço.".into())
        .as_response()
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
        .into_response()
}
