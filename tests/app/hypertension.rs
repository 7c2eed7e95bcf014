//! The hypertension worklist: population, rules end to end, filters, counters, bad input.

use crate::fixture::{
    ACS, Coding, Fixture, Kind, NOT_ACS, NURSE, Outcome, PHYSICIAN, Person, TEAM_A, TEAM_B,
    TEAM_INACTIVE, TECHNICIAN,
};
use crate::helpers::{Start, TestApp, backends, body, html, select, text_of};

/// Names in the rendered list, in order.
fn names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

fn counter(page: &str, class: &str) -> u64 {
    let doc = html(page);
    let sel = format!(".counters .{class} .counter-value");
    select(&doc, &sel)
        .first()
        .map(|e| text_of(e).replace('.', ""))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no counter {class}"))
}

/// Team name, team title (`INE …`) and micro-area text of one person's row (third cell).
fn team_cell(page: &str, name: &str) -> (String, String, String) {
    let doc = html(page);
    let sel = |css: &str| scraper::Selector::parse(css).expect("selector");
    let row = select(&doc, "table.worklist tbody tr")
        .into_iter()
        .find(|tr| {
            tr.select(&sel(".patient-name"))
                .next()
                .is_some_and(|a| text_of(&a) == name)
        })
        .unwrap_or_else(|| panic!("{name} not in the list"));
    let cell = row.select(&sel("td")).nth(2).expect("team cell");
    let team = cell.select(&sel("span[title]")).next().expect("team name");
    let micro = cell
        .select(&sel(".patient-meta"))
        .next()
        .expect("micro-area");
    (
        text_of(&team),
        team.value().attr("title").unwrap_or_default().to_string(),
        text_of(&micro),
    )
}

/// The row of one person, as text.
fn row_text(page: &str, name: &str) -> String {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr")
        .iter()
        .map(text_of)
        .find(|t| t.contains(name))
        .unwrap_or_else(|| panic!("{name} not in the list"))
}

#[tokio::test]
async fn population_follows_the_rules() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(1, "ANA ATIVA K86", TEAM_A, "01"))
            .await;
        f.person(&Person {
            coding: Coding::CidI119Latent,
            ..Person::new(2, "BRUNO LATENTE I11", TEAM_A, "02")
        })
        .await;
        f.person(&Person {
            coding: Coding::Resolved,
            ..Person::new(3, "CARLA RESOLVIDA", TEAM_A, "01")
        })
        .await;
        f.person(&Person {
            coding: Coding::NotHypertensive,
            ..Person::new(4, "DAVI ASMA", TEAM_A, "01")
        })
        .await;
        f.person(&Person {
            deceased: true,
            ..Person::new(5, "ELSA FALECIDA", TEAM_A, "01")
        })
        .await;
        f.person(&Person {
            active: false,
            ..Person::new(6, "FABIO INATIVO", TEAM_A, "01")
        })
        .await;
        f.person(&Person::new(7, "GABI EQUIPE INATIVA", TEAM_INACTIVE, "01"))
            .await;
        // HUGO moved: linked to team A first (500 days ago), to team B later (400 days ago);
        // the older link and the older registration (micro-area 09) have the higher ids, so
        // neither "highest id" nor "any version" gives the current answer.
        let hugo = Person::new(8, "HUGO EQUIPE B", TEAM_B, "05");
        f.person(&hugo).await;
        let earlier = f.days_ago(500);
        f.team_link(8, TEAM_A, earlier).await;
        f.old_registration(&hugo, "09").await;
        app.refresh().await;
        let page = body(app.get("/hipertensos").await).await;
        assert_eq!(
            names(&page),
            vec!["ANA ATIVA K86", "BRUNO LATENTE I11", "HUGO EQUIPE B"],
            "{backend:?}"
        );
        assert_eq!(
            counter(
                &page,
                "counter:not(.counter-ok):not(.counter-bad):not(.counter-warn):not(.counter-score)"
            ),
            3
        );
        // Team and micro-area come from the latest link and the current registration.
        assert_eq!(
            team_cell(&page, "HUGO EQUIPE B"),
            (
                "ESF 02 - RIBEIRINHA".to_string(),
                format!("INE {TEAM_B}"),
                "Microárea 05".to_string()
            ),
            "{backend:?}"
        );
        assert_eq!(
            team_cell(&page, "ANA ATIVA K86"),
            (
                "ESF 01 - CENTRO".to_string(),
                format!("INE {TEAM_A}"),
                "Microárea 01".to_string()
            ),
            "{backend:?}"
        );
        // HUGO is counted in team B only.
        let b = body(app.get(&format!("/hipertensos?equipe={TEAM_B}")).await).await;
        assert_eq!(names(&b), vec!["HUGO EQUIPE B"], "{backend:?}");
        let a = body(app.get(&format!("/hipertensos?equipe={TEAM_A}")).await).await;
        assert_eq!(
            names(&a),
            vec!["ANA ATIVA K86", "BRUNO LATENTE I11"],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn control_status_thresholds_end_to_end() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        let cases = [
            (11, "P01 LIMITE CONTROLADA", 180, "139/89", "Controlada"),
            (
                12,
                "P02 LIMITE NAO CONTROLADA",
                0,
                "140/90",
                "Não controlada",
            ),
            (13, "P03 DIASTOLICA ALTA", 10, "120/90", "Não controlada"),
            (14, "P04 ANTIGA", 181, "120/80", "Sem aferição recente"),
            (15, "P05 NUNCA AFERIDA", -1, "", "Sem aferição recente"),
            (
                16,
                "P06 TEXTO INVALIDO",
                3,
                "12O/80",
                "Sem aferição recente",
            ),
        ];
        for (id, name, days, bp, _) in cases {
            f.person(&Person::new(id, name, TEAM_A, "01")).await;
            if days >= 0 {
                let day = f.days_ago(days);
                f.bp(id, day, bp).await;
            }
        }
        // The latest reading wins: an old high reading, then a recent normal one.
        f.person(&Person::new(17, "P07 ULTIMA VALE", TEAM_A, "01"))
            .await;
        let (old, new) = (f.days_ago(30), f.days_ago(2));
        f.bp(17, old, "170/100").await;
        f.bp(17, new, "128/82").await;
        app.refresh().await;

        let page = body(app.get("/hipertensos?per_page=50").await).await;
        for (_, name, _, _, expected) in cases {
            let row = row_text(&page, name);
            assert!(row.contains(expected), "{backend:?} {name}: {row}");
        }
        assert!(row_text(&page, "P07 ULTIMA VALE").contains("128/82 mmHg"));
        assert!(row_text(&page, "P07 ULTIMA VALE").contains("Controlada"));
        assert!(row_text(&page, "P05 NUNCA AFERIDA").contains("Nunca aferida"));
        assert_eq!(counter(&page, "counter-ok"), 2);
        assert_eq!(counter(&page, "counter-bad"), 2);
        assert_eq!(counter(&page, "counter-warn"), 3);
    }
}

