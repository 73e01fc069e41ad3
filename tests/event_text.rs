//! Byte-identity of the Lambda proxy events: `v1::build` and `v2::build` must print exactly the text
//! the original `serde_json::Value` builders printed (key order, escaping, null/absent rules).
//!
//! `oracle` below is that original implementation, copied here unchanged apart from paths, so the
//! comparison keeps its meaning whatever `src/event` becomes.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::type_complexity
)]

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::{v1, v2, ProxyInput};
use apigw_envoy::http::Request;
use proptest::prelude::*;

/// The Value-based event builders as they were before the direct JSON writer.
mod oracle {
    use apigw_envoy::event::ProxyInput;
    use serde_json::{Map, Value};

    const V1_DROPPED: &[&str] = &[
        "connection",
        "content-length",
        "content-md5",
        "expect",
        "max-forwards",
        "proxy-authenticate",
        "server",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "www-authenticate",
    ];

    const V2_DROPPED: &[&str] = &[
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "transfer-encoding",
        "trailer",
        "upgrade",
        "cookie",
    ];

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum NameStyle {
        V1,
        V2,
    }

    fn event_headers(input: &ProxyInput, style: NameStyle) -> Vec<(String, String)> {
        let req = input.request;
        let dropped = match style {
            NameStyle::V1 => V1_DROPPED,
            NameStyle::V2 => V2_DROPPED,
        };
        let has_host = req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host"));
        let mut out: Vec<(String, String)> = Vec::with_capacity(req.headers.len().saturating_add(3));
        let mut xff: Vec<&str> = Vec::new();
        let mut xfp: Option<&str> = None;
        let mut xfport: Option<&str> = None;
        let mut scheme: Option<&str> = None;
        let mut host: Option<&str> = None;

        for (name, value) in &req.headers {
            let lower = name.to_ascii_lowercase();
            match lower.as_str() {
                ":authority" => {
                    if !has_host {
                        host = Some(value);
                        out.push(("host".to_string(), value.clone()));
                    }
                    continue;
                }
                ":scheme" => {
                    scheme = Some(value);
                    continue;
                }
                "x-forwarded-for" => {
                    xff.push(value);
                    continue;
                }
                "x-forwarded-proto" => {
                    xfp = Some(value);
                    continue;
                }
                "x-forwarded-port" => {
                    xfport = Some(value);
                    continue;
                }
                "x-amzn-trace-id" => continue,
                "host" => host = Some(value),
                _ => {}
            }
            if lower.starts_with(':') || dropped.contains(&lower.as_str()) {
                continue;
            }
            let emitted = match (style, lower.as_str()) {
                (NameStyle::V1, "authorization") => "Authorization".to_string(),
                (NameStyle::V1, "user-agent") => "User-Agent".to_string(),
                (NameStyle::V1, _) => name.clone(),
                (NameStyle::V2, _) => lower,
            };
            out.push((emitted, value.clone()));
        }

        let source_ip = source_ip(input);
        let client_xff = xff
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let last_hop = client_xff.rsplit(',').next().unwrap_or("").trim();
        let forwarded_for = if client_xff.is_empty() {
            source_ip.to_string()
        } else if source_ip.is_empty() || last_hop == source_ip {
            client_xff.clone()
        } else {
            format!("{client_xff}, {source_ip}")
        };
        let proto = xfp
            .or(scheme)
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .unwrap_or("http")
            .to_string();
        let port = match xfport.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => p.to_string(),
            None => host_port(host.unwrap_or(""))
                .unwrap_or(if proto.eq_ignore_ascii_case("https") { "443" } else { "80" })
                .to_string(),
        };
        let names: [&str; 3] = match style {
            NameStyle::V1 => ["X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"],
            NameStyle::V2 => ["x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"],
        };
        let [n_for, n_port, n_proto] = names;
        // The trace value itself is unit-tested in `trace`; here only where it goes.
        let n_trace = if style == NameStyle::V1 { "X-Amzn-Trace-Id" } else { "x-amzn-trace-id" };
        out.push((n_trace.to_string(), apigw_envoy::trace::function_value(req)));
        if !forwarded_for.is_empty() {
            out.push((n_for.to_string(), forwarded_for));
        }
        out.push((n_port.to_string(), port));
        out.push((n_proto.to_string(), proto));
        out
    }

    fn host_port(host: &str) -> Option<&str> {
        let after_bracket = match host.rfind(']') {
            Some(i) => host.get(i..).unwrap_or(""),
            None => host,
        };
        let (_, port) = after_bracket.rsplit_once(':')?;
        (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())).then_some(port)
    }

    fn source_ip<'a>(input: &ProxyInput<'a>) -> &'a str {
        if input.context.source_ip.is_empty() {
            &input.request.source_ip
        } else {
            &input.context.source_ip
        }
    }

    fn user_agent<'a>(input: &ProxyInput<'a>) -> Option<&'a str> {
        input
            .context
            .user_agent
            .as_deref()
            .or_else(|| input.request.header("user-agent"))
    }

    fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(raw_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn event_body(input: &ProxyInput) -> Option<(String, bool)> {
        use base64::Engine as _;
        let body = &input.request.body;
        if body.is_empty() {
            return None;
        }
        let content_type = input.request.header("content-type").unwrap_or("");
        if apigw_envoy::media::matches_binary(input.binary_media_types, content_type) {
            Some((base64::engine::general_purpose::STANDARD.encode(body), true))
        } else {
            Some((String::from_utf8_lossy(body).into_owned(), false))
        }
    }

    fn string_map_or_null(pairs: &[(String, String)]) -> Value {
        if pairs.is_empty() {
            return Value::Null;
        }
        let mut map = Map::with_capacity(pairs.len());
        for (k, v) in pairs {
            map.insert(k.clone(), Value::String(v.clone()));
        }
        Value::Object(map)
    }

    fn opt_string(v: Option<&str>) -> Value {
        v.map_or(Value::Null, |s| Value::String(s.to_string()))
    }

    fn string(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn or_else<'a>(v: &'a str, fallback: &'a str) -> &'a str {
        if v.is_empty() {
            fallback
        } else {
            v
        }
    }

    type Grouper = fn(&[(String, String)]) -> Vec<(String, Vec<String>)>;

    fn group(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in pairs {
            match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(k)) {
                Some((_, vs)) => vs.push(v.clone()),
                None => out.push((k.clone(), vec![v.clone()])),
            }
        }
        out
    }

    fn group_exact(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (k, v) in pairs {
            match out.iter_mut().find(|(n, _)| n == k) {
                Some((_, vs)) => vs.push(v.clone()),
                None => out.push((k.clone(), vec![v.clone()])),
            }
        }
        out
    }

    // --- payload 1.0 ---

    pub fn v1(input: &ProxyInput) -> String {
        v1_event(input).to_string()
    }

    fn v1_event(input: &ProxyInput) -> Value {
        let req = input.request;
        let mut ev = Map::with_capacity(12);
        ev.insert("resource".into(), string(input.resource));
        ev.insert("path".into(), string(input.path));
        ev.insert("httpMethod".into(), string(&req.method));

        let (single, multi) = maps(&event_headers(input, NameStyle::V1), group);
        ev.insert("headers".into(), single);
        ev.insert("multiValueHeaders".into(), multi);

        let (single, multi) = maps(&query_pairs(req.raw_query()), group_exact);
        ev.insert("queryStringParameters".into(), single);
        ev.insert("multiValueQueryStringParameters".into(), multi);

        ev.insert("pathParameters".into(), string_map_or_null(input.path_params));
        ev.insert("stageVariables".into(), string_map_or_null(input.stage_variables));
        ev.insert("requestContext".into(), v1_request_context(input));

        match event_body(input) {
            Some((body, b64)) => {
                ev.insert("body".into(), Value::String(body));
                ev.insert("isBase64Encoded".into(), Value::Bool(b64));
            }
            None => {
                ev.insert("body".into(), Value::Null);
                ev.insert("isBase64Encoded".into(), Value::Bool(false));
            }
        }
        Value::Object(ev)
    }

    fn maps(pairs: &[(String, String)], grouper: Grouper) -> (Value, Value) {
        if pairs.is_empty() {
            return (Value::Null, Value::Null);
        }
        let grouped = grouper(pairs);
        let mut single = Map::with_capacity(grouped.len());
        let mut multi = Map::with_capacity(grouped.len());
        for (name, values) in grouped {
            let last = values.last().cloned().unwrap_or_default();
            single.insert(name.clone(), Value::String(last));
            multi.insert(name, Value::Array(values.into_iter().map(Value::String).collect()));
        }
        (Value::Object(single), Value::Object(multi))
    }

    fn v1_request_context(input: &ProxyInput) -> Value {
        let c = input.context;
        let req = input.request;
        let mut rc = Map::with_capacity(16);
        rc.insert("accountId".into(), string(&c.account_id));
        rc.insert("apiId".into(), string(&c.api_id));
        rc.insert("deploymentId".into(), string(&c.deployment_id));
        let host = req.header("host").or_else(|| req.header(":authority")).unwrap_or("");
        let domain_name = or_else(&c.domain_name, host);
        rc.insert("domainName".into(), string(domain_name));
        let prefix = if c.domain_prefix.is_empty() {
            apigw_envoy::context::domain_prefix(domain_name)
        } else {
            c.domain_prefix.clone()
        };
        rc.insert("domainPrefix".into(), Value::String(prefix));
        rc.insert("extendedRequestId".into(), string(&c.extended_request_id));
        rc.insert("httpMethod".into(), string(or_else(&c.http_method, &req.method)));
        rc.insert("identity".into(), identity(input));
        rc.insert("path".into(), string(or_else(&c.path, req.path_only())));
        rc.insert("protocol".into(), string(or_else(&c.protocol, "HTTP/1.1")));
        rc.insert("requestId".into(), string(or_else(&c.request_id, &req.request_id)));
        let time = if c.request_time.is_empty() {
            apigw_envoy::time::request_time(req.now_ms)
        } else {
            c.request_time.clone()
        };
        rc.insert("requestTime".into(), Value::String(time));
        let epoch = if c.request_time_epoch == 0 { req.now_ms } else { c.request_time_epoch };
        rc.insert("requestTimeEpoch".into(), Value::from(epoch));
        rc.insert("resourceId".into(), string(&c.resource_id));
        rc.insert("resourcePath".into(), string(or_else(&c.resource_path, input.resource)));
        rc.insert("stage".into(), string(&c.stage));
        Value::Object(rc)
    }

    fn identity(input: &ProxyInput) -> Value {
        let mut id = Map::with_capacity(12);
        for key in [
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
        ] {
            id.insert(key.into(), Value::Null);
        }
        id.insert("sourceIp".into(), string(source_ip(input)));
        id.insert("user".into(), Value::Null);
        id.insert("userAgent".into(), opt_string(user_agent(input)));
        id.insert("userArn".into(), Value::Null);
        Value::Object(id)
    }

    // --- payload 2.0 ---

    pub fn v2(input: &ProxyInput) -> String {
        v2_event(input).to_string()
    }

    fn v2_event(input: &ProxyInput) -> Value {
        let req = input.request;
        let c = input.context;
        let route_key = format!("{} {}", req.method, input.resource);
        let raw_path = or_else(&c.path, req.path_only());

        let mut ev = Map::with_capacity(12);
        ev.insert("version".into(), string("2.0"));
        ev.insert("routeKey".into(), Value::String(route_key.clone()));
        ev.insert("rawPath".into(), string(raw_path));
        ev.insert("rawQueryString".into(), string(req.raw_query()));

        let cookies = cookies(req);
        if !cookies.is_empty() {
            ev.insert("cookies".into(), Value::Array(cookies.into_iter().map(Value::String).collect()));
        }
        ev.insert("headers".into(), joined(group(&event_headers(input, NameStyle::V2))));
        let query = query_pairs(req.raw_query());
        if !query.is_empty() {
            ev.insert("queryStringParameters".into(), joined(group_exact(&query)));
        }

        let mut http = Map::with_capacity(5);
        http.insert("method".into(), string(&req.method));
        http.insert("path".into(), string(raw_path));
        http.insert("protocol".into(), string(or_else(&c.protocol, "HTTP/1.1")));
        http.insert("sourceIp".into(), string(source_ip(input)));
        http.insert("userAgent".into(), string(user_agent(input).unwrap_or("")));

        let host = req.header("host").or_else(|| req.header(":authority")).unwrap_or("");
        let domain_name = or_else(&c.domain_name, host);
        let mut rc = Map::with_capacity(10);
        rc.insert("accountId".into(), string(&c.account_id));
        rc.insert("apiId".into(), string(&c.api_id));
        rc.insert("domainName".into(), string(domain_name));
        let prefix = if c.domain_prefix.is_empty() {
            apigw_envoy::context::domain_prefix(domain_name)
        } else {
            c.domain_prefix.clone()
        };
        rc.insert("domainPrefix".into(), Value::String(prefix));
        rc.insert("http".into(), Value::Object(http));
        rc.insert("requestId".into(), string(or_else(&c.request_id, &req.request_id)));
        rc.insert("routeKey".into(), Value::String(route_key));
        // `$default` unless rawPath carries the stage prefix (the `path` key is then different).
        let stage = if raw_path == input.path { "$default" } else { or_else(&c.stage, "$default") };
        rc.insert("stage".into(), string(stage));
        let time = if c.request_time.is_empty() {
            apigw_envoy::time::request_time(req.now_ms)
        } else {
            c.request_time.clone()
        };
        rc.insert("time".into(), Value::String(time));
        let epoch = if c.request_time_epoch == 0 { req.now_ms } else { c.request_time_epoch };
        rc.insert("timeEpoch".into(), Value::from(epoch));
        ev.insert("requestContext".into(), Value::Object(rc));

        let body = event_body(input);
        if let Some((text, _)) = &body {
            ev.insert("body".into(), string(text));
        }
        if !input.path_params.is_empty() {
            ev.insert("pathParameters".into(), string_map_or_null(input.path_params));
        }
        let b64 = body.is_some_and(|(_, b)| b);
        ev.insert("isBase64Encoded".into(), Value::Bool(b64));
        if !input.stage_variables.is_empty() {
            ev.insert("stageVariables".into(), string_map_or_null(input.stage_variables));
        }
        Value::Object(ev)
    }

    fn cookies(req: &apigw_envoy::http::Request) -> Vec<String> {
        req.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn joined(grouped: Vec<(String, Vec<String>)>) -> Value {
        let mut map = Map::with_capacity(grouped.len());
        for (k, vs) in grouped {
            map.insert(k, Value::String(vs.join(",")));
        }
        Value::Object(map)
    }
}

// --- inputs ---

/// Any text: unicode, control characters, quotes and backslashes included.
fn odd_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter),
        prop::collection::vec(
            prop::sample::select(vec!["a", "\"", "\\", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{0}", "\u{1f}",
                                      "\u{7f}", "é", "€", "😀", "\u{2028}", " ", ",", ";", "/"]),
            0..max,
        )
        .prop_map(|parts| parts.concat()),
        "[ -~]{0,20}",
    ]
}

