//! Request plumbing the web pages and the API share: who the client is (believing proxy
//! headers only from the configured proxies) and the cookies. Outside `web`, so that `api` need
//! not import the web interface.

use std::net::IpAddr;

use poem::http::{HeaderValue, header};
use poem::{FromRequest, Request, RequestBody};

use crate::audit::Origin;
use crate::state::AppState;

/// The session cookie (pages; the API accepts it for reads).
pub const SESSION_COOKIE: &str = "aps_sessao";

/// The client as the app may believe it.
#[derive(Debug, Clone)]
pub struct Client {
    /// The peer address, or the first `X-Forwarded-For` hop when the peer is a trusted proxy.
    pub addr: String,
    /// The request reached the proxy over TLS (`X-Forwarded-Proto: https` from a trusted proxy).
    pub tls: bool,
    /// The request id: the one of the request span (`X-Request-Id` from a trusted proxy, or
    /// generated), returned to the client and written in the logs.
    pub request_id: Option<String>,
}

impl Client {
    pub fn origin(&self) -> Origin {
        Origin {
            client_addr: Some(self.addr.clone()),
            request_id: self.request_id.clone(),
            token_id: None,
        }
    }
}

pub fn client(req: &Request) -> Client {
    let peer: Option<IpAddr> = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let proxies = req
        .data::<AppState>()
        .map(|st| st.config.server.trusted_proxies.as_slice())
        .unwrap_or_default();
    let trusted = peer.is_some_and(|ip| crate::config::proxy::is_trusted(proxies, &ip));
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    // The right-most address that is not a trusted proxy (an ingress appends to what the
    // client sent; the client's own entries are never believed).
    let forwarded = trusted
        .then(|| header("x-forwarded-for"))
        .flatten()
        .and_then(|v| crate::config::proxy::client_from_forwarded(proxies, v));
    let addr = forwarded
        .or(peer)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "desconhecido".into());
    let tls =
        trusted && header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    // The id the request span logs and the response returns (telemetry::request: the trusted
    // proxy's `X-Request-Id`, else generated); the header itself only outside that middleware.
    let request_id = req
        .data::<crate::telemetry::RequestId>()
        .map(|id| id.to_string())
        .or_else(|| {
            trusted
                .then(|| header("x-request-id"))
                .flatten()
                .filter(|v| {
                    !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_graphic())
                })
                .map(String::from)
        });
    Client {
        addr,
        tls,
        request_id,
    }
}

impl<'a> FromRequest<'a> for Client {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(client(req))
    }
}

/// A cookie's value from the request.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, `Secure` over TLS.
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
    tls: bool,
) -> HeaderValue {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if tls {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}
