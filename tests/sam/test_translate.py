"""scripts/sam.py `translate` writes what SAM's translator writes (tests/sam/golden/full.yaml, derived
from the translator's sources), route by route; `load_stack` serves it with intrinsics evaluated."""

import os

import pytest
import yaml

import apigw
import sam
from conftest import ROOT

FULL = os.path.join(ROOT, "tests/e2e/sam/full/template.yaml")
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc123"


def golden():
    with open(os.path.join(ROOT, "tests/sam/golden/full.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def translated():
    apis, _ = sam.translate(apigw.read_document(FULL), os.path.dirname(FULL))
    return {name: api["body"] for name, api in apis.items()}


def routes(body):
    return [(path, method) for path, item in body["paths"].items() for method in item]


def test_same_apis_and_routes():
    expected, got = golden(), translated()
    assert list(got) == list(expected) == ["ServerlessRestApi", "SecureApi"]
    for name in expected:
        assert routes(got[name]) == routes(expected[name]), name


@pytest.mark.parametrize("api,path,method", [(a, p, m) for a, body in golden().items() for p, m in routes(body)])
def test_each_route(api, path, method):
    """Methods, integrations, CORS OPTIONS, parameters and security, one route at a time."""
    assert translated()[api]["paths"][path][method] == golden()[api]["paths"][path][method]


def test_api_level_parts():
    expected, got = golden(), translated()
    for name in expected:
        rest = {k: v for k, v in expected[name].items() if k != "paths"}
        assert {k: v for k, v in got[name].items() if k != "paths"} == rest, name


def test_served_definitions():
    stack = sam.load_stack(FULL, {"UserPool.Arn": POOL}, "eu-west-1", "111122223333")
    implicit, secure = stack.apis
    assert (implicit.logical_id, implicit.stage, implicit.variables) == ("ServerlessRestApi", "Prod", {})
    assert (secure.logical_id, secure.stage, secure.variables) == ("SecureApi", "dev", {"color": "blue"})
    hello = implicit.definition["paths"]["/hello"]
    assert hello["get"]["x-amazon-apigateway-integration"]["uri"] == (
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:eu-west-1:111122223333:function:HelloFunction/invocations")
    assert hello["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"] == "'https://dev.example.com'"
    assert implicit.definition["info"]["title"] == "local"
    # SAM's NONE marker is not served: the route is open.
    assert secure.definition["paths"]["/open"]["get"]["security"] == []
    schemes = secure.definition["securityDefinitions"]
    assert schemes["CognitoAuth"]["x-amazon-apigateway-authorizer"]["providerARNs"] == [POOL]
    assert schemes["TokenAuth"]["x-amazon-apigateway-authorizer"]["authorizerUri"] == (
        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:eu-west-1:111122223333:function:AuthFunction/invocations")


def test_prod_parameter_changes_stage_origin_and_condition():
    stack = sam.load_stack(FULL, {"UserPool.Arn": POOL, "Stage": "prod"})
    assert stack.apis[1].stage == "prod"
    params = stack.apis[0].definition["paths"]["/hello"]["options"]["x-amazon-apigateway-integration"][
        "responses"]["default"]["responseParameters"]
    assert params["method.response.header.Access-Control-Allow-Origin"] == "'https://example.com'"
    assert stack.functions["HelloFunction"]["environment"]["MODE"] == "quiet"


def test_function_table():
    stack = sam.load_stack(FULL, {"UserPool.Arn": POOL})
    hello = stack.functions["HelloFunction"]
    assert hello == {"name": "HelloFunction", "logicalId": "HelloFunction", "runtime": "python3.12",
                     "handler": "app.hello", "timeout": 5, "memory": 128,
                     "environment": {"GREETING": "hello", "TABLE": "local-items", "MODE": "debug",
                                     "REGION_AZ": "us-east-1b", "PARTS": "a+b+c"},
                     "codeDir": os.path.join(ROOT, "tests/e2e/sam/full/src")}
    node = stack.functions["NodeFunction"]
    assert (node["runtime"], node["timeout"], node["environment"]) == (
        "nodejs20.x", 2, {"GREETING": "hello from node", "TABLE": "local-items"})
    assert stack.functions["JavaFunction"]["problem"] == "runtime 'java21' is not available locally (Python and Node.js are)"
    assert stack.notes == ["function JavaFunction: runtime 'java21' is not available locally (Python and Node.js are): "
                           "its routes answer 502"]


def test_unresolvable_intrinsic_names_its_place():
    with pytest.raises(sam.TemplateError) as e:
        sam.load_stack(FULL)
    assert str(e.value) == (
        f"{FULL}: Resources.SecureApi (the definition SAM writes from its events, Auth and Cors).securityDefinitions.CognitoAuth."
        "x-amazon-apigateway-authorizer.providerARNs[0].Fn::GetAtt: Fn::GetAtt UserPool.Arn (AWS::Cognito::UserPool) "
        "cannot be resolved locally (give it with CFN_PARAMS=UserPool.Arn=<value>)")


def template(resources, **top):
    return dict({"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}, **top)


def function(events, **props):
    return {"Type": "AWS::Serverless::Function", "Properties": dict(
        {"Runtime": "python3.12", "Handler": "app.h", "CodeUri": ".", "Events": events}, **props)}


def test_duplicate_event_refused():
    events = {"A": {"Type": "Api", "Properties": {"Path": "/x", "Method": "GET"}},
              "B": {"Type": "Api", "Properties": {"Path": "/x", "Method": "get"}}}
    with pytest.raises(sam.TemplateError, match='Resources.F.Properties.Events.B.Properties: API method "get" defined '
                                                'multiple times for path "/x"'):
        sam.translate(template({"F": function(events)}), ROOT)


def test_definition_body_is_kept_as_written_and_gets_api_settings():
    """Events add nothing to a DefinitionBody of the user's (push.py: only `__MANAGE_SWAGGER`), Cors does."""
    body = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/mine": {"get": {
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
                                            "responses": {"default": {"statusCode": "200"}}}}}}}
    api = {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "v1", "DefinitionBody": body, "Cors": "'*'"}}
    events = {"A": {"Type": "Api", "Properties": {"Path": "/other", "Method": "get", "RestApiId": {"Ref": "Api"}}}}
    apis, _ = sam.translate(template({"Api": api, "F": function(events)}), ROOT)
    assert list(apis["Api"]["body"]["paths"]) == ["/mine"]
    assert "options" in apis["Api"]["body"]["paths"]["/mine"]


