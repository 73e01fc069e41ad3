//! The identity a Lambda authorizer is called with, read from the request, and the decision not to
//! call it (401 Unauthorized) when that identity is missing (AWS docs: "Use API Gateway Lambda
//! authorizers"; AWS Knowledge Center: "Why am I getting API Gateway 401 Unauthorized errors after
//! creating a Lambda authorizer?").
//!
//! - **TOKEN**: the header's value (a repeated header gives its last value, the rule of
//!   [`crate::resolver`]); missing or empty → not called. `identityValidationExpression` must match
//!   the **whole** token (Java `String.matches`), else not called. Why whole-value: the Knowledge
//!   Center's example reads `\w{5}` as "exactly five characters", SAM's documented example is
//!   `Bearer.*` (the `.*` is only needed for a whole match), and it is the stricter reading;
//!   should AWS search instead, anchored patterns behave the same either way.
//! - **REQUEST with caching (TTL > 0)**: every source must be present and non-empty, else not
//!   called (AWS docs tie this check to caching).
//! - **REQUEST with TTL 0** [open, chosen]: the function is always called, whatever is missing,
//!   as the AWS docs tie the check to caching only and as two emulators do; the event carries the
//!   request as it is.
//!
//! The cache key is the deployment (the cache is per stage: a stage variable may change the
//! function or its inputs), the authorizer id and every value, each length-prefixed so no two
//! lists share a key (`["a,b"]` vs `["a","b"]`).

use super::definition::{IdentitySource, LambdaAuthorizer, LambdaKind};

/// What the identity sources are read from.
pub struct IdentityInput<'a> {
    /// The deployment (stage) serving the request: part of the cache key.
    pub deployment: &'a str,
    /// The client's headers: lower-case names, in order, repeats kept (`:authority` stands for a
    /// missing `host`, as everywhere in [`crate::resolver`]).
    pub headers: &'a [(String, String)],
    /// The decoded query pairs ([`crate::query::decode`]), repeats kept.
    pub query: &'a [(String, String)],
    pub stage_variables: &'a [(String, String)],
    /// `context.<name>` → value (e.g. `|n| request_context.lookup(n)`); `None`: unknown.
    pub context: &'a dyn Fn(&str) -> Option<String>,
}

/// The identity to call the function with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// One value per identity source, in the definition's order; `None`: missing (only with a
    /// REQUEST authorizer at TTL 0).
    pub values: Vec<Option<String>>,
    /// The key to look up and store the answer under; `None` when results are not cached (TTL 0).
    pub cache_key: Option<String>,
}

impl Identity {
    /// TOKEN: the token (the first and only value); `""` for a REQUEST authorizer.
    pub fn token(&self) -> &str {
        self.values.first().and_then(Option::as_deref).unwrap_or("")
    }
}

/// The function is not called: the gateway answers 401 `{"message":"Unauthorized"}`
/// (UNAUTHORIZED, see [`super::answer::Refusal::unauthorized`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotCalled;

/// Reads the identity of `authorizer` from the request, or says the function is not called.
pub fn identify(authorizer: &LambdaAuthorizer, input: &IdentityInput) -> Result<Identity, NotCalled> {
    let values: Vec<Option<String>> = authorizer.identity_sources.iter().map(|s| source_value(s, input)).collect();
    let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    match authorizer.kind {
        LambdaKind::Token => {
            let token = values.first().filter(|v| present(v)).and_then(Option::as_deref).ok_or(NotCalled)?;
            if authorizer.validation.as_ref().is_some_and(|re| !re.full_match(token)) {
                return Err(NotCalled);
            }
        }
        LambdaKind::Request => {
            if authorizer.ttl_seconds > 0 && !values.iter().all(present) {
                return Err(NotCalled);
            }
        }
    }
    let cache_key = (authorizer.ttl_seconds > 0).then(|| cache_key(input.deployment, &authorizer.id, &values));
    Ok(Identity { values, cache_key })
}

/// The value of one identity source.
fn source_value(source: &IdentitySource, input: &IdentityInput) -> Option<String> {
    use crate::resolver::{last, request_header_values};
    match source {
        IdentitySource::Header(name) => request_header_values(input.headers, name).last().map(|v| v.to_string()),
        IdentitySource::QueryString(name) => last(input.query, name, false).map(str::to_string),
        IdentitySource::StageVariable(name) => last(input.stage_variables, name, false).map(str::to_string),
        IdentitySource::Context(name) => (input.context)(name),
    }
}

/// `<len>:<deployment><len>:<id>` then `<len>:<value>` per value (`-` for a missing one).
pub fn cache_key(deployment: &str, authorizer_id: &str, values: &[Option<String>]) -> String {
    let room = values
        .iter()
        .fold(deployment.len().saturating_add(authorizer_id.len()).saturating_add(16), |n, v| {
            n.saturating_add(v.as_ref().map_or(1, |v| v.len().saturating_add(8)))
        });
    let mut key = String::with_capacity(room);
    push_part(&mut key, deployment);
    push_part(&mut key, authorizer_id);
    for value in values {
        match value {
            Some(v) => push_part(&mut key, v),
            None => key.push('-'),
        }
    }
    key
}

