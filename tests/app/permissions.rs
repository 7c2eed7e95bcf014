//! The permission matrix (role × action), cell by cell, through the pages and the API: what
//! each profile may do is refused in the domain functions both call (403, nothing written),
//! hidden on the pages, and written in `docs/permissions.md`, generated from the same data.

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::test::TestResponse;
use serde_json::json as j;
use sistema_aps::auth::permission::{self, Cell, Permission, Profile};
use sistema_aps::auth::{Grants, Policy, Profession, Role, Scope, tokens, users};
use sistema_aps::clinical::hiperdia::ActionType;
use sistema_aps::programs::hypertension::actions::{self, Actor, Completion, Record};
use sistema_aps::programs::hypertension::treatment::{self, NewMedication};

use crate::fixture::{Fixture, Person, TEAM_A};
use crate::helpers::{
    Backend, PASSWORD, Session, Start, TestApp, assignment, backends, body, html, select,
};

/// What each profile may do, written out from the issue (not read from the code): view,
/// schedule a non-clinical action, schedule a clinical one, complete a non-clinical action,
/// record clinical data, change treatment, print a prescription, cancel, delete a pending
/// action, annul a completed one, export. `y` allowed, `.` refused.
const EXPECTED: [(Profile, &str); 7] = [
    (Profile::Admin, "..........."),
    (Profile::Coordinator, "yyy....y..y"),
    (Profile::Physician, "yyyyyyyyyyy"),
    (Profile::Nurse, "yyyyy..yyyy"),
    (Profile::Professional, "yyyyy..yyyy"),
    (Profile::Acs, "yy.y......."),
    (Profile::Auditor, "..........."),
];

/// The probes, in the order of the [`EXPECTED`] strings: a permission and whether the
/// action it is tried on is clinical.
const PROBES: [(Permission, bool); 11] = [
    (Permission::View, true),
    (Permission::Schedule, false),
    (Permission::Schedule, true),
    (Permission::Complete, false),
    (Permission::RecordClinical, true),
    (Permission::ChangeTreatment, true),
    (Permission::PrintPrescription, true),
    (Permission::Cancel, true),
    (Permission::Delete, true),
    // Annulling a completed action is the same cell as deleting a pending one.
    (Permission::Delete, true),
    (Permission::Export, true),
];

fn expected(profile: Profile, probe: usize) -> bool {
    let row = EXPECTED
        .iter()
        .find(|(p, _)| *p == profile)
        .map(|(_, r)| *r)
        .unwrap_or_default();
    row.chars().nth(probe).is_some_and(|c| c == 'y')
}

#[test]
fn the_matrix_in_the_code_is_the_one_the_issue_asks_for() {
    for (profile, row) in EXPECTED {
        let grants = Grants {
            profiles: vec![profile],
            policy: Policy::default(),
        };
        for (i, (perm, clinical)) in PROBES.iter().enumerate() {
            assert_eq!(
                grants.may_on(*perm, *clinical),
                expected(profile, i),
                "{profile:?} {perm:?} clinical={clinical} (row {row})"
            );
        }
    }
    // Nurses prescribe only where the configuration says so; nobody else gains anything.
    let nurse = Grants {
        profiles: vec![Profile::Nurse],
        policy: Policy {
            nurse_prescribes: true,
        },
    };
    assert!(nurse.may(Permission::PrintPrescription) && nurse.may(Permission::ChangeTreatment));
    let tech = Grants {
        profiles: vec![Profile::Professional],
        policy: nurse.policy,
    };
    assert!(!tech.may(Permission::PrintPrescription));
    assert_eq!(
        permission::cell(Profile::Nurse, Permission::PrintPrescription),
        Cell::IfNursePrescribes
    );
}

#[test]
fn the_committed_permissions_doc_is_generated_from_the_matrix() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/permissions.md"))
            .unwrap_or_default();
    assert_eq!(
        committed,
        permission::markdown(),
        "docs/permissions.md differs from the matrix: regenerate it with \
         `cargo run -- permissions > docs/permissions.md`"
    );
}

struct Who {
    profile: Profile,
    username: &'static str,
    role: Role,
    profession: Option<Profession>,
}

const PEOPLE: [Who; 7] = [
    Who {
        profile: Profile::Admin,
        username: "perm.admin",
        role: Role::Admin,
        profession: None,
    },
    Who {
        profile: Profile::Coordinator,
        username: "perm.coord",
        role: Role::Coordinator,
        profession: None,
    },
    Who {
        profile: Profile::Physician,
        username: "perm.medico",
        role: Role::Professional,
        profession: Some(Profession::Physician),
    },
    Who {
        profile: Profile::Nurse,
        username: "perm.enfermeira",
        role: Role::Professional,
        profession: Some(Profession::Nurse),
    },
    Who {
        profile: Profile::Professional,
        username: "perm.tecnico",
        role: Role::Professional,
        profession: None,
    },
    Who {
        profile: Profile::Acs,
        username: "perm.acs",
        role: Role::Acs,
        profession: None,
    },
    Who {
        profile: Profile::Auditor,
        username: "perm.auditor",
        role: Role::Auditor,
        profession: None,
    },
];

