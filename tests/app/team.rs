//! The team summary generated from the registry (`web::team` over `care::indicator`): the
//! diabetes programme's C4 per team, its months, practices and micro-areas, within the scope.

use poem::http::StatusCode;
use sistema_aps::auth::Role;

use crate::fixture::{TEAM_A, TEAM_B};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of};

/// The cells of every row of the table in the section labelled `label`.
fn table(page: &str, label: &str) -> Vec<Vec<String>> {
    let doc = html(page);
    let rows = select(&doc, &format!("section[aria-label=\"{label}\"] tbody tr"));
    let td = scraper::Selector::parse("td").expect("selector");
    rows.iter()
        .map(|r| r.select(&td).map(|c| text_of(&c)).collect())
        .collect()
}

fn counters(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, ".counters .counter .counter-value")
        .iter()
        .map(text_of)
        .collect()
}

#[tokio::test]
async fn the_diabetes_team_summary_shows_c4_by_month_practice_and_micro_area_in_scope() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let f = crate::diabetes::town(&app).await;
        let months = sistema_aps::clinical::indicator::month_ends(f.days_ago(0));

        // Team A: ANA (micro-area 01, A+B+E = 50 points) and BRUNO (02, E = 15 points).
        let page = body(
            app.get(&format!("/diabeticos/equipe?equipe={TEAM_A}"))
                .await,
        )
        .await;
        // Quadrimester (mean of the months), today, people.
        let c = counters(&page);
        assert_eq!(c[1], "32,5", "{backend:?}: {c:?}");
        assert_eq!(c[2], "2", "{backend:?}: {c:?}");
        let practices = table(&page, "Boas práticas");
        let met: Vec<(&str, &str)> = practices
            .iter()
            .map(|r| (r[1].as_str(), r[2].as_str()))
            .collect();
        assert_eq!(
            met,
            [
                ("1", "50,0%"),
                ("1", "50,0%"),
                ("0", "0,0%"),
                ("0", "0,0%"),
                ("2", "100,0%"),
                ("0", "0,0%")
            ],
            "{backend:?}: A B C D E F"
        );
        assert!(practices[0][0].starts_with("A — Consulta"), "{practices:?}");
        let areas = table(&page, "Microáreas");
        let areas: Vec<(&str, &str, &str)> = areas
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
            .collect();
        assert_eq!(
            areas,
            [("01", "1", "50,0"), ("02", "1", "15,0")],
            "{backend:?}"
        );
        // One line per month of the quadrimester so far, both people in each.
        let trend = table(&page, "Evolução mensal");
        assert_eq!(trend.len(), months.len(), "{backend:?}: {trend:?}");
        assert!(trend.iter().all(|r| r[1] == "2"), "{trend:?}");
        assert_eq!(
            trend.last().map(|r| r[2].as_str()),
            Some("32,5"),
            "{backend:?}: this month is today's result"
        );

        // Bad input gets a Portuguese 400.
        for (query, message) in [
            ("equipe=abc", "use o código INE"),
            ("equipe=0000000001&x=1", "Parâmetro desconhecido: x"),
            ("equipe=0000000099", "Equipe não encontrada"),
        ] {
            let resp = app.get(&format!("/diabeticos/equipe?{query}")).await;
            resp.assert_status(StatusCode::BAD_REQUEST);
            let text = body(resp).await;
            assert!(text.contains(message), "{query}: {text}");
        }

        // A professional of team B: team A answers like an unknown team; their own team
        // opens without choosing (CARLA, no practice met).
        app.create_user(
            "enf.b",
            vec![assignment(Role::Professional, None, Some(TEAM_B), None)],
        )
        .await;
        let nurse = app.login("enf.b", PASSWORD).await;
        let resp = app
            .get_as(&nurse, &format!("/diabeticos/equipe?equipe={TEAM_A}"))
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let page = body(app.get_as(&nurse, "/diabeticos/equipe").await).await;
        assert!(page.contains(TEAM_B), "{page}");
        assert_eq!(counters(&page)[2], "1", "{backend:?}");

        // An ACS of micro-area 02 sees only BRUNO, and no monthly trend of the whole team.
        app.create_user(
            "acs.a02",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("02"))],
        )
        .await;
        let acs = app.login("acs.a02", PASSWORD).await;
        let page = body(
            app.get_as(&acs, &format!("/diabeticos/equipe?equipe={TEAM_A}"))
                .await,
        )
        .await;
        let c = counters(&page);
        assert_eq!((c[1].as_str(), c[2].as_str()), ("15,0", "1"), "{backend:?}");
        assert!(table(&page, "Evolução mensal").is_empty());
        assert!(page.contains("seu perfil vê parte dela"), "{page}");
    }
}
