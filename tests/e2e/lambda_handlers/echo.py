"""Returns the event it got, as the JSON body of a 200 proxy response."""

import json


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Function": context.function_name},
        "body": json.dumps(event),
    }
