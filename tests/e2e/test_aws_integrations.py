"""AWS service integrations (type `aws`) in a real Envoy against moto with SigV4 checking on, and
Lambda custom integrations against scripts/local_lambda.py. The gateway signs with the
credentials in Envoy's environment (the integration's `credentials` role is not assumed).
Expected values: README "HTTP, HTTP_PROXY and AWS services" (recorded on AWS)."""

import json

import pytest

import apigw
from conftest import LambdaServer
from conftest_http import ACCOUNT, MotoServer, aws_targets

QUEUE = "orders"
TABLE = "reminders"
BUCKET = "files"
FN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{}/invocations"


def aws(uri, templates=None, responses=None, **extra):
    i = {"type": "aws", "httpMethod": "POST", "uri": uri, "credentials": f"arn:aws:iam::{ACCOUNT}:role/api",
         "responses": responses or {"default": {"statusCode": "200"}}}
    if templates:
        i["requestTemplates"] = templates
    i.update(extra)
    return {"x-amazon-apigateway-integration": i}


API = {
    "openapi": "3.0.1", "info": {"title": "aws", "version": "1"},
    "paths": {
        # The real-apis SQS example: path form, mapped form Content-Type, NEVER.
        "/sqs": {"post": aws(
            f"arn:aws:apigateway:us-east-1:sqs:path/{ACCOUNT}/{QUEUE}",
            {"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
                                 "&MessageAttribute.1.Name=HttpMethod"
                                 "&MessageAttribute.1.Value.StringValue=$context.httpMethod"
                                 "&MessageAttribute.1.Value.DataType=String"},
            responses={"default": {"statusCode": "200", "responseTemplates": {"application/json": '{"message":"OK"}'}},
                       "4\\d{2}": {"statusCode": "400"}},
            requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
            passthroughBehavior="never")},
        "/reminders": {
            "post": aws(
                "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
                {"application/json": json.dumps({
                    "TableName": TABLE,
                    "Item": {"user": {"S": "$input.path('$.user')"}, "at": {"S": "$input.path('$.at')"},
                             "text": {"S": "$util.escapeJavaScript($input.path('$.text'))"}}})},
                responses={"default": {"statusCode": "201", "responseTemplates": {"application/json": '{"saved": true}'}},
                           "4\\d{2}": {"statusCode": "400"}}),
        },
        "/reminders/{user}": {
            "get": aws(
                "arn:aws:apigateway:us-east-1:dynamodb:action/Query",
                {"application/json": json.dumps({
                    "TableName": TABLE, "KeyConditionExpression": "#u = :u",
                    "ExpressionAttributeNames": {"#u": "user"},
                    "ExpressionAttributeValues": {":u": {"S": "$input.params('user')"}}})},
                responses={"default": {"statusCode": "200", "responseTemplates": {"application/json": (
                    '#set($items = $input.path(\'$.Items\'))'
                    '{"count": $input.path(\'$.Count\'), "reminders": ['
                    '#foreach($i in $items){"at": "$i.at.S", "text": "$util.escapeJavaScript($i.text.S)"}#if($velocityHasNext),#end#end]}')}}}),
        },
        "/files/{key}": {"get": aws(
            "arn:aws:apigateway:us-east-1:s3:path/{bucket}/{object}", httpMethod="GET",
            requestParameters={"integration.request.path.bucket": "stageVariables.bucket",
                               "integration.request.path.object": "method.request.path.key"},
            responses={"default": {"statusCode": "200", "responseParameters": {
                "method.response.header.Content-Type": "integration.response.header.Content-Type",
                "method.response.header.X-Etag": "integration.response.header.ETag"}},
                "404": {"statusCode": "404"}, "403": {"statusCode": "403"}})},
        # Lambda custom: `.*four hundred.*` -> 405, `.+` -> 502, default -> 200.
        "/lambda/ok": {"post": aws(FN.format("echo"), {"application/json": '{"v": "$input.path(\'$.v\')"}'},
                                   responses={"default": {"statusCode": "200"}, ".*four hundred.*": {"statusCode": "405"},
                                              ".+": {"statusCode": "502"}})},
        "/lambda/fail": {"post": aws(FN.format("fail"), {"application/json": "{}"},
                                     responses={"default": {"statusCode": "200"}, ".*went wrong.*": {"statusCode": "405"},
                                                ".+": {"statusCode": "502"}})},
        "/lambda/other": {"post": aws(FN.format("fail"), {"application/json": "{}"},
                                      responses={"default": {"statusCode": "200"}, ".*four hundred.*": {"statusCode": "405"},
                                                 ".+": {"statusCode": "502",
                                                        "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}}})},
    },
}


@pytest.fixture(scope="module")
def moto():
    m = MotoServer()
    m.client("sqs").create_queue(QueueName=QUEUE)
    m.client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"}, {"AttributeName": "at", "AttributeType": "S"}])
    s3 = m.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="hello.txt", Body=b"hello from s3", ContentType="text/plain")
    yield m
    m.stop()


@pytest.fixture(scope="module")
def lam():
    s = LambdaServer(None, None)
    yield s
    s.stop()


def start(gateway_factory, moto, lam, secret=None):
    targets = aws_targets(moto.authority, ["sqs", "dynamodb", "s3"], lambda_authority=lam.url.split("//", 1)[1])
    return gateway_factory(API, stage="prod", stage_variables={"bucket": BUCKET},
                           clusters=[apigw.cluster("moto", moto.url), apigw.cluster("lambda", lam.url)],
                           extra={"targets": targets}, env=moto.envoy_env(secret))


@pytest.fixture(scope="module")
def gw(gateway_factory, moto, lam):
    return start(gateway_factory, moto, lam)


# SQS SendMessage from a form template, signed for sqs; read back with boto3.
def test_sqs_send_message(gw, moto):
    r = gw.request("POST", "/sqs", json={"order": 1, "note": "a&b=c"})
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "OK"}
    sqs = moto.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    msgs = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
    assert json.loads(msgs[0]["Body"]) == {"order": 1, "note": "a&b=c"}
    assert msgs[0]["MessageAttributes"]["HttpMethod"]["StringValue"] == "POST"


# targets.aws.sqs.signing = "envoy": the cluster's aws_request_signing upstream filter signs the
# SendMessage (moto checks the signature); the filter sends it unsigned.
def test_sqs_signed_by_envoy(gateway_factory, moto, lam):
    targets = aws_targets(moto.authority, ["sqs", "dynamodb", "s3"], lambda_authority=lam.url.split("//", 1)[1])
    targets["aws"]["sqs"].update(cluster="moto_signed", signing="envoy")
    signed = apigw.envoy_signing(apigw.cluster("moto_signed", moto.url), "sqs", "us-east-1")
    clusters = [signed, apigw.cluster("moto", moto.url), apigw.cluster("lambda", lam.url)]
    g = gateway_factory(API, stage="prod", clusters=clusters, extra={"targets": targets}, env=moto.envoy_env(None))
    r = g.request("POST", "/sqs", json={"signed": "by envoy"})
    assert r.status_code == 200, r.text
    sqs = moto.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    bodies = [json.loads(m["Body"]) for m in
              sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])]
    assert {"signed": "by envoy"} in bodies
    bad = gateway_factory(API, stage="prod", clusters=clusters, extra={"targets": targets},
                          env=moto.envoy_env("wrong-secret"))
    assert bad.request("POST", "/sqs", json={"x": 1}).status_code == 400  # moto refuses: the 4\d{2} response