async fn setup(backend: Backend) -> TestApp {
    let app = TestApp::start(backend, Start::default()).await;
    let mut f = Fixture::new(&app).await;
    // One person per profile for the pages (1–7) and one for the API (11–17), all in the
    // ACS's micro-area, so nothing one probe does gets in the way of another.
    for i in 0..7i64 {
        for base in [1, 11] {
            let id = base + i;
            // Fixture names are `'static`: a few bytes leaked per test.
            let name: &'static str = Box::leak(format!("PESSOA {id}").into_boxed_str());
            f.person(&Person::new(id, name, TEAM_A, "01")).await;
            f.bp(id, f.days_ago(10), "150/95").await;
        }
    }
    app.exec(
        "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, no_principio_ativo_filtro, ds_concentracao) VALUES (10, 'LOSARTANA POTASSICA', 'LOSARTANA POTASSICA', '50 mg'), (11, 'HIDROCLOROTIAZIDA', 'HIDROCLOROTIAZIDA', '25 mg')",
        vec![],
    )
    .await;
    app.refresh().await;
    app
}

async fn create(app: &TestApp, who: &Who) -> i64 {
    let a = match who.role {
        Role::Admin | Role::Auditor | Role::Coordinator => assignment(who.role, None, None, None),
        Role::Professional => assignment(who.role, None, Some(TEAM_A), None),
        Role::Acs => assignment(who.role, None, Some(TEAM_A), Some("01")),
    };
    let id = app.create_user(who.username, vec![a]).await;
    users::set_profession(app.conn(), id, who.profession)
        .await
        .expect("profession");
    id
}

/// Writes done as the system (all permissions) to prepare a probe.
struct Setup<'a> {
    app: &'a TestApp,
    scope: Scope,
    grants: Grants,
    today: NaiveDate,
}

impl Setup<'_> {
    fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: 1,
            scope: &self.scope,
            grants: &self.grants,
        }
    }

    async fn pending(&self, person: i64, t: ActionType) -> i64 {
        actions::schedule(
            self.app.conn(),
            self.actor(),
            person,
            t,
            self.today,
            None,
            self.today,
        )
        .await
        .expect("schedule")
    }

    async fn done(&self, person: i64, t: ActionType) -> i64 {
        actions::complete(
            self.app.conn(),
            self.actor(),
            person,
            Completion {
                action_type: t,
                action_id: None,
                done_on: self.today,
                notes: None,
                record: Record::None,
            },
            self.today,
        )
        .await
        .expect("complete")
        .action_id
    }

    async fn medication(&self, person: i64) {
        treatment::add(
            self.app.conn(),
            self.actor(),
            person,
            NewMedication {
                catalogue_id: 11,
                dose: 1,
                frequency: 1,
                started_on: self.today,
                notes: None,
            },
            self.today,
        )
        .await
        .expect("medication");
    }
}

fn allowed(resp: &TestResponse) -> bool {
    matches!(
        resp.0.status(),
        StatusCode::OK | StatusCode::CREATED | StatusCode::SEE_OTHER
    )
}

/// A refusal answers 403 (404 for the patient routes of a profile without any patients,
/// which is how a patient outside the scope answers).
fn refused(resp: &TestResponse, no_scope: bool) -> bool {
    let s = resp.0.status();
    s == StatusCode::FORBIDDEN || (no_scope && s == StatusCode::NOT_FOUND)
}