#[tokio::test]
async fn c5_practices_end_to_end() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        // Full marks: physician visit, BP, same-day weight and height, two ACS visits 30 days apart.
        let full = Person::new(21, "C5 COMPLETO", TEAM_A, "01");
        f.person(&full).await;
        let d = f.days_ago(10);
        f.visit(21, d, PHYSICIAN, Kind::Consultation).await;
        f.bp(21, d, "130/80").await;
        f.anthropometry(21, d, Some("70.5"), Some("162")).await;
        let (v1, v2) = (f.days_ago(100), f.days_ago(70));
        f.home_visit(&full, v1, ACS, Outcome::Done).await;
        f.home_visit(&full, v2, ACS, Outcome::Done).await;

        // Nothing counts: only an initial listening, weight and height on different days, ACS
        // visits 29 days apart, a visit by a non-ACS and a refused visit.
        let none = Person::new(22, "C5 NADA", TEAM_A, "01");
        f.person(&none).await;
        let old = f.days_ago(400);
        f.bp(22, old, "130/80").await;
        let listening = f.days_ago(5);
        f.visit(22, listening, NURSE, Kind::InitialListening).await;
        let (w, h) = (f.days_ago(20), f.days_ago(21));
        f.anthropometry(22, w, Some("80"), None).await;
        f.anthropometry(22, h, None, Some("170")).await;
        let (a1, a2) = (f.days_ago(60), f.days_ago(31));
        f.home_visit(&none, a1, ACS, Outcome::Done).await;
        f.home_visit(&none, a2, ACS, Outcome::Done).await;
        let (n1, n2) = (f.days_ago(200), f.days_ago(10));
        f.home_visit(&none, n1, NOT_ACS, Outcome::Done).await;
        f.home_visit(&none, n2, ACS, Outcome::Refused).await;
        // A nurse consultation counts for A.
        let nurse = Person::new(23, "C5 ENFERMEIRA", TEAM_A, "01");
        f.person(&nurse).await;
        let nd = f.days_ago(1);
        f.visit(23, nd, NURSE, Kind::Consultation).await;
        // A technician's "consultation" does not.
        let tech = Person::new(24, "C5 TECNICO", TEAM_A, "01");
        f.person(&tech).await;
        let td = f.days_ago(1);
        f.visit(24, td, TECHNICIAN, Kind::Consultation).await;
        app.refresh().await;

        let page = body(app.get("/hipertensos").await).await;
        let doc = html(&page);
        let points: Vec<(String, String)> = select(&doc, "table.worklist tbody tr")
            .iter()
            .map(|tr| {
                let name = tr
                    .select(&scraper::Selector::parse(".patient-name").expect("sel"))
                    .map(|e| text_of(&e))
                    .collect();
                let pts = tr
                    .select(&scraper::Selector::parse("td.num:last-child").expect("sel"))
                    .map(|e| text_of(&e))
                    .collect();
                (name, pts)
            })
            .collect();
        assert!(
            points.contains(&("C5 COMPLETO".into(), "100".into())),
            "{backend:?} {points:?}"
        );
        assert!(
            points.contains(&("C5 NADA".into(), "0".into())),
            "{backend:?} {points:?}"
        );
        assert!(
            points.contains(&("C5 ENFERMEIRA".into(), "25".into())),
            "{backend:?} {points:?}"
        );
        assert!(
            points.contains(&("C5 TECNICO".into(), "0".into())),
            "{backend:?} {points:?}"
        );

        // "Missing practice" filter: A is missing for NADA and TECNICO only.
        let page = body(app.get("/hipertensos?pratica=A").await).await;
        assert_eq!(names(&page), vec!["C5 NADA", "C5 TECNICO"]);
        // Team score: (100 + 0 + 25 + 0) / 4 = 31,3.
        let doc = html(&page);
        let score = select(&doc, ".counter-score .counter-value")
            .first()
            .map(text_of);
        assert_eq!(score.as_deref(), Some("31,3"));
    }
}

