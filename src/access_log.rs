//! Access logs in the stage's own format (README: "Access logs"; observability.md §2).
//!
//! A stage's `accessLogSettings.format` is text with `$context` variables only. It is compiled
//! once, at configure time, into [`Segment`]s: literal text, a fact of the one table of `$context`
//! facts ([`crate::context`]: the same values templates and events see), or one of the variables
//! only access logs have ([`LogVar`]: the status, the lengths and latencies, the integration's and
//! the authorizer's outcome, the gateway response's error). A request renders its line from its
//! [`RequestContext`] and its [`LogFacts`]; the adapter hands the line to Envoy's access loggers.
//!
//! A variable without a value prints `-`, as AWS prints it. Values are inserted as they are, except
//! that `"` and `\` are escaped with a backslash and control characters are written `\u00XX`, so
//! that a line stays one line and a JSON format stays JSON (our choice: README, "Access logs").

use crate::context::{Fact, FactValue, IdentityFact, Reads, RequestContext, IDENTITY_EVENT_ORDER_WITH_KEY};

/// The property the adapter sets to the rendered line at the request's end (`on_log`, which Envoy
/// 1.40 runs before the HCM's access loggers). Envoy keeps it in the request's filter state as
/// [`FILTER_STATE_KEY`], which an access log format prints with
/// `%FILTER_STATE(wasm.apigateway.access_log:PLAIN)%` (README: "Access logs").
pub const PROPERTY: &str = "apigateway.access_log";
pub const FILTER_STATE_KEY: &str = "wasm.apigateway.access_log";

/// The console's presets, by name (README: "Access logs"). A format that is exactly one of these
/// names stands for its text.
pub const PRESETS: [(&str, &str); 4] = [
    ("CLF", "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \
             \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status \
             $context.responseLength $context.requestId"),
    ("JSON", JSON_PRESET),
    ("XML", "<request id=\"$context.requestId\"> <ip>$context.identity.sourceIp</ip> \
             <caller>$context.identity.caller</caller> <user>$context.identity.user</user> \
             <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> \
             <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> \
             <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> \
             </request>"),
    ("CSV", "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,\
             $context.httpMethod,$context.resourcePath,$context.protocol,$context.status,\
             $context.responseLength,$context.requestId"),
];

/// The console's JSON preset: `make run`'s default format.
pub const JSON_PRESET: &str = "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \
    \"caller\":\"$context.identity.caller\", \"user\":\"$context.identity.user\",\
    \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\", \
    \"resourcePath\":\"$context.resourcePath\", \"status\":\"$context.status\",\
    \"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\" }";

/// The variables only access logs have: what happened to the request, known at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogVar {
    /// `status`: the status the client got.
    Status,
    /// `responseLength`: the response body's length in bytes.
    ResponseLength,
    /// `responseLatency`: ms from the request's head to the end of the answer.
    ResponseLatency,
    /// `integrationLatency`, `integration.latency`: ms of the backend call.
    IntegrationLatency,
    /// `integration.status`: the backend's status; for AWS_PROXY the function's `statusCode`.
    IntegrationStatus,
    /// `integrationStatus`, `integration.integrationStatus`: for AWS_PROXY the Lambda service's
    /// status (the Invoke API's), else the backend's.
    IntegrationServiceStatus,
    /// `integration.error`: why the integration failed.
    IntegrationError,
    /// `integration.requestId`: the AWS endpoint's request id (Lambda, AWS services).
    IntegrationRequestId,
    /// `authorizer.latency`: ms of the authorizer step.
    AuthorizerLatency,
    /// `authorizer.status`: the authorizer step's outcome as a status.
    AuthorizerStatus,
    /// `authorizer.error`: why the authorizer refused.
    AuthorizerError,
    /// `error.message`: the gateway response's message.
    ErrorMessage,
    /// `error.messageString`: the same, quoted.
    ErrorMessageString,
    /// `error.responseType`: the gateway response's type (`MISSING_AUTHENTICATION_TOKEN`).
    ErrorResponseType,
    /// A variable AWS knows that has no value here (`waf*`, `xrayTraceId`...): always `-`.
    Unset,
}

