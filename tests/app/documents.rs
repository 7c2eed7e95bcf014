//! Exports (CSV, XLSX) hold exactly the page's rows in its order and are audited;
//! prescriptions come out as one PDF for the selected patients, or for one patient; the MRPA
//! sheet prints; out-of-scope patients stay out.

use chrono::Duration;
use poem::http::StatusCode;
use sistema_aps::auth::Role;
use sistema_aps::programs::hypertension::actions::Actor;
use sistema_aps::programs::hypertension::treatment::{self, NewMedication};

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{Start, TestApp, assignment, backends, body, html, select, text_of};

fn names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

async fn bytes(resp: poem::test::TestResponse) -> Vec<u8> {
    resp.0.into_body().into_vec().await.expect("body")
}

fn pdf_pages(b: &[u8]) -> usize {
    lopdf::Document::load_mem(b)
        .expect("a PDF")
        .get_pages()
        .len()
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.conn();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}'"),
        ))
        .await
        .expect("query")
        .expect("row");
    row.try_get("", "n").expect("n")
}

#[tokio::test]
async fn exports_hold_the_page_rows_and_prescriptions_print() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(1, "ZULEIDE ÚLTIMA", TEAM_A, "01"))
            .await;
        f.person(&Person::new(2, "ANTÔNIO PRIMEIRO", TEAM_A, "01"))
            .await;
        f.person(&Person::new(3, "MARIA \"ASPAS\"; =SOMA", TEAM_A, "02"))
            .await;
        f.person(&Person::new(4, "OUTRA EQUIPE", TEAM_B, "05"))
            .await;
        let today = app.state.today();
        f.bp(1, today - Duration::days(3), "150/90").await;
        app.exec(
            "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, no_principio_ativo_filtro, ds_concentracao) VALUES (276, 'Losartana Potássica', 'LOSARTANA POTASSICA', '50 mg'), (277, 'Anlodipino, Besilato de', 'ANLODIPINO, BESILATO DE', '5 mg')",
            vec![],
        )
        .await;
        app.refresh().await;
        let nurse = app
            .create_user(
                "enf.docs",
                vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
            )
            .await;
        let scope = sistema_aps::auth::Scope::of(&[assignment(
            Role::Professional,
            None,
            Some(TEAM_A),
            None,
        )]);
        let grants = sistema_aps::auth::Grants::all();
        let actor = Actor {
            user_id: nurse,
            scope: &scope,
            grants: &grants,
        };
        for (person, med) in [(1, 276), (1, 277), (2, 276)] {
            treatment::add(
                app.conn(),
                actor,
                person,
                NewMedication {
                    catalogue_id: med,
                    dose: 1,
                    frequency: 2,
                    started_on: today,
                    notes: None,
                },
                today,
            )
            .await
            .expect("medication");
        }

        // CSV: the same rows as the page, in its order (here: by fewest points).
        let filter = format!("equipe={TEAM_A}&ordem=pontos");
        let page = body(
            app.get(&format!("/hipertensos?{filter}&per_page=100"))
                .await,
        )
        .await;
        let before = audit_count(&app, "export").await;
        let resp = app
            .get(&format!("/hipertensos/exportar.csv?{filter}"))
            .await;
        resp.assert_status_is_ok();
        resp.assert_header("content-type", "text/csv; charset=utf-8");
        let csv = String::from_utf8(bytes(resp).await).expect("utf-8");
        let csv = csv.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_bytes());
        let exported: Vec<String> = reader
            .records()
            .map(|r| r.expect("record")[0].to_string())
            .map(|n| n.trim_start_matches('\'').to_string())
            .collect();
        assert_eq!(exported, names(&page), "{backend:?}");
        assert!(csv.contains("Losartana Potássica 50 mg"), "{backend:?}");
        assert_eq!(audit_count(&app, "export").await, before + 1, "{backend:?}");

        // XLSX: same number of rows, readable.
        let resp = app
            .get(&format!("/hipertensos/exportar.xlsx?{filter}"))
            .await;
        resp.assert_status_is_ok();
        let xlsx = bytes(resp).await;
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("xlsx");
        let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
        assert_eq!(sheet.height(), exported.len() + 1, "{backend:?}");
        // Bad filters get the page's 400, not a file.
        app.get("/hipertensos/exportar.csv?page=-1")
            .await
            .assert_status(StatusCode::BAD_REQUEST);

        // Prescriptions for the selected patients: one page each with medications; person 3
        // has none and is skipped; person 4 is another team's (the coordinator sees it, but
        // it has no plan either).
        let resp = app
            .post_as(
                &app.session,
                "/hipertensos/receitas.pdf",
                &[("pessoa", "1"), ("pessoa", "2"), ("pessoa", "3")],
                true,
            )
            .await;
        resp.assert_status_is_ok();
        resp.assert_header("content-type", "application/pdf");
        assert_eq!(pdf_pages(&bytes(resp).await), 2, "{backend:?}");
        app.post_as(
            &app.session,
            "/hipertensos/receitas.pdf",
            &[("pessoa", "3")],
            true,
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
        app.post_as(&app.session, "/hipertensos/receitas.pdf", &[], true)
            .await
            .assert_status(StatusCode::BAD_REQUEST);
        app.post_as(
            &app.session,
            "/hipertensos/receitas.pdf",
            &[("pessoa", "x")],
            true,
        )
        .await
        .assert_status(StatusCode::BAD_REQUEST);
        app.post_as(
            &app.session,
            "/hipertensos/receitas.pdf",
            &[("pessoa", "1")],
            false,
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);

        // One patient's prescription and MRPA sheet; another team's user gets 404.
        let resp = app.get("/pacientes/1/receita.pdf").await;
        resp.assert_status_is_ok();
        assert_eq!(pdf_pages(&bytes(resp).await), 1, "{backend:?}");
        let resp = app.get("/pacientes/3/mrpa.pdf").await;
        resp.assert_status_is_ok();
        assert!(pdf_pages(&bytes(resp).await) >= 1, "{backend:?}");
        let b_id = app
            .create_user(
                "med.b",
                vec![assignment(Role::Professional, None, Some(TEAM_B), None)],
            )
            .await;
        // A physician (who may print prescriptions), so what stops them is the scope.
        sistema_aps::auth::users::set_profession(
            app.conn(),
            b_id,
            Some(sistema_aps::auth::Profession::Physician),
        )
        .await
        .expect("profession");
        let b = app.login("med.b", crate::helpers::PASSWORD).await;
        app.get_as(&b, "/pacientes/1/receita.pdf")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&b, "/pacientes/1/mrpa.pdf")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.get_as(&b, "/pacientes/abc/mrpa.pdf")
            .await
            .assert_status(StatusCode::NOT_FOUND);
        // Team B's user selecting team A's patients prints nothing.
        app.post_as(&b, "/hipertensos/receitas.pdf", &[("pessoa", "1")], true)
            .await
            .assert_status(StatusCode::BAD_REQUEST);
    }
}

