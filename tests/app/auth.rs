//! Access control: sign-in, sessions, CSRF, lockout, scope, audit.

use chrono::{Duration, Utc};
use poem::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use sistema_aps::auth::{Role, password};
use sistema_aps::store::{app_user, audit_log, user_session};

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{
    PASSWORD, Start, TestApp, assignment, backends, body, html, select, set_cookie_value, text_of,
    urlencode,
};

fn names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

fn total(page: &str) -> String {
    let doc = html(page);
    select(&doc, ".counters .counter .counter-value")
        .first()
        .map(text_of)
        .unwrap_or_default()
}

fn options(page: &str, select_id: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, &format!("select#{select_id} option"))
        .iter()
        .filter_map(|o| o.value().attr("value"))
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

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

#[tokio::test]
async fn anonymous_requests_go_to_the_sign_in_page() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        for path in [
            "/hipertensos?equipe=0000000001",
            "/",
            "/admin/usuarios",
            "/auditoria",
            "/senha",
        ] {
            let resp = app.get_anon(path).await;
            resp.assert_status(StatusCode::SEE_OTHER);
            let loc = resp
                .0
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            assert!(loc.starts_with("/entrar"), "{path} -> {loc}");
        }
        let resp = app.get_anon("/hipertensos?equipe=1").await;
        let loc = resp
            .0
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            loc, "/entrar?voltar=%2Fhipertensos%3Fequipe%3D1",
            "comes back after sign-in"
        );
        // htmx requests are told to navigate.
        let resp = app
            .client
            .get("/hipertensos")
            .header("HX-Request", "true")
            .send()
            .await;
        resp.assert_status_is_ok();
        resp.assert_header("HX-Redirect", "/entrar?voltar=%2Fhipertensos");
        // A forged cookie is no session.
        let resp = app
            .client
            .get("/hipertensos")
            .header("Cookie", format!("aps_sessao={}", "a".repeat(64)))
            .send()
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let page = body(app.get_anon("/entrar").await).await;
        assert!(page.contains("Usuário ou CPF"));
    }
}

#[tokio::test]
async fn cookies_are_http_only_strict_and_secure_behind_tls() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let resp = app.try_login("coordenacao.teste", PASSWORD).await;
        let cookie = resp
            .0
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("aps_sessao="))
            .unwrap_or_default()
            .to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "plain HTTP from an untrusted peer: no Secure flag"
        );
    }
}

#[tokio::test]
async fn each_role_sees_exactly_its_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.create_user(
            "acs.um",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("01"))],
        )
        .await;
        app.create_user(
            "prof.a",
            vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
        )
        .await;
        app.create_user("admin.so", vec![assignment(Role::Admin, None, None, None)])
            .await;
        app.create_user(
            "auditor.so",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        app.create_user(
            "misto",
            vec![
                assignment(Role::Acs, None, Some(TEAM_A), Some("02")),
                assignment(Role::Professional, None, Some(TEAM_B), None),
            ],
        )
        .await;

        let acs = app.login("acs.um", PASSWORD).await;
        let page = body(app.get_as(&acs, "/hipertensos").await).await;
        assert_eq!(names(&page), vec!["ANA MICROAREA 01"], "{backend:?}");
        assert_eq!(total(&page), "1", "the counters are scoped too");
        assert_eq!(
            options(&page, "equipe"),
            vec![TEAM_A.to_string()],
            "team selector limited"
        );
        // Asking for the other micro-area or the other team shows nothing of them.
        let page = body(
            app.get_as(&acs, &format!("/hipertensos?equipe={TEAM_A}&microarea=02"))
                .await,
        )
        .await;
        assert!(
            names(&page).is_empty() && total(&page) == "0",
            "{backend:?}"
        );
        let page = body(
            app.get_as(&acs, &format!("/hipertensos?equipe={TEAM_A}"))
                .await,
        )
        .await;
        assert_eq!(options(&page, "microarea"), vec!["01".to_string()]);
        let resp = app
            .get_as(&acs, &format!("/hipertensos?equipe={TEAM_B}"))
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let other = body(resp).await;
        assert!(!other.contains("CAIO"), "no existence leak");
        let search = body(app.get_as(&acs, "/hipertensos?busca=caio").await).await;
        assert!(names(&search).is_empty());

        let prof = app.login("prof.a", PASSWORD).await;
        let page = body(app.get_as(&prof, "/hipertensos").await).await;
        assert_eq!(names(&page), vec!["ANA MICROAREA 01", "BIA MICROAREA 02"]);

        let mixed = app.login("misto", PASSWORD).await;
        let page = body(app.get_as(&mixed, "/hipertensos").await).await;
        assert_eq!(
            names(&page),
            vec!["BIA MICROAREA 02", "CAIO OUTRA EQUIPE"],
            "union of assignments"
        );

        // The default coordinator sees the municipality.
        let page = body(app.get("/hipertensos").await).await;
        assert_eq!(names(&page).len(), 3);

        for who in ["admin.so", "auditor.so"] {
            let s = app.login(who, PASSWORD).await;
            let resp = app.get_as(&s, "/hipertensos").await;
            resp.assert_status(StatusCode::FORBIDDEN);
            let page = body(resp).await;
            assert!(
                !page.contains("ANA MICROAREA"),
                "{who} sees no nominal data"
            );
        }
        // Only auditors read the trail; only admins manage users.
        app.get_as(&acs, "/auditoria")
            .await
            .assert_status(StatusCode::FORBIDDEN);
        app.get_as(&acs, "/admin/usuarios")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn coordinators_can_be_limited_to_a_unit() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        // Team B's people belong to unit 7654321.
        app.exec(
            "UPDATE tb_cidadao_vinculacao_equipe SET nu_cnes = '7654321' WHERE nu_ine = ?",
            vec![TEAM_B.to_string().into()],
        )
        .await;
        app.exec(
            "UPDATE tb_cidadao_vinculacao_equipe SET nu_cnes = '1234567' WHERE nu_ine = ?",
            vec![TEAM_A.to_string().into()],
        )
        .await;
        app.refresh().await;
        app.create_user(
            "coord.ubs",
            vec![assignment(Role::Coordinator, Some("7654321"), None, None)],
        )
        .await;
        let s = app.login("coord.ubs", PASSWORD).await;
        let page = body(app.get_as(&s, "/hipertensos").await).await;
        assert_eq!(names(&page), vec!["CAIO OUTRA EQUIPE"]);
        assert_eq!(options(&page, "equipe"), vec![TEAM_B.to_string()]);
    }
}

