//! The one treatment plan (`care::treatment`, tables `care_medication` / `_event`) on both
//! backends (the migration's test is in `treatment_migration`): a drug added from the
//! hypertension page shows on the diabetes panel and the other way round, and the prescription
//! lists both; diabetes oral drugs and insulins at every edge of their bounds; a second insulin
//! of the same type refused with nothing written; an insulin changed kept as replaced; the
//! pending "Modificar tratamento" closed by a plan change; role by role and out of scope.

use chrono::{NaiveDate, NaiveTime};
use poem::http::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use sistema_aps::auth::permission::Profile;
use sistema_aps::auth::{Grants, Policy, Profession, Role, Scope, users};
use sistema_aps::care::followup::{Actor, FollowupError};
use sistema_aps::care::treatment::{Application, Change};
use sistema_aps::clinical::diabetes_followup::DmAction;
use sistema_aps::programs::diabetes::{followup as dm_followup, treatment as dm};
use sistema_aps::programs::hypertension::treatment::{self as ht, NewMedication};

use crate::fixture::{Fixture, Person, TEAM_A, TEAM_B};
use crate::helpers::{
    Backend, PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of,
};

/// Insulin applications as the prescription lists them: (time, units).
type Applications = Vec<(String, i32)>;

/// The hypertensive diabetic of team A, and a diabetic of team B.
const BOTH: i64 = 3;
const OTHER_TEAM: i64 = 4;
/// Losartan's surrogate id in this PEC's `tb_medicamento` (unlike any default).
pub(crate) const LOSARTAN: i64 = 2763;

pub(crate) async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub(crate) async fn ints(db: &DatabaseConnection, sql: &str) -> Vec<Option<i64>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.try_get_by_index::<Option<i64>>(0).expect("an integer"))
        .collect()
}

pub(crate) async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("a string"))
        .collect()
}

pub(crate) async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    ints(db, sql).await.first().copied().flatten().unwrap_or(-1)
}

struct World {
    app: TestApp,
    today: NaiveDate,
    physician: i64,
}

/// BOTH: hypertensive (team A) and on the diabetes list; OTHER_TEAM: diabetic of team B.
async fn world(backend: Backend) -> World {
    let app = TestApp::start(backend, Start::default()).await;
    let mut f = Fixture::new(&app).await;
    f.person(&Person::new(BOTH, "CAIO DOIS PROGRAMAS", TEAM_A, "02"))
        .await;
    f.person(&Person::new(OTHER_TEAM, "DORA OUTRA EQUIPE", TEAM_B, "05"))
        .await;
    app.exec(
        "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, \
         no_principio_ativo_filtro, ds_concentracao) VALUES (?, 'Losartana Potássica', \
         'LOSARTANA POTASSICA', '50 mg')",
        vec![LOSARTAN.into()],
    )
    .await;
    app.refresh().await;
    let today = app.state.today();
    for (id, team) in [(BOTH, TEAM_A), (OTHER_TEAM, TEAM_B)] {
        app.exec(
            "INSERT INTO diabetes_summary (co_seq_cidadao, no_cidadao, search_text, nu_ine, \
             no_equipe, nu_cnes, micro_area, hba1c_target, control_status, c4_a, c4_b, c4_c, \
             c4_d, c4_e, c4_f, c4_points, as_of) VALUES (?, 'PESSOA DM', 'pessoa dm', ?, \
             'EQUIPE', '7000001', '02', '< 7,0 %', 'sem_exame', false, false, false, false, \
             false, false, 0, ?)",
            vec![id.into(), team.into(), today.into()],
        )
        .await;
    }
    let physician = user(&app, "dm.medica", Some(Profession::Physician)).await;
    World {
        app,
        today,
        physician,
    }
}

async fn user(app: &TestApp, name: &str, profession: Option<Profession>) -> i64 {
    let id = app
        .create_user(
            name,
            vec![assignment(Role::Professional, None, Some(TEAM_A), None)],
        )
        .await;
    users::set_profession(app.conn(), id, profession)
        .await
        .expect("profession");
    id
}

fn team_a() -> Scope {
    Scope::of(&[assignment(Role::Professional, None, Some(TEAM_A), None)])
}

