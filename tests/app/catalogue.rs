//! PEC catalogue resolution: catalogue ids are local to each PEC, so every result must be the
//! same whatever surrogate ids the catalogues carry; an entry that cannot be resolved stops
//! the computation and says so (`/ready`, a banner), and the admin can map it by hand.

use sea_orm::{ConnectionTrait, Statement};

use crate::fixture::{
    ACS, Coding, Fixture, IDS, Kind, NOT_ACS, NURSE, Outcome, PHYSICIAN, Person, TEAM_A, TEAM_B,
    TECHNICIAN,
};
use crate::helpers::{Backend, Start, TestApp, backends, body, html, select, text_of};

/// A small world whose every C5 practice and population rule has a known answer.
async fn world(f: &mut Fixture<'_>) {
    let full = Person::new(21, "C5 COMPLETO", TEAM_A, "01");
    f.person(&full).await;
    let d = f.days_ago(10);
    f.visit(21, d, PHYSICIAN, Kind::Consultation).await;
    f.bp(21, d, "130/80").await;
    f.anthropometry(21, d, Some("70.5"), Some("162")).await;
    let (v1, v2) = (f.days_ago(100), f.days_ago(70));
    f.home_visit(&full, v1, ACS, Outcome::Done).await;
    f.home_visit(&full, v2, ACS, Outcome::Done).await;

    // An initial listening is not a consultation; a refused visit and a non-ACS visit do not
    // count.
    let none = Person::new(22, "C5 ESCUTA", TEAM_A, "01");
    f.person(&none).await;
    f.visit(22, f.days_ago(5), NURSE, Kind::InitialListening)
        .await;
    f.bp(22, f.days_ago(400), "150/95").await;
    f.home_visit(&none, f.days_ago(200), NOT_ACS, Outcome::Done)
        .await;
    f.home_visit(&none, f.days_ago(10), ACS, Outcome::Refused)
        .await;

    let nurse = Person::new(23, "C5 ENFERMEIRA", TEAM_B, "02");
    f.person(&nurse).await;
    f.visit(23, f.days_ago(1), NURSE, Kind::Consultation).await;
    let tech = Person::new(24, "C5 TECNICO", TEAM_A, "01");
    f.person(&tech).await;
    f.visit(24, f.days_ago(1), TECHNICIAN, Kind::Consultation)
        .await;

    let mut latent = Person::new(25, "CID LATENTE", TEAM_B, "02");
    latent.coding = Coding::CidI119Latent;
    f.person(&latent).await;
    let mut resolved = Person::new(26, "RESOLVIDO", TEAM_A, "01");
    resolved.coding = Coding::Resolved;
    f.person(&resolved).await;
    let mut asthma = Person::new(27, "SO ASMA", TEAM_A, "01");
    asthma.coding = Coding::NotHypertensive;
    f.person(&asthma).await;
}

/// Every derived row the app computes, as text, in a stable order: the summary, the teams and
/// the monthly C5 results.
async fn snapshot(app: &TestApp) -> Vec<String> {
    rows(
        app,
        &[
            "SELECT co_seq_cidadao, no_cidadao, nu_ine, micro_area, control_status, last_bp_date, \
             last_visit_date, c5_visit, c5_bp, c5_anthropometry, c5_acs_visits, \
             CAST(c5_points AS BIGINT) AS c5_points, \
             acs_visit_dates FROM hypertension_summary ORDER BY co_seq_cidadao",
            "SELECT nu_ine, no_equipe, CAST(people AS BIGINT) AS people FROM hypertension_team ORDER BY nu_ine",
            "SELECT nu_ine, month_end, CAST(people AS BIGINT) AS people, CAST(points AS BIGINT) AS points FROM indicator_team_month WHERE indicator = 'C5' ORDER BY nu_ine, month_end",
        ],
    )
    .await
}