#[tokio::test]
async fn a_request_without_the_csrf_token_is_refused_and_changes_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.create_user(
            "admin.csrf",
            vec![assignment(Role::Admin, None, None, None)],
        )
        .await;
        let admin = app.login("admin.csrf", PASSWORD).await;
        let before = app_user::Entity::find()
            .count(app.conn())
            .await
            .expect("count");
        let fields = [
            ("usuario", "novo.usuario"),
            ("nome", "Novo Usuário"),
            ("perfil", "auditor"),
        ];
        let resp = app
            .post_as(&admin, "/admin/usuarios/novo", &fields, false)
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(
            app_user::Entity::find()
                .count(app.conn())
                .await
                .expect("count"),
            before,
            "{backend:?}"
        );
        // A wrong token is no better.
        let mut forged = admin.clone();
        forged.csrf = "0".repeat(64);
        app.post_as(&forged, "/admin/usuarios/novo", &fields, true)
            .await
            .assert_status(StatusCode::FORBIDDEN);
        assert_eq!(
            app_user::Entity::find()
                .count(app.conn())
                .await
                .expect("count"),
            before
        );
        // Logout without the token does not end the session.
        app.post_as(&admin, "/sair", &[], false)
            .await
            .assert_status(StatusCode::FORBIDDEN);
        app.get_as(&admin, "/admin/usuarios")
            .await
            .assert_status_is_ok();
        // With the token the same form works.
        let resp = app
            .post_as(&admin, "/admin/usuarios/novo", &fields, true)
            .await;
        resp.assert_status_is_ok();
        assert!(body(resp).await.contains("Senha provisória"));
        assert_eq!(
            app_user::Entity::find()
                .count(app.conn())
                .await
                .expect("count"),
            before + 1
        );
    }
}

#[tokio::test]
async fn lockout_after_n_failures_and_release_after_the_lockout_time() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let id = app
            .create_user("alvo", vec![assignment(Role::Auditor, None, None, None)])
            .await;
        let n = app.state.config.auth.max_failed_logins;
        for _ in 0..n {
            app.try_login("alvo", "senha-errada-123")
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        // Locked: even the right password is refused now, without being checked.
        let (resp, argon2) = password::count_verifications(app.try_login("alvo", PASSWORD)).await;
        resp.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            argon2,
            password::Verifications { real: 0, dummy: 1 },
            "{backend:?}"
        );
        // Time passes (the lock ends in the past).
        app_user::ActiveModel {
            id: Set(id),
            locked_until: Set(Some(Utc::now() - Duration::seconds(1))),
            ..Default::default()
        }
        .update(app.conn())
        .await
        .expect("update");
        app.try_login("alvo", PASSWORD)
            .await
            .assert_status(StatusCode::SEE_OTHER);
        let u = app_user::Entity::find_by_id(id)
            .one(app.conn())
            .await
            .expect("find")
            .expect("user");
        assert_eq!(u.failed_logins, 0);
        assert!(u.locked_until.is_none());
    }
}

