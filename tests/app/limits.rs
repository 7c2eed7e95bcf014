//! The server cannot be stalled or fed without bound: request bodies are capped in the app
//! (413 before any parsing), and an oversized request head is answered at once.

use std::net::SocketAddr;
use std::time::Duration;

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use sistema_aps::app::{Listeners, serve_on};
use sistema_aps::auth::{Role, tokens};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Start, TestApp, assignment, backends};

#[tokio::test]
async fn bodies_over_the_cap_are_refused_before_parsing() {
    let app = TestApp::start_configured(backends()[0], Start::default(), |c| {
        c.server.max_body_bytes = 64 * 1024;
    })
    .await;
    let id = app
        .create_user(
            "prof.limite",
            vec![assignment(
                Role::Professional,
                None,
                Some("0000000001"),
                None,
            )],
        )
        .await;
    let token = tokens::create(app.conn(), id, "limite", 1, None, chrono::Utc::now())
        .await
        .expect("token")
        .token;
    // A JSON body past the cap: 413, declared or not.
    let big = format!(
        "{{\"tipo\": \"agendar_hiperdia\", \"observacoes\": \"{}\"}}",
        "a".repeat(200_000)
    );
    let resp = app
        .client
        .post("/api/v1/hipertensos/1/acoes")
        .header("Authorization", format!("Bearer {token}"))
        .content_type("application/json")
        .body(big.clone())
        .send()
        .await;
    resp.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let chunks = futures_stream(big.into_bytes());
    let resp = app
        .client
        .post("/api/v1/hipertensos/1/acoes")
        .header("Authorization", format!("Bearer {token}"))
        .content_type("application/json")
        .body(poem::Body::from_async_read(chunks))
        .send()
        .await;
    resp.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    // A form past the cap, too; a normal one still goes through to the handler.
    let resp = app
        .client
        .post("/entrar")
        .content_type("application/x-www-form-urlencoded")
        .body(format!("usuario={}", "a".repeat(100_000)))
        .send()
        .await;
    resp.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let resp = app
        .client
        .post("/entrar")
        .content_type("application/x-www-form-urlencoded")
        .body("usuario=x&senha=y")
        .send()
        .await;
    // The sign-in handler ran (and refused the missing CSRF cookie).
    resp.assert_status(StatusCode::FORBIDDEN);
}

/// A reader with no declared length (a chunked upload).
fn futures_stream(data: Vec<u8>) -> impl tokio::io::AsyncRead + Send + 'static {
    std::io::Cursor::new(data)
}

async fn serve(app: &TestApp) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind");
    let addr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("socket address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve_on(
        Listeners {
            web: acceptor,
            metrics: None,
        },
        app.state.clone(),
        sistema_aps::web::routes(app.state.clone()),
        async {
            let _ = rx.await;
        },
    ));
    (addr, tx)
}

/// Writes a request by hand and reads what comes back within `wait`.
async fn raw(addr: SocketAddr, request: &str, wait: Duration) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut out = vec![0u8; 4096];
    let n = tokio::time::timeout(wait, stream.read(&mut out))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&out[..n]).into_owned())
}