/// The diabetes read model, every column a rule derives (C4 practice by practice), as text.
async fn diabetes_snapshot(app: &TestApp) -> Vec<String> {
    rows(
        app,
        &["SELECT co_seq_cidadao, no_cidadao, nu_ine, micro_area, \
           CAST(ROUND(last_hba1c * 10) AS BIGINT) AS hba1c_tenths, last_hba1c_date, \
           hba1c_target, control_status, last_visit_date, last_bp_date, \
           c4_a, c4_b, c4_c, c4_d, c4_e, c4_f, CAST(c4_points AS BIGINT) AS c4_points, \
           c4_due, next_due, hba1c_history FROM diabetes_summary ORDER BY co_seq_cidadao",
          "SELECT nu_ine, month_end, CAST(people AS BIGINT) AS people, CAST(points AS BIGINT) AS points \
           FROM indicator_team_month WHERE indicator = 'C4' ORDER BY nu_ine, month_end"],
    )
    .await
}

/// The rows of each query, every column read as its text form.
async fn rows(app: &TestApp, queries: &[&str]) -> Vec<String> {
    let conn = app.conn();
    let backend = conn.get_database_backend();
    let mut out = Vec::new();
    for sql in queries {
        let found = conn
            .query_all_raw(Statement::from_string(backend, *sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        for r in found {
            // Every column read as its text form.
            let values: Vec<String> = r
                .column_names()
                .iter()
                .map(|c| {
                    r.try_get::<Option<String>>("", c)
                        .ok()
                        .flatten()
                        .or_else(|| {
                            r.try_get::<Option<i64>>("", c)
                                .ok()
                                .flatten()
                                .map(|v| v.to_string())
                        })
                        .or_else(|| {
                            r.try_get::<Option<bool>>("", c)
                                .ok()
                                .flatten()
                                .map(|v| v.to_string())
                        })
                        .or_else(|| {
                            r.try_get::<Option<chrono::NaiveDate>>("", c)
                                .ok()
                                .flatten()
                                .map(|v| v.to_string())
                        })
                        .unwrap_or_else(|| "∅".to_string())
                })
                .collect();
            out.push(values.join("|"));
        }
    }
    out
}

/// The worklist's names and counters, and the CSV export.
async fn screens(app: &TestApp) -> (Vec<String>, Vec<String>, String) {
    let page = body(app.get("/hipertensos").await).await;
    let doc = html(&page);
    let names = select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect();
    let counters = select(&doc, ".counters a, .counters .counter")
        .iter()
        .map(text_of)
        .collect();
    let csv = body(app.get("/hipertensos/exportar.csv").await).await;
    (names, counters, csv)
}

fn summary_row(snap: &[String], id: i64) -> &str {
    snap.iter()
        .find(|r| r.starts_with(&format!("{id}|")))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("person {id} not in the summary: {snap:#?}"))
}

#[tokio::test]
async fn shuffling_the_catalogue_ids_changes_no_result() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        world(&mut f).await;
        app.refresh().await;
        let before = snapshot(&app).await;
        let screens_before = screens(&app).await;

        // The known answers first, so that "unchanged" cannot mean "equally empty".
        let ids: Vec<&str> = before
            .iter()
            .take_while(|r| r.split('|').count() == 13)
            .map(|r| r.split('|').next().unwrap_or_default())
            .collect();
        assert_eq!(
            ids,
            ["21", "22", "23", "24", "25"],
            "{backend:?}: population"
        );
        // c5_visit, c5_bp, c5_anthropometry, c5_acs_visits, c5_points
        let practices = |id| {
            summary_row(&before, id)
                .split('|')
                .skip(7)
                .take(5)
                .collect::<Vec<_>>()
                .join(",")
        };
        let t = |b: bool| {
            if backend == Backend::Sqlite {
                if b { "1" } else { "0" }
            } else if b {
                "true"
            } else {
                "false"
            }
        };
        assert_eq!(
            practices(21),
            format!("{},{},{},{},100", t(true), t(true), t(true), t(true))
        );
        assert_eq!(
            practices(22),
            format!("{},{},{},{},0", t(false), t(false), t(false), t(false))
        );
        assert_eq!(
            practices(23),
            format!("{},{},{},{},25", t(true), t(false), t(false), t(false))
        );
        assert_eq!(
            practices(24),
            format!("{},{},{},{},0", t(false), t(false), t(false), t(false))
        );
        assert_eq!(
            screens_before.0.len(),
            5,
            "{backend:?}: {:?}",
            screens_before.0
        );

        let moved = sistema_aps::seed::shuffle::shuffle_catalogues(app.conn(), 11)
            .await
            .expect("shuffle");
        assert!(
            moved >= 20,
            "{backend:?}: only {moved} catalogue rows moved"
        );
        // The catalogue really moved: no id of the fixture is left.
        let left = app
            .conn()
            .query_one_raw(Statement::from_string(
                app.conn().get_database_backend(),
                format!(
                    "SELECT COUNT(*) AS n FROM tb_tipo_atend_prof WHERE co_tipo_atend_prof IN ({}, {}, {})",
                    IDS.consultation, IDS.listening, IDS.procedure
                ),
            ))
            .await
            .expect("count")
            .map(|r| r.try_get::<i64>("", "n").expect("n"));
        assert_eq!(left, Some(0));
        app.refresh().await;
        assert_eq!(snapshot(&app).await, before, "{backend:?}");
        assert_eq!(screens(&app).await, screens_before, "{backend:?}");
    }
}

