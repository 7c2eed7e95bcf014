//! The follow-up workflow through the program module, as seen by the worklist: tabs and their
//! counters after each write, the latest home evaluation deciding control, completion once,
//! deletion without foreign-key failures, the ACS list and the team summary.

use chrono::{Duration, NaiveDate};
use sistema_aps::auth::Role;
use sistema_aps::clinical::hiperdia::ActionType;
use sistema_aps::clinical::mrpa::{Decision, HomeReading, Period};
use sistema_aps::programs::hypertension::actions::{
    self, ActionError, Actor, Completion, MrpaRecord, Record,
};
use sistema_aps::programs::hypertension::treatment::{self, NewMedication};

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{Start, TestApp, assignment, backends, body, html, select, text_of};

fn counter(page: &str, label: &str) -> u64 {
    let doc = html(page);
    let labels = select(&doc, ".counters a.counter .counter-label");
    let values = select(&doc, ".counters a.counter .counter-value");
    labels
        .iter()
        .zip(values.iter())
        .find(|(l, _)| text_of(l) == label)
        .and_then(|(_, v)| text_of(v).replace('.', "").parse().ok())
        .unwrap_or_else(|| panic!("no counter {label}"))
}

fn names(page: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, "table.worklist tbody tr .patient-name")
        .iter()
        .map(text_of)
        .collect()
}

/// Readings for five days, every slot, day 1 at `first` and days 2–5 at `rest`.
fn readings(first: (i32, i32), rest: (i32, i32)) -> Vec<HomeReading> {
    let mut out = Vec::new();
    for day in 1..=5u8 {
        for period in [Period::Morning, Period::Evening] {
            for seq in 1..=3u8 {
                let (s, d) = if day == 1 { first } else { rest };
                out.push(HomeReading {
                    day,
                    period,
                    seq,
                    systolic: s,
                    diastolic: d,
                });
            }
        }
    }
    out
}

async fn pending_id(db: &sea_orm::DatabaseConnection, person: i64, t: ActionType) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use sistema_aps::store::care_action as action;
    action::Entity::find()
        .filter(action::Column::CoCidadao.eq(person))
        .filter(action::Column::ActionType.eq(t.key()))
        .filter(action::Column::Status.eq("pending"))
        .one(db)
        .await
        .expect("query")
        .expect("a pending action")
        .id
}

struct World {
    app: TestApp,
    nurse: i64,
    today: NaiveDate,
}

async fn world(backend: crate::helpers::Backend) -> World {
    let app = TestApp::start(backend, Start::default()).await;
    let mut f = Fixture::new(&app).await;
    f.person(&Person::new(1, "ANA PENDENTE", TEAM_A, "01"))
        .await;
    f.person(&Person::new(2, "BIA ATRASADA", TEAM_A, "01"))
        .await;
    f.person(&Person::new(3, "CAIO TRATAMENTO", TEAM_A, "02"))
        .await;
    f.person(&Person::new(4, "DORA OUTRA EQUIPE", TEAM_B, "05"))
        .await;
    let today = app.state.today();
    // An uncontrolled office reading 20 days ago for ANA.
    f.bp(1, today - Duration::days(20), "150/95").await;
    app.exec(
        "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, no_principio_ativo_filtro, ds_concentracao) VALUES (276, 'Losartana Potássica', 'LOSARTANA POTASSICA', '50 mg'), (401, 'Metformina', 'METFORMINA', '850 mg')",
        vec![],
    )
    .await;
    app.refresh().await;
    let nurse = app
        .create_user(
            "enfermeira.a",
            vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
        )
        .await;
    World { app, nurse, today }
}

impl World {
    fn scope(&self) -> sistema_aps::auth::Scope {
        sistema_aps::auth::Scope::of(&[assignment(Role::Professional, None, Some(TEAM_A), None)])
    }
}

