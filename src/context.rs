//! `$context`: the per-request values API Gateway exposes to templates, events and gateway
//! responses, and the one table of facts ([`TEMPLATE_ORDER`], [`PROXY_EVENT_ORDER`] and their
//! identity counterparts) from which every view of them is derived: the template `$context` map ([`crate::template_env`]),
//! the payload 1.0 event's `requestContext` ([`crate::event::v1`]), the `context.*` mapping
//! sources and gateway-response variables ([`RequestContext::lookup`]), and what the adapter must
//! read from the host to fill them ([`Reads`]).
//!
//! Adding a field: a member of [`RequestContext`], filled in [`RequestContext::for_request`] (from
//! the request) or by the gateway (from the deployment or the route); a [`Fact`] constant; its place
//! in the two orders. The tests below check that the orders list every fact.

use crate::http::Request;

/// The values of `$context` (and of a proxy event's `requestContext`) for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    pub account_id: String,
    pub api_id: String,
    pub deployment_id: String,
    /// The `Host` the client called.
    pub domain_name: String,
    /// First label of the host.
    pub domain_prefix: String,
    pub extended_request_id: String,
    pub http_method: String,
    /// The path as the client sent it, stage prefix included when the deployment uses one.
    pub path: String,
    pub protocol: String,
    pub request_id: String,
    /// `dd/MMM/yyyy:HH:mm:ss +0000`
    pub request_time: String,
    pub request_time_epoch: u64,
    pub resource_id: String,
    /// The matched resource template, e.g. `/pets/{id}`.
    pub resource_path: String,
    pub stage: String,
    /// `identity.sourceIp`
    pub source_ip: String,
    /// `identity.userAgent`; `None` when the client sent no User-Agent.
    pub user_agent: Option<String>,
    /// `authorizer`: what a Lambda authorizer granted or a Cognito token's claims; `None` on
    /// methods without one (the key is then absent, as on AWS).
    pub authorizer: Option<AuthorizerFacts>,
    /// `identity.accessKey|accountId|caller|user|userArn`: the IAM caller whose signature the
    /// gateway verified (README: "IAM"); `None` (all null) for other callers.
    pub iam: Option<IamIdentity>,
    /// `identity.apiKey|apiKeyId`: the API key admitted on a key-required method (README: "API
    /// keys and usage plans"); `None` elsewhere, where the two keys are not in the identity map.
    pub api_key: Option<ApiKeyIdentity>,
}

/// The API key a key-required method admitted (README: "API keys and usage plans").
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiKeyIdentity {
    /// `$context.identity.apiKey`: the key as the caller presented it.
    pub key: String,
    /// `$context.identity.apiKeyId`.
    pub id: String,
}

impl std::fmt::Debug for ApiKeyIdentity {
    // Never the key itself, not even in a debug line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyIdentity").field("id", &self.id).finish()
    }
}

/// Who signed an IAM operation's request (README: "IAM").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IamIdentity {
    pub access_key: String,
    pub account_id: String,
    pub caller: String,
    pub user: String,
    pub user_arn: String,
}

/// What an authorizer passed on: a Lambda authorizer's principal, context and latency (README:
/// "Authorizers"), or a Cognito token's claims (README: "Cognito user pool authorizers").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerFacts {
    pub principal_id: String,
    /// The answer's `context`, every value a string, in the answer's order.
    pub context: Vec<(String, String)>,
    /// Milliseconds the authorizer call took (0 for a cached answer).
    pub integration_latency: u64,
    /// The answer's `usageIdentifierKey`: the API key of a key-required method when the API's key
    /// source is `AUTHORIZER` (README: "API keys and usage plans"). Not in `$context.authorizer`.
    pub usage_identifier_key: Option<String>,
    /// Cognito: the claims map, every value a string, in the token's order. `authorizer` is then
    /// `{"claims": {...}}` and nothing else (AWS capture: no principalId).
    pub claims: Option<Vec<(String, String)>>,
}

