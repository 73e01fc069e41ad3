"""Sleeps past a short integration timeout, then answers."""

import time


def handler(event, context):
    time.sleep(2)
    return {"statusCode": 200, "body": "late"}
