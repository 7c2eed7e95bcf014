//! Build-time facts for `sistema_aps_build_info{version,commit}`.
//!
//! The commit is `SISTEMA_APS_COMMIT` when the packaging sets it (a .deb or container build
//! may copy the sources without `.git`), else `git rev-parse --short HEAD`, else `unknown`.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=SISTEMA_APS_COMMIT");
    let commit = std::env::var("SISTEMA_APS_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    // Rebuild when HEAD moves: HEAD itself, the branch it points at, and packed refs (paths
    // from git itself, so linked worktrees work too).
    // A path that does not exist would make cargo rerun this script on every build.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(p) = git(&["rev-parse", "--git-path", &name])
            && std::path::Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rustc-env=SISTEMA_APS_COMMIT={commit}");
}