#[tokio::test]
async fn too_many_failures_from_one_address_answer_429() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let limit = app.state.config.auth.address_max_failures;
        for i in 0..limit {
            app.try_login(&format!("ninguem{i}"), "x-senha-1234")
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        let resp = app.try_login("coordenacao.teste", PASSWORD).await;
        resp.assert_status(StatusCode::TOO_MANY_REQUESTS);
        assert!(resp.0.headers().contains_key("retry-after"));
    }
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_end() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let idle = app.login("coordenacao.teste", PASSWORD).await;
        let absolute = app.login("coordenacao.teste", PASSWORD).await;
        app.get_as(&idle, "/hipertensos")
            .await
            .assert_status_is_ok();
        let hash = |token: &str| sistema_aps::auth::sha256_hex(token);
        let idle_minutes = i64::from(app.state.config.auth.idle_timeout_minutes);
        user_session::ActiveModel {
            token_hash: Set(hash(&idle.cookie)),
            last_seen_at: Set(Utc::now() - Duration::minutes(idle_minutes) - Duration::seconds(1)),
            ..Default::default()
        }
        .update(app.conn())
        .await
        .expect("age the session");
        app.get_as(&idle, "/hipertensos")
            .await
            .assert_status(StatusCode::SEE_OTHER);
        user_session::ActiveModel {
            token_hash: Set(hash(&absolute.cookie)),
            expires_at: Set(Utc::now() - Duration::seconds(1)),
            ..Default::default()
        }
        .update(app.conn())
        .await
        .expect("end the session");
        app.get_as(&absolute, "/hipertensos")
            .await
            .assert_status(StatusCode::SEE_OTHER);
        // Expired sessions are gone from the table.
        let left = user_session::Entity::find()
            .filter(
                user_session::Column::TokenHash.is_in([hash(&idle.cookie), hash(&absolute.cookie)]),
            )
            .count(app.conn())
            .await
            .expect("count");
        assert_eq!(left, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let s = app.login("coordenacao.teste", PASSWORD).await;
        let resp = app.post_as(&s, "/sair", &[], true).await;
        resp.assert_status(StatusCode::SEE_OTHER);
        // Replaying the old cookie does not work.
        app.get_as(&s, "/hipertensos")
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn password_change_and_one_time_passwords() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        app.create_user("admin.pw", vec![assignment(Role::Admin, None, None, None)])
            .await;
        let target = app
            .create_user("troca", vec![assignment(Role::Auditor, None, None, None)])
            .await;
        let admin = app.login("admin.pw", PASSWORD).await;
        let resp = app
            .post_as(
                &admin,
                &format!("/admin/usuarios/{target}/senha"),
                &[],
                true,
            )
            .await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        let temp = select(&doc, ".one-time-password code")
            .first()
            .map(text_of)
            .expect("one-time password");
        // The old password no longer works; the new one forces a change.
        app.try_login("troca", PASSWORD)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        let s = app.login("troca", &temp).await;
        let resp = app.get_as(&s, "/auditoria").await;
        resp.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(
            resp.0
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some("/senha")
        );
        // Rules apply, errors come back in Portuguese with the form.
        let resp = app
            .post_as(
                &s,
                "/senha",
                &[
                    ("atual", &temp),
                    ("nova", "curta1"),
                    ("confirmacao", "curta1"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        assert!(body(resp).await.contains("pelo menos"));
        let new = "nova-senha-segura-77";
        let resp = app
            .post_as(
                &s,
                "/senha",
                &[("atual", &temp), ("nova", new), ("confirmacao", new)],
                true,
            )
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let s = app.login("troca", new).await;
        app.get_as(&s, "/auditoria").await.assert_status_is_ok();
    }
}

#[tokio::test]
async fn admins_manage_users_and_scopes_from_the_data() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.create_user("admin.ger", vec![assignment(Role::Admin, None, None, None)])
            .await;
        let admin = app.login("admin.ger", PASSWORD).await;
        let form = body(app.get_as(&admin, "/admin/usuarios/novo").await).await;
        assert_eq!(
            options(&form, "equipe"),
            vec![TEAM_A.to_string(), TEAM_B.to_string()]
        );
        assert!(options(&form, "microarea").contains(&format!("{TEAM_A}|02")));
        // A team that does not exist is refused with the form kept.
        let resp = app
            .post_as(
                &admin,
                "/admin/usuarios/novo",
                &[
                    ("usuario", "acs.nova"),
                    ("nome", "ACS Nova"),
                    ("perfil", "acs"),
                    ("microarea", "9999|01"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let page = body(resp).await;
        assert!(page.contains("escolha a equipe e a microárea") && page.contains("acs.nova"));
        let micro = format!("{TEAM_A}|02");
        let resp = app
            .post_as(
                &admin,
                "/admin/usuarios/novo",
                &[
                    ("usuario", "acs.nova"),
                    ("nome", "ACS Nova"),
                    ("perfil", "acs"),
                    ("microarea", &micro),
                ],
                true,
            )
            .await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        let temp = select(&doc, ".one-time-password code")
            .first()
            .map(text_of)
            .expect("password");
        let id = app_user::Entity::find()
            .filter(app_user::Column::Username.eq("acs.nova"))
            .one(app.conn())
            .await
            .expect("find")
            .expect("created")
            .id;
        // Disabling ends her sessions at once.
        let s = app.login("acs.nova", &temp).await;
        app.post_as(
            &admin,
            &format!("/admin/usuarios/{id}/situacao"),
            &[("ativo", "nao")],
            true,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
        app.get_as(&s, "/senha")
            .await
            .assert_status(StatusCode::SEE_OTHER);
        app.try_login("acs.nova", &temp)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
        // An admin cannot disable themselves.
        let me = app_user::Entity::find()
            .filter(app_user::Column::Username.eq("admin.ger"))
            .one(app.conn())
            .await
            .expect("f")
            .expect("me");
        app.post_as(
            &admin,
            &format!("/admin/usuarios/{}/situacao", me.id),
            &[("ativo", "nao")],
            true,
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
        // Unknown users answer 404.
        app.get_as(&admin, "/admin/usuarios/999999")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&admin, "/admin/usuarios/abc")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = body(app.get_as(&admin, "/admin/usuarios").await).await;
        assert!(list.contains("acs.nova") && list.contains("Desativado"));
    }
}

#[tokio::test]
async fn each_list_view_writes_one_audit_row_with_the_persons_shown() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.create_user(
            "acs.audit",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("01"))],
        )
        .await;
        let s = app.login("acs.audit", PASSWORD).await;
        let before = audit_log::Entity::find()
            .count(app.conn())
            .await
            .expect("count");
        app.get_as(&s, "/hipertensos").await.assert_status_is_ok();
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(before as i64))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(rows.len(), 1, "{backend:?}");
        let r = &rows[0];
        assert_eq!(r.action, "view_list");
        assert_eq!(r.username.as_deref(), Some("acs.audit"));
        assert_eq!(r.person_ids.as_deref(), Some("1"));
        assert_eq!(r.person_count, 1);
        assert!(r.client_addr.is_some());

        // The auditor answers "who looked at this patient".
        app.create_user(
            "auditora",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        let a = app.login("auditora", PASSWORD).await;
        let page = body(app.get_as(&a, "/auditoria?pessoa=1&acao=view_list").await).await;
        assert!(page.contains("acs.audit"), "{backend:?}");
        let page = body(
            app.get_as(&a, "/auditoria?pessoa=3&acao=view_list&usuario=acs.audit")
                .await,
        )
        .await;
        assert!(
            page.contains("Nenhum registro"),
            "the ACS never saw person 3"
        );
        // By CNS too, and the CSV export is itself audited.
        let page = body(app.get_as(&a, "/auditoria?pessoa=700000000000001").await).await;
        assert!(page.contains("acs.audit"));
        let csv = app.get_as(&a, "/auditoria.csv?pessoa=1").await;
        csv.assert_status_is_ok();
        csv.assert_content_type("text/csv; charset=utf-8");
        let text = body(csv).await;
        assert!(text.contains("acs.audit") && text.contains("view_list"));
        let last = audit_log::Entity::find()
            .all(app.conn())
            .await
            .expect("all");
        assert_eq!(last.last().map(|r| r.action.as_str()), Some("audit_export"));
        app.get_as(&a, "/auditoria?de=32/13/2026")
            .await
            .assert_status(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_tampered_row() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        for _ in 0..3 {
            app.get("/hipertensos").await.assert_status_is_ok();
        }
        let v = sistema_aps::audit::verify(app.conn())
            .await
            .expect("verify");
        let sistema_aps::audit::Verification::Intact { rows } = v else {
            panic!("{v:?}")
        };
        assert!(rows >= 4, "login + three views");
        // Someone edits row 2 in the database.
        app.exec(
            "UPDATE audit_log SET person_ids = '999' WHERE id = 2",
            vec![],
        )
        .await;
        let v = sistema_aps::audit::verify(app.conn())
            .await
            .expect("verify");
        assert!(
            matches!(
                v,
                sistema_aps::audit::Verification::Broken { row_id: 2, .. }
            ),
            "{backend:?} {v:?}"
        );
    }
}

#[tokio::test]
async fn audit_verify_detects_removed_rows() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        app.get("/hipertensos").await.assert_status_is_ok();
        app.get("/hipertensos").await.assert_status_is_ok();
        app.exec(
            "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)",
            vec![],
        )
        .await;
        let v = sistema_aps::audit::verify(app.conn())
            .await
            .expect("verify");
        assert!(
            matches!(v, sistema_aps::audit::Verification::Broken { .. }),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn security_headers_come_from_the_app() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        for path in ["/entrar", "/hipertensos"] {
            let resp = if path == "/entrar" {
                app.get_anon(path).await
            } else {
                app.get(path).await
            };
            let h = resp.0.headers();
            for name in [
                "content-security-policy",
                "x-content-type-options",
                "referrer-policy",
                "permissions-policy",
            ] {
                assert!(h.contains_key(name), "{path} lacks {name}");
            }
            let csp = h
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'"));
        }
    }
}

