//! IAM authorization of incoming requests (`x-amazon-apigateway-auth: {type: AWS_IAM}`, or a scheme
//! with `x-amazon-apigateway-authtype: awsSigv4`), host-independent (README: "IAM").
//!
//! Off AWS nobody can check a real AWS secret, so the gateway verifies Signature Version 4 against
//! the configured key set (`iamKeys`: access key id → secret, principal ARN, optional identity
//! policy). What is checked, as AWS documents for SigV4 ("Create a signed AWS API request",
//! "Authentication methods" for query parameters, and "Troubleshoot signed requests for AWS APIs"):
//! the `Authorization` header or the presigned query (`X-Amz-Algorithm`, `X-Amz-Credential`,
//! `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Signature`, `X-Amz-Expires`); the credential scope
//! (`<date>/<the deployment's region>/execute-api/aws4_request`); the date within 5 minutes of the
//! request time (a presigned URL: not before that, and until `X-Amz-Expires` after it); the
//! signature over the canonical request of [`crate::sigv4`] (the path as the client sent it, encoded
//! once more; the query decoded and re-encoded; the signed headers, `host` read from Envoy's
//! `:authority`; the SHA-256 of the body), compared in constant time.

#[cfg(test)]
mod tests;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::authorizer::policy::Policy;
use crate::error::ConfigError;

/// The SigV4 service name of API calls.
pub const SERVICE: &str = "execute-api";
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
/// How far `X-Amz-Date` may be from the request time (AWS: "An API request must reach AWS within
/// five minutes of the timestamp in the request").
pub const MAX_SKEW_MS: u64 = 5 * 60 * 1000;
/// The longest `X-Amz-Expires` of a presigned URL: 7 days (AWS docs, "Authentication methods").
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;

/// AWS's answer to a signature that does not match (users' captures of execute-api answers): this
/// sentence, then the canonical request and the string to sign the gateway computed.
pub const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/// AWS's answer to an access key it does not know.
pub const UNKNOWN_KEY: &str = "The security token included in the request is invalid.";

/// One configured caller.
#[derive(Clone, PartialEq)]
pub struct IamKey {
    pub access_key_id: String,
    secret_access_key: String,
    /// The principal ARN (`arn:aws:iam::123456789012:user/alice`).
    pub arn: String,
    /// The ARN's 5th field.
    pub account_id: String,
    /// An identity policy for `execute-api:Invoke`; `None`: the key may invoke every method.
    pub policy: Option<Policy>,
}

impl std::fmt::Debug for IamKey {
    // Never the secret, not even in a debug line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamKey").field("access_key_id", &self.access_key_id).field("arn", &self.arn).finish()
    }
}

/// The plugin configuration's `iamKeys`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeySet {
    keys: Vec<IamKey>,
}

const KEY_FIELDS: [&str; 4] = ["accessKeyId", "secretAccessKey", "arn", "policy"];

impl KeySet {
    /// `[{"accessKeyId", "secretAccessKey", "arn", "policy"?}, ...]`; errors name the field
    /// (`iamKeys[1].arn`). An access key listed twice is refused.
    pub fn parse(value: &Value) -> Result<KeySet, ConfigError> {
        let list = value
            .as_array()
            .ok_or_else(|| ConfigError::new("", "iamKeys", "must be a list of {\"accessKeyId\", \"secretAccessKey\", \"arn\"}"))?;
        let mut keys: Vec<IamKey> = Vec::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let at = format!("iamKeys[{i}]");
            let key = parse_key(entry, &at)?;
            if keys.iter().any(|k| k.access_key_id == key.access_key_id) {
                return Err(ConfigError::new("", format!("{at}.accessKeyId"), "this access key is listed twice"));
            }
            keys.push(key);
        }
        Ok(KeySet { keys })
    }

    pub fn find(&self, access_key_id: &str) -> Option<&IamKey> {
        self.keys.iter().find(|k| k.access_key_id == access_key_id)
    }
}

fn parse_key(entry: &Value, at: &str) -> Result<IamKey, ConfigError> {
    let obj = entry.as_object().ok_or_else(|| ConfigError::new("", at, "must be an object"))?;
    if let Some(k) = obj.keys().find(|k| !KEY_FIELDS.contains(&k.as_str())) {
        return Err(ConfigError::new("", format!("{at}.{k}"), "unknown key (accessKeyId, secretAccessKey, arn, policy)"));
    }
    let text = |name: &str| -> Result<String, ConfigError> {
        match obj.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(ConfigError::new("", format!("{at}.{name}"), "required, a non-empty string")),
        }
    };
    let (access_key_id, secret_access_key, arn) = (text("accessKeyId")?, text("secretAccessKey")?, text("arn")?);
    let account_id = arn_account(&arn)
        .ok_or_else(|| ConfigError::new("", format!("{at}.arn"), format!("{arn:?} is not an ARN with a 12-digit account (arn:aws:iam::123456789012:user/name)")))?;
    let policy = match obj.get("policy") {
        None | Some(Value::Null) => None,
        Some(doc) => Some(parse_policy(doc).map_err(|e| ConfigError::new("", format!("{at}.policy"), e))?),
    };
    Ok(IamKey { access_key_id, secret_access_key, arn, account_id, policy })
}

