//! Writes that must not slip: a NUL character in any text is refused before anything is saved
//! (422 naming the field, on the API and the pages), identical writes sent in parallel create
//! one row and answer 409 to the others (enforced by the database), and a 405 says which
//! methods the address takes (`Allow`). Every test runs on SQLite and PostgreSQL.

use std::sync::Arc;

use chrono::Duration;
use poem::http::StatusCode;
use poem::test::TestResponse;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json as j};
use sistema_aps::auth::Role;
use sistema_aps::db::sql::statement;
use sistema_aps::programs::hypertension::actions::{ActionError, DUPLICATE_WRITE};
use sistema_aps::store::{care_action as hypertension_action, hypertension_mrpa};

use crate::api::{json, problem, user_with_token};
use crate::fixture::{Fixture, Person, TEAM_A};
use crate::helpers::{Start, TestApp, assignment, backends, body, html, select, text_of};

/// ANA (team A, micro-area 01, an uncontrolled office reading 20 days ago).
async fn world(app: &TestApp) {
    let mut f = Fixture::new(app).await;
    f.person(&Person::new(1, "ANA ACOMPANHADA", TEAM_A, "01"))
        .await;
    let today = app.state.today();
    f.bp(1, today - Duration::days(20), "150/95").await;
    app.refresh().await;
}

async fn token(app: &TestApp) -> String {
    user_with_token(
        app,
        "integrador.escritas",
        assignment(Role::Professional, None, Some(TEAM_A), None),
    )
    .await
}

async fn send(app: &TestApp, method: &str, token: &str, uri: &str, body: Value) -> TestResponse {
    let req = match method {
        "POST" => app.client.post(uri),
        "GET" => app.client.get(uri),
        other => panic!("method {other}"),
    };
    req.header("Authorization", format!("Bearer {token}"))
        .body_json(&body)
        .send()
        .await
}

/// Five days of home readings, all `sys/dia`.
fn leituras(sys: i32, dia: i32) -> Vec<Value> {
    let mut out = Vec::new();
    for d in 1..=5 {
        for periodo in ["manha", "noite"] {
            for ordem in 1..=3 {
                out.push(j!({"dia": d, "periodo": periodo, "ordem": ordem,
                             "sistolica": sys, "diastolica": dia}));
            }
        }
    }
    out
}

async fn actions_of(app: &TestApp, person: i64) -> Vec<hypertension_action::Model> {
    hypertension_action::Entity::find()
        .filter(hypertension_action::Column::CoCidadao.eq(person))
        .all(app.conn())
        .await
        .expect("actions")
}

/// What the follow-up tables hold for person 1: (actions, MRPAs), to compare before/after.
async fn footprint(app: &TestApp) -> (Vec<(String, String, Option<String>)>, u64) {
    let mut actions: Vec<(String, String, Option<String>)> = actions_of(app, 1)
        .await
        .into_iter()
        .map(|a| (a.action_type, a.status, a.notes))
        .collect();
    actions.sort();
    let mrpas = hypertension_mrpa::Entity::find()
        .filter(hypertension_mrpa::Column::CoCidadao.eq(1))
        .count(app.conn())
        .await
        .expect("mrpa count");
    (actions, mrpas)
}

/// Fires `n` copies of one POST at once; returns each status with its body.
async fn parallel_posts(
    app: &Arc<TestApp>,
    token: &str,
    uri: &str,
    body: Value,
    n: usize,
) -> Vec<(StatusCode, String, Value)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (app, token, uri, body) = (
            app.clone(),
            token.to_string(),
            uri.to_string(),
            body.clone(),
        );
        set.spawn(async move {
            let resp = send(&app, "POST", &token, &uri, body).await;
            let status = resp.0.status();
            let ct = resp
                .0
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = crate::helpers::body(resp).await;
            (
                status,
                ct,
                serde_json::from_str(&text).unwrap_or(Value::Null),
            )
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.expect("request task"));
    }
    out
}

