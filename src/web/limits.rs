//! Limits a client cannot talk its way around: an oversized request head is answered at once
//! (414 for the target, 431 for the headers) before any handler, session lookup or query
//! runs, and request bodies are capped in the app (413, before any handler parses them), so
//! a 200 MB JSON body is refused instead of parsed. A NUL character in any text a client
//! sends (query string, form or JSON body) is refused here too, once for every field
//! ([`reject_nul`]).

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// A refusal as the app's error page, in Portuguese.
fn refusal(status: StatusCode, title: &str, message: &str) -> Response {
    super::layout::error_page(title, message, &super::layout::Footer::default())
        .with_status(status)
        .into_response()
}

/// The answer to a body over the cap.
fn too_large(max: usize) -> Response {
    tracing::warn!(max_bytes = max, "request body over the limit refused");
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Requisição grande demais",
        &format!("O conteúdo enviado passa do limite de {} KiB.", max / 1024),
    )
}

/// Checks the head and reads the body up to `max` bytes before the endpoint sees it: a
/// target over `max_head` is 414, a head over `max_head` 431; a declared `Content-Length`
/// over the cap is refused at once, a chunked body as soon as it passes it.
pub async fn cap_body<E: Endpoint>(
    next: E,
    mut req: Request,
    max: usize,
    max_head: usize,
) -> poem::Result<Response> {
    let target = req.uri().to_string().len();
    if target > max_head {
        tracing::warn!(bytes = target, "request target over the limit refused");
        return Ok(refusal(
            StatusCode::URI_TOO_LONG,
            "Endereço longo demais",
            "O endereço pedido passa do limite. Use uma busca ou filtros mais curtos.",
        ));
    }
    let head = target
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if head > max_head {
        tracing::warn!(bytes = head, "request head over the limit refused");
        return Ok(refusal(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Cabeçalhos grandes demais",
            "Os cabeçalhos da requisição passam do limite. Apague os cookies deste site e tente de novo.",
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Ok(too_large(max));
    }
    let body = req.take_body();
    if !body.is_empty() {
        match body.into_bytes_limit(max).await {
            Ok(bytes) => req.set_body(bytes),
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return Ok(too_large(max)),
            Err(e) => return Err(e.into()),
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Refuses a request whose query string, form body or JSON body holds a NUL character
/// (U+0000, which PostgreSQL cannot store and no person types) before any handler runs, so
/// nothing is written: on the API a problem naming the field (400 for a query parameter, 422
/// for a body field), on the pages the error page in Portuguese naming it (400 / 422). The
/// body was read by [`cap_body`] already (bounded).
pub async fn reject_nul<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let api = req.uri().path().starts_with("/api/");
    if let Some(field) = req
        .uri()
        .query()
        .and_then(|q| crate::text::nul_in_form(q.as_bytes()))
    {
        return Ok(nul_refusal(api, &field, false));
    }
    let content_type = req.content_type().unwrap_or_default().to_ascii_lowercase();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.starts_with("application/json") || content_type.contains("+json");
    if form || json {
        let bytes = req.take_body().into_bytes().await?;
        let field = if form {
            crate::text::nul_in_form(&bytes)
        } else {
            // Not JSON at all: the operation's own parser answers that (400).
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| crate::text::nul_in_json(&v))
        };
        if let Some(field) = field {
            return Ok(nul_refusal(api, &field, true));
        }
        req.set_body(bytes);
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// The answer to a NUL in `field` (of the body, or of the query string).
fn nul_refusal(api: bool, field: &str, body: bool) -> Response {
    let field = if field.is_empty() { "body" } else { field };
    tracing::info!(field, "request with a NUL character refused");
    let message = format!(
        "O campo \"{field}\" contém um caractere nulo (código 0), que não é aceito. Apague-o e \
         envie de novo; nada foi salvo."
    );
    if api {
        let err = if body {
            crate::api::problem::ApiError::unprocessable(vec![crate::api::problem::FieldError {
                field: field.to_string(),
                message,
            }])
        } else {
            crate::api::problem::ApiError::invalid(field, message)
        };
        return err
            .into_response()
            .with_header(header::CACHE_CONTROL, "no-store")
            .into_response();
    }
    let status = if body {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    refusal(status, "Caractere não aceito", &message)
}