#[tokio::test]
async fn tabs_count_their_rows_and_follow_each_write() {
    for backend in backends() {
        let w = world(backend).await;
        let db = w.app.conn();
        let scope = w.scope();
        let grants = sistema_aps::auth::Grants::all();
        let actor = Actor {
            user_id: w.nurse,
            scope: &scope,
            grants: &grants,
        };
        // ANA: a round scheduled for today. BIA: MRPA started 10 days ago, so its evaluation
        // (+7 days) is overdue. CAIO: a medication in the plan.
        actions::schedule(
            db,
            actor,
            1,
            ActionType::ScheduleRound,
            w.today,
            None,
            w.today,
        )
        .await
        .expect("schedule");
        let done = actions::complete(
            db,
            actor,
            2,
            Completion {
                action_type: ActionType::StartMrpa,
                action_id: None,
                done_on: w.today - Duration::days(10),
                notes: Some("Aparelho entregue".into()),
                record: Record::None,
            },
            w.today,
        )
        .await
        .expect("start mrpa");
        assert_eq!(
            done.scheduled,
            vec![(ActionType::EvaluateMrpa, w.today - Duration::days(3))]
        );
        treatment::add(
            db,
            actor,
            3,
            NewMedication {
                catalogue_id: 276,
                dose: 1,
                frequency: 2,
                started_on: w.today,
                notes: None,
            },
            w.today,
        )
        .await
        .expect("add medication");
        // Not an antihypertensive: refused with a field message, nothing saved.
        let err = treatment::add(
            db,
            actor,
            3,
            NewMedication {
                catalogue_id: 401,
                dose: 9,
                frequency: 2,
                started_on: w.today + Duration::days(1),
                notes: None,
            },
            w.today,
        )
        .await
        .expect_err("metformin refused");
        match err {
            ActionError::Invalid(errors) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, vec!["medicamento", "dose", "inicio"], "{backend:?}");
            }
            other => panic!("{other:?}"),
        }

        for _ in 0..2 {
            let page = body(w.app.get("/hipertensos?per_page=100").await).await;
            for (label, key, expected) in [
                (
                    "Ações pendentes",
                    "acoes_pendentes",
                    vec!["ANA PENDENTE", "BIA ATRASADA"],
                ),
                ("Ações atrasadas", "acoes_atrasadas", vec!["BIA ATRASADA"]),
                ("Em tratamento", "em_tratamento", vec!["CAIO TRATAMENTO"]),
                (
                    "Pressão não controlada",
                    "nao_controlada",
                    vec!["ANA PENDENTE"],
                ),
            ] {
                let list = body(
                    w.app
                        .get(&format!("/hipertensos?per_page=100&situacao={key}"))
                        .await,
                )
                .await;
                assert_eq!(names(&list), expected, "{backend:?} {key}");
                assert_eq!(
                    counter(&page, label),
                    expected.len() as u64,
                    "{backend:?} {label}"
                );
            }
            let row = body(w.app.get("/hipertensos?busca=BIA").await).await;
            assert!(row.contains("Avaliar MRPA"), "{backend:?}");
            assert!(row.contains("Atrasada desde"), "{backend:?}");
            let row = body(w.app.get("/hipertensos?busca=CAIO").await).await;
            assert!(
                row.contains("Losartana Potássica 50 mg — 1 cp 2x/dia"),
                "{backend:?}"
            );
            // The periodic full refresh keeps what the writes derived.
            w.app.refresh().await;
        }

        // Someone else's patient: not found, nothing written.
        let err = actions::schedule(
            db,
            actor,
            4,
            ActionType::ScheduleRound,
            w.today,
            None,
            w.today,
        )
        .await
        .expect_err("out of scope");
        assert!(matches!(err, ActionError::NotFound), "{backend:?}");
        // A second pending action of the same type is refused.
        let err = actions::schedule(
            db,
            actor,
            1,
            ActionType::ScheduleRound,
            w.today,
            None,
            w.today,
        )
        .await
        .expect_err("duplicate");
        assert!(matches!(err, ActionError::Conflict(_)), "{backend:?}");
        // A date in the past for a schedule is refused.
        let err = actions::schedule(
            db,
            actor,
            3,
            ActionType::ScheduleRound,
            w.today - Duration::days(1),
            None,
            w.today,
        )
        .await
        .expect_err("past");
        assert!(matches!(err, ActionError::Invalid(_)), "{backend:?}");
    }
}