impl AuthorizerFacts {
    /// A Cognito token's facts.
    pub fn cognito(claims: Vec<(String, String)>) -> AuthorizerFacts {
        AuthorizerFacts { claims: Some(claims), ..AuthorizerFacts::default() }
    }

    /// `authorizer.<key>`: `principalId`, `integrationLatency` or a context key; for Cognito
    /// `claims.<name>`.
    fn lookup(&self, key: &str) -> Option<String> {
        if let Some(claims) = &self.claims {
            let name = key.strip_prefix("claims.")?;
            return claims.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        }
        match key {
            "principalId" => Some(self.principal_id.clone()),
            "integrationLatency" => Some(self.integration_latency.to_string()),
            _ => self.context.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
        }
    }
}

impl RequestContext {
    /// The facts that come from the request itself (host, method, path, ids, time, caller); the
    /// gateway adds those of the deployment and the matched route. The host is `:authority` (what
    /// Envoy makes of HTTP/1.1's `Host`), else `host`. A request time of 0 means the adapter did
    /// not read the clock because nothing reads the time: `requestTime` stays empty.
    pub fn for_request(req: &Request) -> RequestContext {
        let host = req.header(":authority").or_else(|| req.header("host")).unwrap_or("");
        RequestContext {
            domain_name: host.to_string(),
            domain_prefix: domain_prefix(host),
            extended_request_id: req.extended_request_id.clone(),
            http_method: req.method.clone(),
            path: req.path_only().to_string(),
            protocol: "HTTP/1.1".to_string(),
            request_id: req.request_id.clone(),
            request_time: if req.now_ms == 0 { String::new() } else { crate::time::request_time(req.now_ms) },
            request_time_epoch: req.now_ms,
            source_ip: req.source_ip.clone(),
            user_agent: req.header("user-agent").map(str::to_string),
            ..RequestContext::default()
        }
    }

    /// Looks up a `context.<name>` mapping source or gateway-response variable
    /// (`context.requestId`, `context.identity.sourceIp`). Unknown names give `None`; null
    /// identity fields give `Some("")`.
    pub fn lookup(&self, name: &str) -> Option<String> {
        if let Some(key) = name.strip_prefix("authorizer.") {
            return self.authorizer.as_ref()?.lookup(key);
        }
        if let Some(key) = name.strip_prefix("identity.") {
            let field = IDENTITY_EVENT_ORDER_WITH_KEY.iter().find(|f| f.key == key)?;
            return Some((field.value)(self).unwrap_or("").to_string());
        }
        match (TEMPLATE_ORDER.iter().find(|f| f.key == name)?.value)(self) {
            FactValue::Text(v) => Some(v.to_string()),
            FactValue::Number(n) => Some(n.to_string()),
            FactValue::Identity | FactValue::Authorizer(_) | FactValue::Overrides(_) => None,
        }
    }
}

/// What the adapter must read from the host to know a fact: each read costs about a microsecond,
/// so it reads the clock and the caller's address only for operations whose plan asks for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    /// The request's Host or User-Agent header.
    pub headers: bool,
    /// The request's arrival time.
    pub clock: bool,
    /// The caller's address.
    pub peer: bool,
}

impl Reads {
    pub const ALL: Reads = Reads { headers: true, clock: true, peer: true };
    const NOTHING: Reads = Reads { headers: false, clock: false, peer: false };
    const HEADERS: Reads = Reads { headers: true, clock: false, peer: false };
    const CLOCK: Reads = Reads { headers: false, clock: true, peer: false };
    const CALLER: Reads = Reads { headers: true, clock: false, peer: true };

    pub fn union(self, other: Reads) -> Reads {
        Reads {
            headers: self.headers || other.headers,
            clock: self.clock || other.clock,
            peer: self.peer || other.peer,
        }
    }
}

/// A fact's value, borrowed from the [`RequestContext`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactValue<'a> {
    Text(&'a str),
    Number(u64),
    /// `identity`: the map of [`IDENTITY_TEMPLATE_ORDER`].
    Identity,
    /// `authorizer`: absent (`None`) without an authorizer.
    Authorizer(Option<&'a AuthorizerFacts>),
    /// `requestOverride` / `responseOverride`: writable maps with these keys, empty at first.
    Overrides(&'static [&'static str]),
}