/// An identity policy: a document, or its JSON text.
fn parse_policy(doc: &Value) -> Result<Policy, String> {
    match doc {
        Value::String(text) => {
            let parsed: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON policy document: {e}"))?;
            Policy::parse(&parsed)
        }
        other => Policy::parse(other),
    }
}

/// The account of an ARN (`arn:partition:service:region:account:resource`): its 5th field.
fn arn_account(arn: &str) -> Option<String> {
    let mut fields = arn.splitn(6, ':');
    let (prefix, _, _, _, account, resource) =
        (fields.next()?, fields.next()?, fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    let valid = prefix == "arn" && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !resource.is_empty();
    valid.then(|| account.to_string())
}

/// The request as the signer saw it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (Envoy's `:path` before `?`): percent-encoded as the client encoded it.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    /// Header names lower-case (Envoy's), pseudo-headers included.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub now_ms: u64,
    /// The region the credential must be scoped to: the deployment's.
    pub region: &'a str,
}

/// Why a request is not authenticated: each is one of AWS's 403 answers (README: "IAM").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No `Authorization` header and no presigned query: Missing Authentication Token.
    Missing,
    /// Not a complete SigV4 signature: `IncompleteSignatureException` with this message.
    Incomplete(String),
    /// An access key the key set does not have: `UnrecognizedClientException`.
    UnknownKey,
    /// Wrong signature, scope or date: `InvalidSignatureException` with this message.
    Invalid(String),
}

/// The signature's parts, from the header or the query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signed<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    amz_date: &'a str,
    /// `X-Amz-Expires` of a presigned URL; `None` for a header.
    expires: Option<u64>,
}

