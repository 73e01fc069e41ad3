//! An authorizer as the export declares it: a security scheme (`type: apiKey, in: header, name`)
//! carrying `x-amazon-apigateway-authorizer` (AWS docs: x-amazon-apigateway-authorizer object).
//! Parsed and checked once at load; requests only read the result.
//!
//! - `type`: `token`, `request` (Lambda authorizers) or `cognito_user_pools` (a variant of its own:
//!   its user pools, header and validation expression; [`super::cognito`] checks its tokens). Any
//!   case is accepted.
//! - `authorizerUri`: `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations`,
//!   read by the AWS_PROXY parser ([`LambdaTarget`]). It may name the function through
//!   `${stageVariables.x}` (AWS docs: "Use API Gateway Lambda authorizers" shows an alias from a
//!   stage variable), so the shape is checked at load with placeholders and the function is
//!   resolved per deployment by [`LambdaAuthorizer::function`].
//! - `identitySource`: TOKEN and Cognito read the header the *scheme* names (`name`), not a field
//!   of the extension (the repository's notes: AWS's own import reads it so); a TOKEN
//!   extension's `identitySource` is ignored. REQUEST: a comma-separated list of
//!   `method.request.header.X`, `method.request.querystring.X`, `stageVariables.X`, `context.X`.
//! - `identityValidationExpression`: TOKEN (on the token) and Cognito (on the ID token's `aud`);
//!   not REQUEST (AWS docs: "The validation expression does not apply to the REQUEST
//!   authorizer"). Compiled by [`crate::java_regex`].
//! - `providerARNs` (Cognito): `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`, each
//!   giving the issuer its tokens carry, `https://cognito-idp.{region}.amazonaws.com/{poolId}`.
//! - `authorizerResultTtlInSeconds`: 0..=3600, default 300 (AWS docs: the extension's page).
//!
//! Errors name the field (`x-amazon-apigateway-authorizer.type: ...`); the caller adds the scheme
//! and the operation.

use serde_json::{Map, Value};

use crate::event::invoke::{substitute_stage_variables, LambdaTarget};
use crate::java_regex::JavaRegex;

/// The extension's key inside a security scheme.
pub const EXTENSION: &str = "x-amazon-apigateway-authorizer";
/// Default `authorizerResultTtlInSeconds` (AWS docs: x-amazon-apigateway-authorizer object).
pub const DEFAULT_TTL_SECONDS: u32 = 300;
/// Largest `authorizerResultTtlInSeconds` AWS accepts (one hour).
pub const MAX_TTL_SECONDS: u32 = 3600;
/// Most identity sources a REQUEST authorizer may list (a bound on per-request work; AWS
/// documents no number, real definitions list a handful).
pub const MAX_IDENTITY_SOURCES: usize = 32;

/// An authorizer of a security scheme.
#[derive(Debug, Clone, PartialEq)]
pub enum Authorizer {
    /// TOKEN or REQUEST: a Lambda function decides.
    Lambda(LambdaAuthorizer),
    /// `cognito_user_pools`: the pools' tokens decide ([`super::cognito`]).
    Cognito(CognitoAuthorizer),
}

/// Which event a Lambda authorizer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaKind {
    Token,
    Request,
}

/// A TOKEN or REQUEST authorizer.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaAuthorizer {
    /// The security scheme's name, for logs.
    pub name: String,
    /// A stable 6-character id in the shape of AWS's authorizer ids: the `/authorizers/{id}` of
    /// `X-Amz-Source-Arn`, and the first part of the cache key.
    pub id: String,
    pub kind: LambdaKind,
    /// `authorizerUri` as written (`${stageVariables.x}` unresolved): see [`Self::function`].
    pub uri: String,
    /// `authorizerCredentials`; `None` when absent or empty. Not assumed locally, like an
    /// integration's `credentials`: the call is signed with the VM's credentials.
    pub credentials: Option<String>,
    /// TOKEN: one header. REQUEST: the list, in the definition's order.
    pub identity_sources: Vec<IdentitySource>,
    /// TOKEN only: `identityValidationExpression`.
    pub validation: Option<JavaRegex>,
    /// `authorizerResultTtlInSeconds`; 0 disables the cache.
    pub ttl_seconds: u32,
}

