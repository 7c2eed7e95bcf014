//! The command line, run as a user would run it.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sistema-aps"));
    // The test harness's own variables must not leak into the app's configuration.
    c.env_remove("APS_TEST_DATABASE_URL")
        .env("RUST_LOG", "warn");
    c
}

#[test]
fn config_prints_the_commented_defaults() {
    let out = bin().arg("config").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[server]") && text.contains("listen = \"127.0.0.1:3030\""));
    assert!(text.contains("# "), "commented");
}

#[test]
fn configuration_errors_name_the_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let out = bin()
        .args(["--config", "/nonexistent/aps.toml", "migrate"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    let file = dir.path().join("aps.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:3030\"\nlistem = 1\n").expect("write");
    let out = bin()
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listem"));
}

#[test]
fn seed_fills_an_empty_mirror_once() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
    let run = || {
        bin()
            .env("APS_DATABASE__URL", &url)
            .args(["seed", "--citizens", "400", "--seed", "3"])
            .output()
            .expect("run")
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("400 cidadãos"));
    let second = run();
    assert!(!second.status.success(), "a second seed must refuse");
    assert!(String::from_utf8_lossy(&second.stderr).contains("already"));
}

#[test]
fn users_are_managed_from_the_command_line_without_default_passwords() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("aps.db").display());
    let run = |args: &[&str]| {
        bin()
            .env("APS_DATABASE__URL", &url)
            .args(args)
            .output()
            .expect("run")
    };
    // No user exists until one is created.
    let out = run(&["user", "list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    let out = run(&[
        "user",
        "add",
        "chefe",
        "--name",
        "Chefe da TI",
        "--role",
        "admin",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let password = stdout
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(password.len() >= 10, "{stdout}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&password),
        "never in the logs"
    );
    let out = run(&["user", "add", "x", "--name", "Curto", "--role", "admin"]);
    assert!(!out.status.success(), "invalid user names are refused");
    let out = run(&["user", "add", "acs1", "--name", "ACS Um", "--role", "acs"]);
    assert!(!out.status.success(), "an ACS needs a team and micro-area");
    let out = run(&["user", "list"]);
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(list.contains("chefe") && list.contains("ativo"), "{list}");
    assert!(run(&["user", "disable", "chefe"]).status.success());
    assert!(String::from_utf8_lossy(&run(&["user", "list"]).stdout).contains("desativado"));
    let out = run(&["user", "passwd", "chefe"]);
    assert!(out.status.success());
    assert!(!run(&["user", "passwd", "ninguem"]).status.success());
    // The audit chain of a fresh database is intact.
    let out = run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("íntegra"));
}
