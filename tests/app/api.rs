//! The JSON API (`/api/v1`): tokens, scope, pagination, problem errors, audit, the committed
//! OpenAPI document and its documentation page.

use chrono::{Duration, Utc};
use poem::http::StatusCode;
use poem::test::TestResponse;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use sistema_aps::auth::{Role, sha256_hex, tokens, users};
use sistema_aps::store::{api_token, audit_log};

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of};

/// Two teams; team A has micro-areas 01 and 02.
async fn territory(app: &TestApp) {
    let mut f = Fixture::new(app).await;
    f.person(&Person::new(1, "ANA MICROAREA 01", TEAM_A, "01"))
        .await;
    f.person(&Person::new(2, "BIA MICROAREA 02", TEAM_A, "02"))
        .await;
    f.person(&Person::new(3, "CAIO OUTRA EQUIPE", TEAM_B, "01"))
        .await;
    app.refresh().await;
}

/// A user with one assignment and a token for them.
pub(crate) async fn user_with_token(
    app: &TestApp,
    username: &str,
    a: sistema_aps::auth::Assignment,
) -> String {
    let id = app.create_user(username, vec![a]).await;
    tokens::create(app.conn(), id, "Integração de teste", 30, None, Utc::now())
        .await
        .expect("token")
        .token
}

pub(crate) async fn api(app: &TestApp, token: &str, uri: &str) -> TestResponse {
    app.client
        .get(uri)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
}

pub(crate) async fn json(resp: TestResponse) -> Value {
    serde_json::from_str(&body(resp).await).expect("json body")
}

/// Asserts a problem document with this status; returns it.
pub(crate) async fn problem(resp: TestResponse, status: StatusCode) -> Value {
    resp.assert_status(status);
    resp.assert_content_type("application/problem+json");
    let p = json(resp).await;
    assert_eq!(p["status"], status.as_u16(), "{p}");
    assert!(
        p["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:sistema-aps:problema:")),
        "{p}"
    );
    assert!(p["title"].is_string() && p["detail"].is_string(), "{p}");
    p
}

