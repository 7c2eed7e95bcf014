//! The person read model and what reads it: the search across the territory, the person page
//! for anyone in scope with the programmes they are (or are not) on and why, and the territory
//! the admin's scope choices come from.

use poem::http::StatusCode;
use sistema_aps::auth::Role;

use crate::fixture::{Coding, Fixture, Person, TEAM_A, TEAM_B, TEAM_INACTIVE};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of};

/// Names listed by a `/pessoas` answer, in order.
fn found(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr td:first-child a")
        .iter()
        .map(text_of)
        .collect()
}

/// (listed, reason) of one programme on a person page.
fn membership(page: &str, program: &str) -> (String, String) {
    let doc = html(page);
    let css = format!(".person-programs li[data-program=\"{program}\"]");
    let li = select(&doc, &css);
    let li = li
        .first()
        .unwrap_or_else(|| panic!("no {program} in {page}"));
    let reason = li
        .select(&scraper::Selector::parse("p.hint").expect("selector"))
        .next()
        .map(|p| text_of(&p))
        .unwrap_or_default();
    (
        li.value()
            .attr("data-listed")
            .unwrap_or_default()
            .to_string(),
        reason,
    )
}

async fn town(app: &TestApp) {
    let mut f = Fixture::new(app).await;
    f.person(&Person::new(1, "JOSÉ DA SILVA ARAÚJO", TEAM_A, "01"))
        .await;
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(2, "MARIA JOSÉ SOUZA", TEAM_A, "02")
    })
    .await;
    f.person(&Person {
        coding: Coding::NotHypertensive,
        deceased: true,
        ..Person::new(3, "JOSEFA FALECIDA", TEAM_A, "01")
    })
    .await;
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(4, "JOSÉ DA EQUIPE B", TEAM_B, "03")
    })
    .await;
    f.person(&Person::new(5, "RITA EQUIPE INATIVA", TEAM_INACTIVE, "01"))
        .await;
    // Moved: linked to team A long ago, to team B since; an older registration in micro-area
    // 09 with a higher id than the current one.
    let moved = Person {
        coding: Coding::NotHypertensive,
        ..Person::new(6, "PAULO MUDOU", TEAM_B, "05")
    };
    f.person(&moved).await;
    let earlier = f.days_ago(500);
    f.team_link(6, TEAM_A, earlier).await;
    f.old_registration(&moved, "09").await;
    app.refresh().await;
}

#[tokio::test]
async fn search_finds_anyone_in_scope_by_words_in_any_order_cns_or_cpf() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        // Words in any order, accents and case ignored; people on no programme included.
        let page = body(app.get("/pessoas?busca=araujo%20jose").await).await;
        assert_eq!(found(&page), vec!["JOSÉ DA SILVA ARAÚJO"], "{backend:?}");
        let page = body(app.get("/pessoas?busca=Jos%C3%A9").await).await;
        assert_eq!(
            found(&page),
            vec![
                "JOSÉ DA EQUIPE B",
                "JOSÉ DA SILVA ARAÚJO",
                "JOSEFA FALECIDA",
                "MARIA JOSÉ SOUZA"
            ],
            "{backend:?}"
        );
        // The deceased person is found, and marked as outside the population.
        let doc = html(&page);
        let rows: Vec<String> = select(&doc, "table.worklist tbody tr")
            .iter()
            .map(text_of)
            .collect();
        let josefa = rows.iter().find(|r| r.contains("JOSEFA")).expect("row");
        assert!(josefa.contains("consta como falecido no PEC"), "{josefa}");
        // CNS with punctuation.
        let page = body(app.get("/pessoas?busca=7000.0000.0000.004").await).await;
        assert_eq!(found(&page), vec!["JOSÉ DA EQUIPE B"], "{backend:?}");
        // Nothing found says so.
        let page = body(app.get("/pessoas?busca=inexistente").await).await;
        assert_eq!(found(&page), Vec::<String>::new());
        assert!(page.contains("Nenhuma pessoa encontrada"), "{page}");
    }
}

