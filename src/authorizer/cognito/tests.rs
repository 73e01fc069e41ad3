#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use crate::authorizer::definition::{Authorizer, UserPool};
use crate::authorizer::metadata::serialize;
use serde_json::json;

const POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";
const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc";
const NOW_MS: u64 = 1_784_510_100_000;

fn authorizer(validation: Option<&str>) -> CognitoAuthorizer {
    let mut ext = json!({"type": "cognito_user_pools", "providerARNs": [POOL, "arn:aws:cognito-idp:eu-west-1:1:userpool/eu-west-1_other"]});
    if let Some(v) = validation {
        ext["identityValidationExpression"] = json!(v);
    }
    let scheme = json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": ext});
    match Authorizer::parse("pool", &scheme) {
        Ok(Some(Authorizer::Cognito(c))) => c,
        other => panic!("{other:?}"),
    }
}

fn id_payload() -> Value {
    json!({"sub": "u-1", "cognito:groups": ["admin"], "email_verified": true, "iss": ISS, "cognito:username": "alice",
           "custom:role": "admin", "aud": "client1", "token_use": "id", "auth_time": 1784510079,
           "exp": 1784513679, "iat": 1784510079})
}

fn access_payload() -> Value {
    json!({"sub": "u-1", "iss": ISS, "client_id": "client1", "token_use": "access",
           "scope": "aws.cognito.signin.user.admin pets/read", "exp": 1784513679, "iat": 1784510079, "username": "alice"})
}

/// A token whose payload is `payload` (header and signature are not looked at here: Envoy checks
/// the signature before it leaves the payload).
fn token(payload: &Value) -> String {
    format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", BASE64URL.encode(payload.to_string()))
}

/// What Envoy leaves for a token it verified.
fn verified(payload: &Value) -> VerifiedPayload {
    VerifiedPayload { issuer: ISS.into(), bytes: serialize(payload).unwrap() }
}

fn check(a: &CognitoAuthorizer, scopes: &[&str], header: Option<&str>, verified: Option<&VerifiedPayload>)
    -> Result<Vec<(String, String)>, Rejection> {
    let headers: Vec<(String, String)> = header.map(|h| ("authorization".to_string(), h.to_string())).into_iter().collect();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    authenticate(&TokenCheck { authorizer: a, scopes: &scopes, headers: &headers, verified, now_ms: NOW_MS })
}

// An ID token on a method without scopes: its claims, as strings, in the token's order.
#[test]
fn id_token_without_scopes() {
    let a = authorizer(None);
    let p = id_payload();
    let claims = check(&a, &[], Some(&token(&p)), Some(&verified(&p))).unwrap();
    let get = |k: &str| claims.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(claims[0], ("sub".to_string(), "u-1".to_string()));
    assert_eq!((get("cognito:groups"), get("email_verified"), get("custom:role")), (Some("admin"), Some("true"), Some("admin")));
    assert_eq!((get("exp"), get("auth_time")), (Some("Mon Jul 20 02:14:39 UTC 2026"), Some("1784510079")));
    // `Bearer ` in front works too (README: our choice).
    assert_eq!(check(&a, &[], Some(&format!("Bearer {}", token(&p))), Some(&verified(&p))), Ok(claims));
}

// Scopes: an access token listing one of them; an ID token, or an access token without them, is refused.
#[test]
fn scopes_take_access_tokens() {
    let a = authorizer(None);
    let (id, access) = (id_payload(), access_payload());
    assert!(check(&a, &["pets/read"], Some(&token(&access)), Some(&verified(&access))).is_ok());
    assert!(check(&a, &["email", "pets/read"], Some(&token(&access)), Some(&verified(&access))).is_ok());
    assert_eq!(check(&a, &["pets/write"], Some(&token(&access)), Some(&verified(&access))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &["pets/read"], Some(&token(&id)), Some(&verified(&id))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &[], Some(&token(&access)), Some(&verified(&access))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &["pets"], Some(&token(&access)), Some(&verified(&access))), Err(Rejection::Unauthorized));
}