#[tokio::test]
async fn the_embedded_demo_gets_one_user_per_role_and_postgres_none() {
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(300),
            },
        )
        .await;
        let mut names: Vec<String> = sistema_aps::auth::users::list(app.conn())
            .await
            .expect("list")
            .into_iter()
            .map(|u| u.user.username)
            .collect();
        names.sort();
        match backend {
            crate::helpers::Backend::Sqlite => assert_eq!(
                names,
                vec![
                    "acs",
                    "admin",
                    "auditoria",
                    "coordenacao",
                    "coordenacao.teste",
                    "profissional"
                ]
            ),
            crate::helpers::Backend::Postgres => assert_eq!(names, vec!["coordenacao.teste"]),
        }
        // Demo passwords are printed on a console: every demo user changes theirs first.
        let demo: Vec<(String, bool)> = sistema_aps::auth::users::list(app.conn())
            .await
            .expect("list")
            .into_iter()
            .filter(|u| u.user.username != "coordenacao.teste")
            .map(|u| (u.user.username, u.user.must_change_password))
            .collect();
        assert!(demo.iter().all(|(_, must)| *must), "{backend:?} {demo:?}");
    }
}

/// `/entrar?voltar=` sends back only to this site: a tab, a newline, a backslash or a dot
/// segment that a browser would turn into `//other.site` ends at `/`.
#[tokio::test]
async fn the_return_target_after_sign_in_never_leaves_the_site() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        for (raw, expected) in [
            ("/%09/evil.example", "/"),
            ("/%0a/evil.example", "/"),
            ("/%5c/evil.example", "/"),
            ("/.//evil.example", "/"),
            ("%2F%2Fevil.example", "/"),
            ("/hipertensos%3Fequipe%3D1", "/hipertensos?equipe=1"),
        ] {
            // The form carries the cleaned target…
            let page = body(app.get_anon(&format!("/entrar?voltar={raw}")).await).await;
            let doc = html(&page);
            let carried = select(&doc, "input[name=voltar]")
                .first()
                .and_then(|e| e.value().attr("value"))
                .unwrap_or("missing")
                .to_string();
            assert_eq!(carried, expected, "{raw}");
            // …and a forged form field is cleaned again on submit.
            let form_page = app.client.get("/entrar").send().await;
            let pre = set_cookie_value(&form_page, "aps_csrf_entrar").expect("pre-session csrf");
            let resp = app
                .client
                .post("/entrar")
                .header("Cookie", format!("aps_csrf_entrar={pre}"))
                .content_type("application/x-www-form-urlencoded")
                .body(format!(
                    "csrf={pre}&usuario=coordenacao.teste&senha={}&voltar={raw}",
                    urlencode(PASSWORD)
                ))
                .send()
                .await;
            resp.assert_status(StatusCode::SEE_OTHER);
            // `/` sends the user to their home page (the worklist for a coordinator).
            let home = if expected == "/" {
                "/hipertensos"
            } else {
                expected
            };
            resp.assert_header("location", home);
        }
    }
}

