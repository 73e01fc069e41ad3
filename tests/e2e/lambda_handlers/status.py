"""Returns whatever the request body asks for, so tests can exercise the proxy response rules.

The client's body (base64-decoded when the event says so) is parsed as JSON and returned as the
function's result, exactly: POST `{"statusCode": "201"}` and the function returns that object;
POST `"just a string"` and it returns a bare string. No body returns `{"statusCode": 200}`.
"""

import base64
import json


def handler(event, context):
    body = event.get("body")
    if body is None:
        return {"statusCode": 200}
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return json.loads(body)
