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
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl ResponseError for WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn as_response(&self) -> Response {
        let footer = Footer { freshness: None };
        let (title, message) = match self {
            WebError::BadRequest(m) => ("Pedido inválido", m.as_str()),
            WebError::NotFound => (
                "Página não encontrada",
                "O endereço não existe ou não está disponível para você.",
            ),
            WebError::Db(e) => {
                tracing::error!(error = %e, "database error while serving a page");
                (
                    "Erro interno",
                    "Não foi possível concluir o pedido. Tente de novo em instantes; se o erro continuar, avise o suporte.",
                )
            }
        };
        error_page(title, message, &footer)
            .with_status(self.status())
            .into_response()
    }
}