/// A Cognito user pool authorizer (README: "Cognito user pool authorizers").
#[derive(Debug, Clone, PartialEq)]
pub struct CognitoAuthorizer {
    /// The security scheme's name, for logs.
    pub name: String,
    /// `providerARNs`, in the definition's order.
    pub pools: Vec<UserPool>,
    /// The header carrying the token, lower-case.
    pub header: String,
    /// `identityValidationExpression`: must match the whole `aud` of an ID token (`client_id` of
    /// an access token).
    pub validation: Option<JavaRegex>,
}

/// One user pool of `providerARNs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    /// The ARN as written.
    pub arn: String,
    pub region: String,
    /// `us-east-1_AbC123`.
    pub id: String,
    /// `https://cognito-idp.{region}.amazonaws.com/{id}`: the `iss` of the pool's tokens, and the
    /// key under which Envoy's `jwt_authn` filter leaves a verified payload (README: "Cognito user
    /// pool authorizers").
    pub issuer: String,
}

impl UserPool {
    /// Parses `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}` (any partition).
    pub fn parse(arn: &str) -> Result<UserPool, String> {
        let bad = || format!("{arn:?} is not a user pool ARN (arn:aws:cognito-idp:{{region}}:{{account}}:userpool/{{poolId}})");
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("cognito-idp"), Some(region), Some(_account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let id = resource.strip_prefix("userpool/").ok_or_else(bad)?;
        let name_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if partition.is_empty() || !name_ok(region) || !name_ok(id) {
            return Err(bad());
        }
        Ok(UserPool {
            arn: arn.to_string(),
            region: region.to_string(),
            id: id.to_string(),
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{id}"),
        })
    }
}

/// Where an identity value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// `method.request.header.X`, name lower-cased (header names compare without case).
    Header(String),
    /// `method.request.querystring.X`, as written.
    QueryString(String),
    /// `stageVariables.X`.
    StageVariable(String),
    /// `context.X` (e.g. `context.identity.sourceIp`).
    Context(String),
}

/// Builds a source from the name after its prefix.
type MakeSource = fn(String) -> IdentitySource;

impl IdentitySource {
    /// Parses one entry of a REQUEST `identitySource` list.
    pub fn parse(text: &str) -> Result<IdentitySource, String> {
        let text = text.trim();
        let prefixes: [(&str, MakeSource); 4] = [
            ("method.request.header.", |n| IdentitySource::Header(n.to_ascii_lowercase())),
            ("method.request.querystring.", IdentitySource::QueryString),
            ("stageVariables.", IdentitySource::StageVariable),
            ("context.", IdentitySource::Context),
        ];
        for (prefix, make) in prefixes {
            if let Some(name) = text.strip_prefix(prefix) {
                if name.is_empty() {
                    return Err(format!("{text:?} names nothing after {prefix:?}"));
                }
                return Ok(make(name.to_string()));
            }
        }
        Err(format!(
            "{text:?} is not method.request.header.X, method.request.querystring.X, stageVariables.X or context.X"
        ))
    }

    /// Parses a comma-separated list (spaces around entries allowed); empty text gives no source.
    pub fn parse_list(text: &str) -> Result<Vec<IdentitySource>, String> {
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let list = text.split(',').map(IdentitySource::parse).collect::<Result<Vec<_>, _>>()?;
        if list.len() > MAX_IDENTITY_SOURCES {
            return Err(format!("more than {MAX_IDENTITY_SOURCES} identity sources (MAX_IDENTITY_SOURCES)"));
        }
        Ok(list)
    }
}

/// `x-amazon-apigateway-authorizer.<field>: <why>`.
fn field_error(field: &str, why: impl std::fmt::Display) -> String {
    format!("{EXTENSION}.{field}: {why}")
}

