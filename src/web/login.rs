//! Signing in and out, and changing one's password.

use chrono::Utc;
use maud::{Markup, html};
use poem::http::{StatusCode, header};
use poem::web::{Data, Redirect};
use poem::{IntoResponse, Request, Response, handler};

use crate::audit::{self, Action, Event};
use crate::auth::{LoginError, Role, random_token, session, users};

use super::error::WebError;
use super::layout::{self, Footer};
use super::session::{
    Auth, Client, FormData, LOGIN_CSRF_COOKIE, SESSION_COOKIE, check_csrf, constant_time_eq,
    cookie, safe_return, set_cookie,
};
use super::{AppState, paths};

fn login_form(message: Option<&str>, login: &str, back: &str, csrf: &str) -> Markup {
    html! {
        div class="login" {
            h1 { "Entrar" }
            p class="lead" { "Use seu nome de usuário ou CPF e sua senha." }
            @if let Some(m) = message {
                div class="notice notice-error" role="alert" { (m) }
            }
            form method="post" action=(paths::LOGIN) class="form-stack" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="voltar" value=(back);
                div class="field" {
                    label for="usuario" { "Usuário ou CPF" }
                    input id="usuario" name="usuario" type="text" value=(login) autocomplete="username" required autofocus maxlength="60";
                }
                div class="field" {
                    label for="senha" { "Senha" }
                    input id="senha" name="senha" type="password" autocomplete="current-password" required maxlength="128";
                }
                button type="submit" class="button" { "Entrar" }
            }
        }
    }
}

/// The sign-in page. A fresh pre-session CSRF token goes into a cookie and the form.
#[handler]
pub async fn login_page(req: &Request, client: Client) -> Response {
    let back = req
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "voltar")
                .map(|(_, v)| v.into_owned())
        })
        .map(|v| safe_return(&v))
        .unwrap_or_else(|| "/".into());
    render_login(None, "", &back, client.tls, StatusCode::OK)
}

/// The one answer to refused credentials, whatever the reason (unknown user, wrong password,
/// locked account).
fn refused_message(lockout_minutes: u32) -> String {
    format!(
        "Usuário ou senha inválidos. Depois de várias tentativas erradas seguidas a conta fica bloqueada por {lockout_minutes} min; se não lembra a senha, peça ao administrador."
    )
}

