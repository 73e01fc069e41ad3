"""`make run`: serve an exported API Gateway definition with Envoy in the foreground."""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import apigw  # noqa: E402
import reload  # noqa: E402


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
    return defaults


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


# --- inputs ------------------------------------------------------------------------------------
# The files make run reads into plugin configuration keys, as (run.py argument, reader returning
# those keys), read when set. Each is watched while make run serves, like API and a STAGE_VARIABLES
# file: saving one applies it without a restart (README: "Changes while it serves"). A new file
# input is one more line here.
FILE_KEYS = [
    ("iam_keys", iam_keys),
]


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
    """Every file the configuration is generated from."""
    files = [a.api, stage_variables_file(a.stage_variables)] + [getattr(a, arg) for arg, _ in FILE_KEYS]
    return [f for f in files if f]


def generate(a):
    """(plugin config, clusters) from the inputs as they are now; raises apigw.DefinitionError."""
    variables = stage_variables(a.stage_variables)
    for k, v in a.default_variables.items():
        variables.setdefault(k, v)
    extra = {}
    for arg, read in FILE_KEYS:
        if getattr(a, arg):
            extra.update(read(getattr(a, arg)))
    prefix = {"optional": "optional", "true": True, "false": False}[a.stage_prefix]
    return apigw.build_parts(a.api, a.stage, variables, prefix, region=a.region,
                             cfn_params=apigw.parse_pairs(a.cfn_params), api_id=a.api_id,
                             account_id=a.account_id, extra=extra or None)


def banner(a, cfg):
    base = f"http://localhost:{a.port}"
    print(f"\nServing {a.api} (stage {a.stage!r}) on {base}  (Envoy admin: http://127.0.0.1:{a.admin_port})")
    print("Try:")
    shown = 0
    for path, method, _ in apigw._operations(cfg["api"]):
        m = "GET" if method == "x-amazon-apigateway-any-method" else method.upper()
        extra = " -H 'Origin: http://example.com' -H 'Access-Control-Request-Method: GET'" if m == "OPTIONS" else ""
        body = " -H 'content-type: application/json' -d '{\"hello\":\"world\"}'" if m in ("POST", "PUT", "PATCH") else ""
        print(f"  curl -i -X {m}{extra}{body} {base}{example_path(path)}")
        shown += 1
        if shown >= 12:
            break
    print(f"  curl -i {base}/no/such/resource      # 403 Missing Authentication Token")
    print(f"Watching {', '.join(watched_files(a))}: a saved change is applied without a restart.")
    print("Stop with Ctrl-C.\n", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--checker", required=True, help="the native apigw-check binary")
    ap.add_argument("--envoy", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--admin-port", type=lambda v: int(v) if v else None, default=None,
                    help="Envoy admin port (default PORT+1821, 9901 for 8080)")
    ap.add_argument("--stage", default="prod")
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
    ap.add_argument("--generate-only", action="store_true")
    a = ap.parse_args()

    children = []
    # Each run its own files, admin port and local services, so that two can serve at once.
    a.out = a.out or os.path.join("build", "run", str(a.port))
    a.admin_port = admin_port(a)
    a.local_ports = local_ports(a)
    a.default_variables = {}
    local_services = a.local_services == "yes" or (
        a.local_services == "auto" and os.path.abspath(a.api) == os.path.abspath(DEMO_API))
    if local_services:
        a.default_variables = start_demo_services(a, children, start=not a.generate_only)
    local_lambda = a.local_lambda == "yes" or (a.local_lambda == "auto" and not any(
        os.environ.get(k) for k in ("AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")))
    if local_lambda and not a.generate_only:
        os.environ["AWS_ENDPOINT_URL_LAMBDA"] = f"http://127.0.0.1:{a.local_ports[0]}"
    try:
        return start(a, children, local_lambda)
    finally:
        for c in children:
            c.terminate()


def start(a, children, local_lambda):
    """Generates and checks the configuration, then serves it until Ctrl-C (reload.serve)."""
    # Watched from before the first read, so a save during start-up is not missed.
    watcher = reload.Watcher(watched_files(a))
    try:
        cfg, clusters = generate(a)
    except apigw.DefinitionError as e:
        print(f"make run: {e}", file=sys.stderr)
        return 2
    files = reload.Files(a.out)
    os.makedirs(files.out, exist_ok=True)
    apigw.write_atomically(files.plugin_config, cfg)
    # The same validation the filter runs in on_configure, before Envoy starts (a bad definition
    # would otherwise stop Envoy with a less direct message).
    ok, lines = reload.check(a.checker, files.plugin_config)
    sys.stderr.write("".join(line + "\n" for line in lines))
    if not ok:
        print(f"make run: {a.api} cannot be served: see the error above", file=sys.stderr)
        return 2
    served = reload.Served(files, lambda: generate(a), os.path.abspath(a.wasm), a.checker, a.admin_port)
    served.write_initial(cfg, clusters)
    apigw.write_atomically(files.envoy, apigw.watched_envoy_config(
        files.filter, files.clusters, a.port, a.admin_port, f"{apigw.FILTER_NAME}-{a.port}"))
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
        server = subprocess.Popen([sys.executable, os.path.join(HERE, "local_lambda.py"), "--port", str(lambda_port),
                                   "--handlers", a.functions], stdout=subprocess.PIPE, text=True)
        children.append(server)
        server.stdout.readline()
        print(f"Lambda functions: {a.functions}/<name>.py, served locally on 127.0.0.1:{lambda_port}", flush=True)
    # A dynamic base id: with the default (0) a second Envoy on this machine exits, unable to bind
    # the hot-restart socket (Envoy docs: "Command line options", `--base-id`; README: "Two commands").
    envoy = [a.envoy, "-c", files.envoy, "--use-dynamic-base-id", "--log-level", "warn",
             "--component-log-level", "wasm:info"]
    return reload.serve(envoy, watcher, served)


if __name__ == "__main__":
    sys.exit(main())
