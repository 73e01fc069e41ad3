//! Content negotiation: which mapping template a request uses. The request template is chosen by
//! the request's Content-Type (a missing one counts as `application/json`), with
//! `passthroughBehavior` deciding what happens when none matches; the response template by the
//! client's Accept (AWS docs: "Use mapping templates to override an API's request and response
//! parameters and status codes"; the README's "Mapping templates" records what AWS does).
//! Whether a body is binary is the other media-type rule, in [`crate::media`].

use crate::config::integration::{Integration, NamedTemplate, Passthrough};
use crate::gateway_responses::ResponseType;

use super::Failure;

/// The media type of a Content-Type header, lower-cased, parameters dropped.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Picks the request template by Content-Type (a missing one counts as application/json);
/// `Err` is the 415 that passthroughBehavior asks for. `Ok(None)`: no template applies.
pub fn request_template<'a>(
    integration: &'a Integration,
    content_type: Option<&str>,
) -> Result<Option<&'a NamedTemplate>, Failure> {
    let wanted = content_type.map(media_type).unwrap_or_else(|| "application/json".to_string());
    let found = integration
        .request_templates
        .iter()
        .find(|t| t.content_type.eq_ignore_ascii_case(&wanted));
    if found.is_some() {
        return Ok(found);
    }
    let refuse = match integration.passthrough {
        Passthrough::WhenNoMatch => false,
        Passthrough::WhenNoTemplates => !integration.request_templates.is_empty(),
        Passthrough::Never => true,
    };
    if refuse {
        Err(Failure {
            kind: ResponseType::UnsupportedMediaType,
            message: "Unsupported Media Type",
            log: format!("no request template for content type {wanted:?} and passthroughBehavior refuses it"),
        })
    } else {
        Ok(None)
    }
}

/// Picks the response template by the request's Accept (first listed type with a template), else
/// application/json, else the first one.
pub fn response_template<'a>(templates: &'a [NamedTemplate], accept: Option<&str>) -> Option<&'a NamedTemplate> {
    let by = |ct: &str| templates.iter().find(|t| t.content_type.eq_ignore_ascii_case(ct));
    accept
        .and_then(|a| a.split(',').map(media_type).find_map(|m| by(&m)))
        .or_else(|| by("application/json"))
        .or_else(|| templates.first())
}


#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn integration(passthrough: &str, types: &[&str]) -> Integration {
        let templates: serde_json::Map<String, serde_json::Value> =
            types.iter().map(|t| (t.to_string(), serde_json::Value::from("{}"))).collect();
        let v = serde_json::json!({"type": "mock", "passthroughBehavior": passthrough,
                                   "requestTemplates": templates});
        Integration::parse(&v).unwrap()
    }

    #[test]
    fn media_types() {
        assert_eq!(media_type("Application/JSON; charset=utf-8"), "application/json");
    }

    // By Content-Type, a missing one counting as application/json; passthroughBehavior decides
    // the rest (415 or no template).
    #[test]
    fn request_template_table() {
        let rows: &[(&str, &[&str], Option<&str>, Result<Option<&str>, ()>)] = &[
            ("WHEN_NO_MATCH", &["application/json"], None, Ok(Some("application/json"))),
            ("WHEN_NO_MATCH", &["application/json"], Some("Application/JSON; charset=utf-8"), Ok(Some("application/json"))),
            ("WHEN_NO_MATCH", &["application/json"], Some("text/plain"), Ok(None)),
            ("WHEN_NO_TEMPLATES", &["application/json"], Some("text/plain"), Err(())),
            ("WHEN_NO_TEMPLATES", &[], Some("text/plain"), Ok(None)),
            ("NEVER", &[], Some("text/plain"), Err(())),
            ("NEVER", &["text/plain"], Some("text/plain"), Ok(Some("text/plain"))),
        ];
        for (passthrough, types, content_type, want) in rows {
            let i = integration(passthrough, types);
            let got = request_template(&i, *content_type)
                .map(|t| t.map(|t| t.content_type.as_str()))
                .map_err(|f| assert_eq!(f.kind, ResponseType::UnsupportedMediaType));
            assert_eq!(&got, want, "{passthrough} {types:?} {content_type:?}");
        }
    }

    // The first Accept entry with a template, else application/json, else the first template.
    #[test]
    fn response_template_table() {
        let i = integration("WHEN_NO_MATCH", &["text/html", "application/json", "application/xml"]);
        let t = &i.request_templates;
        let pick = |accept| response_template(t, accept).map(|t| t.content_type.as_str());
        assert_eq!(pick(Some("application/xml, text/html")), Some("application/xml"));
        assert_eq!(pick(Some("image/png, TEXT/HTML;q=0.5")), Some("text/html"));
        assert_eq!(pick(Some("image/png")), Some("application/json"));
        assert_eq!(pick(None), Some("application/json"));
        let only = integration("WHEN_NO_MATCH", &["text/html"]);
        assert_eq!(response_template(&only.request_templates, None).map(|t| t.content_type.as_str()), Some("text/html"));
    }
}