fn grants(p: Profile) -> Grants {
    Grants {
        profiles: vec![p],
        policy: Policy::default(),
    }
}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a time")
}

fn app_at(h: u32, units: i32) -> Application {
    Application {
        time: t(h, 0),
        units,
    }
}

fn oral(drug: &str, dose: i32, frequency: i32, on: NaiveDate) -> dm::NewOral {
    dm::NewOral {
        drug: drug.into(),
        dose,
        frequency,
        started_on: on,
        notes: None,
    }
}

fn insulin(drug: &str, applications: Vec<Application>, on: NaiveDate) -> dm::NewInsulin {
    dm::NewInsulin {
        drug: drug.into(),
        applications,
        started_on: on,
        notes: None,
    }
}

fn fields<T: std::fmt::Debug>(r: Result<T, FollowupError>) -> Vec<String> {
    match r {
        Err(FollowupError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
        other => vec![format!("{other:?}")],
    }
}

async fn rows(app: &TestApp) -> i64 {
    count(app.conn(), "SELECT COUNT(*) FROM care_medication").await
        + count(app.conn(), "SELECT COUNT(*) FROM care_medication_event").await
}

#[tokio::test]
async fn oral_drugs_hold_their_bounds_at_every_edge() {
    for backend in backends() {
        let w = world(backend).await;
        let (db, today, scope, g) = (w.app.conn(), w.today, team_a(), grants(Profile::Physician));
        let actor = Actor {
            user_id: w.physician,
            scope: &scope,
            grants: &g,
        };
        let add = |drug: &'static str, dose, freq| {
            dm::add_oral(db, actor, BOTH, oral(drug, dose, freq, today), today)
        };
        assert_eq!(
            fields(add("metformina-850", 0, 2).await),
            ["dose"],
            "{backend:?}"
        );
        assert_eq!(fields(add("metformina-850", 6, 2).await), ["dose"]);
        assert_eq!(fields(add("metformina-850", 1, 0).await), ["frequencia"]);
        assert_eq!(fields(add("metformina-850", 1, 5).await), ["frequencia"]);
        // An insulin is not a tablet; an unknown key is not in the catalogue.
        assert_eq!(fields(add("insulina-nph", 1, 1).await), ["medicamento"]);
        assert_eq!(fields(add("losartana", 1, 1).await), ["medicamento"]);
        let tomorrow = today + chrono::Duration::days(1);
        assert_eq!(
            fields(
                dm::add_oral(
                    db,
                    actor,
                    BOTH,
                    oral("metformina-850", 1, 1, tomorrow),
                    today
                )
                .await
            ),
            ["inicio"]
        );
        assert_eq!(rows(&w.app).await, 0, "{backend:?}: nothing written");

        let low = add("metformina-850", 1, 1)
            .await
            .expect("1 cp 1x")
            .medication;
        let high = add("glibenclamida-5", 5, 4)
            .await
            .expect("5 cp 4x")
            .medication;
        assert_eq!(
            strings(db, "SELECT name || ':' || dose || 'x' || frequency || ':' || program FROM care_medication ORDER BY id").await,
            ["Metformina 850 mg:1x1:diabetes", "Glibenclamida 5 mg:5x4:diabetes"]
        );
        // The same drug again is refused while in use.
        assert!(matches!(
            add("metformina-850", 2, 2).await,
            Err(FollowupError::Conflict(_))
        ));

        let change = |id, c| dm::change(db, actor, id, c, Some("ajuste".into()), today);
        assert_eq!(fields(change(low, Change::Dose(0)).await), ["dose"]);
        assert_eq!(fields(change(low, Change::Dose(6)).await), ["dose"]);
        assert_eq!(
            fields(change(low, Change::Frequency(5)).await),
            ["frequencia"]
        );
        assert_eq!(
            fields(change(low, Change::Dose(1)).await),
            ["dose"],
            "same dose"
        );
        change(low, Change::Dose(5)).await.expect("dose 5");
        change(low, Change::Frequency(4)).await.expect("4x");
        change(high, Change::Pause).await.expect("pause");
        change(high, Change::Resume).await.expect("resume");
        change(high, Change::Stop).await.expect("stop");
        assert!(matches!(
            change(high, Change::Stop).await,
            Err(FollowupError::Conflict(_))
        ));
        assert_eq!(
            strings(db, &format!("SELECT kind || ':' || COALESCE(detail, '') || ':' || COALESCE(reason, '') FROM care_medication_event WHERE medication_id = {low} ORDER BY id")).await,
            ["iniciado:1 cp 1x/dia:", "dose:1 cp → 5 cp:ajuste", "frequencia:1x/dia → 4x/dia:ajuste"],
            "{backend:?}"
        );
        assert_eq!(
            strings(db, &format!("SELECT kind FROM care_medication_event WHERE medication_id = {high} ORDER BY id")).await,
            ["iniciado", "pausado", "retomado", "encerrado"]
        );
    }
}