const LOG_VARS: &[(&str, LogVar)] = &[
    ("status", LogVar::Status),
    ("responseLength", LogVar::ResponseLength),
    ("responseLatency", LogVar::ResponseLatency),
    ("integrationLatency", LogVar::IntegrationLatency),
    ("integration.latency", LogVar::IntegrationLatency),
    ("integration.status", LogVar::IntegrationStatus),
    ("integrationStatus", LogVar::IntegrationServiceStatus),
    ("integration.integrationStatus", LogVar::IntegrationServiceStatus),
    ("integration.error", LogVar::IntegrationError),
    ("integrationErrorMessage", LogVar::IntegrationError),
    ("integration.requestId", LogVar::IntegrationRequestId),
    ("awsEndpointRequestId", LogVar::IntegrationRequestId),
    ("authorizer.latency", LogVar::AuthorizerLatency),
    ("authorizer.status", LogVar::AuthorizerStatus),
    ("authorizer.error", LogVar::AuthorizerError),
    ("authorize.latency", LogVar::AuthorizerLatency),
    ("authorize.status", LogVar::AuthorizerStatus),
    ("authorize.error", LogVar::AuthorizerError),
    ("error.message", LogVar::ErrorMessage),
    ("error.messageString", LogVar::ErrorMessageString),
    ("error.responseType", LogVar::ErrorResponseType),
    // AWS's, without a value in this gateway (no WAF, X-Ray, canary, custom domain, mTLS).
    ("waf.error", LogVar::Unset),
    ("waf.latency", LogVar::Unset),
    ("waf.status", LogVar::Unset),
    ("wafResponseCode", LogVar::Unset),
    ("webaclArn", LogVar::Unset),
    ("xrayTraceId", LogVar::Unset),
    ("isCanaryRequest", LogVar::Unset),
    ("customDomain.basePathMatched", LogVar::Unset),
    ("authenticate.error", LogVar::Unset),
    ("authenticate.latency", LogVar::Unset),
    ("authenticate.status", LogVar::Unset),
    ("error.validationErrorString", LogVar::Unset),
    ("identity.clientCert.clientCertPem", LogVar::Unset),
    ("identity.clientCert.subjectDN", LogVar::Unset),
    ("identity.clientCert.issuerDN", LogVar::Unset),
    ("identity.clientCert.serialNumber", LogVar::Unset),
    ("identity.clientCert.validity.notBefore", LogVar::Unset),
    ("identity.clientCert.validity.notAfter", LogVar::Unset),
    ("identity.vpceId", LogVar::Unset),
    ("identity.vpcId", LogVar::Unset),
];

/// One piece of a compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// A top-level `$context` fact of the table ([`crate::context::TEMPLATE_ORDER`]).
    Fact(&'static str),
    /// `$context.identity.<key>`.
    Identity(&'static str),
    /// `$context.authorizer.<key>` (`principalId`, `integrationLatency`, a context key,
    /// `claims.<name>`): the name as [`RequestContext::lookup`] takes it.
    Authorizer(String),
    Log(LogVar),
}

/// A stage's access log format, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogFormat {
    pub segments: Vec<Segment>,
    /// What the adapter must read from the host for the `$context` facts the format names.
    pub reads: Reads,
    /// Whether the format names `responseLength` (a host read at the request's end).
    pub needs_length: bool,
    /// Whether the format names a latency (clock reads during the request).
    pub needs_timing: bool,
}

/// What only the end of a request knows, for its access log line. `None` prints `-`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFacts {
    pub status: Option<u16>,
    pub response_length: Option<u64>,
    pub response_latency_ms: Option<u64>,
    pub integration_latency_ms: Option<u64>,
    pub integration_status: Option<u16>,
    pub integration_service_status: Option<u16>,
    pub integration_error: Option<String>,
    pub integration_request_id: Option<String>,
    pub authorizer_latency_ms: Option<u64>,
    pub authorizer_status: Option<u16>,
    pub authorizer_error: Option<String>,
    /// The gateway response's type name and message, when the gateway answered with one.
    pub error: Option<(&'static str, String)>,
}