/// Parallel wrong passwords for one account: exactly `max_failed_logins` of them are
/// verified (the others are refused as locked, unchecked), none answers 500, and the right
/// password afterwards finds the account locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_check_exactly_the_budget_and_lock() {
    for backend in backends() {
        // The address limit is set above the attempts: what is measured is the account's.
        let app = TestApp::start_configured(backend, Start::default(), |c| {
            c.auth.address_max_failures = 1000;
        })
        .await;
        let id = app
            .create_user(
                "alvo.paralelo",
                vec![assignment(Role::Auditor, None, None, None)],
            )
            .await;
        let n = app.state.config.auth.max_failed_logins as usize;
        const PARALLEL: usize = 40;
        let app = std::sync::Arc::new(app);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..PARALLEL {
            let app = app.clone();
            set.spawn(async move {
                let (resp, argon2) = password::count_verifications(
                    app.try_login("alvo.paralelo", &format!("senha-errada-{i}")),
                )
                .await;
                let status = resp.0.status();
                (status, login_answer(resp).await, argon2)
            });
        }
        let mut answers = Vec::new();
        while let Some(a) = set.join_next().await {
            answers.push(a.expect("attempt task"));
        }
        let statuses: Vec<u16> = answers.iter().map(|(s, _, _)| s.as_u16()).collect();
        assert_eq!(statuses, vec![401; PARALLEL], "{backend:?}");
        // Checked against the account's hash: exactly the budget; the rest were refused
        // unchecked (each still paid one dummy verification, so they look the same).
        let checked: u32 = answers.iter().map(|(_, _, v)| v.real).sum();
        let unchecked: u32 = answers.iter().map(|(_, _, v)| v.dummy).sum();
        eprintln!(
            "{backend:?}: {PARALLEL} parallel wrong passwords, max_failed_logins = {n}: \
             {checked} checked against the hash, {unchecked} refused unchecked"
        );
        assert_eq!(
            checked as usize, n,
            "{backend:?}: checked exactly max_failed_logins"
        );
        assert_eq!(unchecked as usize, PARALLEL - n, "{backend:?}");
        assert_eq!(
            answers
                .iter()
                .map(|(_, _, v)| v.total())
                .collect::<Vec<_>>(),
            vec![1; PARALLEL],
            "{backend:?}: one Argon2 verification per attempt"
        );
        // The same page for a checked and an unchecked refusal.
        let first = &answers[0].1;
        assert_eq!(
            answers.iter().filter(|(_, b, _)| b == first).count(),
            PARALLEL,
            "{backend:?}"
        );
        let (resp, argon2) =
            password::count_verifications(app.try_login("alvo.paralelo", PASSWORD)).await;
        resp.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(
            argon2.real, 0,
            "{backend:?}: locked, the right password is not checked"
        );
        let u = app_user::Entity::find_by_id(id)
            .one(app.conn())
            .await
            .expect("find")
            .expect("user");
        assert!(
            u.locked_until.is_some_and(|t| t > Utc::now()),
            "{backend:?}"
        );
    }
}

