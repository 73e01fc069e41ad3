"""The demo function: greets the caller by the `name` query parameter."""

import json


def handler(event, context):
    params = event.get("queryStringParameters") or {}
    name = params.get("name", "world")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["visited=1", "lang=en"]},
        "body": json.dumps({"message": f"Hello, {name}!", "path": event.get("path")}),
    }