impl Authorizer {
    /// Parses the security scheme `scheme_name` (the whole scheme object, which holds `name` and
    /// the extension). `Ok(None)`: the scheme has no authorizer extension.
    pub fn parse(scheme_name: &str, scheme: &Value) -> Result<Option<Authorizer>, String> {
        let Some(ext) = scheme.get(EXTENSION) else { return Ok(None) };
        let ext = ext.as_object().ok_or_else(|| format!("{EXTENSION}: must be an object"))?;
        let kind = required_str(ext, "type")?;
        let header = || scheme_header(scheme);
        let authorizer = match kind.to_ascii_lowercase().as_str() {
            "token" => Authorizer::Lambda(lambda(scheme_name, ext, LambdaKind::Token, header)?),
            "request" => Authorizer::Lambda(lambda(scheme_name, ext, LambdaKind::Request, header)?),
            "cognito_user_pools" => Authorizer::Cognito(CognitoAuthorizer {
                name: scheme_name.to_string(),
                pools: provider_arns(ext)?,
                header: header()?,
                validation: validation(ext)?,
            }),
            _ => return Err(field_error("type", format!("unknown authorizer type {kind:?} (token, request, cognito_user_pools)"))),
        };
        Ok(Some(authorizer))
    }
}

/// A TOKEN or REQUEST authorizer's fields.
fn lambda(
    scheme_name: &str,
    ext: &Map<String, Value>,
    kind: LambdaKind,
    header: impl Fn() -> Result<String, String>,
) -> Result<LambdaAuthorizer, String> {
    let uri = required_str(ext, "authorizerUri")?.to_string();
    check_uri(&uri).map_err(|e| field_error("authorizerUri", e))?;
    let credentials = optional_str(ext, "authorizerCredentials")?.filter(|c| !c.is_empty()).map(str::to_string);
    let ttl_seconds = ttl(ext.get("authorizerResultTtlInSeconds"))?;
    let (identity_sources, validation) = match kind {
        LambdaKind::Token => (vec![IdentitySource::Header(header()?)], validation(ext)?),
        LambdaKind::Request => {
            let text = optional_str(ext, "identitySource")?.unwrap_or("");
            let list = IdentitySource::parse_list(text).map_err(|e| field_error("identitySource", e))?;
            // AWS docs (x-amazon-apigateway-authorizer): the identity source is required when
            // caching is on; it is what the cache key is made of.
            if list.is_empty() && ttl_seconds > 0 {
                return Err(field_error("identitySource", "required when authorizerResultTtlInSeconds is above 0"));
            }
            (list, None)
        }
    };
    Ok(LambdaAuthorizer {
        name: scheme_name.to_string(),
        id: crate::context::short_id(scheme_name),
        kind,
        uri,
        credentials,
        identity_sources,
        validation,
        ttl_seconds,
    })
}

impl LambdaAuthorizer {
    /// The function to invoke for a deployment: `${stageVariables.x}` substituted, then parsed.
    pub fn function(&self, stage_variables: &[(String, String)]) -> Result<LambdaTarget, String> {
        LambdaTarget::parse(&substitute_stage_variables(&self.uri, stage_variables))
    }
}

/// Checks the URI's shape with every `${stageVariables.x}` replaced by a placeholder name.
fn check_uri(uri: &str) -> Result<(), String> {
    const OPEN: &str = "${stageVariables.";
    let mut placeholders = Vec::new();
    let mut rest = uri;
    while let Some(start) = rest.find(OPEN) {
        let after = rest.get(start.saturating_add(OPEN.len())..).unwrap_or("");
        let Some((name, tail)) = after.split_once('}') else { break };
        placeholders.push((name.to_string(), "stagevar".to_string()));
        rest = tail;
    }
    LambdaTarget::parse(&substitute_stage_variables(uri, &placeholders)).map(|_| ())
}

/// The scheme's `name`, when it is a header (`in: header`), lower-cased.
fn scheme_header(scheme: &Value) -> Result<String, String> {
    let location = scheme.get("in").and_then(Value::as_str).unwrap_or("header");
    if !location.eq_ignore_ascii_case("header") {
        return Err(format!("in: {location:?}: an authorizer's identity must be a header (in: header)"));
    }
    match scheme.get("name").and_then(Value::as_str) {
        Some(name) if !name.trim().is_empty() => Ok(name.trim().to_ascii_lowercase()),
        _ => Err("name: the security scheme must name the header carrying the token".to_string()),
    }
}

fn required_str<'a>(ext: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    optional_str(ext, field)?.ok_or_else(|| field_error(field, "required"))
}

