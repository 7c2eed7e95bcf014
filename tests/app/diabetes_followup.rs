//! The diabetes follow-up through the shared functions, on both backends: the cycle (1 → 2
//! with its steps → 4 evaluation → next by control; 5 → 2 in 30 days), mandatory steps, the
//! read model kept current, permission role by role (an ACS arranges but may not evaluate),
//! scope (out of scope is not found, nothing written), and hypertension and diabetes actions
//! kept apart.

use chrono::Duration;
use sea_orm::{ConnectionTrait, Statement};
use sistema_aps::auth::permission::Profile;
use sistema_aps::auth::{Grants, Policy, Role, Scope};
use sistema_aps::care::followup::{Actor, FollowupError};
use sistema_aps::clinical::diabetes_followup::{Control, DmAction};
use sistema_aps::programs::diabetes::followup::{self, Completion, Evaluation};
use sistema_aps::store::diabetes_summary;

use crate::helpers::{Start, TestApp, assignment, backends};

const PERSON: i64 = 8817;
const TEAM: &str = "0000000731";

async fn listed(app: &TestApp) {
    app.exec(
        "INSERT INTO diabetes_summary (co_seq_cidadao, no_cidadao, search_text, nu_ine, no_equipe, \
         nu_cnes, micro_area, hba1c_target, control_status, c4_a, c4_b, c4_c, c4_d, c4_e, c4_f, \
         c4_points, as_of) VALUES (?, 'PESSOA DM', 'pessoa dm', ?, 'EQUIPE DM', '7000001', '04', \
         '< 7,0 %', 'sem_exame', false, false, false, false, false, false, 0, ?)",
        vec![PERSON.into(), TEAM.into(), app.state.today().into()],
    )
    .await;
}

fn grants(p: Profile) -> Grants {
    Grants {
        profiles: vec![p],
        policy: Policy::default(),
    }
}

async fn row(app: &TestApp) -> diabetes_summary::Model {
    use sea_orm::EntityTrait;
    diabetes_summary::Entity::find_by_id(PERSON)
        .one(app.conn())
        .await
        .expect("query")
        .expect("the row")
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

fn done(action: DmAction, on: chrono::NaiveDate, steps: Vec<i32>) -> Completion {
    Completion {
        action,
        action_id: None,
        done_on: on,
        notes: None,
        steps_done: steps,
        evaluation: None,
    }
}

#[tokio::test]
async fn the_cycle_runs_with_its_steps_and_the_read_model_follows() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        listed(&app).await;
        let user = app
            .create_user(
                "dm.enf",
                vec![assignment(Role::Professional, None, Some(TEAM), None)],
            )
            .await;
        let scope = app.session_scope();
        let nurse = grants(Profile::Nurse);
        let actor = Actor {
            user_id: user,
            scope: &scope,
            grants: &nurse,
        };
        let today = app.state.today();
        let db = app.conn();

        // 1 is done at once and schedules 2 the same day, with its four steps.
        let c = followup::complete(
            db,
            actor,
            PERSON,
            done(DmAction::Schedule, today, vec![]),
            today,
        )
        .await
        .expect("1");
        assert_eq!(
            c.scheduled,
            vec![(DmAction::AwaitExams.key(), today)],
            "{backend:?}"
        );
        let r = row(&app).await;
        assert_eq!(
            r.next_action_type.as_deref(),
            Some(DmAction::AwaitExams.key())
        );
        assert_eq!(r.pending_actions, 1);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM care_action_step").await,
            4
        );

        // 2 needs its two mandatory steps.
        match followup::complete(
            db,
            actor,
            PERSON,
            done(DmAction::AwaitExams, today, vec![1, 2]),
            today,
        )
        .await
        {
            Err(FollowupError::Invalid(e)) => {
                assert_eq!(e[0].field, "etapas");
                assert!(e[0].message.contains("MGR concluído"), "{}", e[0].message);
            }
            other => panic!("{backend:?}: {other:?}"),
        }
        assert_eq!(row(&app).await.pending_actions, 1, "nothing changed");
        let c = followup::complete(
            db,
            actor,
            PERSON,
            done(DmAction::AwaitExams, today, vec![3, 4]),
            today,
        )
        .await
        .expect("2");
        assert_eq!(c.scheduled, vec![(DmAction::Evaluate.key(), today)]);

        // 4 records the evaluation; descompensado schedules 5 at once.
        let mut eval = done(DmAction::Evaluate, today, vec![]);
        eval.evaluation = Some(Evaluation {
            hba1c: Some(9.1),
            fasting_glucose: Some(182.0),
            mean_glucose: None,
            exam_date: Some(today - Duration::days(3)),
            control: Some(Control::Decompensated),
            proposed_change: Some("Associar gliclazida".into()),
        });
        let c = followup::complete(db, actor, PERSON, eval, today)
            .await
            .expect("4");
        assert_eq!(c.scheduled, vec![(DmAction::ModifyTreatment.key(), today)]);
        let r = row(&app).await;
        assert_eq!(r.last_evaluation_control.as_deref(), Some("descompensado"));
        assert_eq!(r.last_evaluation_date, Some(today));
        assert_eq!(
            r.next_action_type.as_deref(),
            Some(DmAction::ModifyTreatment.key())
        );

        // 5 changes the treatment: a nurse may not (nurses do not prescribe by default)…
        assert!(matches!(
            followup::set_step(db, actor, 0, 1, true).await,
            Err(FollowupError::NotFound)
        ));
        let physician = grants(Profile::Physician);
        let five_nurse = count(
            &app,
            "SELECT MAX(id) FROM care_action WHERE action_type = 'dm_modificar_tratamento'",
        )
        .await;
        assert!(matches!(
            followup::set_step(db, actor, five_nurse, 1, true).await,
            Err(FollowupError::Forbidden(_))
        ));
        let actor = Actor {
            user_id: user,
            scope: &scope,
            grants: &physician,
        };
        // …a physician ticks both steps one by one, then completes: 2 again in 30 days.
        let five = count(
            &app,
            "SELECT MAX(id) FROM care_action WHERE action_type = 'dm_modificar_tratamento'",
        )
        .await;
        followup::set_step(db, actor, five, 1, true)
            .await
            .expect("step 1");
        followup::set_step(db, actor, five, 2, true)
            .await
            .expect("step 2");
        let c = followup::complete(
            db,
            actor,
            PERSON,
            done(DmAction::ModifyTreatment, today, vec![]),
            today,
        )
        .await
        .expect("5");
        assert_eq!(
            c.scheduled,
            vec![(DmAction::AwaitExams.key(), today + Duration::days(30))]
        );
        assert_eq!(
            row(&app).await.next_action_due,
            Some(today + Duration::days(30))
        );

        // Diabetes actions are not hypertension's: its timeline and pending count ignore them.
        let ht = sistema_aps::programs::hypertension::patient::timeline(db, PERSON, None)
            .await
            .expect("timeline");
        assert_eq!(ht.len(), 0);
        let dm = sistema_aps::care::followup::timeline(db, &followup::FOLLOWUP, PERSON)
            .await
            .expect("timeline");
        assert_eq!(dm.len(), 5);

        // Every stored kind belongs to its programme's catalogue.
        let stored = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT program, action_type FROM care_action ORDER BY id",
            ))
            .await
            .expect("query");
        assert_eq!(stored.len(), 5);
        for r in stored {
            let program: String = r.try_get("", "program").expect("program");
            let kind: String = r.try_get("", "action_type").expect("kind");
            let catalogue = match program.as_str() {
                "diabetes" => &followup::FOLLOWUP,
                "hypertension" => &sistema_aps::programs::hypertension::actions::FOLLOWUP,
                other => panic!("unknown programme {other}"),
            };
            assert!(catalogue.kind(&kind).is_some(), "{program} {kind}");
        }
    }
}

