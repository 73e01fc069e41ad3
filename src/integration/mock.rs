//! MOCK integrations (README: "Behaviour", MOCK and CORS), CORS preflights included: the request
//! template's `statusCode` selects the integration response; its parameters and template make the
//! answer.

use crate::config::integration::{Handling, Integration, NamedTemplate};
use super::negotiation::{request_template, response_template};
use super::{internal, Failure};
use crate::http::Response;
use crate::headers::mapped_response_header_name as response_header_name;
use crate::mapping::Source;
use crate::template_env;
use crate::vtl::Env;

/// `statusCode` from the rendered request template. API Gateway accepts lax JSON here
/// (`{statusCode: 200}`, trailing commas), so this scans for the key instead of parsing strictly.
pub fn status_code(rendered: &str) -> Option<u16> {
    let mut rest = rendered;
    while let Some(pos) = rest.find("statusCode") {
        let before = rest.get(..pos).unwrap_or("");
        let after = rest.get(pos + "statusCode".len()..).unwrap_or("");
        rest = after;
        // The key may be quoted with " or ' or bare; it must be a whole word.
        let prev = before.chars().next_back();
        if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let after = after.strip_prefix(['"', '\'']).unwrap_or(after).trim_start();
        let Some(value) = after.strip_prefix(':') else { continue };
        let value = value.trim_start();
        let value = value.strip_prefix(['"', '\'']).unwrap_or(value);
        let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse::<u16>().ok();
    }
    None
}

/// Resolves an integration-response parameter for a MOCK by [`crate::resolver`]: no backend, so
/// `integration.response.*` is missing.
fn resolve(src: &Source, ctx: &crate::context::RequestContext, stage_variables: &[(String, String)]) -> Option<String> {
    crate::resolver::value(src, &crate::resolver::Sources { context: Some(ctx), stage_variables, ..Default::default() })
}

/// The body the request template reads when contentHandling or a binary body changes it (a binary
/// body becomes base64 under CONVERT_TO_TEXT; CONVERT_TO_BINARY needs base64), as for HTTP and AWS
/// (README: "HTTP, HTTP_PROXY and AWS services", contentHandling). `None`, at no cost, for the
/// usual MOCK: no contentHandling and no binary body.
fn converted_body(
    integration: &Integration,
    template: &NamedTemplate,
    body: &[u8],
    content_type: Option<&str>,
    binary_media_types: &[String],
) -> Result<Option<String>, Failure> {
    let binary = !body.is_empty()
        && !binary_media_types.is_empty()
        && content_type.is_some_and(|ct| crate::media::matches_binary(binary_media_types, ct));
    if integration.content_handling == Handling::Passthrough && !binary {
        return Ok(None);
    }
    let payload = crate::integration::content::request(body, binary, integration.content_handling).map_err(internal)?;
    Ok(Some(payload.template_text(template.template.uses_body()).map_err(internal)?))
}

/// Answers a MOCK integration.
pub fn respond(
    integration: &Integration,
    parts: &template_env::RequestParts,
    ctx: &crate::context::RequestContext,
    stage_variables: &[(String, String)],
    content_type: Option<&str>,
    accept: Option<&str>,
    binary_media_types: &[String],
) -> Result<Response, Failure> {
    let Some(req_template) = request_template(integration, content_type)? else {
        return Err(internal("MOCK integration has no request template for this request, so no statusCode"));
    };
    let converted = converted_body(integration, req_template, parts.body, content_type, binary_media_types)?;
    // Template variables are built only for a template that is more than plain text (the
    // console's CORS preflight and most MOCKs are plain text): building them costs more than the
    // rest of the answer.
    let new_env = || template_env::env(parts, ctx, stage_variables, &integration.needs);
    let mut env: Option<Env> = None;
    let no_status = |rendered: &str| internal(format!("MOCK request template rendered no integer statusCode: {rendered:?}"));
    let status = match req_template.template.constant_text() {
        Some(text) => status_code(text).ok_or_else(|| no_status(text))?,
        None => {
            let env = env.get_or_insert_with(new_env);
            if let Some(text) = converted {
                env.input.body = text;
            }
            let rendered = req_template
                .template
                .render(env)
                .map_err(|e| internal(format!("request template failed: {e}")))?;
            status_code(&rendered).ok_or_else(|| no_status(&rendered))?
        }
    };
    let selected = integration
        .select_response(&status.to_string())
        .ok_or_else(|| internal(format!("no integration response matches status {status} and there is no default")))?;
    let mut response = Response {
        status: selected.status,
        headers: Vec::with_capacity(4),
        body: Vec::new(),
    };
    let mut content_type_out = "application/json";
    if let Some(t) = response_template(&selected.templates, accept) {
        content_type_out = &t.content_type;
        response.body = match t.template.constant_text() {
            Some(text) => text.as_bytes().to_vec(),
            None => {
                let env = env.get_or_insert_with(new_env);
                // The response template's $input is the (empty) integration response, not the request.
                env.input.body.clear();
                t.template
                    .render(env)
                    .map_err(|e| internal(format!("response template failed: {e}")))?
                    .into_bytes()
            }
        };
    }
    response.headers.push(("content-type".to_string(), content_type_out.to_string()));
    for (name, src) in &selected.parameters {
        if let (Some(v), Some(out_name)) = (resolve(src, ctx, stage_variables), response_header_name(name)) {
            response.set_header(&out_name, &v);
        }
    }
    if let Some(env) = &env {
        let (status_override, header_overrides) = template_env::response_override(env);
        if let Some(s) = status_override {
            response.status = s;
        }
        for (k, v) in header_overrides {
            response.set_header(&k, &v);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // Lax JSON is accepted (README: "Behaviour", MOCK and CORS).
    #[test]
    fn lax_status_codes() {
        assert_eq!(status_code("{\"statusCode\": 200}"), Some(200));
        assert_eq!(status_code("{statusCode: 404}"), Some(404));
        assert_eq!(status_code("{'statusCode': '201',}"), Some(201));
        assert_eq!(status_code("\n  {\n    \"statusCode\": 200,\n  }\n   "), Some(200));
        assert_eq!(status_code("{\"mystatusCode\": 1, \"statusCode\": 302}"), Some(302));
        assert_eq!(status_code("{\"statusCode\": \"abc\"}"), None);
        assert_eq!(status_code("{}"), None);
        assert_eq!(status_code("{\"statusCode\": 99999999}"), None);
    }
}
