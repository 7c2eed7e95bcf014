//! One span per request and the HTTP server metrics.
//!
//! The span `request` carries `request.id`, `http.request.method`, `http.route` (the route
//! *template* poem matched, e.g. `/hipertensos` or `/assets/*path` — never the raw path or
//! the query string, which may hold a patient's name or CNS), `http.response.status_code`
//! and `user.id`. When the request ends one event is written inside it with the status and
//! `latency_ms`, and `http_server_request_duration_seconds` records the duration.
//!
//! **Request id.** `X-Request-Id` is believed only when the TCP peer is one of
//! `server.trusted_proxies` (Nginx sets it); otherwise, or when it is malformed, a new id is
//! generated. Every response carries it back in `X-Request-Id`, and handlers reach it through
//! `Data<&RequestId>` or [`current_request_id`] (for the audit log and error pages).
//!
//! **User id.** Authentication is not known here: the auth layer, running inside this
//! middleware, calls [`record_user_id`] once it knows who is asking, and every later event of
//! the request (including the closing one) carries `user.id`.

use crate::config::IpRange;
use std::sync::Arc;
use std::time::Instant;

use poem::PathPattern;
use poem::http::{HeaderValue, Method};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;

use super::metrics::{HTTP_ACTIVE_REQUESTS, HTTP_REQUEST_DURATION};

/// The header that carries the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The `http_route` label of requests that matched no route (404): a fixed value, so that
/// scanners probing random paths cannot create series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Longest request id accepted from a proxy.
const MAX_REQUEST_ID_LEN: usize = 128;

