//! `/api/docs`: Swagger UI from the vendored, embedded assets (see `assets/vendor/README.md`),
//! started by our own script file: no inline script or style, nothing from another origin,
//! so it runs under the app's strict Content-Security-Policy.

use maud::{DOCTYPE, html};
use poem::http::header;
use poem::{IntoResponse, Response, handler};

use crate::assets;

/// The vendored Swagger UI build.
pub const SWAGGER_UI_JS: &str = "vendor/swagger-ui-5.35.0/swagger-ui-bundle.js";
pub const SWAGGER_UI_CSS: &str = "vendor/swagger-ui-5.35.0/swagger-ui.css";
/// Our starter: reads the document URL from `data-spec`, turns off the online validator.
pub const STARTER_JS: &str = "api-docs.js";

#[handler]
pub fn page() -> Response {
    html! {
        (DOCTYPE)
        html lang="pt-BR" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "API do Sistema APS — documentação" }
                link rel="stylesheet" href=(assets::url(SWAGGER_UI_CSS));
                link rel="icon" href=(assets::url("favicon.svg"));
            }
            body {
                noscript { p { "A documentação interativa precisa de JavaScript. O documento OpenAPI está em " a href="/api/v1/openapi.json" { "/api/v1/openapi.json" } "." } }
                div id="swagger-ui" data-spec="/api/v1/openapi.json" {}
                script src=(assets::url(SWAGGER_UI_JS)) {}
                script src=(assets::url(STARTER_JS)) {}
            }
        }
    }
    .with_header(header::CACHE_CONTROL, "no-cache")
    .into_response()
}
