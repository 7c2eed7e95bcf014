//! The patient page and its follow-up forms: sections, scope, the Hiperdia cycle through the
//! forms, double submits, bad input, CSRF, cancel/delete, the treatment plan and the audit.

use chrono::{Duration, NaiveDate};
use poem::http::StatusCode;
use poem::test::TestResponse;
use sea_orm::EntityTrait;
use sistema_aps::auth::Role;
use sistema_aps::store::audit_log;

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{
    Backend, PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of,
};

const ID: i64 = 1;
const NAME: &str = "MARIA HIPERTENSA";

/// One hypertensive of team A with two BP readings and weight/height, and a treatment
/// catalogue.
async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::start(backend, Start::default()).await;
    let mut f = Fixture::new(&app).await;
    f.person(&Person::new(ID, NAME, TEAM_A, "01")).await;
    f.person(&Person::new(2, "JOAO OUTRA EQUIPE", TEAM_B, "05"))
        .await;
    let (old, recent) = (f.days_ago(60), f.days_ago(10));
    f.bp(ID, old, "150/95").await;
    f.bp(ID, recent, "138/88").await;
    f.anthropometry(ID, recent, Some("70"), Some("160")).await;
    app.exec(
        "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, no_principio_ativo_filtro, ds_concentracao) VALUES (10, 'LOSARTANA POTASSICA', 'LOSARTANA POTASSICA', '50 mg'), (11, 'HIDROCLOROTIAZIDA', 'HIDROCLOROTIAZIDA', '25 mg'), (12, 'DIPIRONA', 'DIPIRONA', '500 mg')",
        vec![],
    )
    .await;
    app.refresh().await;
    app
}

fn page_url() -> String {
    format!("/pacientes/{ID}")
}

fn sub(rest: &str) -> String {
    format!("/pacientes/{ID}/{rest}")
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn br(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn location(resp: &TestResponse) -> String {
    resp.0
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Timeline events as (action id, type key, status key, text).
async fn events(app: &TestApp) -> Vec<(i64, String, String, String)> {
    let page = body(app.get(&page_url()).await).await;
    let doc = html(&page);
    select(&doc, "li.event")
        .iter()
        .map(|e| {
            let attr = |k: &str| e.value().attr(k).unwrap_or("").to_string();
            (
                attr("data-acao").parse().unwrap_or(0),
                attr("data-tipo"),
                attr("data-status"),
                text_of(e),
            )
        })
        .collect()
}

async fn pending(app: &TestApp, tipo: &str) -> Vec<i64> {
    events(app)
        .await
        .into_iter()
        .filter(|(_, t, s, _)| t == tipo && s == "pending")
        .map(|(id, ..)| id)
        .collect()
}

async fn the_pending(app: &TestApp, tipo: &str) -> i64 {
    let p = pending(app, tipo).await;
    assert_eq!(p.len(), 1, "exactly one pending {tipo}: {p:?}");
    p[0]
}

async fn schedule(app: &TestApp, tipo: &str, due: NaiveDate) -> TestResponse {
    app.post_as(
        &app.session,
        &sub("acoes"),
        &[
            ("tipo", tipo),
            ("data", &iso(due)),
            ("observacoes", "agendado no teste"),
        ],
        true,
    )
    .await
}

/// Schedules and expects the redirect back.
async fn schedule_ok(app: &TestApp, tipo: &str, due: NaiveDate) {
    let resp = schedule(app, tipo, due).await;
    let status = resp.0.status();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{tipo}: {}",
        body(resp).await
    );
}

async fn complete(
    app: &TestApp,
    tipo: &str,
    acao: Option<i64>,
    extra: &[(&str, &str)],
) -> TestResponse {
    let today = iso(app.state.today());
    let acao = acao.map(|a| a.to_string()).unwrap_or_default();
    let mut fields: Vec<(&str, &str)> = vec![("tipo", tipo), ("acao", &acao), ("data", &today)];
    fields.extend_from_slice(extra);
    app.post_as(&app.session, &sub("acoes/registrar"), &fields, true)
        .await
}

/// Completes the one pending action of a type and expects the redirect back.
async fn complete_pending(app: &TestApp, tipo: &str, extra: &[(&str, &str)]) -> String {
    let id = the_pending(app, tipo).await;
    let resp = complete(app, tipo, Some(id), extra).await;
    let status = resp.0.status();
    let loc = location(&resp);
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{tipo}: {}",
        body(resp).await
    );
    assert!(loc.contains(&format!("feito={id}")), "{loc}");
    loc.split('#').next().unwrap_or("").to_string()
}

/// The worklist row of the patient, as text.
async fn worklist_row(app: &TestApp) -> String {
    let page = body(app.get("/hipertensos?busca=MARIA").await).await;
    let doc = html(&page);
    select(&doc, "table.worklist tbody tr")
        .iter()
        .map(text_of)
        .find(|t| t.contains(NAME))
        .unwrap_or_else(|| panic!("{NAME} not in the list"))
}

/// The 30 MRPA cells: day 1 at `day1`, days 2–5 at `rest`.
fn mrpa_cells(day1: (&str, &str), rest: (&str, &str)) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for day in 1..=5 {
        for period in ["manha", "noite"] {
            for seq in 1..=3 {
                let (s, d) = if day == 1 { day1 } else { rest };
                v.push((format!("pas_{day}_{period}_{seq}"), s.to_string()));
                v.push((format!("pad_{day}_{period}_{seq}"), d.to_string()));
            }
        }
    }
    v
}

