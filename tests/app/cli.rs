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
