//! Gateway responses: the error answers API Gateway makes itself (README: "Behaviour", Gateway
//! responses), AWS's defaults and the definition's `x-amazon-apigateway-gateway-responses`, with
//! DEFAULT_4XX/DEFAULT_5XX inheritance.
//!
//! Their templates are *not* VTL: API Gateway does "only simple variable substitution". A plain
//! reference (`$context.x`, `$context.error.messageString`, `$stageVariables.x`, also `${...}`) is
//! replaced (an unknown one by ""); everything else, directives included, is copied as written.

use std::collections::HashMap;

use crate::mapping::{Side, Source};

/// The response types API Gateway knows, with their default status and `x-amzn-ErrorType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestBody,
    BadRequestParameters,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
}

use ResponseType::*;

const ALL: [ResponseType; 21] = [
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestBody,
    BadRequestParameters,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
];

impl ResponseType {
    pub fn name(self) -> &'static str {
        match self {
            AccessDenied => "ACCESS_DENIED",
            ApiConfigurationError => "API_CONFIGURATION_ERROR",
            AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            AuthorizerFailure => "AUTHORIZER_FAILURE",
            BadRequestBody => "BAD_REQUEST_BODY",
            BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            Default4xx => "DEFAULT_4XX",
            Default5xx => "DEFAULT_5XX",
            ExpiredToken => "EXPIRED_TOKEN",
            IntegrationFailure => "INTEGRATION_FAILURE",
            IntegrationTimeout => "INTEGRATION_TIMEOUT",
            InvalidApiKey => "INVALID_API_KEY",
            InvalidSignature => "INVALID_SIGNATURE",
            MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            QuotaExceeded => "QUOTA_EXCEEDED",
            RequestTooLarge => "REQUEST_TOO_LARGE",
            ResourceNotFound => "RESOURCE_NOT_FOUND",
            Throttled => "THROTTLED",
            Unauthorized => "UNAUTHORIZED",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            WafFiltered => "WAF_FILTERED",
        }
    }

    pub fn from_name(name: &str) -> Option<ResponseType> {
        ALL.iter().copied().find(|t| t.name() == name)
    }

    /// AWS's default status (README: "Behaviour", Gateway responses); the DEFAULT_* types have none
    /// of their own.
    pub fn default_status(self) -> u16 {
        match self {
            AccessDenied | ExpiredToken | InvalidApiKey | InvalidSignature
            | MissingAuthenticationToken | WafFiltered => 403,
            ApiConfigurationError | AuthorizerConfigurationError | AuthorizerFailure => 500,
            BadRequestBody | BadRequestParameters => 400,
            IntegrationFailure | IntegrationTimeout => 504,
            QuotaExceeded | Throttled => 429,
            RequestTooLarge => 413,
            ResourceNotFound => 404,
            Unauthorized => 401,
            UnsupportedMediaType => 415,
            Default4xx => 400,
            Default5xx => 500,
        }
    }

    /// The `x-amzn-ErrorType` header AWS sends with this type.
    pub fn error_type(self) -> &'static str {
        match self {
            AccessDenied => "AccessDeniedException",
            ApiConfigurationError | AuthorizerFailure | IntegrationFailure | IntegrationTimeout
            | Default5xx => "InternalServerErrorException",
            // A Lambda authorizer's bad answer (README: "Authorizers").
            AuthorizerConfigurationError => "AuthorizerConfigurationException",
            BadRequestBody | BadRequestParameters | Default4xx => "BadRequestException",
            ExpiredToken => "ExpiredTokenException",
            InvalidApiKey => "ForbiddenException",
            InvalidSignature => "InvalidSignatureException",
            MissingAuthenticationToken => "MissingAuthenticationTokenException",
            QuotaExceeded => "LimitExceededException",
            RequestTooLarge => "RequestTooLargeException",
            ResourceNotFound => "NotFoundException",
            Throttled => "TooManyRequestsException",
            Unauthorized => "UnauthorizedException",
            UnsupportedMediaType => "UnsupportedMediaTypeException",
            WafFiltered => "WafFilteredException",
        }
    }

    /// The class whose DEFAULT_* response this type inherits from.
    fn family(self) -> ResponseType {
        if self.default_status() >= 500 {
            Default5xx
        } else {
            Default4xx
        }
    }
}