#[tokio::test]
async fn the_latest_evaluation_decides_control_and_completion_happens_once() {
    for backend in backends() {
        let w = world(backend).await;
        let db = w.app.conn();
        let scope = w.scope();
        let grants = sistema_aps::auth::Grants::all();
        let actor = Actor {
            user_id: w.nurse,
            scope: &scope,
            grants: &grants,
        };
        let start = actions::complete(
            db,
            actor,
            1,
            Completion {
                action_type: ActionType::StartMrpa,
                action_id: None,
                done_on: w.today - Duration::days(7),
                notes: None,
                record: Record::None,
            },
            w.today,
        )
        .await
        .expect("start");
        let doc = body(w.app.get("/hipertensos?busca=ANA").await).await;
        assert!(doc.contains("Avaliar MRPA"), "{backend:?}");
        let pending = pending_id(db, 1, ActionType::EvaluateMrpa).await;
        let mrpa = |decision| Completion {
            action_type: ActionType::EvaluateMrpa,
            action_id: Some(pending),
            done_on: w.today - Duration::days(1),
            notes: None,
            // Day 1 far above the threshold is excluded: the mean is 120/75, controlled.
            record: Record::Mrpa(MrpaRecord {
                first_day: w.today - Duration::days(6),
                readings: readings((190, 115), (120, 75)),
                decision,
                analysis: Some("Boa adesão".into()),
            }),
        };
        let done = actions::complete(db, actor, 1, mrpa(None), w.today)
            .await
            .expect("evaluate");
        assert_eq!(
            done.scheduled,
            vec![(ActionType::RequestExams, w.today - Duration::days(1))]
        );
        // The double submit finds nothing pending and schedules nothing more.
        let err = actions::complete(db, actor, 1, mrpa(Some(Decision::Modify)), w.today)
            .await
            .expect_err("second submit");
        assert!(matches!(err, ActionError::Conflict(_)), "{backend:?}");
        let page = body(w.app.get("/hipertensos?situacao=controlada").await).await;
        assert_eq!(names(&page), vec!["ANA PENDENTE"], "{backend:?}");

        // A later uncontrolled evaluation wins over the earlier controlled one.
        let later = Completion {
            action_type: ActionType::EvaluateMrpa,
            action_id: None,
            done_on: w.today,
            notes: None,
            record: Record::Mrpa(MrpaRecord {
                first_day: w.today - Duration::days(5),
                readings: readings((120, 70), (150, 92)),
                decision: Some(Decision::Modify),
                analysis: None,
            }),
        };
        actions::complete(db, actor, 1, later.clone(), w.today)
            .await
            .expect("later evaluation");
        // Recording the same thing again moments later is a double submit.
        let err = actions::complete(db, actor, 1, later, w.today)
            .await
            .expect_err("double record");
        assert!(matches!(err, ActionError::Conflict(_)), "{backend:?}");
        let page = body(w.app.get("/hipertensos?situacao=nao_controlada").await).await;
        assert_eq!(names(&page), vec!["ANA PENDENTE"], "{backend:?}");
        let page = body(w.app.get("/hipertensos?situacao=controlada").await).await;
        assert!(names(&page).is_empty(), "{backend:?}");

        // A completed action is never deleted: it is annulled, with a reason.
        let err = actions::delete(db, actor, start.action_id, w.today)
            .await
            .expect_err("a completed action is not deleted");
        assert!(matches!(err, ActionError::Conflict(_)), "{backend:?}");
        let err = actions::annul(db, actor, start.action_id, None, w.today)
            .await
            .expect_err("no reason");
        assert!(matches!(err, ActionError::Invalid(_)), "{backend:?}");
        // Annulling the first action keeps what it led to, and never fails.
        let changed = actions::annul(
            db,
            actor,
            start.action_id,
            Some("Lançada no paciente errado".into()),
            w.today,
        )
        .await
        .expect("annul start");
        assert!(
            changed.before.contains("situacao=done")
                && changed.after.contains("situacao=cancelled"),
            "{changed:?}"
        );
        // Annulling the first evaluation drops its record from the counts and removes its
        // pending successor (Solicitar exames); the later evaluation's successor stays.
        actions::annul(
            db,
            actor,
            pending,
            Some("Leituras de outra pessoa".into()),
            w.today,
        )
        .await
        .expect("annul evaluation");
        let page = body(w.app.get("/hipertensos?busca=ANA").await).await;
        assert!(!page.contains("Solicitar exames"), "{backend:?}");
        assert!(page.contains("Modificar tratamento"), "{backend:?}");
        let page = body(w.app.get("/hipertensos?situacao=nao_controlada").await).await;
        assert_eq!(names(&page), vec!["ANA PENDENTE"], "{backend:?}");
    }
}