// No token, nothing verified, a payload other than the verified one, another pool's issuer,
// garbage: 401 Unauthorized.
#[test]
fn unverified_tokens_are_refused() {
    let a = authorizer(None);
    let p = id_payload();
    let t = token(&p);
    assert_eq!(check(&a, &[], None, Some(&verified(&p))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &[], Some(""), Some(&verified(&p))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &[], Some("Bearer "), Some(&verified(&p))), Err(Rejection::Unauthorized));
    assert_eq!(check(&a, &[], Some(&t), None), Err(Rejection::Unauthorized));
    let mut forged = p.clone();
    forged["custom:role"] = json!("root");
    assert_eq!(check(&a, &[], Some(&token(&forged)), Some(&verified(&p))), Err(Rejection::Unauthorized));
    let elsewhere = VerifiedPayload { issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_zzz".into(), ..verified(&p) };
    assert_eq!(check(&a, &[], Some(&t), Some(&elsewhere)), Err(Rejection::Unauthorized));
    let mut other_iss = p.clone();
    other_iss["iss"] = json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other");
    assert_eq!(check(&a, &[], Some(&token(&other_iss)), Some(&verified(&other_iss))), Err(Rejection::Unauthorized));
    for garbage in ["garbage", "a.b.c", "a.e30.c.d", "..", "a.W10.c"] {
        assert_eq!(check(&a, &[], Some(garbage), Some(&verified(&p))), Err(Rejection::Unauthorized), "{garbage}");
    }
    // The token header twice with different values.
    let headers = vec![("authorization".to_string(), t.clone()), ("authorization".to_string(), "x".to_string())];
    let v = verified(&p);
    let two = TokenCheck { authorizer: &a, scopes: &[], headers: &headers, verified: Some(&v), now_ms: NOW_MS };
    assert_eq!(authenticate(&two), Err(Rejection::Unauthorized));
}

// Expired (at or after `exp`, no skew) → its own message; no `exp`, or `nbf` in the future → 401.
#[test]
fn time_checks() {
    let a = authorizer(None);
    let mut p = id_payload();
    p["exp"] = json!(NOW_MS / 1000);
    assert_eq!(check(&a, &[], Some(&token(&p)), Some(&verified(&p))), Err(Rejection::Expired));
    p["exp"] = json!(NOW_MS / 1000 + 1);
    assert!(check(&a, &[], Some(&token(&p)), Some(&verified(&p))).is_ok());
    p["nbf"] = json!(NOW_MS / 1000 + 1);
    assert_eq!(check(&a, &[], Some(&token(&p)), Some(&verified(&p))), Err(Rejection::Unauthorized));
    let mut no_exp = id_payload();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(check(&a, &[], Some(&token(&no_exp)), Some(&verified(&no_exp))), Err(Rejection::Unauthorized));
    assert_eq!(Rejection::Expired.message(), "The incoming token has expired");
}

// identityValidationExpression: the whole `aud` of an ID token, `client_id` of an access token.
#[test]
fn validation_expression_on_the_audience() {
    let a = authorizer(Some("client[0-9]"));
    let p = id_payload();
    assert!(check(&a, &[], Some(&token(&p)), Some(&verified(&p))).is_ok());
    let access = access_payload();
    assert!(check(&a, &["pets/read"], Some(&token(&access)), Some(&verified(&access))).is_ok());
    let strict = authorizer(Some("client"));
    assert_eq!(check(&strict, &[], Some(&token(&p)), Some(&verified(&p))), Err(Rejection::Unauthorized));
}

// A plan lists the pools Envoy verifies; none listed keeps the operation closed, saying why.
#[test]
fn plans_read_only_verified_pools() {
    let a = authorizer(None);
    let req = Requirement { authorizer: 0, scopes: vec![] };
    let plan = CognitoPlan::compile(&req, &a, &["us-east-1_abc".to_string()]).unwrap();
    assert_eq!(plan.issuers, vec![ISS.to_string()]);
    let plan = CognitoPlan::compile(&req, &a, &[POOL.to_string(), "eu-west-1_other".to_string()]).unwrap();
    assert_eq!(plan.issuers.len(), 2);
    let err = CognitoPlan::compile(&req, &a, &[]).unwrap_err();
    assert!(err.contains("user pool us-east-1_abc, eu-west-1_other not in cognitoUserPools"), "{err}");
    assert_eq!(a.pools[0], UserPool::parse(POOL).unwrap());
}
