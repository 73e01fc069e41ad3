"""A Lambda authorizer (TOKEN and REQUEST) that answers whatever its token asks for, for
tests/e2e/test_authorizers.py.

The token is `T.` + base64url (no padding) of a JSON object, optionally after `Bearer `:

    {"id": "<unique per test>", "answer": <returned as it is>}
    {"id": "<unique per test>", "raise": "<message>"}      raises Exception(message)

TOKEN events carry it in `authorizationToken`; REQUEST events in the `X-Token` header, else in the
query string parameter `q`. The text `$methodArn` anywhere in the answer is replaced by the event's
`methodArn`, so a policy can name the very method that was called. Calls are counted by the local
Invoke API itself (scripts/local_lambda.py records every event: `GET /_recorded?detail=1`).
"""

import base64
import json


def spec_of(token):
    token = (token or "").strip()
    if token.startswith("Bearer "):
        token = token[len("Bearer "):]
    if not token.startswith("T."):
        raise Exception("Unauthorized")
    raw = token[2:]
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


def token_of(event):
    if event.get("type") == "TOKEN":
        return event.get("authorizationToken")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return headers.get("x-token") or (event.get("queryStringParameters") or {}).get("q")


def handler(event, context):
    spec = spec_of(token_of(event))
    if "raise" in spec:
        raise Exception(spec["raise"])
    text = json.dumps(spec.get("answer"))
    return json.loads(text.replace("$methodArn", event["methodArn"]))