#[tokio::test]
async fn the_synthetic_municipality_gives_the_same_results_after_a_shuffle() {
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(1_500),
            },
        )
        .await;
        let before = snapshot(&app).await;
        let people = before.iter().filter(|r| r.split('|').count() == 13).count();
        assert!(people > 50, "{backend:?}: {people} hypertensive people");
        let diabetes_before = diabetes_snapshot(&app).await;
        assert!(
            diabetes_before.len() > 20,
            "{backend:?}: {} people with diabetes",
            diabetes_before.len()
        );
        let moved = sistema_aps::seed::shuffle::shuffle_catalogues(app.conn(), 3)
            .await
            .expect("shuffle");
        assert!(moved > 50, "{backend:?}: {moved}");
        app.refresh().await;
        assert_eq!(snapshot(&app).await, before, "{backend:?}");
        assert_eq!(
            diabetes_snapshot(&app).await,
            diabetes_before,
            "{backend:?}"
        );
    }
}

/// The diabetes list's names and counters, and its CSV export.
async fn diabetes_screens(app: &TestApp) -> (Vec<String>, Vec<String>, String) {
    let page = body(app.get("/diabeticos").await).await;
    let doc = html(&page);
    let names = select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect();
    let counters = select(&doc, ".counters .counter")
        .iter()
        .map(text_of)
        .collect();
    let csv = body(app.get("/diabeticos/exportar.csv").await).await;
    (names, counters, csv)
}

#[tokio::test]
async fn diabetes_and_c4_give_the_same_results_after_a_shuffle() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        crate::diabetes::town(&app).await;
        let before = diabetes_snapshot(&app).await;
        let screens_before = diabetes_screens(&app).await;
        // The known answers first (see `diabetes::town`): three people on the list, ANA's
        // HbA1c 6,5 % and C4 A+B+E = 50, BRUNO's 8,1 % read from the text result.
        let ids: Vec<&str> = before
            .iter()
            .filter(|r| r.split('|').count() == 20)
            .map(|r| r.split('|').next().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["1", "2", "3"], "{backend:?}");
        // C4 per team and month: ANA and BRUNO in team A, in every month of the quadrimester.
        let team_a: Vec<&str> = before
            .iter()
            .filter(|r| r.starts_with(&format!("{TEAM_A}|")))
            .map(|r| r.split('|').nth(2).unwrap_or_default())
            .collect();
        let months = sistema_aps::clinical::indicator::month_ends(app.state.today());
        assert_eq!(team_a, vec!["2"; months.len()], "{backend:?}: {before:#?}");
        let column = |id: &str, n: usize| {
            before
                .iter()
                .find(|r| r.starts_with(&format!("{id}|")))
                .and_then(|r| r.split('|').nth(n).map(String::from))
                .unwrap_or_default()
        };
        assert_eq!(column("1", 4), "65", "{backend:?}: {before:#?}");
        assert_eq!(column("1", 16), "50", "{backend:?}: {before:#?}");
        assert_eq!(column("2", 4), "81", "{backend:?}: {before:#?}");
        assert_eq!(
            screens_before.0,
            ["ANA DOCE", "BRUNO GLICADA ALTA", "CARLA SEM EXAME"],
            "{backend:?}"
        );
        assert_eq!(
            screens_before.2.lines().count(),
            4,
            "{backend:?}: header + 3 rows"
        );

        let moved = sistema_aps::seed::shuffle::shuffle_catalogues(app.conn(), 5)
            .await
            .expect("shuffle");
        assert!(
            moved >= 20,
            "{backend:?}: only {moved} catalogue rows moved"
        );
        // The exam catalogue moved too: the HbA1c procedure has another id now.
        let left = app
            .conn()
            .query_one_raw(Statement::from_string(
                app.conn().get_database_backend(),
                format!(
                    "SELECT COUNT(*) AS n FROM tb_proced WHERE co_seq_proced = {}",
                    crate::diabetes::PROC_HBA1C
                ),
            ))
            .await
            .expect("count")
            .map(|r| r.try_get::<i64>("", "n").expect("n"));
        assert_eq!(left, Some(0), "{backend:?}");
        app.refresh().await;
        assert_eq!(diabetes_snapshot(&app).await, before, "{backend:?}");
        assert_eq!(diabetes_screens(&app).await, screens_before, "{backend:?}");
    }
}

