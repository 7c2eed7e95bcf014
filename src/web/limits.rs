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

/// Wraps the web listener so that every connection gets [`HeadTimeout`]: a request head must
/// arrive whole within `timeout` of its first byte (or of the connection's start), else the
/// connection is answered 408 and closed. hyper has such a timer (`header_read_timeout`), but
/// poem's `Server` builds hyper's connection without a timer, so it never runs; without it a
/// client sending its head a byte at a time keeps the connection (and a slot) forever, since
/// every byte resets the idle timeout.
pub struct HeadTimeoutAcceptor<A> {
    inner: A,
    timeout: std::time::Duration,
}

impl<A> HeadTimeoutAcceptor<A> {
    pub fn new(inner: A, timeout: std::time::Duration) -> Self {
        Self { inner, timeout }
    }
}

impl<A: poem::listener::Acceptor> poem::listener::Acceptor for HeadTimeoutAcceptor<A>
where
    A::Io: Unpin,
{
    type Io = HeadTimeout<A::Io>;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(
        Self::Io,
        poem::web::LocalAddr,
        poem::web::RemoteAddr,
        poem::http::uri::Scheme,
    )> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((HeadTimeout::new(io, self.timeout), local, remote, scheme))
    }
}

/// Where a connection is in its exchange, as far as the head timer cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between a response and the next request: the idle timeout applies, not this one.
    Waiting,
    /// Receiving a head: the timer runs; the last bytes seen, to find the blank line.
    Head([u8; 3]),
    /// The head is in; the handler runs and answers (a body may be read).
    Request,
    /// HTTP/2 (the client's preface): no HTTP/1 heads to time.
    Off,
}

/// The answer to a head that did not arrive in time.
const TIMED_OUT_ANSWER: &[u8] = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: 75\r\n\r\nTempo esgotado: a requisi\xc3\xa7\xc3\xa3o n\xc3\xa3o chegou inteira a tempo. Tente de novo.\n";

/// One connection under the head timer of [`HeadTimeoutAcceptor`].
pub struct HeadTimeout<T> {
    inner: T,
    timeout: std::time::Duration,
    phase: Phase,
    deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
    expired: bool,
    seen: usize,
}

impl<T> HeadTimeout<T> {
    fn new(inner: T, timeout: std::time::Duration) -> Self {
        // The first head is timed from the connection's start: opening connections and
        // sending nothing holds them no longer than a slow head would.
        Self {
            inner,
            timeout,
            phase: Phase::Head([0; 3]),
            deadline: Some(Box::pin(tokio::time::sleep(timeout))),
            expired: false,
            seen: 0,
        }
    }

    /// Follows the bytes read: a head starts with the first byte after a response and ends
    /// at its blank line (`\r\n\r\n`, or `\n\n`, which parsers accept too).
    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.seen == 0 && bytes.starts_with(b"PRI * HTTP/2.0") {
            self.phase = Phase::Off;
            self.deadline = None;
        }
        self.seen = self.seen.saturating_add(bytes.len());
        if self.phase == Phase::Waiting {
            self.phase = Phase::Head([0; 3]);
            self.deadline = Some(Box::pin(tokio::time::sleep(self.timeout)));
        }
        let Phase::Head(mut last) = self.phase else {
            return;
        };
        for &b in bytes {
            if b == b'\n' && (last[2] == b'\n' || (last[2] == b'\r' && last[1] == b'\n')) {
                self.phase = Phase::Request;
                self.deadline = None;
                return;
            }
            last = [last[1], last[2], b];
        }
        self.phase = Phase::Head(last);
    }

    /// A response is being written: the next bytes read start a new head.
    fn answering(&mut self) {
        if matches!(self.phase, Phase::Request | Phase::Head(_)) {
            self.phase = Phase::Waiting;
            self.deadline = None;
        }
    }
}

fn head_timed_out() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "request head not received within server.header_read_timeout_secs",
    )
}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> tokio::io::AsyncRead
    for HeadTimeout<T>
{
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::future::Future;
        use std::task::Poll;
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(Err(head_timed_out()));
        }
        let before = buf.filled().len();
        match std::pin::Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let filled = buf.filled();
                let new = filled.get(before..).unwrap_or_default();
                this.saw(new);
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let Some(deadline) = this.deadline.as_mut() else {
                    return Poll::Pending;
                };
                if deadline.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.expired = true;
                this.deadline = None;
                tracing::warn!(
                    bytes_received = this.seen,
                    "request head not received in time; connection closed"
                );
                // Best effort: the socket's buffer takes these few bytes at once, or the
                // client is not reading and gets the close alone.
                let _ = std::pin::Pin::new(&mut this.inner).poll_write(cx, TIMED_OUT_ANSWER);
                Poll::Ready(Err(head_timed_out()))
            }
            other => other,
        }
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for HeadTimeout<T> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.answering();
        std::pin::Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.answering();
        std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timed_out_answer_declares_its_length() {
        let text = std::str::from_utf8(TIMED_OUT_ANSWER).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{}",
            body.len()
        );
    }

    #[tokio::test]
    async fn heads_are_followed_across_reads_and_responses() {
        let mut t = HeadTimeout::new(tokio::io::empty(), std::time::Duration::from_secs(5));
        assert_eq!(t.phase, Phase::Head([0; 3]));
        t.saw(b"GET / HTTP/1.1\r\nHost: x\r");
        assert!(matches!(t.phase, Phase::Head(_)));
        t.saw(b"\n\r");
        assert!(matches!(t.phase, Phase::Head(_)));
        t.saw(b"\nbody");
        assert_eq!(t.phase, Phase::Request);
        assert!(t.deadline.is_none());
        t.answering();
        assert_eq!(t.phase, Phase::Waiting);
        t.saw(b"G");
        assert!(matches!(t.phase, Phase::Head(_)));
        assert!(t.deadline.is_some());
        t.saw(b"ET / HTTP/1.1\n\n");
        assert_eq!(t.phase, Phase::Request);
        let mut h2 = HeadTimeout::new(tokio::io::empty(), std::time::Duration::from_secs(5));
        h2.saw(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(h2.phase, Phase::Off);
        assert!(h2.deadline.is_none());
    }
}
