//! The variables a mapping template sees (`$input`, `$context`, `$stageVariables`), built from the
//! request once per integration call.

use crate::context::{AuthorizerFacts, Fact, FactValue, Reads, RequestContext, TEMPLATE_ORDER};
use crate::vtl::{Env, Input, MapRef, Value};

/// What an integration's templates read, found once at configure time so that each request builds
/// only those variables (building all of `$context` costs more than rendering a small template).
/// The scan is conservative: any use it cannot resolve to a key (`$context[$k]`, `$context.keySet()`)
/// asks for everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateNeeds {
    pub all_context: bool,
    pub context_keys: Vec<String>,
    pub stage_variables: bool,
    pub input: bool,
}

impl TemplateNeeds {
    /// Everything: for templates that cannot be scanned.
    pub fn all() -> TemplateNeeds {
        TemplateNeeds {
            all_context: true,
            context_keys: Vec::new(),
            stage_variables: true,
            input: true,
        }
    }

    /// Adds what one template's source reads.
    pub fn scan(&mut self, source: &str) {
        if source.contains("stageVariables") {
            self.stage_variables = true;
        }
        if source.contains("input") {
            self.input = true;
        }
        let mut rest = source;
        while let Some(pos) = rest.find("context") {
            let after = rest.get(pos + "context".len()..).unwrap_or("");
            rest = after;
            let Some(key_part) = after.strip_prefix('.') else {
                // `$context` alone, `$context[...]`, `${context}`...: be safe.
                if after.starts_with(|c: char| !c.is_ascii_alphanumeric() && c != '_') || after.is_empty() {
                    self.all_context = true;
                }
                continue;
            };
            let key: String = key_part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_call = key_part.get(key.len()..).is_some_and(|t| t.starts_with('('));
            if key.is_empty() || is_call {
                self.all_context = true;
            } else if !self.context_keys.contains(&key) {
                self.context_keys.push(key);
            }
        }
    }

    fn wants(&self, key: &str) -> bool {
        self.all_context || self.context_keys.iter().any(|k| k == key)
    }

    /// What the host must be asked for to fill what the templates read: the [`Reads`] of each
    /// `$context` fact they name, and the headers for `$input`.
    pub fn reads(&self) -> Reads {
        if self.all_context {
            return Reads::ALL;
        }
        let named = self.context_keys.iter().filter_map(|k| Fact::named(k)).map(|f| f.reads);
        named.fold(Reads { headers: self.input, ..Reads::default() }, Reads::union)
    }

    /// Whether the request's time or the caller's address is read.
    pub fn details(&self) -> bool {
        let reads = self.reads();
        reads.clock || reads.peer
    }
}

fn string_map(pairs: &[(String, String)]) -> Value {
    let m = Value::new_map();
    for (k, v) in pairs {
        m.map_insert(k, Value::from(v.as_str()));
    }
    m
}

/// `$context` as a template map: every key, or only those `needs` names, in the order of
/// [`crate::context::TEMPLATE_ORDER`]. `requestOverride` and `responseOverride` start empty and
/// writable; the nested maps print as "" (AWS prints its own Java maps that way: see the README's
/// "Mapping templates").
pub fn context_value(c: &RequestContext, needs: &TemplateNeeds) -> Value {
    let m = Value::new_map();
    for fact in TEMPLATE_ORDER.iter().filter(|f| needs.wants(f.key)) {
        let v = match (fact.value)(c) {
            FactValue::Authorizer(None) => continue,
            FactValue::Authorizer(Some(a)) => authorizer_value(a),
            FactValue::Text(t) => Value::from(t),
            FactValue::Number(n) => Value::from_json(&serde_json::Value::from(n)),
            FactValue::Identity => identity_value(c),
            FactValue::Overrides(keys) => {
                let map = Value::Map(MapRef::new_opaque());
                for k in keys {
                    map.map_insert(k, Value::Map(MapRef::new_opaque()));
                }
                map
            }
        };
        m.map_insert(fact.key, v);
    }
    m
}