/// The characters a `$context` variable name is made of (AWS's names: letters, digits, dots).
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-'
}

/// What a variable name (after `$context.`) stands for; `None`: AWS has no such variable.
fn resolve(name: &str) -> Option<Segment> {
    if let Some((_, var)) = LOG_VARS.iter().find(|(n, _)| *n == name) {
        return Some(Segment::Log(*var));
    }
    if let Some(key) = name.strip_prefix("identity.") {
        let fact: &IdentityFact = IDENTITY_EVENT_ORDER_WITH_KEY.iter().find(|f| f.key == key)?;
        return Some(Segment::Identity(fact.key));
    }
    if let Some(key) = name.strip_prefix("authorizer.") {
        let valid = !key.is_empty() && key != "claims" && !key.ends_with('.');
        return valid.then(|| Segment::Authorizer(name.to_string()));
    }
    let fact = Fact::named(name)?;
    match (fact.value)(&RequestContext::default()) {
        FactValue::Text(_) | FactValue::Number(_) => Some(Segment::Fact(fact.key)),
        FactValue::Identity | FactValue::Authorizer(_) | FactValue::Overrides(_) => None,
    }
}

impl AccessLogFormat {
    /// Compiles a format (or a preset's name). `Err` says what is wrong: no `$context.requestId`
    /// or `$context.extendedRequestId` (AWS refuses such a format), a line break, a variable
    /// AWS does not have, or a `$` that starts no `$context` variable.
    pub fn compile(text: &str) -> Result<AccessLogFormat, String> {
        let text = PRESETS.iter().find(|(name, _)| *name == text).map_or(text, |(_, preset)| preset);
        if text.contains(['\n', '\r']) {
            return Err("must be one line (an access log line per request)".into());
        }
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            let (before, from) = rest.split_at(at);
            literal.push_str(before);
            let Some(after) = from.strip_prefix("$context.") else {
                return Err(format!("{:?} is not a $context variable: a format holds $context variables only",
                    from.chars().take(24).collect::<String>()));
            };
            let len = after.find(|c: char| !name_char(c)).unwrap_or(after.len());
            let (raw, tail) = after.split_at(len);
            // A sentence's full stop after a variable is text: `$context.status.`
            let name = raw.trim_end_matches('.');
            let Some(segment) = resolve(name) else {
                return Err(format!("$context.{name} is not a variable of access logs"));
            };
            if !literal.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut literal)));
            }
            segments.push(segment);
            literal.push_str(raw.get(name.len()..).unwrap_or(""));
            rest = tail;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        let names_id = segments.iter().any(|s| matches!(s, Segment::Fact("requestId" | "extendedRequestId")));
        if !names_id {
            return Err("must contain $context.requestId or $context.extendedRequestId (AWS requires one)".into());
        }
        let mut reads = Reads::default();
        for s in &segments {
            match s {
                Segment::Fact(key) => reads = reads.union(Fact::named(key).map_or(Reads::default(), |f| f.reads)),
                Segment::Identity(_) => reads = reads.union(Reads::of_source("identity.sourceIp")),
                _ => {}
            }
        }
        let needs_length = segments.contains(&Segment::Log(LogVar::ResponseLength));
        let needs_timing = segments.iter().any(|s| {
            matches!(s, Segment::Log(LogVar::ResponseLatency | LogVar::IntegrationLatency | LogVar::AuthorizerLatency))
        });
        Ok(AccessLogFormat { segments, reads, needs_length, needs_timing })
    }

    /// One request's line (without the line break).
    pub fn render(&self, context: &RequestContext, facts: &LogFacts) -> String {
        let mut out = String::with_capacity(256);
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Fact(key) => match Fact::named(key).map(|f| (f.value)(context)) {
                    Some(FactValue::Text(v)) => push_value(&mut out, Some(v)),
                    Some(FactValue::Number(n)) if n > 0 => push_number(&mut out, Some(n)),
                    _ => out.push('-'),
                },
                Segment::Identity(key) => {
                    let fact = IDENTITY_EVENT_ORDER_WITH_KEY.iter().find(|f| f.key == *key);
                    push_value(&mut out, fact.and_then(|f| (f.value)(context)));
                }
                Segment::Authorizer(name) => push_value(&mut out, context.lookup(name).as_deref()),
                Segment::Log(var) => push_log_var(&mut out, *var, facts),
            }
        }
        out
    }
}

