//! The diabetes programme (C4) on the platform: population by natural code, latest HbA1c and
//! control by the target for the age, C4 practices, the worklist with its counters, filters and
//! export, the person-page panel, bad input, and the scope.

use chrono::NaiveDate;
use poem::http::StatusCode;
use sea_orm::Value;
use sistema_aps::auth::Role;

use crate::fixture::{Coding, Fixture, IDS, Kind, PHYSICIAN, Person, TEAM_A, TEAM_B};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of};

// Catalogue rows of this test, with ids unlike the seed's (T90 477, ABEX008 …): a rule that
// matched ids instead of codes would miss them.
const CIAP_T90: i64 = 7090;
const CID_E119: i64 = 61119;
pub(crate) const PROC_HBA1C: i64 = 9508;

async fn catalogue(app: &TestApp) {
    app.exec(
        "INSERT INTO tb_ciap (co_seq_ciap, co_ciap, ds_ciap) VALUES (?, 'T90', 'DIABETES NAO INSULINO-DEPENDENTE')",
        vec![CIAP_T90.into()],
    )
    .await;
    app.exec(
        "INSERT INTO tb_cid10 (co_cid10, nu_cid10, no_cid10) VALUES (?, 'E11.9', 'DIABETES MELLITUS NAO-INSULINO-DEPENDENTE')",
        vec![CID_E119.into()],
    )
    .await;
    app.exec(
        "INSERT INTO tb_proced (co_seq_proced, co_proced, no_proced) VALUES (?, 'ABEX008', 'HEMOGLOBINA GLICADA')",
        vec![PROC_HBA1C.into()],
    )
    .await;
}

/// A diabetes problem (CIAP T90 or CID E11.9) in a situation, with ids from `base`.
async fn diabetes(app: &TestApp, person: i64, base: i64, cid: bool, situation: i64) {
    let (ciap, cid10): (Option<i64>, Option<i64>) = if cid {
        (None, Some(CID_E119))
    } else {
        (Some(CIAP_T90), None)
    };
    app.exec(
        "INSERT INTO tb_problema_evolucao (co_seq_problema_evolucao, co_unico_problema, co_situacao_problema) VALUES (?, ?, ?)",
        vec![base.into(), format!("dm{base}").into(), situation.into()],
    )
    .await;
    app.exec(
        "INSERT INTO tb_problema (co_seq_problema, co_prontuario, co_ciap, co_cid10, co_ultimo_problema_evolucao, co_unico_problema) VALUES (?, ?, ?, ?, ?, ?)",
        vec![(base + 1).into(), person.into(), ciap.into(), cid10.into(), base.into(), format!("dm{base}").into()],
    )
    .await;
}

/// An HbA1c requested on `day`, done the same day, with a typed value or a text result.
async fn hba1c(
    app: &TestApp,
    person: i64,
    id: i64,
    day: NaiveDate,
    typed: Option<f64>,
    text: Option<&str>,
) {
    let at = day.and_hms_opt(8, 0, 0).unwrap_or_default();
    app.exec(
        "INSERT INTO tb_exame_requisitado (co_seq_exame_requisitado, co_prontuario, co_proced, dt_solicitacao, dt_realizacao, ds_resultado) VALUES (?, ?, ?, ?, ?, ?)",
        vec![id.into(), person.into(), PROC_HBA1C.into(), at.into(), at.into(), text.map(String::from).into()],
    )
    .await;
    if let Some(v) = typed {
        app.exec(
            "INSERT INTO tb_exame_hemoglobina_glicada (co_seq_exame_hemoglobina_glicada, co_exame_requisitado, vl_hemoglobina_glicada) VALUES (?, ?, ?)",
            vec![id.into(), id.into(), Value::from(v)],
        )
        .await;
    }
}

