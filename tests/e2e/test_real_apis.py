"""Definitions nobody here wrote (tests/real-apis, sources in its SOURCES.md): each is accepted by
`make run`'s generator and served by a real Envoy."""

import glob
import sys
import json
import os
import subprocess

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))

from conftest import CHECKER, ENVOY, ROOT, WASM, Envoy, free_port

FILES = sorted(glob.glob(os.path.join(ROOT, "tests/real-apis/*.json")) + glob.glob(os.path.join(ROOT, "tests/real-apis/*.yaml")))


def test_all_fifteen_are_here():
    assert len(FILES) == 15


# What a user passes to `make run` for these files: the stage variable a Lambda URI names, and
# values for non-CloudFormation placeholders (SOURCES.md lists them).
STAGE_VARIABLES = {"serverless-express--lambda-proxy-greedy-binary.yaml": "ServerlessExpressLambdaFunctionName=app"}
CFN_PARAMS = {
    "localstack--petstore-example-mock-http.json": "uri=http://petstore-demo-endpoint.execute-api.com/petstore/pets",
    "step-functions-xml--sfn-xml-passthrough-template.yaml":
        "title=xml,aws_region=us-east-1,api_gateway_step_functions_role_arn=arn:aws:iam::123456789012:role/r,"
        "state_machine_arn=arn:aws:states:us-east-1:123456789012:stateMachine:m",
}


def greedy_root(path):
    import apigw
    doc = apigw.load_definition(path)
    return any(p.count("/") == 1 and p.endswith("+}") for p in doc["paths"])


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_served(path, tmp_path):
    port, admin = free_port(), free_port()
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/run.py"), "--api", path, "--wasm", WASM,
                        "--checker", CHECKER, "--envoy", ENVOY, "--port", str(port), "--admin-port", str(admin),
                        "--stage-variables", STAGE_VARIABLES.get(os.path.basename(path), ""),
                        "--cfn-params", CFN_PARAMS.get(os.path.basename(path), ""),
                        "--generate-only", "--out", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(r.stdout.strip(), encoding="utf-8") as f:
        config = json.load(f)
    config["static_resources"]["listeners"][0]["address"]["socket_address"]["address"] = "127.0.0.1"
    e = Envoy(config, "real").wait_ready()
    try:
        resp = requests.get(f"http://127.0.0.1:{port}/definitely/not/a/resource/x1", timeout=5)
        assert "x-amzn-RequestId" in resp.headers
        if not greedy_root(path):
            # Unknown: MISSING_AUTHENTICATION_TOKEN (some of these APIs customise its status).
            assert resp.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException", resp.text
            assert resp.status_code in (401, 403, 404)
    finally:
        e.stop()


COGNITO_API = "url-shortener--dynamodb-cors-response-override.yaml"


# The published definition with a Cognito user pool authorizer starts and serves its protected
# operations given the configuration: the pool's ARN for its `Fn::GetAtt: [UserPool, Arn]`
# (`make run CFN_PARAMS=UserPool.Arn=...`) and the pool's keys (moto's, through
# AWS_ENDPOINT_URL_COGNITO_IDP). GET /app queries DynamoDB for `$context.authorizer.claims.email`.
def test_cognito_protected_operations_served(tmp_path):
    import boto3
    from conftest_http import CognitoIdp

    idp = CognitoIdp()
    envoy = None
    try:
        ddb = boto3.client("dynamodb", endpoint_url=idp.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        ddb.create_table(TableName="links", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                               {"AttributeName": "owner", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         GlobalSecondaryIndexes=[{"IndexName": "OwnerIndex", "Projection": {"ProjectionType": "ALL"},
                                                  "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}]}])
        for item_id, owner in (("abc", "alice@example.com"), ("xyz", "bob@example.com")):
            ddb.put_item(TableName="links", Item={"id": {"S": item_id}, "url": {"S": f"https://example.com/{item_id}"},
                                                  "timestamp": {"S": "t1"}, "owner": {"S": owner}})
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL_COGNITO_IDP=idp.url, AWS_ENDPOINT_URL_DYNAMODB=idp.url,
                   AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
        port, admin = free_port(), free_port()
        r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/run.py"), "--api",
                            os.path.join(ROOT, "tests/real-apis", COGNITO_API), "--wasm", WASM, "--checker", CHECKER,
                            "--envoy", ENVOY, "--port", str(port), "--admin-port", str(admin),
                            "--cfn-params", f"UserPool.Arn={idp.pool['Arn']},LinkTable=links",
                            "--generate-only", "--out", str(tmp_path)], capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        assert "warning" not in r.stderr, r.stderr
        with open(r.stdout.strip(), encoding="utf-8") as f:
            config = json.load(f)
        config["static_resources"]["listeners"][0]["address"]["socket_address"]["address"] = "127.0.0.1"
        envoy = Envoy(config, "real-cognito", env=env).wait_ready()
        url = f"http://127.0.0.1:{port}"
        r = requests.get(url + "/app", timeout=10)
        assert (r.status_code, r.content) == (401, b'{"message":"Unauthorized"}')
        id_token, _ = idp.login()
        r = requests.get(url + "/app", headers={"Authorization": id_token}, timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == [{"id": "abc", "url": "https://example.com/abc", "timestamp": "t1",
                             "owner": "alice@example.com"}]
        assert (r.headers["Access-Control-Allow-Origin"], r.headers["Cache-Control"]) == ("*", "no-cache, no-store")
    finally:
        if envoy:
            envoy.stop()
        idp.stop()
