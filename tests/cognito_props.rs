//! Property tests: the Cognito token and claims handling never panics on what a client can send
//! (any header value, any payload) or on any bytes the host could hand over as the verified
//! payload (README: "Cognito user pool authorizers"), and a payload always matches its own
//! serialization.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use apigw_envoy::authorizer::claims::claims_map;
use apigw_envoy::authorizer::cognito::{authenticate, decode_payload, token, TokenCheck, VerifiedPayload};
use apigw_envoy::authorizer::definition::{Authorizer, CognitoAuthorizer};
use apigw_envoy::authorizer::metadata::{same_object, serialize};
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc";

fn authorizer() -> CognitoAuthorizer {
    let scheme = json!({"name": "Authorization", "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
        "identityValidationExpression": "[a-z0-9]+",
        "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"]}});
    match Authorizer::parse("pool", &scheme) {
        Ok(Some(Authorizer::Cognito(c))) => c,
        other => panic!("{other:?}"),
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("sub".to_string()), Just("iss".to_string()), Just("exp".to_string()), Just("iat".to_string()),
        Just("nbf".to_string()), Just("aud".to_string()), Just("client_id".to_string()), Just("token_use".to_string()),
        Just("scope".to_string()), Just("cognito:groups".to_string()), Just("custom:role".to_string()),
        "[a-z:_]{0,8}",
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![Just("id"), Just("access"), Just(ISS), Just("pets/read openid"), Just("client1")]
            .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn arb_payload() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), arb_json()), 0..10).prop_map(|kv| kv.into_iter().collect())
}

fn token_of(payload: &Value) -> String {
    format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string()))
}

proptest! {
    // Any header value and any bytes as the verified payload: an answer, never a panic.
    #[test]
    fn any_header_and_bytes(header in "\\PC{0,80}", bytes in prop::collection::vec(any::<u8>(), 0..256),
                            scopes in prop::collection::vec("[a-z/.]{0,8}", 0..3), now_ms in any::<u64>()) {
        let a = authorizer();
        let headers = vec![("authorization".to_string(), header.clone())];
        let verified = VerifiedPayload { issuer: ISS.to_string(), bytes };
        let _ = authenticate(&TokenCheck { authorizer: &a, scopes: &scopes, headers: &headers, verified: Some(&verified), now_ms });
        let _ = token(&headers, "authorization");
        let _ = decode_payload(&header);
    }

    // Any payload, verified as it is: an answer (claims or a refusal), never a panic; the claims
    // map of any payload never panics either.
    #[test]
    fn any_verified_payload(payload in arb_payload(), scopes in prop::collection::vec("[a-z/.]{0,8}", 0..3),
                            now_ms in any::<u64>(), bearer in any::<bool>()) {
        let a = authorizer();
        let value = Value::Object(payload.clone());
        let t = token_of(&value);
        let header = if bearer { format!("Bearer {t}") } else { t };
        let headers = vec![("authorization".to_string(), header)];
        let _ = claims_map(&payload);
        if let Some(bytes) = serialize(&value) {
            prop_assert!(same_object(&payload, &bytes));
            let verified = VerifiedPayload { issuer: ISS.to_string(), bytes };
            let _ = authenticate(&TokenCheck { authorizer: &a, scopes: &scopes, headers: &headers, verified: Some(&verified), now_ms });
        }
    }
}
