//! `sistema-aps health --url URL`: a container or a timer with no curl asks the running app
//! whether it is ready. A plain-HTTP GET written by hand (the app listens on loopback behind
//! the proxy; there is no TLS to speak); exit 0 on a 2xx answer, 1 otherwise.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest answer read (the readiness JSON is a few hundred bytes; /metrics a few tens of KiB).
const MAX_RESPONSE: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("invalid URL {0}: only http://HOST:PORT/PATH is supported")]
    Url(String),
    #[error("{url}: {source}")]
    Io { url: String, source: std::io::Error },
    #[error("{0}: no answer within {1:?}")]
    Timeout(String, Duration),
    #[error("{0}: the answer is not HTTP")]
    Malformed(String),
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// GETs `url` (http only) within `timeout`.
pub async fn get(url: &str, timeout: Duration) -> Result<Answer, ProbeError> {
    let parsed = url::Url::parse(url).map_err(|_| ProbeError::Url(url.into()))?;
    if parsed.scheme() != "http" {
        return Err(ProbeError::Url(url.into()));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| ProbeError::Url(url.into()))?
        .to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let mut target = parsed.path().to_string();
    if let Some(q) = parsed.query() {
        target.push('?');
        target.push_str(q);
    }
    let io = |source| ProbeError::Io {
        url: url.to_string(),
        source,
    };
    let exchange = async {
        // `[::1]` comes back from the URL with its brackets; the socket wants it bare.
        let addr_host = host.trim_start_matches('[').trim_end_matches(']');
        let mut stream = TcpStream::connect((addr_host, port)).await.map_err(io)?;
        // HTTP/1.0: the server answers without chunking and closes the connection.
        let request = format!(
            "GET {target} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: sistema-aps-health\r\nAccept: */*\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.map_err(io)?;
        let mut raw = Vec::new();
        stream
            .take(MAX_RESPONSE)
            .read_to_end(&mut raw)
            .await
            .map_err(io)?;
        Ok::<_, ProbeError>(raw)
    };
    let raw = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| ProbeError::Timeout(url.into(), timeout))??;
    parse(&raw).ok_or_else(|| ProbeError::Malformed(url.into()))
}

fn parse(raw: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status_line = head.lines().next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    Some(Answer {
        status,
        body: body.to_string(),
    })
}

/// The command: prints the body, succeeds on 2xx.
pub async fn run(url: &str, timeout: Duration) -> Result<(), ProbeError> {
    let answer = get(url, timeout).await?;
    println!("{}", answer.body.trim_end());
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        Err(ProbeError::Status {
            url: url.into(),
            status: answer.status,
        })
    }
}

/// The readiness URL of a listen address (a wildcard address is probed on loopback).
pub fn ready_url(listen: std::net::SocketAddr) -> String {
    let ip = match listen.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!(
        "http://{}{}",
        std::net::SocketAddr::new(ip, listen.port()),
        crate::web::paths::READY
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_status_line_and_body() {
        let a = parse(b"HTTP/1.0 503 Service Unavailable\r\ncontent-type: application/json\r\n\r\n{\"status\":\"unavailable\"}")
            .expect("parsed");
        assert_eq!(a.status, 503);
        assert_eq!(a.body, "{\"status\":\"unavailable\"}");
        assert!(parse(b"SSH-2.0-OpenSSH\r\n\r\n").is_none());
        assert!(parse(b"").is_none());
    }

    #[test]
    fn ready_url_of_a_wildcard_listen_address_is_loopback() {
        assert_eq!(
            ready_url("0.0.0.0:3030".parse().expect("addr")),
            "http://127.0.0.1:3030/ready"
        );
        assert_eq!(
            ready_url("[::]:3030".parse().expect("addr")),
            "http://[::1]:3030/ready"
        );
        assert_eq!(
            ready_url("127.0.0.1:8080".parse().expect("addr")),
            "http://127.0.0.1:8080/ready"
        );
    }
}