def test_include_and_definition_uri_read_local_files(tmp_path):
    (tmp_path / "api.yaml").write_text("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /inc:\n    get:\n"
                                       "      x-amazon-apigateway-integration:\n        type: mock\n"
                                       "        uri: {'Fn::Sub': 'arn:${AWS::Partition}:x'}\n")
    doc = template({
        "A": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "s", "DefinitionBody": {
            "Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "api.yaml"}}}}},
        "B": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "t", "DefinitionUri": "api.yaml"}},
        "C": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"BodyS3Location": "api.yaml"}},
        "CStage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "C"}, "StageName": "live",
                                                                    "Variables": {"v": "1"}}}})
    path = tmp_path / "template.yaml"
    path.write_text(yaml.safe_dump(doc))
    stack = sam.load_stack(str(path))
    assert [(a.logical_id, a.stage, a.variables) for a in stack.apis] == [("A", "s", {}), ("B", "t", {}),
                                                                           ("C", "live", {"v": "1"})]
    assert all(a.definition["paths"]["/inc"]["get"]["x-amazon-apigateway-integration"]["uri"] == "arn:aws:x"
               for a in stack.apis)
    assert stack.files == [str(tmp_path / "api.yaml")] * 3


def test_s3_locations_are_refused_with_their_place():
    doc = template({"A": {"Type": "AWS::Serverless::Api", "Properties": {
        "StageName": "s", "DefinitionUri": "s3://bucket/api.yaml"}}})
    with pytest.raises(sam.TemplateError, match=r"Resources.A.Properties.DefinitionUri: 's3://bucket/api.yaml' "
                                                "cannot be read locally: give a local path"):
        sam.translate(doc, ROOT)


def test_globals_merge():
    """globals.py `_do_merge`: maps merged, lists concatenated, anything else the resource's own."""
    assert sam.merge_globals({"a": 1, "m": {"x": 1, "y": 2}, "l": [1]}, {"a": 2, "m": {"y": 3}, "l": [2]}) == {
        "a": 2, "m": {"x": 1, "y": 3}, "l": [1, 2]}
    assert sam.merge_globals({"Ref": "X"}, {"k": 1}) == {"k": 1}
    assert sam.merge_globals({"k": 1}, {"Fn::If": ["c", 1, 2]}) == {"Fn::If": ["c", 1, 2]}


def test_alias_target():
    events = {"A": {"Type": "Api", "Properties": {"Path": "/x", "Method": "get"}}}
    fn = function(events, AutoPublishAlias="live")
    stack_doc = template({"F": fn})
    apis, _ = sam.translate(stack_doc, ROOT)
    uri = apis["ServerlessRestApi"]["body"]["paths"]["/x"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert uri == {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FAliaslive}/invocations"}
