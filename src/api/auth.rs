//! Who is calling the API, and how often.
//!
//! [`authenticate`] runs before any route under `/api` (except the documentation and the
//! OpenAPI document): it accepts `Authorization: Bearer <token>` (an API token, see
//! `auth::tokens`) and, for `GET`/`HEAD` only, a signed-in browser session cookie. Writes
//! need a token: with no form and no CSRF token to check, a cookie alone must never change
//! anything. It applies the per-credential rate limit and puts the [`Caller`] in the request,
//! where the operations' [`ApiAuth`] security scheme picks it up.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use poem::http::{Method, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

use super::problem::ApiError;
use crate::auth::{CurrentUser, session, sha256_hex, tokens};
use crate::http::{SESSION_COOKIE, cookie};
use crate::state::AppState;

/// Paths under `/api` (as seen inside the `/api` nest) that need no credentials: the
/// documentation and the document.
pub const PUBLIC_PATHS: [&str; 2] = ["/docs", "/v1/openapi.json"];

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: CurrentUser,
    /// The token used (`None`: a browser session).
    pub token_id: Option<i64>,
}

/// Token de API criado pelo próprio usuário em `/tokens` (`aps_` seguido de 64 dígitos hexadecimais), no
/// cabeçalho `Authorization: Bearer <token>`.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "aps_<64 hex>",
    checker = "caller_of_token"
)]
pub struct TokenAuth(pub Caller);

/// Sessão do navegador (cookie `aps_sessao` de quem entrou no sistema); só para leituras.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "aps_sessao",
    key_in = "cookie",
    checker = "caller_of_session"
)]
pub struct SessionAuth(pub Caller);

/// Either credential.
#[derive(SecurityScheme)]
pub enum ApiAuth {
    Token(TokenAuth),
    Session(SessionAuth),
}

impl ApiAuth {
    pub fn caller(&self) -> &Caller {
        match self {
            ApiAuth::Token(TokenAuth(c)) | ApiAuth::Session(SessionAuth(c)) => c,
        }
    }

    pub fn user(&self) -> &CurrentUser {
        &self.caller().user
    }
}

async fn caller_of_token(req: &Request, _: Bearer) -> Option<Caller> {
    req.extensions().get::<Caller>().cloned()
}

async fn caller_of_session(req: &Request, _: ApiKey) -> Option<Caller> {
    req.extensions().get::<Caller>().cloned()
}

/// A fixed one-minute window per credential.
struct Window {
    started: Instant,
    count: u32,
}

/// Windows by credential hash. In-process: with several instances the limit is per instance
/// (Nginx's `limit_req` is the global one).
static WINDOWS: LazyLock<Mutex<HashMap<String, Window>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

const WINDOW: Duration = Duration::from_secs(60);

/// Counts one request; `Err(seconds)` when over the limit.
fn rate_limit(key: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
    let mut windows = WINDOWS.lock().unwrap_or_else(|e| e.into_inner());
    if windows.len() > 10_000 {
        windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
    }
    let w = windows.entry(key.to_string()).or_insert(Window {
        started: now,
        count: 0,
    });
    if now.duration_since(w.started) >= WINDOW {
        *w = Window {
            started: now,
            count: 0,
        };
    }
    if w.count >= per_minute {
        let left = WINDOW.saturating_sub(now.duration_since(w.started));
        return Err(left.as_secs().max(1));
    }
    w.count += 1;
    Ok(())
}

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Finds the caller or answers 401/403/429.
async fn identify(req: &Request, state: &AppState) -> Result<Caller, ApiError> {
    let now = Utc::now();
    let (caller, key) = if let Some(token) = bearer(req) {
        let found = tokens::lookup(&state.db, state.config.auth.policy(), token, now).await?;
        let Some(found) = found else {
            return Err(ApiError::unauthorized(
                "Token inválido, expirado ou revogado, ou usuário desativado.",
            ));
        };
        if found.user.must_change_password {
            // A provisional password (a reset, a new account) closes the API as it closes
            // the pages, until its owner chooses one.
            return Err(ApiError::forbidden(
                "Troque a senha provisória no sistema antes de usar a API.",
            ));
        }
        let caller = Caller {
            user: found.user,
            token_id: Some(found.token_id),
        };
        (caller, sha256_hex(token))
    } else if let Some(cookie) = cookie(req, SESSION_COOKIE) {
        let user = session::lookup(&state.db, &state.config.auth, &cookie, now)
            .await
            .map_err(|session::SessionError::Db(e)| ApiError::from(e))?;
        let Some(user) = user else {
            return Err(ApiError::unauthorized(
                "Sessão encerrada: entre no sistema de novo ou use um token de API.",
            ));
        };
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            return Err(ApiError::forbidden(
                "Alterações pela API exigem um token (Authorization: Bearer <token>); a sessão do navegador só lê.",
            ));
        }
        if user.must_change_password {
            return Err(ApiError::forbidden(
                "Troque a senha provisória no sistema antes de usar a API.",
            ));
        }
        (
            Caller {
                user,
                token_id: None,
            },
            sha256_hex(&cookie),
        )
    } else {
        return Err(ApiError::unauthorized(
            "Envie um token de API no cabeçalho Authorization: Bearer <token>.",
        ));
    };
    crate::telemetry::record_user_id(caller.user.id);
    rate_limit(&key, state.config.api.requests_per_minute, Instant::now())
        .map_err(ApiError::too_many_requests)?;
    Ok(caller)
}

/// The middleware around every `/api` route (use with `EndpointExt::around`).
pub async fn authenticate<E: Endpoint>(
    ep: std::sync::Arc<E>,
    mut req: Request,
) -> poem::Result<Response> {
    if PUBLIC_PATHS.contains(&req.uri().path()) {
        return ep.call(req).await.map(IntoResponse::into_response);
    }
    let Some(state) = req.data::<AppState>().cloned() else {
        return Err(ApiError::internal(&"application state missing").into());
    };
    let caller = identify(&req, &state).await?;
    req.extensions_mut().insert(caller);
    ep.call(req).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_allow_the_limit_then_say_when() {
        let t0 = Instant::now();
        let key = format!("test-{}", crate::auth::random_token());
        for _ in 0..3 {
            assert_eq!(rate_limit(&key, 3, t0), Ok(()));
        }
        assert_eq!(rate_limit(&key, 3, t0 + Duration::from_secs(20)), Err(40));
        assert_eq!(rate_limit(&key, 3, t0 + WINDOW), Ok(()));
    }
}
