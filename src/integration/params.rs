//! `requestParameters` and `responseParameters` values of HTTP and AWS integrations: what each
//! mapping can read (README: "HTTP, HTTP_PROXY and AWS services"), resolved by
//! [`crate::resolver`] (the rule for repeated names is stated there).

use crate::context::RequestContext;
use crate::http::Request;
use crate::mapping::Source;

/// What a request mapping can read.
pub struct RequestSources<'a> {
    pub request: &'a Request,
    pub context: &'a RequestContext,
    pub path_params: &'a [(String, String)],
    /// The decoded query string, in order.
    pub query: &'a [(String, String)],
    pub stage_variables: &'a [(String, String)],
    /// The request body as the integration sees it (after CONVERT_TO_TEXT).
    pub body: &'a [u8],
}

pub use crate::resolver::json_text;

/// The values of a request mapping source: one for single-valued sources, every value for the
/// multi-valued ones; empty when the source is missing.
pub fn request_values(src: &Source, s: &RequestSources) -> Vec<String> {
    crate::resolver::values(
        src,
        &crate::resolver::Sources {
            context: Some(s.context),
            stage_variables: s.stage_variables,
            path_params: s.path_params,
            query: s.query,
            headers: &s.request.headers,
            body: s.body,
            ..Default::default()
        },
    )
}

/// What a response mapping can read.
pub struct ResponseSources<'a> {
    pub context: &'a RequestContext,
    pub stage_variables: &'a [(String, String)],
    /// The backend's headers (pseudo-headers ignored).
    pub headers: &'a [(String, String)],
    /// The backend's body, as received.
    pub body: &'a [u8],
}

/// The value of a response mapping source; `None` when it is missing.
/// `integration.response.header.X` is the last value of X, `multivalueheader.X` all of them
/// joined with `,`.
pub fn response_value(src: &Source, s: &ResponseSources) -> Option<String> {
    crate::resolver::value(
        src,
        &crate::resolver::Sources {
            context: Some(s.context),
            stage_variables: s.stage_variables,
            integration_headers: s.headers,
            integration_body: Some(s.body),
            ..Default::default()
        },
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    // Every request source; a missing source is left out (README: "HTTP, HTTP_PROXY and AWS
    // services").
    #[test]
    fn request_sources_table() {
        let req = Request {
            method: "POST".into(),
            path: "/x".into(),
            headers: pairs(&[(":authority", "h"), ("x-a", "1"), ("x-a", "2"), ("x-b", "b")]),
            ..Default::default()
        };
        let ctx = RequestContext { request_id: "rid".into(), stage: "prod".into(), ..Default::default() };
        let path = pairs(&[("id", "42")]);
        let query = pairs(&[("q", "1"), ("q", "2")]);
        let stage = pairs(&[("v", "sv")]);
        let body = br#"{"a":{"b":"x","n":3},"z":null}"#;
        let s = RequestSources {
            request: &req,
            context: &ctx,
            path_params: &path,
            query: &query,
            stage_variables: &stage,
            body,
        };
        let p = |e: &str| request_values(&Source::parse(e, crate::mapping::Side::IntegrationRequest).unwrap(), &s);
        assert_eq!(p("'lit'"), vec!["lit"]);
        assert_eq!(p("context.requestId"), vec!["rid"]);
        assert_eq!(p("context.nope"), Vec::<String>::new());
        assert_eq!(p("stageVariables.v"), vec!["sv"]);
        assert_eq!(p("stageVariables.missing"), Vec::<String>::new());
        assert_eq!(p("method.request.path.id"), vec!["42"]);
        assert_eq!(p("method.request.path.nope"), Vec::<String>::new());
        assert_eq!(p("method.request.querystring.q"), vec!["2"]);
        assert_eq!(p("method.request.multivaluequerystring.q"), vec!["1", "2"]);
        assert_eq!(p("method.request.header.X-A"), vec!["2"]);
        assert_eq!(p("method.request.multivalueheader.x-a"), vec!["1", "2"]);
        assert_eq!(p("method.request.header.:authority"), Vec::<String>::new());
        // Envoy's `:authority` is the client's Host.
        assert_eq!(p("method.request.header.Host"), vec!["h"]);
        assert_eq!(p("method.request.multivalueheader.host"), vec!["h"]);
        assert_eq!(p("method.request.body"), vec![String::from_utf8_lossy(body).into_owned()]);
        assert_eq!(p("method.request.body.$.a.b"), vec!["x"]);
        assert_eq!(p("method.request.body.a.n"), vec!["3"]);
        assert_eq!(p("method.request.body.$.a"), vec![r#"{"b":"x","n":3}"#]);
        assert_eq!(p("method.request.body.$.z"), Vec::<String>::new());
        assert_eq!(p("method.request.body.$.missing"), Vec::<String>::new());
    }

    #[test]
    fn response_sources_table() {
        let ctx = RequestContext { stage: "prod".into(), ..Default::default() };
        let headers = pairs(&[(":status", "200"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2"), ("x-one", "1")]);
        let s = ResponseSources {
            context: &ctx,
            stage_variables: &[],
            headers: &headers,
            body: br#"{"r":{"u":"http://x"},"l":[1,2]}"#,
        };
        let p = |e: &str| response_value(&Source::parse(e, crate::mapping::Side::IntegrationResponse).unwrap(), &s);
        assert_eq!(p("integration.response.header.X-One").as_deref(), Some("1"));
        assert_eq!(p("integration.response.header.set-cookie").as_deref(), Some("b=2"));
        assert_eq!(p("integration.response.multivalueheader.set-cookie").as_deref(), Some("a=1,b=2"));
        assert_eq!(p("integration.response.header.missing"), None);
        assert_eq!(p("integration.response.header.:status"), None);
        assert_eq!(p("integration.response.body.r.u").as_deref(), Some("http://x"));
        assert_eq!(p("integration.response.body.$.l").as_deref(), Some("[1,2]"));
        assert_eq!(p("integration.response.body.$.nope"), None);
        assert_eq!(p("context.stage").as_deref(), Some("prod"));
        assert_eq!(p("stageVariables.x"), None);
        assert_eq!(p("'s'").as_deref(), Some("s"));
    }
}