/// The sign-in page of a refusal with what differs between two requests anyway (the form's
/// CSRF token and the echoed user name) blanked.
async fn login_answer(resp: poem::test::TestResponse) -> String {
    let page = body(resp).await;
    let doc = html(&page);
    let csrf = select(&doc, "input[name=csrf]")
        .first()
        .and_then(|e| e.value().attr("value").map(String::from))
        .expect("csrf field");
    let login = select(&doc, "input[name=usuario]")
        .first()
        .and_then(|e| e.value().attr("value").map(String::from))
        .expect("login field");
    assert!(!csrf.is_empty() && !login.is_empty(), "{page}");
    page.replace(&csrf, "CSRF").replace(&login, "LOGIN")
}

/// An unknown user, a wrong password and a locked account get the same status and the same
/// page, and each costs one Argon2 verification (the unknown user and the locked account
/// against a dummy hash): nothing tells which accounts exist or which one is locked.
#[tokio::test]
async fn unknown_user_wrong_password_and_locked_account_answer_alike() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        app.create_user(
            "alvo.igual",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        app.create_user(
            "outro.igual",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        for i in 0..app.state.config.auth.max_failed_logins {
            app.try_login("alvo.igual", &format!("errada-{i}-abc"))
                .await
                .assert_status(StatusCode::UNAUTHORIZED);
        }
        let mut answers = Vec::new();
        for (login, pw) in [
            ("ninguem.igual", PASSWORD),
            ("alvo.igual", PASSWORD),
            ("outro.igual", "errada-de-novo-9"),
        ] {
            let (resp, argon2) = password::count_verifications(app.try_login(login, pw)).await;
            let status = resp.0.status();
            answers.push((login, status, login_answer(resp).await, argon2));
        }
        for (login, status, page, argon2) in &answers {
            assert_eq!(*status, StatusCode::UNAUTHORIZED, "{backend:?} {login}");
            assert_eq!(
                page, &answers[2].2,
                "{backend:?}: {login} answers like a wrong password"
            );
            assert_eq!(argon2.total(), 1, "{backend:?} {login}");
        }
        assert!(
            answers[2].2.contains("Usuário ou senha inválidos."),
            "{}",
            answers[2].2
        );
        assert_eq!(answers[0].3, password::Verifications { real: 0, dummy: 1 });
        assert_eq!(answers[1].3, password::Verifications { real: 0, dummy: 1 });
        assert_eq!(answers[2].3, password::Verifications { real: 1, dummy: 0 });
    }
}

/// A common password ("brasil2024", "senha12345") is refused when a user changes theirs and
/// when an account is created, with a Portuguese message; nothing changes.
#[tokio::test]
async fn common_passwords_are_refused_on_change_and_creation() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    app.create_user(
        "comum.senha",
        vec![assignment(Role::Auditor, None, None, None)],
    )
    .await;
    let s = app.login("comum.senha", PASSWORD).await;
    for common in ["brasil2024", "Senha@12345", "coordenacao123"] {
        let resp = app
            .post_as(
                &s,
                "/senha",
                &[
                    ("atual", PASSWORD),
                    ("nova", common),
                    ("confirmacao", common),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let page = body(resp).await;
        let doc = html(&page);
        // The form's own alert (a catalogue banner may come first on this bare database).
        let alerts: Vec<String> = select(&doc, "[role=alert]").iter().map(text_of).collect();
        assert!(
            alerts.iter().any(|a| a.trim()
                == "Essa senha é comum demais e está entre as primeiras que um invasor tenta. Escolha outra, por exemplo três palavras e um número."),
            "{common}: {alerts:?}"
        );
    }
    // The password stayed as it was.
    app.try_login("comum.senha", "brasil2024")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.login("comum.senha", PASSWORD).await;
    // `user add` and the admin pages create accounts through users::create.
    let err = sistema_aps::auth::users::create(
        app.conn(),
        &app.state.config.auth,
        sistema_aps::auth::users::NewUser {
            username: "novo.comum".into(),
            full_name: "Usuário Novo".into(),
            cpf: None,
            profession: None,
            assignments: vec![assignment(Role::Auditor, None, None, None)],
        },
        "senha12345",
        true,
    )
    .await
    .expect_err("a common password");
    assert!(err.to_string().contains("comum demais"), "{err}");
    assert_eq!(
        app_user::Entity::find()
            .filter(app_user::Column::Username.eq("novo.comum"))
            .count(app.conn())
            .await
            .expect("count"),
        0
    );
}

/// Parallel failures from one address are all counted (no lost update, no 500 on the
/// throttle row).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_failures_from_one_address_are_all_counted() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let app = std::sync::Arc::new(app);
        let mut set = tokio::task::JoinSet::new();
        for i in 0..12 {
            let app = app.clone();
            set.spawn(async move {
                app.try_login(&format!("ninguem.{i}"), "x-senha-1234")
                    .await
                    .0
                    .status()
            });
        }
        let mut statuses = Vec::new();
        while let Some(s) = set.join_next().await {
            statuses.push(s.expect("attempt task"));
        }
        assert!(
            statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
            "{backend:?} {statuses:?}"
        );
        let rows = sistema_aps::store::login_throttle::Entity::find()
            .all(app.conn())
            .await
            .expect("throttle");
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(rows[0].failures, 12, "{backend:?}");
    }
}