fn render_login(
    message: Option<&str>,
    login: &str,
    back: &str,
    tls: bool,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let body = layout::page(
        "Entrar",
        None,
        &Footer::default(),
        login_form(message, login, back, &csrf),
    );
    body.with_status(status)
        .with_header(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &csrf, paths::LOGIN, Some(3600), tls),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

/// Checks the credentials; on success opens a session and sends the user on.
#[handler]
pub async fn submit(
    req: &Request,
    client: Client,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    let back = safe_return(form.get("voltar"));
    let login = form.get("usuario").trim().to_string();
    let expected = cookie(req, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !constant_time_eq(form.get("csrf").as_bytes(), expected.as_bytes()) {
        return Err(WebError::Forbidden(
            "A página de entrada expirou. Recarregue a página e tente de novo.".into(),
        ));
    }
    if login.is_empty() || form.get("senha").is_empty() {
        return Ok(render_login(
            Some("Informe usuário (ou CPF) e senha."),
            &login,
            &back,
            client.tls,
            StatusCode::BAD_REQUEST,
        ));
    }
    if login.chars().count() > 60 || form.get("senha").chars().count() > 128 {
        return Ok(render_login(
            Some("Usuário ou senha inválidos."),
            "",
            &back,
            client.tls,
            StatusCode::BAD_REQUEST,
        ));
    }
    let now = Utc::now();
    match users::authenticate(
        &state.db,
        &state.config.auth,
        &login,
        form.get("senha"),
        &client.addr,
        now,
    )
    .await
    {
        Ok(user) => {
            let s = session::create(
                &state.db,
                &state.config.auth,
                user.id,
                Some(client.addr.clone()),
                now,
            )
            .await?;
            let current = session::lookup(&state.db, &state.config.auth, &s.token, now).await?;
            audit::record(
                &state.db,
                Event::without_persons(
                    current.as_ref(),
                    Action::Login,
                    paths::LOGIN,
                    client.origin(),
                ),
            )
            .await?;
            crate::telemetry::record_user_id(user.id);
            tracing::info!(user.id = user.id, client_addr = %client.addr, "login succeeded");
            let target = if user.must_change_password {
                paths::PASSWORD.to_string()
            } else if back == "/" {
                home_for(current.as_ref())
            } else {
                back
            };
            let max_age = (s.expires_at - now).num_seconds();
            Ok(Redirect::see_other(target)
                .with_header(
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &s.token, "/", Some(max_age), client.tls),
                )
                .with_header(
                    header::SET_COOKIE,
                    set_cookie(LOGIN_CSRF_COOKIE, "", paths::LOGIN, Some(0), client.tls),
                )
                .into_response())
        }
        Err(LoginError::Throttled { retry_after_secs }) => {
            tracing::warn!(client_addr = %client.addr, reason = "throttled", "login failed");
            crate::telemetry::metrics::record_login_failure();
            let minutes = (retry_after_secs + 59) / 60;
            let mut resp = render_login(
                Some(&format!(
                    "Muitas tentativas a partir deste endereço. Tente de novo em {minutes} min."
                )),
                &login,
                &back,
                client.tls,
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
        }
        // A locked account, an unknown user and a wrong password get the same status and the
        // same page (and each ran one Argon2 verification): the answer does not tell an
        // attacker which accounts exist or which one they just locked. The log line keeps
        // the reason for fail2ban and the operator.
        Err(e @ (LoginError::Locked(_) | LoginError::Invalid)) => {
            let reason = if matches!(e, LoginError::Locked(_)) {
                "locked"
            } else {
                "invalid_credentials"
            };
            // One parseable line per failure, for fail2ban; never the password.
            tracing::warn!(client_addr = %client.addr, reason, "login failed");
            crate::telemetry::metrics::record_login_failure();
            Ok(render_login(
                Some(&refused_message(state.config.auth.lockout_minutes)),
                &login,
                &back,
                client.tls,
                StatusCode::UNAUTHORIZED,
            ))
        }
        Err(LoginError::Db(e)) => {
            // Still one line per failed attempt (fail2ban counts them), then the generic 500.
            tracing::warn!(client_addr = %client.addr, reason = "error", "login failed");
            crate::telemetry::metrics::record_login_failure();
            Err(WebError::Db(e))
        }
    }
}

/// Back to the sign-in page, with the session cookie cleared in the browser.
fn to_login_clearing_cookie(tls: bool) -> Response {
    Redirect::see_other(paths::LOGIN)
        .with_header(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", "/", Some(0), tls),
        )
        .into_response()
}

/// The first page of a user: the worklist for clinical roles, else their own area.
pub fn home_for(user: Option<&crate::auth::CurrentUser>) -> String {
    match user {
        Some(u) if !u.scope().is_empty() => paths::HYPERTENSION.into(),
        Some(u) if u.has_role(Role::Admin) => paths::ADMIN_USERS.into(),
        Some(u) if u.has_role(Role::Auditor) => paths::AUDIT.into(),
        _ => paths::PASSWORD.into(),
    }
}

/// Ends the session on the server and clears the cookie.
#[handler]
pub async fn logout(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    check_csrf(req, Some(&form), &user)?;
    if let Some(token) = cookie(req, SESSION_COOKIE) {
        session::delete(&state.db, &token).await?;
    }
    audit::record(
        &state.db,
        Event::without_persons(Some(&user), Action::Logout, paths::LOGOUT, client.origin()),
    )
    .await?;
    Ok(to_login_clearing_cookie(client.tls))
}

fn password_form(
    user: &crate::auth::CurrentUser,
    message: Option<(&str, bool)>,
    min_len: u32,
) -> Markup {
    html! {
        div class="login" {
            h1 { "Trocar senha" }
            @if user.must_change_password {
                p class="notice" { "Sua senha foi definida pelo administrador. Escolha uma senha nova para continuar." }
            }
            @if let Some((m, error)) = message {
                div class=(if error { "notice notice-error" } else { "notice" }) role="alert" { (m) }
            }
            form method="post" action=(paths::PASSWORD) class="form-stack" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                div class="field" {
                    label for="atual" { "Senha atual" }
                    input id="atual" name="atual" type="password" autocomplete="current-password" required maxlength="128";
                }
                div class="field" {
                    label for="nova" { "Nova senha" }
                    input id="nova" name="nova" type="password" autocomplete="new-password" required minlength=(min_len) maxlength="128" aria-describedby="regras";
                    p id="regras" class="hint" { "Pelo menos " (min_len) " caracteres, com letras e números, sem o seu nome de usuário." }
                }
                div class="field" {
                    label for="confirmacao" { "Repita a nova senha" }
                    input id="confirmacao" name="confirmacao" type="password" autocomplete="new-password" required maxlength="128";
                }
                button type="submit" class="button" { "Salvar nova senha" }
            }
        }
    }
}

#[handler]
pub async fn password_page(Auth(user): Auth, Data(state): Data<&AppState>) -> Markup {
    let footer = state.footer(Some(&user)).await;
    layout::page(
        "Trocar senha",
        None,
        &footer,
        password_form(&user, None, state.config.auth.min_password_length),
    )
}

#[handler]
pub async fn password_submit(
    req: &Request,
    client: Client,
    Auth(user): Auth,
    Data(state): Data<&AppState>,
    form: FormData,
) -> Result<Response, WebError> {
    check_csrf(req, Some(&form), &user)?;
    let footer = state.footer(Some(&user)).await;
    let min = state.config.auth.min_password_length;
    let fail = |m: String, status: StatusCode| {
        layout::page(
            "Trocar senha",
            None,
            &footer,
            password_form(&user, Some((&m, true)), min),
        )
        .with_status(status)
        .into_response()
    };
    let stored = users::find(&state.db, user.id).await?;
    if form.get("atual").chars().count() > 128 {
        return Ok(fail(
            "A senha atual não confere.".into(),
            StatusCode::BAD_REQUEST,
        ));
    }
    // The current password spends the same budget as the sign-in: `max_failed_logins` wrong
    // ones lock the account (no unlimited oracle for a stolen session).
    match users::check_password(
        &state.db,
        &state.config.auth,
        &stored,
        form.get("atual"),
        Utc::now(),
    )
    .await?
    {
        users::Attempt::Accepted => {}
        users::Attempt::Wrong => {
            tracing::warn!(user.id = user.id, client_addr = %client.addr, reason = "wrong_current_password", "password change failed");
            crate::telemetry::metrics::record_login_failure();
            return Ok(fail(
                "A senha atual não confere.".into(),
                StatusCode::BAD_REQUEST,
            ));
        }
        users::Attempt::Locked(until) => {
            tracing::warn!(user.id = user.id, client_addr = %client.addr, reason = "locked", "password change failed");
            crate::telemetry::metrics::record_login_failure();
            let local = until.with_timezone(&state.config.time_zone).format("%H:%M");
            return Ok(fail(
                format!(
                    "Conta bloqueada por tentativas inválidas até {local}. Tente de novo depois ou peça ao administrador."
                ),
                StatusCode::TOO_MANY_REQUESTS,
            ));
        }
    }
    if form.get("nova") != form.get("confirmacao") {
        return Ok(fail(
            "A nova senha e a repetição não são iguais.".into(),
            StatusCode::BAD_REQUEST,
        ));
    }
    if form.get("nova") == form.get("atual") {
        return Ok(fail(
            "A nova senha deve ser diferente da atual.".into(),
            StatusCode::BAD_REQUEST,
        ));
    }
    match users::set_password(
        &state.db,
        &state.config.auth,
        user.id,
        form.get("nova"),
        false,
    )
    .await
    {
        Ok(()) => {}
        Err(crate::auth::UserError::Invalid(m)) => return Ok(fail(m, StatusCode::BAD_REQUEST)),
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &state.db,
        Event::without_persons(
            Some(&user),
            Action::Write,
            format!("user:{}:password", user.id),
            client.origin(),
        ),
    )
    .await?;
    // Every session ended with the change (the stolen-cookie case); sign in again.
    Ok(to_login_clearing_cookie(client.tls))
}
