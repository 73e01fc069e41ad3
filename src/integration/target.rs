//! Integration URIs: HTTP URLs (`http://host:port/path/{var}?q={var}`) and AWS service ARNs
//! (`arn:aws:apigateway:{region}:{subdomain.service|service}:{path|action}/{...}`).

/// An HTTP(S) integration URL split into what the request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUri {
    /// `http` or `https`, lower-case.
    pub scheme: String,
    /// `host[:port]` as written (userinfo dropped): the upstream `:authority`.
    pub authority: String,
    /// Lower-case host (brackets kept for IPv6).
    pub host: String,
    pub port: u16,
    /// The path as written (starts with `/`; `/` when the URL has none).
    pub path: String,
    /// The query as written, without `?` (empty when none).
    pub query: String,
}

impl HttpUri {
    pub fn parse(uri: &str) -> Result<HttpUri, String> {
        let bad = |why: &str| format!("integration uri {uri:?} {why}");
        let (scheme, rest) = uri.split_once("://").ok_or_else(|| bad("is not an http(s) URL"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(bad("is not an http(s) URL")),
        };
        let rest = rest.split_once('#').map(|(a, _)| a).unwrap_or(rest);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.rsplit_once('@').map(|(_, a)| a).unwrap_or(authority);
        if authority.is_empty() {
            return Err(bad("has no host"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("has an invalid port"))?;
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, q),
            None => (tail, ""),
        };
        Ok(HttpUri {
            scheme,
            authority: authority.to_string(),
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(default_port),
            path: if path.is_empty() { "/".to_string() } else { path.to_string() },
            query: query.to_string(),
        })
    }

    /// The `targets.http` keys this URL may be listed under: `scheme://host:port`, and
    /// `scheme://host` when the port is the scheme's default.
    pub fn origins(&self) -> Vec<String> {
        let mut out = vec![format!("{}://{}:{}", self.scheme, self.host, self.port)];
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            out.push(format!("{}://{}", self.scheme, self.host));
        }
        out
    }
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // [v6]:port
    if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close.saturating_add(1));
        return match after.strip_prefix(':') {
            Some(p) => Some((host, Some(p.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match authority.rsplit_once(':') {
        Some((h, "")) => Some((h, None)),
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((authority, None)),
    }
}

/// Bytes kept as they are in a path value: RFC 3986 unreserved, sub-delims, `:@/%` (so values
/// already percent-encoded, like a greedy `{proxy}` as the client sent it, are not encoded twice).
fn path_keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b)
}

/// Bytes kept as they are in a query value: the path set less `&=+#`.
fn query_keep(b: u8) -> bool {
    path_keep(b) && !b"&=+#".contains(&b)
}

fn encode_with(s: &str, keep: fn(u8) -> bool) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A value placed in a URI path.
pub fn encode_path_value(s: &str) -> String {
    encode_with(s, path_keep)
}

/// A value placed in a query string (name or value).
pub fn encode_query_value(s: &str) -> String {
    encode_with(s, query_keep)
}

/// Replaces every `{name}` (or `{name+}`) in `text` with `lookup(name)`, encoded with `encode`;
/// a variable nothing fills becomes `""` [open: AWS's behaviour for an unmapped variable is not
/// recorded; an empty value keeps the URL valid]. Text outside braces is copied.
pub fn fill_variables(text: &str, lookup: &dyn Fn(&str) -> Option<String>, encode: fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let inner_start = from.get(1..).unwrap_or("");
        match inner_start.split_once('}') {
            Some((name, tail)) if !name.is_empty() && !name.contains('{') => {
                let name = name.strip_suffix('+').unwrap_or(name);
                if let Some(v) = lookup(name) {
                    out.push_str(&encode(&v));
                }
                rest = tail;
            }
            _ => {
                out.push('{');
                rest = inner_start;
            }
        }
    }
    out.push_str(rest);
    out
}

/// How an AWS service ARN addresses the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsApi {
    /// `path/{path}`: the path (starting with `/`), and its query (without `?`).
    Path { path: String, query: String },
    /// `action/{Name}` with optional `&p=v` / `?p=v` parameters.
    Action { name: String, params: String },
}

