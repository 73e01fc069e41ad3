"""Protected MOCKs beside the unprotected one (c), in the same Envoy and rounds: the same request
(`GET /res25` of the 100-resource definition) with an authorizer in front of it.

- (f) a Cognito user pool authorizer: Envoy's jwt_authn (a local key set, no network; its token
  cache on, as `make run` writes it) verifies a valid ID token, then the filter checks it and
  renders the MOCK;
- (f') the same without jwt_authn's token cache: every request verifies the RS256 signature;
- (f0) jwt_authn as in f in front of the unprotected MOCK (c's definition), the same token sent:
  Envoy's share of f, the rest being the filter's (reading the verified payload, the checks, the
  claims);
- (g) a Lambda TOKEN authorizer whose answer is cached: its function (an upstream Envoy answering an
  Allow policy) is called once, then the filter's cache answers for the TTL (300 s)."""

import json
import os

from .common import ACCOUNT_SETTINGS, Envoy, answer_route, apigw, envoy_config, free_port
from .definitions import MOCK_BODY, gateway_filter, generated_definition

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Bench0001"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench0001"
FUNCTION_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                "arn:aws:lambda:us-east-1:123456789012:function:bench-authorizer/invocations")
ALLOW = json.dumps({"principalId": "bench", "policyDocument": {"Version": "2012-10-17", "Statement": [
    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}})
TOKEN = "Bearer bench-token"


def protected_definition(name, scheme):
    """The 100-resource definition with `GET /res25` behind the security scheme `name`."""
    doc = generated_definition(100)
    doc["components"] = {"securitySchemes": {name: scheme}}
    doc["paths"]["/res25"]["get"]["security"] = [{name: []}]
    return doc


def id_token():
    """A key set and an ID token of the bench's pool it verifies (valid until 2099)."""
    from joserfc import jwk, jwt  # noqa: PLC0415 (the venv has it: moto's Cognito needs it)
    key = jwk.RSAKey.generate_key(2048, parameters={"kid": "bench", "alg": "RS256", "use": "sig"}, private=True)
    claims = {"sub": "7d8ca528-4931-4254-9273-ea5ee853f271", "cognito:groups": ["admin"], "email_verified": True,
              "iss": ISSUER, "cognito:username": "bench", "aud": "benchclient", "token_use": "id",
              "auth_time": 1784510079, "iat": 1784510079, "exp": 4102444799, "email": "bench@example.com"}
    token = jwt.encode({"alg": "RS256", "kid": "bench"}, claims, key)
    return json.dumps({"keys": [key.as_dict(private=False)]}), token


def header_script(work, name, value):
    path = os.path.join(work, f"{name}.lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'wrk.headers["Authorization"] = "{value}"\n')
    return path


class AuthScenarios:
    """The listeners, clusters and scenarios of f, f' and g, and the upstream Envoy g's function
    runs on (stop it with `stop`)."""

    def __init__(self, args, wasm, work):
        self.upstream = None
        jwks, token = id_token()
        cognito_doc = protected_definition("pool", {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL_ARN]}})
        pools = apigw.cognito_pools(cognito_doc)
        cached, _ = apigw.jwt_authn(pools, jwks)
        uncached, _ = apigw.jwt_authn(pools, jwks)
        for provider in uncached["typed_config"]["providers"].values():
            provider.pop("jwt_cache_config")
        # The account's throttle far above the load, as c's (a fast machine passes its default 10,000/s).
        cognito_cfg = apigw.plugin_config(cognito_doc, stage="prod", stage_prefix="optional",
                                          extra={"cognitoUserPools": [p["id"] for p in pools],
                                                 "accountSettings": ACCOUNT_SETTINGS})
        # g: the function's answer comes from an upstream Envoy; the cache answers after the first call.
        lam = free_port()
        self.upstream = Envoy(args.envoy, envoy_config([apigw.listener(
            "authorizer_fn", lam, [], answer_route(ALLOW), "127.0.0.1")]), name="authorizer-fn").wait_ready()
        lambda_url = f"http://127.0.0.1:{lam}"
        token_doc = protected_definition("tok", {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": FUNCTION_URI,
                                               "authorizerResultTtlInSeconds": 300}})
        token_cfg = apigw.plugin_config(token_doc, stage="prod", stage_prefix="optional", lambda_url=lambda_url,
                                        extra={"accountSettings": ACCOUNT_SETTINGS})
        token_cfg["targets"]["lambda"]["cluster"] = "authorizer_fn"
        ports = {k: free_port() for k in ("cognito", "cognito_nocache", "jwt_only", "token")}
        unprotected, unprotected_clusters = gateway_filter(wasm, generated_definition(100))
        unprotected["typed_config"]["config"]["name"] = unprotected["typed_config"]["config"]["root_id"] = \
            "apigateway_jwt_only"
        gw = apigw.gateway_routes()
        self.listeners = [
            apigw.listener("cognito", ports["cognito"],
                           [cached, apigw.wasm_filter(wasm, json.dumps(cognito_cfg), "apigateway_cognito")], gw,
                           "127.0.0.1"),
            apigw.listener("cognito_nocache", ports["cognito_nocache"],
                           [uncached, apigw.wasm_filter(wasm, json.dumps(cognito_cfg), "apigateway_cognito_nc")], gw,
                           "127.0.0.1"),
            apigw.listener("jwt_only", ports["jwt_only"], [cached, unprotected], gw, "127.0.0.1"),
            apigw.listener("token", ports["token"],
                           [apigw.wasm_filter(wasm, json.dumps(token_cfg), "apigateway_token")], gw, "127.0.0.1"),
        ]
        # gateway_filter's clusters (its unused Lambda and AWS targets) renamed apart from c's.
        renamed = {c["name"]: c["name"] + "_jwt_only" for c in unprotected_clusters}
        for c in unprotected_clusters:
            c["name"] = c["load_assignment"]["cluster_name"] = renamed[c["name"]]
        plugin = json.loads(unprotected["typed_config"]["config"]["configuration"]["value"])
        plugin["targets"]["lambda"]["cluster"] = renamed["lambda"]
        for target in plugin["targets"].get("aws", {}).values():
            target["cluster"] = renamed[target["cluster"]]
        plugin["targets"]["http"] = {k: renamed[v] for k, v in plugin["targets"]["http"].items()}
        unprotected["typed_config"]["config"]["configuration"]["value"] = json.dumps(plugin)
        self.clusters = [apigw.cluster("authorizer_fn", lambda_url), *unprotected_clusters]
        id_script = header_script(work, "id-token", token)
        self.plan = [
            ("f", "(f) filter: MOCK behind a Cognito authorizer (jwt_authn, local keys, token cache), valid ID token",
             ports["cognito"], "GET", "/res25", id_script, 200, MOCK_BODY.encode(), {"Authorization": token}),
            ("f'", "(f') f without jwt_authn's token cache (RS256 verified every request)", ports["cognito_nocache"],
             "GET", "/res25", id_script, 200, MOCK_BODY.encode(), {"Authorization": token}),
            ("f0", "(f0) jwt_authn as in f, then the unprotected MOCK of c (the token sent, unchecked)",
             ports["jwt_only"], "GET", "/res25", id_script, 200, MOCK_BODY.encode(), {"Authorization": token}),
            ("g", "(g) filter: MOCK behind a Lambda TOKEN authorizer, answer cached", ports["token"], "GET", "/res25",
             header_script(work, "token", TOKEN), 200, MOCK_BODY.encode(), {"Authorization": TOKEN}),
        ]

    def stop(self):
        if self.upstream:
            self.upstream.stop()
