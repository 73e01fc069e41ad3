//! The adapter's decisions before [`Gateway::start`], host-independent: which values of the host to
//! read and what they mean. The adapter reads, calls these, and goes on with the result.

use crate::gateway::{Gateway, Reply};
use crate::gateway_responses::ResponseType;
use crate::http::Request;

/// A request from Envoy's request header map (pseudo-headers included, names lower-case; the
/// headers Envoy adds itself left out: [`crate::headers::ENVOY_ADDED_REQUEST_HEADERS`]), with the
/// ids the adapter made for it (`$context.requestId`, and the `x-amz-apigw-id` that is also
/// `$context.extendedRequestId`). The source address and time are filled in later, only when read.
pub fn request_from_head(mut headers: Vec<(String, String)>, request_id: String, extended_request_id: String) -> Request {
    headers.retain(|(k, _)| !crate::headers::contains(crate::headers::ENVOY_ADDED_REQUEST_HEADERS, k));
    let pseudo = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    Request {
        method: pseudo(":method"),
        path: pseudo(":path"),
        source_ip: String::new(),
        request_id,
        extended_request_id,
        now_ms: 0,
        body: Vec::new(),
        headers,
    }
}

/// The caller's IP from Envoy's `source.address` (`ip:port`, IPv6 as `[::1]:port`): the port and
/// brackets go, as `$context.identity.sourceIp` has it.
pub fn source_ip(address: &str) -> String {
    let ip = match address.rsplit_once(':') {
        Some((ip, port)) if port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => address,
    };
    ip.trim_start_matches('[').trim_end_matches(']').to_string()
}

impl Gateway {
    /// Whether the route's metadata must be read to pick the deployment: only when there is a
    /// choice, since each property read is a host call.
    pub fn chooses_deployment(&self) -> bool {
        self.config.deployments.len() > 1
    }

    /// The deployment serving a request whose Envoy route names `name` (`None`: no name, or
    /// [`chooses_deployment`](Self::chooses_deployment) said not to read it). A name no deployment
    /// has is a configuration mistake between Envoy's routes and the plugin: the client gets the
    /// answer to an unknown route, and the log says why.
    pub fn deployment_for(&self, name: Option<&str>, req: &Request) -> Result<usize, Reply> {
        self.config.deployment_index(name).ok_or_else(|| {
            self.error_reply(None, req, None, ResponseType::MissingAuthenticationToken,
                "Missing Authentication Token", Some(format!("route names unknown deployment {name:?}")))
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // Method and path come from the pseudo-headers, which stay in the header list; missing ones are empty.
    #[test]
    fn request_from_envoys_head() {
        let head = pairs(&[(":method", "GET"), (":path", "/a?b=1"), (":authority", "h"), ("x-a", "1")]);
        let mut with_envoys = head.clone();
        with_envoys.push(("x-envoy-external-address".into(), "127.0.0.1".into()));
        let r = request_from_head(with_envoys, "id".into(), "ext".into());
        assert_eq!((r.method.as_str(), r.path.as_str(), r.request_id.as_str(), r.extended_request_id.as_str()), ("GET", "/a?b=1", "id", "ext"));
        assert_eq!(r.headers, head);
        assert_eq!((r.source_ip.as_str(), r.now_ms, r.body.len()), ("", 0, 0));
        let bare = request_from_head(Vec::new(), String::new(), String::new());
        assert_eq!((bare.method.as_str(), bare.path.as_str()), ("", ""));
    }

    // Envoy always gives a port; a bare IPv6 address without brackets would lose its last group.
    #[test]
    fn source_addresses() {
        for (address, ip) in [("127.0.0.1:5555", "127.0.0.1"), ("[::1]:80", "::1"), ("[2001:db8::1]:443", "2001:db8::1"),
                              ("10.0.0.1", "10.0.0.1"), ("", "")] {
            assert_eq!(source_ip(address), ip, "{address}");
        }
    }

    fn gateway(config: serde_json::Value) -> Gateway {
        Gateway::from_bytes(config.to_string().as_bytes()).unwrap()
    }

    // One deployment: the route's metadata is not read and every request goes to it.
    // Several: the name picks one; an unknown name is the unknown route's 403, logged.
    #[test]
    fn deployment_choice() {
        let api = serde_json::json!({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {}});
        let one = gateway(serde_json::json!({"api": api}));
        let req = Request { request_id: "rid".into(), ..Request::default() };
        assert!(!one.chooses_deployment());
        assert_eq!(one.deployment_for(None, &req), Ok(0));
        let two = gateway(serde_json::json!({"apis": {"a": api}, "deployments": [
            {"name": "a-prod", "api": "a", "stage": "prod"}, {"name": "a-beta", "api": "a", "stage": "beta"}]}));
        assert!(two.chooses_deployment());
        assert_eq!(two.deployment_for(Some("a-beta"), &req), Ok(1));
        let err = two.deployment_for(Some("nope"), &req).unwrap_err();
        assert_eq!((err.response.status, err.response.body.as_slice()),
                   (403, &b"{\"message\":\"Missing Authentication Token\"}"[..]));
        assert_eq!(err.log.as_deref(), Some("route names unknown deployment Some(\"nope\")"));
    }
}