/// A parsed `arn:aws:apigateway:...` service integration URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsUri {
    pub region: String,
    /// `sqs`, `dynamodb`, `s3`...: the SigV4 service name and the `targets.aws` key.
    pub service: String,
    /// The `{subdomain}` of a `{subdomain}.{service}` form (e.g. an S3 bucket), if any.
    pub subdomain: Option<String>,
    pub api: AwsApi,
}

impl AwsUri {
    pub fn parse(uri: &str) -> Result<AwsUri, String> {
        let bad = |why: &str| {
            format!("invalid AWS integration uri {uri:?}: {why} (expected arn:aws:apigateway:{{region}}:{{service}}:path|action/...)")
        };
        let mut parts = uri.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("apigateway"), Some(region), Some(service), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("not an apigateway ARN"));
        };
        if partition.is_empty() || region.is_empty() || service.is_empty() {
            return Err(bad("partition, region and service are required"));
        }
        let (subdomain, service) = match service.rsplit_once('.') {
            Some((sub, svc)) if !sub.is_empty() && !svc.is_empty() => (Some(sub.to_string()), svc.to_string()),
            _ => (None, service.to_string()),
        };
        let api = if let Some(p) = resource.strip_prefix("path/") {
            let (p, q) = p.split_once('?').unwrap_or((p, ""));
            // `path//` (SNS examples) is the root path.
            let path = if p.starts_with('/') { p.to_string() } else { format!("/{p}") };
            AwsApi::Path { path, query: q.to_string() }
        } else if let Some(a) = resource.strip_prefix("action/") {
            let end = a.find(['&', '?']).unwrap_or(a.len());
            let (name, params) = a.split_at(end);
            if name.is_empty() {
                return Err(bad("no action name"));
            }
            AwsApi::Action {
                name: name.to_string(),
                params: params.get(1..).unwrap_or("").to_string(),
            }
        } else {
            return Err(bad("the resource must start with path/ or action/"));
        };
        Ok(AwsUri { region: region.to_string(), service: service.to_ascii_lowercase(), subdomain, api })
    }

    /// Whether this is a Lambda custom integration (`lambda:path/2015-03-31/functions/.../invocations`).
    pub fn is_lambda_invoke(&self) -> bool {
        self.service == "lambda"
            && matches!(&self.api, AwsApi::Path { path, .. }
                if path.starts_with("/2015-03-31/functions/") && path.ends_with("/invocations"))
    }
}

/// The AWS JSON protocol of services whose actions API Gateway calls with `X-Amz-Target`:
/// (service, target prefix, JSON version). Other services are called with the query protocol
/// (`Action=...`). SSM is not listed although its SDKs speak JSON: API Gateway's recorded answer
/// to `ssm:action/GetParameter` has the query protocol's shape
/// (`GetParameterResponse.GetParameterResult.Parameter`, as JSON), so it is called that way
/// (README: "HTTP, HTTP_PROXY and AWS services").
pub const JSON_PROTOCOL_SERVICES: &[(&str, &str, &str)] = &[
    ("dynamodb", "DynamoDB_20120810", "1.0"),
    ("kinesis", "Kinesis_20131202", "1.1"),
    ("firehose", "Firehose_20150804", "1.1"),
    ("states", "AWSStepFunctions", "1.0"),
    ("logs", "Logs_20140328", "1.1"),
    ("events", "AWSEvents", "1.1"),
    ("kms", "TrentService", "1.1"),
    ("secretsmanager", "secretsmanager", "1.1"),
    ("cognito-idp", "AWSCognitoIdentityProviderService", "1.1"),
    ("codebuild", "CodeBuild_20161006", "1.1"),
    ("ecs", "AmazonEC2ContainerServiceV20141113", "1.1"),
    ("athena", "AmazonAthena", "1.1"),
    ("glue", "AWSGlue", "1.1"),
    ("textract", "Textract", "1.1"),
    ("comprehend", "Comprehend_20171127", "1.1"),
    ("translate", "AWSShineFrontendService_20170701", "1.1"),
    ("rekognition", "RekognitionService", "1.1"),
];