fn names(page: &Value) -> Vec<String> {
    page["itens"]
        .as_array()
        .expect("itens")
        .iter()
        .map(|i| i["nome"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn users_create_their_own_tokens_shown_once_stored_hashed_listed_and_revoked() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.create_user("admin.api", vec![assignment(Role::Admin, None, None, None)])
            .await;
        let prof = app
            .create_user(
                "prof.api",
                vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
            )
            .await;
        let admin = app.login("admin.api", PASSWORD).await;
        let me = app.login("prof.api", PASSWORD).await;

        // No impersonation: the admin cannot create a token that acts as another user —
        // refused (403), nothing created, the attempt in the trail.
        let resp = app
            .post_as(
                &admin,
                "/admin/tokens",
                &[
                    ("nome", "Integração BI"),
                    ("usuario", &prof.to_string()),
                    ("dias", "30"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert!(
            body(resp)
                .await
                .contains("Cada usuário cria os próprios tokens")
        );
        assert!(tokens::list(app.conn()).await.expect("list").is_empty());
        assert!(
            audit_log::Entity::find()
                .filter(audit_log::Column::Username.eq("admin.api"))
                .all(app.conn())
                .await
                .expect("rows")
                .iter()
                .any(|r| r.resource == format!("api_token:refused:for_user:{prof}")),
            "{backend:?}"
        );
        // Nor can the domain function be asked to.
        let err = tokens::create(app.conn(), prof, "x-y-z", 1, Some(prof + 1000), Utc::now())
            .await
            .expect_err("token for someone else");
        assert!(matches!(err, tokens::TokenError::Invalid(_)), "{err:?}");

        // Bad input re-renders the form with the message, keeping what was typed.
        let resp = app
            .post_as(
                &me,
                "/tokens",
                &[("nome", "Integração BI"), ("dias", "400")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let page = body(resp).await;
        assert!(page.contains("Validade: de 1 a 365 dias."), "{backend:?}");
        assert!(page.contains("Integração BI"));
        // Without the CSRF token nothing is created.
        app.post_as(
            &me,
            "/tokens",
            &[("nome", "Integração BI"), ("dias", "30")],
            false,
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
        assert!(tokens::list(app.conn()).await.expect("list").is_empty());

        let resp = app
            .post_as(
                &me,
                "/tokens",
                &[("nome", "Integração BI"), ("dias", "30")],
                true,
            )
            .await;
        resp.assert_status_is_ok();
        resp.assert_header("cache-control", "no-store");
        let doc = html(&body(resp).await);
        let token = select(&doc, ".one-time-password code")
            .first()
            .map(text_of)
            .expect("the token, once");
        assert!(tokens::looks_like_token(&token));

        // At rest: the hash and a prefix, never the token; it belongs to its creator.
        let rows = api_token::Entity::find()
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].token_hash, sha256_hex(&token));
        assert_eq!(rows[0].prefix, token[..12]);
        assert_eq!(rows[0].user_id, prof);
        assert_eq!(rows[0].created_by, Some(prof));

        // Listed (name, user, prefix) for its owner and for the admin, never shown again.
        for (s, uri) in [(&me, "/tokens"), (&admin, "/admin/tokens")] {
            let list = body(app.get_as(s, uri).await).await;
            assert!(
                list.contains("Integração BI") && list.contains("prof.api"),
                "{uri}"
            );
            assert!(
                list.contains(&token[..12]) && !list.contains(&token),
                "{uri}"
            );
            assert!(list.contains("nunca"), "not used yet");
        }
        // Another user's list does not show it, and cannot revoke it.
        app.create_user(
            "outro.api",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        let other = app.login("outro.api", PASSWORD).await;
        let list = body(app.get_as(&other, "/tokens").await).await;
        assert!(!list.contains("Integração BI"));
        app.post_as(
            &other,
            &format!("/tokens/{}/revogar", rows[0].id),
            &[],
            true,
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);

        api(&app, &token, "/api/v1/hipertensos")
            .await
            .assert_status_is_ok();
        let used = api_token::Entity::find_by_id(rows[0].id)
            .one(app.conn())
            .await
            .expect("row")
            .expect("exists");
        assert!(used.last_used_at.is_some(), "last use recorded");
        // The read is audited under the token's own id.
        let read = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("prof.api"))
            .filter(audit_log::Column::Resource.eq("/api/v1/hipertensos"))
            .one(app.conn())
            .await
            .expect("q")
            .expect("audited");
        assert_eq!(read.token_id, Some(rows[0].id), "{backend:?}");
        assert_eq!(
            sistema_aps::audit::verify(app.conn())
                .await
                .expect("verify"),
            sistema_aps::audit::Verification::Intact {
                rows: audit_log::Entity::find()
                    .all(app.conn())
                    .await
                    .expect("rows")
                    .len() as u64
            },
            "the token id is under the hash chain"
        );

        // Revoked by the admin: 401 at once.
        app.post_as(
            &admin,
            &format!("/admin/tokens/{}/revogar", rows[0].id),
            &[],
            true,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
        let p = problem(
            api(&app, &token, "/api/v1/equipes").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("revogado")
        );
        let list = body(app.get_as(&admin, "/admin/tokens").await).await;
        assert!(list.contains("Revogado"));

        // Only admins see every token.
        app.get_as(&me, "/admin/tokens")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

/// An admin who gives themselves a clinical role: its own event in the trail, refused unless
/// the configuration allows it.
#[tokio::test]
async fn an_admin_granting_themselves_a_clinical_role_is_refused_and_audited() {
    for allowed in [false, true] {
        let app = TestApp::start_configured(backends()[0], Start::default(), |c| {
            c.auth.admin_may_self_grant_clinical = allowed;
        })
        .await;
        territory(&app).await;
        let id = app
            .create_user(
                "admin.self",
                vec![assignment(Role::Admin, None, None, None)],
            )
            .await;
        let admin = app.login("admin.self", PASSWORD).await;
        let resp = app
            .post_as(
                &admin,
                &format!("/admin/usuarios/{id}/perfis"),
                &[("perfil", "coordinator")],
                true,
            )
            .await;
        let roles: Vec<Role> = users::assignments(app.conn(), id)
            .await
            .expect("assignments")
            .into_iter()
            .map(|a| a.role)
            .collect();
        let events = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("self_grant"))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(events.len(), 1, "allowed={allowed}");
        assert_eq!(events[0].username.as_deref(), Some("admin.self"));
        assert_eq!(
            events[0].resource,
            format!("user:{id}:self_grant:coordinator")
        );
        if allowed {
            resp.assert_status(StatusCode::SEE_OTHER);
            assert_eq!(roles, vec![Role::Admin, Role::Coordinator]);
            assert!(
                events[0]
                    .filters
                    .as_deref()
                    .is_some_and(|f| f.ends_with("permitido"))
            );
        } else {
            resp.assert_status(StatusCode::FORBIDDEN);
            assert_eq!(roles, vec![Role::Admin]);
            assert!(
                events[0]
                    .filters
                    .as_deref()
                    .is_some_and(|f| f.ends_with("recusado"))
            );
        }
        // The auditor's page offers the event as a filter.
        app.create_user(
            "auditor.self",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        let auditor = app.login("auditor.self", PASSWORD).await;
        let page = body(app.get_as(&auditor, "/auditoria?acao=self_grant").await).await;
        assert!(
            page.contains("Autoatribuição de perfil clínico"),
            "allowed={allowed}"
        );
        assert!(page.contains(&format!("user:{id}:self_grant:coordinator")));
    }
}

#[tokio::test]
async fn expired_tokens_and_disabled_users_get_401() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        let id = app
            .create_user(
                "prof.exp",
                vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
            )
            .await;
        let now = Utc::now();
        let t = tokens::create(app.conn(), id, "expira", 1, None, now - Duration::days(2))
            .await
            .expect("token");
        problem(
            api(&app, &t.token, "/api/v1/equipes").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;

        let t = tokens::create(app.conn(), id, "ativo", 30, None, now)
            .await
            .expect("token");
        api(&app, &t.token, "/api/v1/equipes")
            .await
            .assert_status_is_ok();
        users::set_active(app.conn(), id, false)
            .await
            .expect("disable");
        let resp = api(&app, &t.token, "/api/v1/equipes").await;
        resp.assert_header("www-authenticate", "Bearer");
        problem(resp, StatusCode::UNAUTHORIZED).await;
        users::set_active(app.conn(), id, true)
            .await
            .expect("enable");
        api(&app, &t.token, "/api/v1/equipes")
            .await
            .assert_status_is_ok();
        // A token-shaped guess and a malformed header.
        let guess = format!("aps_{}", "0".repeat(64));
        problem(
            api(&app, &guess, "/api/v1/equipes").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        let resp = app
            .client
            .get("/api/v1/equipes")
            .header("Authorization", "Basic dXNlcjpwdw==")
            .send()
            .await;
        problem(resp, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn tokens_act_within_their_users_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        let acs = user_with_token(
            &app,
            "acs.api",
            assignment(Role::Acs, None, Some(TEAM_A), Some("01")),
        )
        .await;
        let prof = user_with_token(
            &app,
            "prof.api",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;
        let admin =
            user_with_token(&app, "admin.api", assignment(Role::Admin, None, None, None)).await;

        let teams = json(api(&app, &acs, "/api/v1/equipes").await).await;
        let ines: Vec<&str> = teams
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|t| t["ine"].as_str())
            .collect();
        assert_eq!(ines, vec![TEAM_A], "{backend:?}");
        let micro =
            json(api(&app, &acs, &format!("/api/v1/equipes/{TEAM_A}/microareas")).await).await;
        assert_eq!(micro["microareas"], serde_json::json!(["01"]));
        let micro =
            json(api(&app, &prof, &format!("/api/v1/equipes/{TEAM_A}/microareas")).await).await;
        assert_eq!(micro["microareas"], serde_json::json!(["01", "02"]));

        let page = json(api(&app, &acs, "/api/v1/hipertensos").await).await;
        assert_eq!(names(&page), vec!["ANA MICROAREA 01"]);
        assert_eq!(page["total"], 1);
        let page = json(api(&app, &acs, "/api/v1/hipertensos?busca=caio").await).await;
        assert_eq!(page["total"], 0);
        let page = json(api(&app, &prof, "/api/v1/hipertensos").await).await;
        assert_eq!(names(&page), vec!["ANA MICROAREA 01", "BIA MICROAREA 02"]);

        // Another team answers exactly like a team that does not exist.
        let strip = |mut p: Value| {
            p.as_object_mut().map(|o| o.remove("request_id"));
            p
        };
        let other = strip(
            problem(
                api(&app, &prof, &format!("/api/v1/hipertensos?equipe={TEAM_B}")).await,
                StatusCode::BAD_REQUEST,
            )
            .await,
        );
        let unknown = strip(
            problem(
                api(&app, &prof, "/api/v1/hipertensos?equipe=9999999999").await,
                StatusCode::BAD_REQUEST,
            )
            .await,
        );
        assert_eq!(other, unknown);
        assert_eq!(other["errors"][0]["field"], "equipe");
        for path in [
            format!("/api/v1/equipes/{TEAM_B}/c5"),
            format!("/api/v1/equipes/{TEAM_B}/microareas"),
        ] {
            let a = strip(problem(api(&app, &acs, &path).await, StatusCode::NOT_FOUND).await);
            let b = strip(
                problem(
                    api(&app, &acs, &path.replace(TEAM_B, "9999999999")).await,
                    StatusCode::NOT_FOUND,
                )
                .await,
            );
            assert_eq!(a, b, "{path}");
        }

        // The ACS's C5 summary covers their micro-area only.
        let c5 = json(api(&app, &acs, &format!("/api/v1/equipes/{TEAM_A}/c5")).await).await;
        assert_eq!(c5["resultado"]["pessoas"], 1, "{c5}");
        assert_eq!(c5["praticas"].as_array().map(Vec::len), Some(4));
        let c5 = json(api(&app, &prof, &format!("/api/v1/equipes/{TEAM_A}/c5")).await).await;
        assert_eq!(c5["resultado"]["pessoas"], 2);
        assert_eq!(c5["controle"]["total"], 2);
        let c5 = json(
            api(
                &app,
                &prof,
                &format!("/api/v1/equipes/{TEAM_A}/c5?microarea=02"),
            )
            .await,
        )
        .await;
        assert_eq!(c5["resultado"]["pessoas"], 1);

        // No nominal data for admin or auditor tokens, as on the pages.
        for path in ["/api/v1/hipertensos", "/api/v1/equipes"] {
            problem(api(&app, &admin, path).await, StatusCode::FORBIDDEN).await;
        }
    }
}

#[tokio::test]
async fn pagination_total_and_counters_match_the_page() {
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(300),
            },
        )
        .await;
        let token = user_with_token(
            &app,
            "coord.api",
            assignment(Role::Coordinator, None, None, None),
        )
        .await;
        let first = json(api(&app, &token, "/api/v1/hipertensos?per_page=10").await).await;
        let total = first["total"].as_u64().expect("total");
        assert!(total > 10, "{backend:?}: the seed has enough people");
        assert_eq!(first["pages"].as_u64(), Some(total.div_ceil(10)));
        let c = &first["contadores"];
        assert_eq!(c["total"].as_u64(), Some(total));
        assert_eq!(
            c["controlada"].as_u64().unwrap_or(0)
                + c["nao_controlada"].as_u64().unwrap_or(0)
                + c["sem_afericao"].as_u64().unwrap_or(0),
            total
        );

        // The page shows the same counters and the same rows in the same order.
        let page = body(app.get("/hipertensos?per_page=10&page=2").await).await;
        let doc = html(&page);
        let counter = select(&doc, ".counters .counter .counter-value")
            .first()
            .map(|e| text_of(e).replace('.', ""))
            .expect("counter");
        assert_eq!(counter, total.to_string());
        let page_names: Vec<String> = select(&doc, "table.worklist tbody tr .patient-name")
            .iter()
            .map(text_of)
            .collect();
        let second = json(api(&app, &token, "/api/v1/hipertensos?per_page=10&page=2").await).await;
        assert_eq!(names(&second), page_names);

        // Pages never overlap and add up to the total.
        let mut all = Vec::new();
        for p in 1..=total.div_ceil(100) {
            let page = json(
                api(
                    &app,
                    &token,
                    &format!("/api/v1/hipertensos?per_page=100&page={p}&ordem=pontos"),
                )
                .await,
            )
            .await;
            all.extend(
                page["itens"]
                    .as_array()
                    .expect("itens")
                    .iter()
                    .map(|i| i["id"].as_i64()),
            );
        }
        assert_eq!(all.len() as u64, total);
        let mut unique = all.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), all.len());

        // A control filter's total is its counter.
        let f = json(
            api(
                &app,
                &token,
                "/api/v1/hipertensos?situacao=nao_controlada&per_page=5",
            )
            .await,
        )
        .await;
        assert_eq!(f["total"], c["nao_controlada"]);
        let items = f["itens"].as_array().expect("itens");
        // (An empty page would make the check below vacuous.)
        assert_eq!(
            items.len() as u64,
            c["nao_controlada"].as_u64().expect("counter").min(5),
            "{backend:?}"
        );
        assert!(
            !items.is_empty(),
            "{backend:?}: the seed has uncontrolled people"
        );
        for i in items {
            assert_eq!(i["controle"], "nao_controlada", "{backend:?}: {i}");
        }
        let f = json(api(&app, &token, "/api/v1/hipertensos?pratica=D&per_page=5").await).await;
        let items = f["itens"].as_array().expect("itens");
        assert!(!items.is_empty(), "{backend:?}: someone lacks practice D");
        for i in items {
            assert_eq!(i["c5"]["d"], false, "{backend:?}: {i}");
        }
    }
}

#[tokio::test]
async fn every_error_is_a_problem_document() {
    for backend in backends() {
        let app = TestApp::start_configured(backend, Start::default(), |c| {
            c.api.requests_per_minute = 8;
        })
        .await;
        territory(&app).await;
        let token = user_with_token(
            &app,
            "prof.err",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;
        // 401 without credentials, on known and unknown paths alike.
        for path in ["/api/v1/hipertensos", "/api/qualquer", "/api/v1/nada"] {
            let resp = app.get_anon(path).await;
            resp.assert_header("www-authenticate", "Bearer");
            problem(resp, StatusCode::UNAUTHORIZED).await;
        }
        // 400: bad query parameters, with the field named.
        for (query, field) in [
            ("page=0", "page"),
            ("per_page=101", "per_page"),
            ("page=abc", "page"),
            ("situacao=talvez", "situacao"),
            ("busca=%25%25", "busca"),
        ] {
            let p = problem(
                api(&app, &token, &format!("/api/v1/hipertensos?{query}")).await,
                StatusCode::BAD_REQUEST,
            )
            .await;
            assert_eq!(p["errors"][0]["field"], field, "{query}: {p}");
        }
        // 404 and 405.
        problem(
            api(&app, &token, "/api/v1/nada").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            api(&app, &token, "/api/outra-coisa").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let resp = app
            .client
            .post("/api/v1/equipes")
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await;
        problem(resp, StatusCode::METHOD_NOT_ALLOWED).await;
        // The browser session reads, but never writes.
        app.get("/api/v1/equipes").await.assert_status_is_ok();
        let resp = app
            .client
            .post("/api/v1/equipes")
            .header("Cookie", format!("aps_sessao={}", app.session.cookie))
            .header("X-CSRF-Token", &app.session.csrf)
            .send()
            .await;
        problem(resp, StatusCode::FORBIDDEN).await;
        // 429 once the token used its minute (11 calls so far), with Retry-After.
        let resp = api(&app, &token, "/api/v1/equipes").await;
        let retry: u64 = resp
            .0
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=60).contains(&retry));
        problem(resp, StatusCode::TOO_MANY_REQUESTS).await;
        // Every answer carries the request id, problems included.
        let p = problem(
            api(&app, &token, "/api/v1/equipes").await,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
        assert!(p["request_id"].is_string());
    }
}

#[tokio::test]
async fn api_reads_are_audited_like_page_views() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        let token = user_with_token(
            &app,
            "acs.audit",
            assignment(Role::Acs, None, Some(TEAM_A), Some("01")),
        )
        .await;
        api(&app, &token, "/api/v1/hipertensos?busca=ana")
            .await
            .assert_status_is_ok();
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("acs.audit"))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1, "{backend:?}");
        let r = &rows[0];
        assert_eq!(r.action, "view_list");
        assert_eq!(r.resource, "/api/v1/hipertensos");
        assert_eq!(r.filters.as_deref(), Some("busca=ana"));
        assert_eq!(r.person_ids.as_deref(), Some("1"));
        assert_eq!(r.person_count, 1);
        assert!(r.client_addr.is_some() && r.request_id.is_some());
        // Aggregates name no one and are not audited, as the page's selectors.
        api(&app, &token, "/api/v1/equipes")
            .await
            .assert_status_is_ok();
        let n = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("acs.audit"))
            .all(app.conn())
            .await
            .expect("rows")
            .len();
        assert_eq!(n, 1);
        // Creating a token (the admin, for themselves) is itself a write in the trail.
        app.create_user(
            "admin.audit",
            vec![assignment(Role::Admin, None, None, None)],
        )
        .await;
        let admin = app.login("admin.audit", PASSWORD).await;
        app.post_as(
            &admin,
            "/admin/tokens",
            &[("nome", "Painel"), ("dias", "7")],
            true,
        )
        .await
        .assert_status_is_ok();
        let w = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("admin.audit"))
            .filter(audit_log::Column::Action.eq("write"))
            .all(app.conn())
            .await
            .expect("rows");
        assert!(w.iter().any(|r| r.resource.starts_with("api_token:")));
        // A revoked token stops working, but its row is kept: the trail and the list still
        // name it.
        let t = api_token::Entity::find()
            .filter(api_token::Column::Name.eq("Integração de teste"))
            .one(app.conn())
            .await
            .expect("q")
            .expect("row");
        let id = t.id;
        let mut m: api_token::ActiveModel = t.into();
        m.revoked_at = Set(Some(Utc::now()));
        m.update(app.conn()).await.expect("update");
        problem(
            api(&app, &token, "/api/v1/equipes").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        let kept = api_token::Entity::find_by_id(id)
            .one(app.conn())
            .await
            .expect("q");
        assert!(kept.is_some_and(|k| k.revoked_at.is_some()), "{backend:?}");
        let trail = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("acs.audit"))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(trail.len(), 1, "{backend:?}: the trail still has its reads");
        let page = body(app.get_as(&admin, "/admin/tokens").await).await;
        let doc = html(&page);
        let row = select(&doc, "table.worklist tbody tr")
            .into_iter()
            .find(|tr| {
                let sel = scraper::Selector::parse("td").expect("selector");
                tr.select(&sel)
                    .next()
                    .is_some_and(|td| text_of(&td) == "Integração de teste")
            })
            .expect("the revoked token is listed");
        let sel = scraper::Selector::parse(".badge").expect("selector");
        assert_eq!(
            row.select(&sel).next().map(|b| text_of(&b)).as_deref(),
            Some("Revogado"),
            "{backend:?}"
        );
        let sel = scraper::Selector::parse("form").expect("selector");
        assert!(
            row.select(&sel).next().is_none(),
            "no revoke button on a revoked token"
        );
    }
}