pub(crate) async fn town(app: &TestApp) -> Fixture<'_> {
    let mut f = Fixture::new(app).await;
    catalogue(app).await;
    // ANA: hypertensive and diabetic (T90 active), HbA1c 6,5 typed 30 days ago, consultation
    // and BP this month: controlled (66 years: target < 7,5), C4 A+B+E = 50.
    f.person(&Person::new(1, "ANA DOCE", TEAM_A, "01")).await;
    // BRUNO: E11.9 latent, HbA1c 8,1 in text: uncontrolled.
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(2, "BRUNO GLICADA ALTA", TEAM_A, "02")
    })
    .await;
    // CARLA: T90 active, last HbA1c 400 days ago: no recent HbA1c.
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(3, "CARLA SEM EXAME", TEAM_B, "01")
    })
    .await;
    // DAVI: T90 resolved: not on the list. EVA: no diabetes.
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(4, "DAVI RESOLVIDO", TEAM_A, "01")
    })
    .await;
    f.person(&Person {
        coding: Coding::NotHypertensive,
        ..Person::new(5, "EVA SEM DIABETES", TEAM_A, "01")
    })
    .await;
    diabetes(app, 1, 800_000, false, IDS.active).await;
    diabetes(app, 2, 800_010, true, IDS.latent).await;
    diabetes(app, 3, 800_020, false, IDS.active).await;
    diabetes(app, 4, 800_030, false, IDS.resolved).await;
    hba1c(app, 1, 810_001, f.days_ago(30), Some(6.5), None).await;
    hba1c(app, 1, 810_002, f.days_ago(300), Some(9.0), None).await;
    hba1c(app, 2, 810_003, f.days_ago(60), None, Some("8,1 %")).await;
    hba1c(app, 3, 810_004, f.days_ago(400), Some(6.0), None).await;
    let recent = f.days_ago(10);
    f.visit(1, recent, PHYSICIAN, Kind::Consultation).await;
    f.bp(1, recent, "130/80").await;
    app.refresh().await;
    f
}

fn names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

fn counter(page: &str, nth: usize) -> u64 {
    let doc = html(page);
    select(&doc, ".counters .counter .counter-value")
        .get(nth)
        .map(|e| text_of(e).replace('.', ""))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no counter {nth}"))
}

fn row_text(page: &str, name: &str) -> String {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr")
        .iter()
        .map(text_of)
        .find(|t| t.contains(name))
        .unwrap_or_else(|| panic!("{name} not in {page}"))
}

#[tokio::test]
async fn the_diabetes_list_follows_codes_hba1c_and_c4() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let f = town(&app).await;
        let page = body(app.get("/diabeticos").await).await;
        assert_eq!(
            names(&page),
            vec!["ANA DOCE", "BRUNO GLICADA ALTA", "CARLA SEM EXAME"],
            "{backend:?}"
        );
        // Counters: all, controlled, uncontrolled, no recent HbA1c, individual target.
        let counts: Vec<u64> = (0..5).map(|i| counter(&page, i)).collect();
        assert_eq!(counts, vec![3, 1, 1, 1, 0], "{backend:?}");
        let ana = row_text(&page, "ANA DOCE");
        assert!(ana.contains("6,5 %"), "{ana}");
        assert!(
            ana.contains(&crate::helpers::br_date(f.days_ago(30))),
            "{ana}"
        );
        assert!(
            ana.contains("Controlado") && ana.contains("meta < 7,5 %"),
            "{ana}"
        );
        // A (20) + B (15) + E (15); C, D and F still to do.
        let cells: Vec<String> = {
            let doc = html(&page);
            let rows = select(&doc, "table.worklist tbody tr");
            let sel = scraper::Selector::parse("td").expect("selector");
            rows[0].select(&sel).map(|c| text_of(&c)).collect()
        };
        assert_eq!(cells[5], "50", "{backend:?}");
        // One badge per day: the missing practices must happen by the quadrimester's end.
        let end = sistema_aps::clinical::indicator::quadrimester(f.days_ago(0)).1;
        assert_eq!(
            cells[6],
            format!("C, D, F até {}", crate::helpers::br_date(end)),
            "{backend:?}"
        );
        let bruno = row_text(&page, "BRUNO GLICADA ALTA");
        assert!(
            bruno.contains("8,1 %") && bruno.contains("Descontrolado"),
            "{bruno}"
        );
        let carla = row_text(&page, "CARLA SEM EXAME");
        assert!(carla.contains("Sem HbA1c recente"), "{carla}");

        // The tab is the counter's rows.
        let page = body(app.get("/diabeticos?controle=descontrolado").await).await;
        assert_eq!(names(&page), vec!["BRUNO GLICADA ALTA"], "{backend:?}");
        // A missing practice.
        let page = body(app.get("/diabeticos?pratica=a").await).await;
        assert_eq!(names(&page), vec!["BRUNO GLICADA ALTA", "CARLA SEM EXAME"]);
        // Search by words in any order.
        let page = body(app.get("/diabeticos?busca=alta%20bruno").await).await;
        assert_eq!(names(&page), vec!["BRUNO GLICADA ALTA"]);
        // Team filter.
        let page = body(app.get(&format!("/diabeticos?equipe={TEAM_B}")).await).await;
        assert_eq!(names(&page), vec!["CARLA SEM EXAME"]);

        // The export has the screen's rows.
        let resp = app
            .get("/diabeticos/exportar.csv?controle=controlado")
            .await;
        resp.assert_status_is_ok();
        let csv = body(resp).await;
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(
            lines[1].starts_with("ANA DOCE;") && lines[1].contains(";6,5;"),
            "{csv}"
        );
    }
}

