//! The one parameter-mapping resolver (issue 12, item 3): the value of a mapping source
//! (`'static'`, `context.*`, `stageVariables.*`, `method.request.*`, `integration.response.*`) for
//! an integration request's `requestParameters`, an integration response's (MOCK included)
//! `responseParameters` and a gateway response's `responseParameters`; and the rule by which every
//! single-valued reader of a repeated name picks its value, `$input.params('x')` included.
//!
//! **A repeated name gives its last value** to every single-valued reader: a header sent twice
//! (`X-A: 1`, `X-A: 2`) is `2` in `method.request.header.X-A`, in `integration.response.header.X-A`,
//! in `$input.params('X-A')` and in the 1.0 proxy event's `headers`; a query key sent twice the
//! same. Why: AWS's single-valued query map in the event keeps the last value [AWS], and for
//! headers emulators keep the last [open]; one rule for both, and for every reader, is the one
//! consistent with the event (README: "Behaviour", Parameter mappings). The multi-valued sources
//! (`multivalueheader`, `multivaluequerystring`) give every value in order.
//!
//! A mapping whose source is missing is left out [AWS; README: "HTTP, HTTP_PROXY and AWS
//! services"]: [`values`] is empty and [`value`] is `None` for it, never `""`.

use crate::context::RequestContext;
use crate::mapping::{BodyPath, RequestPart, Source};

/// What a mapping can read. A part that does not exist at a place is left empty: no method request
/// body in a gateway response, no integration response in a request mapping or a MOCK (its
/// `integration.response.*` sources are refused at load anyway).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sources<'a> {
    /// `$context`; `None` before one is built (a default gateway response needs none).
    pub context: Option<&'a RequestContext>,
    pub stage_variables: &'a [(String, String)],
    pub path_params: &'a [(String, String)],
    /// The decoded query string ([`crate::query`]), in order, repeats kept.
    pub query: &'a [(String, String)],
    /// The client's request headers as Envoy gives them: lower-case names, repeats kept, pseudo
    /// headers included (`:authority` stands for a missing `host`).
    pub headers: &'a [(String, String)],
    /// The method request body as the integration sees it (after CONVERT_TO_TEXT); empty: none.
    pub body: &'a [u8],
    /// The backend's response headers (pseudo-headers ignored).
    pub integration_headers: &'a [(String, String)],
    /// The backend's body; `None` where there is no integration response.
    pub integration_body: Option<&'a [u8]>,
}

/// The value a single-valued reader takes from a list with repeated names: the **last** one (the
/// rule of this module's doc). `ignore_case` for header names; query keys, path parameters and
/// stage variables compare exactly.
pub fn last<'a>(pairs: &'a [(String, String)], name: &str, ignore_case: bool) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| same(k, name, ignore_case))
        .map(|(_, v)| v.as_str())
}

/// Every value of `name`, in order.
pub fn all<'a>(pairs: &'a [(String, String)], name: &'a str, ignore_case: bool) -> impl Iterator<Item = &'a str> + 'a {
    pairs
        .iter()
        .filter(move |(k, _)| same(k, name, ignore_case))
        .map(|(_, v)| v.as_str())
}

fn same(k: &str, name: &str, ignore_case: bool) -> bool {
    if ignore_case {
        k.eq_ignore_ascii_case(name)
    } else {
        k == name
    }
}