#[tokio::test]
async fn the_committed_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = sistema_aps::api::spec_json();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the API in the code: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
    let doc: Value = serde_json::from_str(&generated).expect("json");
    for path in [
        "/equipes",
        "/equipes/{ine}/microareas",
        "/equipes/{ine}/c5",
        "/hipertensos",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
        for status in ["400", "401", "403", "404", "429", "500"] {
            assert!(
                doc["paths"][path]["get"]["responses"][status].is_object(),
                "{path} documents {status}"
            );
        }
    }
    for (path, method, ok) in [
        ("/hipertensos/{id}", "get", "200"),
        ("/hipertensos/{id}/linha-do-tempo", "get", "200"),
        ("/hipertensos/{id}/acoes", "post", "201"),
        ("/hipertensos/{id}/acoes/registrar", "post", "201"),
        ("/hipertensos/{id}/acoes/{acao}/concluir", "post", "200"),
        ("/hipertensos/{id}/acoes/{acao}/cancelar", "post", "200"),
        ("/hipertensos/{id}/mrpa", "post", "200"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op["operationId"].is_string(), "{path}");
        for status in [
            ok, "400", "401", "403", "404", "409", "415", "422", "429", "500",
        ] {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} documents {status}"
            );
        }
    }
}

#[tokio::test]
async fn the_documentation_is_served_from_embedded_assets_under_the_csp() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    let resp = app.get_anon("/api/docs").await;
    resp.assert_status_is_ok();
    let csp = resp
        .0
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("script-src 'self'"));
    let page = body(resp).await;
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external load"
    );
    let doc = html(&page);
    assert!(
        select(&doc, "script:not([src])").is_empty(),
        "no inline script"
    );
    assert!(select(&doc, "style, [style]").is_empty(), "no inline style");
    let srcs: Vec<String> = select(&doc, "script[src], link[rel=stylesheet]")
        .iter()
        .filter_map(|e| {
            e.value()
                .attr("src")
                .or(e.value().attr("href"))
                .map(String::from)
        })
        .collect();
    assert_eq!(srcs.len(), 3);
    for src in srcs {
        assert!(src.starts_with("/assets/"), "{src}");
        app.get_anon(&src).await.assert_status_is_ok();
    }
    let spec = app.get_anon("/api/v1/openapi.json").await;
    spec.assert_status_is_ok();
    let served: Value = serde_json::from_str(&body(spec).await).expect("json");
    let code: Value = serde_json::from_str(&sistema_aps::api::spec_json()).expect("json");
    assert_eq!(served, code);
}