#[tokio::test]
async fn permission_role_by_role_and_scope_in_the_shared_functions() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        listed(&app).await;
        let user = app
            .create_user(
                "dm.acs",
                vec![assignment(Role::Acs, None, Some(TEAM), Some("04"))],
            )
            .await;
        let scope = app.session_scope();
        let today = app.state.today();
        let db = app.conn();
        let acs = grants(Profile::Acs);
        let as_acs = Actor {
            user_id: user,
            scope: &scope,
            grants: &acs,
        };
        // An ACS arranges the follow-up and confirms the collection…
        followup::complete(
            db,
            as_acs,
            PERSON,
            done(DmAction::Schedule, today, vec![]),
            today,
        )
        .await
        .expect("ACS schedules the follow-up");
        // …but may not evaluate, change the treatment, or schedule a clinical action.
        let mut eval = done(DmAction::Evaluate, today, vec![]);
        eval.evaluation = Some(Evaluation {
            hba1c: Some(6.8),
            exam_date: Some(today),
            control: Some(Control::Adequate),
            ..Default::default()
        });
        assert!(
            matches!(
                followup::complete(db, as_acs, PERSON, eval.clone(), today).await,
                Err(FollowupError::Forbidden(_))
            ),
            "{backend:?}"
        );
        assert!(matches!(
            followup::schedule(
                db,
                as_acs,
                PERSON,
                DmAction::ReferNutrition,
                today,
                None,
                today
            )
            .await,
            Err(FollowupError::Forbidden(_))
        ));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM diabetes_evaluation").await,
            0
        );
        // A physician evaluates; adequate schedules the next follow-up in 180 days.
        let physician = grants(Profile::Physician);
        let as_physician = Actor {
            user_id: user,
            scope: &scope,
            grants: &physician,
        };
        let c = followup::complete(db, as_physician, PERSON, eval.clone(), today)
            .await
            .expect("physician evaluates");
        assert_eq!(
            c.scheduled,
            vec![(DmAction::Schedule.key(), today + Duration::days(180))]
        );
        // Out of scope is not found, like an unknown person; nothing is written.
        let other = Scope::of(&[assignment(
            Role::Professional,
            None,
            Some("0000000999"),
            None,
        )]);
        let outside = Actor {
            user_id: user,
            scope: &other,
            grants: &physician,
        };
        let before = count(&app, "SELECT COUNT(*) FROM care_action").await;
        assert!(matches!(
            followup::schedule(
                db,
                outside,
                PERSON,
                DmAction::ReferNutrition,
                today,
                None,
                today
            )
            .await,
            Err(FollowupError::NotFound)
        ));
        assert!(matches!(
            followup::complete(
                db,
                outside,
                PERSON,
                done(DmAction::Finish, today, vec![]),
                today
            )
            .await,
            Err(FollowupError::NotFound)
        ));
        assert!(matches!(
            followup::schedule(
                db,
                as_physician,
                424242,
                DmAction::ReferNutrition,
                today,
                None,
                today
            )
            .await,
            Err(FollowupError::NotFound)
        ));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM care_action").await,
            before
        );
        // A pending action scheduled automatically (it has an origin) is deleted.
        assert_eq!(row(&app).await.pending_actions, 2, "{backend:?}");
        let pending = count(
            &app,
            "SELECT MAX(id) FROM care_action WHERE status = 'pending'",
        )
        .await;
        followup::delete(db, as_physician, pending, today)
            .await
            .expect("delete");
        assert_eq!(row(&app).await.pending_actions, 1, "{backend:?}");
    }
}
