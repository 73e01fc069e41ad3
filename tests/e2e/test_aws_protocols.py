"""AWS service integrations ask for JSON and speak each service's protocol (README: "HTTP,
HTTP_PROXY and AWS services", recorded on AWS), in a real Envoy against moto's server (signature
checking on) and, for the exact request API Gateway sends, against scripts/echo_backend.py standing
in for the service endpoint.

moto records every request it receives (`/moto-api/recorder`), so the tests check what moto got
(method, URL, headers, body) as well as what it answered. moto does not honour `Accept:
application/json` on query-protocol services (it answers XML), and it serves SSM only over the
JSON protocol (a query-protocol call gets 404): the JSON answers of those services are covered by
the core's unit tests (src/integration/tests/aws_protocols.rs)."""

import base64
import hashlib
import json
import os
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import apigw
from conftest_http import ACCOUNT, MotoServer, aws_targets, gateway_headers, headers_of

API_ID = "awsproto01"
QUEUE = "protocols"
TABLE = "things"
PARAMETER = "/app/color"


def aws(uri, templates, responses=None, **extra):
    i = {"type": "aws", "httpMethod": "POST", "uri": uri, "credentials": f"arn:aws:iam::{ACCOUNT}:role/api",
         "requestTemplates": templates, "responses": responses or {"default": {"statusCode": "200"}}}
    i.update(extra)
    return {"post": {"x-amazon-apigateway-integration": i}}


SEND = {"application/json": "QueueUrl=$util.urlEncode($stageVariables.queueUrl)&MessageBody=$util.urlEncode($input.body)"}
GET_ITEM = {"application/json": json.dumps({"TableName": TABLE, "Key": {"id": {"S": "$input.path('$.id')"}}})}
GET_PARAMETER = {"application/json": "Name=$util.urlEncode($input.path('$.name'))"}

API = {
    "openapi": "3.0.1", "info": {"title": "aws-protocols", "version": "1"},
    "paths": {
        # Query protocol (SQS): Action=SendMessage, a form body, Accept: application/json.
        "/sqs": aws("arn:aws:apigateway:us-east-1:sqs:action/SendMessage", SEND),
        # A mapping asks for the service's XML instead; no response template: it passes unchanged.
        "/sqs/xml": aws("arn:aws:apigateway:us-east-1:sqs:action/SendMessage", SEND,
                        requestParameters={"integration.request.header.Accept": "'application/xml'"}),
        # A POST without Content-Type takes the application/json template, even with NEVER.
        "/sqs/never": aws("arn:aws:apigateway:us-east-1:sqs:action/SendMessage", SEND, passthroughBehavior="NEVER"),
        # SSM GetParameter in the query protocol, as API Gateway calls it (no X-Amz-Target).
        "/ssm": aws("arn:aws:apigateway:us-east-1:ssm:action/GetParameter", GET_PARAMETER,
                    responses={"default": {"statusCode": "200"}, "4\\d{2}": {"statusCode": "502"}}),
        # JSON protocol (DynamoDB): X-Amz-Target; the answer unchanged through $input.json('$').
        "/dynamodb": aws("arn:aws:apigateway:us-east-1:dynamodb:action/GetItem", GET_ITEM,
                         responses={"default": {"statusCode": "200",
                                                "responseTemplates": {"application/json": "$input.json('$')"}}}),
    },
}

FORM = "application/x-www-form-urlencoded; charset=utf-8"


# --- against the echo backend: exactly what API Gateway sends -------------------------------------

@pytest.fixture(scope="module")
def echo_gw(gateway_factory, echo):
    # Every service endpoint is the echo backend; no credentials, so nothing is signed.
    targets = aws_targets(echo.authority, ["sqs", "ssm", "dynamodb"], cluster="echo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return gateway_factory(API, stage="prod", stage_variables={"queueUrl": "https://q/1/protocols"},
                           clusters=[apigw.cluster("echo", echo.url)], extra={"targets": targets, "apiId": API_ID},
                           env=env)


def sent(r):
    assert r.status_code == 200, (r.status_code, r.text)
    e = r.json()
    return e, headers_of(e)


