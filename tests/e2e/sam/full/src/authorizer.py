"""A Lambda authorizer for TOKEN and REQUEST events: `allow` (or an X-User header) is allowed,
`deny` denied, anything else unauthorized."""


def policy(principal, effect, arn):
    return {"principalId": principal, "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}]}, "context": {"kind": "sam"}}


def handler(event, context):
    if event["type"] == "REQUEST":
        user = (event.get("headers") or {}).get("X-User") or (event.get("headers") or {}).get("x-user")
        if not user:
            raise Exception("Unauthorized")  # with ReauthorizeEvery 0 it is called without X-User too
        return policy(user, "Allow", event["methodArn"])
    token = event["authorizationToken"]
    if token in ("allow", "deny"):
        return policy("token-user", token.capitalize(), event["methodArn"])
    raise Exception("Unauthorized")