/// Header names with repeats and casing variants, the special ones of the event rules, and random.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "host", "Host", ":authority", ":scheme", ":path", ":method", "user-agent", "User-Agent",
            "authorization", "AUTHORIZATION", "accept", "Accept", "cookie", "Cookie", "content-type",
            "content-length", "connection", "keep-alive", "te", "x-forwarded-for", "X-Forwarded-For",
            "x-forwarded-proto", "x-forwarded-port", "x-custom", "X-Custom", "x-amz-date",
        ])
        .prop_map(str::to_string),
        1 => "[a-zA-Z:-]{0,12}",
        1 => odd_text(6),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "", " ", "https", "http", " HTTPS ", "h.example", "h.example:8443", "[::1]:80", "[::1]",
            "9.9.9.9", "9.9.9.9, 203.0.113.7", "203.0.113.7", "4443", "a=1; b=2", ";;", "curl/8",
            "application/json", "image/png", "IMAGE/PNG", "application/octet-stream",
            "text/plain; charset=utf-8",
        ])
        .prop_map(str::to_string),
        odd_text(12),
    ]
}

/// Raw query strings: repeated keys, `+`, `%xx` (valid, invalid, non-UTF-8), empty values.
fn raw_query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(
            prop::sample::select(vec![
                "a", "A", "b", "=", "&", "+", "%2B", "%20", "%zz", "%", "%C3%A9", "%FF", "%0A", "%00",
                "%22", "%5C", "é", "\"", "\\", "1", "x+y", "?", "#",
            ]),
            0..14,
        )
        .prop_map(|parts| parts.concat()),
        1 => odd_text(16),
    ]
}