# Each row: (path, client headers, client body, path and query sent, headers sent, body sent).
ECHO_ROWS = [
    ("/sqs", {"Content-Type": "application/json"}, b'{"n":1}', "/?Action=SendMessage",
     {"accept": "application/json", "content-type": FORM},
     "QueueUrl=https%3A%2F%2Fq%2F1%2Fprotocols&MessageBody=%7B%22n%22%3A1%7D"),
    ("/sqs/xml", {"Content-Type": "application/json"}, b'{"n":2}', "/?Action=SendMessage",
     {"accept": "application/xml", "content-type": FORM},
     "QueueUrl=https%3A%2F%2Fq%2F1%2Fprotocols&MessageBody=%7B%22n%22%3A2%7D"),
    ("/sqs/never", {}, b'{"n":3}', "/?Action=SendMessage",
     {"accept": "application/json", "content-type": FORM},
     "QueueUrl=https%3A%2F%2Fq%2F1%2Fprotocols&MessageBody=%7B%22n%22%3A3%7D"),
    ("/ssm", {"Content-Type": "application/json"}, b'{"name":"/app/color"}', "/?Action=GetParameter",
     {"accept": "application/json", "content-type": FORM}, "Name=%2Fapp%2Fcolor"),
    ("/dynamodb", {"Content-Type": "application/json"}, b'{"id":"a1"}', "/",
     {"accept": "application/json", "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.GetItem"},
     json.dumps({"TableName": TABLE, "Key": {"id": {"S": "a1"}}})),
]


@pytest.mark.parametrize("path,client_headers,body,wire_path,wire_headers,wire_body", ECHO_ROWS)
def test_request_as_sent(echo_gw, echo, path, client_headers, body, wire_path, wire_headers, wire_body):
    e, h = sent(echo_gw.request("POST", path, data=body, headers=client_headers))
    assert e["method"] == "POST"
    assert e["path"] == wire_path
    assert e["body"] == wire_body
    want = dict(wire_headers, host=echo.authority, **{"user-agent": f"AmazonAPIGateway_{API_ID}",
                                                      "content-length": str(len(wire_body))})
    assert sorted(gateway_headers(e)) == sorted(want)
    for name, value in want.items():
        assert h[name] == [value], name


# --- against moto: real services ------------------------------------------------------------------

@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    # moto writes its recording where MOTO_RECORDER_FILEPATH says (its own working directory
    # otherwise); MotoServer copies os.environ when it starts the server.
    recording = tmp_path_factory.mktemp("moto") / "recording.jsonl"
    saved = os.environ.get("MOTO_RECORDER_FILEPATH")
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    try:
        m = MotoServer()
    finally:
        if saved is None:
            os.environ.pop("MOTO_RECORDER_FILEPATH", None)
        else:
            os.environ["MOTO_RECORDER_FILEPATH"] = saved
    m.queue_url = m.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    ddb = m.client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    ddb.put_item(TableName=TABLE, Item={"id": {"S": "a1"}, "price": {"N": "1.50"}, "tags": {"SS": ["x", "y"]},
                                        "note": {"S": "caf\u00e9 \"quoted\""}})
    m.client("ssm").put_parameter(Name=PARAMETER, Value="blue", Type="String")
    yield m
    m.stop()


@pytest.fixture(scope="module")
def moto_gw(gateway_factory, moto):
    targets = aws_targets(moto.authority, ["sqs", "ssm", "dynamodb"])
    return gateway_factory(API, stage="prod", stage_variables={"queueUrl": moto.queue_url},
                           clusters=[apigw.cluster("moto", moto.url)], extra={"targets": targets, "apiId": API_ID},
                           env=moto.envoy_env())


def recording(moto):
    """What moto received while recording: (method, url, lower-case headers, body bytes)."""
    text = requests.get(moto.url + "/moto-api/recorder/download-recording", timeout=5).text
    out = []
    for line in text.splitlines():
        if line.strip():
            r = json.loads(line)
            body = base64.b64decode(r["body"]) if r["body_encoded"] else (r["body"] or "").encode()
            out.append((r["method"], r["url"], {k.lower(): v for k, v in r["headers"].items()}, body))
    return out


def received(moto, gw, method, path, **kw):
    """Sends a request through the gateway; returns the response and the one request moto got."""
    requests.post(moto.url + "/moto-api/recorder/reset-recording", timeout=5)
    requests.post(moto.url + "/moto-api/recorder/start-recording", timeout=5)
    try:
        r = gw.request(method, path, **kw)
        got = recording(moto)
    finally:
        requests.post(moto.url + "/moto-api/recorder/stop-recording", timeout=5)
    assert len(got) == 1, got
    return r, got[0]


def assert_signed_request(moto, rec, service, query, content_type, accept, body):
    method, url, h, got_body = rec
    assert (method, url) == ("POST", f"{moto.url}/?{query}" if query else f"{moto.url}/")
    assert got_body == body
    assert h["accept"] == accept
    assert h["content-type"] == content_type
    assert h["user-agent"] == f"AmazonAPIGateway_{API_ID}"
    assert h["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={moto.access_key}/")
    assert f"/us-east-1/{service}/aws4_request" in h["authorization"]