/// The client's values of request header `name`, in order. Pseudo-headers are not headers, but
/// Envoy turns an HTTP/1 Host header into `:authority`: a mapping from `method.request.header.Host`
/// must see the client's Host (README: "HTTP, HTTP_PROXY and AWS services"), so `:authority`
/// answers for `host` when no `host` header came.
pub fn request_header_values<'a>(headers: &'a [(String, String)], name: &'a str) -> Vec<&'a str> {
    if name.starts_with(':') {
        return Vec::new();
    }
    let found: Vec<&str> = all(headers, name, true).collect();
    if found.is_empty() && name.eq_ignore_ascii_case("host") {
        return all(headers, ":authority", false).collect();
    }
    found
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
pub fn body_path(body: &[u8], path: &BodyPath) -> Option<String> {
    let compiled = path.compiled.as_ref().ok()?;
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    json_text(&compiled.eval(&doc)?)
}

/// The values of a source: at most one for a single-valued source, every value for
/// `multivalueheader`/`multivaluequerystring`/`integration.response.multivalueheader`; empty when
/// the source is missing. Integration requests read this (each value of a multi-valued source
/// becomes its own query value or header line).
pub fn values(src: &Source, s: &Sources) -> Vec<String> {
    let one = |v: Option<&str>| v.map(str::to_string).into_iter().collect::<Vec<_>>();
    match src {
        Source::Static(v) => vec![v.clone()],
        Source::Context(name) => s.context.and_then(|c| c.lookup(name)).into_iter().collect(),
        Source::StageVariable(name) => one(last(s.stage_variables, name, false)),
        Source::MethodRequest(part, name) => match part {
            RequestPart::Path => one(last(s.path_params, name, false)),
            RequestPart::QueryString => one(last(s.query, name, false)),
            RequestPart::MultiValueQueryString => all(s.query, name, false).map(str::to_string).collect(),
            RequestPart::Header => one(request_header_values(s.headers, name).last().copied()),
            RequestPart::MultiValueHeader => request_header_values(s.headers, name).into_iter().map(str::to_string).collect(),
        },
        Source::MethodRequestBody(None) => {
            if s.body.is_empty() {
                Vec::new()
            } else {
                vec![String::from_utf8_lossy(s.body).into_owned()]
            }
        }
        Source::MethodRequestBody(Some(path)) => body_path(s.body, path).into_iter().collect(),
        Source::IntegrationHeader { name, multi } => {
            if name.starts_with(':') {
                Vec::new()
            } else if *multi {
                all(s.integration_headers, name, true).map(str::to_string).collect()
            } else {
                one(last(s.integration_headers, name, true))
            }
        }
        Source::IntegrationBody(None) => s.integration_body.map(|b| String::from_utf8_lossy(b).into_owned()).into_iter().collect(),
        Source::IntegrationBody(Some(path)) => s.integration_body.and_then(|b| body_path(b, path)).into_iter().collect(),
    }
}

/// The value of a source as one header value: a multi-valued source's values joined with `,`;
/// `None` when the source is missing. Response mappings (integration, MOCK, gateway) read this.
pub fn value(src: &Source, s: &Sources) -> Option<String> {
    let mut found = values(src, s);
    match found.len() {
        0 => None,
        1 => found.pop(),
        _ => Some(found.join(",")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::mapping::Side;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    // Every request source, and the last-value rule for repeated names; a missing source is left
    // out (README: "HTTP, HTTP_PROXY and AWS services"; "Behaviour", Parameter mappings).
    #[test]
    fn request_sources_table() {
        let headers = pairs(&[(":authority", "h"), ("x-a", "1"), ("X-A", "2"), ("x-b", "b")]);
        let ctx = RequestContext { request_id: "rid".into(), stage: "prod".into(), ..Default::default() };
        let path = pairs(&[("id", "42")]);
        let query = pairs(&[("q", "1"), ("q", "2"), ("Q", "3")]);
        let stage = pairs(&[("v", "sv")]);
        let body = br#"{"a":{"b":"x","n":3},"z":null}"#;
        let s = Sources {
            context: Some(&ctx),
            stage_variables: &stage,
            path_params: &path,
            query: &query,
            headers: &headers,
            body,
            ..Default::default()
        };
        let none: Vec<String> = Vec::new();
        let rows: &[(&str, Vec<&str>)] = &[
            ("'lit'", vec!["lit"]),
            ("''", vec![""]),
            ("context.requestId", vec!["rid"]),
            ("context.nope", vec![]),
            ("stageVariables.v", vec!["sv"]),
            ("stageVariables.missing", vec![]),
            ("method.request.path.id", vec!["42"]),
            ("method.request.path.nope", vec![]),
            ("method.request.querystring.q", vec!["2"]),
            ("method.request.querystring.Q", vec!["3"]),
            ("method.request.multivaluequerystring.q", vec!["1", "2"]),
            ("method.request.header.X-A", vec!["2"]),
            ("method.request.header.x-a", vec!["2"]),
            ("method.request.multivalueheader.x-a", vec!["1", "2"]),
            ("method.request.header.:authority", vec![]),
            ("method.request.header.Host", vec!["h"]),
            ("method.request.multivalueheader.host", vec!["h"]),
            ("method.request.header.missing", vec![]),
            ("method.request.body.$.a.b", vec!["x"]),
            ("method.request.body.a.n", vec!["3"]),
            ("method.request.body.$.a", vec![r#"{"b":"x","n":3}"#]),
            ("method.request.body.$.z", vec![]),
            ("method.request.body.$.missing", vec![]),
        ];
        for (expr, want) in rows {
            let got = values(&Source::parse(expr, Side::IntegrationRequest).unwrap(), &s);
            assert_eq!(got, *want, "{expr}");
        }
        let whole = values(&Source::parse("method.request.body", Side::IntegrationRequest).unwrap(), &s);
        assert_eq!(whole, vec![String::from_utf8_lossy(body).into_owned()]);
        let empty = Sources { body: b"", ..s };
        assert_eq!(values(&Source::parse("method.request.body", Side::IntegrationRequest).unwrap(), &empty), none);
    }

    // A `host` header wins over `:authority`.
    #[test]
    fn host_header_over_authority() {
        let headers = pairs(&[(":authority", "a"), ("host", "b")]);
        assert_eq!(request_header_values(&headers, "Host"), vec!["b"]);
        assert!(request_header_values(&[], "host").is_empty());
    }

    // Response sources: the last value of a repeated backend header, every value joined with `,`.
    #[test]
    fn response_sources_table() {
        let ctx = RequestContext { stage: "prod".into(), ..Default::default() };
        let headers = pairs(&[(":status", "200"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2"), ("x-one", "1")]);
        let s = Sources {
            context: Some(&ctx),
            integration_headers: &headers,
            integration_body: Some(br#"{"r":{"u":"http://x"},"l":[1,2]}"#),
            ..Default::default()
        };
        let rows: &[(&str, Option<&str>)] = &[
            ("integration.response.header.X-One", Some("1")),
            ("integration.response.header.set-cookie", Some("b=2")),
            ("integration.response.multivalueheader.set-cookie", Some("a=1,b=2")),
            ("integration.response.header.missing", None),
            ("integration.response.header.:status", None),
            ("integration.response.body.r.u", Some("http://x")),
            ("integration.response.body.$.l", Some("[1,2]")),
            ("integration.response.body.$.nope", None),
            ("integration.response.body", Some(r#"{"r":{"u":"http://x"},"l":[1,2]}"#)),
            ("context.stage", Some("prod")),
            ("stageVariables.x", None),
            ("'s'", Some("s")),
        ];
        for (expr, want) in rows {
            let got = value(&Source::parse(expr, Side::IntegrationResponse).unwrap(), &s);
            assert_eq!(got.as_deref(), *want, "{expr}");
        }
        // A MOCK has no integration response: its body is missing, not "".
        let mock = Sources { context: Some(&ctx), ..Default::default() };
        assert_eq!(value(&Source::parse("integration.response.body", Side::IntegrationResponse).unwrap(), &mock), None);
    }

    // Gateway responses read the same rule: the last header and query value, multi joined with `,`;
    // no `$context` yet means context sources are missing.
    #[test]
    fn gateway_response_sources_table() {
        let headers = pairs(&[(":authority", "h"), ("x-rep", "first"), ("x-rep", "second")]);
        let query = pairs(&[("q", "1"), ("q", "2")]);
        let s = Sources { headers: &headers, query: &query, ..Default::default() };
        let rows: &[(&str, Option<&str>)] = &[
            ("method.request.header.X-Rep", Some("second")),
            ("method.request.multivalueheader.X-Rep", Some("first,second")),
            ("method.request.querystring.q", Some("2")),
            ("method.request.multivaluequerystring.q", Some("1,2")),
            ("method.request.header.host", Some("h")),
            ("context.stage", None),
        ];
        for (expr, want) in rows {
            let got = value(&Source::parse(expr, Side::GatewayResponse).unwrap(), &s);
            assert_eq!(got.as_deref(), *want, "{expr}");
        }
    }

    // The rule itself: last value, case-insensitive only for header names.
    #[test]
    fn last_value_rule() {
        let p = pairs(&[("a", "1"), ("A", "2"), ("a", "3"), ("b", "4")]);
        assert_eq!(last(&p, "a", false), Some("3"));
        assert_eq!(last(&p, "A", false), Some("2"));
        assert_eq!(last(&p, "A", true), Some("3"));
        assert_eq!(last(&p, "c", true), None);
        assert_eq!(all(&p, "a", true).collect::<Vec<_>>(), vec!["1", "2", "3"]);
    }
}
