//! The diabetes follow-up through the person page's forms and over the API, on both backends:
//! the whole cycle (register "Agendar novo acompanhamento" → the collection with its 4 steps →
//! steps ticked → completed → "Avaliar tratamento" → the next action the rule schedules, on the
//! page and on the list), bad input answered in Portuguese with nothing written, CSRF, role by
//! role (an ACS sees the timeline but may not evaluate; out of scope is 404), and the API
//! endpoints (scope, 201/409/422/404).

use chrono::{Duration, NaiveDate};
use poem::http::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use sistema_aps::store::audit_log;

mod api;
mod roles;

use crate::diabetes::town;
use crate::helpers::{Session, Start, TestApp, backends, body, br_date, html, select, text_of};

/// BRUNO (team A, micro-area 02): on the diabetes list, not on the hypertension one.
const BRUNO: i64 = 2;
/// ANA (team A, micro-area 01): on both lists.
const ANA: i64 = 1;

const SCHEDULE: &str = "dm_agendar_acompanhamento";
const AWAIT: &str = "dm_aguardando_coleta";
const EVALUATE: &str = "dm_avaliar_tratamento";

fn registrar(person: i64) -> String {
    format!("/pacientes/{person}/diabetes/acoes/registrar")
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.conn()
        .query_one_raw(Statement::from_string(
            app.conn().get_database_backend(),
            sql,
        ))
        .await
        .expect("query")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a count")
}

/// Everything the follow-up writes, as one comparable tuple.
async fn written(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        count(app, "SELECT COUNT(*) FROM care_action").await,
        count(
            app,
            "SELECT COUNT(*) FROM care_action WHERE status = 'done'",
        )
        .await,
        count(
            app,
            "SELECT COUNT(*) FROM care_action_step WHERE done_at IS NOT NULL",
        )
        .await,
        count(app, "SELECT COUNT(*) FROM diabetes_evaluation").await,
    )
}

