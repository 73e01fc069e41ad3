#!/usr/bin/env python3
"""A local AWS Lambda Invoke API for the demo (`make run`) and the end-to-end tests.

    python3 scripts/local_lambda.py --port N [--handlers DIR] [--access-key AK --secret-key SK]

``POST /2015-03-31/functions/{name-or-arn}/invocations`` runs the function named in the table
``--functions FILE`` (a SAM/CloudFormation template's functions, written by ``make run``: each in
processes of its runtime, Python or Node.js, with its environment and timeout; see
scripts/local_functions.py), else ``handler(event, context)`` from
``{handlers}/{function name}.py`` (default: ``envoy/functions``, the demo's;
the end-to-end tests pass ``tests/e2e/lambda_handlers``) and answers like
the real Invoke API:

* 200 with the JSON the handler returned, ``X-Amz-Executed-Version: $LATEST``;
* 200 with ``X-Amz-Function-Error: Unhandled`` and ``{"errorMessage", "errorType", "requestId",
  "stackTrace"}`` when the handler raises (``Runtime.MarshalError`` when its result is not JSON);
* 200 with ``X-Amz-Function-Error: Unhandled`` and Lambda's ``Sandbox.Timedout`` error when a table
  function runs past its ``Timeout``;
* no answer at all (the connection is closed) for a table function that cannot run here (its
  runtime is not available, its code is not local): as an unreachable function, so the gateway
  answers 502;
* 404 ``ResourceNotFoundException`` for an unknown function, 400 ``InvalidRequestContentException``
  for a body that is not JSON, 202/204 for ``X-Amz-Invocation-Type: Event`` / ``DryRun``.

With ``--access-key`` and ``--secret-key`` every request must carry a SigV4 signature for service
``lambda``; it is recomputed with botocore's ``SigV4Auth`` over the request as received (the
headers listed in ``SignedHeaders``, the raw path and query, the body) and a wrong one gets 403
``InvalidSignatureException``, a missing one 403 ``MissingAuthenticationTokenException``, an
unknown key 403 ``UnrecognizedClientException``. Without credentials, unsigned requests are
answered (signed ones too, unchecked).

Test hooks: ``GET /_recorded`` returns the events received so far as a JSON list
(``?detail=1``: objects with ``function``, ``qualifier``, ``path``, ``headers``, ``event``, ``body``
(the payload received, base64), ``status`` and ``answer`` (the payload answered, base64));
``DELETE /_recorded`` clears them; ``GET /_health`` answers 200.

Prints ``ready`` on stdout once listening (the port on stderr). stdlib only, except botocore when
credentials are given.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import importlib.util
import json
import os
import signal
import sys
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import local_functions

INVOKE_PREFIX = "/2015-03-31/functions/"
INVOKE_SUFFIX = "/invocations"
DEFAULT_ACCOUNT = "123456789012"
# Real Lambda rejects signatures whose date is more than about 5 minutes off; be generous.
MAX_SKEW = dt.timedelta(minutes=15)


class Config:
    def __init__(self, args: argparse.Namespace) -> None:
        self.handlers_dir = os.path.abspath(args.handlers)
        self.access_key = args.access_key
        self.secret_key = args.secret_key
        self.session_token = args.session_token
        self.region = args.region
        self.verbose = args.verbose
        self.recorded: list[dict] = []
        self.lock = threading.Lock()
        self.modules: dict[str, tuple[float, object]] = {}
        self.functions = local_functions.Functions(args.functions, args.region) if args.functions else None

    @property
    def signing_required(self) -> bool:
        return bool(self.access_key and self.secret_key)


class LambdaContext:
    """The subset of the Python runtime's context object that handlers use."""

    def __init__(self, name: str, arn: str, request_id: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = "128"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)

    def get_remaining_time_in_millis(self) -> int:
        left = self._deadline - dt.datetime.now(dt.timezone.utc)
        return max(0, int(left.total_seconds() * 1000))