/// The key that signed the request, or why it is refused.
pub fn verify<'k>(keys: &'k KeySet, req: &Incoming) -> Result<&'k IamKey, Failure> {
    let query = crate::query::decode(req.query);
    // SigV4 takes the time from `X-Amz-Date`, else from the HTTP `Date` header (AWS SigV4 docs:
    // "Handling dates"), whose IMF-fixdate the string to sign carries in the basic ISO-8601 form.
    let (date_header, date_source) = match header(req.headers, "x-amz-date") {
        Some(amz) => (Some(amz.to_string()), "X-Amz-Date"),
        None => (header(req.headers, "date").map(|d| imf_fixdate_as_amz(d).unwrap_or_else(|| d.to_string())), "Date"),
    };
    let (signed, date_source) = match header(req.headers, "authorization") {
        Some(authorization) => (from_header(authorization, date_header.as_deref())?, date_source),
        None if query.iter().any(|(k, _)| k.starts_with("X-Amz-")) => (from_query(&query)?, "X-Amz-Date"),
        None => return Err(Failure::Missing),
    };
    let (key_id, scope) = signed
        .credential
        .split_once('/')
        .ok_or_else(|| Failure::Incomplete(format!("Authorization header requires 'Credential' parameter. Credential={}", signed.credential)))?;
    let key = keys.find(key_id).ok_or(Failure::UnknownKey)?;
    let signed_ms = parse_amz_date(signed.amz_date).ok_or_else(|| {
        Failure::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            signed.amz_date
        ))
    })?;
    let date = check_scope(scope, signed.amz_date, date_source, req.region)?;
    check_time(signed.amz_date, signed_ms, signed.expires, req.now_ms)?;
    let payload_hash = payload_hash(req)?;
    let path = if req.path.is_empty() { "/" } else { req.path };
    let query = if signed.expires.is_some() { without_signature(req.query) } else { req.query.to_string() };
    let headers = signed_header_values(req.headers, signed.signed_headers);
    let (creq, _) = crate::sigv4::canonical_request(req.method, path, &query, &headers, &payload_hash);
    let sts = crate::sigv4::string_to_sign(signed.amz_date, scope, &creq);
    let expected = crate::sigv4::signature(&key.secret_access_key, date, req.region, SERVICE, &sts);
    if constant_time_eq(expected.as_bytes(), signed.signature.as_bytes()) {
        Ok(key)
    } else {
        Err(Failure::Invalid(format!(
            "{MISMATCH}\n\nThe Canonical String for this request should have been\n'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n"
        )))
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. A header that is not of
/// that shape gets [`crate::sigv4::incomplete_signature`]'s message; another algorithm too (our
/// choice: AWS's answer to one is not recorded).
fn from_header<'a>(authorization: &'a str, amz_date: Option<&'a str>) -> Result<Signed<'a>, Failure> {
    if let Some(message) = crate::sigv4::incomplete_signature(authorization, amz_date.is_some()) {
        return Err(Failure::Incomplete(message));
    }
    let value = authorization.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(Failure::Incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'")));
    }
    let param = |name: &str| {
        rest.split(',')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| k.trim() == name)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    Ok(Signed {
        credential: param("Credential"),
        signed_headers: param("SignedHeaders"),
        signature: param("Signature"),
        amz_date: amz_date.unwrap_or("").trim(),
        expires: None,
    })
}

const QUERY_PARAMS: [&str; 5] = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"];

/// A presigned URL's parameters; each missing one is named, in AWS's words.
fn from_query<'a>(query: &'a [(String, String)]) -> Result<Signed<'a>, Failure> {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let missing: String = QUERY_PARAMS
        .iter()
        .filter(|p| get(p).is_none())
        .map(|p| format!("AWS query-string parameters must include '{p}'. "))
        .collect();
    if !missing.is_empty() {
        return Err(Failure::Incomplete(format!("{missing}Re-examine the query-string parameters.")));
    }
    let algorithm = get("X-Amz-Algorithm").unwrap_or("");
    if algorithm != ALGORITHM {
        return Err(Failure::Incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'")));
    }
    let expires = match get("X-Amz-Expires") {
        None => MAX_SKEW_MS / 1000,
        Some(text) => match text.parse::<u64>() {
            Ok(n) if n <= MAX_EXPIRES_SECONDS => n,
            Ok(_) => return Err(Failure::Invalid(format!("X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}"))),
            Err(_) => return Err(Failure::Incomplete("X-Amz-Expires should be a number".to_string())),
        },
    };
    Ok(Signed {
        credential: get("X-Amz-Credential").unwrap_or(""),
        signed_headers: get("X-Amz-SignedHeaders").unwrap_or(""),
        signature: get("X-Amz-Signature").unwrap_or(""),
        amz_date: get("X-Amz-Date").unwrap_or(""),
        expires: Some(expires),
    })
}

/// `<date>/<region>/execute-api/aws4_request`, checked in AWS's words (AWS docs: "Troubleshoot
/// signed requests for AWS APIs", credential scope errors). Returns the date.
fn check_scope<'s>(scope: &'s str, amz_date: &str, date_source: &str, region: &str) -> Result<&'s str, Failure> {
    let mut parts = scope.splitn(4, '/');
    let (date, scope_region, service, terminator) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if terminator != TERMINATOR {
        return Err(Failure::Invalid(format!("Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. ")));
    }
    if scope_region != region {
        return Err(Failure::Invalid(format!("Credential should be scoped to a valid region, not '{scope_region}'. ")));
    }
    if service != SERVICE {
        return Err(Failure::Invalid(format!("Credential should be scoped to correct service: '{SERVICE}'. ")));
    }
    let http_date = amz_date.get(..8).unwrap_or(amz_date);
    if date != http_date {
        return Err(Failure::Invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{http_date}', from '{date_source}'."
        )));
    }
    Ok(date)
}

/// The date against the request time: ±5 minutes for a header; for a presigned URL not more than 5
/// minutes early and not later than `X-Amz-Expires` after it. The messages are AWS's (users'
/// captures of execute-api answers; the expiry of a presigned URL in seconds is our choice).
fn check_time(amz_date: &str, signed_ms: u64, expires: Option<u64>, now_ms: u64) -> Result<(), Failure> {
    let now = crate::time::amz_date(now_ms);
    if signed_ms > now_ms.saturating_add(MAX_SKEW_MS) {
        let limit = crate::time::amz_date(now_ms.saturating_add(MAX_SKEW_MS));
        return Err(Failure::Invalid(format!("Signature not yet current: {amz_date} is still later than {limit} ({now} + 5 min.)")));
    }
    let (window_ms, window) = match expires {
        None => (MAX_SKEW_MS, "5 min.".to_string()),
        Some(seconds) => (seconds.saturating_mul(1000), format!("{seconds} sec.")),
    };
    if signed_ms < now_ms.saturating_sub(window_ms) {
        let limit = crate::time::amz_date(now_ms.saturating_sub(window_ms));
        return Err(Failure::Invalid(format!("Signature expired: {amz_date} is now earlier than {limit} ({now} - {window})")));
    }
    Ok(())
}

