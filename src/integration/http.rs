//! HTTP (custom): the URI's path and query with `{var}`s filled, API Gateway's own headers, the
//! rendered body (module docs of [`super`]).

use super::plan::HttpPlan;
use super::{encoded_query, http_plan, path_lookup, set_header, take_mapped_host, target, wire_path};
use super::{Failure, Mapped, RequestArgs, Upstream, API_ID_HEADER};

/// The HTTP (custom) request, once the body is rendered and API Gateway's Accept, User-Agent and
/// Content-Type are in `headers`.
pub(super) fn request(
    args: &RequestArgs,
    method: String,
    mut headers: Vec<(String, String)>,
    mapped: &Mapped,
    body: Vec<u8>,
) -> Result<Upstream, Failure> {
    let i = args.integration;
    let HttpPlan { uri, cluster } = http_plan(args.plan)?;
    let lookup = path_lookup(mapped, args.path_params);
    let path = target::fill_variables(&uri.path, &lookup, target::encode_path_value);
    let uri_query = target::fill_variables(&uri.query, &lookup, target::encode_query_value);
    headers.push((API_ID_HEADER.to_string(), args.context.api_id.clone()));
    if body.is_empty() {
        // API Gateway sends `Content-Length: 0` (README: "HTTP, HTTP_PROXY and AWS services");
        // Envoy writes none for a bodiless GET, and sets it itself for a non-empty body.
        headers.push(("content-length".to_string(), "0".to_string()));
    }
    // Mappings override API Gateway's own Accept and User-Agent (README: "HTTP, HTTP_PROXY and AWS
    // services").
    for (name, values) in &mapped.headers {
        set_header(&mut headers, name, values);
    }
    let authority = take_mapped_host(&mut headers).unwrap_or_else(|| uri.authority.clone());
    Ok(Upstream {
        cluster: cluster.clone(),
        method,
        path: wire_path(&path, &[uri_query, encoded_query(&mapped.query)]),
        authority,
        headers,
        body: Some(body),
        timeout_ms: i.timeout_ms,
    })
}