#[tokio::test]
async fn insulins_hold_units_times_and_one_per_type_and_keep_the_replaced_one() {
    for backend in backends() {
        let w = world(backend).await;
        let (db, today, scope, g) = (w.app.conn(), w.today, team_a(), grants(Profile::Physician));
        let actor = Actor {
            user_id: w.physician,
            scope: &scope,
            grants: &g,
        };
        let add = |drug: &'static str, apps| {
            dm::add_insulin(db, actor, BOTH, insulin(drug, apps, today), today)
        };
        assert_eq!(
            fields(add("insulina-nph", vec![app_at(7, 0)]).await),
            ["unidades"],
            "{backend:?}"
        );
        assert_eq!(
            fields(add("insulina-nph", vec![app_at(7, 101)]).await),
            ["unidades"]
        );
        assert_eq!(fields(add("insulina-nph", vec![]).await), ["aplicacoes"]);
        let five = (6..11).map(|h| app_at(h, 10)).collect();
        assert_eq!(fields(add("insulina-nph", five).await), ["aplicacoes"]);
        assert_eq!(
            fields(add("insulina-nph", vec![app_at(7, 10), app_at(7, 12)]).await),
            ["horarios"]
        );
        assert_eq!(
            fields(add("metformina-850", vec![app_at(7, 10)]).await),
            ["medicamento"]
        );
        assert_eq!(rows(&w.app).await, 0, "{backend:?}: nothing written");

        let nph = add("insulina-nph", vec![app_at(22, 1), app_at(7, 100)])
            .await
            .expect("1 and 100 UI")
            .medication;
        let four = (6..10).map(|h| app_at(h, 4)).collect();
        add("insulina-lispro", four)
            .await
            .expect("four applications");
        assert_eq!(
            strings(db, &format!("SELECT schedule || ':' || dose || ':' || frequency || ':' || unit FROM care_medication WHERE id = {nph}")).await,
            ["07:00 100;22:00 1:101:2:ui"]
        );
        // A second NPH in use is refused, nothing written.
        let before = rows(&w.app).await;
        match add("insulina-nph", vec![app_at(8, 10)]).await {
            Err(FollowupError::Conflict(m)) => assert!(m.contains("Insulina NPH"), "{m}"),
            other => panic!("{backend:?}: {other:?}"),
        }
        assert_eq!(rows(&w.app).await, before);
        // An insulin's dose is not changed in place.
        assert!(matches!(
            dm::change(db, actor, nph, Change::Dose(3), None, today).await,
            Err(FollowupError::Conflict(_))
        ));
        let change = |apps| {
            dm::change_insulin(
                db,
                actor,
                nph,
                apps,
                Some("glicemia de jejum alta".into()),
                today,
            )
        };
        assert_eq!(fields(change(vec![app_at(7, 101)]).await), ["unidades"]);
        assert_eq!(
            fields(change(vec![app_at(22, 1), app_at(7, 100)]).await),
            ["aplicacoes"],
            "same doses"
        );
        let new = change(vec![app_at(7, 24), app_at(22, 12)])
            .await
            .expect("replaced")
            .medication;
        assert_ne!(new, nph);
        assert_eq!(
            strings(db, "SELECT id || ':' || status || ':' || COALESCE(replaces_id, 0) FROM care_medication WHERE drug = 'insulina-nph' ORDER BY id").await,
            [format!("{nph}:replaced:0"), format!("{new}:active:{nph}")],
            "{backend:?}"
        );
        assert_eq!(
            strings(db, &format!("SELECT kind || ':' || COALESCE(reason, '') FROM care_medication_event WHERE medication_id = {nph} ORDER BY id")).await,
            ["iniciado:", "substituido:glicemia de jejum alta"]
        );
        // The replaced one is history: it cannot be changed again.
        assert!(matches!(
            change(vec![app_at(7, 30)]).await,
            Err(FollowupError::Conflict(_))
        ));
        dm::change(db, actor, new, Change::Stop, None, today)
            .await
            .expect("stop");
        // Stopped: another NPH may start.
        add("insulina-nph", vec![app_at(21, 8)])
            .await
            .expect("a new NPH after the stop");
    }
}

