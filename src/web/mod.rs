//! The web interface: poem routes, maud views and htmx conventions. Handlers stay thin: they
//! validate input and call the program modules; they never write SQL.

pub mod admin;

pub mod audit;
pub mod components;
pub mod error;
pub mod form;
pub mod format;
pub mod health;
pub mod htmx;
pub mod layout;
pub mod limits;
pub mod login;
pub mod methods;
pub mod paths;
pub mod person;
pub mod programs;
pub mod session;
pub mod team;

use chrono::Utc;
use poem::error::ResponseError;
use poem::middleware::SetHeader;
use poem::web::Redirect;
use poem::{Endpoint, EndpointExt, Route, handler};

/// The vendored htmx build (see `assets/vendor/README.md`).
pub const HTMX_ASSET: &str = "vendor/htmx-2.0.11.min.js";

/// The Content-Security-Policy of every response: nothing inline, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub use crate::assets;
pub use crate::state::AppState;

impl AppState {
    /// The header and footer: who is signed in and how old the derived data is.
    pub async fn footer(&self, user: Option<&crate::auth::CurrentUser>) -> layout::Footer {
        let freshness = match crate::care::status::oldest(&self.db).await {
            Ok(Some(s)) => {
                let minutes = (Utc::now() - s.refreshed_at).num_minutes();
                Some(format!("Dados do PEC atualizados {}", format::ago(minutes)))
            }
            Ok(None) => Some("Dados do PEC ainda não processados".to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the read-model status");
                None
            }
        };
        let warning = self.catalogue_report().and_then(|report| {
            let missing: Vec<&str> = report.unresolved().map(|r| r.def().label).collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "Atenção: o sistema não reconheceu no catálogo do PEC: {}. As listas e os \
                     indicadores não são recalculados até que o administrador do sistema corrija \
                     isso; os números mostrados são do último cálculo válido.",
                    missing.join("; ")
                )
            })
        });
        layout::Footer {
            freshness,
            user: user.map(layout::UserBar::of),
            warning,
        }
    }
}

/// The root sends each user to their first page.
#[handler]
fn home(session::Auth(user): session::Auth) -> Redirect {
    Redirect::see_other(login::home_for(Some(&user)))
}

/// Browsers ask for `/favicon.ico` on their own; send them to the embedded icon.
#[handler]
fn favicon() -> Redirect {
    Redirect::permanent(assets::url("favicon.svg"))
}

/// All routes with the security headers and the HTML 404 page, inside the request span and
/// metrics (`telemetry::request`, outermost: it times everything and stamps every response
/// with `X-Request-Id`).
pub fn routes(state: AppState) -> impl Endpoint<Output = poem::Response> {
    let telemetry =
        crate::telemetry::request::RequestTelemetry::new(&state.config.server.trusted_proxies);
    let max_body = state.config.server.max_body_bytes;
    let max_head = state.config.server.max_head_bytes;
    programs::routes(Route::new())
        .at(paths::HOME, methods::get(home))
        .at(paths::LOGIN, methods::get(login::login_page).post(login::submit))
        .at(paths::LOGOUT, methods::post(login::logout))
        .at(paths::PASSWORD, methods::get(login::password_page).post(login::password_submit))
        .at(paths::PEOPLE, methods::get(person::search::search))
        .at("/pacientes/:id", methods::get(person::page::page))
        .at(paths::ADMIN_USERS, methods::get(admin::list))
        .at(paths::ADMIN_NEW_USER, methods::get(admin::new_form).post(admin::create))
        .at("/admin/usuarios/:id", methods::get(admin::edit).post(admin::update))
        .at("/admin/usuarios/:id/situacao", methods::post(admin::set_active))
        .at("/admin/usuarios/:id/senha", methods::post(admin::reset_password))
        .at("/admin/usuarios/:id/perfis", methods::post(admin::add_assignment))
        .at("/admin/usuarios/:id/perfis/remover", methods::post(admin::remove_assignment))
        .at(paths::ADMIN_TOKENS, methods::get(admin::list_tokens).post(admin::create_token))
        .at("/admin/tokens/:id/revogar", methods::post(admin::revoke_token))
        .at(paths::MY_TOKENS, methods::get(admin::my_tokens).post(admin::create_my_token))
        .at("/tokens/:id/revogar", methods::post(admin::revoke_my_token))
        .at(paths::AUDIT, methods::get(audit::trail))
        .at("/auditoria/registros/:id", methods::get(audit::row))
        .nest("/api", crate::api::routes())
        .at(paths::AUDIT_CSV, methods::get(audit::csv))
        .at(paths::HEALTH, methods::get(health::health))
        .at(paths::READY, methods::get(health::ready))
        .at("/assets/*path", methods::get(assets::serve))
        .at("/favicon.ico", methods::get(favicon))
        .catch_error(|_: poem::error::NotFoundError| async {
            error::WebError::NotFound.as_response()
        })
        .catch_error(|_: poem::error::MethodNotAllowedError| async {
            error::method_not_allowed()
        })
        .data(state)
        // Inside the security headers (its refusals carry them), after the body cap.
        .around(limits::reject_nul)
        .with(
            SetHeader::new()
                .overriding("Content-Security-Policy", CSP)
                .overriding("X-Content-Type-Options", "nosniff")
                .overriding("Referrer-Policy", "same-origin")
                .overriding("X-Frame-Options", "DENY")
                .overriding(
                    "Permissions-Policy",
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
                ),
        )
        .around(move |ep, req| limits::cap_body(ep, req, max_body, max_head))
        .with(telemetry)
}
