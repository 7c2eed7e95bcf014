//! Who is asking: the client address (believing proxy headers only from configured proxies),
//! the signed-in user behind the session cookie, CSRF checks, and small form parsing.

use std::collections::HashMap;

use chrono::Utc;
use poem::http::{StatusCode, header};
use poem::web::Redirect;
use poem::{FromRequest, IntoResponse, Request, RequestBody, Response};

use crate::auth::{CurrentUser, session};

use super::AppState;
use super::error::WebError;

pub use crate::http::{Client, SESSION_COOKIE, client, cookie, set_cookie};

pub const LOGIN_CSRF_COOKIE: &str = "aps_csrf_entrar";
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 64 * 1024;

fn state(req: &Request) -> Result<&AppState, WebError> {
    req.data::<AppState>()
        .ok_or(WebError::Internal("application state missing"))
}

/// Where an anonymous request is sent: the sign-in page, back to where it was going.
fn to_login(req: &Request) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut url = String::from("/entrar");
    if target != "/" {
        url.push_str("?voltar=");
        url.push_str(&url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>());
    }
    if req.headers().contains_key("hx-request") {
        // htmx follows this header with a full navigation.
        return Response::builder()
            .header("HX-Redirect", url)
            .status(StatusCode::OK)
            .finish();
    }
    Redirect::see_other(url).into_response()
}

/// The signed-in user of a request (or a redirect to the sign-in page).
#[derive(Debug, Clone)]
pub struct Auth(pub CurrentUser);

impl<'a> FromRequest<'a> for Auth {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let st = state(req).map_err(poem::Error::from)?;
        let Some(token) = cookie(req, SESSION_COOKIE) else {
            return Err(poem::Error::from_response(to_login(req)));
        };
        let user = session::lookup(&st.db, &st.config.auth, &token, Utc::now())
            .await
            .map_err(|e| poem::Error::from(WebError::from(e)))?;
        let Some(user) = user else {
            return Err(poem::Error::from_response(to_login(req)));
        };
        // Every later line of this request's span carries `user.id`.
        crate::telemetry::record_user_id(user.id);
        if user.must_change_password && req.uri().path() != super::paths::PASSWORD {
            return Err(poem::Error::from_response(
                Redirect::see_other(super::paths::PASSWORD).into_response(),
            ));
        }
        Ok(Auth(user))
    }
}

/// A urlencoded form body, size-limited.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub HashMap<String, String>);

impl FormData {
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

/// The pairs of a urlencoded form body, in order (size-limited; refuses other content types).
async fn read_form(req: &Request, body: &mut RequestBody) -> poem::Result<Vec<(String, String)>> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(WebError::BadRequest("Envie o formulário da página.".into()).into());
    }
    let bytes = body
        .take()?
        .into_bytes_limit(MAX_FORM_BYTES)
        .await
        .map_err(|_| WebError::BadRequest("O formulário enviado é grande demais.".into()))?;
    Ok(url::form_urlencoded::parse(&bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

impl<'a> FromRequest<'a> for FormData {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(FormData(read_form(req, body).await?.into_iter().collect()))
    }
}

/// A form whose keys may repeat (checkbox lists), in order.
#[derive(Debug, Clone, Default)]
pub struct FormList(pub Vec<(String, String)>);

impl FormList {
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl<'a> FromRequest<'a> for FormList {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(FormList(read_form(req, body).await?))
    }
}

/// Refuses a state-changing request whose CSRF token (form field or `X-CSRF-Token`
/// header) is not the session's.
pub fn check_csrf(
    req: &Request,
    form: Option<&FormData>,
    user: &CurrentUser,
) -> Result<(), WebError> {
    let sent = form
        .map(|f| f.get(CSRF_FIELD).to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| {
            req.headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        })
        .unwrap_or_default();
    if constant_time_eq(sent.as_bytes(), user.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "O formulário expirou ou não veio desta página. Recarregue a página e tente de novo."
                .into(),
        ))
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A local path to go back to after sign-in (never another site). The target is resolved
/// the way a browser resolves it (WHATWG URL parsing: tabs and newlines dropped, backslashes read
/// as `/`, dot segments removed) against a placeholder origin; only a result on that same
/// origin is kept, and what comes back is that normalised path and query, which cannot start
/// with `//`. Anything else goes to `/`.
pub fn safe_return(target: &str) -> String {
    const HOME: &str = "/";
    if target.len() > 2000
        || !target.starts_with('/')
        || target.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return HOME.into();
    }
    let Ok(base) = url::Url::parse("http://sistema-aps.invalid/") else {
        return HOME.into();
    };
    let Ok(u) = base.join(target) else {
        return HOME.into();
    };
    if u.origin() != base.origin() || !u.username().is_empty() || u.password().is_some() {
        return HOME.into();
    }
    let mut out = u.path().to_string();
    if let Some(q) = u.query() {
        out.push('?');
        out.push_str(q);
    }
    if !out.starts_with('/') || out.starts_with("//") || out.starts_with("/\\") {
        return HOME.into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_targets_stay_local() {
        assert_eq!(
            safe_return("/hipertensos?equipe=1"),
            "/hipertensos?equipe=1"
        );
        assert_eq!(safe_return("/a/../hipertensos"), "/hipertensos");
        assert_eq!(safe_return("/pacientes/1?x=%09"), "/pacientes/1?x=%09");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\\/evil.example",
            "javascript:alert(1)",
            "",
            // Browsers drop tabs and newlines: these are `//evil.example`.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            // Dot segments that collapse to `//`.
            "/.//evil.example",
            "/x/..//evil.example",
            "/%2e//evil.example",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(safe_return(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn csrf_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"ab", b"abc"));
    }
}