/// Changes the value of one MRPA field.
fn set(mut cells: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    for c in cells.iter_mut() {
        if c.0 == key {
            c.1 = value.to_string();
        }
    }
    cells
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .all(app.conn())
        .await
        .expect("audit rows")
        .into_iter()
        .filter(|r| {
            r.action == action
                && r.person_ids
                    .as_deref()
                    .is_some_and(|p| p.contains(&ID.to_string()))
        })
        .collect()
}

#[tokio::test]
async fn patient_page_shows_every_section() {
    for backend in backends() {
        let app = setup(backend).await;
        let resp = app.get(&page_url()).await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        let text = |css: &str| {
            select(&doc, css)
                .first()
                .map(text_of)
                .unwrap_or_else(|| panic!("{backend:?}: no {css}"))
        };
        assert_eq!(text("h1#paciente-nome"), NAME);
        let id = text(".patient-id");
        assert!(id.contains("CNS 7") || id.contains("7000000000000"), "{id}");
        assert!(id.contains("ESF 01 - CENTRO") && id.contains("01"), "{id}");
        assert!(id.contains("Feminino"), "{id}");
        assert!(text("#situacao").contains("138/88 mmHg"));
        assert!(text("#situacao").contains("Controlada"));
        assert!(text("#problemas").contains("K86"));
        // The SVG chart: accessible title, two lines, reference lines, a point per reading.
        assert!(!select(&doc, "#pressao svg[role=img] title").is_empty());
        assert_eq!(select(&doc, "#pressao polyline").len(), 2);
        assert_eq!(select(&doc, "#pressao line.bp-ref").len(), 2);
        assert_eq!(select(&doc, "#pressao circle.bp-point-sys").len(), 2);
        assert!(
            text("#pressao svg")
                .contains(&br(app.state.today() - Duration::days(10)).replace("/20", "/"))
        );
        assert_eq!(select(&doc, ".bp-table tbody tr").len(), 2);
        assert!(text("#medidas").contains("70,0 kg"));
        assert!(text("#medidas").contains("27,3 kg/m²"));
        // Every section by its heading; those with nothing recorded yet say so.
        for (section, heading, empty) in [
            (
                "#exames",
                "Exames do programa",
                Some("Nenhum resultado registrado no programa."),
            ),
            (
                "#risco-cv",
                "Risco cardiovascular",
                Some("Risco cardiovascular ainda não avaliado no programa."),
            ),
            ("#tratamento", "Plano de tratamento", None),
            ("#boas-praticas", "Boas práticas (C5) no quadrimestre", None),
            (
                "#linha-do-tempo",
                "Linha do tempo",
                Some("Nenhuma ação registrada. Use \"Agendar ação\" ou \"Registrar ação\" acima."),
            ),
            (
                "#pec",
                "Registros do PEC (somente leitura)",
                Some("Nenhuma prescrição no PEC."),
            ),
            ("#acoes", "Ações de acompanhamento", None),
        ] {
            assert_eq!(text(&format!("{section} h2")), heading, "{backend:?}");
            if let Some(empty) = empty {
                let muted: Vec<String> = select(&doc, &format!("{section} p.muted"))
                    .iter()
                    .map(text_of)
                    .collect();
                assert!(
                    muted.iter().any(|m| m == empty),
                    "{backend:?} {section}: {muted:?}"
                );
            }
        }
        // C5: the readings 10 days ago cover B (pressure) and C (weight and height) past the
        // end of the quadrimester; nobody consulted (A) or visited (D).
        let c5: Vec<(String, String)> = select(&doc, "#boas-praticas li")
            .iter()
            .map(|li| {
                let first = |css: &str| {
                    let sel = scraper::Selector::parse(css).expect("selector");
                    li.select(&sel)
                        .next()
                        .map(|e| text_of(&e))
                        .unwrap_or_default()
                };
                (first("strong"), first(".badge"))
            })
            .collect();
        let pair = |l: &str, b: &str| (l.to_string(), b.to_string());
        assert_eq!(
            c5,
            vec![
                pair("A", "Falta"),
                pair("B", "Em dia"),
                pair("C", "Em dia"),
                pair("D", "Falta")
            ],
            "{backend:?}"
        );
        // The treatment catalogue lists antihypertensives by class only.
        assert!(!select(&doc, "#tratamento optgroup option[value='10']").is_empty());
        assert!(select(&doc, "#tratamento option[value='12']").is_empty());
        assert!(!select(&doc, "a[href='/pacientes/1/receita.pdf']").is_empty());
        assert!(!select(&doc, "a[href='/pacientes/1/mrpa.pdf']").is_empty());
        assert!(!audit_rows(&app, "view_patient").await.is_empty());
        // The period filter answers htmx with the timeline only.
        let frag = body(
            app.client
                .get(format!("{}?periodo=30", page_url()))
                .header("Cookie", format!("aps_sessao={}", app.session.cookie))
                .header("HX-Request", "true")
                .header("HX-Target", "linha-do-tempo")
                .send()
                .await,
        )
        .await;
        assert!(frag.contains("linha-do-tempo") && !frag.contains("<html"));
        // Any other htmx request gets the whole page (it selects #conteudo).
        let full = body(app.get_htmx(&page_url()).await).await;
        assert!(full.contains("<html") && full.contains("id=\"conteudo\""));
        let bad = app.get(&format!("{}?periodo=7", page_url())).await;
        bad.assert_status(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn out_of_scope_unknown_and_non_numeric_ids_are_404() {
    for backend in backends() {
        let app = setup(backend).await;
        app.create_user(
            "prof.b",
            vec![assignment(Role::Professional, None, Some(TEAM_B), None)],
        )
        .await;
        let b = app.login("prof.b", PASSWORD).await;
        app.get_as(&b, "/pacientes/2").await.assert_status_is_ok();
        for url in [
            page_url(),
            "/pacientes/99999".to_string(),
            "/pacientes/abc".to_string(),
            "/pacientes/-1".to_string(),
            sub("acoes/registrar?tipo=agendar_hiperdia"),
        ] {
            let resp = app.get_as(&b, &url).await;
            resp.assert_status(StatusCode::NOT_FOUND);
            let page = body(resp).await;
            assert!(page.contains("Página não encontrada"), "{url}");
            assert!(!page.contains(NAME));
        }
        let today = iso(app.state.today());
        let post = app
            .post_as(
                &b,
                &sub("acoes"),
                &[("tipo", "agendar_hiperdia"), ("data", &today)],
                true,
            )
            .await;
        post.assert_status(StatusCode::NOT_FOUND);
        // An action of patient 1 reached through patient 2's path is not found either.
        schedule_ok(&app, "agendar_hiperdia", app.state.today()).await;
        let a = the_pending(&app, "agendar_hiperdia").await;
        let other = app
            .post_as(
                &app.session,
                &format!("/pacientes/2/acoes/{a}/cancelar"),
                &[],
                true,
            )
            .await;
        other.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(pending(&app, "agendar_hiperdia").await, vec![a]);
    }
}

#[tokio::test]
async fn full_hiperdia_cycle_through_the_forms() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = app.state.today();

        let resp = schedule(&app, "agendar_hiperdia", today).await;
        resp.assert_status(StatusCode::SEE_OTHER);
        assert!(worklist_row(&app).await.contains("Agendar Hiperdia"));

        let loc = complete_pending(&app, "agendar_hiperdia", &[]).await;
        let flash = body(app.get(&loc).await).await;
        assert!(flash.contains("Próxima ação agendada"), "{backend:?}");
        assert!(flash.contains("Iniciar MRPA"));
        assert!(worklist_row(&app).await.contains("Iniciar MRPA"));

        complete_pending(&app, "iniciar_mrpa", &[]).await;
        let ev = events(&app).await;
        let eval = ev
            .iter()
            .find(|(_, t, s, _)| t == "avaliar_mrpa" && s == "pending")
            .expect("Avaliar MRPA pending");
        assert!(
            eval.3.contains(&br(today + Duration::days(7))),
            "{}",
            eval.3
        );
        let row = worklist_row(&app).await;
        assert!(row.contains("Avaliar MRPA") && row.contains(&br(today + Duration::days(7))));

        // The MRPA form: the grid, day 1 marked as not counted.
        let form = body(
            app.get(&format!(
                "{}?tipo=avaliar_mrpa&acao={}",
                sub("acoes/registrar"),
                eval.0
            ))
            .await,
        )
        .await;
        let doc = html(&form);
        assert_eq!(select(&doc, ".mrpa-grid input[name^=pas_]").len(), 30);
        assert!(text_of(&select(&doc, ".mrpa-day1")[0]).contains("não entra na média"));

        // Day 1 very high: the mean (days 2–5) must ignore it.
        let mut cells = mrpa_cells(("210", "125"), ("120", "75"));
        cells.push(("decisao".into(), "manter".into()));
        cells.push(("inicio_mrpa".into(), iso(today - Duration::days(6))));
        cells.push(("analise".into(), "Boa adesão".into()));
        complete_pending(&app, "avaliar_mrpa", &as_refs(&cells)).await;
        let ev = events(&app).await;
        let done = ev
            .iter()
            .find(|(_, t, s, _)| t == "avaliar_mrpa" && s == "done")
            .expect("MRPA done");
        assert!(done.3.contains("120/75 mmHg"), "{}", done.3);
        assert!(done.3.contains("Controlada") && done.3.contains("Manter tratamento"));
        assert!(worklist_row(&app).await.contains("Solicitar exames"));

        complete_pending(&app, "solicitar_exames", &[]).await;
        let row = worklist_row(&app).await;
        assert!(row.contains("Avaliar exames") && row.contains(&br(today + Duration::days(7))));

        let today_s = iso(today);
        complete_pending(
            &app,
            "avaliar_exames",
            &[
                ("data_coleta", &today_s),
                ("creatinina", "1,0"),
                ("colesterol_total", "190"),
                ("potassio", "4,5"),
            ],
        )
        .await;
        let page = body(app.get(&page_url()).await).await;
        let doc = html(&page);
        let exams = text_of(&select(&doc, "#exames")[0]);
        // CKD-EPI 2021 by hand: a woman born 17/05/1960, creatinine 1.0 mg/dL today.
        let age = today
            .years_since(NaiveDate::from_ymd_opt(1960, 5, 17).expect("date"))
            .expect("age");
        let egfr = 142.0 * (1.0_f64 / 0.7).powf(-1.2) * 0.9938_f64.powi(age as i32) * 1.012;
        let stage = match egfr.round() {
            e if e >= 90.0 => "G1 (≥ 90), normal ou elevada",
            e if e >= 60.0 => "G2 (60–89), levemente diminuída",
            e if e >= 45.0 => "G3a (45–59), leve a moderadamente diminuída",
            _ => "G3b (30–44), moderada a gravemente diminuída",
        };
        let egfr_line = select(&doc, "#exames p.egfr").first().map(text_of);
        assert_eq!(
            egfr_line,
            Some(format!(
                "TFGe: {egfr:.0} mL/min/1,73 m² — estágio {stage} (creatinina de {}; CKD-EPI 2021 (creatinina, sem raça))",
                br(today)
            )),
            "{exams}"
        );
        assert!(
            exams.contains("1,00 mg/dL") && exams.contains("4,5 mEq/L"),
            "{exams}"
        );
        assert!(
            worklist_row(&app)
                .await
                .contains("Avaliar risco cardiovascular")
        );

        // The CV-risk form comes prefilled from the record.
        let id = the_pending(&app, "avaliar_rcv").await;
        let form = body(
            app.get(&format!(
                "{}?tipo=avaliar_rcv&acao={id}",
                sub("acoes/registrar")
            ))
            .await,
        )
        .await;
        let doc = html(&form);
        let value = |name: &str| {
            select(&doc, &format!("input[name={name}]"))
                .first()
                .and_then(|e| e.value().attr("value"))
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(value("pas"), "138");
        assert_eq!(value("colesterol_total"), "190");
        assert_eq!(value("imc"), "27,3");
        let age = value("idade");
        assert!(!age.is_empty());
        assert!(!select(&doc, "select[name=sexo] option[value=F][selected]").is_empty());
        complete_pending(
            &app,
            "avaliar_rcv",
            &[
                ("idade", &age),
                ("sexo", "F"),
                ("tabagismo", "nao"),
                ("diabetes", "nao"),
                ("pas", "138"),
                ("colesterol_total", "190"),
            ],
        )
        .await;
        let page = body(app.get(&page_url()).await).await;
        let doc = html(&page);
        assert!(!select(&doc, "#risco-cv .badge.risk").is_empty());
        assert!(
            worklist_row(&app)
                .await
                .contains("Encaminhar para nutrição")
        );

        complete_pending(&app, "encaminhar_nutricao", &[]).await;
        assert!(
            worklist_row(&app)
                .await
                .contains("Registrar consulta de nutrição")
        );

        complete_pending(
            &app,
            "registrar_nutricao",
            &[
                ("peso", "72,5"),
                ("altura", "160"),
                ("orientacoes", "Reduzir sal"),
            ],
        )
        .await;
        let ev = events(&app).await;
        let next = ev
            .iter()
            .find(|(_, t, s, _)| t == "agendar_hiperdia" && s == "pending")
            .expect("next round");
        assert!(next.3.contains(&br(today + Duration::days(365))));
        assert!(
            ev.iter()
                .any(|(_, t, _, x)| t == "registrar_nutricao" && x.contains("72,5 kg"))
        );
        let row = worklist_row(&app).await;
        assert!(row.contains("Agendar Hiperdia") && row.contains(&br(today + Duration::days(365))));
        // One audit row per write, each naming the person.
        assert_eq!(audit_rows(&app, "write").await.len(), 9, "{backend:?}");
    }
}

#[tokio::test]
async fn double_submit_gets_the_conflict_and_no_duplicate() {
    for backend in backends() {
        let app = setup(backend).await;
        schedule_ok(&app, "iniciar_mrpa", app.state.today()).await;
        let id = the_pending(&app, "iniciar_mrpa").await;
        complete(&app, "iniciar_mrpa", Some(id), &[])
            .await
            .assert_status(StatusCode::SEE_OTHER);
        let again = complete(&app, "iniciar_mrpa", Some(id), &[]).await;
        again.assert_status(StatusCode::CONFLICT);
        let page = body(again).await;
        assert!(page.contains("já foi concluída"), "{backend:?}");
        assert_eq!(pending(&app, "avaliar_mrpa").await.len(), 1);
        // Scheduling a second pending action of the same type is refused too.
        let dup = schedule(&app, "avaliar_mrpa", app.state.today()).await;
        dup.assert_status(StatusCode::CONFLICT);
        assert_eq!(pending(&app, "avaliar_mrpa").await.len(), 1);
    }
}

#[tokio::test]
async fn bad_input_comes_back_with_messages_and_nothing_saved() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = app.state.today();
        schedule_ok(&app, "avaliar_mrpa", today).await;
        schedule_ok(&app, "avaliar_exames", today).await;
        schedule_ok(&app, "registrar_nutricao", today).await;
        let mrpa = the_pending(&app, "avaliar_mrpa").await;
        let exams = the_pending(&app, "avaliar_exames").await;
        let before = events(&app).await;

        let first = iso(today - Duration::days(6));
        let cases: Vec<(Vec<(String, String)>, &str)> = vec![
            (
                set(
                    set(
                        mrpa_cells(("120", "80"), ("120", "75")),
                        "pas_1_manha_2",
                        "400",
                    ),
                    "pad_1_manha_2",
                    "20",
                ),
                "fora da faixa aceita",
            ),
            (
                set(
                    set(
                        mrpa_cells(("120", "80"), ("120", "75")),
                        "pas_2_manha_1",
                        "80",
                    ),
                    "pad_2_manha_1",
                    "90",
                ),
                "deve ser maior que a diastólica",
            ),
            (mrpa_cells(("120", "80"), ("", "")), "Medidas insuficientes"),
            (
                set(
                    mrpa_cells(("120", "80"), ("120", "75")),
                    "pas_2_manha_2",
                    "12a",
                ),
                "use só números",
            ),
        ];
        for (mut cells, message) in cases {
            cells.push(("inicio_mrpa".into(), first.clone()));
            let resp = complete(&app, "avaliar_mrpa", Some(mrpa), &as_refs(&cells)).await;
            resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            let page = body(resp).await;
            assert!(page.contains(message), "{backend:?} {message}");
            let doc = html(&page);
            assert!(!select(&doc, ".field-error").is_empty());
            // The typed values come back.
            assert!(!select(&doc, "input[name=pas_3_noite_3]").is_empty());
        }
        // A per-cell message sits in its cell.
        let mut cells = set(
            mrpa_cells(("120", "80"), ("120", "75")),
            "pas_1_manha_2",
            "400",
        );
        cells.push(("inicio_mrpa".into(), first.clone()));
        let page = body(complete(&app, "avaliar_mrpa", Some(mrpa), &as_refs(&cells)).await).await;
        let doc = html(&page);
        let cell = select(&doc, "td.mrpa-cell-error");
        assert_eq!(cell.len(), 1);
        assert!(text_of(&cell[0]).contains("Dia 1, Manhã, medida 2"));
        assert_eq!(
            select(&doc, "input[name=pas_1_manha_2]")[0]
                .value()
                .attr("value"),
            Some("400")
        );

        // Future date.
        let tomorrow = iso(today + Duration::days(1));
        let mut cells = mrpa_cells(("120", "80"), ("120", "75"));
        cells.push(("inicio_mrpa".into(), first.clone()));
        let mut fields = as_refs(&cells);
        fields.push(("tipo", "avaliar_mrpa"));
        let mrpa_s = mrpa.to_string();
        fields.push(("acao", &mrpa_s));
        fields.push(("data", &tomorrow));
        let resp = app
            .post_as(&app.session, &sub("acoes/registrar"), &fields, true)
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("não pode estar no futuro"));

        // Dates and numbers that are not.
        for (field, value, message) in [
            ("creatinina", "abc", "não é um número válido"),
            ("potassio", "99", "fora da faixa aceita"),
            ("creatinina", "1,234", "casa(s) decimal(is)"),
        ] {
            let today_s = iso(today);
            let resp = complete(
                &app,
                "avaliar_exames",
                Some(exams),
                &[("data_coleta", &today_s), (field, value)],
            )
            .await;
            resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            let page = body(resp).await;
            assert!(page.contains(message), "{field}={value}");
            let doc = html(&page);
            assert_eq!(
                select(&doc, &format!("input[name={field}]"))[0]
                    .value()
                    .attr("aria-invalid"),
                Some("true")
            );
        }
        let resp = complete(
            &app,
            "avaliar_exames",
            Some(exams),
            &[("data_coleta", "31/02/2026")],
        )
        .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("não é uma data válida"));
        for (peso, message) in [
            ("", "Informe Peso"),
            ("setenta", "não é um número válido"),
            ("99999999999999999999", "não é um número válido"),
            ("1000", "fora da faixa aceita"),
        ] {
            let resp = complete(&app, "registrar_nutricao", None, &[("peso", peso)]).await;
            resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            assert!(body(resp).await.contains(message), "{peso}");
        }
        let resp = app
            .post_as(
                &app.session,
                &sub("acoes"),
                &[("tipo", "solicitar_exames"), ("data", "amanhã")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let resp = schedule(&app, "solicitar_exames", today - Duration::days(1)).await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("anterior a hoje"));

        // Nothing was saved: the timeline is exactly as before.
        assert_eq!(events(&app).await, before, "{backend:?}");
        assert_eq!(audit_rows(&app, "write").await.len(), 3);
    }
}

