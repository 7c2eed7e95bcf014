//! The follow-up over the JSON API: the patient summary and timeline, scheduling, completing,
//! recording and cancelling actions, the MRPA submission — scoped, Bearer-only for writes,
//! audited, and answering 404/409/422 problems.

use chrono::{Duration, NaiveDate};
use poem::http::StatusCode;
use poem::test::TestResponse;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json as j};
use sistema_aps::auth::Role;
use sistema_aps::store::{audit_log, care_action as hypertension_action, hypertension_mrpa};

use crate::api::{api, json, problem, user_with_token};
use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{Start, TestApp, assignment, backends};

async fn post(app: &TestApp, token: &str, uri: &str, body: Value) -> TestResponse {
    app.client
        .post(uri)
        .header("Authorization", format!("Bearer {token}"))
        .body_json(&body)
        .send()
        .await
}

/// ANA (team A, 01, an uncontrolled office reading), BIA (team A, 02), CAIO (team B).
async fn world(app: &TestApp) -> NaiveDate {
    let mut f = Fixture::new(app).await;
    f.person(&Person::new(1, "ANA ACOMPANHADA", TEAM_A, "01"))
        .await;
    f.person(&Person::new(2, "BIA MICROAREA 02", TEAM_A, "02"))
        .await;
    f.person(&Person::new(3, "CAIO OUTRA EQUIPE", TEAM_B, "01"))
        .await;
    let today = app.state.today();
    f.bp(1, today - Duration::days(20), "150/95").await;
    app.refresh().await;
    today
}

/// Every slot of the five days: day 1 at `first`, days 2–5 at `rest`.
fn leituras(first: (i32, i32), rest: (i32, i32)) -> Vec<Value> {
    let mut out = Vec::new();
    for dia in 1..=5 {
        for periodo in ["manha", "noite"] {
            for ordem in 1..=3 {
                let (s, d) = if dia == 1 { first } else { rest };
                out.push(j!({"dia": dia, "periodo": periodo, "ordem": ordem,
                             "sistolica": s, "diastolica": d}));
            }
        }
    }
    out
}

fn pending(timeline: &Value, tipo: &str) -> Option<i64> {
    timeline["eventos"]
        .as_array()?
        .iter()
        .find(|e| e["tipo"] == tipo && e["situacao"] == "pendente")
        .and_then(|e| e["id"].as_i64())
}