#[tokio::test]
async fn the_person_page_shows_the_diabetes_panel_and_membership() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let f = town(&app).await;
        // ANA is on both lists: the hypertension page carries the diabetes panel.
        let page = body(app.get("/pacientes/1").await).await;
        let doc = html(&page);
        let listed: Vec<(String, String)> = select(&doc, ".person-programs li")
            .iter()
            .map(|li| {
                (
                    li.value()
                        .attr("data-program")
                        .unwrap_or_default()
                        .to_string(),
                    li.value()
                        .attr("data-listed")
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            vec![
                ("hypertension".to_string(), "true".to_string()),
                ("diabetes".to_string(), "true".to_string())
            ],
            "{backend:?}"
        );
        let panel = select(&doc, ".diabetes-panel")
            .iter()
            .map(text_of)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            panel.contains(&format!(
                "6,5 % em {}",
                crate::helpers::br_date(f.days_ago(30))
            )),
            "{panel}"
        );
        // The chart's table lists both results, newest first.
        let values: Vec<String> = select(&doc, ".hba1c-chart tbody tr td:last-child")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(values, vec!["6,5", "9,0"], "{backend:?}");
        // BRUNO is not hypertensive: the person page, with the panel.
        let page = body(app.get("/pacientes/2").await).await;
        assert!(page.contains("diabetes-panel"), "{backend:?}");
        // DAVI's diabetes is resolved: not on the list, and the page says why.
        let page = body(app.get("/pacientes/4").await).await;
        let doc = html(&page);
        let reason = select(
            &doc,
            ".person-programs li[data-program=\"diabetes\"] p.hint",
        )
        .iter()
        .map(text_of)
        .collect::<Vec<_>>();
        assert_eq!(reason.len(), 1);
        assert!(
            reason[0].starts_with("Não está na lista: não tem problema ativo ou latente")
                && reason[0].contains("CIAP T90"),
            "{reason:?}"
        );
        assert!(!page.contains("diabetes-panel"));
    }
}

