"""A SAM or CloudFormation template served as `sam local start-api` serves it, without Docker
(README: "From `sam local start-api`").

`load_stack(path, ...)` reads the template and returns a `Stack`: its REST APIs (one deployment
each, their definitions as API Gateway would import them, intrinsics evaluated by `cfn.Resolver`)
and its functions (the local Lambda Invoke API's table: runtime, code directory, handler,
environment, timeout). `translate(template, base_dir)` is the part that writes the definitions
before intrinsics are evaluated, as SAM's translator writes them; its golden test compares it with
what the translator's sources say (tests/sam/golden/).

What SAM does, and where its translator does it (aws/serverless-application-model):
- Globals (`samtranslator/plugins/globals/globals.py` `_do_merge`): maps merged key by key, lists
  concatenated (global first), anything else (intrinsics included) the resource's own value wins.
- the implicit API `ServerlessRestApi`, stage `Prod`, a Swagger 2.0 skeleton
  (`plugins/api/implicit_rest_api_plugin.py` `ImplicitApiResource`, `swagger/swagger.py`
  `gen_skeleton`), made only when some event has no `RestApiId`; an explicit `AWS::Serverless::Api`
  without a definition gets the same skeleton (`plugins/api/default_definition_body_plugin.py`).
- each `Type: Api` event adds its path and method (`any` -> `x-amazon-apigateway-any-method`) with an
  `aws_proxy` POST integration to the function (`model/eventsources/push.py` `Api.
  _add_swagger_integration`, `_build_apigw_integration_uri`; `swagger.py` `add_lambda_integration`),
  its `Auth` (`add_auth_to_method`) and `RequestParameters` (`add_request_parameters_to_method`).
- then the API's own settings, in the order `model/api/api_generator.py` `_construct_rest_api`
  applies them: `Cors` (`_add_cors`, `swagger.py` `add_cors`: an OPTIONS MOCK per path), `Auth`
  (`_add_auth`: authorizers from `model/apigateway.py` `ApiGatewayAuthorizer.generate_swagger`,
  `DefaultAuthorizer`, `ApiKeyRequired`), `BinaryMediaTypes` (`~1` -> `/`)."""

import copy
import os
import re
import shutil

import apigw
import cfn

IMPLICIT_API = "ServerlessRestApi"
X_INTEGRATION = "x-amazon-apigateway-integration"
X_ANY = "x-amazon-apigateway-any-method"
ALL_HTTP_METHODS = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]  # swagger.py _ALL_HTTP_METHODS
DEFAULT_TIMEOUT = 3  # seconds: Lambda's default, and SAM's (AWS::Serverless::Function Timeout)
DEFAULT_MEMORY = 128


class TemplateError(apigw.DefinitionError):
    pass


def is_template(doc):
    return isinstance(doc, dict) and isinstance(doc.get("Resources"), dict) and "paths" not in doc


def skeleton():
    """swagger.py `gen_skeleton`."""
    return {"swagger": "2.0", "info": {"version": "1.0", "title": {"Ref": "AWS::StackName"}}, "paths": {}}


# --- reading ------------------------------------------------------------------------------------

def read_local(location, base_dir, where, files=None):
    """A definition a template names by a local path (DefinitionUri, BodyS3Location, AWS::Include):
    S3 and other remote places cannot be read off AWS."""
    if isinstance(location, dict) and "Bucket" in location:
        raise TemplateError(f"{where}: an S3 location cannot be read locally: give a local path")
    if not isinstance(location, str) or location.startswith(("s3://", "http://", "https://")):
        raise TemplateError(f"{where}: {location!r} cannot be read locally: give a local path")
    path = os.path.join(base_dir, location)
    if files is not None:
        files.append(path)
    doc = apigw.read_document(path)
    if not isinstance(doc, dict):
        raise TemplateError(f"{where}: {location} does not hold an object")
    return doc