/// `/senha` is no unlimited oracle of the current password: it spends the sign-in budget.
#[tokio::test]
async fn the_current_password_of_senha_has_the_same_limit() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        app.create_user(
            "alvo.senha",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        let s = app.login("alvo.senha", PASSWORD).await;
        let n = app.state.config.auth.max_failed_logins;
        let change = |atual: String| {
            let app = &app;
            let s = &s;
            async move {
                app.post_as(
                    s,
                    "/senha",
                    &[
                        ("atual", &atual),
                        ("nova", "Outra-senha-2026"),
                        ("confirmacao", "Outra-senha-2026"),
                    ],
                    true,
                )
                .await
            }
        };
        for i in 0..n {
            let resp = change(format!("errada-{i}-xyz")).await;
            resp.assert_status(StatusCode::BAD_REQUEST);
            assert!(body(resp).await.contains("A senha atual não confere."));
        }
        // The budget is spent: even the right current password is refused now.
        let resp = change(PASSWORD.to_string()).await;
        resp.assert_status(StatusCode::TOO_MANY_REQUESTS);
        assert!(body(resp).await.contains("Conta bloqueada"), "{backend:?}");
        app.try_login("alvo.senha", PASSWORD)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
}

/// Deleting a person's rows of the index hides their history from "who looked at this
/// patient": `audit verify` names the row whose index no longer matches its hashed list.
#[tokio::test]
async fn audit_verify_checks_the_person_index_against_the_chain() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        app.get("/pacientes/1").await.assert_status_is_ok();
        let row = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("view_patient"))
            .one(app.conn())
            .await
            .expect("q")
            .expect("the patient view is audited");
        assert_eq!(row.person_ids.as_deref(), Some("1"));
        assert!(matches!(
            sistema_aps::audit::verify(app.conn())
                .await
                .expect("verify"),
            sistema_aps::audit::Verification::Intact { .. }
        ));
        app.exec(
            &format!(
                "DELETE FROM audit_log_person WHERE audit_id = {} AND co_seq_cidadao = 1",
                row.id
            ),
            vec![],
        )
        .await;
        let v = sistema_aps::audit::verify(app.conn())
            .await
            .expect("verify");
        match v {
            sistema_aps::audit::Verification::Broken { row_id, reason } => {
                assert_eq!(row_id, row.id, "{backend:?}");
                assert!(reason.contains("person index"), "{reason}");
            }
            other => panic!("{backend:?}: {other:?}"),
        }
        // A person added to the index of another row is caught too.
        app.exec(
            &format!(
                "INSERT INTO audit_log_person (audit_id, co_seq_cidadao) VALUES ({}, 1)",
                row.id
            ),
            vec![],
        )
        .await;
        app.exec(
            "INSERT INTO audit_log_person (audit_id, co_seq_cidadao) VALUES (1, 77)",
            vec![],
        )
        .await;
        assert!(matches!(
            sistema_aps::audit::verify(app.conn())
                .await
                .expect("verify"),
            sistema_aps::audit::Verification::Broken { row_id: 1, .. }
        ));
    }
}