#[tokio::test]
async fn bad_input_and_scope_on_the_diabetes_list() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        for (query, message) in [
            ("controle=talvez", "Situação desconhecida"),
            ("pratica=G", "Boa prática desconhecida"),
            ("ordem=altura", "Ordenação desconhecida"),
            ("page=0", "número da página"),
            ("equipe=abc", "código INE"),
            ("equipe=999", "Equipe não encontrada"),
            ("cor=azul", "Parâmetro desconhecido"),
        ] {
            let resp = app.get(&format!("/diabeticos?{query}")).await;
            resp.assert_status(StatusCode::BAD_REQUEST);
            let text = body(resp).await;
            assert!(text.contains(message), "{query}: {text}");
        }
        app.create_user(
            "enf.b",
            vec![assignment(Role::Professional, None, Some(TEAM_B), None)],
        )
        .await;
        app.create_user(
            "acs.a02",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("02"))],
        )
        .await;
        let nurse = app.login("enf.b", PASSWORD).await;
        let page = body(app.get_as(&nurse, "/diabeticos").await).await;
        assert_eq!(names(&page), vec!["CARLA SEM EXAME"], "{backend:?}");
        assert_eq!(counter(&page, 0), 1);
        // Another team's id answers like an unknown one.
        let resp = app
            .get_as(&nurse, &format!("/diabeticos?equipe={TEAM_A}"))
            .await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        let acs = app.login("acs.a02", PASSWORD).await;
        let page = body(app.get_as(&acs, "/diabeticos").await).await;
        assert_eq!(names(&page), vec!["BRUNO GLICADA ALTA"], "{backend:?}");
        assert_eq!(counter(&page, 0), 1);
    }
}

async fn bytes(resp: poem::test::TestResponse) -> Vec<u8> {
    resp.0.into_body().into_vec().await.expect("body")
}

fn csv_names(csv: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| r.expect("record")[0].trim_start_matches('\'').to_string())
        .collect()
}

fn xlsx_names(xlsx: Vec<u8>) -> Vec<String> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    sheet
        .rows()
        .skip(1)
        .map(|r| match r.first() {
            Some(calamine::Data::String(s)) => s.clone(),
            other => panic!("name cell: {other:?}"),
        })
        .collect()
}

fn printed_names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, ".print-list .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

#[tokio::test]
async fn diabetes_files_and_the_printed_list_are_the_screen() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let f = town(&app).await;
        app.exec(
            "UPDATE tb_cidadao SET nu_telefone_celular = '(11) 98765-4321' WHERE co_seq_cidadao = 1",
            vec![],
        )
        .await;
        app.refresh().await;
        for filter in [
            String::new(),
            "controle=descontrolado".into(),
            "ordem=hba1c".into(),
            "ordem=pontos".into(),
            "pratica=a".into(),
            format!("equipe={TEAM_A}&ordem=prazo"),
            "busca=sem%20exame".into(),
        ] {
            let page = body(app.get(&format!("/diabeticos?{filter}&per_page=100")).await).await;
            let screen = names(&page);
            let resp = app.get(&format!("/diabeticos/exportar.csv?{filter}")).await;
            resp.assert_status_is_ok();
            assert_eq!(csv_names(&body(resp).await), screen, "{backend:?} {filter}");
            let resp = app
                .get(&format!("/diabeticos/exportar.xlsx?{filter}"))
                .await;
            resp.assert_status_is_ok();
            resp.assert_header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            );
            assert_eq!(
                xlsx_names(bytes(resp).await),
                screen,
                "{backend:?} {filter}"
            );
            let resp = app.get(&format!("/diabeticos/imprimir?{filter}")).await;
            resp.assert_status_is_ok();
            assert_eq!(
                printed_names(&body(resp).await),
                screen,
                "{backend:?} {filter}"
            );
        }
        // What the ACS takes along: age, address and micro-area, phone, last HbA1c, what is due.
        let page = body(app.get("/diabeticos/imprimir?busca=ana").await).await;
        let doc = html(&page);
        let ana: String = select(&doc, ".print-list li.household-person")
            .iter()
            .map(text_of)
            .collect();
        let end = sistema_aps::clinical::indicator::quadrimester(f.days_ago(0)).1;
        let foot = sistema_aps::clinical::c4::C4
            .practice("F")
            .map(|p| p.description)
            .expect("F");
        for part in [
            "microárea 01".to_string(),
            "telefone 11987654321".into(),
            format!(
                "Última HbA1c 6,5 % em {}",
                crate::helpers::br_date(f.days_ago(30))
            ),
            format!("{foot} — até {}", crate::helpers::br_date(end)),
        ] {
            assert!(ana.contains(&part), "{backend:?} {part}: {ana}");
        }
        // The page links to the files with its filters.
        let page = body(app.get("/diabeticos?controle=controlado&page=1").await).await;
        let doc = html(&page);
        let links: Vec<String> = select(&doc, ".result-actions a")
            .iter()
            .filter_map(|a| a.value().attr("href").map(String::from))
            .collect();
        assert_eq!(
            links,
            vec![
                "/diabeticos/exportar.csv?controle=controlado",
                "/diabeticos/exportar.xlsx?controle=controlado",
                "/diabeticos/imprimir?controle=controlado",
                // The team summary takes only the team (none chosen here).
                "/diabeticos/equipe",
            ],
            "{backend:?}"
        );
        // Bad filters and an unknown team get the page's 400, not a file.
        for uri in [
            "/diabeticos/exportar.xlsx?page=0",
            "/diabeticos/exportar.csv?equipe=999",
            "/diabeticos/imprimir?cor=azul",
        ] {
            app.get(uri).await.assert_status(StatusCode::BAD_REQUEST);
        }
    }
}