/// A PEC text of 40,000 characters (past Excel's 32,767 per cell) made the XLSX export a
/// 500. A name that long is not a name: the refresh skips that person and counts it
/// (`care::quality`), and the export still answers. Other PEC text reaches the export (here the
/// household's street): the cell is cut at the limit and marked; the CSV keeps the whole text.
#[tokio::test]
async fn an_export_with_a_name_past_excels_cell_limit_answers() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        let mut f = Fixture::new(&app).await;
        let long: &'static str = Box::leak("JOSÉ DA SILVA ".repeat(2_858).into_boxed_str());
        assert!(long.chars().count() >= 40_000);
        f.person(&Person::new(2, long, TEAM_A, "01")).await;
        let ana = Person::new(1, "ANA DA RUA LONGA", TEAM_A, "01");
        f.person(&ana).await;
        app.exec(
            "INSERT INTO tb_cds_cad_domiciliar (co_seq_cds_cad_domiciliar, co_unico_ficha, tp_logradouro, no_logradouro, nu_domicilio, no_bairro, st_versao_atual) VALUES (1, 'dom-1', NULL, ?, '12', 'CENTRO', 1)",
            vec![long.to_string().into()],
        )
        .await;
        app.exec(
            "INSERT INTO tb_cds_domicilio_familia (co_seq_cds_domicilio_familia, co_cds_cad_domiciliar, nu_cartao_sus, st_mudanca) VALUES (1, 1, ?, 0)",
            vec![ana.cns().into()],
        )
        .await;
        app.refresh().await;
        let resp = app
            .get(&format!("/hipertensos/exportar.xlsx?equipe={TEAM_A}"))
            .await;
        resp.assert_status_is_ok();
        let xlsx = bytes(resp).await;
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("xlsx");
        let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
        assert_eq!(
            sheet.height(),
            2,
            "{backend:?}: header and ANA (the long name skipped)"
        );
        let headers: Vec<String> = (0..sheet.width())
            .map(|c| match sheet.get((0, c)) {
                Some(calamine::Data::String(s)) => s.clone(),
                _ => String::new(),
            })
            .collect();
        let col = headers
            .iter()
            .position(|h| h == "Endereço")
            .expect("address column");
        assert_eq!(
            sheet.get((1, 0)),
            Some(&calamine::Data::String("ANA DA RUA LONGA".into())),
            "{backend:?}"
        );
        let cell = match sheet.get((1, col)) {
            Some(calamine::Data::String(s)) => s.clone(),
            other => panic!("{backend:?}: {other:?}"),
        };
        let mark = sistema_aps::export::xlsx::TRUNCATED_MARK;
        assert_eq!(
            cell.encode_utf16().count(),
            sistema_aps::export::xlsx::MAX_CELL_TEXT,
            "{backend:?}"
        );
        assert!(cell.ends_with(mark), "{backend:?}");
        let kept = cell.trim_end_matches(mark);
        assert!(long.trim().starts_with(kept.trim()), "{backend:?}");
        // The CSV has no such limit: the whole name.
        let resp = app
            .get(&format!("/hipertensos/exportar.csv?equipe={TEAM_A}"))
            .await;
        resp.assert_status_is_ok();
        let csv = String::from_utf8(bytes(resp).await).expect("utf-8");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(&rows[0][0], "ANA DA RUA LONGA", "{backend:?}");
        assert!(rows[0][col].starts_with(long.trim()), "{backend:?}");
    }
}
