//! The few htmx request headers the handlers look at.

use poem::{FromRequest, Request, RequestBody};

/// How a request wants its answer: the whole page, or only the fragment htmx swaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HxRequest {
    /// `HX-Request` without `HX-History-Restore-Request`: answer with the fragment.
    pub fragment: bool,
}

impl<'a> FromRequest<'a> for HxRequest {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let has = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == "true")
        };
        // History restoration also carries HX-Request; it needs the full page.
        Ok(HxRequest {
            fragment: has("hx-request") && !has("hx-history-restore-request"),
        })
    }
}