/// `<len>:<text>`.
fn push_part(key: &mut String, text: &str) {
    key.push_str(&text.len().to_string());
    key.push(':');
    key.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::java_regex::JavaRegex;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn authorizer(kind: LambdaKind, sources: &str, ttl: u32, regex: Option<&str>) -> LambdaAuthorizer {
        LambdaAuthorizer {
            name: "a".into(),
            id: "abc123".into(),
            kind,
            uri: String::new(),
            credentials: None,
            identity_sources: IdentitySource::parse_list(sources).unwrap(),
            validation: regex.map(|r| JavaRegex::compile(r).unwrap()),
            ttl_seconds: ttl,
        }
    }

    fn context(name: &str) -> Option<String> {
        match name {
            "identity.sourceIp" => Some("203.0.113.7".into()),
            "stage" => Some(String::new()),
            _ => None,
        }
    }

    fn run(a: &LambdaAuthorizer, headers: &[(&str, &str)], query: &[(&str, &str)]) -> Result<Identity, NotCalled> {
        let headers = pairs(headers);
        let query = pairs(query);
        let sv = pairs(&[("sv", "stage-value")]);
        let input = IdentityInput { deployment: "prod", headers: &headers, query: &query, stage_variables: &sv, context: &context };
        identify(a, &input)
    }

    // TOKEN: missing, empty or not matching the whole expression → not called (401).
    #[test]
    fn token_rules() {
        let a = authorizer(LambdaKind::Token, "method.request.header.authorization", 300, Some("Bearer [a-z]+"));
        let id = run(&a, &[("authorization", "Bearer abc")], &[]).unwrap();
        assert_eq!(id.token(), "Bearer abc");
        assert_eq!(id.cache_key.as_deref(), Some("4:prod6:abc12310:Bearer abc"));
        assert_eq!(run(&a, &[], &[]), Err(NotCalled));
        assert_eq!(run(&a, &[("authorization", "")], &[]), Err(NotCalled));
        // Whole-value match: a token that only contains a match is refused.
        assert_eq!(run(&a, &[("authorization", "Bearer abc1")], &[]), Err(NotCalled));
        assert_eq!(run(&a, &[("authorization", "xBearer abc")], &[]), Err(NotCalled));
        // A repeated header gives its last value.
        let id = run(&a, &[("authorization", "nope"), ("authorization", "Bearer z")], &[]).unwrap();
        assert_eq!(id.token(), "Bearer z");
        // Without an expression any non-empty value is called.
        let open = authorizer(LambdaKind::Token, "method.request.header.authorization", 0, None);
        let id = run(&open, &[("authorization", " ")], &[]).unwrap();
        assert_eq!((id.token(), id.cache_key.as_deref()), (" ", None));
    }

    // AWS docs' `^x-[a-z]+`: anchors are harmless under a whole match.
    #[test]
    fn documented_expression() {
        let a = authorizer(LambdaKind::Token, "method.request.header.auth", 300, Some("^x-[a-z]+"));
        assert!(run(&a, &[("auth", "x-abc")], &[]).is_ok());
        assert_eq!(run(&a, &[("auth", "x-abc1")], &[]), Err(NotCalled));
    }

    // REQUEST with caching: every source present and non-empty, else not called.
    #[test]
    fn request_with_cache() {
        let a = authorizer(
            LambdaKind::Request,
            "method.request.header.HeaderAuth1,method.request.querystring.QueryString1,stageVariables.sv,context.identity.sourceIp",
            300,
            None,
        );
        let id = run(&a, &[("headerauth1", "h")], &[("QueryString1", "q1"), ("QueryString1", "q2")]).unwrap();
        assert_eq!(
            id.values,
            vec![Some("h".into()), Some("q2".into()), Some("stage-value".into()), Some("203.0.113.7".into())]
        );
        assert_eq!(id.cache_key.as_deref(), Some("4:prod6:abc1231:h2:q211:stage-value11:203.0.113.7"));
        assert_eq!(id.token(), "h");
        assert_eq!(run(&a, &[], &[("QueryString1", "q")]), Err(NotCalled));
        assert_eq!(run(&a, &[("headerauth1", "h")], &[("QueryString1", "")]), Err(NotCalled));
        let empty_context = authorizer(LambdaKind::Request, "context.stage", 300, None);
        assert_eq!(run(&empty_context, &[], &[]), Err(NotCalled));
        let unknown_context = authorizer(LambdaKind::Request, "context.nope", 300, None);
        assert_eq!(run(&unknown_context, &[], &[]), Err(NotCalled));
    }

    // REQUEST with TTL 0 [open, chosen]: called anyway, nothing cached.
    #[test]
    fn request_without_cache_is_always_called() {
        let a = authorizer(LambdaKind::Request, "method.request.header.h,method.request.querystring.q", 0, None);
        let id = run(&a, &[], &[("q", "")]).unwrap();
        assert_eq!(id, Identity { values: vec![None, Some(String::new())], cache_key: None });
        let none = authorizer(LambdaKind::Request, "", 0, None);
        assert_eq!(run(&none, &[], &[]).unwrap().values, Vec::<Option<String>>::new());
    }

    // `:authority` stands for a missing Host, as for every header source.
    #[test]
    fn host_from_authority() {
        let a = authorizer(LambdaKind::Request, "method.request.header.Host", 300, None);
        assert_eq!(run(&a, &[(":authority", "api.example")], &[]).unwrap().token(), "api.example");
    }

    // Length prefixes keep different value lists apart.
    #[test]
    fn cache_keys_are_unambiguous() {
        let k = |vals: &[Option<&str>]| {
            let vals: Vec<Option<String>> = vals.iter().map(|v| v.map(str::to_string)).collect();
            cache_key("prod", "id", &vals)
        };
        assert_eq!(k(&[Some("a,b")]), "4:prod2:id3:a,b");
        assert_ne!(k(&[Some("a,b")]), k(&[Some("a"), Some("b")]));
        assert_ne!(k(&[Some("1:a")]), k(&[Some(""), Some("a")]));
        assert_ne!(k(&[None]), k(&[Some("")]));
        assert_ne!(cache_key("prod", "id", &[]), cache_key("dev", "id", &[]));
        assert_eq!(k(&[None, Some("")]), "4:prod2:id-0:");
    }
}