/// A chain cut at some row and rehashed from there verifies on its own; the head anchored
/// earlier (logged, or in a backup manifest) no longer matches.
#[tokio::test]
async fn a_truncated_and_rehashed_chain_fails_against_its_anchor() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        for _ in 0..4 {
            app.get("/hipertensos").await.assert_status_is_ok();
        }
        let anchor = sistema_aps::audit::head(app.conn())
            .await
            .expect("head")
            .expect("rows");
        assert!(anchor.id >= 5, "{anchor:?}");
        assert_eq!(
            sistema_aps::audit::Anchor::parse(&anchor.to_string()),
            Some(anchor.clone())
        );
        // The forger keeps rows 1–2, drops the rest and rewinds the head…
        let keep = audit_log::Entity::find_by_id(2)
            .one(app.conn())
            .await
            .expect("q")
            .expect("row 2");
        app.exec("DELETE FROM audit_log_person WHERE audit_id > 2", vec![])
            .await;
        app.exec("DELETE FROM audit_log WHERE id > 2", vec![]).await;
        app.exec(
            &format!(
                "UPDATE audit_head SET last_id = 2, last_hash = '{}' WHERE id = 1",
                keep.hash
            ),
            vec![],
        )
        .await;
        // …and new, well-chained rows take the old ids.
        for _ in 0..4 {
            app.get("/hipertensos").await.assert_status_is_ok();
        }
        let v = sistema_aps::audit::verify(app.conn())
            .await
            .expect("verify");
        assert!(
            matches!(v, sistema_aps::audit::Verification::Intact { .. }),
            "rehashed chain verifies alone: {v:?}"
        );
        let v = sistema_aps::audit::verify_anchored(app.conn(), std::slice::from_ref(&anchor))
            .await
            .expect("verify");
        match v {
            sistema_aps::audit::Verification::Broken { row_id, reason } => {
                assert_eq!(row_id, anchor.id, "{backend:?}");
                assert!(reason.contains("rewritten"), "{reason}");
            }
            other => panic!("{backend:?}: {other:?}"),
        }
    }
}

/// What a clinician typed in a search (a CPF, a name) is masked in the auditor's list and CSV;
/// the auditor sees it by opening that row, and the opening is itself a row of the trail.
#[tokio::test]
async fn typed_searches_are_masked_for_the_auditor_until_the_row_is_opened() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        territory(&app).await;
        const CPF: &str = "52998224725";
        const NAME: &str = "Zefinha Quaresma";
        app.get(&format!("/hipertensos?busca={CPF}"))
            .await
            .assert_status_is_ok();
        app.get(&format!("/hipertensos?busca={}", urlencode(NAME)))
            .await
            .assert_status_is_ok();
        let searched: Vec<audit_log::Model> = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("view_list"))
            .filter(audit_log::Column::Filters.like("%busca=%"))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(searched.len(), 2, "{backend:?}");
        let cpf_row = searched
            .iter()
            .find(|r| r.filters.as_deref().is_some_and(|f| f.contains(CPF)))
            .expect("the CPF search is recorded in full")
            .id;

        app.create_user(
            "auditora.busca",
            vec![assignment(Role::Auditor, None, None, None)],
        )
        .await;
        let a = app.login("auditora.busca", PASSWORD).await;
        let page = body(app.get_as(&a, "/auditoria?acao=view_list").await).await;
        assert!(
            !page.contains(CPF),
            "{backend:?}: the CPF shows in the list"
        );
        assert!(
            !page.contains("Zefinha"),
            "{backend:?}: the name shows in the list"
        );
        let doc = html(&page);
        let shown: Vec<String> = select(&doc, ".audit-filters").iter().map(text_of).collect();
        assert_eq!(
            shown.iter().filter(|f| f.as_str() == "busca=•••").count(),
            2,
            "{backend:?}: {shown:?}"
        );
        let links: Vec<String> = select(&doc, "a.audit-open")
            .iter()
            .filter_map(|a| a.value().attr("href").map(String::from))
            .collect();
        assert!(
            links.contains(&format!("/auditoria/registros/{cpf_row}")),
            "{backend:?}: {links:?}"
        );
        let csv = body(app.get_as(&a, "/auditoria.csv?acao=view_list").await).await;
        assert!(!csv.contains(CPF), "{backend:?}: the CPF shows in the CSV");
        assert!(csv.contains("busca=•••"), "{backend:?}");

        // Opening the row shows what was typed, and is recorded.
        let before = audit_log::Entity::find()
            .count(app.conn())
            .await
            .expect("count");
        let resp = app
            .get_as(&a, &format!("/auditoria/registros/{cpf_row}"))
            .await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        let typed: Vec<String> = select(&doc, "tr.audit-typed td")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(typed, vec![CPF.to_string()], "{backend:?}");
        let opened = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(before as i64))
            .all(app.conn())
            .await
            .expect("rows");
        assert_eq!(opened.len(), 1, "{backend:?}");
        assert_eq!(opened[0].action, "audit_view");
        assert_eq!(opened[0].username.as_deref(), Some("auditora.busca"));
        assert_eq!(
            opened[0].resource,
            format!("/auditoria/registros/{cpf_row}")
        );

        // Only auditors open rows; an unknown row is a 404 page.
        app.get(&format!("/auditoria/registros/{cpf_row}"))
            .await
            .assert_status(StatusCode::FORBIDDEN);
        app.get_as(&a, "/auditoria/registros/999999")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&a, "/auditoria/registros/abc")
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
}