/// With a session cookie, a search of 10,000 characters made the server answer nothing and
/// hold the connection open forever. Every oversized head gets 414 or 431 at once, before
/// any session lookup or query.
#[tokio::test]
async fn an_oversized_request_head_is_answered_at_once() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    let (addr, _stop) = serve(&app).await;
    let cookie = format!("aps_sessao={}", app.session.cookie);
    for len in [10_000usize, 20_000, 100_000] {
        let req = format!(
            "GET /hipertensos?busca={} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n",
            "a".repeat(len)
        );
        let answer = raw(addr, &req, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no answer within 5 s to a {len}-character search"));
        let status = answer.lines().next().unwrap_or_default().to_string();
        assert_eq!(status, "HTTP/1.1 414 URI Too Long", "{len}");
    }
    // One huge header line as well.
    let req = format!(
        "GET /hipertensos HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-Filler: {}\r\n\r\n",
        "b".repeat(20_000)
    );
    let answer = raw(addr, &req, Duration::from_secs(5))
        .await
        .expect("no answer to a 20 kB header");
    let status = answer.lines().next().unwrap_or_default().to_string();
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
    // A normal request on the same server still gets its page.
    let req = format!("GET /hipertensos HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    let answer = raw(addr, &req, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The address the audit trail recorded for the latest page view.
async fn last_audited_addr(app: &TestApp) -> Option<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    use sistema_aps::store::audit_log;
    audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .one(app.conn())
        .await
        .expect("audit row")
        .and_then(|r| r.client_addr)
}

/// `server.trusted_proxies` takes CIDR ranges (an ingress pod changes address): a request
/// from an address inside a range has its `X-Forwarded-For` believed (the right-most hop
/// that is not a proxy; what the client itself wrote stays unbelieved), one outside every
/// range has it ignored.
#[tokio::test]
async fn forwarded_for_is_believed_from_a_trusted_range_only() {
    let range = |s: &str| s.parse::<sistema_aps::config::IpRange>().expect("range");
    let request = |addr: SocketAddr, cookie: &str| {
        format!(
            "GET /hipertensos HTTP/1.1\r\nHost: {addr}\r\nCookie: aps_sessao={cookie}\r\n\
             X-Forwarded-For: 198.51.100.66, 203.0.113.7, 127.0.0.9\r\nConnection: close\r\n\r\n"
        )
    };
    // The test connects from 127.0.0.1, inside 127.0.0.0/8.
    let app = TestApp::start_configured(backends()[0], Start::default(), |c| {
        c.server.trusted_proxies = vec![range("127.0.0.0/8"), range("fd00::/8")];
    })
    .await;
    let (addr, _stop) = serve(&app).await;
    let answer = raw(
        addr,
        &request(addr, &app.session.cookie),
        Duration::from_secs(10),
    )
    .await
    .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        last_audited_addr(&app).await.as_deref(),
        Some("203.0.113.7")
    );

    // Only ranges the peer is outside of: the header is ignored, the peer is the client.
    let app = TestApp::start_configured(backends()[0], Start::default(), |c| {
        c.server.trusted_proxies = vec![range("10.0.0.0/8"), range("fd00::/8")];
    })
    .await;
    let (addr, _stop) = serve(&app).await;
    let answer = raw(
        addr,
        &request(addr, &app.session.cookie),
        Duration::from_secs(10),
    )
    .await
    .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(last_audited_addr(&app).await.as_deref(), Some("127.0.0.1"));
}

/// Reads until the peer closes the connection or `wait` passes; `None` on the timeout.
async fn read_to_close(stream: &mut tokio::net::TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    let end = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(end, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(all),
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// A client sending its head a byte at a time kept its connection forever (every byte reset
/// the idle timeout, and poem gives hyper no header-read timer). Now the head must arrive
/// within `server.header_read_timeout_secs`: the trickler gets 408 and the close; a
/// connection that sends nothing is closed as well; an idle keep-alive connection is closed
/// after `server.idle_timeout_secs`.
#[tokio::test]
async fn slow_heads_and_idle_connections_are_cut() {
    let app = TestApp::start_configured(backends()[0], Start::default(), |c| {
        c.server.header_read_timeout_secs = 1;
        c.server.idle_timeout_secs = 2;
    })
    .await;
    let (addr, _stop) = serve(&app).await;

    // Byte by byte, one every 100 ms, for up to 8 s: cut after about 1 s.
    let started = std::time::Instant::now();
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        let head = format!(
            "GET /health HTTP/1.1\r\nHost: {addr}\r\nX-Slow: {}",
            "a".repeat(80)
        );
        for b in head.bytes() {
            if writer.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the trickling client still held its connection after 6 s"
    );
    let answer = String::from_utf8_lossy(&answer).into_owned();
    eprintln!("slow head: {:?} after {elapsed:?}", answer.lines().next());
    assert_eq!(
        answer.lines().next(),
        Some("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(answer.contains("Tempo esgotado"), "{answer}");
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

    // A connection that sends nothing at all.
    let started = std::time::Instant::now();
    let mut silent = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let got = read_to_close(&mut silent, Duration::from_secs(6)).await;
    assert!(got.is_some(), "a silent connection stayed open 6 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A complete request is answered, then the idle keep-alive connection is closed after
    // the idle timeout (2 s), not held.
    let mut kept = tokio::net::TcpStream::connect(addr).await.expect("connect");
    kept.write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let got = read_to_close(&mut kept, Duration::from_secs(8))
        .await
        .expect("the idle connection was closed within 8 s");
    let idle_closed = started.elapsed();
    let got = String::from_utf8_lossy(&got).into_owned();
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        idle_closed >= Duration::from_millis(1500),
        "{idle_closed:?}"
    );
    assert!(idle_closed < Duration::from_secs(5), "{idle_closed:?}");
}
