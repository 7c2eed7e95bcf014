//! The page shell: header with the program navigation, content, footer with version and data
//! freshness. No inline script or style: htmx is configured by a meta tag.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::paths;

/// htmx settings compatible with the CSP (no injected styles, no eval, no inline scripts), with
/// no copy of pages (patient names) kept in the browser's storage, and with full-page history
/// restoration from the server (see `assets/vendor/README.md`). A refused form (422, or 409
/// for a conflict) is swapped in like a success: it carries the form with its messages.
const HTMX_CONFIG: &str = r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"refreshOnHistoryMiss":true,"historyRestoreAsHxRequest":false,"selfRequestsOnly":true,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"409|422","swap":true},{"code":"[45]..","swap":false,"error":true},{"code":"...","swap":false}]}"#;

/// The signed-in user as the header shows them.
pub struct UserBar {
    pub name: String,
    pub roles: String,
    pub csrf_token: String,
    pub admin: bool,
    pub auditor: bool,
    pub clinical: bool,
}

impl UserBar {
    pub fn of(user: &crate::auth::CurrentUser) -> UserBar {
        use crate::auth::Role;
        let mut roles: Vec<Role> = user.assignments.iter().map(|a| a.role).collect();
        roles.sort();
        roles.dedup();
        UserBar {
            name: user.full_name.clone(),
            roles: roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", "),
            csrf_token: user.csrf_token.clone(),
            admin: user.has_role(Role::Admin),
            auditor: user.has_role(Role::Auditor),
            clinical: !user.scope().is_empty(),
        }
    }
}

/// What surrounds every page: who is signed in, and how fresh the data is.
#[derive(Default)]
pub struct Footer {
    pub freshness: Option<String>,
    pub user: Option<UserBar>,
    /// A warning every page shows above its content (e.g. the PEC catalogue could not be read).
    pub warning: Option<String>,
}

pub fn page(title: &str, current: Option<&str>, footer: &Footer, body: Markup) -> Markup {
    let user = footer.user.as_ref();
    // htmx sends the CSRF token with every request it makes.
    let hx_headers = user.map(|u| format!(r#"{{"X-CSRF-Token":"{}"}}"#, u.csrf_token));
    html! {
        (DOCTYPE)
        html lang="pt-BR" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · Sistema APS" }
                link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(assets::url("app.css"));
                script src=(assets::url(super::HTMX_ASSET)) defer {}
            }
            body hx-headers=[hx_headers] {
                a class="skip-link" href="#conteudo" { "Pular para o conteúdo" }
                header class="site-header" {
                    a class="brand" href="/" { "Sistema APS" }
                    @if user.is_some_and(|u| u.clinical) {
                    nav class="program-nav" aria-label="Programas" {
                        ul {
                            @for p in crate::programs::ALL {
                                li {
                                    @if current == Some(p.path) {
                                        a href=(p.path) aria-current="page" { (p.name) }
                                    } @else {
                                        a href=(p.path) { (p.name) }
                                    }
                                }
                            }
                            @for label in crate::programs::PLANNED {
                                li { span class="nav-soon" title="Em breve" { (label) } }
                            }
                        }
                    }
                    form class="person-search" method="get" action=(paths::PEOPLE) role="search" {
                        label class="visually-hidden" for="busca-pessoa" { "Buscar pessoa no território" }
                        input id="busca-pessoa" type="search" name="busca" maxlength="100"
                            placeholder="Buscar pessoa: nome, CNS ou CPF" autocomplete="off";
                        button type="submit" class="button button-secondary" { "Buscar" }
                    }
                    }
                    @if let Some(u) = user {
                        div class="user-bar" {
                            @if u.admin { a href=(paths::ADMIN_USERS) { "Usuários" } a href=(paths::ADMIN_TOKENS) { "Tokens de API" } }
                            @if u.auditor { a href=(paths::AUDIT) { "Auditoria" } }
                            span class="user-name" title=(u.roles) { (u.name) span class="user-role" { (u.roles) } }
                            a href=(paths::MY_TOKENS) { "Meus tokens de API" }
                            a href=(paths::PASSWORD) { "Trocar senha" }
                            form method="post" action=(paths::LOGOUT) class="logout" {
                                input type="hidden" name="csrf" value=(u.csrf_token);
                                button type="submit" class="button button-secondary" { "Sair" }
                            }
                        }
                    }
                }
                @if let Some(w) = &footer.warning {
                    div class="banner banner-warning" role="alert" { (w) }
                }
                main id="conteudo" class="page" { (body) }
                footer class="site-footer" {
                    span { "Sistema APS " (env!("CARGO_PKG_VERSION")) }
                    @if let Some(f) = &footer.freshness {
                        span class="freshness" { (f) }
                    }
                }
            }
        }
    }
}

/// A full error page with a message and a way out.
pub fn error_page(title: &str, message: &str, footer: &Footer) -> Markup {
    page(
        title,
        None,
        footer,
        html! {
            div class="error-page" {
                h1 { (title) }
                p { (message) }
                p { a href=(paths::HYPERTENSION) { "Voltar para a lista de hipertensos" } }
            }
        },
    )
}