/// One `$context` key.
pub struct Fact {
    pub key: &'static str,
    pub reads: Reads,
    pub value: fn(&RequestContext) -> FactValue<'_>,
}

impl Fact {
    /// The fact named `key` (a top-level `$context` key).
    pub fn named(key: &str) -> Option<&'static Fact> {
        TEMPLATE_ORDER.iter().find(|f| f.key == key)
    }
}

macro_rules! text_fact {
    ($name:ident, $key:literal, $field:ident, $reads:expr) => {
        const $name: Fact = Fact { key: $key, reads: $reads, value: |c| FactValue::Text(&c.$field) };
    };
}

text_fact!(ACCOUNT_ID, "accountId", account_id, Reads::NOTHING);
text_fact!(API_ID, "apiId", api_id, Reads::NOTHING);
text_fact!(DEPLOYMENT_ID, "deploymentId", deployment_id, Reads::NOTHING);
text_fact!(DOMAIN_NAME, "domainName", domain_name, Reads::HEADERS);
text_fact!(DOMAIN_PREFIX, "domainPrefix", domain_prefix, Reads::HEADERS);
text_fact!(EXTENDED_REQUEST_ID, "extendedRequestId", extended_request_id, Reads::NOTHING);
text_fact!(HTTP_METHOD, "httpMethod", http_method, Reads::NOTHING);
text_fact!(PATH, "path", path, Reads::NOTHING);
text_fact!(PROTOCOL, "protocol", protocol, Reads::NOTHING);
text_fact!(REQUEST_ID, "requestId", request_id, Reads::NOTHING);
text_fact!(REQUEST_TIME, "requestTime", request_time, Reads::CLOCK);
text_fact!(RESOURCE_ID, "resourceId", resource_id, Reads::NOTHING);
text_fact!(RESOURCE_PATH, "resourcePath", resource_path, Reads::NOTHING);
text_fact!(STAGE, "stage", stage, Reads::NOTHING);
const REQUEST_TIME_EPOCH: Fact =
    Fact { key: "requestTimeEpoch", reads: Reads::CLOCK, value: |c| FactValue::Number(c.request_time_epoch) };
const IDENTITY_FACT: Fact = Fact { key: "identity", reads: Reads::CALLER, value: |_| FactValue::Identity };
const AUTHORIZER: Fact =
    Fact { key: "authorizer", reads: Reads::NOTHING, value: |c| FactValue::Authorizer(c.authorizer.as_ref()) };
const REQUEST_OVERRIDE: Fact = Fact {
    key: "requestOverride",
    reads: Reads::NOTHING,
    value: |_| FactValue::Overrides(&["path", "header", "querystring"]),
};
const RESPONSE_OVERRIDE: Fact =
    Fact { key: "responseOverride", reads: Reads::NOTHING, value: |_| FactValue::Overrides(&["header"]) };

/// `$context` in a template, in the order AWS lists its keys (`$context.keySet()`, recorded on
/// AWS: see the README's "Mapping templates"). No `authorizer` key without an authorizer: it is not
/// in AWS's key set then; with one, its place is our choice (after `identity`).
pub const TEMPLATE_ORDER: &[Fact] = &[
    RESOURCE_ID, RESOURCE_PATH, HTTP_METHOD, EXTENDED_REQUEST_ID, REQUEST_TIME, PATH, ACCOUNT_ID,
    PROTOCOL, REQUEST_OVERRIDE, STAGE, DOMAIN_PREFIX, REQUEST_TIME_EPOCH, REQUEST_ID, IDENTITY_FACT,
    AUTHORIZER, DOMAIN_NAME, DEPLOYMENT_ID, RESPONSE_OVERRIDE, API_ID,
];