/// An HTTP `Date` (IMF-fixdate, `Wed, 25 Nov 2026 06:20:28 GMT`) as `yyyyMMddTHHmmssZ`; `None` for
/// any other form (then the text itself is refused as not ISO-8601, our choice).
fn imf_fixdate_as_amz(text: &str) -> Option<String> {
    let (_weekday, rest) = text.trim().split_once(", ")?;
    let mut parts = rest.split(' ');
    let (day, month, year, time, zone) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || zone != "GMT" || day.len() != 2 || year.len() != 4 || time.len() != 8 {
        return None;
    }
    let month = crate::time::month_number(month)?;
    let (hms, digits) = (time.replace(':', ""), |t: &str| t.bytes().all(|c| c.is_ascii_digit()));
    if !digits(day) || !digits(year) || hms.len() != 6 || !digits(&hms) {
        return None;
    }
    Some(format!("{year}{month:02}{day}T{hms}Z"))
}

/// `yyyyMMddTHHmmssZ` → epoch milliseconds.
pub fn parse_amz_date(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u64> {
        let digits = text.get(from..to)?;
        digits.bytes().all(|c| c.is_ascii_digit()).then(|| digits.parse().ok()).flatten()
    };
    let (year, month, day) = (num(0, 4)?, num(4, 6)?, num(6, 8)?);
    let (hour, minute, second) = (num(9, 11)?, num(11, 13)?, num(13, 15)?);
    let valid = (1970..=9999).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
        && hour < 24 && minute < 60 && second < 61;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let time_of_day = hour.checked_mul(3600)?.checked_add(minute.checked_mul(60)?)?.checked_add(second)?;
    let seconds = days.checked_mul(86_400)?.checked_add(time_of_day)?;
    seconds.checked_mul(1000)
}

/// Days since 1970-01-01 of a date from 1970 on (Howard Hinnant's days-from-civil algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 { year.checked_sub(1)? } else { year };
    let (era, yoe) = (y / 400, y % 400);
    let mp = if month > 2 { month.checked_sub(3)? } else { month.checked_add(9)? };
    let doy = mp.checked_mul(153)?.checked_add(2)? / 5 + day.checked_sub(1)?;
    let doe = yoe.checked_mul(365)?.checked_add(yoe / 4)?.checked_sub(yoe / 100)?.checked_add(doy)?;
    era.checked_mul(146_097)?.checked_add(doe)?.checked_sub(719_468)
}

/// The SHA-256 of the body. A client's `x-amz-content-sha256` must be that hash (our choice:
/// `UNSIGNED-PAYLOAD` or another value would let a body be changed after signing).
fn payload_hash(req: &Incoming) -> Result<String, Failure> {
    let hash = hex::encode(Sha256::digest(req.body));
    match header(req.headers, "x-amz-content-sha256") {
        Some(claimed) if !claimed.trim().eq_ignore_ascii_case(&hash) => Err(Failure::Invalid(
            "The provided 'x-amz-content-sha256' header does not match what was computed.".to_string(),
        )),
        _ => Ok(hash),
    }
}

/// The raw query without its `X-Amz-Signature` pair (a presigned URL signs everything else).
fn without_signature(query: &str) -> String {
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split_once('=').map_or(*p, |(k, _)| k) != "X-Amz-Signature")
        .collect();
    kept.join("&")
}

/// The values of the headers `SignedHeaders` names, `host` from Envoy's `:authority` (HTTP/1.1's
/// Host becomes `:authority`); a signed header the request lacks counts as empty (the signature then
/// does not match).
fn signed_header_values(headers: &[(String, String)], signed: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in signed.split(';').map(str::trim).filter(|n| !n.is_empty()) {
        let lower = name.to_ascii_lowercase();
        let source = if lower == "host" && header(headers, "host").is_none() { ":authority" } else { lower.as_str() };
        let before = out.len();
        out.extend(headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(source)).map(|(_, v)| (lower.clone(), v.clone())));
        if out.len() == before {
            out.push((lower, String::new()));
        }
    }
    out
}

/// Equal bytes, in a time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `$context.identity` fields of a verified caller (README: "IAM").
pub fn identity(key: &IamKey) -> crate::context::IamIdentity {
    crate::context::IamIdentity {
        access_key: key.access_key_id.clone(),
        account_id: key.account_id.clone(),
        caller: key.access_key_id.clone(),
        user: key.access_key_id.clone(),
        user_arn: key.arn.clone(),
    }
}