/// A string field; `null` counts as absent.
fn optional_str<'a>(ext: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, String> {
    match ext.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(field_error(field, format!("must be a string, not {other}"))),
    }
}

/// `authorizerResultTtlInSeconds`: an integer (or a string of digits, as YAML exports may quote
/// it) within 0..=3600; absent gives 300.
fn ttl(value: Option<&Value>) -> Result<u32, String> {
    const FIELD: &str = "authorizerResultTtlInSeconds";
    let n = match value {
        None | Some(Value::Null) => return Ok(DEFAULT_TTL_SECONDS),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    };
    let value_text = value.map(Value::to_string).unwrap_or_default();
    match n.and_then(|n| u32::try_from(n).ok()) {
        Some(n) if n <= MAX_TTL_SECONDS => Ok(n),
        _ => Err(field_error(FIELD, format!("{value_text} is not a whole number of seconds within 0..={MAX_TTL_SECONDS}"))),
    }
}

/// `identityValidationExpression`, compiled; absent or empty gives none.
fn validation(ext: &Map<String, Value>) -> Result<Option<JavaRegex>, String> {
    const FIELD: &str = "identityValidationExpression";
    match optional_str(ext, FIELD)? {
        None | Some("") => Ok(None),
        Some(pattern) => JavaRegex::compile(pattern)
            .map(Some)
            .map_err(|e| field_error(FIELD, format!("{pattern:?}: {e}"))),
    }
}

