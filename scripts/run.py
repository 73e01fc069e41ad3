"""`make run`: serve an exported API Gateway definition with Envoy in the foreground."""

import argparse
import csv
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import apigw  # noqa: E402
import reload  # noqa: E402
import sam  # noqa: E402


def example_path(path):
    parts = []
    for seg in path.strip("/").split("/"):
        if seg.startswith("{") and seg.endswith("+}"):
            parts.append("any/sub/path")
        elif seg.startswith("{"):
            parts.append("123")
        elif seg:
            parts.append(seg)
    return "/" + "/".join(parts)


DEMO_API = os.path.join(os.path.dirname(__file__), "..", "envoy", "demo-api.yaml")
HERE = os.path.dirname(os.path.abspath(__file__))


def os_ports(count, avoid=()):
    """`count` distinct ports the OS picks on 127.0.0.1, none in `avoid`."""
    socks, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            if s.getsockname()[1] not in avoid:
                ports.append(s.getsockname()[1])
        return ports
    finally:
        for s in socks:
            s.close()


def can_bind(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def admin_port(a):
    """--admin-port, else PORT+1821 (9901 for 8080): another `make run` with another PORT gets
    another one even when both start at once; a taken one gives way to a free port."""
    if a.admin_port:
        return a.admin_port
    preferred = a.port + 1821 if a.port + 1821 <= 65535 else a.port - 1821
    return preferred if can_bind(preferred) else os_ports(1, avoid={a.port})[0]


def local_ports(a, count=3):
    """Ports for the local Lambda, echo and moto services, picked by the OS: never the PORT another
    `make run` may be given (such as the next one), nor this one's listener or admin port."""
    return os_ports(count, avoid={a.port, a.admin_port})


def start_demo_services(a, children, start=True):
    """The demo's HTTP backend (scripts/echo_backend.py) and, when moto is installed, an SQS for
    its AWS integration; returns the stage variables they give by default (`backend`, the echo
    service), which STAGE_VARIABLES may override."""
    _, echo_port, moto_port = a.local_ports
    defaults = {"backend": f"127.0.0.1:{echo_port}"}
    os.environ.setdefault("AWS_ENDPOINT_URL_SQS", f"http://127.0.0.1:{moto_port}")
    if not start:
        return defaults
    echo = subprocess.Popen([sys.executable, os.path.join(HERE, "echo_backend.py"),
                             "--port", str(echo_port)], stdout=subprocess.PIPE, text=True)
    echo.stdout.readline()
    echo.describe = f"HTTP backend (echo): 127.0.0.1:{echo_port}"
    children.append(echo)
    try:
        import boto3  # noqa: PLC0415
        import requests  # noqa: PLC0415
    except ImportError:
        return defaults
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto.describe = f"SQS (moto): http://127.0.0.1:{moto_port}, queue demo-queue"
    children.append(moto)
    url = f"http://127.0.0.1:{moto_port}"
    for _ in range(100):
        try:
            requests.get(url + "/moto-api/", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.1)
    boto3.client("sqs", endpoint_url=url, region_name="us-east-1", aws_access_key_id="demo",
                 aws_secret_access_key="demo").create_queue(QueueName="demo-queue")
    demo_user_pool(a, url)
    return defaults


def demo_user_pool(a, url):
    """The demo's Cognito user pool in moto (its `/me` route): a pool, an app client and a user
    `demo`; the pool's ARN fills the demo's `${DemoUserPoolArn}` and its keys come from moto. Sets
    `a.demo_token` (an ID token, valid one hour) for the banner."""
    import boto3  # noqa: PLC0415
    idp = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1", aws_access_key_id="demo",
                       aws_secret_access_key="demo")
    pool = idp.create_user_pool(PoolName="demo-pool", Schema=[
        {"Name": "role", "AttributeDataType": "String", "Mutable": True}])["UserPool"]
    client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="demo",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]
    idp.admin_create_user(UserPoolId=pool["Id"], Username="demo", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "custom:role", "Value": "admin"}])
    idp.admin_set_user_password(UserPoolId=pool["Id"], Username="demo", Password="Demo-passw0rd", Permanent=True)
    auth = idp.initiate_auth(ClientId=client["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "demo", "PASSWORD": "Demo-passw0rd"})
    a.demo_token = auth["AuthenticationResult"]["IdToken"]
    params = apigw.parse_pairs(a.cfn_params)
    params.setdefault("DemoUserPoolArn", pool["Arn"])
    a.cfn_params = ",".join(f"{k}={v}" for k, v in params.items())
    os.environ.setdefault("AWS_ENDPOINT_URL_COGNITO_IDP", url)


def cognito_jwks(path):
    """`COGNITO_JWKS=<file>`: a JWKS document holding the user pools' keys, used instead of
    fetching them (README: "Cognito user pool authorizers"), or nothing."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        keys = json.loads(text).get("keys")
    except OSError as e:
        raise apigw.DefinitionError(f"COGNITO_JWKS {path}: cannot read it: {e.strerror}") from e
    except (ValueError, AttributeError) as e:
        raise apigw.DefinitionError(f"COGNITO_JWKS {path}: not a JWKS document ({{\"keys\": [...]}})") from e
    if not isinstance(keys, list):
        raise apigw.DefinitionError(f"COGNITO_JWKS {path}: not a JWKS document ({{\"keys\": [...]}})")
    return text


def cognito_report(doc, jwks_file, check):
    """One line per user pool the definition's Cognito authorizers name: where its keys come from
    and, with `check`, whether they can be fetched now (its operations answer 401 until they can).
    A providerARN that is still a `${Name}` placeholder says how to supply it."""
    lines = []
    for scheme in apigw._security_schemes(doc).values():
        ext = scheme.get("x-amazon-apigateway-authorizer") or {}
        for arn in ext.get("providerARNs") or [] if isinstance(ext, dict) else []:
            if isinstance(arn, str) and not apigw.USER_POOL_ARN.match(arn):
                name = re.fullmatch(r"\$\{([A-Za-z0-9_.:]+)\}", arn)
                how = f"pass CFN_PARAMS={name.group(1)}=<its ARN>" if name else "fix the ARN"
                lines.append(f"Cognito: {arn!r} is not a user pool ARN: its operations answer 401 ({how})")
    for pool in apigw.cognito_pools(doc):
        if jwks_file:
            lines.append(f"Cognito user pool {pool['id']}: keys from COGNITO_JWKS={jwks_file}")
            continue
        url = apigw.cognito_jwks_url(pool["region"], pool["id"])
        line = f"Cognito user pool {pool['id']}: keys from {url}"
        if check:
            import urllib.request  # noqa: PLC0415
            try:
                with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 (http(s) only)
                    json.load(resp)["keys"]
            except Exception as e:  # noqa: BLE001 (any failure is reported the same way)
                line += (f" -- cannot be fetched now ({e}): its operations answer 401 until they can "
                         "(set COGNITO_JWKS=<jwks file> or AWS_ENDPOINT_URL_COGNITO_IDP)")
        lines.append(line)
    return lines


def identifier(what):
    """An argparse type for API_ID, ACCOUNT_ID and REGION: empty is None (the default); otherwise
    letters, digits, `.`, `_` and `-` only, as nothing else may stand in a method ARN's part."""
    def parse(value):
        value = value.strip()
        if not value:
            return None
        if not re.fullmatch(r"[A-Za-z0-9._-]+", value):
            raise argparse.ArgumentTypeError(f"{what} {value!r}: letters, digits, '.', '_' and '-' only")
        return value
    return parse


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise apigw.DefinitionError(f"cannot read {path}: {e.strerror}") from e
    except ValueError as e:
        raise apigw.DefinitionError(f"{path} is not JSON: {e}") from e


def iam_keys(path):
    """`IAM_KEYS=<file>`: the plugin configuration's `iamKeys` (README: "IAM")."""
    return {"iamKeys": read_json(path)}


def api_keys(path):
    """`API_KEYS=<csv>`: the plugin configuration's `apiKeys`, the file's text unchanged (README:
    "API keys and usage plans")."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return {"apiKeys": f.read()}
    except OSError as e:
        raise apigw.DefinitionError(f"API_KEYS={path}: cannot read it: {e.strerror}") from e


def usage_plans(path):
    """`USAGE_PLANS=<json>`: the plugin configuration's `usagePlans`, as `aws apigateway
    get-usage-plans` prints it (README: "API keys and usage plans")."""
    try:
        with open(path, encoding="utf-8") as f:
            return {"usagePlans": json.load(f)}
    except OSError as e:
        raise apigw.DefinitionError(f"USAGE_PLANS={path}: cannot read it: {e.strerror}") from e
    except ValueError as e:
        raise apigw.DefinitionError(f"USAGE_PLANS={path}: not JSON: {e}") from e


def first_key(api_keys):
    """An enabled key of the API_KEYS file, for the curl examples (None when there is none)."""
    if not api_keys:
        return None
    try:
        with open(api_keys, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None
    titles = [t.strip().lower() for t in rows[0]]
    for row in rows[1:]:
        values = dict(zip(titles, row))
        if values.get("key") and values.get("enabled", "").strip().lower() != "false":
            return values["key"]
    return None


def requires_key(doc, op):
    """Whether an operation's `security` (or the root's) lists an API key scheme."""
    schemes = dict(doc.get("securityDefinitions") or {})
    schemes.update((doc.get("components") or {}).get("securitySchemes") or {})
    security = op.get("security", doc.get("security")) or []
    return any(isinstance(s := schemes.get(name), dict) and s.get("type") == "apiKey"
               and "x-amazon-apigateway-authorizer" not in s and not s.get("x-amazon-apigateway-authtype")
               for entry in security if isinstance(entry, dict) for name in entry)


def stage_settings(value):
    """`STAGE_SETTINGS=<file or JSON>`: what `aws apigateway get-stage` prints, as the plugin
    configuration's `stageSettings` (README: "Throttling")."""
    value = value.strip()
    try:
        if value.startswith("{"):
            return {"stageSettings": json.loads(value)}
        with open(value, encoding="utf-8") as f:
            return {"stageSettings": json.load(f)}
    except (OSError, ValueError) as e:
        raise apigw.DefinitionError(f"STAGE_SETTINGS: {e}") from e


def access_log_key(a, extra):
    """`ACCESS_LOG` set: the deployment's `accessLog` format, ACCESS_LOG_FORMAT as typed, else the
    `STAGE_SETTINGS` file's `accessLogSettings.format`, else AWS's JSON preset (the filter knows the
    presets by name). Without ACCESS_LOG nothing is logged, so the stage's format is left out and
    no line is rendered (README: "Access logs")."""
    settings = extra.get("stageSettings")
    stage_log = settings.pop("accessLogSettings", None) if isinstance(settings, dict) else None
    if not a.access_log.strip():
        return
    stage_format = stage_log.get("format") if isinstance(stage_log, dict) else None
    extra["accessLog"] = {"format": a.access_log_format or stage_format or "JSON"}


# --- inputs ------------------------------------------------------------------------------------
# The files make run reads besides API and a STAGE_VARIABLES file, by run.py argument, each with
# the reader of the plugin configuration keys it gives (None: read elsewhere). Every one set is
# watched while make run serves: saving it applies it without a restart (README: "Changes while it
# serves"). A new file input is one more line here.
FILE_INPUTS = [
    ("iam_keys", iam_keys),
    ("api_keys", api_keys),
    ("usage_plans", usage_plans),
    ("stage_settings", stage_settings),  # a file, or the JSON itself (not watched)
    ("cognito_jwks", None),  # Envoy's jwt_authn keys (generate)
]


def access_log_path(value):
    """ACCESS_LOG as Envoy's logger takes it: `-` stays (standard output), a file becomes absolute
    (Envoy runs from the same directory, but the generated config may be read from elsewhere)."""
    value = (value or "").strip()
    if not value:
        return None
    return value if value in ("-", "/dev/stdout") else os.path.abspath(value)


def input_file(value):
    """The file an input names, if it names one (not empty, not JSON given inline)."""
    value = (value or "").strip()
    return value if value and not value.startswith("{") else None


def stage_variables_file(text):
    """STAGE_VARIABLES names a file when it holds no `=` (`name=value,...` always does)."""
    text = (text or "").strip()
    return text if text and "=" not in text else None


def stage_variables(text):
    """STAGE_VARIABLES: `name=value,...`, or a file holding a JSON object of strings or
    `name=value` lines (a value may then hold commas)."""
    path = stage_variables_file(text)
    if path is None:
        return apigw.parse_pairs(text)
    try:
        with open(path, encoding="utf-8") as f:
            content = f.read()
    except OSError as e:
        raise apigw.DefinitionError(f"cannot read {path}: {e.strerror}") from e
    if content.lstrip().startswith("{"):
        variables = read_json(path)
        if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
            raise apigw.DefinitionError(f"{path}: stage variables must be a JSON object of strings")
        return variables
    variables = {}
    for line in (line.strip() for line in content.splitlines()):
        if line and not line.startswith("#"):
            if "=" not in line:
                raise apigw.DefinitionError(f"{path}: stage variable {line!r} is not name=value")
            name, value = line.split("=", 1)
            variables[name.strip()] = value.lstrip()
    return variables


def watched_files(a):
    """Every file the configuration is generated from (a template's included definitions too)."""
    files = [a.api, stage_variables_file(a.stage_variables)] + [input_file(getattr(a, arg)) for arg, _ in FILE_INPUTS]
    return list(dict.fromkeys(f for f in files + getattr(a, "template_files", []) if f))


def is_template(path):
    """Whether API names a SAM/CloudFormation template (served by scripts/sam.py), not an export."""
    try:
        return sam.is_template(apigw.read_document(path))
    except apigw.DefinitionError:
        return False


def template_deployments(a, variables):
    """A template's REST APIs, one deployment each (STAGE and STAGE_VARIABLES over the template's
    StageName and Variables), and its functions' table for the local Invoke API, written to
    `functions.json` (read again by it when it changes)."""
    stack = sam.load_stack(a.api, apigw.parse_pairs(a.cfn_params), apigw.default_region(a.region), a.account_id)
    if not stack.apis:
        raise apigw.DefinitionError(f"{a.api}: a template without a REST API (no Api events, "
                                    "AWS::Serverless::Api or AWS::ApiGateway::RestApi)")
    a.template_files = [os.path.abspath(f) for f in stack.files]
    started = getattr(a, "stack", None) is not None
    a.stack = stack
    os.makedirs(a.out, exist_ok=True)
    table = os.path.join(a.out, "functions.json")
    if not os.path.exists(table) or apigw.read_document(table) != stack.functions:
        apigw.write_atomically(table, stack.functions)
        if started:
            print(f"functions: {a.api}: the functions' table changed (a changed function runs in a new process "
                  "from its next request)", flush=True)
    return [apigw.Deployment(api.logical_id, api.definition, a.stage or api.stage or "prod",
                             dict(api.variables, **variables)) for api in stack.apis]


def generate(a):
    """(plugin config, clusters, HTTP filters ahead of the wasm filter) from the inputs as they are
    now; raises apigw.DefinitionError."""
    variables = stage_variables(a.stage_variables)
    for k, v in a.default_variables.items():
        variables.setdefault(k, v)
    if a.template:
        return generate_template(a, variables)
    extra, rls_cluster = extra_keys(a)
    prefix = {"optional": "optional", "true": True, "false": False}[a.stage_prefix]
    cfg, clusters, before = apigw.build_parts(
        a.api, a.stage or "prod", variables, prefix, region=a.region, cfn_params=apigw.parse_pairs(a.cfn_params),
        api_id=a.api_id, account_id=a.account_id, extra=extra or None, cognito_jwks=cognito_jwks(a.cognito_jwks))
    return cfg, clusters + ([rls_cluster] if rls_cluster else []), before


def extra_keys(a):
    """The plugin configuration keys of the file inputs, and the rate limit service's cluster."""
    extra = {}
    for arg, read in FILE_INPUTS:
        if read and (getattr(a, arg) or "").strip():
            extra.update(read(getattr(a, arg)))
    access_log_key(a, extra)
    rls_cluster = None
    if tracing(a):
        extra["trace"] = True
    if a.global_rate_limit.strip():
        rls_cluster, rls_config = apigw.rate_limit_service(a.global_rate_limit.strip(), via_filter=True)
        extra.update(rls_config)
    return extra, rls_cluster


def generate_template(a, variables):
    """`generate` for a SAM/CloudFormation template: its APIs, one deployment each, and the Envoy
    routes between them (`a.routes`, fixed while Envoy runs: a template whose APIs need other
    routes is refused until make run starts again)."""
    deployments = template_deployments(a, variables)
    extra, rls_cluster = extra_keys(a)
    prefix = {"optional": "optional", "true": True, "false": False}[a.stage_prefix]
    cfg, clusters, before = apigw.build_deployments(
        deployments, prefix, a.region, a.api_id, a.account_id, extra or None, cognito_jwks(a.cognito_jwks))
    routes = apigw.deployment_routes(deployments, prefix) if len(deployments) > 1 else None
    if getattr(a, "routes", "unset") != "unset" and routes != a.routes:
        raise apigw.DefinitionError(f"{a.api}: its APIs now need other Envoy routes between them (an API or a path "
                                    "added, removed or moved): Ctrl-C and make run again")
    a.routes = routes
    return cfg, clusters + ([rls_cluster] if rls_cluster else []), before


def tracing(a):
    """`TRACE=1` (or true/yes/on): every deployment writes its execution trace."""
    return a.trace.strip().lower() in ("1", "true", "yes", "on")


def served_apis(cfg):
    """(name, stage, definition) of each deployment of a plugin configuration."""
    if "deployments" in cfg:
        return [(d["name"], d["stage"], cfg["apis"][d["api"]]) for d in cfg["deployments"]]
    return [(None, cfg["stage"], cfg["api"])]


def banner(a, cfg):
    """What is served, example requests, and where the Cognito user pools' keys come from."""
    base = f"http://localhost:{a.port}"
    apis = served_apis(cfg)
    stages = ", ".join(f"{name} at stage {stage!r}" if name else f"stage {stage!r}" for name, stage, _ in apis)
    print(f"\nServing {a.api} ({stages}) on {base}  (Envoy admin: http://127.0.0.1:{a.admin_port})")
    print("Try:")
    shown = 0
    key = first_key(a.api_keys)
    operations = [(doc, path, method) for _, _, doc in apis for path, method, _ in apigw._operations(doc)]
    for doc, path, method in operations:
        m = "GET" if method == "x-amazon-apigateway-any-method" else method.upper()
        extra = " -H 'Origin: http://example.com' -H 'Access-Control-Request-Method: GET'" if m == "OPTIONS" else ""
        note = ""
        if requires_key(doc, doc["paths"][path][method]):
            if key:
                extra += f" -H 'x-api-key: {key}'"
            else:
                note = "      # 403 without API_KEYS= and USAGE_PLANS="
        body = " -H 'content-type: application/json' -d '{\"hello\":\"world\"}'" if m in ("POST", "PUT", "PATCH") else ""
        print(f"  curl -i -X {m}{extra}{body} {base}{example_path(path)}{note}")
        shown += 1
        if shown >= 12:
            break
    print(f"  curl -i {base}/no/such/resource      # 403 Missing Authentication Token")
    if getattr(a, "demo_token", None):
        print(f"  curl -i -H 'Authorization: {a.demo_token}' {base}/me      # Cognito (moto's pool; an hour)")
    for line in (line for _, _, doc in apis for line in cognito_report(doc, a.cognito_jwks, check=True)):
        print(line)
    log = cfg.get("accessLog") or next((d["accessLog"] for d in cfg.get("deployments", []) if "accessLog" in d), None)
    if log:
        where = "standard output" if access_log_path(a.access_log) in ("-", "/dev/stdout") else access_log_path(a.access_log)
        print(f"Access log: one line per request to {where}, format {log['format']}")
    if tracing(a):
        print("Execution trace on: each request's lines follow on standard output, each starting with (<requestId>).")
    print(f"Watching {', '.join(watched_files(a))}: a saved change is applied without a restart.")
    print("Stop with Ctrl-C.\n", flush=True)


def function_banner(stack, port):
    """The template's functions and how each runs (or why it cannot)."""
    print(f"Lambda functions of the template, served locally on 127.0.0.1:{port} (no Docker; a saved handler "
          "is run by the next request):")
    for name, spec in stack.functions.items():
        where = spec.get("codeDir") or "InlineCode"
        print(f"  {name}: {spec['runtime']} {spec['handler']} in {where}, timeout {spec['timeout']} s"
              + (f"  -- cannot run here: {spec['problem']}; its routes answer 502" if spec.get("problem") else ""))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--checker", required=True, help="the native apigw-check binary")
    ap.add_argument("--envoy", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--admin-port", type=lambda v: int(v) if v else None, default=None,
                    help="Envoy admin port (default PORT+1821, 9901 for 8080)")
    ap.add_argument("--stage", default="", help="the stage (default: a template's StageName, else prod)")
    ap.add_argument("--stage-variables", default="")
    ap.add_argument("--stage-prefix", default="optional", choices=["optional", "true", "false"])
    ap.add_argument("--api-id", type=identifier("API_ID"), default=None,
                    help="$context.apiId and the API id in method ARNs (default: the filter's, local)")
    ap.add_argument("--account-id", type=identifier("ACCOUNT_ID"), default=None,
                    help="$context.accountId, the account in method ARNs and ${AWS::AccountId} (default 123456789012)")
    ap.add_argument("--region", type=identifier("REGION"), default=None,
                    help="the region of method ARNs, ${AWS::Region} and the Lambda endpoint "
                         "(default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1)")
    ap.add_argument("--cfn-params", default="", help="Name=value,... for CloudFormation ${Name} placeholders")
    ap.add_argument("--out", default=None, help="where the generated files go (default build/run/<PORT>)")
    ap.add_argument("--local-lambda", default="auto", choices=["auto", "yes", "no"],
                    help="serve Lambda functions from --functions locally (auto: when no AWS endpoint or credentials are set)")
    ap.add_argument("--functions", default="envoy/functions", help="directory of <function-name>.py handlers")
    ap.add_argument("--local-services", default="auto", choices=["auto", "yes", "no"],
                    help="start the demo's backends: an echo HTTP service and moto for SQS (auto: for the demo API)")
    ap.add_argument("--iam-keys", default="", help="a JSON file: the plugin configuration's iamKeys (README: \"IAM\")")
    ap.add_argument("--api-keys", default="", help="AWS's API key import CSV: the plugin configuration's apiKeys")
    ap.add_argument("--usage-plans", default="",
                    help="`aws apigateway get-usage-plans` output (JSON): the plugin configuration's usagePlans")
    ap.add_argument("--stage-settings", default="",
                    help="the `aws apigateway get-stage` output (a file, or the JSON itself): the stage's throttling")
    ap.add_argument("--global-rate-limit", default="",
                    help="host:port of a rate limit service (Envoy's RLS gRPC protocol): throttle across replicas")
    ap.add_argument("--cognito-jwks", default="",
                    help="a JWKS file with the Cognito user pools' keys, instead of fetching them "
                         "(README: \"Cognito user pool authorizers\")")
    ap.add_argument("--envoy-flags", default="", help="extra Envoy command-line flags (shell words), e.g. '--concurrency 1'")
    ap.add_argument("--access-log", default="",
                    help="a file the access log lines are appended to (`-` or /dev/stdout: standard output)")
    ap.add_argument("--access-log-format", default="",
                    help="the stage's access log format ($context variables), or CLF, JSON, XML, CSV "
                         "(default: the STAGE_SETTINGS file's accessLogSettings.format, else JSON)")
    ap.add_argument("--trace", default="",
                    help="1: write the execution trace of every request to standard output (README: \"Execution trace\")")
    ap.add_argument("--generate-only", action="store_true")
    a = ap.parse_args()

    children = []
    # Each run its own files, admin port and local services, so that two can serve at once.
    a.out = a.out or os.path.join("build", "run", str(a.port))
    a.admin_port = admin_port(a)
    a.local_ports = local_ports(a)
    a.default_variables = {}
    a.template = is_template(a.api)
    local_services = a.local_services == "yes" or (
        a.local_services == "auto" and os.path.abspath(a.api) == os.path.abspath(DEMO_API))
    if local_services:
        a.default_variables = start_demo_services(a, children, start=not a.generate_only)
    # A template's functions run locally unless a Lambda endpoint is set, as `sam local start-api`
    # runs them whatever credentials there are; an export's when no AWS endpoint or credentials are.
    remote = ("AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL") + (() if a.template else ("AWS_ACCESS_KEY_ID",))
    local_lambda = a.local_lambda == "yes" or (a.local_lambda == "auto" and not any(os.environ.get(k) for k in remote))
    if local_lambda and not a.generate_only:
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = f"http://127.0.0.1:{a.local_ports[0]}"
    try:
        return start(a, children, local_lambda)
    finally:
        for c in children:
            c.terminate()


def watch_more(watcher, paths):
    """Files known only once the inputs were read (those a template includes), watched from now."""
    for path in paths:
        if path not in watcher.paths:
            watcher.paths.append(path)
            watcher.seen[path] = reload.signature(path)


def start(a, children, local_lambda):
    """Generates and checks the configuration, then serves it until Ctrl-C (reload.serve)."""
    # Watched from before the first read, so a save during start-up is not missed.
    watcher = reload.Watcher(watched_files(a))
    try:
        cfg, clusters, before = generate(a)
    except apigw.DefinitionError as e:
        print(f"make run: {e}", file=sys.stderr)
        return 2
    watch_more(watcher, watched_files(a))
    files = reload.Files(a.out)
    os.makedirs(files.out, exist_ok=True)
    apigw.write_atomically(files.plugin_config, cfg)
    # The same validation the filter runs in on_configure, before Envoy starts (a bad definition
    # would otherwise stop Envoy with a less direct message).
    ok, lines = reload.check(a.checker, files.plugin_config)
    sys.stderr.write("".join(line + "\n" for line in lines))
    if not ok:
        named = [f"{name} comes from {var}={path}" for name, var, path in
                 (("apiKeys", "API_KEYS", a.api_keys), ("usagePlans", "USAGE_PLANS", a.usage_plans))
                 if path and any(name in line for line in lines)]
        print(f"make run: {a.api} cannot be served: see the error above" + "".join(f" ({f})" for f in named),
              file=sys.stderr)
        return 2
    served = reload.Served(files, lambda: generate(a), os.path.abspath(a.wasm), a.checker, a.admin_port)
    served.write_initial(cfg, clusters, before)
    envoy_config = apigw.watched_envoy_config(
        served.filters(), files.clusters, a.port, a.admin_port, f"{apigw.FILTER_NAME}-{a.port}",
        routes=getattr(a, "routes", None), access_log_path=access_log_path(a.access_log))
    if a.global_rate_limit.strip():
        # Envoy's ratelimit filter asks the service (README: "Throttling", global mode).
        apigw.place_rate_limit_filter(envoy_config, os.path.abspath(a.wasm))
    apigw.write_atomically(files.envoy, envoy_config)
    if a.generate_only:
        print(files.envoy)
        return 0
    banner(a, cfg)
    for c in children:
        print(c.describe)
    if local_lambda:
        # A local Lambda Invoke API running envoy/functions/<name>.py, so AWS_PROXY routes work
        # with no AWS account.
        lambda_port = a.local_ports[0]
        table = ["--functions", os.path.join(files.out, "functions.json"), "--region",
                 apigw.default_region(a.region)] if a.template else []
        server = subprocess.Popen([sys.executable, os.path.join(HERE, "local_lambda.py"), "--port", str(lambda_port),
                                   "--handlers", a.functions, *table], stdout=subprocess.PIPE, text=True)
        children.append(server)
        server.stdout.readline()
        if a.template:
            function_banner(a.stack, lambda_port)
        else:
            print(f"Lambda functions: {a.functions}/<name>.py, served locally on 127.0.0.1:{lambda_port}", flush=True)
    # A dynamic base id: with the default (0) a second Envoy on this machine exits, unable to bind
    # the hot-restart socket (Envoy docs: "Command line options", `--base-id`; README: "Two commands").
    envoy = [a.envoy, "-c", files.envoy, "--use-dynamic-base-id", "--log-level", "warn",
             "--component-log-level", "wasm:info"]
    if a.access_log.strip():
        # Envoy's file loggers write every 10 s by default: a line within 0.1 s of its request.
        envoy += ["--file-flush-interval-msec", "100"]
    envoy += shlex.split(a.envoy_flags)  # last: ENVOY_FLAGS
    return reload.serve(envoy, watcher, served, trace_to_stdout=tracing(a))


if __name__ == "__main__":
    sys.exit(main())
