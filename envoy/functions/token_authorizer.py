"""The demo's Lambda TOKEN authorizer (the behaviour of AWS's published TOKEN blueprint): the token
`allow` is allowed on every method of the API, `deny` is denied, anything else is unauthorized.
What it returns in `context` reaches the integration as `$context.authorizer.*`."""


def handler(event, context):
    token = event.get("authorizationToken")
    if token not in ("allow", "deny"):
        # API Gateway answers 401 {"message":"Unauthorized"} to this error message.
        raise Exception("Unauthorized")
    # arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}: allow the whole API.
    api_arn = event["methodArn"].split("/")[0]
    return {
        "principalId": "demo-user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": token.capitalize(), "Resource": f"{api_arn}/*"}],
        },
        "context": {"plan": "gold", "level": 3},
    }
