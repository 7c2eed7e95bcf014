//! The diabetes list over the API (`GET /api/v1/diabeticos`): the page's rows within the
//! token's scope, paging and filters through the platform's parser, problems naming the field,
//! an out-of-scope team answered like an unknown one, and the audit of every read.

use poem::http::StatusCode;
use sistema_aps::auth::Role;

use crate::api::{api, json, problem, user_with_token};
use crate::diabetes::town;
use crate::fixture::{TEAM_A, TEAM_B};
use crate::helpers::{Start, TestApp, assignment, backends};

#[tokio::test]
async fn the_diabetes_api_lists_the_page_within_the_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let f = town(&app).await;
        let team_a = user_with_token(
            &app,
            "prof.a",
            assignment(Role::Professional, None, Some(TEAM_A), None),
        )
        .await;
        let team_b = user_with_token(
            &app,
            "prof.b",
            assignment(Role::Professional, None, Some(TEAM_B), None),
        )
        .await;
        let acs = user_with_token(
            &app,
            "acs.a02",
            assignment(Role::Acs, None, Some(TEAM_A), Some("02")),
        )
        .await;
        let coordinator = user_with_token(
            &app,
            "coord.x",
            assignment(Role::Coordinator, None, None, None),
        )
        .await;
        let api_names = |page: &serde_json::Value| -> Vec<String> {
            page["itens"]
                .as_array()
                .expect("itens")
                .iter()
                .map(|p| p["nome"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let page = json(api(&app, &team_a, "/api/v1/diabeticos").await).await;
        assert_eq!(
            api_names(&page),
            vec!["ANA DOCE", "BRUNO GLICADA ALTA"],
            "{backend:?}"
        );
        assert_eq!(page["total"], 2);
        assert_eq!(page["contadores"]["total"], 2);
        assert_eq!(page["contadores"]["controlado"], 1);
        assert_eq!(page["contadores"]["descontrolado"], 1);
        let ana = &page["itens"][0];
        assert_eq!(ana["ultima_hba1c"]["valor"], 6.5);
        assert_eq!(
            ana["ultima_hba1c"]["data"],
            f.days_ago(30).format("%Y-%m-%d").to_string()
        );
        assert_eq!(ana["controle"], "controlado");
        assert_eq!(ana["c4"]["pontos"], 50);
        let pending: Vec<&str> = ana["c4"]["pendentes"]
            .as_array()
            .expect("pendentes")
            .iter()
            .filter_map(|p| p["pratica"].as_str())
            .collect();
        assert_eq!(pending, vec!["C", "D", "F"]);
        let page = json(api(&app, &team_b, "/api/v1/diabeticos").await).await;
        assert_eq!(api_names(&page), vec!["CARLA SEM EXAME"], "{backend:?}");
        let page = json(api(&app, &acs, "/api/v1/diabeticos").await).await;
        assert_eq!(api_names(&page), vec!["BRUNO GLICADA ALTA"], "{backend:?}");
        // Filters, order and paging: the page's.
        let page = json(
            api(
                &app,
                &coordinator,
                "/api/v1/diabeticos?ordem=hba1c&per_page=1&page=2",
            )
            .await,
        )
        .await;
        assert_eq!(api_names(&page), vec!["ANA DOCE"], "{backend:?}");
        assert_eq!(
            (page["total"].as_u64(), page["pages"].as_u64()),
            (Some(3), Some(3))
        );
        let page = json(
            api(
                &app,
                &coordinator,
                "/api/v1/diabeticos?controle=sem_hba1c_recente",
            )
            .await,
        )
        .await;
        assert_eq!(api_names(&page), vec!["CARLA SEM EXAME"], "{backend:?}");
        let page = json(api(&app, &coordinator, "/api/v1/diabeticos?pratica=A").await).await;
        assert_eq!(
            api_names(&page),
            vec!["BRUNO GLICADA ALTA", "CARLA SEM EXAME"],
            "{backend:?}"
        );

        // Another team answers exactly like a team that does not exist.
        let strip = |mut p: serde_json::Value| {
            p.as_object_mut().map(|o| o.remove("request_id"));
            p
        };
        let other = strip(
            problem(
                api(
                    &app,
                    &team_a,
                    &format!("/api/v1/diabeticos?equipe={TEAM_B}"),
                )
                .await,
                StatusCode::BAD_REQUEST,
            )
            .await,
        );
        let unknown = strip(
            problem(
                api(&app, &team_a, "/api/v1/diabeticos?equipe=9999999999").await,
                StatusCode::BAD_REQUEST,
            )
            .await,
        );
        assert_eq!(other, unknown, "{backend:?}");
        assert_eq!(other["errors"][0]["field"], "equipe");
        assert_eq!(other["detail"], sistema_aps::care::worklist::TEAM_NOT_FOUND);
        // Bad parameters: 400 naming the field; the list's own checks speak Portuguese.
        for (query, field) in [
            ("page=0", "page"),
            ("per_page=101", "per_page"),
            ("controle=talvez", "controle"),
            ("ordem=altura", "ordem"),
            ("equipe=abc", "equipe"),
        ] {
            let p = problem(
                api(&app, &team_a, &format!("/api/v1/diabeticos?{query}")).await,
                StatusCode::BAD_REQUEST,
            )
            .await;
            assert_eq!(p["errors"][0]["field"], field, "{query}: {p}");
        }
        let p = problem(
            api(&app, &team_a, "/api/v1/diabeticos?busca=%25%25").await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "busca");
        assert_eq!(
            p["detail"],
            "A busca precisa de letras ou números: digite parte do nome, o CNS ou o CPF."
        );
        // A profile without patients gets 403; every list read is audited with its persons.
        let admin =
            user_with_token(&app, "admin.x", assignment(Role::Admin, None, None, None)).await;
        problem(
            api(&app, &admin, "/api/v1/diabeticos").await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let audited = audited_api_reads(&app).await;
        assert_eq!(audited, 6, "{backend:?}");
    }
}

async fn audited_api_reads(app: &TestApp) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use sistema_aps::store::audit_log;
    audit_log::Entity::find()
        .filter(audit_log::Column::Resource.eq("/api/v1/diabeticos"))
        .count(app.conn())
        .await
        .expect("audit")
}