/// A payload 1.0 event's `requestContext`: AWS's documented event, keys in alphabetical order,
/// without the template-only override maps.
pub const PROXY_EVENT_ORDER: &[Fact] = &[
    ACCOUNT_ID, API_ID, AUTHORIZER, DEPLOYMENT_ID, DOMAIN_NAME, DOMAIN_PREFIX, EXTENDED_REQUEST_ID, HTTP_METHOD,
    IDENTITY_FACT, PATH, PROTOCOL, REQUEST_ID, REQUEST_TIME, REQUEST_TIME_EPOCH, RESOURCE_ID,
    RESOURCE_PATH, STAGE,
];

/// One `$context.identity` key; `None` is JSON null (printing "" in a template).
pub struct IdentityFact {
    pub key: &'static str,
    pub value: fn(&RequestContext) -> Option<&str>,
}

macro_rules! unset_identity {
    ($($name:ident = $key:literal),*) => {
        $(const $name: IdentityFact = IdentityFact { key: $key, value: |_| None };)*
    };
}

macro_rules! iam_identity {
    ($($name:ident = $key:literal, $field:ident);*) => {
        $(const $name: IdentityFact =
            IdentityFact { key: $key, value: |c| c.iam.as_ref().map(|i| i.$field.as_str()) };)*
    };
}

iam_identity!(
    ACCESS_KEY = "accessKey", access_key; ACCOUNT = "accountId", account_id; CALLER = "caller", caller;
    USER = "user", user; USER_ARN = "userArn", user_arn
);
unset_identity!(
    COGNITO_PROVIDER = "cognitoAuthenticationProvider", COGNITO_TYPE = "cognitoAuthenticationType",
    COGNITO_ID = "cognitoIdentityId", COGNITO_POOL = "cognitoIdentityPoolId",
    PRINCIPAL_ORG = "principalOrgId"
);
const API_KEY: IdentityFact = IdentityFact { key: "apiKey", value: |c| c.api_key.as_ref().map(|k| k.key.as_str()) };
const API_KEY_ID: IdentityFact = IdentityFact { key: "apiKeyId", value: |c| c.api_key.as_ref().map(|k| k.id.as_str()) };
const SOURCE_IP: IdentityFact = IdentityFact { key: "sourceIp", value: |c| Some(&c.source_ip) };
const USER_AGENT: IdentityFact = IdentityFact { key: "userAgent", value: |c| c.user_agent.as_deref() };

/// `$context.identity` of an unauthenticated caller in a template: everything null but `sourceIp`
/// and `userAgent`, in the order of AWS's `keySet()`. `apiKey` and `apiKeyId` come only on
/// key-required methods ([`IDENTITY_TEMPLATE_ORDER_WITH_KEY`]).
pub const IDENTITY_TEMPLATE_ORDER: &[IdentityFact] = &[
    COGNITO_POOL, ACCOUNT, COGNITO_ID, CALLER, SOURCE_IP, PRINCIPAL_ORG, ACCESS_KEY, COGNITO_TYPE,
    COGNITO_PROVIDER, USER_ARN, USER_AGENT, USER,
];

/// The same on a key-required method, with `apiKey` and `apiKeyId`. Their place in AWS's
/// `keySet()` is not recorded; our choice (README: "API keys and usage plans"): the recorded 12-key
/// order and `$context`'s own are both the iteration order of a Java `HashMap` filled with those
/// keys, so this is the order such a map gives the 14 keys (its table grows from 16 to 32 buckets
/// past 12 keys, which reorders them all).
pub const IDENTITY_TEMPLATE_ORDER_WITH_KEY: &[IdentityFact] = &[
    COGNITO_POOL, COGNITO_ID, PRINCIPAL_ORG, API_KEY, COGNITO_TYPE, USER_ARN, API_KEY_ID, USER_AGENT,
    ACCOUNT, CALLER, SOURCE_IP, ACCESS_KEY, COGNITO_PROVIDER, USER,
];

/// The same in a payload 1.0 event (AWS's documented event: alphabetical).
pub const IDENTITY_EVENT_ORDER: &[IdentityFact] = &[
    ACCESS_KEY, ACCOUNT, CALLER, COGNITO_PROVIDER, COGNITO_TYPE, COGNITO_ID, COGNITO_POOL,
    PRINCIPAL_ORG, SOURCE_IP, USER, USER_AGENT, USER_ARN,
];