#[tokio::test]
async fn search_is_accent_and_case_insensitive_and_safe() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(31, "JOSÉ D'ÁVILA CONCEIÇÃO", TEAM_A, "01"))
            .await;
        f.person(&Person::new(32, "MARIA 100% SILVA", TEAM_A, "01"))
            .await;
        f.person(&Person::new(33, "JOAO_PEREIRA", TEAM_A, "01"))
            .await;
        app.refresh().await;
        for (q, expected) in [
            ("jose%20d%27avila", vec!["JOSÉ D'ÁVILA CONCEIÇÃO"]),
            ("CONCEICAO", vec!["JOSÉ D'ÁVILA CONCEIÇÃO"]),
            ("concei%C3%A7%C3%A3o", vec!["JOSÉ D'ÁVILA CONCEIÇÃO"]),
            ("100%25", vec!["MARIA 100% SILVA"]),
            ("joao%20pereira", vec!["JOAO_PEREIRA"]),
            ("700000000000031", vec!["JOSÉ D'ÁVILA CONCEIÇÃO"]),
            ("ninguem", vec![]),
        ] {
            let resp = app.get(&format!("/hipertensos?busca={q}")).await;
            resp.assert_status_is_ok();
            let page = body(resp).await;
            let expected: Vec<String> = expected.into_iter().map(String::from).collect();
            assert_eq!(names(&page), expected, "{backend:?} busca={q}");
        }
        // A `%` alone is no wildcard.
        app.get("/hipertensos?busca=%25")
            .await
            .assert_status(poem::http::StatusCode::BAD_REQUEST);
        let empty = body(app.get("/hipertensos?busca=ninguem").await).await;
        assert!(
            empty.contains("Nenhum hipertenso"),
            "empty state explains itself"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_portuguese_400_never_a_500() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(41, "ALGUEM", TEAM_A, "01")).await;
        app.refresh().await;
        // Over the search limit, under the request-head limit (longer targets are 414).
        let long = "x".repeat(4 * 1024);
        for q in [
            "page=-1".to_string(),
            "page=abc".into(),
            "page=0".into(),
            "page=99999999999999999999".into(),
            "per_page=100000".into(),
            "equipe=9999999999".into(),
            "equipe=%27%20OR%201%3D1".into(),
            "controle=%27".into(),
            "pratica=Z".into(),
            "ordem=nome%3B%20DROP%20TABLE".into(),
            format!("busca={long}"),
            "busca=%27%22%25".into(),
            "microarea=%25".into(),
        ] {
            let resp = app.get(&format!("/hipertensos?{q}")).await;
            resp.assert_status(poem::http::StatusCode::BAD_REQUEST);
            let page = body(resp).await;
            let doc = html(&page);
            let h1 = select(&doc, "h1").first().map(text_of);
            assert_eq!(h1.as_deref(), Some("Pedido inválido"), "{backend:?} {q}");
            assert_eq!(select(&doc, "html[lang=pt-BR]").len(), 1);
        }
        // The data is still there.
        let page = body(app.get("/hipertensos").await).await;
        assert_eq!(names(&page), vec!["ALGUEM"], "{backend:?}");
    }
}

#[tokio::test]
async fn a_page_past_the_end_says_so() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(51, "UNICA", TEAM_A, "01")).await;
        app.refresh().await;
        let resp = app.get("/hipertensos?page=5").await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        assert!(page.contains("não existe"), "{backend:?}");
    }
}

