//! Routes by method that know their methods: a request with another method answers 405 with
//! `Allow` listing the ones the address takes (RFC 9110 §15.5.6), on the app's error page in
//! Portuguese. Used for every page route in place of poem's `get()`/`post()`, so the header
//! cannot drift from the routes.

use poem::error::MethodNotAllowedError;
use poem::http::{HeaderValue, Method, header};
use poem::{Endpoint, IntoEndpoint, IntoResponse, Request, Response, RouteMethod};

/// A [`RouteMethod`] that remembers its methods.
pub struct Methods {
    route: RouteMethod,
    methods: Vec<Method>,
}

/// A route answering `GET` (and `HEAD`) with `ep`.
pub fn get<E>(ep: E) -> Methods
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    Methods::new().get(ep)
}

/// A route answering `POST` with `ep`.
pub fn post<E>(ep: E) -> Methods
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    Methods::new().post(ep)
}

impl Methods {
    fn new() -> Methods {
        Methods {
            route: RouteMethod::new(),
            methods: Vec::new(),
        }
    }

    #[must_use]
    pub fn get<E>(mut self, ep: E) -> Methods
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.route = self.route.get(ep);
        self.methods.push(Method::GET);
        self
    }

    #[must_use]
    pub fn post<E>(mut self, ep: E) -> Methods
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.route = self.route.post(ep);
        self.methods.push(Method::POST);
        self
    }

    /// The `Allow` value: the methods given, with `HEAD` after `GET` (poem answers `HEAD`
    /// with the `GET` endpoint).
    pub fn allow(&self) -> String {
        let mut out: Vec<&str> = Vec::new();
        for m in &self.methods {
            out.push(m.as_str());
            if *m == Method::GET {
                out.push(Method::HEAD.as_str());
            }
        }
        out.join(", ")
    }
}

impl Endpoint for Methods {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        match self.route.call(req).await {
            Err(e) if e.is::<MethodNotAllowedError>() => {
                let mut resp = super::error::method_not_allowed();
                if let Ok(v) = HeaderValue::from_str(&self.allow()) {
                    resp.headers_mut().insert(header::ALLOW, v);
                }
                Ok(resp.into_response())
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[poem::handler]
    fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn allow_lists_the_methods_given_with_head_after_get() {
        assert_eq!(get(ok).allow(), "GET, HEAD");
        assert_eq!(post(ok).allow(), "POST");
        assert_eq!(get(ok).post(ok).allow(), "GET, HEAD, POST");
    }
}
