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