#[tokio::test]
async fn diabetes_files_need_the_export_permission_role_by_role() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let users = [
            (
                "prof.a",
                assignment(Role::Professional, None, Some(TEAM_A), None),
            ),
            (
                "acs.a02",
                assignment(Role::Acs, None, Some(TEAM_A), Some("02")),
            ),
            ("admin.x", assignment(Role::Admin, None, None, None)),
            ("auditor.x", assignment(Role::Auditor, None, None, None)),
        ];
        for (name, a) in &users {
            app.create_user(name, vec![a.clone()]).await;
        }
        // (user, files allowed, printed list allowed, rows printed)
        let cases: [(Option<&str>, StatusCode, StatusCode, Vec<&str>); 5] = [
            (
                None,
                StatusCode::OK,
                StatusCode::OK,
                vec!["ANA DOCE", "BRUNO GLICADA ALTA", "CARLA SEM EXAME"],
            ),
            (
                Some("prof.a"),
                StatusCode::OK,
                StatusCode::OK,
                vec!["ANA DOCE", "BRUNO GLICADA ALTA"],
            ),
            (
                Some("acs.a02"),
                StatusCode::FORBIDDEN,
                StatusCode::OK,
                vec!["BRUNO GLICADA ALTA"],
            ),
            (
                Some("admin.x"),
                StatusCode::FORBIDDEN,
                StatusCode::FORBIDDEN,
                vec![],
            ),
            (
                Some("auditor.x"),
                StatusCode::FORBIDDEN,
                StatusCode::FORBIDDEN,
                vec![],
            ),
        ];
        for (who, files, print, printed) in cases {
            let session = match who {
                Some(name) => app.login(name, PASSWORD).await,
                None => app.session.clone(),
            };
            for uri in ["/diabeticos/exportar.csv", "/diabeticos/exportar.xlsx"] {
                let resp = app.get_as(&session, uri).await;
                resp.assert_status(files);
                if who == Some("acs.a02") {
                    let text = body(resp).await;
                    assert!(
                        text.contains("Seu perfil não permite exportar listas nominais."),
                        "{backend:?} {uri}: {text}"
                    );
                }
            }
            let resp = app.get_as(&session, "/diabeticos/imprimir").await;
            resp.assert_status(print);
            if print == StatusCode::OK {
                assert_eq!(
                    printed_names(&body(resp).await),
                    printed,
                    "{backend:?} {who:?}"
                );
                // The page offers the files only to who may export them.
                let page = body(app.get_as(&session, "/diabeticos").await).await;
                assert_eq!(
                    page.contains("Exportar XLSX"),
                    files == StatusCode::OK,
                    "{backend:?} {who:?}"
                );
            }
        }
    }
}