/// `providerARNs`: a non-empty list of user pool ARNs.
fn provider_arns(ext: &Map<String, Value>) -> Result<Vec<UserPool>, String> {
    const FIELD: &str = "providerARNs";
    let list = match ext.get(FIELD) {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => return Err(field_error(FIELD, "must be a non-empty list of user pool ARNs")),
    };
    list.iter()
        .map(|v| {
            let arn = v.as_str().ok_or_else(|| field_error(FIELD, format!("{v} is not a string")))?;
            UserPool::parse(arn).map_err(|e| field_error(FIELD, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";

    fn lambda_of(scheme: &Value) -> LambdaAuthorizer {
        match Authorizer::parse("myAuth", scheme) {
            Ok(Some(Authorizer::Lambda(l))) => l,
            other => panic!("not a Lambda authorizer: {other:?}"),
        }
    }

    fn error_of(scheme: &Value) -> String {
        match Authorizer::parse("myAuth", scheme) {
            Err(e) => e,
            other => panic!("accepted: {other:?}"),
        }
    }

    // AWS docs' TOKEN example: the header comes from the scheme's `name`; TTL as given.
    #[test]
    fn token_authorizer() {
        let scheme = json!({"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": URI,
                "authorizerCredentials": "arn:aws:iam::123456789012:role/invoker",
                "identityValidationExpression": "^x-[a-z]+", "authorizerResultTtlInSeconds": 60,
                "identitySource": "method.request.header.Ignored"}});
        let a = lambda_of(&scheme);
        assert_eq!(a.kind, LambdaKind::Token);
        assert_eq!(a.identity_sources, vec![IdentitySource::Header("authorization".into())]);
        assert_eq!(a.ttl_seconds, 60);
        assert_eq!(a.credentials.as_deref(), Some("arn:aws:iam::123456789012:role/invoker"));
        assert_eq!(a.validation.as_ref().map(JavaRegex::as_str), Some("^x-[a-z]+"));
        assert_eq!(a.id, crate::context::short_id("myAuth"));
        assert_eq!(a.id.len(), 6);
        let f = a.function(&[]).unwrap();
        assert_eq!(f.function_arn, "arn:aws:lambda:us-east-1:123456789012:function:auth");
        assert_eq!(f.region, "us-east-1");
    }

    // REQUEST: every kind of source, spaces after commas, default TTL 300, no regex.
    #[test]
    fn request_authorizer() {
        let scheme = json!({"type": "apiKey", "name": "Unused", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "REQUEST", "authorizerUri": URI,
                "identitySource": "method.request.header.Auth, method.request.querystring.QueryString1,stageVariables.StageVar1,context.identity.sourceIp",
                "identityValidationExpression": "(?=never compiled)"}});
        let a = lambda_of(&scheme);
        assert_eq!(a.kind, LambdaKind::Request);
        assert_eq!(
            a.identity_sources,
            vec![
                IdentitySource::Header("auth".into()),
                IdentitySource::QueryString("QueryString1".into()),
                IdentitySource::StageVariable("StageVar1".into()),
                IdentitySource::Context("identity.sourceIp".into()),
            ]
        );
        assert_eq!(a.ttl_seconds, DEFAULT_TTL_SECONDS);
        assert_eq!(a.validation, None);
        assert_eq!(a.credentials, None);
    }

    // A stage variable in the URI: checked at load, resolved per deployment.
    #[test]
    fn function_from_stage_variables() {
        let uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:auth:${stageVariables.alias}/invocations";
        let scheme = json!({"name": "Authorization", "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": uri}});
        let a = lambda_of(&scheme);
        let f = a.function(&[("alias".into(), "live".into())]).unwrap();
        assert_eq!(f.function_arn, "arn:aws:lambda:eu-west-1:1:function:auth:live");
        let scheme = json!({"name": "A", "x-amazon-apigateway-authorizer": {"type": "token",
            "authorizerUri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations"}});
        let a = lambda_of(&scheme);
        assert!(a.function(&[]).is_err());
        assert_eq!(a.function(&[("fn".into(), "auth".into())]).unwrap().function_arn, "auth");
    }

    #[test]
    fn ttl_bounds() {
        let with_ttl = |ttl: Value| json!({"name": "A", "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": URI, "authorizerResultTtlInSeconds": ttl}});
        assert_eq!(lambda_of(&with_ttl(json!(0))).ttl_seconds, 0);
        assert_eq!(lambda_of(&with_ttl(json!(3600))).ttl_seconds, 3600);
        assert_eq!(lambda_of(&with_ttl(json!("120"))).ttl_seconds, 120);
        assert_eq!(lambda_of(&with_ttl(Value::Null)).ttl_seconds, 300);
        for bad in [json!(3601), json!(-1), json!(1.5), json!("x"), json!(true), json!(u64::MAX)] {
            let e = error_of(&with_ttl(bad.clone()));
            assert_eq!(
                e,
                format!("x-amazon-apigateway-authorizer.authorizerResultTtlInSeconds: {bad} is not a whole number of seconds within 0..=3600")
            );
        }
    }

    // Cognito: its own variant; each provider ARN gives a pool and its issuer; the validation
    // expression is kept (it applies to `aud`).
    #[test]
    fn cognito_authorizer() {
        let scheme = json!({"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "identityValidationExpression": "app-[0-9]+",
                "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc",
                                 "arn:aws-cn:cognito-idp:cn-north-1:1:userpool/cn-north-1_Z9"]}});
        let Some(Authorizer::Cognito(c)) = Authorizer::parse("pool", &scheme).unwrap() else { panic!("not Cognito") };
        assert_eq!((c.name.as_str(), c.header.as_str()), ("pool", "authorization"));
        assert_eq!(c.validation.as_ref().map(JavaRegex::as_str), Some("app-[0-9]+"));
        assert_eq!(c.pools, vec![
            UserPool {
                arn: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc".into(),
                region: "us-east-1".into(),
                id: "us-east-1_abc".into(),
                issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc".into(),
            },
            UserPool {
                arn: "arn:aws-cn:cognito-idp:cn-north-1:1:userpool/cn-north-1_Z9".into(),
                region: "cn-north-1".into(),
                id: "cn-north-1_Z9".into(),
                issuer: "https://cognito-idp.cn-north-1.amazonaws.com/cn-north-1_Z9".into(),
            },
        ]);
        for bad in ["UserPool.Arn", "arn:aws:cognito-idp:us-east-1:1:userpool/", "arn:aws:iam::1:userpool/x",
                    "arn:aws:cognito-idp:us-east-1:1:pool/x", "arn:aws:cognito-idp:us/east:1:userpool/x",
                    "arn:aws:cognito-idp:us-east-1:1:userpool/a/b"] {
            assert!(UserPool::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scheme_without_the_extension() {
        assert_eq!(Authorizer::parse("k", &json!({"type": "apiKey", "name": "x-api-key", "in": "header"})), Ok(None));
    }

    // Each refusal names the field.
    #[test]
    fn refusals_name_the_field() {
        let ext = |e: Value| json!({"name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": e});
        let rows: [(Value, &str); 13] = [
            (json!("token"), "x-amazon-apigateway-authorizer: must be an object"),
            (json!({"authorizerUri": URI}), "x-amazon-apigateway-authorizer.type: required"),
            (json!({"type": "jwt", "authorizerUri": URI}), "x-amazon-apigateway-authorizer.type: unknown authorizer type \"jwt\" (token, request, cognito_user_pools)"),
            (json!({"type": "token"}), "x-amazon-apigateway-authorizer.authorizerUri: required"),
            (json!({"type": "token", "authorizerUri": 1}), "x-amazon-apigateway-authorizer.authorizerUri: must be a string, not 1"),
            (json!({"type": "token", "authorizerUri": "arn:aws:apigateway:us-east-1:s3:path/b"}),
                "x-amazon-apigateway-authorizer.authorizerUri: invalid Lambda integration uri \"arn:aws:apigateway:us-east-1:s3:path/b\": not an apigateway ...:lambda:path/... ARN"),
            (json!({"type": "token", "authorizerUri": URI, "authorizerCredentials": 7}), "x-amazon-apigateway-authorizer.authorizerCredentials: must be a string, not 7"),
            (json!({"type": "token", "authorizerUri": URI, "identityValidationExpression": "(?<=a)b"}),
                "x-amazon-apigateway-authorizer.identityValidationExpression: \"(?<=a)b\": look-behind `(?<=` at index 0 is not supported"),
            (json!({"type": "request", "authorizerUri": URI}), "x-amazon-apigateway-authorizer.identitySource: required when authorizerResultTtlInSeconds is above 0"),
            (json!({"type": "request", "authorizerUri": URI, "identitySource": "method.request.path.id"}),
                "x-amazon-apigateway-authorizer.identitySource: \"method.request.path.id\" is not method.request.header.X, method.request.querystring.X, stageVariables.X or context.X"),
            (json!({"type": "request", "authorizerUri": URI, "identitySource": "method.request.header.a,"}),
                "x-amazon-apigateway-authorizer.identitySource: \"\" is not method.request.header.X, method.request.querystring.X, stageVariables.X or context.X"),
            (json!({"type": "cognito_user_pools", "providerARNs": []}), "x-amazon-apigateway-authorizer.providerARNs: must be a non-empty list of user pool ARNs"),
            (json!({"type": "cognito_user_pools", "providerARNs": ["UserPool.Arn"]}),
                "x-amazon-apigateway-authorizer.providerARNs: \"UserPool.Arn\" is not a user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId})"),
        ];
        for (e, want) in rows {
            assert_eq!(error_of(&ext(e.clone())), want, "{e}");
        }
        let e = error_of(&json!({"x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": URI}}));
        assert_eq!(e, "name: the security scheme must name the header carrying the token");
        let e = error_of(&json!({"name": "t", "in": "query", "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": URI}}));
        assert_eq!(e, "in: \"query\": an authorizer's identity must be a header (in: header)");
    }

    // A REQUEST authorizer without sources is valid only without caching (nothing to key on).
    #[test]
    fn request_without_sources_needs_ttl_zero() {
        let scheme = json!({"name": "x", "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": URI, "authorizerResultTtlInSeconds": 0}});
        assert!(lambda_of(&scheme).identity_sources.is_empty());
    }

    #[test]
    fn identity_source_limit() {
        let list = vec!["context.requestId"; MAX_IDENTITY_SOURCES].join(",");
        assert_eq!(IdentitySource::parse_list(&list).unwrap().len(), MAX_IDENTITY_SOURCES);
        let list = format!("{list},context.stage");
        assert_eq!(
            IdentitySource::parse_list(&list).unwrap_err(),
            "more than 32 identity sources (MAX_IDENTITY_SOURCES)"
        );
        assert_eq!(IdentitySource::parse("context."), Err("\"context.\" names nothing after \"context.\"".to_string()));
    }
}