#[tokio::test]
async fn acs_list_groups_by_household_and_team_summary_shows_the_quadrimester() {
    for backend in backends() {
        let w = world(backend).await;
        let app = &w.app;
        app.exec(
            "INSERT INTO tb_tipo_logradouro (co_tipo_logradouro, no_tipo_logradouro) VALUES (81, 'RUA')",
            vec![],
        )
        .await;
        app.exec(
            "INSERT INTO tb_cds_cad_domiciliar (co_seq_cds_cad_domiciliar, co_unico_ficha, tp_logradouro, no_logradouro, nu_domicilio, no_bairro, st_versao_atual) VALUES (1, 'dom-1', 81, 'DAS FLORES', '12', 'CENTRO', 1)",
            vec![],
        )
        .await;
        // ANA and BIA are heads of two families of the same house (by CNS).
        let ana = Person::new(1, "ANA PENDENTE", TEAM_A, "01").cns();
        let bia = Person::new(2, "BIA ATRASADA", TEAM_A, "01").cns();
        app.exec(
            "INSERT INTO tb_cds_domicilio_familia (co_seq_cds_domicilio_familia, co_cds_cad_domiciliar, nu_cartao_sus, st_mudanca) VALUES (1, 1, ?, 0), (2, 1, ?, 0)",
            vec![ana.into(), bia.into()],
        )
        .await;
        app.refresh().await;
        let page = body(
            app.get(&format!("/hipertensos/acs?equipe={TEAM_A}&microarea=01"))
                .await,
        )
        .await;
        let doc = html(&page);
        let houses: Vec<String> = select(&doc, ".household-address")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(houses, vec!["RUA DAS FLORES, 12 · CENTRO"], "{backend:?}");
        let people: Vec<String> = select(&doc, ".household-person .patient-name")
            .iter()
            .map(text_of)
            .collect();
        assert_eq!(people, vec!["ANA PENDENTE", "BIA ATRASADA"], "{backend:?}");
        // What each still needs, by the end of the quadrimester: ANA's office reading (20 days
        // ago) covers B; no consultation, weight/height or ACS visit covers A, C and D.
        let (_, end) = sistema_aps::clinical::c5::quadrimester(w.today);
        let by = format!(" — até {}", end.format("%d/%m/%Y"));
        let needs: Vec<String> = select(&doc, ".household-person")
            .first()
            .map(|ana| {
                let sel = scraper::Selector::parse(".needs li").expect("selector");
                ana.select(&sel).map(|li| text_of(&li)).collect()
            })
            .expect("ANA on the list");
        assert_eq!(
            needs,
            vec![
                format!("Consulta com médico(a) ou enfermeiro(a) nos últimos 6 meses{by}"),
                format!("Peso e altura registrados no mesmo dia nos últimos 12 meses{by}"),
                format!(
                    "Duas visitas do ACS com pelo menos 30 dias de intervalo nos últimos 12 meses{by}"
                ),
            ],
            "{backend:?}"
        );
        // A micro-area is required; another team's list is refused like an unknown team.
        app.get(&format!("/hipertensos/acs?equipe={TEAM_A}"))
            .await
            .assert_status(poem::http::StatusCode::BAD_REQUEST);
        let acs = app
            .create_user(
                "acs.b",
                vec![assignment(Role::Acs, None, Some(TEAM_B), Some("05"))],
            )
            .await;
        let _ = acs;
        let s = app.login("acs.b", crate::helpers::PASSWORD).await;
        app.get_as(
            &s,
            &format!("/hipertensos/acs?equipe={TEAM_A}&microarea=01"),
        )
        .await
        .assert_status(poem::http::StatusCode::BAD_REQUEST);

        let page = body(
            app.get(&format!("/hipertensos/equipe?equipe={TEAM_A}"))
                .await,
        )
        .await;
        let doc = html(&page);
        let score_label = select(&doc, ".counters .counter-score .counter-label")
            .first()
            .map(text_of);
        assert!(
            score_label
                .as_deref()
                .is_some_and(|l| l.starts_with("C5 do quadrimestre (média mensal)")),
            "{backend:?}: {score_label:?}"
        );
        // One row per month end of the quadrimester so far, each over team A's three people.
        let months: Vec<(String, String)> = select(&doc, "table.trend tbody tr")
            .iter()
            .map(|tr| {
                let sel = scraper::Selector::parse("td").expect("selector");
                let tds: Vec<String> = tr.select(&sel).map(|td| text_of(&td)).collect();
                (tds[0].clone(), tds[1].clone())
            })
            .collect();
        let expected: Vec<(String, String)> = sistema_aps::clinical::c5::month_ends(w.today)
            .into_iter()
            .map(|d| {
                let partial = if d == w.today { " (parcial)" } else { "" };
                (
                    format!("{}{partial}", d.format("%d/%m/%Y")),
                    "3".to_string(),
                )
            })
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(months, expected, "{backend:?}");
    }
}

