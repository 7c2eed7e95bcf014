//! Role by role through the person page: an ACS sees the timeline and arranges a follow-up but
//! gets no evaluation form (403 if it posts one); another micro-area or team gets 404 and
//! writes nothing; the coordinator-physician cancels and deletes.

use chrono::Duration;
use poem::http::StatusCode;
use sistema_aps::auth::Role;

use super::{
    AWAIT, BRUNO, EVALUATE, SCHEDULE, events, iso, page, registrar, see_other_to_person,
    up_to_evaluation, written,
};
use crate::diabetes::town;
use crate::fixture::{TEAM_A, TEAM_B};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select};

#[tokio::test]
async fn role_by_role_the_acs_sees_but_does_not_evaluate_and_others_get_404() {
    for backend in backends() {
        let app = TestApp::start(backend, Start::default()).await;
        town(&app).await;
        let today = app.state.today();
        let evaluation = up_to_evaluation(&app, BRUNO).await;
        app.create_user(
            "acs.a02",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("02"))],
        )
        .await;
        app.create_user(
            "acs.a01",
            vec![assignment(Role::Acs, None, Some(TEAM_A), Some("01"))],
        )
        .await;
        app.create_user(
            "enf.b",
            vec![assignment(Role::Professional, None, Some(TEAM_B), None)],
        )
        .await;
        let acs = app.login("acs.a02", PASSWORD).await;

        // The ACS sees the timeline, may arrange a follow-up, gets no evaluation form.
        let p = page(&app, &acs, BRUNO).await;
        assert_eq!(events(&p).len(), 3, "{backend:?}");
        let doc = html(&p);
        let offered: Vec<String> = select(&doc, "#dm-registrar-tipo option")
            .iter()
            .filter_map(|o| o.value().attr("value").map(String::from))
            .collect();
        assert_eq!(offered, vec![SCHEDULE, AWAIT], "{backend:?}");
        assert_eq!(
            select(&doc, &format!("a[href*=\"tipo={EVALUATE}\"]")).len(),
            0,
            "{backend:?}"
        );
        assert_eq!(select(&doc, ".dm-timeline details.inline-confirm").len(), 0);
        let resp = app
            .get_as(
                &acs,
                &format!("{}?tipo={EVALUATE}&acao={evaluation}", registrar(BRUNO)),
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        let before = written(&app).await;
        let resp = app
            .post_as(
                &acs,
                &registrar(BRUNO),
                &[
                    ("tipo", EVALUATE),
                    ("acao", &evaluation.to_string()),
                    ("data", &iso(today)),
                    ("hba1c", "7,0"),
                    ("data_exames", &iso(today)),
                    ("controle", "adequado"),
                ],
                true,
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert!(
            body(resp)
                .await
                .contains("Seu perfil não permite registrar dados clínicos.")
        );
        assert_eq!(written(&app).await, before, "{backend:?}");
        // Scheduling a clinical action is refused too; arranging a follow-up is allowed.
        let resp = app
            .post_as(
                &acs,
                &format!("/pacientes/{BRUNO}/diabetes/acoes"),
                &[("tipo", "dm_encaminhar_nutricao"), ("data", &iso(today))],
                true,
            )
            .await;
        resp.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(written(&app).await, before, "{backend:?}");
        let resp = app
            .post_as(
                &acs,
                &format!("/pacientes/{BRUNO}/diabetes/acoes"),
                &[
                    ("tipo", SCHEDULE),
                    ("data", &iso(today + Duration::days(7))),
                ],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);
        assert_eq!(written(&app).await.0, before.0 + 1, "{backend:?}");

        // Out of scope (another micro-area, another team): the same 404 as unknown.
        for user in ["acs.a01", "enf.b"] {
            let other = app.login(user, PASSWORD).await;
            let resp = app.get_as(&other, &format!("/pacientes/{BRUNO}")).await;
            resp.assert_status(StatusCode::NOT_FOUND);
            let resp = app
                .get_as(&other, &format!("{}?tipo={SCHEDULE}", registrar(BRUNO)))
                .await;
            resp.assert_status(StatusCode::NOT_FOUND);
            let before = written(&app).await;
            for (uri, fields) in [
                (
                    format!("/pacientes/{BRUNO}/diabetes/acoes"),
                    vec![("tipo", SCHEDULE), ("data", "2030-01-01")],
                ),
                (
                    format!("/pacientes/{BRUNO}/diabetes/acoes/{evaluation}/cancelar"),
                    vec![],
                ),
                (
                    format!("/pacientes/{BRUNO}/diabetes/acoes/{evaluation}/excluir"),
                    vec![("confirmar", "sim")],
                ),
            ] {
                let resp = app.post_as(&other, &uri, &fields, true).await;
                resp.assert_status(StatusCode::NOT_FOUND);
            }
            assert_eq!(written(&app).await, before, "{backend:?} {user}");
        }

        // The coordinator-physician cancels and deletes; a done action is annulled, not deleted.
        let s = &app.session;
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes/{evaluation}/cancelar"),
                &[("motivo", "Mudou de município")],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);
        let p = page(&app, s, BRUNO).await;
        assert!(p.contains("Motivo do cancelamento: Mudou de município"));
        let resp = app
            .post_as(
                s,
                &format!("/pacientes/{BRUNO}/diabetes/acoes/{evaluation}/excluir"),
                &[("confirmar", "sim")],
                true,
            )
            .await;
        see_other_to_person(&resp, BRUNO);
        assert!(
            !events(&page(&app, s, BRUNO).await)
                .iter()
                .any(|(id, _, _)| *id == evaluation)
        );
    }
}