#[tokio::test]
async fn csrf_is_required_on_every_form() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = iso(app.state.today());
        for (url, fields) in [
            (
                sub("acoes"),
                vec![("tipo", "agendar_hiperdia"), ("data", today.as_str())],
            ),
            (
                sub("acoes/registrar"),
                vec![("tipo", "iniciar_mrpa"), ("data", today.as_str())],
            ),
            (
                sub("tratamento"),
                vec![("medicamento", "10"), ("dose", "1"), ("frequencia", "1")],
            ),
        ] {
            let resp = app.post_as(&app.session, &url, &fields, false).await;
            resp.assert_status(StatusCode::FORBIDDEN);
        }
        assert!(events(&app).await.is_empty(), "{backend:?}");
        let page = body(app.get(&page_url()).await).await;
        assert!(select(&html(&page), "li.medication").is_empty());
    }
}

#[tokio::test]
async fn cancel_and_delete_follow_the_successor_rules() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = app.state.today();

        // Cancel with a reason.
        schedule_ok(&app, "solicitar_exames", today).await;
        let id = the_pending(&app, "solicitar_exames").await;
        let resp = app
            .post_as(
                &app.session,
                &sub(&format!("acoes/{id}/cancelar")),
                &[("motivo", "Paciente viajou")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let ev = events(&app).await;
        let c = ev.iter().find(|e| e.0 == id).expect("cancelled stays");
        assert_eq!(c.2, "cancelled");
        assert!(c.3.contains("Paciente viajou"));
        // Cancelling twice is a conflict.
        let again = app
            .post_as(
                &app.session,
                &sub(&format!("acoes/{id}/cancelar")),
                &[],
                true,
            )
            .await;
        again.assert_status(StatusCode::CONFLICT);

        // Delete of an action whose automatic successor is pending removes the successor.
        schedule_ok(&app, "agendar_hiperdia", today).await;
        let round = the_pending(&app, "agendar_hiperdia").await;
        complete_pending(&app, "agendar_hiperdia", &[]).await;
        assert_eq!(pending(&app, "iniciar_mrpa").await.len(), 1);
        // Without the confirmation step nothing happens.
        let ask = app
            .post_as(
                &app.session,
                &sub(&format!("acoes/{round}/excluir")),
                &[],
                true,
            )
            .await;
        ask.assert_status_is_ok();
        // A completed action is offered annulment (with a reason), not deletion.
        let page = body(ask).await;
        assert!(page.contains("Confirmar anulação") && !page.contains("Confirmar exclusão"));
        app.get(&sub(&format!("acoes/{round}/excluir")))
            .await
            .assert_status_is_ok();
        assert!(events(&app).await.iter().any(|e| e.0 == round));
        // A completed action is annulled, never deleted: without a reason, nothing happens.
        let resp = app
            .post_as(
                &app.session,
                &sub(&format!("acoes/{round}/excluir")),
                &[("confirmar", "sim")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("Informe o motivo da anulação."));
        let resp = app
            .post_as(
                &app.session,
                &sub(&format!("acoes/{round}/excluir")),
                &[("confirmar", "sim"), ("motivo", "Paciente errado")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let ev = events(&app).await;
        let annulled = ev.iter().find(|e| e.0 == round).expect("annulled stays");
        assert_eq!(annulled.2, "cancelled", "{backend:?}");
        assert!(
            annulled.3.contains("Anulada. Motivo: Paciente errado"),
            "{annulled:?}"
        );
        assert!(
            pending(&app, "iniciar_mrpa").await.is_empty(),
            "{backend:?}"
        );

        // Delete of an action whose successor was already done keeps the successor.
        schedule_ok(&app, "agendar_hiperdia", today).await;
        let round = the_pending(&app, "agendar_hiperdia").await;
        complete_pending(&app, "agendar_hiperdia", &[]).await;
        let start = the_pending(&app, "iniciar_mrpa").await;
        complete_pending(&app, "iniciar_mrpa", &[]).await;
        app.post_as(
            &app.session,
            &sub(&format!("acoes/{round}/excluir")),
            &[("confirmar", "sim"), ("motivo", "Duplicada")],
            true,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
        let ev = events(&app).await;
        assert!(ev.iter().any(|e| e.0 == round && e.2 == "cancelled"));
        assert!(ev.iter().any(|e| e.0 == start && e.2 == "done"));
        assert_eq!(pending(&app, "avaliar_mrpa").await.len(), 1);
        // Unknown action ids are 404.
        app.post_as(
            &app.session,
            &sub("acoes/999999/excluir"),
            &[("confirmar", "sim")],
            true,
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        // A pending action entered by mistake is deleted.
        schedule_ok(&app, "solicitar_exames", today).await;
        let typo = the_pending(&app, "solicitar_exames").await;
        app.post_as(
            &app.session,
            &sub(&format!("acoes/{typo}/excluir")),
            &[("confirmar", "sim")],
            true,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
        assert!(!events(&app).await.iter().any(|e| e.0 == typo));
        // The trail keeps what changed: before and after.
        let writes = audit_rows(&app, "write").await;
        let annul = writes
            .iter()
            .find(|r| r.resource.ends_with(&format!("acoes/{round}/anular")))
            .expect("annulment audited");
        let detail = annul.filters.clone().unwrap_or_default();
        assert!(
            detail.contains("antes: id=") && detail.contains("situacao=done"),
            "{detail}"
        );
        assert!(
            detail.contains("depois: id=") && detail.contains("motivo=\"Duplicada\""),
            "{detail}"
        );
        let deleted = writes
            .iter()
            .find(|r| r.resource.ends_with(&format!("acoes/{typo}/excluir")))
            .expect("deletion audited");
        assert!(
            deleted
                .filters
                .as_deref()
                .is_some_and(|d| d.contains("situacao=pending") && d.contains("depois: excluida")),
            "{deleted:?}"
        );
    }
}

#[tokio::test]
async fn treatment_plan_changes_keep_their_history() {
    for backend in backends() {
        let app = setup(backend).await;
        let add = |dose: &'static str| {
            let app = &app;
            async move {
                app.post_as(
                    &app.session,
                    &sub("tratamento"),
                    &[
                        ("medicamento", "10"),
                        ("dose", dose),
                        ("frequencia", "2"),
                        ("observacoes", "Após o café"),
                    ],
                    true,
                )
                .await
            }
        };
        let bad = add("abc").await;
        bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(bad).await.contains("não é um número inteiro"));
        add("1").await.assert_status(StatusCode::SEE_OTHER);
        // Adding it again while in use is a conflict.
        add("1").await.assert_status(StatusCode::CONFLICT);
        let page = body(app.get(&page_url()).await).await;
        let doc = html(&page);
        let med = select(&doc, "li.medication[data-status=active]");
        assert_eq!(med.len(), 1, "{backend:?}");
        assert!(text_of(&med[0]).contains("LOSARTANA POTASSICA 50 mg"));
        let mid = med[0]
            .value()
            .attr("data-medicamento")
            .unwrap_or("0")
            .to_string();
        let change = |fields: Vec<(&'static str, &'static str)>| {
            let app = &app;
            let url = sub(&format!("tratamento/{mid}"));
            async move { app.post_as(&app.session, &url, &fields, true).await }
        };
        change(vec![("alteracao", "frequencia"), ("frequencia", "9")])
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        change(vec![("alteracao", "frequencia"), ("frequencia", "2")])
            .await
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        change(vec![
            ("alteracao", "frequencia"),
            ("frequencia", "3"),
            ("motivo", "PA alta"),
        ])
        .await
        .assert_status(StatusCode::SEE_OTHER);
        change(vec![("alteracao", "pausar"), ("motivo", "Tosse")])
            .await
            .assert_status(StatusCode::SEE_OTHER);
        change(vec![("alteracao", "pausar")])
            .await
            .assert_status(StatusCode::CONFLICT);
        let page = body(app.get(&page_url()).await).await;
        assert_eq!(
            select(&html(&page), "li.medication[data-status=paused]").len(),
            1
        );
        change(vec![("alteracao", "retomar")])
            .await
            .assert_status(StatusCode::SEE_OTHER);
        change(vec![("alteracao", "encerrar"), ("motivo", "Trocado")])
            .await
            .assert_status(StatusCode::SEE_OTHER);
        let page = body(app.get(&page_url()).await).await;
        let doc = html(&page);
        let med = select(&doc, "li.medication[data-status=stopped]");
        assert_eq!(med.len(), 1);
        let history = text_of(&med[0]);
        for expected in [
            "Iniciado",
            "Frequência alterada",
            "2x/dia → 3x/dia",
            "PA alta",
            "Pausado",
            "Tosse",
            "Retomado",
            "Encerrado",
            "Trocado",
        ] {
            assert!(history.contains(expected), "{expected}: {history}");
        }
        // The medication of another person's path is not found.
        app.post_as(
            &app.session,
            &format!("/pacientes/2/tratamento/{mid}"),
            &[("alteracao", "retomar")],
            true,
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        assert_eq!(audit_rows(&app, "write").await.len(), 5);
    }
}

#[tokio::test]
async fn mrpa_means_are_computed_before_saving_and_actions_recorded_without_a_pending_one() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = app.state.today();
        schedule_ok(&app, "avaliar_mrpa", today).await;
        let id = the_pending(&app, "avaliar_mrpa").await;
        let before = events(&app).await;
        // "Calcular médias": the means and the protocol's suggestion, nothing saved.
        let mut cells = mrpa_cells(("150", "95"), ("185", "100"));
        cells.push(("inicio_mrpa".into(), iso(today - Duration::days(6))));
        cells.push(("calcular".into(), "1".into()));
        let resp = complete(&app, "avaliar_mrpa", Some(id), &as_refs(&cells)).await;
        resp.assert_status_is_ok();
        let page = body(resp).await;
        let doc = html(&page);
        let summary = text_of(&select(&doc, ".mrpa-summary")[0]);
        assert!(summary.contains("185/100 mmHg"), "{summary}");
        assert!(summary.contains("Encaminhar à cardiologia"), "{summary}");
        assert!(!select(&doc, "input[name=decisao][value=cardiologia][checked]").is_empty());
        assert_eq!(events(&app).await, before, "{backend:?}");
        // Saved with the suggestion: cardiology referral follows.
        cells.pop();
        complete_pending(&app, "avaliar_mrpa", &as_refs(&cells)).await;
        assert_eq!(pending(&app, "encaminhar_cardiologia").await.len(), 1);
        complete_pending(
            &app,
            "encaminhar_cardiologia",
            &[("profissional", "Dra. Ana"), ("modalidade", "presencial")],
        )
        .await;
        // The consultation record requires its text.
        let rec = the_pending(&app, "registrar_cardiologia").await;
        let resp = complete(&app, "registrar_cardiologia", Some(rec), &[]).await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("Descreva a consulta"));
        complete_pending(
            &app,
            "registrar_cardiologia",
            &[
                ("consulta", "Ecocardiograma normal"),
                ("recomendacoes", "Manter IECA"),
            ],
        )
        .await;
        let ev = events(&app).await;
        assert!(ev.iter().any(|(_, t, s, x)| t == "registrar_cardiologia"
            && s == "done"
            && x.contains("Manter IECA")));
        // "Registrar ação" for a type with nothing pending records it now.
        let form = app
            .get(&format!("{}?tipo=avaliar_rcv", sub("acoes/registrar")))
            .await;
        form.assert_status_is_ok();
        // Form pages show the person: they are audited as views.
        assert!(
            audit_rows(&app, "view_patient")
                .await
                .iter()
                .any(|r| r.resource == sub("acoes/registrar"))
        );
        let resp = complete(
            &app,
            "avaliar_rcv",
            None,
            &[("idade", "66"), ("sexo", "F"), ("pas", "150")],
        )
        .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("colesterol total"));
        let resp = complete(
            &app,
            "avaliar_rcv",
            None,
            &[
                ("idade", "66"),
                ("sexo", "F"),
                ("pas", "150"),
                ("tabagismo", "sim"),
                ("colesterol_total", "240"),
            ],
        )
        .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let ev = events(&app).await;
        assert!(ev.iter().any(|(_, t, s, x)| t == "avaliar_rcv"
            && s == "done"
            && x.contains("Feminino · fumante")));
        assert_eq!(pending(&app, "encaminhar_nutricao").await.len(), 1);
        // Unknown action types are a bad request, not a server error.
        let resp = complete(&app, "inventada", None, &[]).await;
        resp.assert_status(StatusCode::BAD_REQUEST);
        app.get(&format!(
            "{}?tipo=avaliar_rcv&acao=999999",
            sub("acoes/registrar")
        ))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn htmx_forms_swap_the_page_and_push_its_url() {
    for backend in backends() {
        let app = setup(backend).await;
        let post = |fields: Vec<(&'static str, String)>| {
            let app = &app;
            async move {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("csrf", &app.session.csrf);
                for (k, v) in &fields {
                    form.append_pair(k, v);
                }
                app.client
                    .post(sub("acoes"))
                    .header("Cookie", format!("aps_sessao={}", app.session.cookie))
                    .header("HX-Request", "true")
                    .header("HX-Target", "conteudo")
                    .content_type("application/x-www-form-urlencoded")
                    .body(form.finish())
                    .send()
                    .await
            }
        };
        let today = iso(app.state.today());
        let ok = post(vec![("tipo", "agendar_hiperdia".into()), ("data", today)]).await;
        ok.assert_status_is_ok();
        let loc =
            ok.0.headers()
                .get("HX-Location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
        assert!(loc.contains("/pacientes/1?agendada="), "{backend:?} {loc}");
        assert!(loc.contains("#conteudo"));
        let bad = post(vec![
            ("tipo", "agendar_hiperdia".into()),
            ("data", "ontem".into()),
        ])
        .await;
        bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let page = body(bad).await;
        let doc = html(&page);
        assert!(!select(&doc, "#conteudo form[hx-post] .field-error").is_empty());
        assert_eq!(pending(&app, "agendar_hiperdia").await.len(), 1);
    }
}

#[tokio::test]
async fn the_timeline_period_filter_hides_older_events() {
    for backend in backends() {
        let app = setup(backend).await;
        let today = app.state.today();
        let old = iso(today - Duration::days(100));
        let resp = app
            .post_as(
                &app.session,
                &sub("acoes/registrar"),
                &[("tipo", "solicitar_exames"), ("data", &old)],
                true,
            )
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        let count = |page: String| select(&html(&page), "li.event").len();
        // The old request and its follow-up (due 93 days ago, overdue).
        assert_eq!(
            count(body(app.get(&page_url()).await).await),
            2,
            "{backend:?}"
        );
        let recent = body(app.get(&format!("{}?periodo=90", page_url())).await).await;
        assert_eq!(count(recent.clone()), 0);
        assert!(recent.contains("Nenhuma ação neste período"));
        let year = body(app.get(&format!("{}?periodo=365", page_url())).await).await;
        assert_eq!(count(year.clone()), 2);
        // The overdue follow-up is marked.
        assert!(
            select(&html(&year), "li.event[data-status=pending] .badge-bad")
                .iter()
                .any(|b| text_of(b) == "Atrasada")
        );
        assert!(worklist_row(&app).await.contains("Atrasada desde"));
    }
}