/// The event's on a key-required method: alphabetical too, `apiKey` and `apiKeyId` included. Every
/// identity key a mapping source may name is here.
pub const IDENTITY_EVENT_ORDER_WITH_KEY: &[IdentityFact] = &[
    ACCESS_KEY, ACCOUNT, API_KEY, API_KEY_ID, CALLER, COGNITO_PROVIDER, COGNITO_TYPE, COGNITO_ID,
    COGNITO_POOL, PRINCIPAL_ORG, SOURCE_IP, USER, USER_AGENT, USER_ARN,
];

impl RequestContext {
    /// `$context.identity`'s keys in a template, in order.
    pub fn identity_template_order(&self) -> &'static [IdentityFact] {
        if self.api_key.is_some() { IDENTITY_TEMPLATE_ORDER_WITH_KEY } else { IDENTITY_TEMPLATE_ORDER }
    }

    /// `requestContext.identity`'s keys in a payload 1.0 event, in order.
    pub fn identity_event_order(&self) -> &'static [IdentityFact] {
        if self.api_key.is_some() { IDENTITY_EVENT_ORDER_WITH_KEY } else { IDENTITY_EVENT_ORDER }
    }
}

/// First DNS label of a host (`abc.execute-api...` -> `abc`); the port is dropped.
pub fn domain_prefix(host: &str) -> String {
    let host = host.split(':').next().unwrap_or(host);
    host.split('.').next().unwrap_or(host).to_string()
}

/// A short stable id made from a name (FNV-1a, base 36), in the shape of AWS's 6-character
/// resource and authorizer ids (`$context.resourceId`, `/authorizers/{id}`).
pub fn short_id(path: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in path.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let alphabet = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(6);
    for _ in 0..6 {
        let i = (h % 36) as usize;
        out.push(alphabet.get(i).map(|c| *c as char).unwrap_or('0'));
        h /= 36;
    }
    out
}

/// 16 bytes as a UUID's text (`8-4-4-4-12` lower-case hex digits).
pub fn uuid_text(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0x0f), 16).unwrap_or('0'));
    }
    out
}

/// The response header with API Gateway's own id of the request, sent on every response besides
/// `x-amzn-RequestId` (README: "Behaviour", Gateway responses).
pub const APIGW_ID_HEADER: &str = "x-amz-apigw-id";

/// 11 bytes as an `x-amz-apigw-id` value: base64, 16 characters ending in `=`, the shape of AWS's
/// (`F3mG2EhRvHcEK7w=`).
pub fn apigw_id_text(bytes: &[u8; 11]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod uuid_tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn uuid_text_layout() {
        let b = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0xff];
        assert_eq!(super::uuid_text(&b), "12345678-9abc-4def-8011-2233445566ff");
    }

    // AWS's shape: 16 base64 characters, the last one `=`.
    #[test]
    fn apigw_id_layout() {
        let id = super::apigw_id_text(&[0x17, 0x79, 0x86, 0xd8, 0x48, 0x51, 0xbc, 0x77, 0x04, 0x2b, 0xb0]);
        assert_eq!(id, "F3mG2EhRvHcEK7A=");
    }
}

