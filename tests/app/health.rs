//! Liveness and readiness.

use crate::helpers::{Start, TestApp, TestDb, backends, body};

#[tokio::test]
async fn health_and_ready() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let resp = app.get("/health").await;
        resp.assert_status_is_ok();
        let resp = app.get("/ready").await;
        resp.assert_status_is_ok();
        let json: serde_json::Value = serde_json::from_str(&body(resp).await).expect("json");
        assert_eq!(json["status"], "ready", "{backend:?}");
        assert_eq!(json["migrations"]["known"], json["migrations"]["applied"]);
    }
}

#[tokio::test]
async fn ready_is_503_when_migrations_are_pending() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let config = sistema_aps::config::Config::with_database_url(&db.url);
        let conn = sistema_aps::db::connect(&config.database)
            .await
            .expect("connect");
        let state = sistema_aps::web::AppState::new(conn, std::sync::Arc::new(config));
        let client = poem::test::TestClient::new(sistema_aps::web::routes(state.clone()));
        let resp = client.get("/ready").send().await;
        resp.assert_status(poem::http::StatusCode::SERVICE_UNAVAILABLE);
        let json: serde_json::Value = serde_json::from_str(&body(resp).await).expect("json");
        assert_eq!(json["reason"], "migrations pending", "{backend:?}");
        // Liveness does not care.
        client.get("/health").send().await.assert_status_is_ok();
    }
}

/// A database that stopped answering (here: the app's pool closed under it) makes the
/// instance not ready, while liveness stays up: the orchestrator stops routing to it instead
/// of restarting it.
#[tokio::test]
async fn ready_is_503_when_the_database_is_closed() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        app.get("/ready").await.assert_status_is_ok();
        // A clone shares the pool: closing it closes the app's connections.
        app.state.db.clone().close().await.expect("close the pool");
        let resp = app.get_anon("/ready").await;
        resp.assert_status(poem::http::StatusCode::SERVICE_UNAVAILABLE);
        let json: serde_json::Value = serde_json::from_str(&body(resp).await).expect("json");
        assert_eq!(json["status"], "unavailable", "{backend:?}");
        assert_eq!(json["reason"], "database unreachable", "{backend:?}");
        app.get_anon("/health").await.assert_status_is_ok();
    }
}