def include(value, base_dir, where="template", files=None):
    """`Fn::Transform: {Name: AWS::Include, Parameters: {Location: <local file>}}` replaced by the
    file's content, anywhere in the template (CloudFormation runs it before SAM's transform)."""
    if isinstance(value, list):
        return [include(v, base_dir, f"{where}[{i}]", files) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    transform = value.get("Fn::Transform")
    if len(value) == 1 and isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
        location = (transform.get("Parameters") or {}).get("Location")
        return include(read_local(location, base_dir, f"{where}.Fn::Transform", files), base_dir, where, files)
    return {k: include(v, base_dir, f"{where}.{k}", files) for k, v in value.items()}


# --- Globals --------------------------------------------------------------------------------------

def merge_globals(global_value, local_value):
    """globals.py `_do_merge`."""
    def token(v):
        if isinstance(v, dict) and not cfn.is_intrinsic(v):
            return "dict"
        return "list" if isinstance(v, list) else "primitive"
    kind = token(global_value)
    if kind != token(local_value) or kind == "primitive":
        return local_value
    if kind == "list":
        return global_value + local_value
    merged = dict(global_value)
    for k, v in local_value.items():
        merged[k] = merge_globals(merged[k], v) if k in merged else v
    return merged


def with_globals(template):
    """The template's Serverless resources with `Globals` merged into their properties."""
    globals_ = template.get("Globals") if isinstance(template.get("Globals"), dict) else {}
    kinds = {"AWS::Serverless::Function": "Function", "AWS::Serverless::Api": "Api"}
    resources = {}
    for name, res in template["Resources"].items():
        res = copy.deepcopy(res) if isinstance(res, dict) else {}
        section = globals_.get(kinds.get(res.get("Type"), ""))
        if isinstance(section, dict):
            props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
            res["Properties"] = merge_globals(copy.deepcopy(section), props)
        resources[name] = res
    return resources


# --- the APIs, as SAM's translator writes them ----------------------------------------------------

def translate(template, base_dir):
    """{API logical id: {"type", "properties", "body"}} for every REST API of the template, the
    bodies as SAM's translator writes them (intrinsics not evaluated), and the resources with
    Globals merged. Events of functions whose Condition is false must be left out by the caller
    (`conditions`: name -> bool, or None to keep every one)."""
    return translate_with(template, base_dir, lambda name: True)


def translate_with(template, base_dir, keep, files=None):
    resources = with_globals(template)
    apis = {}
    for name, res in resources.items():
        props = res.get("Properties") or {}
        if res.get("Type") == "AWS::Serverless::Api":
            # Events add their operations only to a definition SAM writes itself (push.py
            # `Api.to_cloudformation`: `__MANAGE_SWAGGER`); Cors, Auth and BinaryMediaTypes apply
            # to any DefinitionBody, none to a DefinitionUri.
            body = props.get("DefinitionBody")
            inline, managed = body is not None or props.get("DefinitionUri") is None, body is None
            if body is None and props.get("DefinitionUri") is not None:
                body = read_local(props["DefinitionUri"], base_dir, f"Resources.{name}.Properties.DefinitionUri", files)
            else:
                body = copy.deepcopy(body) if body is not None else skeleton()
            apis[name] = {"type": res["Type"], "properties": props, "body": body, "managed": managed,
                          "inline": inline}
        elif res.get("Type") == "AWS::ApiGateway::RestApi":
            body = props.get("Body")
            if body is None and props.get("BodyS3Location") is not None:
                body = read_local(props["BodyS3Location"], base_dir, f"Resources.{name}.Properties.BodyS3Location",
                                  files)
            if isinstance(body, dict):
                body = copy.deepcopy(body)
                if props.get("BinaryMediaTypes") and "x-amazon-apigateway-binary-media-types" not in body:
                    body["x-amazon-apigateway-binary-media-types"] = props["BinaryMediaTypes"]
                apis[name] = {"type": res["Type"], "properties": props, "body": body, "managed": False,
                              "inline": False}
    globals_api = (template.get("Globals") or {}).get("Api") if isinstance(template.get("Globals"), dict) else None
    add_events(resources, apis, keep, globals_api if isinstance(globals_api, dict) else {})
    if IMPLICIT_API in apis:  # the template's first API (make run's first deployment), as `sam local` lists it
        apis = {IMPLICIT_API: apis[IMPLICIT_API], **{k: v for k, v in apis.items() if k != IMPLICIT_API}}
    defaults = {k: v["Default"] for k, v in (template.get("Parameters") or {}).items()
                if isinstance(v, dict) and "Default" in v}
    for name, api in apis.items():
        if api["type"] == "AWS::Serverless::Api" and api["inline"]:
            api_settings(name, api, defaults)
    return apis, resources


def api_events(resources, keep):
    """(function logical id, event id, event properties) of every `Type: Api` event, in order."""
    for fn, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function" or not keep(res.get("Condition")):
            continue
        events = (res.get("Properties") or {}).get("Events")
        for event_id, event in (events.items() if isinstance(events, dict) else []):
            if isinstance(event, dict) and event.get("Type") == "Api" and isinstance(event.get("Properties"), dict):
                yield fn, event_id, event["Properties"]


def add_events(resources, apis, keep, globals_api):
    """Every Api event's path and method in its API (push.py `Api._add_swagger_integration`)."""
    for fn, event_id, props in api_events(resources, keep):
        where = f"Resources.{fn}.Properties.Events.{event_id}.Properties"
        api_id = props.get("RestApiId", {"Ref": IMPLICIT_API})
        api_id = api_id["Ref"] if isinstance(api_id, dict) and "Ref" in api_id else api_id
        if api_id == IMPLICIT_API and IMPLICIT_API not in apis:
            apis[IMPLICIT_API] = {"type": "AWS::Serverless::Api", "properties": implicit_properties(globals_api),
                                  "body": skeleton(), "managed": True, "inline": True}
        api = apis.get(api_id) if isinstance(api_id, str) else None
        if api is None or api["type"] != "AWS::Serverless::Api":
            raise TemplateError(f"{where}.RestApiId: must be a Ref to an AWS::Serverless::Api of the template")
        if not api["managed"]:
            continue  # a DefinitionUri: SAM adds nothing to it (push.py: no DefinitionBody)
        path, method = props.get("Path"), props.get("Method")
        if not isinstance(path, str) or not isinstance(method, str):
            raise TemplateError(f"{where}: Path and Method must be strings")
        add_integration(api, function_target(fn, resources[fn]), path, method, props, where)


def alias_id(fn, res):
    """The logical id of a function's AutoPublishAlias (sam_resources.py: `<Function>Alias<Name>`),
    or None."""
    alias = (res.get("Properties") or {}).get("AutoPublishAlias")
    return f"{fn}Alias{re.sub(r'[^A-Za-z0-9]', '', alias)}" if isinstance(alias, str) and alias else None


def function_target(fn, res):
    """What the integration URI names (push.py `_build_apigw_integration_uri`: the function's
    `arn` runtime attribute, its alias when it has AutoPublishAlias)."""
    alias = alias_id(fn, res)
    return f"${{{alias}}}" if alias else f"${{{fn}.Arn}}"


def implicit_properties(globals_api):
    """The implicit API's properties: StageName Prod, and the Globals `Api` section (the Globals
    plugin runs after the implicit API plugin made it, so it applies to it too)."""
    return merge_globals(copy.deepcopy(globals_api), {"StageName": "Prod"})


def normalize_method(method):
    """base_editor.py `_normalize_method_name`."""
    method = method.lower()
    return X_ANY if method == "any" else method


def add_integration(api, target, path, method, props, where):
    body = api["body"]
    paths = body.setdefault("paths", {})
    if not isinstance(paths, dict) or not isinstance(paths.setdefault(path, {}), dict):
        raise TemplateError(f"{where}: the API's paths must be objects")
    method = normalize_method(method)
    op = paths[path].setdefault(method, {})
    if X_INTEGRATION in op:
        raise TemplateError(f'{where}: API method "{method}" defined multiple times for path "{path}"')
    op[X_INTEGRATION] = {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": {"Fn::Sub": f"arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/{target}/invocations"}}
    auth = props.get("Auth")
    credentials = invoke_credentials(api["properties"].get("Auth"), auth)
    if credentials:
        op[X_INTEGRATION]["credentials"] = credentials
    op.setdefault("responses", {})
    if isinstance(auth, dict):
        method_auth(api, op, auth)
    if props.get("TimeoutInMillis"):
        op[X_INTEGRATION]["timeoutInMillis"] = props["TimeoutInMillis"]
    if props.get("RequestParameters"):
        request_parameters(op, props["RequestParameters"], where)


def invoke_credentials(api_auth, method_auth_):
    """swagger.py `add_lambda_integration`: an AWS_IAM method calls with the caller's credentials
    unless an InvokeRole says otherwise (`NONE`: none)."""
    api_auth = api_auth if isinstance(api_auth, dict) else {}
    method_auth_ = method_auth_ if isinstance(method_auth_, dict) else {}
    if not (method_auth_.get("Authorizer") == "AWS_IAM"
            or (api_auth.get("DefaultAuthorizer") == "AWS_IAM" and not method_auth_)):
        return None
    roles = [a.get("InvokeRole") or ("NONE" if "InvokeRole" in a else None) for a in (method_auth_, api_auth)]
    role = roles[0] or roles[1]
    role = role if role and role != "CALLER_CREDENTIALS" else "arn:aws:iam::*:user/*"
    return None if role == "NONE" else role


def method_auth(api, op, auth):
    """swagger.py `add_auth_to_method`: the event's Authorizer (with its scopes) and ApiKeyRequired."""
    authorizer = auth.get("Authorizer")
    authorizers = ((api["properties"].get("Auth") or {}).get("Authorizers")) or {}
    if authorizer:
        scopes = []
        if authorizer != "NONE" and isinstance(authorizers.get(authorizer), dict):
            scopes = authorizers[authorizer].get("AuthorizationScopes")
            if auth.get("AuthorizationScopes") is not None:
                scopes = auth["AuthorizationScopes"]
            scopes = scopes if scopes is not None else []
        op["security"] = op.get("security", []) + [{authorizer: scopes}]
        if authorizer == "AWS_IAM":
            add_iam_definition(api["body"])
    if auth.get("ApiKeyRequired") is not None:
        if auth["ApiKeyRequired"]:
            add_api_key_definition(api["body"])
        marker = "api_key" if auth["ApiKeyRequired"] else "api_key_false"
        op["security"] = op.get("security", []) + [{marker: []}]


def request_parameters(op, parameters, where):
    """swagger.py `add_request_parameters_to_method` (push.py checks the names)."""
    existing = op.get("parameters", [])
    for parameter in parameters if isinstance(parameters, list) else []:
        settings = {"Required": False, "Caching": False}
        if isinstance(parameter, dict) and len(parameter) == 1:
            (name, value), = parameter.items()
            settings.update(value if isinstance(value, dict) else {})
        else:
            name = parameter
        if not isinstance(name, str) or not re.match(r"method\.request\.(querystring|path|header)\.", name):
            raise TemplateError(f"{where}.RequestParameters: keys must be method.request.[querystring|path|header].<name>")
        location, short = name[len("method.request."):].split(".", 1)
        existing.append({"in": "query" if location == "querystring" else location, "name": short,
                         "required": settings["Required"], "type": "string"})
        if settings["Caching"]:
            op[X_INTEGRATION].setdefault("cacheKeyParameters", []).append(name)
    op["parameters"] = existing


def add_iam_definition(body):
    body.setdefault("securityDefinitions", {}).setdefault("AWS_IAM", {
        "x-amazon-apigateway-authtype": "awsSigv4", "type": "apiKey", "name": "Authorization", "in": "header"})


def add_api_key_definition(body):
    body.setdefault("securityDefinitions", {}).setdefault("api_key", {
        "type": "apiKey", "name": "x-api-key", "in": "header"})


def methods_with_integration(body, path):
    """swagger.py `iter_on_all_methods_for_path`: the operations that have an integration."""
    item = (body.get("paths") or {}).get(path)
    for method, op in (item.items() if isinstance(item, dict) else []):
        if isinstance(op, dict) and X_INTEGRATION in op:
            yield method, op


def parameter_refs(value, defaults):
    """intrinsics_resolver.py `resolve_parameter_refs`: a `Ref` to a parameter with a Default."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in defaults:
        return defaults[value["Ref"]]
    if isinstance(value, list):
        return [parameter_refs(v, defaults) for v in value]
    return value


def api_settings(name, api, defaults):
    """api_generator.py `_construct_rest_api`: Cors, then Auth, then BinaryMediaTypes (its parameter
    references resolved first: sam_resources.py `SamApi.to_cloudformation`)."""
    props = api["properties"]
    where = f"Resources.{name}.Properties"
    if props.get("Cors"):
        add_cors(api["body"], props["Cors"], f"{where}.Cors")
    if isinstance(props.get("Auth"), dict):
        add_auth(api["body"], props["Auth"], f"{where}.Auth")
    if props.get("BinaryMediaTypes"):
        api["body"]["x-amazon-apigateway-binary-media-types"] = tilde_to_slash(
            parameter_refs(props["BinaryMediaTypes"], defaults))


def tilde_to_slash(value):
    """swagger.py `add_binary_media_types`: `~1` is `/`, in strings and keys at any depth."""
    if isinstance(value, dict):
        return {k.replace("~1", "/"): tilde_to_slash(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tilde_to_slash(v) for v in value]
    return value.replace("~1", "/") if isinstance(value, str) else value


CORS_KEYS = ("AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials")
AUTH_KEYS = ("Authorizers", "DefaultAuthorizer", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight",
             "AddApiKeyRequiredToCorsPreflight", "ApiKeyRequired", "ResourcePolicy", "UsagePlan")


def add_cors(body, cors, where):
    """api_generator.py `_add_cors` and swagger.py `add_cors`: an OPTIONS MOCK on every path that
    has none (paths differing by a trailing slash get one), AllowOrigin `'*'` by default."""
    if isinstance(cors, str) or cfn.is_intrinsic(cors):
        cors = {"AllowOrigin": cors}
    if not isinstance(cors, dict) or any(k not in CORS_KEYS for k in cors):
        raise TemplateError(f"{where}: Invalid value for 'Cors' property")
    origin = cors.get("AllowOrigin", "'*'")
    credentials = cors.get("AllowCredentials") is True
    if credentials and origin == "'*'":
        raise TemplateError(f"{where}: 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set")
    seen = set()
    for path, item in list((body.get("paths") or {}).items()):
        normalized = path.rstrip("/") if path != "/" else path
        if normalized in seen:
            continue
        seen.add(normalized)
        if not isinstance(item, dict) or "options" in item:
            continue
        if not origin:
            raise TemplateError(f"{where}: Value for AllowOrigin is required")
        methods = cors.get("AllowMethods")
        if not methods:
            names = list(item) if X_ANY not in item else ALL_HTTP_METHODS
            methods = "'" + ",".join(sorted({m.upper() for m in names} | ({"OPTIONS"} if X_ANY not in item else set()))) + "'"
        item["options"] = cors_options(origin, cors.get("AllowHeaders"), methods, cors.get("MaxAge"), credentials)


def cors_options(origin, headers, methods, max_age, credentials):
    """swagger.py `_options_method_response_for_cors`."""
    params = {"method.response.header.Access-Control-Allow-Origin": origin}
    declared = {"Access-Control-Allow-Origin": {"type": "string"}}
    for name, value, kind in (("Access-Control-Allow-Headers", headers or None, "string"),
                              ("Access-Control-Allow-Methods", methods or None, "string"),
                              ("Access-Control-Max-Age", max_age, "integer"),
                              ("Access-Control-Allow-Credentials", "'true'" if credentials else None, "string")):
        if value is not None:
            params[f"method.response.header.{name}"] = value
            declared[name] = {"type": kind}
    return {
        "summary": "CORS support", "consumes": ["application/json"], "produces": ["application/json"],
        X_INTEGRATION: {"type": "mock", "requestTemplates": {"application/json": '{\n  "statusCode" : 200\n}\n'},
                        "responses": {"default": {"statusCode": "200", "responseParameters": params,
                                                  "responseTemplates": {"application/json": "{}\n"}}}},
        "responses": {"200": {"description": "Default response for CORS method", "headers": declared}},
    }


def add_auth(body, auth, where):
    """api_generator.py `_add_auth`: authorizers, DefaultAuthorizer, ApiKeyRequired."""
    unknown = [k for k in auth if k not in AUTH_KEYS]
    if unknown:
        raise TemplateError(f"{where}: Invalid value for 'Auth' property ({', '.join(unknown)})")
    default = auth.get("DefaultAuthorizer")
    authorizers = dict(auth.get("Authorizers") or {})
    if not isinstance(auth.get("Authorizers") or {}, dict):
        raise TemplateError(f"{where}.Authorizers: must be a map")
    if default == "AWS_IAM":
        authorizers = {"AWS_IAM": None, **authorizers}
    if authorizers:
        schemes = body.setdefault("securityDefinitions", {})
        for name, spec in authorizers.items():
            schemes[name] = authorizer_scheme(name, spec, f"{where}.Authorizers.{name}")
        if default:
            if default not in authorizers:
                raise TemplateError(f"{where}.DefaultAuthorizer: '{default}' was not defined in 'Authorizers'")
            for path in list(body.get("paths") or {}):
                default_authorizer(body, path, default, authorizers, auth.get("AddDefaultAuthorizerToCorsPreflight", True))
    if auth.get("ApiKeyRequired"):
        add_api_key_definition(body)
        for path in list(body.get("paths") or {}):
            default_api_key(body, path, auth.get("AddApiKeyRequiredToCorsPreflight", True))


def authorizer_scheme(name, spec, where):
    """model/apigateway.py `ApiGatewayAuthorizer.generate_swagger` (None: the AWS_IAM default)."""
    if spec is None:
        return {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
    if not isinstance(spec, dict):
        raise TemplateError(f"{where}: must be a map")
    identity = spec.get("Identity") or {}
    payload = spec.get("FunctionPayloadType") or "TOKEN"
    if payload not in ("TOKEN", "REQUEST"):
        raise TemplateError(f"{where}: invalid 'FunctionPayloadType': {payload}")
    cognito = bool(spec.get("UserPoolArn"))
    header = identity.get("Header") or "Authorization"
    scheme = {"type": "apiKey", "name": "Unused" if not cognito and payload == "REQUEST" else header, "in": "header",
              "x-amazon-apigateway-authtype": "cognito_user_pools" if cognito else "custom"}
    if cognito:
        arns = spec["UserPoolArn"] if isinstance(spec["UserPoolArn"], list) else [spec["UserPoolArn"]]
        ext = {"type": "cognito_user_pools", "providerARNs": arns}
    else:
        ext = {"type": payload.lower(), "authorizerUri": {"Fn::Sub": [
            "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
            {"__FunctionArn__": spec.get("FunctionArn")}]}}
        if identity.get("ReauthorizeEvery") is not None:
            ext["authorizerResultTtlInSeconds"] = identity["ReauthorizeEvery"]
        if spec.get("FunctionInvokeRole") and spec["FunctionInvokeRole"] != "NONE":
            ext["authorizerCredentials"] = spec["FunctionInvokeRole"]
        if payload == "REQUEST":
            sources = [prefix + v for key, prefix in (
                ("Headers", "method.request.header."), ("QueryStrings", "method.request.querystring."),
                ("StageVariables", "stageVariables."), ("Context", "context.")) for v in identity.get(key) or []]
            if sources:
                ext["identitySource"] = ", ".join(sources)
    if (cognito or payload == "TOKEN") and identity.get("ValidationExpression"):
        ext["identityValidationExpression"] = identity["ValidationExpression"]
    scheme["x-amazon-apigateway-authorizer"] = ext
    return scheme


def scopes_of(authorizers, name):
    spec = authorizers.get(name)
    scopes = spec.get("AuthorizationScopes") if isinstance(spec, dict) else None
    return scopes if scopes is not None else []


def default_authorizer(body, path, default, authorizers, to_preflight):
    """swagger.py `set_path_default_authorizer`. As there, a method whose Authorizer is NONE keeps
    `security: [{"NONE": []}]` when nothing else is listed (served as no authorizer: `served`)."""
    names = {"AWS_IAM"} | set(authorizers)
    for method, op in methods_with_integration(body, path):
        if method == "options" and not to_preflight:
            continue
        existing = op.get("security", [])
        others = [s for s in existing if names.isdisjoint(s)]
        chosen = [s for s in existing if not names.isdisjoint(s)]
        none = next((i for i, s in enumerate(others) if "NONE" in s), -1)
        if none > -1:
            del others[none]
            chosen = []
        elif not chosen:
            chosen = [{default: scopes_of(authorizers, default)}]
        security = others + chosen
        if security:
            op["security"] = security
            if "AWS_IAM" in security[0]:
                add_iam_definition(body)


def default_api_key(body, path, to_preflight):
    """swagger.py `set_path_default_apikey_required`."""
    for method, op in methods_with_integration(body, path):
        existing = op.get("security", [])
        others = [s for s in existing if {"api_key", "api_key_false"}.isdisjoint(s)]
        keyed = [s for s in existing if not {"api_key", "api_key_false"}.isdisjoint(s)]
        false = next((i for i, s in enumerate(keyed) if "api_key_false" in s), -1)
        security = others + ([] if false > -1 else [{"api_key": []}])
        if method == "options" and not to_preflight:
            security = others
        if security != existing:
            op["security"] = security


# --- the stack make run serves ---------------------------------------------------------------------

class Api:
    """One REST API of the template: one deployment of the gateway."""

    def __init__(self, logical_id, definition, stage, variables):
        self.logical_id, self.definition, self.stage, self.variables = logical_id, definition, stage, variables


class Stack:
    """`apis`: [Api]; `functions`: the Invoke API's table; `files`: the other files read."""

    def __init__(self, apis, functions, notes, files):
        self.apis, self.functions, self.notes, self.files = apis, functions, notes, files


# SAM's markers for "no authorizer" and "no API key", left in `security` by its translator
# (`default_authorizer`): API Gateway's import lists no scheme for them, so neither does the
# definition served.
SAM_MARKERS = ("NONE", "api_key_false")


def served(definition):
    """The definition as API Gateway imports it: SAM's markers taken out of `security` lists."""
    for item in (definition.get("paths") or {}).values():
        for op in (item.values() if isinstance(item, dict) else []):
            if isinstance(op, dict) and isinstance(op.get("security"), list):
                op["security"] = [e for e in op["security"] if not (isinstance(e, dict) and set(e) <= set(SAM_MARKERS)
                                                                     and e)]
    return definition


def load_stack(path, params=None, region="us-east-1", account_id=None, doc=None):
    """The template at `path` as make run serves it (module doc); raises TemplateError naming the
    place of what cannot be served."""
    base_dir = os.path.dirname(os.path.abspath(path))
    doc = doc if doc is not None else apigw.read_document(path)
    if not is_template(doc):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    files = []
    try:
        doc = include(doc, base_dir, files=files)
        resolver = cfn.Resolver(doc, region, account_id or apigw.DEFAULT_ACCOUNT_ID, params)
        keep = lambda condition: condition is None or resolver.condition(condition, "Condition")  # noqa: E731
        apis, resources = translate_with(doc, base_dir, keep, files)
        for fn, res in resources.items():
            alias = alias_id(fn, res) if res.get("Type") == "AWS::Serverless::Function" else None
            if alias:
                arn = resolver.attribute(fn, "Arn", f"Resources.{fn}")
                resolver.extra_refs[alias] = f"{arn}:{res['Properties']['AutoPublishAlias']}"
        out = []
        for name, api in apis.items():
            if not keep(resources.get(name, {}).get("Condition")):
                continue
            where = definition_place(name, api)
            definition = served(resolver.resolve(api["body"], where))
            definition = apigw._substitute_pseudo(definition, resolver.pseudo)
            stage, variables = stage_of(name, api, resources, resolver)
            out.append(Api(name, definition, stage, variables))
        functions, notes = function_table(resources, resolver, base_dir, keep)
    except cfn.IntrinsicError as e:
        raise TemplateError(f"{path}: {e}") from e
    return Stack(out, functions, notes, files)


def definition_place(name, api):
    """Where an API's definition is, for errors: the template's own, or the one SAM writes from
    events and the API's properties (Auth, Cors...), which has no place in the template."""
    if api["type"] == "AWS::ApiGateway::RestApi":
        return f"Resources.{name}.Properties.Body"
    if api["managed"]:
        return f"Resources.{name} (the definition SAM writes from its events, Auth and Cors)"
    return f"Resources.{name}.Properties.DefinitionBody"


def stage_of(name, api, resources, resolver):
    """(stage name, stage variables): a Serverless::Api's StageName and Variables; a RestApi's
    AWS::ApiGateway::Stage (or Deployment) that names it; (None, {}) when there is none."""
    props = api["properties"]
    where = f"Resources.{name}.Properties"
    if api["type"] == "AWS::Serverless::Api":
        stage = resolver.text(props.get("StageName", "Prod"), f"{where}.StageName")
        variables = resolver.resolve(props.get("Variables") or {}, f"{where}.Variables")
        return stage, {k: str(v) for k, v in variables.items()}
    for other, res in resources.items():
        p = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
        if res.get("Type") in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment") \
                and p.get("RestApiId") == {"Ref": name} and p.get("StageName"):
            variables = resolver.resolve(p.get("Variables") or {}, f"Resources.{other}.Properties.Variables")
            return resolver.text(p["StageName"], f"Resources.{other}.Properties.StageName"), \
                {k: str(v) for k, v in variables.items()}
    return None, {}


LOCAL_RUNTIMES = ("python", "nodejs")


def runtime_problem(runtime):
    """Why a runtime cannot run here (None when it can): Python functions run under make run's
    Python, Node.js ones under `node`; any other runtime would need its container."""
    if not isinstance(runtime, str) or not runtime.startswith(LOCAL_RUNTIMES):
        return f"runtime {runtime!r} is not available locally (Python and Node.js are)"
    if runtime.startswith("nodejs") and not shutil.which("node"):
        return f"runtime {runtime}: no `node` on PATH"
    return None


def function_table(resources, resolver, base_dir, keep):
    """{function name: spec} for the local Lambda Invoke API (scripts/local_lambda.py `--functions`),
    and one line per function that cannot run."""
    table, notes = {}, []
    for logical, res in resources.items():
        if res.get("Type") not in ("AWS::Serverless::Function", "AWS::Lambda::Function") or not keep(res.get("Condition")):
            continue
        spec = function_spec(logical, res, resolver, base_dir)
        table[spec["name"]] = spec
        if spec.get("problem"):
            notes.append(f"function {spec['name']}: {spec['problem']}: its routes answer 502")
    return table, notes


def function_spec(logical, res, resolver, base_dir):
    props = res.get("Properties") if isinstance(res.get("Properties"), dict) else {}
    where = f"Resources.{logical}.Properties"
    value = lambda key, default=None: resolver.resolve(props.get(key, default), f"{where}.{key}")  # noqa: E731
    env = value("Environment") or {}
    variables = env.get("Variables") or {} if isinstance(env, dict) else {}
    spec = {"name": resolver.physical_name(logical, where), "logicalId": logical, "runtime": value("Runtime"),
            "handler": value("Handler"), "timeout": int(value("Timeout", DEFAULT_TIMEOUT)),
            "memory": int(value("MemorySize", DEFAULT_MEMORY)),
            "environment": {k: resolver._scalar(v) if not isinstance(v, str) else v for k, v in variables.items()}}
    code = props.get("InlineCode") if res["Type"] == "AWS::Serverless::Function" else (props.get("Code") or {}).get("ZipFile") \
        if isinstance(props.get("Code"), dict) else None
    uri = props.get("CodeUri") if res["Type"] == "AWS::Serverless::Function" else None
    if code is not None:
        spec["inlineCode"] = resolver.text(code, f"{where}.InlineCode")
    elif isinstance(uri, str) and not uri.startswith("s3://"):
        spec["codeDir"] = os.path.normpath(os.path.join(base_dir, uri))
    elif uri is None and res["Type"] == "AWS::Serverless::Function":
        spec["codeDir"] = base_dir
    problem = None
    if props.get("PackageType") == "Image":
        problem = "an image function (PackageType: Image) needs its container"
    elif "codeDir" not in spec and "inlineCode" not in spec:
        problem = "its code is not in a local directory (CodeUri)"
    elif "codeDir" in spec and not os.path.isdir(spec["codeDir"]):
        problem = f"its code directory {spec['codeDir']} does not exist"
    elif not isinstance(spec["handler"], str) or "." not in spec["handler"]:
        problem = f"handler {spec['handler']!r} is not <file>.<function>"
    else:
        problem = runtime_problem(spec["runtime"])
    if problem:
        spec["problem"] = problem
    return spec