# DynamoDB PutItem and Query (X-Amz-Target, x-amz-json-1.0) with a response template reshaping Items.
def test_dynamodb_put_and_query(gw, moto):
    for at, text in (("09:00", "coffee"), ("12:00", "lunch \"break\"")):
        r = gw.request("POST", "/reminders", json={"user": "ann", "at": at, "text": text})
        assert r.status_code == 201, r.text
        assert r.json() == {"saved": True}
    item = moto.client("dynamodb").get_item(TableName=TABLE, Key={"user": {"S": "ann"}, "at": {"S": "09:00"}})["Item"]
    assert item["text"] == {"S": "coffee"}
    r = gw.request("GET", "/reminders/ann")
    assert r.status_code == 200, r.text
    assert r.json() == {"count": 2, "reminders": [{"at": "09:00", "text": "coffee"}, {"at": "12:00", "text": "lunch \"break\""}]}


# S3 GetObject through a path override; the object's Content-Type mapped back.
def test_s3_get_object(gw):
    r = gw.request("GET", "/files/hello.txt")
    assert r.status_code == 200, r.text
    assert r.content == b"hello from s3"
    assert r.headers["Content-Type"] == "text/plain"
    assert r.headers["X-Etag"]
    assert gw.request("GET", "/files/missing.txt").status_code == 404


# A wrong secret: the service refuses the signature (403), selected by `4\d{2}` -> 400.
def test_bad_signature_is_refused(gateway_factory, moto, lam):
    bad = start(gateway_factory, moto, lam, secret="not-the-secret")
    assert bad.request("POST", "/sqs", json={"x": 1}).status_code == 400
    assert bad.request("GET", "/files/hello.txt").status_code == 403


# Lambda custom: selection by errorMessage (empty on success).
def test_lambda_custom_selection(gw):
    r = gw.request("POST", "/lambda/ok", json={"v": "x"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    # No response template: the function's result passes as it is (echo returns the event in `body`).
    assert json.loads(r.json()["body"]) == {"v": "x"}
    r = gw.request("POST", "/lambda/fail", json={})
    assert r.status_code == 405, r.text
    assert r.json()["errorMessage"] == "something went wrong"
    r = gw.request("POST", "/lambda/other", json={})
    assert r.status_code == 502, r.text
    assert r.json() == {"error": "something went wrong"}