async fn ready(app: &TestApp) -> (u16, serde_json::Value) {
    let resp = app.get("/ready").await;
    let status = resp.0.status().as_u16();
    let json = serde_json::from_str(&body(resp).await).expect("json");
    (status, json)
}

#[tokio::test]
async fn an_unresolved_entry_stops_the_refresh_turns_ready_503_and_shows_a_banner() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        world(&mut f).await;
        app.refresh().await;
        let (status, _) = ready(&app).await;
        assert_eq!(status, 200, "{backend:?}");

        // This PEC calls the act something else, and a new hypertensive person arrives.
        app.exec(
            "UPDATE tb_tipo_atend_prof SET no_tipo_atend_prof = 'ACOLHIMENTO' WHERE co_tipo_atend_prof = ?",
            vec![IDS.listening.into()],
        )
        .await;
        f.person(&Person::new(30, "NOVA PESSOA", TEAM_A, "01"))
            .await;
        let err = sistema_aps::app::refresh(&app.state)
            .await
            .expect_err("refresh must refuse");
        let message = err.to_string();
        assert!(message.contains("initial_listening"), "{message}");
        assert!(
            message.contains("ACOLHIMENTO"),
            "the rows are listed: {message}"
        );

        let (status, json) = ready(&app).await;
        assert_eq!(status, 503, "{backend:?}: {json}");
        assert_eq!(
            json["reason"],
            "PEC catalogue entries unresolved: initial_listening"
        );
        assert_eq!(json["catalogue"][0]["table"], "tb_tipo_atend_prof");

        // The list keeps the last valid computation (no new person) and says why.
        let page = body(app.get("/hipertensos").await).await;
        let doc = html(&page);
        let banner = select(&doc, ".banner-warning");
        assert_eq!(banner.len(), 1, "{backend:?}");
        assert!(
            text_of(&banner[0]).contains("escuta inicial"),
            "{}",
            text_of(&banner[0])
        );
        assert!(!page.contains("NOVA PESSOA"));
        assert_eq!(
            select(&doc, "table.worklist tbody tr").len(),
            5,
            "{backend:?}"
        );

        // Two rows with the name are ambiguous, not a guess either.
        app.exec(
            "UPDATE tb_tipo_atend_prof SET no_tipo_atend_prof = 'Escuta inicial' WHERE co_tipo_atend_prof IN (?, ?)",
            vec![IDS.listening.into(), IDS.procedure.into()],
        )
        .await;
        let message = sistema_aps::app::refresh(&app.state)
            .await
            .expect_err("ambiguous")
            .to_string();
        assert!(
            message.contains("mais de uma linha corresponde"),
            "{message}"
        );

        // Fixed in the PEC: ready again at once, and the next refresh lists the new person.
        app.exec(
            "UPDATE tb_tipo_atend_prof SET no_tipo_atend_prof = 'PROCEDIMENTOS' WHERE co_tipo_atend_prof = ?",
            vec![IDS.procedure.into()],
        )
        .await;
        let (status, _) = ready(&app).await;
        assert_eq!(status, 200, "{backend:?}");
        app.refresh().await;
        let page = body(app.get("/hipertensos").await).await;
        assert!(page.contains("NOVA PESSOA"));
        assert!(select(&html(&page), ".banner-warning").is_empty());
    }
}