/// Exactly one success with `ok`, every other answer a 409 problem document.
fn one_wins(answers: &[(StatusCode, String, Value)], ok: StatusCode, what: &str) -> Value {
    let statuses: Vec<u16> = answers.iter().map(|(s, _, _)| s.as_u16()).collect();
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _, _)| *s == ok)
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{what}: one success, got {statuses:?}");
    let conflicts: Vec<&(StatusCode, String, Value)> = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::CONFLICT)
        .collect();
    assert_eq!(
        conflicts.len(),
        answers.len() - 1,
        "{what}: all others 409, got {statuses:?}"
    );
    for (_, ct, p) in conflicts {
        assert_eq!(ct, "application/problem+json", "{what}");
        assert_eq!(p["status"], 409, "{what}: {p}");
        assert_eq!(
            p["type"], "urn:sistema-aps:problema:conflito",
            "{what}: {p}"
        );
    }
    winners[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_identical_schedules_create_one_action_and_409_the_rest() {
    const N: usize = 8;
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let token = token(&app).await;
        let today = app.state.today().to_string();
        let app = Arc::new(app);
        let answers = parallel_posts(
            &app,
            &token,
            "/api/v1/hipertensos/1/acoes",
            j!({"tipo": "agendar_hiperdia", "prazo": today}),
            N,
        )
        .await;
        let created = one_wins(&answers, StatusCode::CREATED, &format!("{backend:?}"));
        let pending: Vec<i64> = actions_of(&app, 1)
            .await
            .into_iter()
            .filter(|a| a.action_type == "agendar_hiperdia" && a.status == "pending")
            .map(|a| a.id)
            .collect();
        assert_eq!(
            pending,
            vec![created["acao"].as_i64().expect("acao")],
            "{backend:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_identical_mrpa_submissions_create_one_mrpa_and_one_set_of_follow_ups() {
    const N: usize = 6;
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let token = token(&app).await;
        let first = (app.state.today() - Duration::days(5)).to_string();
        let app = Arc::new(app);
        let answers = parallel_posts(
            &app,
            &token,
            "/api/v1/hipertensos/1/mrpa",
            j!({"primeiro_dia": first, "leituras": leituras(150, 95)}),
            N,
        )
        .await;
        let result = one_wins(&answers, StatusCode::OK, &format!("{backend:?}"));
        let (_, mrpas) = footprint(&app).await;
        assert_eq!(mrpas, 1, "{backend:?}: one MRPA");
        let actions = actions_of(&app, 1).await;
        let done: Vec<i64> = actions
            .iter()
            .filter(|a| a.action_type == "avaliar_mrpa" && a.status == "done")
            .map(|a| a.id)
            .collect();
        assert_eq!(
            done,
            vec![result["acao"].as_i64().expect("acao")],
            "{backend:?}"
        );
        // The follow-ups the winner reported, each pending exactly once, and nothing else.
        let mut reported: Vec<String> = result["agendadas"]
            .as_array()
            .expect("agendadas")
            .iter()
            .map(|a| a["tipo"].as_str().unwrap_or_default().to_string())
            .collect();
        reported.sort();
        assert!(
            !reported.is_empty(),
            "{backend:?}: uncontrolled MRPA schedules a follow-up"
        );
        let mut pending: Vec<String> = actions
            .iter()
            .filter(|a| a.status == "pending")
            .map(|a| a.action_type.clone())
            .collect();
        pending.sort();
        assert_eq!(pending, reported, "{backend:?}");
        assert_eq!(actions.len(), 1 + reported.len(), "{backend:?}");
    }
}

/// The database itself refuses a second pending action of a kind and a second MRPA
/// evaluation of a day (whatever wrote them), and the app reads that refusal as a conflict.
#[tokio::test]
async fn the_database_refuses_duplicates_and_the_app_calls_it_a_conflict() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let today = app.state.today();
        let now = chrono::Utc::now();
        let insert = |t: &str, status: &str, done: bool| {
            statement(
                app.conn().get_database_backend(),
                &format!(
                    "INSERT INTO care_action (program, co_cidadao, action_type, status, due_date, \
                     done_date, created_by, created_at, updated_at) \
                     VALUES ('hypertension', 1, '{t}', '{status}', ?, ?, (SELECT MIN(id) FROM app_user), ?, ?)"
                ),
                vec![
                    today.into(),
                    done.then_some(today).into(),
                    now.into(),
                    now.into(),
                ],
            )
        };
        app.conn()
            .execute_raw(insert("agendar_hiperdia", "pending", false))
            .await
            .expect("first pending");
        let second = app
            .conn()
            .execute_raw(insert("agendar_hiperdia", "pending", false))
            .await
            .expect_err("a second pending action of the kind is refused by the database");
        match ActionError::from(second) {
            ActionError::Conflict(m) => assert_eq!(m, DUPLICATE_WRITE, "{backend:?}"),
            other => panic!("{backend:?}: {other:?}"),
        }
        // Done actions of the kind are not limited; pending ones of another kind neither.
        app.conn()
            .execute_raw(insert("agendar_hiperdia", "done", true))
            .await
            .expect("done of the same kind");
        app.conn()
            .execute_raw(insert("iniciar_mrpa", "pending", false))
            .await
            .expect("pending of another kind");
        app.conn()
            .execute_raw(insert("avaliar_mrpa", "done", true))
            .await
            .expect("first MRPA evaluation of the day");
        let again = app
            .conn()
            .execute_raw(insert("avaliar_mrpa", "done", true))
            .await
            .expect_err("a second MRPA evaluation of the day is refused by the database");
        assert!(
            matches!(ActionError::from(again), ActionError::Conflict(_)),
            "{backend:?}"
        );
    }
}

