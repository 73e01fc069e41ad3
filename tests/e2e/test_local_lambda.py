"""Checks of the local Lambda Invoke API server itself (scripts/local_lambda.py).

    make setup && .venv/bin/python -m pytest tests/e2e/test_local_lambda.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "..", "..", "scripts", "local_lambda.py")
HANDLERS = os.path.join(HERE, "lambda_handlers")
AK, SK = "AKIDLOCALTEST", "local/secret+key"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def start(*extra: str):
    proc = subprocess.Popen(
        [sys.executable, SERVER, "--port", "0", "--handlers", HANDLERS, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stderr.readline()  # "local_lambda: listening on 127.0.0.1:PORT"
    assert proc.stdout.readline().strip() == "ready", line
    port = int(line.rsplit(":", 1)[1])
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def open_server():
    proc, url = start()
    yield url
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture(scope="module")
def signed_server():
    proc, url = start("--access-key", AK, "--secret-key", SK, "--region", "us-east-1")
    yield url
    proc.terminate()
    proc.wait(timeout=5)


def invoke_path(function: str) -> str:
    return f"/2015-03-31/functions/{quote(function, safe='')}/invocations"


def signed(url: str, path: str, body: bytes, secret: str = SK, access_key: str = AK):
    request = AWSRequest(method="POST", url=url + path, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access_key, secret), "lambda", "us-east-1").add_auth(request)
    return request.prepare()


def test_echo_returns_the_event_and_records_it(open_server):
    requests.delete(open_server + "/_recorded")
    event = {"httpMethod": "GET", "path": "/x", "body": None}
    r = requests.post(open_server + invoke_path("echo"), data=json.dumps(event))
    assert r.status_code == 200
    assert r.headers["X-Amz-Executed-Version"] == "$LATEST"
    assert "X-Amz-Function-Error" not in r.headers
    out = r.json()
    assert out["statusCode"] == 200
    assert json.loads(out["body"]) == event
    assert requests.get(open_server + "/_recorded").json() == [event]
    detail = requests.get(open_server + "/_recorded?detail=1").json()
    assert detail[0]["function"] == "echo"
    requests.delete(open_server + "/_recorded")
    assert requests.get(open_server + "/_recorded").json() == []


def test_function_by_arn_and_alias(open_server):
    r = requests.post(open_server + invoke_path(ARN + ":live"), data="{}")
    assert r.status_code == 200
    detail = requests.get(open_server + "/_recorded?detail=1").json()
    assert detail[-1]["function"] == "echo" and detail[-1]["qualifier"] == "live"


def test_unknown_function_is_resource_not_found(open_server):
    r = requests.post(open_server + invoke_path("nope"), data="{}")
    assert r.status_code == 404
    assert r.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert r.json()["Message"].startswith("Function not found: arn:aws:lambda:")


def test_raising_function_is_an_unhandled_function_error(open_server):
    r = requests.post(open_server + invoke_path("fail"), data="{}")
    assert r.status_code == 200
    assert r.headers["X-Amz-Function-Error"] == "Unhandled"
    body = r.json()
    assert body["errorType"] == "CustomError"
    assert body["errorMessage"] == "something went wrong"


def test_status_returns_what_the_body_asks(open_server):
    event = {"body": json.dumps({"statusCode": "201", "extra": 1}), "isBase64Encoded": False}
    r = requests.post(open_server + invoke_path("status"), data=json.dumps(event))
    assert r.json() == {"statusCode": "201", "extra": 1}
    r = requests.post(open_server + invoke_path("status"), data=json.dumps({"body": '"bare"'}))
    assert r.json() == "bare"


def test_invalid_json_event(open_server):
    r = requests.post(open_server + invoke_path("echo"), data="{nope")
    assert r.status_code == 400
    assert r.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"


def test_botocore_signed_request_is_accepted(signed_server):
    prepared = signed(signed_server, invoke_path(ARN), b'{"k": 1}')
    r = requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers))
    assert r.status_code == 200, r.text
    assert json.loads(r.json()["body"]) == {"k": 1}


def test_tampered_request_is_rejected(signed_server):
    prepared = signed(signed_server, invoke_path("echo"), b'{"k": 1}')
    r = requests.post(prepared.url, data=b'{"k": 2}', headers=dict(prepared.headers))
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_wrong_secret_is_rejected(signed_server):
    prepared = signed(signed_server, invoke_path("echo"), b"{}", secret="wrong")
    r = requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers))
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


def test_unknown_access_key_is_rejected(signed_server):
    prepared = signed(signed_server, invoke_path("echo"), b"{}", access_key="AKIDOTHER")
    r = requests.post(prepared.url, data=prepared.body, headers=dict(prepared.headers))
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "UnrecognizedClientException"


def test_unsigned_request_is_rejected_when_credentials_are_set(signed_server):
    r = requests.post(signed_server + invoke_path("echo"), data="{}")
    assert r.status_code == 403
    assert r.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_real_sdk_client_invokes(signed_server):
    import botocore.session

    client = botocore.session.get_session().create_client(
        "lambda",
        region_name="us-east-1",
        endpoint_url=signed_server,
        aws_access_key_id=AK,
        aws_secret_access_key=SK,
    )
    out = client.invoke(FunctionName=ARN, Payload=b'{"from": "sdk"}')
    assert out["StatusCode"] == 200
    assert json.loads(json.loads(out["Payload"].read())["body"]) == {"from": "sdk"}
    out = client.invoke(FunctionName="fail", Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"