fn push_log_var(out: &mut String, var: LogVar, f: &LogFacts) {
    let status = |s: Option<u16>| s.map(u64::from);
    match var {
        LogVar::Status => push_number(out, status(f.status)),
        LogVar::ResponseLength => push_number(out, f.response_length),
        LogVar::ResponseLatency => push_number(out, f.response_latency_ms),
        LogVar::IntegrationLatency => push_number(out, f.integration_latency_ms),
        LogVar::IntegrationStatus => push_number(out, status(f.integration_status)),
        LogVar::IntegrationServiceStatus => push_number(out, status(f.integration_service_status)),
        LogVar::IntegrationError => push_value(out, f.integration_error.as_deref()),
        LogVar::IntegrationRequestId => push_value(out, f.integration_request_id.as_deref()),
        LogVar::AuthorizerLatency => push_number(out, f.authorizer_latency_ms),
        LogVar::AuthorizerStatus => push_number(out, status(f.authorizer_status)),
        LogVar::AuthorizerError => push_value(out, f.authorizer_error.as_deref()),
        LogVar::ErrorMessage => push_value(out, f.error.as_ref().map(|(_, m)| m.as_str())),
        LogVar::ErrorMessageString => match &f.error {
            Some((_, m)) => {
                out.push_str("\\\"");
                push_value(out, Some(m));
                out.push_str("\\\"");
            }
            None => out.push('-'),
        },
        LogVar::ErrorResponseType => push_value(out, f.error.as_ref().map(|(t, _)| *t)),
        LogVar::Unset => out.push('-'),
    }
}

fn push_number(out: &mut String, n: Option<u64>) {
    match n {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push('-'),
    }
}