/// On a synthetic municipality: each status counter equals the rows its filter lists (every
/// page walked, no patient twice), every row is of the filtered team (by its INE, not by a
/// substring of the name) and has the filtered status, and the teams split the municipality:
/// their totals add up to the unfiltered total, with no patient in two teams.
#[tokio::test]
async fn counters_equal_rows_and_teams_stay_apart_on_the_synthetic_municipality() {
    const TOTAL: &str =
        "counter:not(.counter-ok):not(.counter-bad):not(.counter-warn):not(.counter-score)";
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                // (About 3,300 citizens per team: enough for two teams to split.)
                seed_citizens: Some(7000),
            },
        )
        .await;
        let teams =
            sistema_aps::programs::hypertension::worklist::teams(app.conn(), &app.session_scope())
                .await
                .expect("teams");
        assert!(
            teams.len() >= 2,
            "{backend:?}: the seed makes several teams"
        );
        let everyone = counter(&body(app.get("/hipertensos").await).await, TOTAL);
        let mut seen = std::collections::BTreeSet::new();
        let mut teams_total = 0;
        for team in &teams {
            let base = format!("/hipertensos?equipe={}&per_page=100", team.nu_ine);
            let page = body(app.get(&base).await).await;
            let total = counter(&page, TOTAL);
            assert!(total > 0, "{backend:?}: team {} has people", team.nu_ine);
            let mut sum = 0;
            for (status, class, label) in [
                ("controlada", "counter-ok", "Controlada"),
                ("nao_controlada", "counter-bad", "Não controlada"),
                ("sem_afericao", "counter-warn", "Sem aferição recente"),
            ] {
                let n = counter(&page, class);
                sum += n;
                let mut rows = 0u64;
                let mut p = 1;
                loop {
                    let url = format!("{base}&controle={status}&page={p}");
                    let sub = body(app.get(&url).await).await;
                    let doc = html(&sub);
                    let trs = select(&doc, "table.worklist tbody tr");
                    if trs.is_empty() {
                        break;
                    }
                    for tr in &trs {
                        let cell = |css: &str| {
                            let sel = scraper::Selector::parse(css).expect("selector");
                            tr.select(&sel).next().unwrap_or_else(|| panic!("{css}"))
                        };
                        let ine = cell("td:nth-child(3) span[title]")
                            .value()
                            .attr("title")
                            .unwrap_or_default()
                            .to_string();
                        assert_eq!(ine, format!("INE {}", team.nu_ine), "{backend:?}");
                        assert_eq!(text_of(&cell("td .badge")), label, "{backend:?}");
                        let href = cell("a.patient-name")
                            .value()
                            .attr("href")
                            .unwrap_or_default()
                            .to_string();
                        assert!(seen.insert(href.clone()), "{backend:?}: {href} twice");
                    }
                    rows += trs.len() as u64;
                    p += 1;
                }
                assert_eq!(rows, n, "{backend:?} team {} status {status}", team.nu_ine);
            }
            assert_eq!(
                sum, total,
                "{backend:?}: the three statuses add up to the total"
            );
            assert_eq!(
                total as i64, team.people,
                "{backend:?}: the selector count agrees"
            );
            teams_total += total;
        }
        assert_eq!(
            teams_total, everyone,
            "{backend:?}: the teams split the municipality"
        );
        assert_eq!(seen.len() as u64, everyone, "{backend:?}");
    }
}

#[tokio::test]
async fn htmx_gets_the_fragment_and_the_url_gets_the_page() {
    let app = TestApp::start(backends()[0], Start::default()).await;
    let mut f = Fixture::new(&app).await;
    f.person(&Person::new(61, "FRAGMENTO", TEAM_A, "01")).await;
    app.refresh().await;
    let full = app.get("/hipertensos?equipe=0000000001").await;
    full.assert_status_is_ok();
    full.assert_header("vary", "HX-Request");
    let full = body(full).await;
    assert!(full.starts_with("<!DOCTYPE html>"));
    let frag = app.get_htmx("/hipertensos?equipe=0000000001").await;
    frag.assert_header("vary", "HX-Request");
    let frag = body(frag).await;
    assert!(
        frag.starts_with("<div id=\"painel\""),
        "{}",
        &frag[..frag.len().min(80)]
    );
    assert!(!frag.contains("<html"));
    assert!(frag.contains("FRAGMENTO"));
    // History restoration gets the whole page.
    let restore = app
        .client
        .get("/hipertensos")
        .header("Cookie", format!("aps_sessao={}", app.session.cookie))
        .header("HX-Request", "true")
        .header("HX-History-Restore-Request", "true")
        .send()
        .await;
    assert!(body(restore).await.starts_with("<!DOCTYPE html>"));
}
