//! RFC 9457 problem documents: the only shape of a 4xx/5xx under `/api`. [`ApiError`] is what
//! operations return; [`from_error`] maps everything else (poem-openapi's parse errors, unknown
//! routes, wrong methods, unexpected errors) in one place.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiResponse, Object};

/// `Content-Type` of every error.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Nome do parâmetro ou campo recusado.
    pub field: String,
    /// Por que foi recusado, em português.
    pub message: String,
}

/// Um problema (RFC 9457): todo erro 4xx/5xx da API tem esta forma.
#[derive(Object, Debug, Clone, PartialEq, Eq)]
#[oai(example)]
pub struct Problem {
    /// URI que identifica o tipo do problema (`urn:sistema-aps:problema:...`).
    #[oai(rename = "type")]
    pub kind: String,
    /// Resumo do tipo do problema, em português.
    pub title: String,
    /// Código HTTP da resposta.
    pub status: u16,
    /// Explicação desta ocorrência, em português.
    pub detail: String,
    /// Campos recusados (só em erros de validação).
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<FieldError>>,
    /// Identificador da requisição (também no cabeçalho `X-Request-Id`): informe-o ao suporte.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

impl Example for Problem {
    /// Built outside any request context: no `request_id`, so the document does not depend
    /// on which request first asked for it (it is generated once and cached).
    fn example() -> Self {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "validacao",
            "Parâmetros inválidos",
            "Corrija os parâmetros indicados em `errors`.",
        )
        .with_errors(vec![FieldError {
            field: "per_page".into(),
            message: "Use um número inteiro de 1 a 100.".into(),
        }]);
        p.request_id = None;
        p
    }
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: &str) -> Problem {
        Problem {
            kind: format!("urn:sistema-aps:problema:{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
            request_id: crate::telemetry::current_request_id().map(|id| id.to_string()),
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = Some(errors);
        self
    }
}

/// The errors an operation may answer. Every operation lists them all, so the document tells
/// integrators (and the fuzzer) what to expect.
#[derive(ApiResponse, Debug)]
pub enum ApiError {
    /// Pedido inválido: parâmetros fora do formato ou do domínio (detalhes em `errors`).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Sem credenciais válidas: envie `Authorization: Bearer <token>`.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(
        Json<Problem>,
        /// Sempre `Bearer`.
        #[oai(header = "WWW-Authenticate")]
        String,
    ),
    /// O usuário do token não tem acesso a este recurso (perfil sem dados nominais).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Não existe, ou está fora do território do usuário (a resposta é a mesma).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// Conflito com o estado atual (só em alterações): a ação já foi concluída ou cancelada,
    /// ou já existe uma ação pendente do mesmo tipo.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// Dados bem formados, mas recusados pelas regras do acompanhamento (só em alterações):
    /// cada campo recusado em `errors`, com a explicação em português. Nada foi gravado.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Corpo ausente ou fora de `application/json` (só em operações com corpo).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Limite de requisições por minuto do token excedido.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Segundos até a próxima janela.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// Erro interno: a resposta traz só o identificador da requisição.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// Banco de dados indisponível (reiniciando, inacessível ou sem espaço em disco): nada foi
    /// gravado; tente de novo depois de `Retry-After` segundos.
    #[oai(status = 503, content_type = "application/problem+json")]
    ServiceUnavailable(
        Json<Problem>,
        /// Segundos até tentar de novo.
        #[oai(header = "Retry-After")]
        u64,
    ),
}