/// The timeline items of the person page: (id, kind, status).
fn events(page: &str) -> Vec<(i64, String, String)> {
    let doc = html(page);
    select(&doc, ".dm-timeline li.event")
        .iter()
        .map(|e| {
            let v = e.value();
            (
                v.attr("data-acao")
                    .and_then(|i| i.parse().ok())
                    .unwrap_or_default(),
                v.attr("data-tipo").unwrap_or_default().to_string(),
                v.attr("data-status").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pending_of(page: &str, kind: &str) -> i64 {
    events(page)
        .into_iter()
        .find(|(_, k, s)| k == kind && s == "pending")
        .map(|(id, _, _)| id)
        .unwrap_or_else(|| panic!("no pending {kind} in {:?}", events(page)))
}

/// The steps of an action on the page: (position, done).
fn steps(page: &str, action: i64) -> Vec<(i32, bool)> {
    let doc = html(page);
    select(&doc, &format!("li.event[data-acao=\"{action}\"] li.step"))
        .iter()
        .map(|s| {
            let v = s.value();
            (
                v.attr("data-etapa")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_default(),
                v.attr("data-feita") == Some("true"),
            )
        })
        .collect()
}

fn see_other_to_person(resp: &poem::test::TestResponse, person: i64) {
    resp.assert_status(StatusCode::SEE_OTHER);
    resp.assert_header("location", format!("/pacientes/{person}#dm-acompanhamento"));
}

async fn page(app: &TestApp, s: &Session, person: i64) -> String {
    let resp = app.get_as(s, &format!("/pacientes/{person}")).await;
    resp.assert_status_is_ok();
    body(resp).await
}

/// Registers "Agendar novo acompanhamento" today and completes the collection (its mandatory
/// steps ticked in the completion form): the evaluation is pending. Returns its id.
async fn up_to_evaluation(app: &TestApp, person: i64) -> i64 {
    let s = &app.session;
    let today = iso(app.state.today());
    let resp = app
        .post_as(
            s,
            &registrar(person),
            &[("tipo", SCHEDULE), ("data", &today)],
            true,
        )
        .await;
    see_other_to_person(&resp, person);
    let collection = pending_of(&page(app, s, person).await, AWAIT);
    let resp = app
        .post_as(
            s,
            &registrar(person),
            &[
                ("tipo", AWAIT),
                ("acao", &collection.to_string()),
                ("data", &today),
                ("etapa_3", "sim"),
                ("etapa_4", "sim"),
            ],
            true,
        )
        .await;
    see_other_to_person(&resp, person);
    pending_of(&page(app, s, person).await, EVALUATE)
}

#[tokio::test]
async fn the_whole_cycle_runs_through_the_forms() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let s = &app.session;
        let today = app.state.today();
        let p = page(&app, s, BRUNO).await;
        assert!(p.contains("Acompanhamento do diabetes"), "{backend:?}");
        assert!(p.contains("Nenhuma ação pendente."), "{backend:?}");

        // Register "Agendar novo acompanhamento": the collection follows with its 4 steps.
        let resp = app
            .get(&format!("{}?tipo={SCHEDULE}", registrar(BRUNO)))
            .await;
        resp.assert_status_is_ok();
        let form = body(resp).await;
        assert!(
            form.contains("Registrar: Agendar novo acompanhamento"),
            "{form}"
        );
        let resp = app
            .post_as(
                s,
                &registrar(BRUNO),
                &[("tipo", SCHEDULE), ("data", &iso(today))],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);
        let p = page(&app, s, BRUNO).await;
        let collection = pending_of(&p, AWAIT);
        assert_eq!(
            steps(&p, collection),
            vec![(1, false), (2, false), (3, false), (4, false)],
            "{backend:?}"
        );
        let next = text_of(&select(&html(&p), ".dm-next")[0]);
        assert_eq!(
            next,
            format!(
                "Próxima ação: Aguardando coleta de exames e glicemias residenciais — prazo {}",
                br_date(today)
            )
        );

        // Completing before the mandatory steps is refused, in Portuguese, nothing written.
        let before = written(&app).await;
        let resp = app
            .post_as(
                s,
                &registrar(BRUNO),
                &[
                    ("tipo", AWAIT),
                    ("acao", &collection.to_string()),
                    ("data", &iso(today)),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let text = body(resp).await;
        assert!(
            text.contains(
                "Conclua as etapas obrigatórias: Exames laboratoriais realizados; MGR concluído."
            ),
            "{text}"
        );
        assert_eq!(written(&app).await, before, "{backend:?}");

        // Tick the mandatory steps one by one (and untick one, then tick it again).
        let step = |n: i32| format!("/pacientes/{BRUNO}/diabetes/acoes/{collection}/etapas/{n}");
        for (n, done) in [(3, "sim"), (4, "sim"), (4, "nao"), (4, "sim")] {
            let resp = app.post_as(s, &step(n), &[("feita", done)], true).await;
            see_other_to_person(&resp, BRUNO);
        }
        let p = page(&app, s, BRUNO).await;
        assert_eq!(
            steps(&p, collection),
            vec![(1, false), (2, false), (3, true), (4, true)],
            "{backend:?}"
        );

        // Complete: the evaluation is next.
        let resp = app
            .post_as(
                s,
                &registrar(BRUNO),
                &[
                    ("tipo", AWAIT),
                    ("acao", &collection.to_string()),
                    ("data", &iso(today)),
                ],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);
        let p = page(&app, s, BRUNO).await;
        let evaluation = pending_of(&p, EVALUATE);
        assert!(p.contains("Avaliar tratamento"), "{backend:?}");

        // The evaluation form, then the evaluation with HbA1c and the control chosen.
        let resp = app
            .get(&format!(
                "{}?tipo={EVALUATE}&acao={evaluation}",
                registrar(BRUNO)
            ))
            .await;
        resp.assert_status_is_ok();
        let form = body(resp).await;
        let doc = html(&form);
        assert_eq!(select(&doc, "input[name=hba1c]").len(), 1);
        assert_eq!(select(&doc, "input[name=controle]").len(), 3);
        let resp = app
            .post_as(
                s,
                &registrar(BRUNO),
                &[
                    ("tipo", EVALUATE),
                    ("acao", &evaluation.to_string()),
                    ("data", &iso(today)),
                    ("hba1c", "7,4"),
                    ("data_exames", &iso(today - Duration::days(3))),
                    ("controle", "aceitavel"),
                    ("mudanca_proposta", "Manter metformina"),
                ],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);

        // Acceptable: the next follow-up in 90 days, on the page and on the list.
        let p = page(&app, s, BRUNO).await;
        let due = today + Duration::days(90);
        let next = pending_of(&p, SCHEDULE);
        assert!(next > evaluation, "{backend:?}");
        let doc = html(&p);
        let record = text_of(
            &select(
                &doc,
                &format!("li.event[data-acao=\"{evaluation}\"] .dm-evaluation"),
            )[0],
        );
        assert!(record.contains("HbA1c 7,4 %"), "{record}");
        assert!(
            record.contains("Controle: Tratamento aceitável"),
            "{record}"
        );
        assert!(
            record.contains("Mudança proposta no tratamento: Manter metformina"),
            "{record}"
        );
        assert_eq!(
            text_of(&select(&doc, ".dm-next")[0]),
            format!(
                "Próxima ação: Agendar novo acompanhamento — prazo {}",
                br_date(due)
            )
        );
        let list = body(app.get("/diabeticos").await).await;
        let row = select(&html(&list), "table.worklist tbody tr")
            .iter()
            .map(text_of)
            .find(|t| t.contains("BRUNO GLICADA ALTA"))
            .expect("BRUNO on the list");
        assert!(
            row.ends_with(&format!("Agendar novo acompanhamento até {}", br_date(due))),
            "{row}"
        );
        // The export says the same as the screen.
        let csv = body(app.get("/diabeticos/exportar.csv").await).await;
        let line = csv
            .lines()
            .find(|l| l.starts_with("BRUNO GLICADA ALTA;"))
            .expect("BRUNO in the CSV");
        assert!(
            line.ends_with(&format!(";Agendar novo acompanhamento;{}", br_date(due))),
            "{line}"
        );

        // Every write was audited as one, about the person.
        let writes = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("write"))
            .filter(audit_log::Column::PersonIds.contains(BRUNO.to_string()))
            .count(app.conn())
            .await
            .expect("audit");
        // Register, four step changes, the collection, the evaluation (the refusal wrote
        // nothing).
        assert_eq!(writes, 7, "{backend:?}");
    }
}

#[tokio::test]
async fn bad_input_is_answered_in_portuguese_and_writes_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let s = &app.session;
        let today = app.state.today();
        let evaluation = up_to_evaluation(&app, BRUNO).await;
        let ana = up_to_evaluation(&app, ANA).await;
        let before = written(&app).await;
        let acao = evaluation.to_string();
        let base = |extra: &[(&'static str, String)]| {
            let mut v: Vec<(&'static str, String)> = vec![
                ("tipo", EVALUATE.to_string()),
                ("acao", acao.clone()),
                ("data", iso(today)),
                ("hba1c", "7,4".to_string()),
                ("data_exames", iso(today)),
                ("controle", "adequado".to_string()),
            ];
            for (k, val) in extra {
                v.retain(|(key, _)| key != k);
                v.push((k, val.clone()));
            }
            v
        };
        let tomorrow = iso(today + Duration::days(1));
        for (extra, field, message) in [
            (
                vec![("controle", String::new())],
                "hba1c",
                "Escolha o status do controle: adequado, aceitável ou descompensado.",
            ),
            (
                vec![("hba1c", "25".to_string())],
                "hba1c",
                "HbA1c deve estar entre 3 e 20 %.",
            ),
            (
                vec![("data", tomorrow.clone())],
                "hba1c",
                "A data de realização não pode estar no futuro.",
            ),
            (
                vec![("hba1c", "sete".to_string())],
                "hba1c",
                "HbA1c: &quot;sete&quot; não é um número válido (use vírgula para decimais).",
            ),
        ] {
            let fields = base(&extra);
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let resp = app.post_as(s, &registrar(BRUNO), &pairs, true).await;
            resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            let text = body(resp).await;
            assert!(text.contains(message), "{backend:?} {extra:?}: {text}");
            // The typed values come back.
            let doc = html(&text);
            let typed = fields
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.clone());
            assert_eq!(
                select(&doc, "input[name=hba1c]")[0]
                    .value()
                    .attr("value")
                    .map(String::from),
                typed,
                "{backend:?}"
            );
            assert_eq!(written(&app).await, before, "{backend:?} {extra:?}");
        }
        // The control chosen is kept too.
        let fields = base(&[
            ("hba1c", "25".to_string()),
            ("controle", "descompensado".to_string()),
        ]);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let text = body(app.post_as(s, &registrar(BRUNO), &pairs, true).await).await;
        let doc = html(&text);
        let checked: Vec<_> = select(&doc, "input[name=controle][checked]")
            .iter()
            .filter_map(|e| e.value().attr("value").map(String::from))
            .collect();
        assert_eq!(checked, vec!["descompensado"], "{backend:?}");

        // A step of another person's action, through this person's address: not found.
        let p = page(&app, s, ANA).await;
        let ana_collection = events(&p)
            .into_iter()
            .find(|(_, k, s)| k == AWAIT && s == "done")
            .map(|(id, _, _)| id)
            .expect("ANA's collection");
        assert!(ana > ana_collection);
        // ANA's pending evaluation has no steps; a new collection for her has.
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{ANA}/diabetes/acoes"),
                &[("tipo", AWAIT), ("data", &iso(today + Duration::days(30)))],
                true,
            )
            .await;
        see_other_to_person(&resp, ANA);
        let ana_pending = pending_of(&page(&app, s, ANA).await, AWAIT);
        let before = written(&app).await;
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes/{ana_pending}/etapas/3"),
                &[("feita", "sim")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::NOT_FOUND);
        let text = body(resp).await;
        assert!(text.contains("não encontrad"), "{text}");
        // An unknown step of the right action: a message, nothing written.
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{ANA}/diabetes/acoes/{ana_pending}/etapas/9"),
                &[("feita", "sim")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body(resp).await.contains("Etapa 9 desconhecida."));
        // A due date in the past.
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes"),
                &[
                    ("tipo", AWAIT),
                    ("data", &iso(today - Duration::days(1))),
                    ("observacoes", "atrasada"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let text = body(resp).await;
        assert!(
            text.contains("A data prevista não pode ser anterior a hoje."),
            "{text}"
        );
        assert!(text.contains(">atrasada</textarea>"), "{text}");
        // Without the CSRF token: refused.
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes"),
                &[("tipo", AWAIT), ("data", &iso(today))],
                false,
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert!(body(resp).await.contains("O formulário expirou"));
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes/{evaluation}/cancelar"),
                &[],
                false,
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(written(&app).await, before, "{backend:?}");
    }
}
