//! Local JSON References inside the definition: `#/definitions/X` (Swagger 2),
//! `#/components/schemas/X`, `#/parameters/X`, `#/components/parameters/X`,
//! `#/components/requestBodies/X` (OpenAPI 3), and API Gateway's own model URL
//! `https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}` (AWS docs: "Data models for
//! REST APIs": a model references another one by that URL).

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// The prefix of API Gateway's model URLs; what follows is `{api_id}/models/{name}`.
const AWS_MODEL_URL: &str = "https://apigateway.amazonaws.com/restapis/";

/// The value a local reference (`#` or `#/a/b`) names in `doc`. Tokens are percent-decoded (a
/// reference is a URI fragment), then `~1` is `/` and `~0` is `~` (RFC 6901).
pub fn resolve<'v>(doc: &'v Value, reference: &str) -> Option<&'v Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(doc);
    }
    let pointer = pointer.strip_prefix('/')?;
    let mut at = doc;
    for raw in pointer.split('/') {
        let token = percent_decode_str(raw).decode_utf8_lossy();
        let token = token.replace("~1", "/").replace("~0", "~");
        at = match at {
            Value::Object(map) => map.get(&token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// The model name of an API Gateway model URL.
pub fn aws_model_name(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix(AWS_MODEL_URL)?;
    let (_api_id, rest) = rest.split_once('/')?;
    let name = rest.strip_prefix("models/")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// A reference to a model of the definition, as a local reference and its value: a local
/// reference as written, or an AWS model URL read as `#/definitions/{name}` (Swagger 2) or
/// `#/components/schemas/{name}` (OpenAPI 3), whichever the definition has.
pub fn model<'v>(doc: &'v Value, reference: &str) -> Option<(String, &'v Value)> {
    if reference.starts_with('#') {
        return resolve(doc, reference).map(|v| (reference.to_string(), v));
    }
    let name = aws_model_name(reference)?;
    ["#/definitions/", "#/components/schemas/"].iter().find_map(|prefix| {
        let local = format!("{prefix}{name}");
        resolve(doc, &local).map(|v| (local, v))
    })
}

/// `#/components/schemas/X` -> `components.schemas.X`: where a referenced value is, as an error
/// names fields.
pub fn field_of(reference: &str) -> String {
    let p = reference.trim_start_matches('#').trim_start_matches('/');
    if p.is_empty() {
        "#".to_string()
    } else {
        p.replace('/', ".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use serde_json::json;

    // RFC 6901 escapes and percent-encoding are decoded; arrays are indexed; misses are None.
    #[test]
    fn resolves_local_references() {
        let doc = json!({"definitions": {"a/b": {"x": 1}, "m~n": 2, "My Model": 3}, "l": [10, 20]});
        assert_eq!(resolve(&doc, "#"), Some(&doc));
        assert_eq!(resolve(&doc, "#/definitions/a~1b/x"), Some(&json!(1)));
        assert_eq!(resolve(&doc, "#/definitions/m~0n"), Some(&json!(2)));
        assert_eq!(resolve(&doc, "#/definitions/My%20Model"), Some(&json!(3)));
        assert_eq!(resolve(&doc, "#/l/1"), Some(&json!(20)));
        assert_eq!(resolve(&doc, "#/l/2"), None);
        assert_eq!(resolve(&doc, "#/definitions/missing"), None);
        assert_eq!(resolve(&doc, "definitions/a"), None);
        assert_eq!(resolve(&doc, "#definitions"), None);
    }

    // AWS's model URL names a model of either version's section.
    #[test]
    fn aws_model_urls() {
        let v2 = json!({"definitions": {"Pet": {"type": "object"}}});
        let v3 = json!({"components": {"schemas": {"Pet": {"type": "string"}}}});
        let url = "https://apigateway.amazonaws.com/restapis/abc123/models/Pet";
        assert_eq!(aws_model_name(url), Some("Pet"));
        assert_eq!(model(&v2, url).map(|(k, _)| k), Some("#/definitions/Pet".to_string()));
        assert_eq!(model(&v3, url).map(|(k, _)| k), Some("#/components/schemas/Pet".to_string()));
        assert!(model(&v2, "https://apigateway.amazonaws.com/restapis/abc123/models/Dog").is_none());
        assert!(model(&v2, "http://example.com/schema.json").is_none());
        assert_eq!(field_of("#/components/schemas/Pet"), "components.schemas.Pet");
    }
}