async fn web_probes(app: &TestApp, set: &Setup<'_>, s: &Session, person: i64) -> Vec<TestResponse> {
    let today = set.today.to_string();
    let sub = |rest: &str| format!("/pacientes/{person}/{rest}");
    let mut out = Vec::new();
    out.push(app.get_as(s, &format!("/pacientes/{person}")).await);
    for tipo in ["agendar_hiperdia", "solicitar_exames"] {
        out.push(
            app.post_as(s, &sub("acoes"), &[("tipo", tipo), ("data", &today)], true)
                .await,
        );
    }
    let start = set.pending(person, ActionType::StartMrpa).await;
    out.push(
        app.post_as(
            s,
            &sub("acoes/registrar"),
            &[
                ("tipo", "iniciar_mrpa"),
                ("acao", &start.to_string()),
                ("data", &today),
            ],
            true,
        )
        .await,
    );
    out.push(
        app.post_as(
            s,
            &sub("acoes/registrar"),
            &[("tipo", "encaminhar_cardiologia"), ("data", &today)],
            true,
        )
        .await,
    );
    out.push(
        app.post_as(
            s,
            &sub("tratamento"),
            &[("medicamento", "10"), ("dose", "1"), ("frequencia", "2")],
            true,
        )
        .await,
    );
    set.medication(person).await;
    out.push(app.get_as(s, &sub("receita.pdf")).await);
    let exams = set.pending(person, ActionType::EvaluateExams).await;
    out.push(
        app.post_as(s, &sub(&format!("acoes/{exams}/cancelar")), &[], true)
            .await,
    );
    let nutrition = set.pending(person, ActionType::ReferNutrition).await;
    out.push(
        app.post_as(
            s,
            &sub(&format!("acoes/{nutrition}/excluir")),
            &[("confirmar", "sim")],
            true,
        )
        .await,
    );
    let done = set.done(person, ActionType::RequestExams).await;
    out.push(
        app.post_as(
            s,
            &sub(&format!("acoes/{done}/excluir")),
            &[("confirmar", "sim"), ("motivo", "Paciente errado")],
            true,
        )
        .await,
    );
    out.push(app.get_as(s, "/hipertensos/exportar.csv").await);
    out
}

async fn api_post(app: &TestApp, token: &str, uri: &str, body: serde_json::Value) -> TestResponse {
    app.client
        .post(uri)
        .header("Authorization", format!("Bearer {token}"))
        .content_type("application/json")
        .body(body.to_string())
        .send()
        .await
}

/// The probes the API has an endpoint for (index in [`PROBES`], response).
async fn api_probes(
    app: &TestApp,
    set: &Setup<'_>,
    token: &str,
    person: i64,
) -> Vec<(usize, TestResponse)> {
    let today = set.today.to_string();
    let base = format!("/api/v1/hipertensos/{person}");
    let mut out = Vec::new();
    out.push((
        0,
        app.client
            .get(&base)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await,
    ));
    for (i, tipo) in [(1, "agendar_hiperdia"), (2, "solicitar_exames")] {
        out.push((
            i,
            api_post(
                app,
                token,
                &format!("{base}/acoes"),
                j!({"tipo": tipo, "prazo": today}),
            )
            .await,
        ));
    }
    let start = set.pending(person, ActionType::StartMrpa).await;
    out.push((
        3,
        api_post(
            app,
            token,
            &format!("{base}/acoes/{start}/concluir"),
            j!({"data": today}),
        )
        .await,
    ));
    out.push((
        4,
        api_post(
            app,
            token,
            &format!("{base}/acoes/registrar"),
            j!({"tipo": "encaminhar_cardiologia", "data": today}),
        )
        .await,
    ));
    out.push((
        5,
        api_post(
            app,
            token,
            &format!("{base}/acoes/registrar"),
            j!({"tipo": "modificar_tratamento", "data": today,
                "registro": {"tipo": "tratamento", "ajuste": "troca"}}),
        )
        .await,
    ));
    let exams = set.pending(person, ActionType::EvaluateExams).await;
    out.push((
        7,
        api_post(
            app,
            token,
            &format!("{base}/acoes/{exams}/cancelar"),
            j!({}),
        )
        .await,
    ));
    out
}

#[tokio::test]
async fn every_cell_of_the_matrix_holds_through_the_pages_and_the_api() {
    for backend in backends() {
        let app = setup(backend).await;
        let set = Setup {
            app: &app,
            scope: Scope {
                municipality: true,
                ..Scope::default()
            },
            grants: Grants::all(),
            today: app.state.today(),
        };
        for (i, who) in PEOPLE.iter().enumerate() {
            let uid = create(&app, who).await;
            let no_scope = matches!(who.role, Role::Admin | Role::Auditor);
            let s = app.login(who.username, PASSWORD).await;
            let web = web_probes(&app, &set, &s, 1 + i as i64).await;
            assert_eq!(web.len(), PROBES.len());
            for (k, resp) in web.iter().enumerate() {
                let want = expected(who.profile, k);
                let ok = if want {
                    allowed(resp)
                } else {
                    refused(resp, no_scope && k != 10)
                };
                assert!(
                    ok,
                    "{backend:?} web {:?} probe {k} {:?}: expected {}, got {}",
                    who.profile,
                    PROBES[k],
                    if want { "allowed" } else { "refused" },
                    resp.0.status()
                );
            }
            let token = tokens::create(app.conn(), uid, "perm", 1, None, chrono::Utc::now())
                .await
                .expect("token")
                .token;
            for (k, resp) in api_probes(&app, &set, &token, 11 + i as i64).await {
                let want = expected(who.profile, k);
                let ok = if want {
                    allowed(&resp)
                } else {
                    resp.0.status() == StatusCode::FORBIDDEN
                };
                assert!(
                    ok,
                    "{backend:?} api {:?} probe {k} {:?}: expected {}, got {}",
                    who.profile,
                    PROBES[k],
                    if want { "allowed" } else { "refused" },
                    resp.0.status()
                );
            }
        }
    }
}