/// `$context.authorizer`: `principalId`, the answer's context (strings), `integrationLatency`; for
/// Cognito only `claims` (README: "Cognito user pool authorizers").
fn authorizer_value(a: &AuthorizerFacts) -> Value {
    let m = Value::Map(MapRef::new_opaque());
    if let Some(claims) = &a.claims {
        let c = Value::Map(MapRef::new_opaque());
        for (k, v) in claims {
            c.map_insert(k, Value::from(v.as_str()));
        }
        m.map_insert("claims", c);
        return m;
    }
    m.map_insert("principalId", Value::from(a.principal_id.as_str()));
    for (k, v) in &a.context {
        m.map_insert(k, Value::from(v.as_str()));
    }
    m.map_insert("integrationLatency", Value::from_json(&serde_json::Value::from(a.integration_latency)));
    m
}

/// `$context.identity`, keys in [`RequestContext::identity_template_order`]; fields without a value are null,
/// printing "".
fn identity_value(c: &RequestContext) -> Value {
    let identity = Value::Map(MapRef::new_opaque());
    for field in c.identity_template_order() {
        identity.map_insert(field.key, (field.value)(c).map(Value::from).unwrap_or(Value::Null));
    }
    identity
}

/// The request parts `$input` exposes.
pub struct RequestParts<'a> {
    pub body: &'a [u8],
    pub path_params: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
}


/// The request headers a template sees: pseudo-headers and hidden ones left out, and Envoy's
/// `:authority` as `host` (HTTP/1.1's Host arrives as `:authority`) unless a `host` header is there.
fn template_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let has_host = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
    headers
        .iter()
        .filter_map(|(k, v)| {
            if k == ":authority" && !has_host {
                return Some(("host".to_string(), v.clone()));
            }
            let hidden = k.starts_with(':') || crate::headers::contains(crate::headers::DROPPED_REQUEST_HEADERS, k);
            (!hidden).then(|| (k.clone(), v.clone()))
        })
        .collect()
}

pub fn env(
    parts: &RequestParts,
    context: &RequestContext,
    stage_variables: &[(String, String)],
    needs: &TemplateNeeds,
) -> Env {
    if !needs.input {
        return Env {
            input: Input {
                body: String::new(),
                path: Vec::new(),
                querystring: Vec::new(),
                header: Vec::new(),
            },
            context: context_value(context, needs),
            stage_variables: if needs.stage_variables { string_map(stage_variables) } else { Value::new_map() },
        };
    }
    Env {
        input: Input {
            body: String::from_utf8_lossy(parts.body).into_owned(),
            path: parts.path_params.to_vec(),
            querystring: parts.query.to_vec(),
            header: template_headers(parts.headers),
        },
        context: context_value(context, needs),
        stage_variables: if needs.stage_variables { string_map(stage_variables) } else { Value::new_map() },
    }
}

