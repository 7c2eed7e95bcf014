//! Limits a client cannot talk its way around: an oversized request head is answered at once
//! (414 for the target, 431 for the headers) before any handler, session lookup or query
//! runs, and request bodies are capped in the app (413, before any handler parses them), so
//! a 200 MB JSON body is refused instead of parsed.

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