#[cfg(test)]
mod fact_table_tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn sorted(keys: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
        let mut v: Vec<_> = keys.collect();
        v.sort_unstable();
        v
    }

    // The proxy event lists every template fact but the two override maps, alphabetically.
    #[test]
    fn proxy_event_order_is_the_template_facts_sorted() {
        let event: Vec<_> = PROXY_EVENT_ORDER.iter().map(|f| f.key).collect();
        let template = sorted(
            TEMPLATE_ORDER.iter().map(|f| f.key).filter(|k| !k.ends_with("Override")),
        );
        assert_eq!(event, template);
        let identity: Vec<_> = IDENTITY_EVENT_ORDER.iter().map(|f| f.key).collect();
        assert_eq!(identity, sorted(IDENTITY_TEMPLATE_ORDER.iter().map(|f| f.key)));
        let with_key: Vec<_> = IDENTITY_EVENT_ORDER_WITH_KEY.iter().map(|f| f.key).collect();
        assert_eq!(with_key, sorted(IDENTITY_TEMPLATE_ORDER_WITH_KEY.iter().map(|f| f.key)));
        let mut extra = with_key.clone();
        extra.retain(|k| !identity.contains(k));
        assert_eq!(extra, ["apiKey", "apiKeyId"]);
    }

    /// Java's `String.hashCode` and `HashMap`'s iteration order for a table of `buckets`.
    fn java_hash_map_order(keys: &[&'static str], buckets: u32) -> Vec<&'static str> {
        let hash = |k: &str| {
            let h = k.chars().fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(c as u32));
            h ^ (h >> 16)
        };
        let mut out = keys.to_vec();
        // A stable sort keeps insertion order inside a bucket, as the bucket's list does.
        out.sort_by_key(|k| hash(k) & (buckets - 1));
        out
    }

    // The recorded orders are a Java HashMap's (16 buckets for the 12 identity keys, 32 for the
    // 18 $context keys); the 14-key identity order of key-required methods is the same map's at 32
    // buckets (README: "API keys and usage plans").
    #[test]
    fn identity_orders_are_java_hash_map_orders() {
        let keys = |l: &[IdentityFact]| l.iter().map(|f| f.key).collect::<Vec<_>>();
        let twelve = keys(IDENTITY_TEMPLATE_ORDER);
        assert_eq!(java_hash_map_order(&twelve, 16), twelve);
        let context: Vec<_> = TEMPLATE_ORDER.iter().map(|f| f.key).filter(|k| *k != "authorizer").collect();
        assert_eq!(java_hash_map_order(&context, 32), context);
        let fourteen = keys(IDENTITY_TEMPLATE_ORDER_WITH_KEY);
        let mut inserted = twelve.clone();
        inserted.extend(["apiKey", "apiKeyId"]);
        assert_eq!(java_hash_map_order(&inserted, 32), fourteen);
    }

    #[test]
    fn lookup_reads_the_table() {
        let c = RequestContext {
            stage: "prod".into(),
            request_time_epoch: 7,
            source_ip: "10.0.0.1".into(),
            ..RequestContext::default()
        };
        assert_eq!(c.lookup("stage").as_deref(), Some("prod"));
        assert_eq!(c.lookup("requestTimeEpoch").as_deref(), Some("7"));
        assert_eq!(c.lookup("identity.sourceIp").as_deref(), Some("10.0.0.1"));
        assert_eq!(c.lookup("identity.userAgent").as_deref(), Some(""));
        assert_eq!(c.lookup("identity.apiKey").as_deref(), Some(""));
        let keyed = RequestContext { api_key: Some(ApiKeyIdentity { key: "k".into(), id: "i".into() }), ..c.clone() };
        assert_eq!(keyed.lookup("identity.apiKey").as_deref(), Some("k"));
        assert_eq!(keyed.lookup("identity.apiKeyId").as_deref(), Some("i"));
        assert_eq!(c.lookup("identity"), None);
        assert_eq!(c.lookup("requestOverride"), None);
        assert_eq!(c.lookup("nope"), None);
    }

    #[test]
    fn for_request_fills_the_request_facts() {
        let req = Request {
            method: "POST".into(),
            path: "/prod/a?x=1".into(),
            headers: vec![(":authority".into(), "abc.execute-api.example:8443".into()),
                          ("user-agent".into(), "ua".into())],
            body: Vec::new(),
            source_ip: "203.0.113.7".into(),
            request_id: "rid".into(),
            extended_request_id: "F3mG2EhRvHcEK7w=".into(),
            now_ms: 0,
        };
        let c = RequestContext::for_request(&req);
        assert_eq!(c.domain_prefix, "abc");
        assert_eq!(c.path, "/prod/a");
        assert_eq!(c.extended_request_id, "F3mG2EhRvHcEK7w=");
        assert_eq!(c.request_time, "");
        assert_eq!(c.user_agent.as_deref(), Some("ua"));
    }
}
