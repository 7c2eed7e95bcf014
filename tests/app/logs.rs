//! What the logs may not hold: passwords, hashes, tokens, patient names or CNS.

use std::io::Write;
use std::sync::{Arc, Mutex};

use sistema_aps::auth::Role;

use crate::fixture::{Fixture, Person, TEAM_A};
use crate::helpers::{PASSWORD, Start, TestApp, assignment, backends, body, html, select, text_of};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_or_patient_identifier_reaches_the_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    // The production default: level `info`, text format.
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::start(backends()[0], Start::default()).await;
    let mut f = Fixture::new(&app).await;
    let patient = Person::new(77, "JOAQUINA DOS SANTOS PEREIRA", TEAM_A, "01");
    f.person(&patient).await;
    app.refresh().await;
    app.create_user(
        "admin.logs",
        vec![assignment(Role::Admin, None, None, None)],
    )
    .await;

    app.try_login("admin.logs", "senha-errada-9876").await;
    let admin = app.login("admin.logs", PASSWORD).await;
    let resp = app
        .post_as(
            &admin,
            "/admin/usuarios/novo",
            &[
                ("usuario", "nova.pessoa"),
                ("nome", "Pessoa Nova"),
                ("perfil", "auditor"),
            ],
            true,
        )
        .await;
    let page = body(resp).await;
    let doc = html(&page);
    let temp = select(&doc, ".one-time-password code")
        .first()
        .map(text_of)
        .expect("temporary password");
    let s = app.login("nova.pessoa", &temp).await;
    let new = "outra-senha-forte-31";
    app.post_as(
        &s,
        "/senha",
        &[("atual", &temp), ("nova", new), ("confirmacao", new)],
        true,
    )
    .await;
    let list = body(
        app.get(&format!("/hipertensos?busca={}", patient.cns()))
            .await,
    )
    .await;
    assert!(list.contains(patient.name), "the page shows the patient");

    let logs = String::from_utf8(buffer.0.lock().map(|b| b.clone()).unwrap_or_default())
        .unwrap_or_default();
    assert!(
        logs.contains("login failed"),
        "the failed sign-in is logged:\n{logs}"
    );
    assert!(
        logs.lines()
            .any(|l| l.contains("login failed") && l.contains("client_addr=")),
        "one parseable line with the address"
    );
    for secret in [
        PASSWORD,
        "senha-errada-9876",
        temp.as_str(),
        new,
        "$argon2",
        admin.cookie.as_str(),
        admin.csrf.as_str(),
    ] {
        assert!(
            !logs.contains(secret),
            "a secret reached the logs: {secret}"
        );
    }
    for identifier in [patient.name, patient.cns().as_str()] {
        assert!(
            !logs.contains(identifier),
            "a patient identifier reached the logs: {identifier}"
        );
    }
}