#[tokio::test]
async fn a_plan_change_closes_the_pending_modify_treatment() {
    for backend in backends() {
        let w = world(backend).await;
        let (db, today, scope, g) = (w.app.conn(), w.today, team_a(), grants(Profile::Physician));
        let actor = Actor {
            user_id: w.physician,
            scope: &scope,
            grants: &g,
        };
        let pending = dm_followup::schedule(
            db,
            actor,
            BOTH,
            DmAction::ModifyTreatment,
            today,
            None,
            today,
        )
        .await
        .expect("pending change");
        let wr = dm::add_oral(db, actor, BOTH, oral("metformina-500", 1, 2, today), today)
            .await
            .expect("added");
        assert_eq!(wr.closed_action, Some(pending), "{backend:?}");
        assert_eq!(
            strings(
                db,
                &format!("SELECT status FROM care_action WHERE id = {pending}")
            )
            .await,
            ["done"]
        );
        assert_eq!(
            strings(db, "SELECT action_type FROM care_action WHERE program = 'diabetes' AND status = 'pending'").await,
            [DmAction::AwaitExams.key()]
        );
        // With nothing pending, a change closes nothing.
        let again = dm::change(db, actor, wr.medication, Change::Frequency(3), None, today)
            .await
            .expect("changed");
        assert_eq!(again.closed_action, None);
    }
}

#[tokio::test]
async fn roles_and_scope_are_checked_before_anything_is_written() {
    for backend in backends() {
        let w = world(backend).await;
        let (db, today, scope) = (w.app.conn(), w.today, team_a());
        let doctor = grants(Profile::Physician);
        let by = |g: &'static Grants| Actor {
            user_id: w.physician,
            scope: Box::leak(Box::new(scope.clone())),
            grants: g,
        };
        let physician = by(Box::leak(Box::new(doctor)));
        let med = dm::add_oral(db, physician, BOTH, oral("acarbose-50", 1, 3, today), today)
            .await
            .expect("physician adds")
            .medication;
        let before = rows(&w.app).await;
        for p in [
            Profile::Acs,
            Profile::Nurse,
            Profile::Coordinator,
            Profile::Professional,
        ] {
            let actor = by(Box::leak(Box::new(grants(p))));
            let add = dm::add_oral(db, actor, BOTH, oral("acarbose-100", 1, 1, today), today).await;
            assert!(
                matches!(add, Err(FollowupError::Forbidden(_))),
                "{backend:?} {p:?}: {add:?}"
            );
            let ins = dm::add_insulin(
                db,
                actor,
                BOTH,
                insulin("insulina-nph", vec![app_at(7, 10)], today),
                today,
            )
            .await;
            assert!(
                matches!(ins, Err(FollowupError::Forbidden(_))),
                "{p:?}: {ins:?}"
            );
            let stop = dm::change(db, actor, med, Change::Stop, None, today).await;
            assert!(
                matches!(stop, Err(FollowupError::Forbidden(_))),
                "{p:?}: {stop:?}"
            );
            let ht_add = ht::add(
                db,
                actor,
                BOTH,
                NewMedication {
                    catalogue_id: LOSARTAN,
                    dose: 1,
                    frequency: 1,
                    started_on: today,
                    notes: None,
                },
                today,
            )
            .await;
            assert!(
                matches!(ht_add, Err(FollowupError::Forbidden(_))),
                "{p:?}: {ht_add:?}"
            );
        }
        // A nurse where the protocol lets nurses prescribe may.
        let np = by(Box::leak(Box::new(Grants {
            profiles: vec![Profile::Nurse],
            policy: Policy {
                nurse_prescribes: true,
            },
        })));
        dm::change(db, np, med, Change::Pause, None, today)
            .await
            .expect("nurse who prescribes");
        // Out of scope: not found, whoever asks.
        let other = dm::add_oral(
            db,
            physician,
            OTHER_TEAM,
            oral("acarbose-100", 1, 1, today),
            today,
        )
        .await;
        assert!(
            matches!(other, Err(FollowupError::NotFound)),
            "{backend:?}: {other:?}"
        );
        assert_eq!(
            rows(&w.app).await,
            before + 1,
            "only the nurse's pause was written"
        );
    }
}

