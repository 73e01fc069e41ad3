//! Cognito user pool authorizers (README: "Cognito user pool authorizers").
//!
//! Envoy's `jwt_authn` filter, placed before this one, verifies each token's RS256 signature
//! against its user pool's key set and leaves the verified payload in dynamic metadata under
//! the pool's issuer (`payload_in_metadata`; it never answers itself: `allow_missing_or_failed`,
//! and its own clock-skew allowance is made so large that the time checks are all made here).
//! The adapter reads that payload for the operation's pools only ([`CognitoPlan::issuers`]), and
//! [`authenticate`] does what is API Gateway's:
//!
//! 1. the token: the scheme's header, sent once, raw or after `Bearer ` (our choice: both work);
//!    missing or empty → 401 Unauthorized;
//! 2. its payload, decoded from the token itself (the metadata's serialization loses the JSON
//!    types), must be exactly what Envoy verified ([`super::metadata::same_object`]), for one of
//!    the authorizer's pools, and its `iss` that pool's issuer → else 401 Unauthorized;
//! 3. `exp`: required; at or after it → 401 "The incoming token has expired" (no clock skew, our
//!    choice); `nbf`, when present, must have passed;
//! 4. a method without scopes takes an ID token (`token_use` `id`); a method with scopes an access
//!    token (`token_use` `access`) whose `scope` lists one of them;
//! 5. `identityValidationExpression` must match the whole `aud` of an ID token (`client_id` of an
//!    access token);
//! 6. the claims map ([`super::claims::claims_map`]) is what reaches the integration.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::definition::CognitoAuthorizer;

/// The dynamic metadata namespace Envoy's `jwt_authn` filter writes payloads under.
pub const JWT_AUTHN_NAMESPACE: &str = "envoy.filters.http.jwt_authn";

/// An operation's Cognito requirement, from its `security` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Index in the API's Cognito authorizers.
    pub authorizer: usize,
    /// `authorizationScopes`: the scopes the entry lists (empty: an ID token is expected).
    pub scopes: Vec<String>,
}

/// What one operation's Cognito check needs, compiled at load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoPlan {
    pub requirement: Requirement,
    /// The issuers of the authorizer's pools whose tokens Envoy verifies (`cognitoUserPools`):
    /// the metadata keys the adapter reads, in the definition's order.
    pub issuers: Vec<String>,
}

impl CognitoPlan {
    /// The plan, or why the operation stays closed: none of its pools is verified by Envoy.
    /// `verified` lists the pools of `cognitoUserPools` (ids or ARNs).
    pub fn compile(requirement: &Requirement, authorizer: &CognitoAuthorizer, verified: &[String]) -> Result<CognitoPlan, String> {
        let listed = |id: &str, arn: &str| verified.iter().any(|v| v == id || v == arn);
        let issuers: Vec<String> =
            authorizer.pools.iter().filter(|p| listed(&p.id, &p.arn)).map(|p| p.issuer.clone()).collect();
        if issuers.is_empty() {
            let ids: Vec<&str> = authorizer.pools.iter().map(|p| p.id.as_str()).collect();
            return Err(format!(
                "authorizer {:?}: user pool {} not in cognitoUserPools (Envoy's jwt_authn must verify its tokens: README \"Cognito user pool authorizers\")",
                authorizer.name,
                ids.join(", ")
            ));
        }
        Ok(CognitoPlan { requirement: requirement.clone(), issuers })
    }
}

/// A payload Envoy's `jwt_authn` verified: the issuer it was found under and its bytes as
/// `get_property` returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload {
    pub issuer: String,
    pub bytes: Vec<u8>,
}

/// Why a request is refused: both are 401 UNAUTHORIZED (README: "Cognito user pool authorizers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// `{"message":"Unauthorized"}`.
    Unauthorized,
    /// `{"message":"The incoming token has expired"}`.
    Expired,
}

impl Rejection {
    /// `$context.error.message`.
    pub fn message(self) -> &'static str {
        match self {
            Rejection::Unauthorized => "Unauthorized",
            Rejection::Expired => "The incoming token has expired",
        }
    }
}

/// What one request's check reads.
pub struct TokenCheck<'a> {
    pub authorizer: &'a CognitoAuthorizer,
    /// The method's scopes (empty: ID tokens).
    pub scopes: &'a [String],
    /// The request headers, lower-case names.
    pub headers: &'a [(String, String)],
    /// What Envoy verified, if anything.
    pub verified: Option<&'a VerifiedPayload>,
    /// The request time.
    pub now_ms: u64,
}

/// The claims map of an accepted token, or the refusal.
pub fn authenticate(check: &TokenCheck) -> Result<Vec<(String, String)>, Rejection> {
    let token = token(check.headers, &check.authorizer.header).ok_or(Rejection::Unauthorized)?;
    let verified = check.verified.ok_or(Rejection::Unauthorized)?;
    if !check.authorizer.pools.iter().any(|p| p.issuer == verified.issuer) {
        return Err(Rejection::Unauthorized);
    }
    let payload = decode_payload(token).ok_or(Rejection::Unauthorized)?;
    if !super::metadata::same_object(&payload, &verified.bytes) || text(&payload, "iss") != Some(verified.issuer.as_str()) {
        return Err(Rejection::Unauthorized);
    }
    check_time(&payload, check.now_ms)?;
    let audience = if check.scopes.is_empty() {
        if text(&payload, "token_use") != Some("id") {
            return Err(Rejection::Unauthorized);
        }
        text(&payload, "aud")
    } else {
        let granted = text(&payload, "scope").unwrap_or("");
        let has_scope = granted.split(' ').any(|s| !s.is_empty() && check.scopes.iter().any(|m| m == s));
        if text(&payload, "token_use") != Some("access") || !has_scope {
            return Err(Rejection::Unauthorized);
        }
        text(&payload, "client_id")
    };
    if let Some(re) = &check.authorizer.validation {
        if !audience.is_some_and(|a| re.full_match(a)) {
            return Err(Rejection::Unauthorized);
        }
    }
    Ok(super::claims::claims_map(&payload))
}

/// `exp` (required, a number) and `nbf` (when present) against the request time, in seconds.
fn check_time(payload: &Map<String, Value>, now_ms: u64) -> Result<(), Rejection> {
    let now = now_ms as f64 / 1000.0;
    let exp = payload.get("exp").and_then(Value::as_f64).ok_or(Rejection::Unauthorized)?;
    if now >= exp {
        return Err(Rejection::Expired);
    }
    match payload.get("nbf") {
        None => Ok(()),
        Some(nbf) => match nbf.as_f64() {
            Some(nbf) if now >= nbf => Ok(()),
            _ => Err(Rejection::Unauthorized),
        },
    }
}

fn text<'a>(payload: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str)
}

/// The token in the header `name`: its value, sent once (a repeated header with different values
/// is refused: which one a client meant is unknowable), without a leading `Bearer `.
pub fn token<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut values = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let first = values.next()?;
    if values.any(|v| v != first) {
        return None;
    }
    let token = first.strip_prefix("Bearer ").unwrap_or(first).trim();
    (!token.is_empty()).then_some(token)
}

/// base64url, with or without padding (both reach Envoy's verifier).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A JWT's payload (`header.payload.signature`), when it is a JSON object.
pub fn decode_payload(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let bytes = BASE64URL.decode(payload).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
