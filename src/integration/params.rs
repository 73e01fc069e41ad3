//! `requestParameters` and `responseParameters` values: where each mapping's value comes from
//! (reference §5). A mapping whose source is missing is left out [AWS]: every resolver returns
//! `None` (or an empty list) for it, never `""`.

use crate::context::RequestContext;
use crate::http::Request;
use crate::mapping::{RequestPart, Source};

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

fn last<'a>(pairs: &'a [(String, String)], name: &str, ignore_case: bool) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| if ignore_case { k.eq_ignore_ascii_case(name) } else { k == name })
        .map(|(_, v)| v.as_str())
}

fn all(pairs: &[(String, String)], name: &str, ignore_case: bool) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| if ignore_case { k.eq_ignore_ascii_case(name) } else { k == name })
        .map(|(_, v)| v.clone())
        .collect()
}

/// The request headers a mapping can read: no pseudo-headers, but `:authority` as `host` when no
/// `host` header came: Envoy turns an HTTP/1 Host header into `:authority`, and a mapping from
/// `method.request.header.Host` must see the client's Host (reference §8).
fn client_headers(req: &Request) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = req.headers.iter().filter(|(k, _)| !k.starts_with(':')).cloned().collect();
    if !out.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        if let Some(authority) = req.header(":authority") {
            out.push(("host".to_string(), authority.to_string()));
        }
    }
    out
}

/// A JSON value as a mapped parameter: strings as they are, anything else as JSON text; JSON null
/// counts as missing.
pub fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `method.request.body.<JSONPath>` / `integration.response.body.<JSONPath>` on a body; `None`
/// when the body is not JSON or the path selects nothing.
pub fn body_path(body: &[u8], path: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let compiled = crate::jsonpath::JsonPath::parse(path).ok()?;
    json_text(&compiled.eval(&doc)?)
}

fn stage_variable(stage_variables: &[(String, String)], name: &str) -> Option<String> {
    stage_variables.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// The values of a request mapping source: one for single-valued sources, every value for the
/// multi-valued ones; empty when the source is missing.
pub fn request_values(src: &Source, s: &RequestSources) -> Vec<String> {
    let one = |v: Option<String>| v.into_iter().collect::<Vec<_>>();
    match src {
        Source::Static(v) => vec![v.clone()],
        Source::Context(name) => one(s.context.lookup(name)),
        Source::StageVariable(name) => one(stage_variable(s.stage_variables, name)),
        Source::MethodRequest(part, name) => match part {
            RequestPart::Path => one(last(s.path_params, name, false).map(str::to_string)),
            // Single-valued query and header sources take the last value, as the proxy event does.
            RequestPart::QueryString => one(last(s.query, name, false).map(str::to_string)),
            RequestPart::MultiValueQueryString => all(s.query, name, false),
            RequestPart::Header => one(last(&client_headers(s.request), name, true).map(str::to_string)),
            RequestPart::MultiValueHeader => all(&client_headers(s.request), name, true),
        },
        Source::MethodRequestBody(None) => {
            if s.body.is_empty() {
                Vec::new()
            } else {
                vec![String::from_utf8_lossy(s.body).into_owned()]
            }
        }
        Source::MethodRequestBody(Some(path)) => one(body_path(s.body, path)),
        // Response-side sources never appear in requestParameters (refused at load).
        Source::IntegrationHeader { .. } | Source::IntegrationBody(_) => Vec::new(),
    }
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
    match src {
        Source::Static(v) => Some(v.clone()),
        Source::Context(name) => s.context.lookup(name),
        Source::StageVariable(name) => stage_variable(s.stage_variables, name),
        Source::IntegrationHeader { name, multi: false } => {
            last(s.headers, name, true).filter(|_| !name.starts_with(':')).map(str::to_string)
        }
        Source::IntegrationHeader { name, multi: true } => {
            let values = all(s.headers, name, true);
            (!values.is_empty()).then(|| values.join(","))
        }
        Source::IntegrationBody(None) => Some(String::from_utf8_lossy(s.body).into_owned()),
        Source::IntegrationBody(Some(path)) => body_path(s.body, path),
        Source::MethodRequest(..) | Source::MethodRequestBody(_) => None,
    }
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

    // Reference §5: every request source; a missing source is left out.
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