fn pair_list(keys: Vec<&'static str>) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![3 => prop::sample::select(keys).prop_map(str::to_string), 1 => odd_text(5)],
            odd_text(8),
        ),
        0..4,
    )
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        odd_text(40).prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..48),
        Just(br#"{"a":"b\n","c":[1,2]}"#.to_vec()),
        Just(b"caf\xc3\xa9 \xff\xfe \xc3".to_vec()),
    ]
}

fn binary_media_types() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop::sample::select(vec!["image/png", "image/*", "*/*", "application/octet-stream",
                                  "application~1json", "text/*"])
            .prop_map(str::to_string),
        0..3,
    )
}

prop_compose! {
    fn context()(
        filled in any::<bool>(),
        texts in prop::collection::vec(odd_text(10), 16),
        user_agent in proptest::option::of(odd_text(10)),
        epoch in prop_oneof![Just(0u64), any::<u64>()],
    ) -> RequestContext {
        if !filled {
            // All empty: exercises every fallback (host, prefix, time, method, path, stage).
            return RequestContext { user_agent, ..RequestContext::default() };
        }
        let t = |i: usize| texts[i].clone();
        RequestContext {
            account_id: t(0), api_id: t(1), deployment_id: t(2), domain_name: t(3),
            domain_prefix: t(4), extended_request_id: t(5), http_method: t(6), path: t(7),
            protocol: t(8), request_id: t(9), request_time: t(10), request_time_epoch: epoch,
            resource_id: t(11), resource_path: t(12), stage: t(13), source_ip: t(14), user_agent,
        }
    }
}