/// Nominal answers are never cached (`Cache-Control: no-store`), nor are the problems.
#[tokio::test]
async fn nominal_answers_are_not_stored_by_any_cache() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    territory(&app).await;
    let token = user_with_token(
        &app,
        "prof.cache",
        assignment(Role::Professional, None, Some(TEAM_A), None),
    )
    .await;
    for uri in [
        "/api/v1/hipertensos",
        "/api/v1/hipertensos/1",
        "/api/v1/hipertensos/1/linha-do-tempo",
        "/api/v1/equipes",
        "/api/v1/hipertensos/999",
    ] {
        let resp = api(&app, &token, uri).await;
        resp.assert_header("cache-control", "no-store");
    }
}

/// A token of a user who must change a provisional password is refused (403) until they do.
#[tokio::test]
async fn a_token_of_a_user_with_a_provisional_password_is_refused() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    territory(&app).await;
    let token = user_with_token(
        &app,
        "prof.provisoria",
        assignment(Role::Professional, None, Some(TEAM_A), None),
    )
    .await;
    api(&app, &token, "/api/v1/equipes")
        .await
        .assert_status_is_ok();
    let id = users::find_by_username(app.conn(), "prof.provisoria")
        .await
        .expect("user")
        .id;
    sistema_aps::store::app_user::ActiveModel {
        id: Set(id),
        must_change_password: Set(true),
        ..Default::default()
    }
    .update(app.conn())
    .await
    .expect("reset");
    let p = problem(
        api(&app, &token, "/api/v1/equipes").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("senha provisória"),
        "{p}"
    );
}