#[tokio::test]
async fn the_pages_hide_what_a_profile_may_not_do() {
    for backend in backends() {
        let app = setup(backend).await;
        let set = Setup {
            app: &app,
            scope: Scope {
                municipality: true,
                ..Scope::default()
            },
            grants: Grants::all(),
            today: app.state.today(),
        };
        set.medication(1).await;
        let pending = set.pending(1, ActionType::EvaluateExams).await;
        let done = set.done(1, ActionType::ScheduleRound).await;
        for who in PEOPLE.iter().filter(|w| {
            matches!(
                w.profile,
                Profile::Physician | Profile::Nurse | Profile::Acs | Profile::Coordinator
            )
        }) {
            create(&app, who).await;
            let s = app.login(who.username, PASSWORD).await;
            let page = body(app.get_as(&s, "/pacientes/1").await).await;
            let doc = html(&page);
            let has = |css: &str| !select(&doc, css).is_empty();
            let p = who.profile;
            let physician = p == Profile::Physician;
            assert_eq!(
                has("a[href='/pacientes/1/receita.pdf']"),
                physician,
                "{p:?}"
            );
            assert_eq!(has("#tratamento .med-add-box"), physician, "{p:?}");
            assert_eq!(has("#tratamento .med-change-box"), physician, "{p:?}");
            let cancel = format!("form[action='/pacientes/1/acoes/{pending}/cancelar']");
            assert_eq!(has(&cancel), p != Profile::Acs, "{p:?}");
            let annul = format!("form[action='/pacientes/1/acoes/{done}/excluir']");
            assert_eq!(
                has(&annul),
                matches!(p, Profile::Physician | Profile::Nurse),
                "{p:?}"
            );
            // The ACS is offered only what it may schedule and record.
            let offered: Vec<String> = select(&doc, "#registrar-tipo option")
                .iter()
                .filter_map(|o| o.value().attr("value").map(String::from))
                .collect();
            match p {
                Profile::Acs => assert_eq!(offered, vec!["agendar_hiperdia", "iniciar_mrpa"]),
                Profile::Coordinator => assert!(offered.is_empty(), "{offered:?}"),
                Profile::Nurse => {
                    assert_eq!(offered.len(), ActionType::ALL.len() - 1, "{offered:?}");
                    assert!(!offered.iter().any(|o| o == "modificar_tratamento"));
                }
                _ => assert_eq!(offered.len(), ActionType::ALL.len(), "{p:?}"),
            }
            let list = body(app.get_as(&s, "/hipertensos").await).await;
            let doc = html(&list);
            let exports = select(&doc, "a[href^='/hipertensos/exportar.csv']").len();
            assert_eq!(exports, usize::from(p != Profile::Acs), "{p:?}");
            let prescriptions = select(&doc, "form#receitas").len();
            assert_eq!(prescriptions, usize::from(physician), "{p:?}");
        }
    }
}

#[tokio::test]
async fn nurses_prescribe_where_the_configuration_allows() {
    for backend in backends() {
        let app = TestApp::start_configured(backend, Start::default(), |c| {
            c.auth.nurse_prescribes = true;
        })
        .await;
        let mut f = Fixture::new(&app).await;
        f.person(&Person::new(1, "PESSOA 1", TEAM_A, "01")).await;
        app.exec(
            "INSERT INTO tb_medicamento (co_seq_medicamento, no_principio_ativo, no_principio_ativo_filtro, ds_concentracao) VALUES (10, 'LOSARTANA POTASSICA', 'LOSARTANA POTASSICA', '50 mg')",
            vec![],
        )
        .await;
        app.refresh().await;
        create(&app, &PEOPLE[3]).await;
        let s = app.login(PEOPLE[3].username, PASSWORD).await;
        let resp = app
            .post_as(
                &s,
                "/pacientes/1/tratamento",
                &[("medicamento", "10"), ("dose", "1"), ("frequencia", "2")],
                true,
            )
            .await;
        resp.assert_status(StatusCode::SEE_OTHER);
        app.get_as(&s, "/pacientes/1/receita.pdf")
            .await
            .assert_status_is_ok();
    }
}
