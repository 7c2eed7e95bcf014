//! The diabetes follow-up over the API: the cycle with its steps and the evaluation, the
//! answers 201/409/422/403/404, scope (out of scope like unknown, nothing written), and writes
//! refused to the browser's cookie.

use chrono::Duration;
use poem::http::StatusCode;
use poem::test::TestResponse;
use serde_json::{Value, json as j};
use sistema_aps::auth::Role;

use super::{BRUNO, written};
use crate::api::{api, json, problem, user_with_token};
use crate::diabetes::town;
use crate::fixture::{TEAM_A, TEAM_B};
use crate::helpers::{Start, TestApp, assignment, backends};

async fn send(app: &TestApp, method: &str, token: &str, uri: &str, body: Value) -> TestResponse {
    let req = match method {
        "PUT" => app.client.put(uri),
        _ => app.client.post(uri),
    };
    req.header("Authorization", format!("Bearer {token}"))
        .body_json(&body)
        .send()
        .await
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|f| f["field"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn agendadas(v: &Value) -> Vec<(String, String)> {
    v["agendadas"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["tipo"].as_str().unwrap_or_default().to_string(),
                        x["prazo"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_follow_up_api_runs_the_cycle_within_the_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let today = app.state.today();
        let t = today.to_string();
        let nurse = user_with_token(
            &app,
            "enf.dm.a",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;
        let acs = user_with_token(
            &app,
            "acs.dm.a02",
            assignment(Role::Acs, None, Some(TEAM_A), Some("02")),
        )
        .await;
        let other = user_with_token(
            &app,
            "enf.dm.b",
            assignment(Role::Professional, None, Some(TEAM_B), None),
        )
        .await;
        let base = format!("/api/v1/diabeticos/{BRUNO}/acoes");

        let v = json(api(&app, &nurse, &base).await).await;
        assert_eq!(v["pendentes"], 0, "{backend:?}");
        assert_eq!(v["acoes"], j!([]));

        // Schedule: 201, then the same again is a conflict; a past date is refused.
        let resp = send(
            &app,
            "POST",
            &nurse,
            &base,
            j!({"tipo": "dm_agendar_acompanhamento", "prazo": t}),
        )
        .await;
        resp.assert_status(StatusCode::CREATED);
        let created = json(resp).await;
        assert_eq!(created["nome"], "Agendar novo acompanhamento");
        let first = created["acao"].as_i64().expect("id");
        let dup = send(
            &app,
            "POST",
            &nurse,
            &base,
            j!({"tipo": "dm_agendar_acompanhamento", "prazo": t}),
        )
        .await;
        problem(dup, StatusCode::CONFLICT).await;
        let yesterday = (today - Duration::days(1)).to_string();
        let p = problem(
            send(
                &app,
                "POST",
                &nurse,
                &base,
                j!({"tipo": "dm_encaminhar_nutricao", "prazo": yesterday}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&p), vec!["prazo"], "{backend:?}");

        // Complete it: the collection follows, with its steps, as the next action.
        let done = json(
            send(
                &app,
                "POST",
                &nurse,
                &format!("{base}/{first}/concluir"),
                j!({"data": t}),
            )
            .await,
        )
        .await;
        assert_eq!(
            agendadas(&done),
            vec![("dm_aguardando_coleta".to_string(), t.clone())]
        );
        let v = json(api(&app, &nurse, &base).await).await;
        let collection = v["proxima_acao"].as_i64().expect("next");
        assert_eq!(v["acoes"][0]["acao"], collection);
        assert_eq!(v["acoes"][0]["etapas"].as_array().map(Vec::len), Some(4));
        assert_eq!(v["acoes"][0]["etapas"][2]["obrigatoria"], true);

        // Steps: ticked one by one; an unknown one is refused.
        for n in [3, 4] {
            let r = json(
                send(
                    &app,
                    "PUT",
                    &nurse,
                    &format!("{base}/{collection}/etapas/{n}"),
                    j!({"feita": true}),
                )
                .await,
            )
            .await;
            assert_eq!(r["feita"], true);
        }
        let p = problem(
            send(
                &app,
                "PUT",
                &nurse,
                &format!("{base}/{collection}/etapas/9"),
                j!({"feita": true}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&p), vec!["etapas"]);
        let done = json(
            send(
                &app,
                "POST",
                &nurse,
                &format!("{base}/{collection}/concluir"),
                j!({"data": t}),
            )
            .await,
        )
        .await;
        assert_eq!(
            agendadas(&done),
            vec![("dm_avaliar_tratamento".to_string(), t.clone())]
        );
        let evaluation = json(api(&app, &nurse, &base).await).await["proxima_acao"]
            .as_i64()
            .expect("the evaluation");

        // The evaluation: refused without the control or out of range, nothing written.
        let before = written(&app).await;
        let concluir = format!("{base}/{evaluation}/concluir");
        for (avaliacao, field) in [
            (j!({"hba1c": 7.0, "data_exames": t}), "avaliacao.controle"),
            (
                j!({"hba1c": 25.0, "data_exames": t, "controle": "adequado"}),
                "avaliacao.hba1c",
            ),
        ] {
            let p = problem(
                send(
                    &app,
                    "POST",
                    &nurse,
                    &concluir,
                    j!({"data": t, "avaliacao": avaliacao}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(fields(&p), vec![field], "{backend:?}");
        }
        let valid = j!({"data": t, "avaliacao": {"hba1c": 9.1, "data_exames": t, "controle": "descompensado"}});
        // The ACS may not evaluate; another team's nurse finds nothing.
        problem(
            send(&app, "POST", &acs, &concluir, valid.clone()).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        problem(
            send(&app, "POST", &other, &concluir, valid.clone()).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(api(&app, &other, &base).await, StatusCode::NOT_FOUND).await;
        problem(
            send(
                &app,
                "POST",
                &other,
                &base,
                j!({"tipo": "dm_agendar_acompanhamento", "prazo": t}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        problem(
            send(
                &app,
                "PUT",
                &other,
                &format!("{base}/{collection}/etapas/1"),
                j!({"feita": false}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        // The browser's session reads but does not write.
        let resp = app
            .client
            .post(&base)
            .header("Cookie", format!("aps_sessao={}", app.session.cookie))
            .header("X-CSRF-Token", &app.session.csrf)
            .body_json(&j!({"tipo": "dm_encaminhar_nutricao", "prazo": t}))
            .send()
            .await;
        problem(resp, StatusCode::FORBIDDEN).await;
        assert_eq!(written(&app).await, before, "{backend:?}");

        // Decompensated: the treatment change at once; it is cancelled, once.
        let done = json(send(&app, "POST", &nurse, &concluir, valid).await).await;
        assert_eq!(
            agendadas(&done),
            vec![("dm_modificar_tratamento".to_string(), t.clone())]
        );
        let v = json(api(&app, &nurse, &base).await).await;
        let change = v["proxima_acao"].as_i64().expect("the change");
        let evaluated = v["acoes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["acao"] == evaluation))
            .expect("the evaluation in the timeline");
        assert_eq!(evaluated["avaliacao"]["hba1c"], 9.1);
        assert_eq!(evaluated["avaliacao"]["controle"], "descompensado");
        assert_eq!(evaluated["situacao"], "realizada");
        let cancelar = format!("{base}/{change}/cancelar");
        let r =
            json(send(&app, "POST", &nurse, &cancelar, j!({"motivo": "Internada"})).await).await;
        assert_eq!(r["situacao"], "cancelada");
        problem(
            send(&app, "POST", &nurse, &cancelar, j!({})).await,
            StatusCode::CONFLICT,
        )
        .await;
        let v = json(api(&app, &nurse, &base).await).await;
        assert_eq!(v["pendentes"], 0, "{backend:?}");
        assert!(v["proxima_acao"].is_null());
    }
}