prop_compose! {
    fn request()(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), odd_text(6)],
        path in prop_oneof![Just("/stage/x".to_string()), odd_text(12)],
        query in proptest::option::of(raw_query()),
        headers in prop::collection::vec((header_name(), header_value()), 0..12),
        body in body(),
        source_ip in prop_oneof![Just("203.0.113.7".to_string()), Just(String::new()), odd_text(6)],
        request_id in odd_text(6),
        now_ms in prop_oneof![Just(1_764_000_000_000u64), 0u64..4_102_444_800_000],
    ) -> Request {
        let path = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        Request { method, path, headers, body, source_ip, request_id, now_ms }
    }
}

#[derive(Debug)]
struct Case {
    request: Request,
    context: RequestContext,
    resource: String,
    path: String,
    path_params: Vec<(String, String)>,
    stage_variables: Vec<(String, String)>,
    binary: Vec<String>,
}

impl Case {
    fn input(&self) -> ProxyInput<'_> {
        ProxyInput {
            request: &self.request,
            context: &self.context,
            resource: &self.resource,
            path: &self.path,
            path_params: &self.path_params,
            stage_variables: &self.stage_variables,
            binary_media_types: &self.binary,
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let input = self.input();
        prop_assert_eq!(v1::build(&input), oracle::v1(&input), "payload 1.0");
        prop_assert_eq!(v2::build(&input), oracle::v2(&input), "payload 2.0");
        Ok(())
    }
}

