//! The page shell: assets, security headers, errors.

use crate::helpers::{Start, TestApp, backends, body, html, select};

#[tokio::test]
async fn pages_carry_a_strict_csp_and_fingerprinted_assets() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let resp = app.get("/hipertensos").await;
        resp.assert_status_is_ok();
        let csp = resp
            .0
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let page = body(resp).await;
        let doc = html(&page);
        assert!(
            select(&doc, "script:not([src])").is_empty(),
            "no inline scripts"
        );
        assert!(
            select(&doc, "style").is_empty() && select(&doc, "[style]").is_empty(),
            "no inline styles"
        );
        let mut urls: Vec<String> = select(&doc, "link[rel=stylesheet]")
            .iter()
            .filter_map(|e| e.value().attr("href"))
            .map(String::from)
            .collect();
        urls.extend(
            select(&doc, "script[src]")
                .iter()
                .filter_map(|e| e.value().attr("src"))
                .map(String::from),
        );
        assert_eq!(urls.len(), 2, "{urls:?}");
        app.get("/favicon.ico")
            .await
            .assert_status(poem::http::StatusCode::PERMANENT_REDIRECT);
        for url in urls {
            let resp = app.get(&url).await;
            resp.assert_status_is_ok();
            resp.assert_header("cache-control", "public, max-age=31536000, immutable");
            assert!(!body(resp).await.is_empty());
        }
        app.get("/assets/app.css")
            .await
            .assert_status(poem::http::StatusCode::NOT_FOUND);
        app.get("/assets/app.0000000000.css")
            .await
            .assert_status(poem::http::StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn unknown_pages_answer_404_in_portuguese() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let resp = app.get("/nao-existe").await;
        resp.assert_status(poem::http::StatusCode::NOT_FOUND);
        let page = body(resp).await;
        assert!(page.contains("Página não encontrada"));
        let resp = app.client.post("/hipertensos").send().await;
        resp.assert_status(poem::http::StatusCode::METHOD_NOT_ALLOWED);
        resp.assert_header("allow", "GET, HEAD");
        // The root sends people to the worklist.
        let resp = app.get("/").await;
        resp.assert_status(poem::http::StatusCode::SEE_OTHER);
    }
}