fn scheduled(resp: &Value) -> Vec<(String, String)> {
    resp["agendadas"]
        .as_array()
        .expect("agendadas")
        .iter()
        .map(|a| {
            (
                a["tipo"].as_str().unwrap_or_default().to_string(),
                a["prazo"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_integrator_runs_a_hiperdia_cycle_through_the_api() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let today = world(&app).await;
        let day = |n: i64| (today + Duration::days(n)).to_string();
        let token = user_with_token(
            &app,
            "integrador.a",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;

        // Page the list, then read one person.
        let page = json(api(&app, &token, "/api/v1/hipertensos?per_page=1").await).await;
        assert_eq!(
            (page["total"].as_u64(), page["pages"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(page["itens"][0]["id"], 1, "{backend:?}");
        let s = json(api(&app, &token, "/api/v1/hipertensos/1").await).await;
        assert_eq!(s["nome"], "ANA ACOMPANHADA", "{s}");
        assert_eq!(s["equipe"]["ine"], TEAM_A);
        assert_eq!(s["microarea"], "01");
        assert!(s["endereco"].is_object());
        assert_eq!(s["controle"], "nao_controlada");
        assert_eq!(s["ultima_afericao"]["sistolica"], 150);
        assert_eq!(s["acoes_pendentes"], 0);
        assert!(s["proxima_acao"].is_null() && s["ultima_mrpa"].is_null());
        assert_eq!(s["c5"]["praticas"].as_array().map(Vec::len), Some(4));
        assert!(s["tratamento"].as_array().is_some_and(Vec::is_empty));

        // Schedule: 201; the same type again is a conflict; the past and unknown types refused.
        let uri = "/api/v1/hipertensos/1/acoes";
        let resp = post(
            &app,
            &token,
            uri,
            j!({"tipo": "agendar_hiperdia", "prazo": day(0)}),
        )
        .await;
        resp.assert_status(StatusCode::CREATED);
        let round = json(resp).await;
        assert_eq!(round["nome"], "Agendar Hiperdia");
        let round = round["acao"].as_i64().expect("id");
        problem(
            post(
                &app,
                &token,
                uri,
                j!({"tipo": "agendar_hiperdia", "prazo": day(3)}),
            )
            .await,
            StatusCode::CONFLICT,
        )
        .await;
        let p = problem(
            post(
                &app,
                &token,
                uri,
                j!({"tipo": "solicitar_exames", "prazo": day(-1)}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "prazo", "{p}");
        problem(
            post(&app, &token, uri, j!({"tipo": "talvez", "prazo": day(0)})).await,
            StatusCode::BAD_REQUEST,
        )
        .await;

        // Complete the round: MRPA starts today; completing twice is a conflict.
        let done_uri = format!("/api/v1/hipertensos/1/acoes/{round}/concluir");
        let resp = post(&app, &token, &done_uri, j!({"data": day(0)})).await;
        resp.assert_status_is_ok();
        let done = json(resp).await;
        assert_eq!(done["acao"], round);
        assert_eq!(scheduled(&done), vec![("iniciar_mrpa".into(), day(0))]);
        let p = problem(
            post(&app, &token, &done_uri, j!({"data": day(0)})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("já foi concluída")
        );

        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        let start = pending(&timeline, "iniciar_mrpa").expect("MRPA to start");
        let resp = post(
            &app,
            &token,
            &format!("/api/v1/hipertensos/1/acoes/{start}/concluir"),
            j!({"data": day(0), "observacoes": "Aparelho entregue."}),
        )
        .await;
        resp.assert_status_is_ok();
        assert_eq!(
            scheduled(&json(resp).await),
            vec![("avaliar_mrpa".into(), day(7))]
        );

        // Bad readings: 422 with the Portuguese reason, nothing saved.
        let mrpa_uri = "/api/v1/hipertensos/1/mrpa";
        let first = day(-5);
        let mut wrong_range = leituras((150, 95), (124, 76));
        wrong_range[7] =
            j!({"dia": 2, "periodo": "noite", "ordem": 2, "sistolica": 400, "diastolica": 20});
        let mut inverted = leituras((150, 95), (124, 76));
        inverted[8] =
            j!({"dia": 2, "periodo": "noite", "ordem": 3, "sistolica": 80, "diastolica": 90});
        let mut duplicate = leituras((150, 95), (124, 76));
        duplicate[9] = duplicate[8].clone();
        let few: Vec<Value> = leituras((150, 95), (124, 76))
            .into_iter()
            .take(12)
            .collect();
        // Out of the documented range (60–280 / 30–160): the schema refuses it (400).
        let p = problem(
            post(
                &app,
                &token,
                mrpa_uri,
                j!({"primeiro_dia": first, "leituras": wrong_range}),
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "body", "{p}");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("sistolica")),
            "{p}"
        );
        for (readings, says) in [
            (inverted, "deve ser maior que a diastólica"),
            (duplicate, "mais de uma vez"),
            (few, "Medidas insuficientes"),
        ] {
            let p = problem(
                post(
                    &app,
                    &token,
                    mrpa_uri,
                    j!({"primeiro_dia": first, "leituras": readings}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(p["errors"][0]["field"], "leituras", "{p}");
            let message = p["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(says), "{message}");
        }
        let saved = hypertension_mrpa::Entity::find()
            .count(app.conn())
            .await
            .expect("count");
        assert_eq!(saved, 0, "{backend:?}: nothing saved");
        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        assert!(
            pending(&timeline, "avaliar_mrpa").is_some(),
            "still pending"
        );
        // Out-of-range day: the schema refuses it (400).
        let mut bad_day = leituras((150, 95), (124, 76));
        bad_day[0]["dia"] = j!(6);
        problem(
            post(
                &app,
                &token,
                mrpa_uri,
                j!({"primeiro_dia": first, "leituras": bad_day}),
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;

        // Day 1 high and left out: the means are days 2–5 only, controlled, keep treatment.
        let resp = post(
            &app,
            &token,
            mrpa_uri,
            j!({"primeiro_dia": first, "leituras": leituras((180, 110), (124, 76)),
                "analise": "Boa adesão."}),
        )
        .await;
        resp.assert_status_is_ok();
        let m = json(resp).await;
        assert_eq!(
            (
                m["media_sistolica"].as_i64(),
                m["media_diastolica"].as_i64()
            ),
            (Some(124), Some(76)),
            "{m}"
        );
        assert_eq!(m["leituras_validas"], 24);
        assert_eq!(m["controle"], "controlada");
        assert_eq!(
            (m["decisao"].as_str(), m["decisao_sugerida"].as_str()),
            (Some("manter"), Some("manter"))
        );
        assert_eq!(scheduled(&m), vec![("solicitar_exames".into(), day(0))]);

        // The next action shows in the summary and in the pending tab.
        let s = json(api(&app, &token, "/api/v1/hipertensos/1").await).await;
        assert_eq!(s["proxima_acao"]["tipo"], "solicitar_exames", "{s}");
        assert_eq!(s["acoes_pendentes"], 1);
        assert_eq!(s["ultima_mrpa"]["media_sistolica"], 124);
        assert_eq!(s["ultima_mrpa"]["decisao"], "manter");
        assert_eq!(s["controle"], "controlada");
        let tab =
            json(api(&app, &token, "/api/v1/hipertensos?situacao=acoes_pendentes").await).await;
        assert_eq!(tab["total"], 1);
        assert_eq!(tab["itens"][0]["id"], 1);
        assert_eq!(tab["itens"][0]["proxima_acao"]["tipo"], "solicitar_exames");

        // Exams, then the CV risk (age and sex from the registration), each with its record.
        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        let ask = pending(&timeline, "solicitar_exames").expect("exams to ask");
        post(
            &app,
            &token,
            &format!("/api/v1/hipertensos/1/acoes/{ask}/concluir"),
            j!({"data": day(0)}),
        )
        .await
        .assert_status_is_ok();
        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        let eval = pending(&timeline, "avaliar_exames").expect("exams to evaluate");
        let eval_uri = format!("/api/v1/hipertensos/1/acoes/{eval}/concluir");
        let p = problem(
            post(
                &app,
                &token,
                &eval_uri,
                j!({"data": day(0), "registro": {"tipo": "exames",
                "data_coleta": day(-1), "valores": {"creatinina": 45.0}}}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            p["errors"][0]["field"], "registro.valores.creatinina",
            "{p}"
        );
        let p = problem(
            post(
                &app,
                &token,
                &eval_uri,
                j!({"data": day(0), "registro": {"tipo": "nutricao", "peso": 70.0}}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "registro", "{p}");
        let resp = post(
            &app,
            &token,
            &eval_uri,
            j!({"data": day(0), "registro": {"tipo": "exames",
            "data_coleta": day(-1), "valores": {"creatinina": 1.1, "colesterol_total": 210.0}}}),
        )
        .await;
        resp.assert_status_is_ok();
        assert_eq!(
            scheduled(&json(resp).await),
            vec![("avaliar_rcv".into(), day(0))]
        );
        let resp = post(
            &app,
            &token,
            "/api/v1/hipertensos/1/acoes/registrar",
            j!({"tipo": "avaliar_rcv",
            "data": day(0), "registro": {"tipo": "rcv", "tabagista": false, "diabetes": false,
            "sistolica": 124, "colesterol_total": 210.0}}),
        )
        .await;
        resp.assert_status(StatusCode::CREATED);
        assert_eq!(
            scheduled(&json(resp).await),
            vec![("encaminhar_nutricao".into(), day(0))]
        );

        let s = json(api(&app, &token, "/api/v1/hipertensos/1").await).await;
        let exams: Vec<&str> = s["exames"]
            .as_array()
            .expect("exames")
            .iter()
            .filter_map(|e| e["analito"].as_str())
            .collect();
        assert_eq!(exams, vec!["colesterol_total", "creatinina"], "{s}");
        assert_eq!(s["exames"][1]["unidade"], "mg/dL");
        assert!(s["tfg"]["valor"].as_f64().is_some_and(|v| v > 0.0), "{s}");
        assert!(
            s["tfg"]["estagio"]
                .as_str()
                .is_some_and(|e| e.starts_with('g'))
        );
        assert!(s["risco_cardiovascular"]["faixa"].is_string(), "{s}");
        assert_eq!(s["proxima_acao"]["tipo"], "encaminhar_nutricao");

        // Cancel the referral: 200, then 409.
        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        let refer = pending(&timeline, "encaminhar_nutricao").expect("referral");
        let cancel_uri = format!("/api/v1/hipertensos/1/acoes/{refer}/cancelar");
        let resp = post(
            &app,
            &token,
            &cancel_uri,
            j!({"motivo": "Acompanhada pela nutrição do NASF."}),
        )
        .await;
        resp.assert_status_is_ok();
        assert_eq!(json(resp).await["situacao"], "cancelada");
        problem(
            post(&app, &token, &cancel_uri, j!({})).await,
            StatusCode::CONFLICT,
        )
        .await;

        // The timeline: newest first, names, notes and records.
        let timeline = json(api(&app, &token, "/api/v1/hipertensos/1/linha-do-tempo").await).await;
        let events = timeline["eventos"].as_array().expect("eventos");
        assert_eq!(events.len(), 7, "{timeline}");
        let days: Vec<&str> = events
            .iter()
            .map(|e| {
                e["realizada_em"]
                    .as_str()
                    .or(e["prazo"].as_str())
                    .unwrap_or_default()
            })
            .collect();
        let mut sorted = days.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(days, sorted, "newest first");
        let mrpa = events
            .iter()
            .find(|e| e["tipo"] == "avaliar_mrpa")
            .expect("mrpa");
        assert_eq!(mrpa["situacao"], "realizada");
        assert_eq!(mrpa["registro"]["tipo"], "mrpa");
        assert_eq!(mrpa["registro"]["media_sistolica"], 124);
        assert_eq!(mrpa["registro"]["leituras"], 30);
        assert_eq!(mrpa["registro"]["controle"], "controlada");
        assert_eq!(mrpa["registro"]["decisao"], "manter");
        assert!(mrpa["concluida_por"].is_string() && mrpa["criada_por"].is_string());
        let exams = events
            .iter()
            .find(|e| e["tipo"] == "avaliar_exames")
            .expect("exams");
        assert_eq!(exams["registro"]["tipo"], "exames");
        assert_eq!(
            exams["registro"]["resultados"].as_array().map(Vec::len),
            Some(2)
        );
        let risk = events
            .iter()
            .find(|e| e["tipo"] == "avaliar_rcv")
            .expect("risk");
        assert_eq!(risk["registro"]["tipo"], "rcv");
        assert_eq!(risk["registro"]["sexo"], "F", "{risk}");
        let started = events
            .iter()
            .find(|e| e["tipo"] == "iniciar_mrpa")
            .expect("start");
        assert_eq!(started["observacoes"], "Aparelho entregue.");
        let cancelled = events
            .iter()
            .find(|e| e["tipo"] == "encaminhar_nutricao")
            .expect("nutrition");
        assert_eq!(cancelled["situacao"], "cancelada");
        assert_eq!(
            cancelled["motivo_cancelamento"],
            "Acompanhada pela nutrição do NASF."
        );
        let later = json(
            api(
                &app,
                &token,
                &format!("/api/v1/hipertensos/1/linha-do-tempo?desde={}", day(1)),
            )
            .await,
        )
        .await;
        assert_eq!(
            later["eventos"].as_array().map(Vec::len),
            Some(0),
            "{later}"
        );

        // Audit: every read of the person and every write, naming the person.
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::Username.eq("integrador.a"))
            .all(app.conn())
            .await
            .expect("rows");
        let writes: Vec<&audit_log::Model> = rows.iter().filter(|r| r.action == "write").collect();
        assert_eq!(writes.len(), 8, "{backend:?}");
        assert!(writes.iter().all(|r| r.person_ids.as_deref() == Some("1")
            && r.resource.starts_with("/api/v1/hipertensos/1/")));
        assert!(
            writes
                .iter()
                .any(|r| r.resource == "/api/v1/hipertensos/1/mrpa")
        );
        assert!(
            writes
                .iter()
                .any(|r| r.resource == format!("/api/v1/hipertensos/1/acoes/{round}/concluir"))
        );
        let views: Vec<&audit_log::Model> =
            rows.iter().filter(|r| r.action == "view_patient").collect();
        assert!(views.iter().any(|r| r.resource == "/api/v1/hipertensos/1"));
        assert!(
            views
                .iter()
                .any(|r| r.resource == "/api/v1/hipertensos/1/linha-do-tempo"
                    && r.filters.as_deref() == Some(&format!("desde={}", day(1)) as &str))
        );
        assert!(views.iter().all(|r| r.person_ids.as_deref() == Some("1")));
    }
}

#[tokio::test]
async fn followup_endpoints_are_scoped_and_writes_need_a_token() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let today = world(&app).await;
        let acs = user_with_token(
            &app,
            "acs.followup",
            assignment(Role::Acs, None, Some(TEAM_A), Some("01")),
        )
        .await;
        let prof = user_with_token(
            &app,
            "prof.followup",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;
        let admin = user_with_token(
            &app,
            "admin.followup",
            assignment(Role::Admin, None, None, None),
        )
        .await;
        let strip = |mut p: Value| {
            p.as_object_mut().map(|o| o.remove("request_id"));
            p
        };

        // Another micro-area, another team and nobody answer alike.
        json(api(&app, &acs, "/api/v1/hipertensos/1").await).await;
        let unknown = strip(
            problem(
                api(&app, &acs, "/api/v1/hipertensos/999").await,
                StatusCode::NOT_FOUND,
            )
            .await,
        );
        for id in [2, 3] {
            for suffix in ["", "/linha-do-tempo"] {
                let p = strip(
                    problem(
                        api(&app, &acs, &format!("/api/v1/hipertensos/{id}{suffix}")).await,
                        StatusCode::NOT_FOUND,
                    )
                    .await,
                );
                assert_eq!(p, unknown, "{backend:?} {id}{suffix}");
            }
        }
        // A malformed id names no one either: 404.
        for path in [
            "/api/v1/hipertensos/abc",
            "/api/v1/hipertensos/1.5/linha-do-tempo",
            "/api/v1/hipertensos/99999999999999999999",
        ] {
            problem(api(&app, &acs, path).await, StatusCode::NOT_FOUND).await;
        }
        let p = problem(
            post(&app, &acs, "/api/v1/hipertensos/1/acoes/x/cancelar", j!({})).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert!(p["errors"].is_null());
        problem(
            api(
                &app,
                &acs,
                "/api/v1/hipertensos/1/linha-do-tempo?desde=ontem",
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;

        // Writes out of scope: 404, nothing written.
        let due = today.to_string();
        for uri in [
            "/api/v1/hipertensos/3/acoes",
            "/api/v1/hipertensos/2/acoes",
            "/api/v1/hipertensos/999/acoes",
        ] {
            problem(
                post(
                    &app,
                    &acs,
                    uri,
                    j!({"tipo": "agendar_hiperdia", "prazo": due}),
                )
                .await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        problem(
            post(
                &app,
                &prof,
                "/api/v1/hipertensos/3/mrpa",
                j!({"primeiro_dia": due, "leituras": leituras((150, 90), (140, 85))}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            post(
                &app,
                &prof,
                "/api/v1/hipertensos/3/acoes/registrar",
                j!({"tipo": "agendar_hiperdia", "data": due}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let count = || async {
            hypertension_action::Entity::find()
                .count(app.conn())
                .await
                .expect("count")
        };
        assert_eq!(count().await, 0);

        // An action of ANA is not reachable through BIA's path, nor from outside the scope.
        let resp = post(
            &app,
            &prof,
            "/api/v1/hipertensos/1/acoes",
            j!({"tipo": "agendar_hiperdia", "prazo": due}),
        )
        .await;
        resp.assert_status(StatusCode::CREATED);
        let id = json(resp).await["acao"].as_i64().expect("id");
        for (token, uri) in [
            (&prof, format!("/api/v1/hipertensos/2/acoes/{id}/concluir")),
            (
                &prof,
                format!("/api/v1/hipertensos/1/acoes/{}/concluir", id + 1000),
            ),
            (&acs, format!("/api/v1/hipertensos/2/acoes/{id}/cancelar")),
        ] {
            problem(
                post(&app, token, &uri, j!({"data": due})).await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        let other = user_with_token(
            &app,
            "prof.b",
            assignment(Role::Professional, None, Some(TEAM_B), None),
        )
        .await;
        problem(
            post(
                &app,
                &other,
                &format!("/api/v1/hipertensos/1/acoes/{id}/cancelar"),
                j!({}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;

        // The browser session reads but never writes; admin tokens see no patient.
        app.get("/api/v1/hipertensos/1").await.assert_status_is_ok();
        let resp = app
            .client
            .post("/api/v1/hipertensos/1/acoes")
            .header("Cookie", format!("aps_sessao={}", app.session.cookie))
            .header("X-CSRF-Token", &app.session.csrf)
            .body_json(&j!({"tipo": "solicitar_exames", "prazo": due}))
            .send()
            .await;
        problem(resp, StatusCode::FORBIDDEN).await;
        let resp = app
            .client
            .post(format!("/api/v1/hipertensos/1/acoes/{id}/cancelar"))
            .header("Cookie", format!("aps_sessao={}", app.session.cookie))
            .body_json(&j!({}))
            .send()
            .await;
        problem(resp, StatusCode::FORBIDDEN).await;
        assert_eq!(count().await, 1, "{backend:?}: only the token's write");
        problem(
            api(&app, &admin, "/api/v1/hipertensos/1").await,
            StatusCode::FORBIDDEN,
        )
        .await;
        problem(
            post(
                &app,
                &admin,
                "/api/v1/hipertensos/1/acoes",
                j!({"tipo": "solicitar_exames", "prazo": due}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        // Refused requests leave no write in the trail.
        let writes = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("write"))
            .filter(audit_log::Column::Resource.starts_with("/api/v1/"))
            .count(app.conn())
            .await
            .expect("count");
        assert_eq!(writes, 1);
    }
}