#[tokio::test]
async fn search_and_person_page_respect_the_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        app.create_user(
            "enf.a",
            vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
        )
        .await;
        app.create_user(
            "acs.a02",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("02"))],
        )
        .await;
        let nurse = app.login("enf.a", PASSWORD).await;
        let page = body(app.get_as(&nurse, "/pessoas?busca=jose").await).await;
        assert_eq!(
            found(&page),
            vec![
                "JOSÉ DA SILVA ARAÚJO",
                "JOSEFA FALECIDA",
                "MARIA JOSÉ SOUZA"
            ],
            "{backend:?}"
        );
        // Team B's person: not found, and the page is a 404 like an unknown id.
        app.get_as(&nurse, "/pacientes/4")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&nurse, "/pacientes/999")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        // The person who moved to team B is team B's now, not team A's.
        app.get_as(&nurse, "/pacientes/6")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&nurse, "/pacientes/2")
            .await
            .assert_status_is_ok();
        let acs = app.login("acs.a02", PASSWORD).await;
        let page = body(app.get_as(&acs, "/pessoas?busca=jose").await).await;
        assert_eq!(found(&page), vec!["MARIA JOSÉ SOUZA"], "{backend:?}");
        app.get_as(&acs, "/pacientes/1")
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_person_page_says_why_someone_is_or_is_not_on_each_list() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        // On the list: the programme's page, with the panel.
        let page = body(app.get("/pacientes/1").await).await;
        let (listed, reason) = membership(&page, "hypertension");
        assert_eq!(listed, "true", "{backend:?}");
        assert!(reason.starts_with("Está na lista"), "{reason}");
        // Not hypertensive: the person page, with the rule.
        let resp = app.get("/pacientes/2").await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        assert_eq!(
            select(&doc, "h1#paciente-nome")
                .iter()
                .map(text_of)
                .collect::<Vec<_>>(),
            vec!["MARIA JOSÉ SOUZA"]
        );
        let (listed, reason) = membership(&page, "hypertension");
        assert_eq!(listed, "false");
        assert!(
            reason.starts_with("Não está na lista: não tem problema ativo ou latente")
                && reason.contains("CIAP K86"),
            "{reason}"
        );
        // Deceased, inactive team: the shared rule that excludes them.
        let (_, reason) = membership(&body(app.get("/pacientes/3").await).await, "hypertension");
        assert_eq!(reason, "Não está na lista: consta como falecido no PEC.");
        let (listed, reason) =
            membership(&body(app.get("/pacientes/5").await).await, "hypertension");
        assert_eq!(listed, "false");
        assert_eq!(
            reason,
            "Não está na lista: a equipe do vínculo mais recente está inativa."
        );
        // Team and micro-area from the latest link and the current registration.
        let page = body(app.get("/pacientes/6").await).await;
        let doc = html(&page);
        let facts: Vec<String> = select(&doc, ".patient-id dd").iter().map(text_of).collect();
        assert!(facts.contains(&"05".to_string()), "{facts:?}");
        assert!(!facts.contains(&"09".to_string()), "{facts:?}");
    }
}

#[tokio::test]
async fn bad_search_input_gets_a_message() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let long = "a".repeat(101);
        let resp = app.get(&format!("/pessoas?busca={long}")).await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        assert!(body(resp).await.contains("no máximo 100 caracteres"));
        let resp = app.get("/pessoas?busca=%21%21").await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        assert!(body(resp).await.contains("precisa de letras ou números"));
        let resp = app.get("/pessoas?equipe=1").await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        assert!(body(resp).await.contains("Parâmetro desconhecido"));
        app.get("/pacientes/abc")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        // A user with no clinical scope cannot search.
        app.create_user("admin.p", vec![assignment(Role::Admin, None, None, None)])
            .await;
        let admin = app.login("admin.p", PASSWORD).await;
        app.get_as(&admin, "/pessoas?busca=jose")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_territory_comes_from_every_person_not_one_programme() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let t = sistema_aps::territory::load(app.conn())
            .await
            .expect("territory");
        let teams: Vec<(String, i64)> = t
            .teams
            .iter()
            .map(|t| (t.nu_ine.clone(), t.people))
            .collect();
        // Team A: JOSÉ (hypertensive), MARIA (not); the deceased one is out. Team B: the two
        // who are not hypertensive. The inactive team is no scope to choose.
        let mut expected = vec![(TEAM_A.to_string(), 2), (TEAM_B.to_string(), 2)];
        expected.sort();
        let mut got = teams.clone();
        got.sort();
        assert_eq!(got, expected, "{backend:?}");
        assert!(t.has_micro_area(TEAM_B, "05"));
        assert!(!t.has_micro_area(TEAM_A, "09"));
        assert!(t.has_micro_area(TEAM_A, "02"));
    }
}