impl ApiError {
    /// A validation error of one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::BadRequest(Json(
            Problem::new(
                StatusCode::BAD_REQUEST,
                "validacao",
                "Parâmetros inválidos",
                &message,
            )
            .with_errors(vec![FieldError {
                field: field.into(),
                message,
            }]),
        ))
    }

    /// A conflict with the current state (already completed, already pending).
    pub fn conflict(detail: &str) -> ApiError {
        ApiError::Conflict(Json(Problem::new(
            StatusCode::CONFLICT,
            "conflito",
            "Conflito com o estado atual",
            detail,
        )))
    }

    /// Well-formed input refused by the programme's rules, one entry per field.
    pub fn unprocessable(errors: Vec<FieldError>) -> ApiError {
        let detail = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => "Corrija os campos indicados em `errors`; nada foi gravado.".to_string(),
        };
        ApiError::Unprocessable(Json(
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "regra-do-acompanhamento",
                "Dados recusados",
                &detail,
            )
            .with_errors(errors),
        ))
    }

    pub fn unauthorized(detail: &str) -> ApiError {
        ApiError::Unauthorized(
            Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "nao-autenticado",
                "Não autenticado",
                detail,
            )),
            "Bearer".into(),
        )
    }

    pub fn forbidden(detail: &str) -> ApiError {
        ApiError::Forbidden(Json(Problem::new(
            StatusCode::FORBIDDEN,
            "proibido",
            "Acesso não permitido",
            detail,
        )))
    }

    pub fn not_found(detail: &str) -> ApiError {
        ApiError::NotFound(Json(Problem::new(
            StatusCode::NOT_FOUND,
            "nao-encontrado",
            "Recurso inexistente",
            detail,
        )))
    }

    pub fn too_many_requests(retry_after: u64) -> ApiError {
        ApiError::TooManyRequests(
            Json(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "limite-de-requisicoes",
                "Muitas requisições",
                &format!(
                    "O limite de requisições por minuto deste token foi atingido. Tente de novo em {retry_after} s."
                ),
            )),
            retry_after,
        )
    }

    /// A 500 that says nothing but the request id; the cause goes to the log.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error while serving the API");
        let p = Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "erro-interno",
            "Erro interno",
            "Não foi possível concluir o pedido. Tente de novo em instantes; se o erro continuar, informe ao suporte o identificador da requisição (request_id).",
        );
        ApiError::Internal(Json(p))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        match crate::db::unavailable(&e) {
            Some(why) => {
                tracing::warn!(error = %e, "database unavailable while serving the API");
                let (slug, title, detail) = match why {
                    crate::db::Unavailable::DiskFull => (
                        "sem-espaco",
                        "Sem espaço para gravar",
                        "O servidor do banco de dados está sem espaço em disco: nada foi gravado e os dados já registrados estão preservados. Tente de novo depois que o espaço for liberado.",
                    ),
                    crate::db::Unavailable::Busy => (
                        "banco-ocupado",
                        "Banco de dados ocupado",
                        "O banco de dados está ocupado com outra gravação: nada foi gravado. Tente de novo em instantes.",
                    ),
                    crate::db::Unavailable::Unreachable => (
                        "banco-indisponivel",
                        "Banco de dados indisponível",
                        "O sistema não conseguiu falar com o banco de dados agora (ele pode estar reiniciando). Nada foi gravado; tente de novo em alguns instantes.",
                    ),
                };
                ApiError::ServiceUnavailable(
                    Json(Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        slug,
                        title,
                        detail,
                    )),
                    RETRY_AFTER_SECS,
                )
            }
            None => ApiError::internal(&e),
        }
    }
}

/// Seconds a client should wait after a 503 for an unavailable database.
const RETRY_AFTER_SECS: u64 = 5;

/// A problem as a plain response (outside the typed operations).
fn respond(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({
        "type": p.kind,
        "title": p.title,
        "status": p.status,
        "detail": p.detail,
    });
    let mut body = body;
    if let Some(errors) = &p.errors {
        body["errors"] = errors
            .iter()
            .map(|e| serde_json::json!({"field": e.field, "message": e.message}))
            .collect();
    }
    if let Some(id) = &p.request_id {
        body["request_id"] = id.clone().into();
    }
    Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(body.to_string())
}

fn is_problem(resp: &Response) -> bool {
    resp.content_type()
        .is_some_and(|c| c.starts_with(PROBLEM_JSON))
}

/// Every error under `/api` becomes a problem document here, and nowhere else.
pub async fn from_error(err: poem::Error) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return ApiError::invalid(
            e.name,
            format!("Valor inválido para o parâmetro `{}`: {}", e.name, e.reason),
        )
        .into_response();
    }
    // A path segment that does not parse (`/hipertensos/abc`) names no resource: 404, as an
    // unknown id. (poem-openapi names path parameters `param0`, `param1`… here, which would
    // mean nothing to an integrator as a field name.)
    if err.is::<ParsePathError>() {
        return ApiError::not_found(
            "Este endereço da API não existe: confira os identificadores do caminho.",
        )
        .into_response();
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return respond(
            Problem::new(
                StatusCode::BAD_REQUEST,
                "corpo-invalido",
                "Corpo da requisição inválido",
                "O corpo enviado não é um JSON válido para esta operação.",
            )
            .with_errors(vec![FieldError {
                field: "body".into(),
                message: e.reason.clone(),
            }]),
        );
    }
    if err.is::<ContentTypeError>() {
        return respond(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "tipo-de-conteudo",
            "Tipo de conteúdo não suportado",
            "Envie o corpo como JSON, com o cabeçalho Content-Type: application/json.",
        ));
    }
    if err.is::<AuthorizationError>() {
        return ApiError::unauthorized(
            "Envie um token válido no cabeçalho Authorization: Bearer <token>.",
        )
        .into_response();
    }
    if err.is::<poem::error::NotFoundError>() {
        return ApiError::not_found("Este endereço da API não existe.").into_response();
    }
    if err.is::<poem::error::MethodNotAllowedError>() {
        return respond(Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "metodo-nao-permitido",
            "Método não permitido",
            "Este endereço da API não aceita este método HTTP.",
        ));
    }
    let status = err.status();
    let resp = err.into_response();
    if is_problem(&resp) {
        return resp;
    }
    if status.is_server_error() {
        return ApiError::internal(&format!("status {status}")).into_response();
    }
    respond(Problem::new(
        status,
        "requisicao-invalida",
        status.canonical_reason().unwrap_or("Erro"),
        "A requisição não pôde ser atendida.",
    ))
}
