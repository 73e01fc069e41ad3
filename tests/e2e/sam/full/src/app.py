"""The Python functions of tests/e2e/sam/full/template.yaml."""

import json
import os
import time


def hello(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({
        "greeting": os.environ["GREETING"], "table": os.environ["TABLE"], "mode": os.environ["MODE"],
        "az": os.environ["REGION_AZ"], "parts": os.environ["PARTS"], "function": context.function_name,
        "path": event["path"], "resource": event["resource"], "stage": event["requestContext"]["stage"],
        "pathParameters": event["pathParameters"], "query": event["queryStringParameters"]})}


def slow(event, context):
    time.sleep(3)
    return {"statusCode": 200, "body": "too late"}


def whoami(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "resource": event["resource"], "stage": event["requestContext"]["stage"],
        "stageVariables": event["stageVariables"], "authorizer": event["requestContext"].get("authorizer")})}