#[tokio::test]
async fn the_admin_maps_an_entry_the_name_does_not_find() {
    for backend in backends() {
        let app = TestApp::start_configured(backend, Start::default(), |c| {
            c.pec.catalogue.initial_listening = Some(IDS.listening);
            c.pec.catalogue.home_visit_done = Some(4242);
        })
        .await;
        let mut f = Fixture::new(&app).await;
        world(&mut f).await;
        app.exec(
            "UPDATE tb_tipo_atend_prof SET no_tipo_atend_prof = 'ACOLHIMENTO' WHERE co_tipo_atend_prof = ?",
            vec![IDS.listening.into()],
        )
        .await;
        // A mapped id that is not in the table is refused, not trusted.
        let message = sistema_aps::app::refresh(&app.state)
            .await
            .expect_err("4242 is not a row")
            .to_string();
        assert!(message.contains("home_visit_done"), "{message}");
        assert!(message.contains("4242"), "{message}");
        assert!(!message.contains("initial_listening"), "mapped: {message}");
        let report = app.state.catalogue_report().expect("resolved");
        let listening = report
            .entries
            .iter()
            .find(|r| r.key == "initial_listening")
            .expect("entry");
        assert_eq!(listening.id(), Some(IDS.listening));
    }
}

/// `sistema-aps pec check`, run as an admin would, on both backends.
#[tokio::test]
async fn pec_check_reports_tables_catalogue_volumes_and_populations() {
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(400),
            },
        )
        .await;
        let check = |json: bool| {
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sistema-aps"));
            c.env_remove("APS_TEST_DATABASE_URL")
                .env("RUST_LOG", "warn")
                .env("APS_DATABASE__URL", app.db_url())
                .args(["pec", "check"]);
            if json {
                c.arg("--json");
            }
            c.output().expect("run")
        };
        let out = check(false);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{backend:?}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The generator's own ids, found by name.
        assert!(
            stdout.contains(
                "initial_listening (tipo de atendimento \"escuta inicial\"): tb_tipo_atend_prof.co_tipo_atend_prof = 9 \"ESCUTA INICIAL\" (pelo nome)"
            ),
            "{stdout}"
        );
        assert!(
            stdout.contains("tb_situacao_problema.co_situacao_problema = 2 \"ATIVO\""),
            "{stdout}"
        );
        assert!(stdout.contains("[   ok] tb_cidadao\n"), "{stdout}");
        // What nobody verified on a real PEC is said, with what this PEC shows.
        assert!(
            stdout.contains("Pontos não verificados num PEC real (confira neste):\n  - Diabetes: C4-F (avaliação dos pés)"),
            "{stdout}"
        );
        assert!(
            stdout.contains("o sistema pode trabalhar sobre este PEC"),
            "{stdout}"
        );

        let json: serde_json::Value =
            serde_json::from_slice(&check(true).stdout).expect("json report");
        let listed = json["populations"][0]["listed"].as_i64().expect("listed");
        let coded = json["populations"][0]["coded"].as_i64().expect("coded");
        assert!(
            listed > 0 && coded >= listed,
            "{backend:?}: {listed} of {coded}"
        );
        let citizens = json["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .find(|v| v["table"] == "tb_cidadao")
            .and_then(|v| v["rows"].as_i64());
        assert!(citizens.is_some_and(|n| n >= 400), "{citizens:?}");
        assert_eq!(json["errors"].as_array().map(Vec::len), Some(0));
        let foot = &json["unverified"][0];
        assert_eq!(foot["program"], "Diabetes", "{json}");
        assert!(foot["found"].as_i64().is_some(), "{json}");

        // A renamed catalogue row: exit 1, the rows listed, the way to map it named.
        app.exec(
            "UPDATE tb_tipo_atend_prof SET no_tipo_atend_prof = 'ACOLHIMENTO' WHERE no_tipo_atend_prof = 'ESCUTA INICIAL'",
            vec![],
        )
        .await;
        let out = check(false);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(out.status.code(), Some(1), "{backend:?}: {stdout}");
        assert!(stdout.contains("[ ERRO] initial_listening"), "{stdout}");
        assert!(stdout.contains("9 = ACOLHIMENTO"), "{stdout}");
        assert!(
            stdout.contains("mapeie em [pec.catalogue] initial_listening = <id>"),
            "{stdout}"
        );
    }
}