/// Reads `$context.responseOverride` after rendering: the status and headers a template set.
pub fn response_override(env: &Env) -> (Option<u16>, Vec<(String, String)>) {
    let status = env
        .context
        .get_path(&["responseOverride", "status"])
        .and_then(|v| v.to_java_string().trim().parse::<u16>().ok())
        .filter(|s| (100..=599).contains(s));
    let headers = env
        .context
        .get_path(&["responseOverride", "header"])
        .map(|h| h.string_entries())
        .unwrap_or_default();
    (status, headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    // The scan finds the keys a template reads, and gives up safely on dynamic uses.
    #[test]
    fn needs_scan() {
        let mut n = TemplateNeeds::default();
        n.scan("{\"statusCode\": 200}");
        assert_eq!(n, TemplateNeeds::default());
        n.scan("#set($context.requestOverride.path.body = $input.body) $context.stage ${context.requestId}");
        assert_eq!(n.context_keys, vec!["requestOverride", "stage", "requestId"]);
        assert!(n.input && !n.all_context && !n.stage_variables && !n.details());
        n.scan("$context.identity.sourceIp $stageVariables.x");
        assert!(n.details() && n.stage_variables);
        for dynamic in ["$context[$k]", "$context.keySet()", "${context}", "#foreach($k in $context)"] {
            let mut d = TemplateNeeds::default();
            d.scan(dynamic);
            assert!(d.all_context, "{dynamic}");
        }
    }

    // Only the keys asked for are built; everything when all_context.
    #[test]
    fn builds_only_needed_keys() {
        let c = RequestContext { stage: "prod".into(), ..Default::default() };
        let mut n = TemplateNeeds::default();
        n.scan("$context.stage");
        let v = context_value(&c, &n);
        assert_eq!(v.get_path(&["stage"]).map(|s| s.to_java_string()), Some("prod".to_string()));
        assert!(v.get_path(&["apiId"]).is_none());
        let all = context_value(&c, &TemplateNeeds::all());
        assert!(all.get_path(&["apiId"]).is_some() && all.get_path(&["responseOverride", "header"]).is_some());
    }

    fn render(template: &str, headers: &[(&str, &str)]) -> String {
        let c = RequestContext { stage: "prod".into(), source_ip: "10.0.0.1".into(), ..Default::default() };
        let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let parts = RequestParts { body: b"", path_params: &[], query: &[], headers: &headers };
        let mut env = env(&parts, &c, &[], &TemplateNeeds::all());
        crate::vtl::Template::compile(template).unwrap().render(&mut env).unwrap()
    }

    // The key sets in AWS's order, no authorizer without one, nested maps print "" (README:
    // "Mapping templates (VTL)").
    #[test]
    fn context_key_sets_and_printing() {
        assert_eq!(
            render("$context.keySet()", &[]),
            "[resourceId, resourcePath, httpMethod, extendedRequestId, requestTime, path, accountId, protocol, \
             requestOverride, stage, domainPrefix, requestTimeEpoch, requestId, identity, domainName, deploymentId, \
             responseOverride, apiId]"
        );
        assert_eq!(
            render("$context.identity.keySet()", &[]),
            "[cognitoIdentityPoolId, accountId, cognitoIdentityId, caller, sourceIp, principalOrgId, accessKey, \
             cognitoAuthenticationType, cognitoAuthenticationProvider, userArn, userAgent, user]"
        );
        assert_eq!(render("$context.requestOverride.keySet()|$context.responseOverride.keySet()", &[]),
            "[path, header, querystring]|[header]");
        assert_eq!(render("#foreach($k in $context.authorizer.keySet())x#end|$context.authorizer.keySet()|", &[]), "||");
        assert_eq!(
            render("[$context.get('identity')][$context.get('requestOverride')][$context.requestOverride.get('path')]\
                    [$context.responseOverride.get('header')][$context.identity][$context.identity.sourceIp]", &[]),
            "[][][][][][10.0.0.1]"
        );
        // Still maps to read and write: an override set by a template prints "" but is there.
        assert_eq!(render("#set($context.responseOverride.header.X = 'y')[$context.responseOverride.header]\
                           $context.responseOverride.header.X", &[]), "[]y");
    }

    // src/resolver.rs's rule: a repeated header gives its last value to `$input.params`, by name and
    // in the map, as it does to every mapping.
    #[test]
    fn repeated_header_last_value() {
        let headers = [("x-rep", "first"), ("X-Rep", "second")];
        assert_eq!(render("$input.params('x-rep')|$input.params('X-REP')", &headers), "second|second");
        let headers = [("x-rep", "first"), ("x-rep", "second")];
        assert_eq!(render("$input.params().header.get('x-rep')", &headers), "second");
    }

    // Hidden request headers read as "" in $input.params; the rest (Host from :authority) are
    // visible, also in $input.params().header (README: "Mapping templates (VTL)").
    #[test]
    fn hidden_request_headers() {
        let headers = [(":authority", "api.example"), (":method", "GET"), ("connection", "close"),
            ("content-md5", "m"), ("max-forwards", "3"), ("upgrade", "h2c"), ("via", "1.1 p"),
            ("content-encoding", "gzip"), ("Authorization", "Bearer t")];
        assert_eq!(render("$input.params('Connection')|$input.params('Content-MD5')|$input.params('Max-Forwards')\
                           |$input.params('Upgrade')", &headers), "|||");
        assert_eq!(render("$input.params('Host')|$input.params('Via')|$input.params('Content-Encoding')\
                           |$input.params('authorization')", &headers), "api.example|1.1 p|gzip|Bearer t");
        assert_eq!(render("$input.params().header.keySet()", &headers), "[host, via, content-encoding, Authorization]");
        let with_host = [(":authority", "a"), ("host", "b")];
        assert_eq!(render("$input.params().header", &with_host), "{host=b}");
    }
}