/// AWS's default template. Recorded 5xx bodies have a space after the colon
/// (`{"message": "Internal server error"}`, Content-Length 36), and so do the request
/// validator's two 400s (`{"message": "Missing required request parameters: [a, b]"}`, its
/// Content-Length as recorded; `{"message": "Invalid request body"}`: access-control notes §6);
/// other 4xx bodies have none (`{"message":"Missing Authentication Token"}`).
fn default_template(t: ResponseType) -> &'static str {
    if t.default_status() >= 500 || matches!(t, BadRequestBody | BadRequestParameters) {
        "{\"message\": $context.error.messageString}"
    } else {
        "{\"message\":$context.error.messageString}"
    }
}

/// One customised gateway response from the definition.
#[derive(Debug, Clone, Default)]
struct Custom {
    status: Option<u16>,
    parameters: Vec<(String, Source)>,
    templates: Vec<(String, String)>,
}

/// The definition's gateway responses, checked at configure time.
#[derive(Debug, Clone, Default)]
pub struct GatewayResponses {
    custom: HashMap<ResponseType, Custom>,
}

/// What a gateway response needs from the request that caused it.
#[derive(Debug, Default)]
pub struct ErrorContext<'a> {
    pub context: Option<&'a crate::context::RequestContext>,
    pub stage_variables: &'a [(String, String)],
    pub path_params: &'a [(String, String)],
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    /// `$context.error.validationErrorString`: the request validator's messages (`[...]`), ""
    /// for every other answer.
    pub validation_error_string: &'a str,
}

impl GatewayResponses {
    /// Parses `x-amazon-apigateway-gateway-responses`.
    pub fn parse(value: Option<&serde_json::Value>) -> Result<GatewayResponses, (String, String)> {
        let mut out = GatewayResponses::default();
        let Some(value) = value else { return Ok(out) };
        let map = value
            .as_object()
            .ok_or_else(|| (String::new(), "must be an object".to_string()))?;
        for (name, spec) in map {
            let t = ResponseType::from_name(name)
                .ok_or_else(|| (name.clone(), format!("unknown gateway response type {name:?}")))?;
            let spec = spec
                .as_object()
                .ok_or_else(|| (name.clone(), "must be an object".to_string()))?;
            let mut custom = Custom::default();
            if let Some(s) = spec.get("statusCode") {
                let status = status_from_json(s)
                    .ok_or_else(|| (format!("{name}.statusCode"), format!("{s} is not a status code 100-599")))?;
                custom.status = Some(status);
            }
            if let Some(params) = spec.get("responseParameters") {
                let params = params.as_object().ok_or_else(|| {
                    (format!("{name}.responseParameters"), "must be an object".to_string())
                })?;
                for (target, src) in params {
                    let field = format!("{name}.responseParameters.{target}");
                    let header = target.strip_prefix("gatewayresponse.header.").ok_or_else(|| {
                        (field.clone(), "only gatewayresponse.header.<name> can be set".to_string())
                    })?;
                    let src = src
                        .as_str()
                        .ok_or_else(|| (field.clone(), "must be a string".to_string()))?;
                    let source = Source::parse(src, Side::GatewayResponse).map_err(|e| (field.clone(), e))?;
                    custom.parameters.push((header.to_string(), source));
                }
            }
            if let Some(templates) = spec.get("responseTemplates") {
                let templates = templates.as_object().ok_or_else(|| {
                    (format!("{name}.responseTemplates"), "must be an object".to_string())
                })?;
                for (ct, body) in templates {
                    let body = body.as_str().ok_or_else(|| {
                        (format!("{name}.responseTemplates.{ct}"), "must be a string".to_string())
                    })?;
                    custom.templates.push((ct.clone(), body.to_string()));
                }
            }
            out.custom.insert(t, custom);
        }
        Ok(out)
    }