/// A value as it stands in a line: `-` when absent or empty; `"` and `\` escaped with a
/// backslash, control characters as `\u00XX` (one line per request, valid inside a JSON string).
fn push_value(out: &mut String, value: Option<&str>) {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        out.push('-');
        return;
    };
    for c in v.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() && u32::from(c) < 0x80 => {
                out.push_str("\\u00");
                let b = u32::from(c);
                out.push(char::from_digit(b >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(b & 0xf, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
}

/// One request's access log, from its head to its line (the adapter's `on_log`). The adapter
/// tells it what happened; it keeps only what the format can print. Times are a monotonic clock's
/// nanoseconds, read by the adapter only when [`AccessLogFormat::needs_timing`] says so.
#[derive(Debug, Default)]
pub struct Record {
    pub context: RequestContext,
    pub facts: LogFacts,
    started_ns: Option<u64>,
    /// The body of the gateway's own reply: its length is `responseLength` without a host read.
    reply_length: Option<u64>,
    integration_sent_ns: Option<u64>,
    authorizer_sent_ns: Option<u64>,
}

fn ms_since(from: Option<u64>, now_ns: Option<u64>) -> Option<u64> {
    Some(now_ns?.saturating_sub(from?) / 1_000_000)
}

impl Record {
    /// A request arrived at `now_ns` (when timed).
    pub fn begin(now_ns: Option<u64>) -> Record {
        Record { started_ns: now_ns, ..Record::default() }
    }

    /// The request's facts as far as they are known (its deployment, its route, its caller).
    pub fn set_context(&mut self, context: RequestContext) {
        self.context = context;
    }

    /// The Lambda authorizer's call left.
    pub fn authorizer_sent(&mut self, now_ns: Option<u64>) {
        self.authorizer_sent_ns = now_ns;
    }

    /// The authorizer step's outcome: admitted (its facts' latency when the call was not timed:
    /// a cached answer's 0), or refused with this gateway response.
    pub fn authorized(&mut self, now_ns: Option<u64>, refused: Option<&crate::gateway::Reply>, cached_ms: u64) {
        let timed = ms_since(self.authorizer_sent_ns.take(), now_ns);
        self.facts.authorizer_latency_ms = timed.or(Some(cached_ms));
        match refused {
            None => self.facts.authorizer_status = Some(200),
            Some(reply) => {
                self.facts.authorizer_status = Some(reply.response.status);
                self.facts.authorizer_error = reply.error.as_ref().map(|(_, m)| m.clone());
            }
        }
    }

    /// The integration's request left (a callout sent, or the head handed to Envoy's router).
    pub fn integration_sent(&mut self, now_ns: Option<u64>) {
        self.integration_sent_ns = now_ns;
    }

    /// The integration's answer arrived: its latency, status and AWS request id. `status` 0: the
    /// call failed without an answer. For AWS_PROXY (`lambda_proxy`) the Invoke API's status is
    /// `integrationStatus` and the function's (`reply`'s, unless the gateway answered with an
    /// error) is `integration.status`; otherwise both are the backend's. An answer that became a
    /// gateway response gives `integration.error` (the reason the gateway logs).
    pub fn integration_answered(&mut self, now_ns: Option<u64>, status: u16, headers: &[(String, String)],
                                lambda_proxy: bool, reply: &crate::gateway::Reply) {
        let f = &mut self.facts;
        f.integration_latency_ms = ms_since(self.integration_sent_ns.take(), now_ns);
        let answered = (status != 0).then_some(status);
        f.integration_service_status = answered;
        f.integration_status = match (lambda_proxy, &reply.error) {
            (false, _) => answered,
            (true, None) => Some(reply.response.status),
            (true, Some(_)) => None,
        };
        if reply.error.is_some() {
            f.integration_error.clone_from(&reply.log);
        }
        f.integration_request_id = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-requestid"))
            .map(|(_, v)| v.clone());
    }

    /// A proxied (HTTP_PROXY) answer's head arrived; `envoy_error`: Envoy answered itself (the
    /// reason the gateway logs), which is no status of the backend's.
    pub fn proxy_answered(&mut self, now_ns: Option<u64>, status: Option<u16>, envoy_error: Option<&str>) {
        let f = &mut self.facts;
        f.integration_latency_ms = ms_since(self.integration_sent_ns.take(), now_ns);
        if let Some(e) = envoy_error {
            f.integration_error = Some(e.to_string());
        } else {
            f.integration_status = status;
            f.integration_service_status = status;
        }
    }

    /// The gateway answered itself: a gateway response's type and message, and the body's
    /// length (Envoy sends a local reply's body as it is given, but none to a HEAD request).
    pub fn replied(&mut self, reply: &crate::gateway::Reply) {
        if self.context.http_method != "HEAD" {
            self.reply_length = u64::try_from(reply.response.body.len()).ok();
        }
        if reply.error.is_some() {
            self.facts.error.clone_from(&reply.error);
        }
    }

    /// Whether `responseLength` must be read from the host (the answer was not the gateway's own).
    pub fn needs_length(&self, format: &AccessLogFormat) -> bool {
        format.needs_length && self.reply_length.is_none()
    }

    /// The request is over: its line. `status` is what the client got; `length` the body's bytes
    /// as the host counted them ([`needs_length`](Self::needs_length)).
    pub fn line(&mut self, format: &AccessLogFormat, now_ns: Option<u64>, status: Option<u16>,
                length: Option<u64>) -> String {
        self.facts.status = status;
        self.facts.response_length = length.or(self.reply_length);
        self.facts.response_latency_ms = ms_since(self.started_ns, now_ns);
        format.render(&self.context, &self.facts)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::context::{AuthorizerFacts, IamIdentity};

    fn context() -> RequestContext {
        RequestContext {
            request_id: "c0ffee00-0000-4000-8000-000000000001".into(),
            extended_request_id: "F3mG2EhRvHcEK7w=".into(),
            http_method: "GET".into(),
            resource_path: "/pets/{id}".into(),
            protocol: "HTTP/1.1".into(),
            request_time: "05/Dec/2026:07:30:00 +0000".into(),
            request_time_epoch: 1_796_455_800_000,
            source_ip: "203.0.113.7".into(),
            stage: "prod".into(),
            ..RequestContext::default()
        }
    }

    // AWS's CLF preset, for an unauthenticated caller: null identity fields print `-`.
    #[test]
    fn clf_preset_line() {
        let f = AccessLogFormat::compile("CLF").unwrap_or_else(|e| panic!("{e}"));
        let facts = LogFacts { status: Some(200), response_length: Some(17), ..LogFacts::default() };
        assert_eq!(f.render(&context(), &facts),
            "203.0.113.7 - - [05/Dec/2026:07:30:00 +0000] \"GET /pets/{id} HTTP/1.1\" 200 17 c0ffee00-0000-4000-8000-000000000001");
        assert_eq!(f.reads, Reads { headers: true, clock: true, peer: true });
        assert!(f.needs_length && !f.needs_timing);
    }

    #[test]
    fn json_preset_line() {
        let f = AccessLogFormat::compile(JSON_PRESET).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(AccessLogFormat::compile("JSON"), Ok(f.clone()));
        let line = f.render(&context(), &LogFacts { status: Some(403), response_length: Some(42), ..LogFacts::default() });
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["status"], "403");
        assert_eq!(v["caller"], "-");
        assert_eq!(v["responseLength"], "42");
        assert_eq!(v["resourcePath"], "/pets/{id}");
    }

    // The access-log-only variables, the table's facts, identity and authorizer lookups; `-` for
    // what has no value; a full stop after a variable stays text.
    #[test]
    fn every_kind_of_variable() {
        let f = AccessLogFormat::compile(
            "$context.requestId $context.status $context.responseLatency $context.integration.latency \
             $context.integrationLatency $context.integration.status $context.integrationStatus \
             $context.integration.error $context.integration.requestId $context.authorizer.latency \
             $context.authorizer.status $context.authorizer.error $context.authorizer.principalId \
             $context.authorizer.role $context.error.message $context.error.responseType \
             $context.identity.userArn $context.identity.userAgent $context.requestTimeEpoch \
             $context.wafResponseCode $context.error.messageString $context.stage.",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut c = context();
        c.authorizer = Some(AuthorizerFacts {
            principal_id: "alice".into(),
            context: vec![("role".into(), "say \"hi\"\n".into())],
            ..AuthorizerFacts::default()
        });
        c.iam = Some(IamIdentity { user_arn: "arn:aws:iam::1:user/a".into(), ..IamIdentity::default() });
        let facts = LogFacts {
            status: Some(502),
            response_latency_ms: Some(31),
            integration_latency_ms: Some(12),
            integration_status: Some(500),
            integration_service_status: Some(200),
            integration_error: Some("boom".into()),
            integration_request_id: Some("lambda-rid".into()),
            authorizer_latency_ms: Some(3),
            authorizer_status: Some(200),
            error: Some(("DEFAULT_5XX", "Internal server error".into())),
            ..LogFacts::default()
        };
        assert_eq!(f.render(&c, &facts),
            "c0ffee00-0000-4000-8000-000000000001 502 31 12 12 500 200 boom lambda-rid 3 200 - alice \
             say \\\"hi\\\"\\u000a Internal server error DEFAULT_5XX arn:aws:iam::1:user/a - 1796455800000 - \
             \\\"Internal server error\\\" prod.");
        assert!(f.needs_timing && !f.needs_length);
        let none = f.render(&RequestContext::default(), &LogFacts::default());
        assert_eq!(none, "- - - - - - - - - - - - - - - - - - - - - -.");
    }

    // What the adapter reports becomes the access-log-only variables: AWS_PROXY's two statuses,
    // the AWS request id, an integration's failure, the latencies in whole ms, the gateway
    // response's type and message, the authorizer's outcome.
    #[test]
    fn record_of_a_request() {
        use crate::gateway::Reply;
        use crate::http::Response;
        const MS: u64 = 1_000_000;
        let f = AccessLogFormat::compile(
            "$context.requestId $context.status $context.responseLength $context.responseLatency \
             $context.integration.status $context.integrationStatus $context.integration.latency \
             $context.integration.requestId $context.integration.error $context.error.responseType \
             $context.authorizer.status $context.authorizer.latency $context.authorizer.error",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ok = Reply { response: Response { status: 201, headers: Vec::new(), body: Vec::new() }, log: None, error: None };
        let mut r = Record::begin(Some(10 * MS));
        r.set_context(RequestContext { request_id: "rid".into(), ..RequestContext::default() });
        r.authorizer_sent(Some(11 * MS));
        r.authorized(Some(14 * MS + MS / 2), None, 0);
        r.integration_sent(Some(15 * MS));
        r.integration_answered(Some(22 * MS), 200, &[("x-amzn-RequestId".into(), "aws-id".into())], true, &ok);
        r.replied(&ok);
        assert_eq!(r.line(&f, Some(30 * MS), Some(201), Some(4)), "rid 201 4 20 201 200 7 aws-id - - 200 3 -");

        // A broken function answer: a gateway response, the function's status unknown.
        let broken = Reply { response: Response { status: 502, headers: Vec::new(), body: Vec::new() },
                             log: Some("GET /fn: malformed".into()), error: Some(("DEFAULT_5XX", "Internal server error".into())) };
        let mut r = Record::begin(None);
        r.set_context(RequestContext { request_id: "rid".into(), ..RequestContext::default() });
        r.authorized(None, Some(&Reply { response: Response { status: 401, headers: Vec::new(), body: Vec::new() },
                                         log: None, error: Some(("UNAUTHORIZED", "Unauthorized".into())) }), 0);
        r.integration_answered(None, 200, &[], true, &broken);
        r.replied(&broken);
        assert_eq!(r.line(&f, None, Some(502), None),
                   "rid 502 0 - - 200 - - GET /fn: malformed DEFAULT_5XX 401 0 Unauthorized");

        // HTTP_PROXY: Envoy answered itself (no backend status), or the backend did.
        let mut r = Record::begin(None);
        r.proxy_answered(None, Some(504), Some("the backend timed out"));
        assert_eq!((r.facts.integration_status, r.facts.integration_error.as_deref()), (None, Some("the backend timed out")));
        r.proxy_answered(None, Some(404), None);
        assert_eq!((r.facts.integration_status, r.facts.integration_service_status), (Some(404), Some(404)));
    }

    // AWS refuses a format without either id; a `$` must start a $context variable AWS knows;
    // one line only.
    #[test]
    fn refused_formats() {
        for (format, why) in [
            ("$context.status", "requestId"),
            ("", "requestId"),
            ("$context.requestId $input.body", "not a $context variable"),
            ("$context.requestId $context.nope", "$context.nope is not a variable"),
            ("$context.requestId $context.identity", "$context.identity is not"),
            ("$context.requestId $context.authorizer.claims", "not a variable"),
            ("$context.requestId $context.requestOverride", "not a variable"),
            ("$context.requestId\n$context.status", "one line"),
            ("$context.requestId $", "not a $context"),
        ] {
            let e = AccessLogFormat::compile(format).err().unwrap_or_default();
            assert!(e.contains(why), "{format:?}: {e}");
        }
        assert!(AccessLogFormat::compile("$context.extendedRequestId").is_ok());
        assert!(AccessLogFormat::compile("price: 5$context.requestId").is_ok());
    }
}