/// The five write endpoints, each with a NUL in one free-text field: 422 naming it, and
/// nothing written.
#[tokio::test]
async fn a_nul_in_any_api_text_field_is_a_422_naming_it_and_nothing_is_written() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let token = token(&app).await;
        let today = app.state.today().to_string();
        let resp = send(
            &app,
            "POST",
            &token,
            "/api/v1/hipertensos/1/acoes",
            j!({"tipo": "encaminhar_cardiologia", "prazo": today}),
        )
        .await;
        resp.assert_status(StatusCode::CREATED);
        let pending = json(resp).await["acao"].as_i64().expect("acao");
        let before = footprint(&app).await;
        let first = (app.state.today() - Duration::days(5)).to_string();
        let cases = [
            (
                "/api/v1/hipertensos/1/acoes".to_string(),
                j!({"tipo": "agendar_hiperdia", "prazo": today, "observacoes": "antes\u{0}depois"}),
                "observacoes",
            ),
            (
                format!("/api/v1/hipertensos/1/acoes/{pending}/concluir"),
                j!({"data": today, "registro": {"tipo": "cardiologia", "consulta": "x\u{0}"}}),
                "registro.consulta",
            ),
            (
                "/api/v1/hipertensos/1/acoes/registrar".to_string(),
                j!({"tipo": "agendar_hiperdia", "data": today, "observacoes": "\u{0}"}),
                "observacoes",
            ),
            (
                format!("/api/v1/hipertensos/1/acoes/{pending}/cancelar"),
                j!({"motivo": "engano\u{0}"}),
                "motivo",
            ),
            (
                "/api/v1/hipertensos/1/mrpa".to_string(),
                j!({"primeiro_dia": first, "leituras": leituras(150, 95), "analise": "a\u{0}b"}),
                "analise",
            ),
        ];
        for (uri, body, field) in cases {
            let p = problem(
                send(&app, "POST", &token, &uri, body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(p["errors"][0]["field"], field, "{backend:?} {uri}: {p}");
            assert_eq!(p["errors"].as_array().map(Vec::len), Some(1), "{p}");
            assert!(
                p["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("caractere nulo")),
                "{p}"
            );
        }
        assert_eq!(
            footprint(&app).await,
            before,
            "{backend:?}: nothing written"
        );
        // A query parameter: 400 naming it.
        let resp = app
            .client
            .get("/api/v1/hipertensos?busca=ana%00")
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await;
        let p = problem(resp, StatusCode::BAD_REQUEST).await;
        assert_eq!(p["errors"][0]["field"], "busca", "{backend:?}: {p}");
    }
}

#[tokio::test]
async fn a_nul_in_a_page_form_is_refused_in_portuguese_and_nothing_is_written() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let today = app.state.today().to_string();
        let before = footprint(&app).await;
        let resp = app
            .post_as(
                &app.session,
                "/pacientes/1/acoes",
                &[
                    ("tipo", "agendar_hiperdia"),
                    ("data", &today),
                    ("observacoes", "ligar\u{0}antes"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let page = body(resp).await;
        let doc = html(&page);
        let main: Vec<String> = select(&doc, "main p").iter().map(text_of).collect();
        assert!(
            main.iter().any(|p| p
                == "O campo \"observacoes\" contém um caractere nulo (código 0), que não é aceito. Apague-o e envie de novo; nada foi salvo."),
            "{backend:?}: {main:?}"
        );
        assert_eq!(
            footprint(&app).await,
            before,
            "{backend:?}: nothing written"
        );
        // The sign-in form too (a user name is a text like any other): not a 500.
        let resp = app.try_login("coordenacao.teste\u{0}", "x").await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        // The same form without the NUL is saved.
        let resp = app
            .post_as(
                &app.session,
                "/pacientes/1/acoes",
                &[
                    ("tipo", "agendar_hiperdia"),
                    ("data", &today),
                    ("observacoes", "ligar antes"),
                ],
                true,
            )
            .await;
        assert!(
            resp.0.status().is_redirection(),
            "{backend:?}: {}",
            resp.0.status()
        );
        let (actions, _) = footprint(&app).await;
        assert_eq!(
            actions,
            vec![(
                "agendar_hiperdia".to_string(),
                "pending".to_string(),
                Some("ligar antes".to_string())
            )],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_405_names_the_allowed_methods_on_pages_and_api() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        world(&app).await;
        let token = token(&app).await;
        for (method, uri, allow) in [
            ("POST", "/hipertensos", "GET, HEAD"),
            ("GET", "/pacientes/1/acoes", "POST"),
            ("PUT", "/pacientes/1/acoes/registrar", "GET, HEAD, POST"),
            ("DELETE", "/entrar", "GET, HEAD, POST"),
        ] {
            let resp = app
                .client
                .request(method.parse().expect("method"), uri)
                .header("Cookie", format!("aps_sessao={}", app.session.cookie))
                .send()
                .await;
            resp.assert_status(StatusCode::METHOD_NOT_ALLOWED);
            resp.assert_header("allow", allow);
            let page = body(resp).await;
            assert!(page.contains("Método não permitido"), "{backend:?} {uri}");
        }
        for (method, uri, allow) in [
            ("GET", "/api/v1/hipertensos/1/acoes", "POST"),
            ("DELETE", "/api/v1/hipertensos", "GET, HEAD"),
            ("PUT", "/api/v1/hipertensos/1/acoes/7/concluir", "POST"),
            ("POST", "/api/v1/openapi.json", "GET, HEAD"),
        ] {
            let resp = app
                .client
                .request(method.parse().expect("method"), uri)
                .header("Authorization", format!("Bearer {token}"))
                .send()
                .await;
            assert_eq!(
                resp.0.headers().get("allow").and_then(|v| v.to_str().ok()),
                Some(allow),
                "{backend:?} {method} {uri}: {} {:?}",
                resp.0.status(),
                resp.0.headers()
            );
            let p = problem(resp, StatusCode::METHOD_NOT_ALLOWED).await;
            assert_eq!(
                p["type"], "urn:sistema-aps:problema:metodo-nao-permitido",
                "{p}"
            );
        }
    }
}