fn meds_in(page: &str, section: &str) -> Vec<String> {
    let doc = html(page);
    select(&doc, &format!("{section} li.medication .med-head strong"))
        .iter()
        .map(text_of)
        .collect()
}

#[tokio::test]
async fn one_plan_on_both_pages_and_in_the_prescription() {
    for backend in backends() {
        let w = world(backend).await;
        let s = w.app.login("dm.medica", PASSWORD).await;
        let r = w
            .app
            .post_as(
                &s,
                &format!("/pacientes/{BOTH}/tratamento"),
                &[
                    ("medicamento", &LOSARTAN.to_string()),
                    ("dose", "1"),
                    ("frequencia", "2"),
                ],
                true,
            )
            .await;
        assert_eq!(r.0.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let r = w
            .app
            .post_as(
                &s,
                &format!("/pacientes/{BOTH}/diabetes/tratamento"),
                &[
                    ("medicamento", "metformina-850"),
                    ("dose", "1"),
                    ("frequencia", "2"),
                ],
                true,
            )
            .await;
        assert_eq!(r.0.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let r = w
            .app
            .post_as(
                &s,
                &format!("/pacientes/{BOTH}/diabetes/insulina"),
                &[
                    ("medicamento", "insulina-nph"),
                    ("horario_1", "07:00"),
                    ("unidades_1", "20"),
                    ("horario_2", "22:00"),
                    ("unidades_2", "10"),
                ],
                true,
            )
            .await;
        assert_eq!(r.0.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let page = body(w.app.get_as(&s, &format!("/pacientes/{BOTH}")).await).await;
        let all = [
            "Insulina NPH",
            "Losartana Potássica 50 mg",
            "Metformina 850 mg",
        ];
        let mut on_dm = meds_in(&page, "#diabetes-tratamento");
        on_dm.sort();
        let mut on_ht = meds_in(&page, "#tratamento");
        on_ht.sort();
        assert_eq!(on_dm, all, "{backend:?}");
        assert_eq!(on_ht, all, "{backend:?}");
        assert!(
            page.contains("20 UI às 07:00, 10 UI às 22:00"),
            "{backend:?}"
        );
        // Each page changes only what its programme added.
        let doc = html(&page);
        assert_eq!(
            select(&doc, "#diabetes-tratamento .med-change-box").len(),
            2
        );
        assert_eq!(select(&doc, "#tratamento .med-change-box").len(), 1);
        // The hypertension read model keeps its own drugs.
        assert_eq!(
            strings(
                w.app.conn(),
                &format!(
                    "SELECT treatment_text FROM hypertension_summary WHERE co_seq_cidadao = {BOTH}"
                )
            )
            .await,
            ["Losartana Potássica 50 mg — 1 cp 2x/dia"]
        );
        // One prescription lists all three.
        let g = Grants::all();
        let p = sistema_aps::programs::hypertension::documents::prescriptions(
            w.app.conn(),
            &team_a(),
            &g,
            &[BOTH],
            "Dra. Teste",
            w.today,
        )
        .await
        .expect("prescriptions");
        let items: Vec<(String, Option<Applications>)> = p[0]
            .1
            .items
            .iter()
            .map(|i| (i.medication.clone(), i.insulin.clone()))
            .collect();
        assert_eq!(
            items,
            [
                (
                    "Insulina NPH".to_string(),
                    Some(vec![("07:00".to_string(), 20), ("22:00".to_string(), 10)])
                ),
                ("Losartana Potássica 50 mg".to_string(), None),
                ("Metformina 850 mg".to_string(), None),
            ]
        );
    }
}

#[tokio::test]
async fn the_forms_answer_in_portuguese_and_refuse_by_role() {
    for backend in backends() {
        let w = world(backend).await;
        let s = w.app.login("dm.medica", PASSWORD).await;
        let path = format!("/pacientes/{BOTH}/diabetes/insulina");
        let r = w
            .app
            .post_as(
                &s,
                &path,
                &[
                    ("medicamento", "insulina-nph"),
                    ("horario_1", "07:00"),
                    ("unidades_1", "101"),
                ],
                true,
            )
            .await;
        assert_eq!(
            r.0.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend:?}"
        );
        let page = body(r).await;
        assert!(
            page.contains("As unidades de cada aplicação devem ser de 1 a 100 UI."),
            "{page}"
        );
        // The typed value comes back.
        assert_eq!(
            select(&html(&page), "input[name='unidades_1'][value='101']").len(),
            1
        );
        let ok = w
            .app
            .post_as(
                &s,
                &path,
                &[
                    ("medicamento", "insulina-nph"),
                    ("horario_1", "07:00"),
                    ("unidades_1", "10"),
                ],
                true,
            )
            .await;
        assert_eq!(ok.0.status(), StatusCode::SEE_OTHER);
        let again = w
            .app
            .post_as(
                &s,
                &path,
                &[
                    ("medicamento", "insulina-nph"),
                    ("horario_1", "08:00"),
                    ("unidades_1", "12"),
                ],
                true,
            )
            .await;
        assert_eq!(again.0.status(), StatusCode::CONFLICT, "{backend:?}");
        assert!(
            body(again)
                .await
                .contains("Já existe Insulina NPH em uso no plano")
        );
        // Without the CSRF token nothing happens.
        let no_csrf = w
            .app
            .post_as(
                &s,
                &format!("/pacientes/{BOTH}/diabetes/tratamento"),
                &[
                    ("medicamento", "acarbose-50"),
                    ("dose", "1"),
                    ("frequencia", "1"),
                ],
                false,
            )
            .await;
        assert_ne!(no_csrf.0.status(), StatusCode::SEE_OTHER);
        // Out of scope: 404.
        let far = w
            .app
            .post_as(
                &s,
                &format!("/pacientes/{OTHER_TEAM}/diabetes/tratamento"),
                &[
                    ("medicamento", "acarbose-50"),
                    ("dose", "1"),
                    ("frequencia", "1"),
                ],
                true,
            )
            .await;
        assert_eq!(far.0.status(), StatusCode::NOT_FOUND);
        // A nurse (protocol default) sees no form and is refused.
        user(&w.app, "dm.enfermeira", Some(Profession::Nurse)).await;
        let n = w.app.login("dm.enfermeira", PASSWORD).await;
        let page = body(w.app.get_as(&n, &format!("/pacientes/{BOTH}")).await).await;
        let doc = html(&page);
        assert_eq!(
            select(&doc, "#diabetes-tratamento li.medication").len(),
            1,
            "{backend:?}"
        );
        assert!(select(&doc, "#diabetes-tratamento .med-add-box").is_empty());
        assert!(select(&doc, "#diabetes-tratamento .med-change-box").is_empty());
        let refused = w
            .app
            .post_as(
                &n,
                &format!("/pacientes/{BOTH}/diabetes/tratamento"),
                &[
                    ("medicamento", "acarbose-50"),
                    ("dose", "1"),
                    ("frequencia", "1"),
                ],
                true,
            )
            .await;
        assert_eq!(refused.0.status(), StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(
            count(w.app.conn(), "SELECT COUNT(*) FROM care_medication").await,
            1
        );
        // The physician's page offers the forms.
        let page = body(w.app.get_as(&s, &format!("/pacientes/{BOTH}")).await).await;
        assert_eq!(
            select(&html(&page), "#diabetes-tratamento .insulin-add-box").len(),
            1
        );
    }
}
