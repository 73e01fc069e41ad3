//! The API key step of the request flow (README: "API keys and usage plans"; access-control
//! notes §1): after the authorizer or IAM ([`Gateway::admit`]), before throttling and request
//! validation ([`Gateway::finish`]). A refusal answers 403 Forbidden (INVALID_API_KEY, as the
//! deployment customises it) and nothing after it runs.

use super::{KeySource, KEY_HEADER};
use crate::gateway::{Gateway, Reply, Routed};
use crate::gateway_responses::ResponseType;
use crate::http::Request;

impl Gateway {
    /// Checks the API key of a key-required method: the request goes on with the key's identity
    /// (`$context.identity.apiKey`/`apiKeyId`), or is answered now. Operations that require no
    /// key, and key-required ones under `skipUnenforcedAuth` without `apiKeys` (served open, warned
    /// at load), go on unchanged.
    pub fn admit_api_key(&self, routed: Routed, req: &Request) -> Result<Routed, Reply> {
        let Some(dep) = self.config.deployments.get(routed.deployment) else { return Ok(routed) };
        let required = dep.api.operations.get(routed.operation).is_some_and(|o| o.api_key_required);
        if !required || (self.config.api_keys.is_none() && self.config.skip_unenforced_auth) {
            return Ok(routed);
        }
        let presented = match dep.api.api_key_source {
            KeySource::Header => presented_header(req),
            KeySource::Authorizer => routed.authorizer.as_ref().and_then(|a| a.usage_identifier_key.as_deref()),
        };
        // Without `apiKeys` every key is unknown: the operation fails closed (README).
        match self.config.api_keys.as_ref().map(|keys| keys.admit(routed.deployment, routed.operation, presented)) {
            Some(Ok((key, metered))) => Ok(Routed { api_key: Some(key), metered, ..routed }),
            Some(Err(_)) | None => Err(self.error_reply(Some(dep), req, Some(&routed), ResponseType::InvalidApiKey, "Forbidden", None)),
        }
    }

    /// The usage plan whose limits apply to a request [`admit_api_key`](Self::admit_api_key)
    /// admitted: what the throttling step reads (README: "API keys and usage plans").
    pub fn usage_plan_of(&self, routed: &Routed) -> Option<&super::UsagePlan> {
        let key = routed.api_key.as_ref()?;
        self.config.api_keys.as_ref()?.usage_plan_of(routed.deployment, &key.id)
    }
}

/// The `x-api-key` header (any case); sent more than once, its last value, as every single-value
/// read of a repeated header (README: "Parameter mappings").
pub fn presented_header(req: &Request) -> Option<&str> {
    req.headers.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(KEY_HEADER)).map(|(_, v)| v.as_str())
}
