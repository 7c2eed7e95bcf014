//! Embedded static assets, served under fingerprinted names (`app.3f2a9c1d.css`) with
//! immutable caching. The fingerprint is the start of the file's SHA-256, computed once.

use std::collections::HashMap;
use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::{Response, handler, web::Path};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
#[exclude = "*.LICENSE"]
// The PDF fonts are compiled into `print` with include_bytes!; the web does not serve them.
#[exclude = "fonts/*"]
struct Assets;

pub const PREFIX: &str = "/assets/";

struct Fingerprints {
    /// logical path → fingerprinted URL path (without the prefix)
    by_logical: HashMap<String, String>,
    /// fingerprinted path → logical path
    by_hashed: HashMap<String, String>,
}

static FINGERPRINTS: LazyLock<Fingerprints> = LazyLock::new(|| {
    let mut by_logical = HashMap::new();
    let mut by_hashed = HashMap::new();
    for path in Assets::iter() {
        let Some(file) = Assets::get(&path) else {
            continue;
        };
        let hash: String = file
            .metadata
            .sha256_hash()
            .iter()
            .take(5)
            .map(|b| format!("{b:02x}"))
            .collect();
        let hashed = match path.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
            None => format!("{path}.{hash}"),
        };
        by_logical.insert(path.to_string(), hashed.clone());
        by_hashed.insert(hashed, path.to_string());
    }
    Fingerprints {
        by_logical,
        by_hashed,
    }
});

/// The URL of an asset by its logical path (`"app.css"`). An unknown asset is a programming
/// error caught by the tests; it falls back to the logical path.
pub fn url(logical: &str) -> String {
    match FINGERPRINTS.by_logical.get(logical) {
        Some(hashed) => format!("{PREFIX}{hashed}"),
        None => format!("{PREFIX}{logical}"),
    }
}

/// Serves a fingerprinted asset.
#[handler]
pub fn serve(Path(path): Path<String>) -> Response {
    let Some(logical) = FINGERPRINTS.by_hashed.get(&path) else {
        return Response::builder().status(StatusCode::NOT_FOUND).finish();
    };
    let Some(file) = Assets::get(logical) else {
        return Response::builder().status(StatusCode::NOT_FOUND).finish();
    };
    let mime = mime_for(logical);
    Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(file.data.into_owned())
}

fn mime_for(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Logical paths of every embedded asset (for tests).
pub fn logical_paths() -> Vec<String> {
    let mut v: Vec<String> = FINGERPRINTS.by_logical.keys().cloned().collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    /// A lost brace (e.g. in a merge) silently swallows every rule after it.
    #[test]
    fn the_stylesheet_braces_balance() {
        let css = include_str!("../assets/app.css");
        let mut depth = 0i32;
        for (n, line) in css.lines().enumerate() {
            for c in line.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                assert!(depth >= 0, "unbalanced '}}' at line {}", n + 1);
            }
            if line.starts_with("/* ") {
                assert_eq!(depth, 0, "section comment inside a block at line {}", n + 1);
            }
        }
        assert_eq!(depth, 0);
    }
}