    /// Whether nothing is customised.
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty()
    }

    /// Whether `t` answers with AWS's defaults here (nothing customised for it or its family), so
    /// the request's details are not needed to build it.
    pub fn is_default(&self, t: ResponseType) -> bool {
        !self.custom.contains_key(&t) && !self.custom.contains_key(&t.family())
    }

    /// Whether a customised response reads the request's time or the caller's identity (which the
    /// adapter then reads for every request, since any request may end in a gateway response).
    pub fn uses_details(&self) -> bool {
        self.custom.values().any(|c| {
            c.templates.iter().any(|(_, t)| t.contains("context.identity") || t.contains("context.requestTime"))
                || c.parameters.iter().any(|(_, src)| {
                    matches!(src, Source::Context(n) if n.starts_with("identity") || n.starts_with("requestTime"))
                })
        })
    }

    /// Builds the response of type `t` carrying `message`.
    pub fn render(&self, t: ResponseType, message: &str, ctx: &ErrorContext) -> crate::http::Response {
        self.render_with_status(t, None, message, ctx)
    }

    /// Like [`render`](Self::render), for answers whose AWS status differs from the type's default
    /// (a malformed Lambda answer is a 502 of the 5XX family); a customised status still wins.
    pub fn render_with_status(
        &self,
        t: ResponseType,
        status: Option<u16>,
        message: &str,
        ctx: &ErrorContext,
    ) -> crate::http::Response {
        let own = self.custom.get(&t);
        let family = self.custom.get(&t.family());
        // A type customised on its own keeps its values; otherwise the family default applies.
        let status = own
            .and_then(|c| c.status)
            .or_else(|| own.is_none().then(|| family.and_then(|c| c.status)).flatten())
            .or(status)
            .unwrap_or_else(|| t.default_status());
        let source = own.or(family);
        let (content_type, template) = source
            .and_then(|c| pick_template(&c.templates, ctx.headers))
            .unwrap_or(("application/json", default_template(t)));
        let error_string = serde_json::Value::String(message.to_string()).to_string();
        let body = substitute(template, &|name| lookup(name, t, message, &error_string, ctx));
        let mut headers = vec![
            ("content-type".to_string(), content_type.to_string()),
            ("x-amzn-ErrorType".to_string(), t.error_type().to_string()),
        ];
        if let Some(c) = ctx.context {
            headers.push(("x-amzn-RequestId".to_string(), c.request_id.clone()));
        }
        if let Some(c) = source {
            for (name, src) in &c.parameters {
                if let Some(v) = resolve(src, ctx) {
                    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                    headers.push((name.clone(), v));
                }
            }
        }
        crate::http::Response {
            status,
            headers,
            body: body.into_bytes(),
        }
    }
}

fn status_from_json(v: &serde_json::Value) -> Option<u16> {
    let n = match v {
        serde_json::Value::String(s) => s.trim().parse::<u16>().ok()?,
        serde_json::Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
        _ => return None,
    };
    (100..=599).contains(&n).then_some(n)
}

/// The template for the request's Accept (exact type), else application/json, else the first.
fn pick_template<'t>(templates: &'t [(String, String)], headers: &[(String, String)]) -> Option<(&'t str, &'t str)> {
    let accept = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
        .map(|(_, v)| v.as_str());
    let by = |ct: &str| templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(ct));
    let chosen = accept
        .and_then(|a| {
            a.split(',')
                .filter_map(|e| e.split(';').next())
                .find_map(|e| by(e.trim()))
        })
        .or_else(|| by("application/json"))
        .or_else(|| templates.first())?;
    Some((chosen.0.as_str(), chosen.1.as_str()))
}

/// A `gatewayresponse.header.*` value, by [`crate::resolver`]'s rules (a repeated header or query
/// key gives its last value, the multi-valued sources every value joined with `,`).
fn resolve(src: &Source, ctx: &ErrorContext) -> Option<String> {
    crate::resolver::value(
        src,
        &crate::resolver::Sources {
            context: ctx.context,
            stage_variables: ctx.stage_variables,
            path_params: ctx.path_params,
            query: ctx.query,
            headers: ctx.headers,
            ..Default::default()
        },
    )
}

fn lookup(name: &str, t: ResponseType, message: &str, error_string: &str, ctx: &ErrorContext) -> String {
    if let Some(key) = name.strip_prefix("context.") {
        return match key {
            "error.message" => message.to_string(),
            "error.messageString" => error_string.to_string(),
            "error.responseType" => t.name().to_string(),
            "error.validationErrorString" => ctx.validation_error_string.to_string(),
            _ => ctx.context.and_then(|c| c.lookup(key)).unwrap_or_default(),
        };
    }
    if let Some(key) = name.strip_prefix("stageVariables.") {
        return ctx
            .stage_variables
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    }
    String::new()
}

