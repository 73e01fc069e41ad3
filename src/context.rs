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