/// The id of the current request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    /// A fresh id: 32 lowercase hex digits, the shape of Nginx's `$request_id`.
    pub fn generate() -> RequestId {
        RequestId(uuid::Uuid::new_v4().simple().to_string().into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id taken from a header: 1–128 visible characters from a conservative set.
    fn parse(value: &HeaderValue) -> Option<RequestId> {
        let s = value.to_str().ok()?;
        let ok = !s.is_empty()
            && s.len() <= MAX_REQUEST_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:+=/@".contains(&b));
        ok.then(|| RequestId(s.into()))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone)]
struct Current {
    id: RequestId,
    span: tracing::Span,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// The id of the request being served by this task, if any.
pub fn current_request_id() -> Option<RequestId> {
    CURRENT.try_with(|c| c.id.clone()).ok()
}

/// Records who is asking on the request span (`user.id`): call it from the auth layer once
/// the session is known. Outside a request it records on the current span, if it declares
/// the field.
pub fn record_user_id(id: impl std::fmt::Display) {
    let id = id.to_string();
    let span = CURRENT
        .try_with(|c| c.span.clone())
        .unwrap_or_else(|_| tracing::Span::current());
    span.record("user.id", id.as_str());
}

/// The middleware: `routes(state).with(RequestTelemetry::new(&config.server.trusted_proxies))`.
/// Put it outermost so it times everything and stamps every response.
#[derive(Clone)]
pub struct RequestTelemetry {
    trusted_proxies: Arc<[IpRange]>,
}

impl RequestTelemetry {
    pub fn new(trusted_proxies: &[IpRange]) -> Self {
        Self {
            trusted_proxies: trusted_proxies.into(),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RequestTelemetry {
    type Output = RequestTelemetryEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestTelemetryEndpoint {
            inner,
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

pub struct RequestTelemetryEndpoint<E> {
    inner: E,
    trusted_proxies: Arc<[IpRange]>,
}

impl<E> RequestTelemetryEndpoint<E> {
    fn request_id(&self, req: &Request) -> RequestId {
        let from_proxy = req
            .remote_addr()
            .as_socket_addr()
            .is_some_and(|a| crate::config::proxy::is_trusted(&self.trusted_proxies, &a.ip()));
        from_proxy
            .then(|| req.headers().get(REQUEST_ID_HEADER))
            .flatten()
            .and_then(RequestId::parse)
            .unwrap_or_else(RequestId::generate)
    }
}

impl<E: Endpoint> Endpoint for RequestTelemetryEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let started = Instant::now();
        let id = self.request_id(&req);
        let method = method_label(req.method());
        let span = tracing::info_span!(
            "request",
            request.id = %id,
            http.request.method = method,
            http.route = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            user.id = tracing::field::Empty,
        );
        req.set_data(id.clone());
        let current = Current {
            id: id.clone(),
            span: span.clone(),
        };
        let _active = ActiveRequest::start(method);

        let result = CURRENT
            .scope(
                current.clone(),
                self.inner.call(req).instrument(span.clone()),
            )
            .await;
        // Turn errors into responses inside the span, so whatever they log carries the id.
        let (mut resp, route) = CURRENT.sync_scope(current, || {
            span.in_scope(|| match result {
                Ok(r) => {
                    let r = r.into_response();
                    let route = r.data::<PathPattern>().map(|p| p.0.clone());
                    (r, route)
                }
                Err(e) => {
                    let route = e.data::<PathPattern>().map(|p| p.0.clone());
                    (e.into_response(), route)
                }
            })
        });

        let elapsed = started.elapsed();
        let status = resp.status().as_u16();
        let route = route.as_deref().unwrap_or(UNMATCHED_ROUTE);
        span.record("http.route", route);
        span.record("http.response.status_code", status);
        metrics::histogram!(
            HTTP_REQUEST_DURATION,
            "http_route" => route.to_string(),
            "http_request_method" => method,
            "http_response_status_code" => status.to_string(),
        )
        .record(elapsed.as_secs_f64());

        let latency_ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
        span.in_scope(|| {
            if status >= 500 {
                tracing::warn!(status, latency_ms, "request failed");
            } else if is_quiet(route) {
                tracing::debug!(status, latency_ms, "request");
            } else {
                tracing::info!(status, latency_ms, "request");
            }
        });
        if let Ok(v) = HeaderValue::from_str(id.as_str()) {
            resp.headers_mut().insert(REQUEST_ID_HEADER, v);
        }
        Ok(resp)
    }
}

/// Probes and static files are logged at debug: they would drown the rest at info.
fn is_quiet(route: &str) -> bool {
    use crate::web::paths;
    route == paths::HEALTH
        || route == paths::READY
        || route.starts_with("/assets/")
        || route == "/favicon.ico"
}

/// The OpenTelemetry method value: the nine standard methods, anything else `_OTHER`.
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// `http_server_active_requests`, decremented even when the client goes away mid-request
/// (the future is dropped).
struct ActiveRequest(&'static str);

impl ActiveRequest {
    fn start(method: &'static str) -> Self {
        metrics::gauge!(HTTP_ACTIVE_REQUESTS, "http_request_method" => method).increment(1.0);
        ActiveRequest(method)
    }
}

impl Drop for ActiveRequest {
    fn drop(&mut self) {
        metrics::gauge!(HTTP_ACTIVE_REQUESTS, "http_request_method" => self.0).decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_headers_are_checked() {
        let ok = |s: &str| RequestId::parse(&HeaderValue::from_str(s).expect("header"));
        assert_eq!(
            ok("7f9c2ba4e88f827d616045507605853e").map(|r| r.to_string()),
            Some("7f9c2ba4e88f827d616045507605853e".into())
        );
        assert!(ok("nginx-1:abc_def.9").is_some());
        assert!(ok("").is_none());
        assert!(ok("with space").is_none());
        assert!(ok("quote\"").is_none());
        assert!(ok(&"a".repeat(129)).is_none());
        assert!(ok(&"a".repeat(128)).is_some());
    }

    #[test]
    fn generated_ids_are_32_hex_digits() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn methods_outside_the_standard_nine_are_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        let propfind = Method::from_bytes(b"PROPFIND").expect("method");
        assert_eq!(method_label(&propfind), "_OTHER");
    }
}