prop_compose! {
    fn case()(
        request in request(),
        context in context(),
        resource in prop_oneof![Just("/{proxy+}".to_string()), odd_text(8)],
        path in odd_text(10),
        path_params in pair_list(vec!["id", "proxy", "Id"]),
        stage_variables in pair_list(vec!["alias", "env", "Alias"]),
        binary in binary_media_types(),
    ) -> Case {
        Case { request, context, resource, path, path_params, stage_variables, binary }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn events_match_the_value_builders(case in case()) {
        case.check()?;
    }
}

/// The benchmark's request (benches/core-time) and a few hand-picked edges.
#[test]
fn fixed_cases_match() {
    let pairs = |l: &[(&str, &str)]| -> Vec<(String, String)> {
        l.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    let mut body = String::from(r#"{"order":"o-123456","items":["#);
    while body.len() < 1000 {
        body.push_str(r#"{"sku":"A-1000","name":"bench item","qty":3,"price":12.5,"tags":["x","y","z"]},"#);
    }
    body.push_str("]}");
    let base = Case {
        request: Request {
            method: "POST".into(),
            path: "/orders/o-123456/items?expand=true&limit=20&tag=a&tag=b".into(),
            headers: pairs(&[
                ("host", "abc123.execute-api.us-east-1.amazonaws.com"),
                ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
                ("accept", "application/json"),
                ("accept-encoding", "gzip, deflate, br"),
                ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"),
                ("content-type", "application/json"),
                ("content-length", "1000"),
                ("x-forwarded-for", "203.0.113.7"),
                ("x-forwarded-proto", "https"),
                ("cookie", "a=1; b=2"),
                ("cookie", " ; c=3"),
            ]),
            body: body.into_bytes(),
            source_ip: "203.0.113.7".into(),
            request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef".into(),
            now_ms: 1_764_000_000_000,
        },
        context: RequestContext::default(),
        resource: "/orders/{id}/items".into(),
        path: "/orders/o-123456/items".into(),
        path_params: pairs(&[("id", "o-123456"), ("x", "1"), ("id", "again")]),
        stage_variables: pairs(&[("a", "1"), ("a", "2")]),
        binary: Vec::new(),
    };
    base.check().unwrap();

    let mut binary = Case { binary: vec!["application/*".into()], ..base };
    binary.check().unwrap();
    binary.request.body.clear();
    binary.request.path = "/x?".into();
    binary.path_params.clear();
    binary.stage_variables.clear();
    binary.request.headers.clear();
    binary.check().unwrap();
}

#[path = "event_golden.rs"]
mod golden;

/// The golden files of `tests/event_golden.rs` hold exactly what the Value builders print.
#[test]
fn golden_files_hold_the_oracle_output() {
    let cases = golden::cases();
    assert_eq!(cases.len(), 18);
    for case in cases {
        let input = case.input();
        for (payload, build) in [("v1", oracle::v1 as fn(&ProxyInput) -> String), ("v2", oracle::v2)] {
            let golden = std::fs::read_to_string(golden::golden_file(case.name, payload)).unwrap();
            assert_eq!(golden, build(&input), "{} {payload}", case.name);
        }
    }
}