def message_in_queue(moto):
    sqs = moto.client("sqs")
    msgs = sqs.receive_message(QueueUrl=moto.queue_url, WaitTimeSeconds=1).get("Messages", [])
    assert len(msgs) == 1, msgs
    sqs.delete_message(QueueUrl=moto.queue_url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    return msgs[0]


def assert_send_message_answer(r, msg, body):
    # moto answers the query protocol in XML whatever the Accept; with no response template the
    # client gets it as it came (Content-Type: the gateway's application/json default).
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    ns = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}
    root = ET.fromstring(r.content)
    result = root.find("q:SendMessageResult", ns)
    assert result.find("q:MessageId", ns).text == msg["MessageId"]
    assert result.find("q:MD5OfMessageBody", ns).text == hashlib.md5(body).hexdigest()


# SQS SendMessage in the query protocol: moto gets Action=SendMessage with the form body and
# Accept: application/json, stores the message, and its answer reaches the client unchanged.
def test_sqs_query_protocol(moto_gw, moto):
    body = b'{"order": 1, "note": "a&b=c"}'
    r, rec = received(moto, moto_gw, "POST", "/sqs", data=body, headers={"Content-Type": "application/json"})
    # $util.urlEncode is Java's URLEncoder (space -> +), as quote_plus for these characters.
    form = f"QueueUrl={urllib.parse.quote_plus(moto.queue_url)}&MessageBody={urllib.parse.quote_plus(body.decode())}"
    form = form.encode()
    assert_signed_request(moto, rec, "sqs", "Action=SendMessage", FORM, "application/json", form)
    assert "x-amz-target" not in rec[2]
    msg = message_in_queue(moto)
    assert msg["Body"] == body.decode()
    assert_send_message_answer(r, msg, body)


# A mapped Accept: 'application/xml' goes to the service in place of API Gateway's own.
def test_sqs_accept_mapping(moto_gw, moto):
    body = b'{"order": 2}'
    r, rec = received(moto, moto_gw, "POST", "/sqs/xml", data=body, headers={"Content-Type": "application/json"})
    assert rec[2]["accept"] == "application/xml"
    msg = message_in_queue(moto)
    assert msg["Body"] == body.decode()
    assert_send_message_answer(r, msg, body)


# A POST without Content-Type is matched to the application/json template under NEVER.
def test_post_without_content_type_uses_json_template(moto_gw, moto):
    body = b'{"order": 3}'
    # requests sends no Content-Type for raw bytes.
    r, rec = received(moto, moto_gw, "POST", "/sqs/never", data=body)
    assert "content-type" not in {k.lower() for k in r.request.headers}
    msg = message_in_queue(moto)
    assert msg["Body"] == body.decode()
    assert_send_message_answer(r, msg, body)


# SSM GetParameter goes out in the query protocol (Action=GetParameter, form body, no
# X-Amz-Target), signed for ssm. moto serves SSM only over JSON and answers this call 404
# (selected by `4\d{2}` -> 502); AWS answers it in the query shape, covered by the unit tests.
def test_ssm_query_protocol(moto_gw, moto):
    r, rec = received(moto, moto_gw, "POST", "/ssm", json={"name": PARAMETER})
    assert_signed_request(moto, rec, "ssm", "Action=GetParameter", FORM, "application/json", b"Name=%2Fapp%2Fcolor")
    assert "x-amz-target" not in rec[2]
    assert r.status_code == 502


def direct(moto, service, target, body):
    """The same call made straight to moto, signed with the gateway's key: its raw answer."""
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target, "Accept": "application/json"}
    req = AWSRequest("POST", moto.url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(moto.access_key, moto.secret_key), service, "us-east-1").add_auth(req)
    return requests.post(moto.url + "/", data=body, headers=dict(req.headers), timeout=10)


# DynamoDB GetItem in the JSON protocol (X-Amz-Target); moto's JSON answer comes back unchanged
# through `$input.json('$')`: the same values in the same order, written compactly as DynamoDB
# itself writes them (moto adds spaces and \u escapes, which JSONPath output does not keep).
def test_dynamodb_json_protocol(moto_gw, moto):
    r, rec = received(moto, moto_gw, "POST", "/dynamodb", json={"id": "a1"})
    want_body = json.dumps({"TableName": TABLE, "Key": {"id": {"S": "a1"}}}).encode()
    assert_signed_request(moto, rec, "dynamodb", "", "application/x-amz-json-1.0", "application/json", want_body)
    assert rec[2]["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    answer = direct(moto, "dynamodb", "DynamoDB_20120810.GetItem", want_body)
    assert answer.status_code == 200
    ordered = json.loads(answer.content, object_pairs_hook=list)
    assert json.loads(r.content, object_pairs_hook=list) == ordered
    compact = json.dumps(json.loads(answer.content), separators=(",", ":"), ensure_ascii=False).encode()
    assert r.content == compact
    assert r.json()["Item"]["price"] == {"N": "1.50"}