/// Replaces `$root.a.b` / `${root.a.b}` for the roots `context` and `stageVariables`; anything else
/// (directives, method calls, other `$` text) is copied as written. A reference followed by `(` is
/// a method call, which is not substituted.
pub fn substitute(template: &str, lookup: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len().saturating_add(32));
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        let (before, from_dollar) = rest.split_at(pos);
        out.push_str(before);
        let after = from_dollar.get(1..).unwrap_or("");
        let (braced, body) = match after.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let len = reference_len(body);
        let name = body.get(..len).unwrap_or("");
        let known = name.starts_with("context.") || name.starts_with("stageVariables.");
        let tail = body.get(len..).unwrap_or("");
        let consumed = if braced {
            tail.strip_prefix('}').map(|t| (name, t))
        } else if tail.starts_with('(') {
            None
        } else {
            Some((name, tail))
        };
        match consumed {
            Some((name, tail)) if known => {
                out.push_str(&lookup(name));
                rest = tail;
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Length of a dotted identifier path at the start of `s` (`a.b_c.d`), not ending in a dot.
fn reference_len(s: &str) -> usize {
    let mut end = 0;
    let mut last_good = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            end = i + c.len_utf8();
            last_good = end;
        } else if c == '.' && end == i && i > 0 {
            end = i + 1;
        } else {
            break;
        }
    }
    last_good
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::RequestContext;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ctx() -> RequestContext {
        RequestContext {
            request_id: "rid-1".into(),
            stage: "prod".into(),
            ..Default::default()
        }
    }

    fn render(gr: &GatewayResponses, t: ResponseType, msg: &str) -> crate::http::Response {
        let c = ctx();
        let sv = vec![("v".to_string(), "stagevalue".to_string())];
        let e = ErrorContext {
            context: Some(&c),
            stage_variables: &sv,
            ..Default::default()
        };
        gr.render(t, msg, &e)
    }

    // 403 {"message":"Missing Authentication Token"} with its error type (README: "Behaviour",
    // Routing).
    #[test]
    fn default_missing_token() {
        let r = render(&GatewayResponses::default(), MissingAuthenticationToken, "Missing Authentication Token");
        assert_eq!(r.status, 403);
        assert_eq!(r.body, br#"{"message":"Missing Authentication Token"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("MissingAuthenticationTokenException"));
        assert_eq!(r.header("x-amzn-RequestId"), Some("rid-1"));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }

    // 5xx bodies carry a space: Content-Length 36 was recorded for the 502.
    #[test]
    fn default_5xx_body_has_a_space() {
        let r = render(&GatewayResponses::default(), ApiConfigurationError, "Internal server error");
        assert_eq!(r.status, 500);
        assert_eq!(r.body.len(), 36);
        assert_eq!(r.body, br#"{"message": "Internal server error"}"#);
    }

    // The request validator's 400s carry the space too (access-control notes §6, README: "Request
    // validation"); other 4xx bodies do not.
    #[test]
    fn default_validation_bodies_have_a_space() {
        let r = render(&GatewayResponses::default(), BadRequestParameters, "Missing required request parameters: [h, q]");
        assert_eq!((r.status, r.header("x-amzn-ErrorType")), (400, Some("BadRequestException")));
        assert_eq!(r.body, br#"{"message": "Missing required request parameters: [h, q]"}"#);
        let r = render(&GatewayResponses::default(), BadRequestBody, "Invalid request body");
        assert_eq!(r.body, br#"{"message": "Invalid request body"}"#);
        let r = render(&GatewayResponses::default(), Default4xx, "Bad request");
        assert_eq!(r.body, br#"{"message":"Bad request"}"#);
    }

    #[test]
    fn every_default_status() {
        let want = [
            (AccessDenied, 403), (ExpiredToken, 403), (InvalidApiKey, 403), (InvalidSignature, 403),
            (MissingAuthenticationToken, 403), (WafFiltered, 403), (ApiConfigurationError, 500),
            (AuthorizerConfigurationError, 500), (AuthorizerFailure, 500), (BadRequestBody, 400),
            (BadRequestParameters, 400), (IntegrationFailure, 504), (IntegrationTimeout, 504),
            (QuotaExceeded, 429), (Throttled, 429), (RequestTooLarge, 413), (ResourceNotFound, 404),
            (Unauthorized, 401), (UnsupportedMediaType, 415),
        ];
        for (t, s) in want {
            assert_eq!(render(&GatewayResponses::default(), t, "m").status, s, "{}", t.name());
        }
    }

    // DEFAULT_4XX customisation reaches every 4xx type still at its default; a type customised on its
    // own keeps its values; one customised without a status keeps its default status.
    #[test]
    fn inheritance() {
        let def = serde_json::json!({
            "DEFAULT_4XX": {"statusCode": "418", "responseParameters": {"gatewayresponse.header.x-family": "'4xx'"},
                            "responseTemplates": {"application/json": "{\"family\":$context.error.messageString}"}},
            "UNAUTHORIZED": {"responseTemplates": {"application/json": "{\"own\":\"$context.error.responseType\"}"}}
        });
        let gr = GatewayResponses::parse(Some(&def)).unwrap();
        let r = render(&gr, MissingAuthenticationToken, "Missing Authentication Token");
        assert_eq!(r.status, 418);
        assert_eq!(r.header("x-family"), Some("4xx"));
        assert_eq!(r.body, br#"{"family":"Missing Authentication Token"}"#);
        let r = render(&gr, Unauthorized, "Unauthorized");
        assert_eq!(r.status, 401);
        assert_eq!(r.header("x-family"), None);
        assert_eq!(r.body, br#"{"own":"UNAUTHORIZED"}"#);
        // 5xx untouched.
        assert_eq!(render(&gr, IntegrationTimeout, "Endpoint request timed out").status, 504);
    }

    // AWS's own example template; directives and method calls are copied as written.
    #[test]
    fn substitution_only() {
        let def = serde_json::json!({"INTEGRATION_TIMEOUT": {"statusCode": "599",
            "responseParameters": {"gatewayresponse.header.x-stage": "context.stage", "gatewayresponse.header.x-sv": "stageVariables.v"},
            "responseTemplates": {"application/json":
            "{ \"message\": $context.error.messageString, \"type\":$context.error.responseType, \"statusCode\": '488', \"sv\": \"${stageVariables.v}\", \"x\": \"$context.nope\" } #if($a) $util.escapeJavaScript($b) $ $5"}}});
        let gr = GatewayResponses::parse(Some(&def)).unwrap();
        let r = render(&gr, IntegrationTimeout, "Endpoint request timed out");
        assert_eq!(r.status, 599);
        assert_eq!(r.header("x-stage"), Some("prod"));
        assert_eq!(r.header("x-sv"), Some("stagevalue"));
        assert_eq!(
            String::from_utf8(r.body).unwrap(),
            "{ \"message\": \"Endpoint request timed out\", \"type\":INTEGRATION_TIMEOUT, \"statusCode\": '488', \"sv\": \"stagevalue\", \"x\": \"\" } #if($a) $util.escapeJavaScript($b) $ $5"
        );
    }

    // src/resolver.rs's rule, as in an integration request: a repeated header or query key gives
    // its last value; the multi-valued sources every value joined with ",".
    #[test]
    fn repeated_header_gives_its_last_value() {
        let def = serde_json::json!({"MISSING_AUTHENTICATION_TOKEN": {"responseParameters": {
            "gatewayresponse.header.x-one": "method.request.header.X-Rep",
            "gatewayresponse.header.x-all": "method.request.multivalueheader.x-rep",
            "gatewayresponse.header.x-q": "method.request.querystring.q"}}});
        let gr = GatewayResponses::parse(Some(&def)).unwrap();
        let c = ctx();
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let headers = pairs(&[("x-rep", "first"), ("x-rep", "second")]);
        let query = pairs(&[("q", "1"), ("q", "2")]);
        let e = ErrorContext { context: Some(&c), headers: &headers, query: &query, ..Default::default() };
        let r = gr.render(MissingAuthenticationToken, "Missing Authentication Token", &e);
        assert_eq!(r.header("x-one"), Some("second"));
        assert_eq!(r.header("x-all"), Some("first,second"));
        assert_eq!(r.header("x-q"), Some("2"));
    }

    #[test]
    fn bad_definitions_are_refused() {
        for bad in [
            serde_json::json!({"NOPE": {}}),
            serde_json::json!({"DEFAULT_4XX": {"statusCode": "99"}}),
            serde_json::json!({"DEFAULT_4XX": {"responseParameters": {"method.response.header.x": "'a'"}}}),
            serde_json::json!({"DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.x": "method.request.body"}}}),
            serde_json::json!([]),
        ] {
            assert!(GatewayResponses::parse(Some(&bad)).is_err(), "{bad}");
        }
    }
}
