//! HTTP_PROXY: the client's request rewritten for the backend (streamed by Envoy's router) and
//! the backend's response headers as the client gets them (module docs of [`super`]).

use super::plan::HttpPlan;
use super::{encoded_query, http_plan, map_client_request, method_of, path_lookup, set_header, take_mapped_host, target, wire_path};
use super::{Failure, RequestArgs, Upstream, API_ID_HEADER};
use crate::headers::{PROXY_DROPPED_REQUEST_HEADERS, PROXY_REMAPPED_RESPONSE_HEADERS};

pub(super) fn request(args: &RequestArgs) -> Result<Upstream, Failure> {
    let i = args.integration;
    let req = args.request;
    let HttpPlan { uri, cluster } = http_plan(args.plan)?;
    let mapped = map_client_request(args);
    let lookup = path_lookup(&mapped, args.path_params);
    let path = target::fill_variables(&uri.path, &lookup, target::encode_path_value);
    let uri_query = target::fill_variables(&uri.query, &lookup, target::encode_query_value);
    let wire = wire_path(&path, &[uri_query, req.raw_query().to_string(), encoded_query(&mapped.query)]);

    let mut headers: Vec<(String, String)> = Vec::with_capacity(req.headers.len().saturating_add(3));
    let mut xff: Vec<&str> = Vec::new();
    for (k, v) in &req.headers {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with(':') || lower == "host" || PROXY_DROPPED_REQUEST_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        if lower == "x-forwarded-for" {
            xff.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()));
            continue;
        }
        headers.push((lower, v.clone()));
    }
    let ip = req.source_ip.trim();
    if !ip.is_empty() && xff.last() != Some(&ip) {
        xff.push(ip);
    }
    if !xff.is_empty() {
        headers.push(("x-forwarded-for".to_string(), xff.join(", ")));
    }
    // The API id header (README: "HTTP, HTTP_PROXY and AWS services"); a client's header of that
    // name is replaced, a mapping still wins.
    set_header(&mut headers, API_ID_HEADER, std::slice::from_ref(&args.context.api_id));
    for (name, values) in &mapped.headers {
        set_header(&mut headers, name, values);
    }
    let authority = take_mapped_host(&mut headers).unwrap_or_else(|| uri.authority.clone());
    Ok(Upstream {
        cluster: cluster.clone(),
        method: method_of(i, req),
        path: wire,
        authority,
        headers,
        body: None,
        timeout_ms: i.timeout_ms,
    })
}

/// HTTP_PROXY: the backend's response headers as the client gets them. The status and body pass
/// unchanged. [`PROXY_REMAPPED_RESPONSE_HEADERS`] come out as `x-amzn-Remapped-<Name>` (README:
/// "HTTP, HTTP_PROXY and AWS services"): the gateway sends its own `x-amzn-RequestId` (the adapter
/// adds it), and Envoy its own `date` and `server` once the backend's are gone; Content-Length is
/// kept as well, for framing (the body is the backend's, so it is the gateway's length too).
/// Transfer-Encoding is dropped (Envoy frames the body); a missing Content-Type becomes
/// `application/json`.
pub fn proxy_response_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(headers.len().saturating_add(1));
    let mut has_type = false;
    for (k, v) in headers {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with(':') || lower == crate::headers::DROPPED_RESPONSE_HEADER {
            continue;
        }
        if lower == "content-type" {
            has_type = true;
        }
        if let Some((_, name)) = PROXY_REMAPPED_RESPONSE_HEADERS.iter().find(|(l, _)| *l == lower) {
            if lower == "content-length" {
                out.push((k.clone(), v.clone()));
            }
            out.push((format!("x-amzn-Remapped-{name}"), v.clone()));
            continue;
        }
        out.push((k.clone(), v.clone()));
    }
    if !has_type {
        out.push(("content-type".to_string(), "application/json".to_string()));
    }
    out
}