/// On a seeded municipality (households, visits, prescriptions, exams), every page of the
/// programme answers with the data the worklist announced: the first patient's page (its name)
/// and MRPA form (a PDF), the team summary (the team's total), the ACS list of a micro-area
/// (its people and only them), and the exports (as many rows as the counters say).
#[tokio::test]
async fn seeded_municipality_pages_answer() {
    const TOTAL: &str = ".counters .counter:not(.counter-ok):not(.counter-bad):not(.counter-warn):not(.counter-score) .counter-value";
    let number = |doc: &scraper::Html, css: &str| -> u64 {
        select(doc, css)
            .first()
            .map(|e| text_of(e).replace('.', ""))
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no number at {css}"))
    };
    for backend in backends() {
        let app = TestApp::start(
            backend,
            Start {
                seed_citizens: Some(400),
            },
        )
        .await;
        let page = body(app.get("/hipertensos?per_page=10&ordem=idade").await).await;
        let doc = html(&page);
        let everyone = number(&doc, TOTAL);
        assert!(everyone > 0, "{backend:?}");
        let first = select(&doc, "table.worklist tbody tr a.patient-name");
        let first = first.first().expect("a patient link");
        let link = first.value().attr("href").expect("href").to_string();
        let name = text_of(first);
        let team = select(&doc, "select#equipe option")
            .iter()
            .filter_map(|o| o.value().attr("value").map(str::to_string))
            .find(|v| !v.is_empty())
            .expect("a team");

        let patient = body(app.get(&link).await).await;
        let h1 = select(&html(&patient), "h1#paciente-nome")
            .first()
            .map(text_of);
        assert_eq!(h1.as_deref(), Some(name.as_str()), "{backend:?}");
        let pdf = app.get(&format!("{link}/mrpa.pdf")).await;
        pdf.assert_status_is_ok();
        pdf.assert_content_type("application/pdf");
        let pdf = pdf.0.into_body().into_vec().await.expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"), "{backend:?}");

        let list = body(app.get(&format!("/hipertensos?equipe={team}")).await).await;
        let list = html(&list);
        let team_total = number(&list, TOTAL);
        let summary = body(app.get(&format!("/hipertensos/equipe?equipe={team}")).await).await;
        let summary = html(&summary);
        let lead = select(&summary, ".page-head .lead").first().map(text_of);
        assert!(
            lead.as_deref()
                .is_some_and(|l| l.contains(&format!("(INE {team})"))),
            "{backend:?}: {lead:?}"
        );
        let people = select(&summary, ".counters .counter .counter-label")
            .iter()
            .position(|l| text_of(l) == "Hipertensos")
            .map(|i| text_of(&select(&summary, ".counters .counter .counter-value")[i]));
        assert_eq!(people, Some(team_total.to_string()), "{backend:?}");

        let area = select(&list, "select#microarea option")
            .iter()
            .filter_map(|o| o.value().attr("value").map(str::to_string))
            .find(|v| !v.is_empty())
            .expect("a micro-area");
        let in_area = body(
            app.get(&format!(
                "/hipertensos?equipe={team}&microarea={area}&per_page=100"
            ))
            .await,
        )
        .await;
        let mut expected: Vec<String> =
            select(&html(&in_area), "table.worklist tbody tr a.patient-name")
                .iter()
                .map(text_of)
                .collect();
        let acs = body(
            app.get(&format!("/hipertensos/acs?equipe={team}&microarea={area}"))
                .await,
        )
        .await;
        let acs = html(&acs);
        assert!(
            !select(&acs, ".household").is_empty(),
            "{backend:?}: no household"
        );
        let mut listed: Vec<String> = select(&acs, ".household-person .patient-name")
            .iter()
            .map(text_of)
            .collect();
        expected.sort();
        listed.sort();
        assert!(!listed.is_empty(), "{backend:?}");
        assert_eq!(
            listed, expected,
            "{backend:?}: the ACS list is the micro-area's people"
        );

        let csv = app.get("/hipertensos/exportar.csv").await;
        csv.assert_status_is_ok();
        let csv = body(csv).await;
        let rows = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .collect::<Result<Vec<_>, _>>()
            .expect("CSV records")
            .len();
        assert_eq!(rows as u64, everyone, "{backend:?}: CSV rows");
        let xlsx = app
            .get(&format!("/hipertensos/exportar.xlsx?equipe={team}"))
            .await;
        xlsx.assert_status_is_ok();
        let xlsx = xlsx.0.into_body().into_vec().await.expect("xlsx");
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("xlsx");
        let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
        assert_eq!(
            sheet.height() as u64,
            team_total + 1,
            "{backend:?}: XLSX rows + header"
        );
    }
}