def parse_function(raw: str, region: str) -> tuple[str, str | None, str]:
    """(name, qualifier, full ARN) from a FunctionName: name, name:qualifier, or an ARN."""
    if raw.startswith("arn:"):
        parts = raw.split(":")
        # arn:aws:lambda:region:account:function:name[:qualifier]
        if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
            name = parts[6]
            qualifier = parts[7] if len(parts) > 7 else None
            return name, qualifier, raw
        return "", None, raw
    name, _, qualifier = raw.partition(":")
    arn = f"arn:aws:lambda:{region or 'us-east-1'}:{DEFAULT_ACCOUNT}:function:{raw}"
    return name, qualifier or None, arn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalLambda/1.0"
    config: Config  # set on the class by main()

    # --- plumbing -------------------------------------------------------------------------

    def log_message(self, fmt: str, *args) -> None:  # noqa: D401 - quiet unless --verbose
        if self.config.verbose:
            sys.stderr.write("local_lambda: " + fmt % args + "\n")

    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline().strip()
                size = int(size_line.split(b";")[0] or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        request_id = (headers or {}).pop("x-amzn-RequestId", None) or str(uuid.uuid4())
        self.send_header("x-amzn-RequestId", request_id)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error_json(self, status: int, error_type: str, message: str, key: str = "Message") -> None:
        body = {"Type": "User", key: message} if key == "Message" else {key: message}
        self.send(status, json.dumps(body).encode(), {"x-amzn-ErrorType": error_type})

    # --- verbs ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_health":
            self.send(200, b'{"status":"ok"}')
        elif url.path == "/_recorded":
            with self.config.lock:
                records = list(self.config.recorded)
            detail = parse_qs(url.query).get("detail", ["0"])[0] not in ("", "0", "false")
            out = records if detail else [r["event"] for r in records]
            self.send(200, json.dumps(out).encode())
        else:
            self.send_error_json(404, "UnknownOperationException", "Unknown operation", key="message")

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/_recorded":
            with self.config.lock:
                self.config.recorded.clear()
            self.send(204, b"")
        else:
            self.send_error_json(404, "UnknownOperationException", "Unknown operation", key="message")

    def do_POST(self) -> None:
        body = self.read_body()
        url = urlsplit(self.path)
        if not (url.path.startswith(INVOKE_PREFIX) and url.path.endswith(INVOKE_SUFFIX)):
            self.send_error_json(404, "UnknownOperationException", "Unknown operation", key="message")
            return
        if not self.check_signature(body):
            return
        raw_name = unquote(url.path[len(INVOKE_PREFIX) : -len(INVOKE_SUFFIX)])
        name, qualifier, arn = parse_function(raw_name, self.config.region)
        qualifier = parse_qs(url.query).get("Qualifier", [qualifier])[0]
        module_path = os.path.join(self.config.handlers_dir, f"{name}.py")
        in_table = bool(name) and self.config.functions is not None and self.config.functions.spec(name) is not None
        if not in_table and (not name or "/" in name or not os.path.isfile(module_path)):
            self.send_error_json(404, "ResourceNotFoundException", f"Function not found: {arn}")
            return
        try:
            event = json.loads(body.decode("utf-8")) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            self.send_error_json(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: {e}",
            )
            return
        record = {
            "function": name,
            "qualifier": qualifier,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "event": event,
            # The payload exactly as received, and (below) the status and payload answered.
            "body": base64.b64encode(body).decode(),
        }
        with self.config.lock:
            self.config.recorded.append(record)
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            self.send(204, b"")
            return
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST"}
        if in_table:
            try:
                payload, failed = self.config.functions.invoke(name, event, arn, request_id)
            except local_functions.Unavailable:
                # As an unreachable function: no answer (README: "From `sam local start-api`").
                record.update(status=None, answer="")
                self.close_connection = True
                return
        else:
            payload, failed = self.run_handler(name, module_path, event, arn, request_id)
        if invocation_type == "Event":
            record.update(status=202, answer="")
            self.send(202, b"", {"x-amzn-RequestId": request_id})
            return
        if failed:
            headers["X-Amz-Function-Error"] = "Unhandled"
        record.update(status=200, answer=base64.b64encode(payload).decode())
        self.send(200, payload, headers)

    # --- the function -----------------------------------------------------------------------

    def load(self, name: str, path: str):
        mtime = os.path.getmtime(path)
        with self.config.lock:
            cached = self.config.modules.get(name)
            if cached and cached[0] == mtime:
                return cached[1]
        spec = importlib.util.spec_from_file_location(f"lambda_handler_{name}", path)
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        with self.config.lock:
            self.config.modules[name] = (mtime, module)
        return module

    def run_handler(self, name: str, path: str, event, arn: str, request_id: str) -> tuple[bytes, bool]:
        def error(e: BaseException, error_type: str | None = None) -> tuple[bytes, bool]:
            tb = traceback.extract_tb(e.__traceback__)
            return (
                json.dumps(
                    {
                        "errorMessage": str(e),
                        "errorType": error_type or type(e).__name__,
                        "requestId": request_id,
                        "stackTrace": traceback.format_list(tb),
                    }
                ).encode(),
                True,
            )

        try:
            module = self.load(name, path)
            result = module.handler(event, LambdaContext(name, arn, request_id))
        except Exception as e:  # the function's own failure, as the runtime reports it
            return error(e)
        try:
            return json.dumps(result).encode(), False
        except (TypeError, ValueError) as e:
            return error(e, "Runtime.MarshalError")

    # --- SigV4 ------------------------------------------------------------------------------

    def check_signature(self, body: bytes) -> bool:
        """True when the request may go on; otherwise the 403 has been sent."""
        auth = self.headers.get("Authorization")
        if not self.config.signing_required:
            return True
        if not auth:
            self.send_error_json(
                403, "MissingAuthenticationTokenException", "Missing Authentication Token", key="message"
            )
            return False
        try:
            fields = parse_authorization(auth)
            access_key, date, region, service, terminator = fields["Credential"].split("/")
            signed_headers = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            self.send_error_json(403, "IncompleteSignatureException", f"Malformed Authorization header: {auth}", key="message")
            return False
        if access_key != self.config.access_key:
            self.send_error_json(
                403, "UnrecognizedClientException", "The security token included in the request is invalid.", key="message"
            )
            return False
        amz_date = self.headers.get("X-Amz-Date", "")
        problems = []
        if service != "lambda" or terminator != "aws4_request":
            problems.append(f"credential scope service {service!r}")
        if self.config.region and region != self.config.region:
            problems.append(f"credential scope region {region!r}")
        if not amz_date.startswith(date):
            problems.append("X-Amz-Date does not match the credential scope date")
        if "host" not in signed_headers or "x-amz-date" not in signed_headers:
            problems.append("host and x-amz-date must be signed")
        if self.config.session_token and self.headers.get("X-Amz-Security-Token") != self.config.session_token:
            problems.append("security token")
        try:
            when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
            if abs(dt.datetime.now(dt.timezone.utc) - when) > MAX_SKEW:
                problems.append("Signature expired")
        except ValueError:
            problems.append("bad X-Amz-Date")
        if not problems:
            expected = expected_signature(self, body, signed_headers, region, amz_date, self.config)
            if expected != signature:
                problems.append(
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method."
                )
        if problems:
            self.send_error_json(403, "InvalidSignatureException", "; ".join(problems), key="message")
            return False
        return True


def parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise ValueError(algorithm)
    fields = {}
    for part in rest.split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    return fields


def expected_signature(handler: Handler, body: bytes, signed_headers: list[str], region: str, amz_date: str, config: Config) -> str:
    """botocore's SigV4Auth recomputed over the request as received."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class ReceivedSigV4Auth(SigV4Auth):
        # Sign exactly what the client listed (botocore's own list leaves out user-agent & co).
        def headers_to_sign(self, request):
            from botocore.compat import HTTPHeaders

            out = HTTPHeaders()
            for name in signed_headers:
                for value in request.headers.get_all(name) or []:
                    out[name] = value
            return out

    headers = [(k, v) for k, v in handler.headers.items() if k.lower() in signed_headers]
    host = handler.headers.get("Host", "localhost")
    request = AWSRequest(method=handler.command, url=f"http://{host}{handler.path}", data=body)
    for k, v in headers:
        request.headers[k] = v  # an email.message.Message: assignment appends, repeats are kept
    request.context["timestamp"] = amz_date
    auth = ReceivedSigV4Auth(
        Credentials(config.access_key, config.secret_key, config.session_token), "lambda", region
    )
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return auth.signature(string_to_sign, request)


def main(argv: list[str] | None = None) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=9001, help="0 picks a free port (printed on stderr)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--handlers", default=os.path.join(here, "..", "envoy", "functions"))
    p.add_argument("--functions", help="a JSON table of functions (scripts/sam.py function_table), read again when it changes")
    p.add_argument("--access-key")
    p.add_argument("--secret-key")
    p.add_argument("--session-token", help="when set, X-Amz-Security-Token must carry it")
    p.add_argument("--region", default="", help="when set, the signature's region must be this one")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    if bool(args.access_key) != bool(args.secret_key):
        p.error("--access-key and --secret-key go together")
    if args.access_key:
        import botocore  # noqa: F401 - fail at start, not on the first request

    # make run stops this server with SIGTERM: leave through `finally`, which stops the functions'
    # processes (each in its own session, so that Ctrl-C reaches them only through here).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Handler.config = Config(args)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"local_lambda: listening on {args.host}:{server.server_address[1]}", file=sys.stderr, flush=True)
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if Handler.config.functions:
            Handler.config.functions.close()


if __name__ == "__main__":
    main()