/// `(X-Amz-Target prefix, JSON version)` of a JSON-protocol service.
pub fn json_protocol(service: &str) -> Option<(&'static str, &'static str)> {
    JSON_PROTOCOL_SERVICES
        .iter()
        .find(|(s, _, _)| *s == service)
        .map(|(_, prefix, version)| (*prefix, *version))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn http_uris() {
        let u = HttpUri::parse("HTTP://Backend.Local:8080/a/{id}?x={q}&y=1").unwrap();
        assert_eq!(u.scheme, "http");
        assert_eq!(u.authority, "Backend.Local:8080");
        assert_eq!(u.host, "backend.local");
        assert_eq!(u.port, 8080);
        assert_eq!(u.path, "/a/{id}");
        assert_eq!(u.query, "x={q}&y=1");
        assert_eq!(u.origins(), vec!["http://backend.local:8080"]);
        let u = HttpUri::parse("https://user:pw@example.com").unwrap();
        assert_eq!(u.authority, "example.com");
        assert_eq!(u.path, "/");
        assert_eq!(u.origins(), vec!["https://example.com:443", "https://example.com"]);
        let u = HttpUri::parse("http://[::1]:9000/p").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("[::1]", 9000));
        for bad in ["", "ftp://x/", "http://", "http://:80/", "http://h:x/", "arn:aws:apigateway:x"] {
            assert!(HttpUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn variables_are_filled_and_encoded() {
        let vars = |n: &str| match n {
            "id" => Some("a b/c".to_string()),
            "proxy" => Some("x/y%20z".to_string()),
            _ => None,
        };
        assert_eq!(fill_variables("/p/{id}/{proxy}", &vars, encode_path_value), "/p/a%20b/c/x/y%20z");
        assert_eq!(fill_variables("/p/{proxy+}", &vars, encode_path_value), "/p/x/y%20z");
        assert_eq!(fill_variables("/p/{missing}/x", &vars, encode_path_value), "/p//x");
        assert_eq!(fill_variables("q={id}&r=1", &vars, encode_query_value), "q=a%20b/c&r=1");
        assert_eq!(fill_variables("{", &vars, encode_path_value), "{");
        assert_eq!(fill_variables("a{}b{{id}", &vars, encode_path_value), "a{}b{a%20b/c");
        assert_eq!(encode_query_value("a&b=c+d é"), "a%26b%3Dc%2Bd%20%C3%A9");
    }

    #[test]
    fn aws_uris() {
        let u = AwsUri::parse("arn:aws:apigateway:us-east-1:sqs:path/123456789012/q1").unwrap();
        assert_eq!(u.service, "sqs");
        assert_eq!(u.api, AwsApi::Path { path: "/123456789012/q1".into(), query: String::new() });
        let u = AwsUri::parse("arn:aws:apigateway:eu-west-1:sns:path//").unwrap();
        assert_eq!(u.api, AwsApi::Path { path: "/".into(), query: String::new() });
        let u = AwsUri::parse("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem").unwrap();
        assert_eq!(u.api, AwsApi::Action { name: "PutItem".into(), params: String::new() });
        let u = AwsUri::parse("arn:aws:apigateway:us-west-2:s3:action/GetObject&Bucket={bucket}&Key={key}").unwrap();
        assert_eq!(u.api, AwsApi::Action { name: "GetObject".into(), params: "Bucket={bucket}&Key={key}".into() });
        let u = AwsUri::parse("arn:aws:apigateway:us-west-2:mybucket.s3:path/k?versionId=1").unwrap();
        assert_eq!(u.subdomain.as_deref(), Some("mybucket"));
        assert_eq!(u.api, AwsApi::Path { path: "/k".into(), query: "versionId=1".into() });
        let u = AwsUri::parse(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations",
        )
        .unwrap();
        assert!(u.is_lambda_invoke());
        for bad in [
            "",
            "http://x",
            "arn:aws:apigateway:us-east-1:sqs",
            "arn:aws:apigateway:us-east-1:sqs:other/x",
            "arn:aws:apigateway::sqs:path/x",
            "arn:aws:apigateway:us-east-1:sqs:action/",
            "arn:aws:lambda:us-east-1:sqs:path/x",
        ] {
            let e = AwsUri::parse(bad).unwrap_err();
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
        assert_eq!(json_protocol("dynamodb"), Some(("DynamoDB_20120810", "1.0")));
        assert_eq!(json_protocol("kinesis"), Some(("Kinesis_20131202", "1.1")));
        assert_eq!(json_protocol("states"), Some(("AWSStepFunctions", "1.0")));
        assert_eq!(json_protocol("sqs"), None);
        // SSM actions go through the query protocol (README: "HTTP, HTTP_PROXY and AWS services").
        assert_eq!(json_protocol("ssm"), None);
    }
}