/// An ACS saw their own rows but the team's count beside the team (selector, `/equipes`,
/// the C5 summary's team): every number they see now counts their micro-area, as the rows
/// do; a nurse of the same team keeps the team's.
#[tokio::test]
async fn an_acs_counts_their_own_micro_area_everywhere() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        {
            let mut f = Fixture::new(&app).await;
            f.person(&Person::new(1, "ANA MICROAREA 01", TEAM_A, "01"))
                .await;
            f.person(&Person::new(2, "BIA MICROAREA 02", TEAM_A, "02"))
                .await;
            f.person(&Person::new(4, "DORA MICROAREA 02", TEAM_A, "02"))
                .await;
            f.person(&Person::new(3, "CAIO OUTRA EQUIPE", TEAM_B, "01"))
                .await;
        }
        app.refresh().await;
        let acs_a = assignment(Role::Acs, None, Some(TEAM_A), Some("01"));
        let nurse_a = assignment(Role::Professional, None, Some(TEAM_A), None);
        let acs_token = user_with_token(&app, "acs.conta", acs_a).await;
        let nurse_token = user_with_token(&app, "enf.conta", nurse_a).await;
        let acs = app.login("acs.conta", PASSWORD).await;
        let nurse = app.login("enf.conta", PASSWORD).await;

        for (who, token, session, expected) in [
            ("ACS", &acs_token, &acs, 1u64),
            ("enfermeira", &nurse_token, &nurse, 3u64),
        ] {
            // The rows.
            let page = json(
                api(
                    &app,
                    token,
                    &format!("/api/v1/hipertensos?equipe={TEAM_A}&per_page=100"),
                )
                .await,
            )
            .await;
            let rows = names(&page).len() as u64;
            assert_eq!(rows, expected, "{backend:?} {who}: rows");
            assert_eq!(page["total"], rows, "{backend:?} {who}");
            assert_eq!(page["contadores"]["total"], rows, "{backend:?} {who}");
            // The API's team list and the C5 summary of the team.
            let teams = json(api(&app, token, "/api/v1/equipes").await).await;
            let team = teams
                .as_array()
                .expect("array")
                .iter()
                .find(|t| t["ine"] == TEAM_A)
                .cloned()
                .expect("team A listed");
            assert_eq!(team["pessoas"], rows, "{backend:?} {who}: /equipes");
            let c5 = json(api(&app, token, &format!("/api/v1/equipes/{TEAM_A}/c5")).await).await;
            assert_eq!(
                c5["equipe"]["pessoas"], rows,
                "{backend:?} {who}: c5 equipe"
            );
            assert_eq!(
                c5["resultado"]["pessoas"], rows,
                "{backend:?} {who}: c5 resultado"
            );
            assert_eq!(
                c5["controle"]["total"], rows,
                "{backend:?} {who}: c5 controle"
            );
            // The page: the team selector's count and the tab counter.
            let page = body(
                app.get_as(session, &format!("/hipertensos?equipe={TEAM_A}"))
                    .await,
            )
            .await;
            let doc = html(&page);
            let option = select(&doc, &format!("select#equipe option[value=\"{TEAM_A}\"]"))
                .first()
                .map(text_of)
                .expect("team option");
            assert!(
                option.ends_with(&format!("({rows})")),
                "{backend:?} {who}: {option}"
            );
            let counter = select(&doc, ".counters .counter .counter-value")
                .first()
                .map(text_of)
                .expect("counter");
            assert_eq!(counter, rows.to_string(), "{backend:?} {who}: tab counter");
            // The team summary page's count of hypertensive people.
            let page = body(
                app.get_as(session, &format!("/hipertensos/equipe?equipe={TEAM_A}"))
                    .await,
            )
            .await;
            let doc = html(&page);
            let people = select(&doc, ".counters .counter")
                .iter()
                .find(|c| text_of(c).contains("Hipertensos"))
                .and_then(|c| select_in(c, ".counter-value"))
                .expect("people counter");
            assert_eq!(people, rows.to_string(), "{backend:?} {who}: team summary");
        }
    }
}

fn select_in(el: &scraper::ElementRef, css: &str) -> Option<String> {
    let sel = scraper::Selector::parse(css).expect("selector");
    el.select(&sel).next().map(|e| text_of(&e))
}
