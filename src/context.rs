//! `$context`: the per-request values API Gateway exposes to templates, events and gateway responses.

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
}

impl RequestContext {
    /// Looks up a `context.<name>` mapping source (`context.requestId`, `context.identity.sourceIp`).
    /// Unknown names give `None`; null identity fields give `Some("")`.
    pub fn lookup(&self, name: &str) -> Option<String> {
        let v = match name {
            "accountId" => self.account_id.clone(),
            "apiId" => self.api_id.clone(),
            "deploymentId" => self.deployment_id.clone(),
            "domainName" => self.domain_name.clone(),
            "domainPrefix" => self.domain_prefix.clone(),
            "extendedRequestId" => self.extended_request_id.clone(),
            "httpMethod" => self.http_method.clone(),
            "path" => self.path.clone(),
            "protocol" => self.protocol.clone(),
            "requestId" => self.request_id.clone(),
            "requestTime" => self.request_time.clone(),
            "requestTimeEpoch" => self.request_time_epoch.to_string(),
            "resourceId" => self.resource_id.clone(),
            "resourcePath" => self.resource_path.clone(),
            "stage" => self.stage.clone(),
            "identity.sourceIp" => self.source_ip.clone(),
            "identity.userAgent" => self.user_agent.clone().unwrap_or_default(),
            "identity.accessKey"
            | "identity.accountId"
            | "identity.caller"
            | "identity.cognitoAuthenticationProvider"
            | "identity.cognitoAuthenticationType"
            | "identity.cognitoIdentityId"
            | "identity.cognitoIdentityPoolId"
            | "identity.principalOrgId"
            | "identity.user"
            | "identity.userArn"
            | "identity.apiKey"
            | "identity.apiKeyId" => String::new(),
            _ => return None,
        };
        Some(v)
    }
}

/// First DNS label of a host (`abc.execute-api...` -> `abc`); the port is dropped.
pub fn domain_prefix(host: &str) -> String {
    let host = host.split(':').next().unwrap_or(host);
    host.split('.').next().unwrap_or(host).to_string()
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
/// `x-amzn-RequestId` (reference §8).
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
