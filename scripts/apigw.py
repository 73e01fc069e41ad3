"""Turns an exported API Gateway definition into the filter's plugin configuration and an Envoy
config. Used by `make run`, the end-to-end tests and the benchmarks, so all three run the same
Envoy setup."""

import json
import os
import re
from urllib.parse import urlsplit

FILTER_NAME = "apigateway"
CLUSTER_HEADER = "x-apigateway-cluster"
# API Gateway accepts 10 MB payloads; Envoy's default buffer limit is 1 MiB
# (README: "Deployments (`envoy/`)").
BUFFER_LIMIT_BYTES = 12 * 1024 * 1024
AWS_ENV_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]


class DefinitionError(Exception):
    pass


# --- loading ---------------------------------------------------------------------------------

def _yaml():
    try:
        import yaml  # noqa: PLC0415
    except ImportError as e:  # pragma: no cover
        raise DefinitionError("PyYAML is needed to read YAML definitions (make setup installs it)") from e
    return yaml


def _cfn_loader(yaml):
    """A YAML loader that accepts CloudFormation short tags (!Sub, !GetAtt, !Ref...)."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        name = suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def resolve_intrinsics(value, params):
    """Replaces CloudFormation intrinsics so a template's embedded definition can be served:
    `Fn::Sub` substitutes `${Name}` from `params` (unknown names stay as written), `Ref` and
    `Fn::GetAtt` become `params[name]` or the name itself, `Fn::If` takes its true branch unless
    `params[condition]` is "false", `Fn::Join` joins."""
    if isinstance(value, list):
        return [resolve_intrinsics(v, params) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::Sub":
            text, extra = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            local = dict(params)
            local.update({k: str(resolve_intrinsics(v, params)) for k, v in extra.items()})
            return re.sub(r"\$\{([A-Za-z0-9_.:]+)\}", lambda m: local.get(m.group(1), m.group(0)), text)
        if key == "Ref":
            return params.get(arg, arg)
        if key == "Fn::GetAtt":
            name = ".".join(arg) if isinstance(arg, list) else str(arg)
            return params.get(name, name)
        if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            # Conditions are not evaluated: the true branch, unless params say `<Condition>=false`.
            branch = arg[2] if str(params.get(arg[0], "true")).lower() == "false" else arg[1]
            return resolve_intrinsics(branch, params)
        if key == "Fn::Join":
            sep, parts = arg
            return sep.join(str(resolve_intrinsics(p, params)) for p in parts)
    return {k: resolve_intrinsics(v, params) for k, v in value.items()}


DEFAULT_ACCOUNT_ID = "123456789012"  # the filter's default accountId (src/config/mod.rs)


def pseudo_parameters(region="us-east-1", account_id=None):
    """CloudFormation's pseudo parameters, for `${AWS::Region}` and friends (also outside Fn::Sub,
    where exports sometimes leave them as plain text)."""
    return {"AWS::Region": region, "AWS::AccountId": account_id or DEFAULT_ACCOUNT_ID, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "local"}


def _substitute_pseudo(value, pseudo):
    """Plain `${Name}` placeholders outside Fn::Sub (pseudo parameters, and names given in params,
    e.g. Terraform templatefile variables); `${stageVariables.x}` is API Gateway's and stays."""
    if isinstance(value, str):
        return re.sub(r"\$\{([A-Za-z0-9_:]+)\}", lambda m: pseudo.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_substitute_pseudo(v, pseudo) for v in value]
    if isinstance(value, dict):
        return {k: _substitute_pseudo(v, pseudo) for k, v in value.items()}
    return value


def read_document(path):
    """A JSON or YAML file (CloudFormation short tags read as their long form)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise DefinitionError(f"cannot read {path}: {e.strerror}") from e
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        yaml = _yaml()
        try:
            doc = yaml.load(text, Loader=_cfn_loader(yaml))  # noqa: S506 (safe loader subclass)
        except yaml.YAMLError as e:
            # One line, as every refusal make run prints: the problem and where.
            mark = getattr(e, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise DefinitionError(f"{path} is neither JSON nor YAML: {problem}{where}") from e
    return doc


def load_definition(path, params=None, region="us-east-1", account_id=None):
    """Reads a JSON or YAML export, or a SAM/CloudFormation template: its first REST API (`sam.py`
    serves them all)."""
    doc = read_document(path)
    if not isinstance(doc, dict):
        raise DefinitionError(f"{path} does not hold an object")
    if "Resources" in doc and "paths" not in doc:
        import sam  # noqa: PLC0415 (sam imports this module)
        stack = sam.load_stack(path, params, region, account_id, doc=doc)
        if not stack.apis:
            raise DefinitionError(f"{path}: a template without a REST API (no Api events, "
                                  "AWS::Serverless::Api or AWS::ApiGateway::RestApi)")
        return stack.apis[0].definition
    values = dict(pseudo_parameters(region, account_id), **(params or {}))
    doc = _substitute_pseudo(resolve_intrinsics(doc, values), values)
    if "swagger" not in doc and "openapi" not in doc:
        raise DefinitionError(f"{path} is neither a Swagger 2.0 nor an OpenAPI 3 document")
    return doc


def parse_pairs(text):
    """`k1=v1,k2=v2` -> dict (empty text -> {})."""
    out = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        if "=" not in part:
            raise DefinitionError(f"stage variable {part!r} is not name=value")
        k, v = part.split("=", 1)
        out[k.strip()] = v
    return out


# --- targets ---------------------------------------------------------------------------------

def _operations(doc):
    paths = doc.get("paths")
    # Anything but an object is the checker's to refuse, with the filter's own message.
    for path, item in (paths if isinstance(paths, dict) else {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if isinstance(op, dict) and isinstance(op.get("x-amazon-apigateway-integration"), dict):
                yield path, method, op["x-amazon-apigateway-integration"]


def substitute_stage_variables(text, stage_variables):
    return re.sub(r"\$\{stageVariables\.([A-Za-z0-9_.:-]+)\}", lambda m: stage_variables.get(m.group(1), ""), text)


def http_origins(doc, stage_variables):
    """`scheme://host:port` of every HTTP/HTTP_PROXY integration URI."""
    origins = set()
    for _, _, integ in _operations(doc):
        if str(integ.get("type", "")).lower() in ("http", "http_proxy") and isinstance(integ.get("uri"), str):
            uri = substitute_stage_variables(integ["uri"], stage_variables)
            parts = urlsplit(uri)
            if parts.scheme in ("http", "https") and parts.hostname:
                port = parts.port or (443 if parts.scheme == "https" else 80)
                origins.add(f"{parts.scheme}://{parts.hostname}:{port}")
    return sorted(origins)


# botocore's service ids for AWS_ENDPOINT_URL_<ID>, where they differ from API Gateway's service name.
SERVICE_ENV_IDS = {"states": "SFN", "execute-api": "API_GATEWAY"}


def aws_services(doc):
    """(service, region) of every AWS (non-proxy) integration URI, Lambda included."""
    found = set()
    for _, _, integ in _operations(doc):
        uri = integ.get("uri")
        if str(integ.get("type", "")).lower() == "aws" and isinstance(uri, str):
            parts = uri.split(":", 5)
            if len(parts) == 6 and parts[0] == "arn" and parts[2] == "apigateway":
                found.add((parts[4].split(".")[-1], parts[3]))
    return sorted(found)


def aws_endpoint(service, region):
    env_id = SERVICE_ENV_IDS.get(service, service.upper().replace("-", "_"))
    return os.environ.get(f"AWS_ENDPOINT_URL_{env_id}") or os.environ.get("AWS_ENDPOINT_URL") \
        or f"https://{service}.{region}.amazonaws.com"


def cluster_name(origin):
    return "integration_" + re.sub(r"[^A-Za-z0-9]+", "_", origin.split("://", 1)[1]).strip("_")


def lambda_endpoint(region):
    return os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or os.environ.get("AWS_ENDPOINT_URL") \
        or f"https://lambda.{region}.amazonaws.com"


def _authority(url):
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname if port == default else f"{parts.hostname}:{port}"


# --- Cognito user pools (README: "Cognito user pool authorizers") -------------------------------

JWT_AUTHN_NAMESPACE = "envoy.filters.http.jwt_authn"  # where jwt_authn leaves verified payloads
USER_POOL_ARN = re.compile(r"^arn:[^:]+:cognito-idp:([A-Za-z0-9-]+):[^:]*:userpool/([A-Za-z0-9_-]+)$")
# The CA bundle that checks the public key-set endpoints' certificates (Debian's ca-certificates).
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _security_schemes(doc):
    schemes = dict(doc.get("securityDefinitions") or {})
    schemes.update(((doc.get("components") or {}).get("securitySchemes")) or {})
    return {k: v for k, v in schemes.items() if isinstance(v, dict)}


def cognito_pools(doc):
    """The user pools the definition's `cognito_user_pools` authorizers name, in order: dicts with
    `region`, `id`, `arn`, `issuer` and `headers` (the lower-case names of the headers their
    schemes read). ARNs that are not user pool ARNs are skipped (the filter warns about them)."""
    pools = {}
    for scheme in _security_schemes(doc).values():
        ext = scheme.get("x-amazon-apigateway-authorizer")
        if not isinstance(ext, dict) or str(ext.get("type", "")).lower() != "cognito_user_pools":
            continue
        header = str(scheme.get("name") or "").strip().lower()
        for arn in ext.get("providerARNs") or []:
            m = USER_POOL_ARN.match(arn) if isinstance(arn, str) else None
            if not m:
                continue
            region, pool_id = m.groups()
            pool = pools.setdefault(pool_id, {"region": region, "id": pool_id, "arn": arn,
                                              "issuer": cognito_issuer(region, pool_id), "headers": []})
            if header and header not in pool["headers"]:
                pool["headers"].append(header)
    return list(pools.values())


def cognito_issuer(region, pool_id):
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


def cognito_jwks_url(region, pool_id):
    """A pool's key set: under AWS_ENDPOINT_URL_COGNITO_IDP when set (moto's server serves it
    there), else Cognito's public URL."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDP")
    base = endpoint.rstrip("/") if endpoint else f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base}/{pool_id}/.well-known/jwks.json"


def jwks_cluster(name, url):
    """The cluster a remote key set is fetched through; over https the server's certificate is
    checked against the system's CAs and the host name (the keys decide who is admitted). No
    upstream filter chain: jwt_authn fetches at start from the main thread, and there a cluster
    with upstream HTTP filters resets the request (probed on Envoy 1.40); the fetch is Envoy's own,
    not a request API Gateway makes on a client's behalf."""
    c = cluster(name, url)
    c.pop("typed_extension_protocol_options", None)
    if urlsplit(url).scheme == "https":
        host = urlsplit(url).hostname
        c["transport_socket"]["typed_config"]["common_tls_context"] = {"validation_context": {
            "trusted_ca": {"filename": CA_BUNDLE},
            "match_typed_subject_alt_names": [{"san_type": "DNS", "matcher": {"exact": host}}]}}
    return c


def jwt_authn(pools, local_jwks=None):
    """Envoy's jwt_authn filter for the user pools (one provider each) and the clusters its remote
    key sets need: it verifies signatures and leaves each verified payload in dynamic metadata
    under the pool's issuer, and never answers itself (`allow_missing_or_failed`); the filter makes
    every API Gateway check. Its clock-skew allowance is the largest there is, so that an expired
    but genuine token still reaches the filter, which answers "The incoming token has expired".
    `local_jwks`: a JWKS document (text) used for every pool instead of fetching keys."""
    providers, clusters = {}, {}
    for pool in pools:
        locations = []
        for header in pool["headers"] or ["authorization"]:
            locations += [{"name": header}, {"name": header, "value_prefix": "Bearer "}]
        provider = {
            "issuer": pool["issuer"],
            "from_headers": locations,
            "forward": True,
            "payload_in_metadata": pool["issuer"],
            "clock_skew_seconds": 4294967295,
            "jwt_cache_config": {"jwt_cache_size": 1024},
        }
        if local_jwks is not None:
            provider["local_jwks"] = {"inline_string": local_jwks}
        else:
            url = cognito_jwks_url(pool["region"], pool["id"])
            parts = urlsplit(url)
            name = "jwks_" + re.sub(r"[^A-Za-z0-9]+", "_", parts.netloc).strip("_")
            clusters.setdefault(name, jwks_cluster(name, url))
            provider["remote_jwks"] = {
                # Fetched at start from Envoy's main thread, which compiles the wasm module at the
                # same time (seconds on a busy machine): hence the generous timeout.
                "http_uri": {"uri": url, "cluster": name, "timeout": "10s"},
                "cache_duration": "600s",
                # A failure is logged (a warning) and retried every 30 s, and at each request that
                # needs the keys meanwhile: until then tokens of the pool are refused.
                "async_fetch": {"fast_listener": True, "failed_refetch_duration": "30s"},
            }
        providers["cognito_" + pool["id"]] = provider
    http_filter = {"name": "envoy.filters.http.jwt_authn", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        "providers": providers,
        "rules": [{"match": {"prefix": "/"}, "requires": {"allow_missing_or_failed": {}}}],
    }}
    return http_filter, list(clusters.values())


# --- configs ---------------------------------------------------------------------------------

def plugin_config(doc, stage="prod", stage_variables=None, stage_prefix="optional", region="us-east-1",
                  origins_to_clusters=None, lambda_url=None, extra=None, aws_urls=None, envoy_signs_lambda=False):
    cfg = {
        "api": doc,
        "stage": stage,
        "stagePrefix": stage_prefix,
        "stageVariables": stage_variables or {},
        "region": region,
        "targets": {"http": dict(origins_to_clusters or {})},
    }
    if lambda_url:
        cfg["targets"]["lambda"] = {"cluster": "lambda", "authority": _authority(lambda_url)}
        if envoy_signs_lambda:
            cfg["targets"]["lambda"]["signing"] = "envoy"
    if aws_urls:
        cfg["targets"]["aws"] = {svc: {"cluster": f"aws_{svc}", "authority": _authority(url)}
                                 for svc, url in aws_urls.items()}
    if extra:
        cfg.update(extra)
    return cfg


def cluster(name, url, timeout="30s"):
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    c = {
        "name": name,
        "type": "STRICT_DNS" if not re.match(r"^[0-9.]+$", parts.hostname or "") else "STATIC",
        "connect_timeout": "5s",
        "dns_lookup_family": "V4_ONLY",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {
                "socket_address": {"address": parts.hostname, "port_value": port}}}}]}],
        },
        "per_connection_buffer_limit_bytes": BUFFER_LIMIT_BYTES,
        "typed_extension_protocol_options": upstream_http_filters([]),
    }
    if parts.scheme == "https":
        c["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                "sni": parts.hostname,
            },
        }
    del timeout
    return c


RATE_LIMIT_CLUSTER = "apigw_ratelimit"


def rate_limit_service(host_port, name=RATE_LIMIT_CLUSTER, via_filter=False):
    """Global throttling (README: "Throttling"): the HTTP/2 cluster of a rate limit service that
    speaks Envoy's RLS gRPC protocol at `host:port`, and the plugin configuration key that makes
    the filter ask it instead of counting in the process: by its own gRPC callout, or
    (`via_filter`) through Envoy's `ratelimit` filter, which `place_rate_limit_filter` then puts
    in the Envoy configuration."""
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise DefinitionError(f"GLOBAL_RATE_LIMIT {host_port!r} is not host:port")
    c = cluster(name, f"http://{host}:{port}")
    c["typed_extension_protocol_options"] = {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "explicit_http_config": {"http2_protocol_options": {}},
        },
    }
    if via_filter:
        return c, {"globalRateLimit": {"via": "ratelimitFilter", "cluster": name}}
    return c, {"globalRateLimit": {"cluster": name}}


# Global mode through Envoy's `ratelimit` filter (src/throttle/global.rs holds the other side of
# each of these): the second wasm instance's configuration, the descriptor headers' slots and
# entry keys, and the header that names the request handed over.
RESUME_CONFIGURATION = "apigateway: resume after Envoy's ratelimit filter"
RATE_LIMIT_SLOTS = 5
RATE_LIMIT_ENTRY_KEYS = [["apigw_throttle", "rate", "burst"], ["apigw_quota", "limit", "offset", "period"]]
HANDOFF_HEADER = "x-apigw-handoff"


def rate_limit_actions():
    """The route's `rate_limits`: one descriptor per slot and kind, each entry read from the
    request header the filter writes (`x-apigw-ratelimit-<slot>-<key>`). A policy whose headers
    are absent makes no descriptor (`skip_if_absent` false), so the service is asked about the
    levels the filter wrote, in its order."""
    return [{"actions": [{"request_headers": {"header_name": f"x-apigw-ratelimit-{slot}-{key.replace('_', '-')}",
                                              "descriptor_key": key}} for key in keys]}
            for slot in range(RATE_LIMIT_SLOTS) for keys in RATE_LIMIT_ENTRY_KEYS]


def place_rate_limit_filter(config, wasm_path, cluster_name=RATE_LIMIT_CLUSTER, domain="apigateway", timeout="0.1s"):
    """Puts Envoy's `ratelimit` filter, then the filter's second instance, right after the filter in
    each listener of an Envoy configuration (README: "Throttling", global mode), with the routes'
    descriptors and a local reply mapper that gives the ratelimit filter's 429 a body (AWS's
    THROTTLED one; the filter replaces it with the stage's gateway response). A service that
    cannot be reached or answers late (`timeout`; Envoy's default is 20 ms) admits, as the
    callout does."""
    ratelimit = {"name": "envoy.filters.http.ratelimit", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit",
        "domain": domain, "timeout": timeout,
        # x-ratelimit-limit tells the filter which level refused (a quota's window is a day or more).
        "enable_x_ratelimit_headers": "DRAFT_VERSION_03",
        "rate_limit_service": {"grpc_service": {"envoy_grpc": {"cluster_name": cluster_name}},
                               "transport_api_version": "V3"}}}
    resume = wasm_filter(wasm_path, RESUME_CONFIGURATION, name=f"{FILTER_NAME}_resume")
    for listener_config in config["static_resources"]["listeners"]:
        hcm = listener_config["filter_chains"][0]["filters"][0]["typed_config"]
        filters = hcm["http_filters"]
        at = next(i for i, f in enumerate(filters) if f["name"] in (FILTER_NAME, "envoy.filters.http.wasm"))
        filters[at + 1:at + 1] = [ratelimit, resume]
        for vhost in hcm["route_config"]["virtual_hosts"]:
            for route in vhost["routes"]:
                route.setdefault("route", {})["rate_limits"] = rate_limit_actions()
        hcm["local_reply_config"] = {"mappers": [{
            # RL: the ratelimit filter's own refusal (a header_filter would read the request's
            # headers); the filter's own 429s (a MOCK's, a gateway response's) keep their body.
            "filter": {"response_flag_filter": {"flags": ["RL"]}},
            "body": {"inline_string": '{"message":"Too Many Requests"}'}}]}
    return config


# What Envoy's async client adds to every callout (README: "Deployments (`envoy/`)") and, with
# `use_remote_address`, the HCM to proxied requests. API Gateway sends none of them, so the cluster
# drops them before the request leaves (the router's `suppress_envoy_headers` does not reach
# callouts: Envoy's async client runs its own router config).
ENVOY_REQUEST_HEADERS = ["x-envoy-internal", "x-envoy-expected-rq-timeout-ms", "x-envoy-external-address"]


def upstream_http_filters(filters):
    """A cluster's upstream HTTP filter chain: `filters`, after one that removes
    ENVOY_REQUEST_HEADERS, and before the codec."""
    return {
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "explicit_http_config": {"http_protocol_options": {}},
            "http_filters": [
                {"name": "envoy.filters.http.header_mutation", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation",
                    "mutations": {"request_mutations": [{"remove": h} for h in ENVOY_REQUEST_HEADERS]}}},
                *filters,
                {"name": "envoy.filters.http.upstream_codec", "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec"}},
            ],
        },
    }


def envoy_signing(cluster_config, service, region):
    """Makes Envoy sign every request to this cluster (callouts included) with SigV4, natively:
    `aws_request_signing` as an upstream filter, credentials from Envoy's own AWS credential chain
    (environment, profile, instance role). Pair it with `"signing": "envoy"` on the filter's target,
    so the filter leaves its requests unsigned. Envoy hashes the payload with native SHA-256, several
    times faster than SHA-256 inside the wasm VM."""
    cluster_config["typed_extension_protocol_options"] = upstream_http_filters([
        {"name": "envoy.filters.http.aws_request_signing", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning",
            "service_name": service, "region": region, "use_unsigned_payload": False,
            # What Envoy adds to a callout (x-envoy-*) is not the client's to sign; like
            # botocore, User-Agent, Expect and X-Amzn-Trace-Id stay unsigned (intermediaries
            # rewrite them, and botocore-based verifiers leave them out).
            "match_excluded_headers": [{"prefix": "x-envoy"}, {"exact": "x-request-id"},
                                       {"exact": "user-agent"}, {"exact": "expect"},
                                       {"exact": "x-amzn-trace-id"}],
        }},
    ])
    return cluster_config


def wasm_filter(wasm_path, config_json, name=FILTER_NAME):
    return {
        "name": "envoy.filters.http.wasm",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": {
                "name": name,
                "root_id": name,
                # Lets the filter read the whole body before answering (README: "Deployments (`envoy/`)").
                "allow_on_headers_stop_iteration": True,
                "configuration": {
                    "@type": "type.googleapis.com/google.protobuf.StringValue",
                    "value": config_json,
                },
                "vm_config": {
                    "runtime": "envoy.wasm.runtime.v8",
                    "code": {"local": {"filename": wasm_path}},
                    "environment_variables": {"host_env_keys": AWS_ENV_KEYS},
                },
            },
        },
    }


# The filter renders each request's access log line in the stage's format and leaves it in the
# request's filter state (src/access_log.rs: the property `apigateway.access_log`, set in `on_log`,
# which Envoy 1.40 runs before the HCM's access loggers); Envoy's own access logger writes it
# (README: "Access logs").
ACCESS_LOG_LINE = "%FILTER_STATE(wasm.apigateway.access_log:PLAIN)%\n"


def access_log(path):
    """The HCM's access logger for the filter's lines: Envoy's file logger, or stdout for `-` and
    `/dev/stdout`."""
    log_format = {"text_format_source": {"inline_string": ACCESS_LOG_LINE}}
    if path in ("-", "/dev/stdout"):
        return {"name": "envoy.access_loggers.stdout", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
            "log_format": log_format}}
    return {"name": "envoy.access_loggers.file", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
        "path": path, "log_format": log_format}}


def listener(name, port, http_filters, routes, address="0.0.0.0", access_log_path=None):
    """`access_log_path`: where Envoy writes the filter's access log lines (None: no access log)."""
    hcm_log = {"access_log": [access_log(access_log_path)]} if access_log_path else {}
    return {
        "name": name,
        "address": {"socket_address": {"address": address, "port_value": port}},
        "per_connection_buffer_limit_bytes": BUFFER_LIMIT_BYTES,
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": name,
                "route_config": {"virtual_hosts": [{"name": name, "domains": ["*"], "routes": routes}]},
                # Nothing of Envoy shows where API Gateway shows nothing: no `server: envoy` (a
                # backend's own Server is remapped by the filter), no generated x-request-id to
                # the upstream (a client's own passes, as API Gateway forwards it).
                "server_header_transformation": "PASS_THROUGH",
                "generate_request_id": False,
                # The caller is the connection's peer, never a client-sent X-Forwarded-For:
                # `$context.identity.sourceIp` and a resource policy's `aws:SourceIp` read it
                # (README: "Resource policies"). Envoy leaves X-Forwarded-For alone (for a
                # loopback peer it would append its own host address): the filter appends the
                # caller as API Gateway does. The headers Envoy adds for this are dropped
                # upstream (ENVOY_REQUEST_HEADERS).
                "use_remote_address": True,
                "skip_xff_append": True,
                **hcm_log,
                "http_filters": http_filters + [{
                    "name": "envoy.filters.http.router",
                    # No x-envoy-expected-rq-timeout-ms upstream, no x-envoy-upstream-service-time
                    # to the client.
                    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                                     "suppress_envoy_headers": True},
                }],
            },
        }]}],
    }


def gateway_routes():
    """One catch-all route: the filter routes by API Gateway's rules and names the upstream cluster."""
    return [{
        "match": {"prefix": "/"},
        "route": {"cluster_header": CLUSTER_HEADER, "timeout": "0s"},
        "request_headers_to_remove": [CLUSTER_HEADER],
    }]


# The filter's metrics carry their labels in their names, `<label>=.=<value>;.;` (src/metrics.rs);
# Envoy's tag extraction takes each out of the name into a label of /stats/prometheus
# (README: "Metrics"). Each regex's first group is what is taken out, its second the label's value.
METRIC_LABELS = ["api", "stage", "resource", "method"]


def stats_config():
    tags = []
    for i, label in enumerate(METRIC_LABELS):
        before = "".join(rf"{other}=\.=.*?;\.;" for other in METRIC_LABELS[:i])
        tags.append({"tag_name": label, "regex": rf"^wasmcustom\.apigateway\.{before}({label}=\.=(.*?);\.;)"})
    return {"stats_tags": tags}


def envoy_config(wasm_path, plugin_cfg, port, admin_port, clusters, address="0.0.0.0", before=(),
                 access_log_path=None):
    """`before`: HTTP filters ahead of the wasm filter (jwt_authn for Cognito user pools);
    `access_log_path`: where the filter's access log lines go (`access_log`)."""
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "stats_config": stats_config(),
        "static_resources": {
            "listeners": [listener(FILTER_NAME, port, [*before, wasm_filter(wasm_path, json.dumps(plugin_cfg))],
                                   gateway_routes(), address, access_log_path)],
            "clusters": clusters,
        },
    }


# --- configuration Envoy watches (make run) ----------------------------------------------------
# `make run` serves with the filter's configuration and the clusters in files Envoy watches: the
# filter through extension config discovery (ECDS), the clusters through cluster discovery (CDS),
# both from the filesystem. Writing a new file (by rename: Envoy watches for the file being moved
# into place) applies it without a restart: connections stay open and requests under way finish
# with the configuration they started with (README: "Changes while it serves").

EXTENSION_CONFIG_TYPE = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
WASM_TYPE = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
# The HTTP filters make run's Envoy discovers, by type: the name each has in a static config.
FILTER_NAMES = {
    WASM_TYPE: "envoy.filters.http.wasm",
    "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication": "envoy.filters.http.jwt_authn",
}


def discovery_response(version, type_url, resources):
    """A file for a filesystem xDS subscription: an envoy.service.discovery.v3.DiscoveryResponse."""
    return {"version_info": str(version), "type_url": type_url,
            "resources": [dict({"@type": type_url}, **r) for r in resources]}


def extension_config(name, http_filter, version):
    """An HTTP filter (`{"name", "typed_config"}`, as written inline) as an ECDS resource: an
    envoy.config.core.v3.TypedExtensionConfig named `name`."""
    return discovery_response(version, EXTENSION_CONFIG_TYPE, [{"name": name, "typed_config": http_filter["typed_config"]}])


def cluster_config(clusters, version):
    return discovery_response(version, CLUSTER_TYPE, clusters)


def path_source(path):
    return {"path_config_source": {"path": path}, "resource_api_version": "V3"}


def discovered_filter(name, path, type_url):
    """An HTTP filter whose configuration Envoy reads from `path` (ECDS) and takes up again each
    time a new file is renamed into place."""
    return {"name": name, "config_discovery": {"config_source": path_source(path), "type_urls": [type_url]}}


def watched_envoy_config(filters, clusters_path, port, admin_port, node_id, address="0.0.0.0", routes=None,
                         access_log_path=None):
    """An Envoy bootstrap whose listener is fixed (the port needs a restart), its HTTP filters
    `filters` (`discovered_filter`s, in chain order, before the router) and its clusters read from
    `clusters_path` (CDS)."""
    return {
        # Envoy's xDS subscriptions need a node id and cluster, even from files.
        "node": {"id": node_id, "cluster": FILTER_NAME},
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "stats_config": stats_config(),
        "dynamic_resources": {"cds_config": path_source(clusters_path)},
        "static_resources": {"listeners": [listener(FILTER_NAME, port, list(filters), routes or gateway_routes(),
                                                    address, access_log_path)]},
    }


def inlined(config):
    """A `watched_envoy_config` with what its files hold now written in: the static config it
    serves (the filters under their usual names, the clusters under static_resources)."""
    config = json.loads(json.dumps(config))
    hcm = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    for i, f in enumerate(hcm["http_filters"]):
        if "config_discovery" in f:
            with open(f["config_discovery"]["config_source"]["path_config_source"]["path"], encoding="utf-8") as fh:
                typed = json.load(fh)["resources"][0]["typed_config"]
            hcm["http_filters"][i] = {"name": FILTER_NAMES.get(typed["@type"], f["name"]), "typed_config": typed}
    with open(config["dynamic_resources"]["cds_config"]["path_config_source"]["path"], encoding="utf-8") as fh:
        clusters = [{k: v for k, v in c.items() if k != "@type"} for c in json.load(fh)["resources"]]
    config["static_resources"]["clusters"] = clusters
    del config["dynamic_resources"], config["node"]
    return config


def write_atomically(path, obj):
    """Writes JSON to `path` by rename, so a reader (Envoy) never sees half a file."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def build(definition_path, wasm_path, port=8080, admin_port=9901, stage="prod", stage_variables_text="",
          stage_prefix="optional", region=None, cfn_params=None, address="0.0.0.0", api_id=None, account_id=None,
          extra=None, cognito_jwks=None):
    """Everything `make run` needs: (plugin config, Envoy config). `api_id` and `account_id` (None:
    the filter's defaults, `local` and 123456789012) are the deployment's `$context.apiId` and
    `$context.accountId`; `region` (None: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1) its
    region. All three are in its method ARNs. `extra`: more plugin configuration keys. A definition
    with Cognito user pool authorizers gets Envoy's jwt_authn filter for its pools, their keys
    from `cognito_jwks` (JWKS text) when given, else fetched (`cognito_jwks_url`)."""
    cfg, clusters, before = build_parts(definition_path, stage, stage_variables_text, stage_prefix, region,
                                        cfn_params, api_id, account_id, extra, cognito_jwks)
    return cfg, envoy_config(wasm_path, cfg, port, admin_port, clusters, address, before)


def build_parts(definition_path, stage="prod", stage_variables="", stage_prefix="optional", region=None,
                cfn_params=None, api_id=None, account_id=None, extra=None, cognito_jwks=None):
    """(plugin config, clusters, the HTTP filters ahead of the wasm filter) for a definition file,
    as `build` describes; `stage_variables` is `k=v,...` text or a dict."""
    region = default_region(region)
    stage_variables = dict(stage_variables) if isinstance(stage_variables, dict) else parse_pairs(stage_variables)
    doc = load_definition(definition_path, cfn_params, region, account_id)
    return build_deployments([Deployment(stage, doc, stage, stage_variables)], stage_prefix, region, api_id,
                             account_id, extra, cognito_jwks)


def default_region(region):
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class Deployment:
    """One API served at one stage (a template may have several: README "From `sam local start-api`")."""

    def __init__(self, name, doc, stage, stage_variables):
        self.name, self.doc, self.stage, self.stage_variables = name, doc, stage, stage_variables


def build_deployments(deployments, stage_prefix="optional", region=None, api_id=None, account_id=None, extra=None,
                      cognito_jwks=None):
    """`build_parts` for one or more deployments: one is written flat, as always; several as
    `apis` and `deployments`, each named by Envoy's routes (`deployment_routes`)."""
    region = default_region(region)
    origins = sorted({o for d in deployments for o in http_origins(d.doc, d.stage_variables)})
    mapping = {o: cluster_name(o) for o in origins}
    clusters = [cluster(name, origin) for origin, name in mapping.items()]
    lam = lambda_endpoint(region)
    clusters.append(cluster("lambda", lam))
    aws_urls = {}
    for service, svc_region in sorted({s for d in deployments for s in aws_services(d.doc)}):
        if service != "lambda" and service not in aws_urls:
            aws_urls[service] = aws_endpoint(service, svc_region)
            clusters.append(cluster(f"aws_{service}", aws_urls[service]))
    ids = {k: v for k, v in (("apiId", api_id), ("accountId", account_id)) if v}
    pools = list({p["id"]: p for d in deployments for p in cognito_pools(d.doc)}.values())
    before = []
    if pools:
        jwt_filter, jwks_clusters = jwt_authn(pools, cognito_jwks)
        before.append(jwt_filter)
        clusters += jwks_clusters
        ids["cognitoUserPools"] = [p["id"] for p in pools]
    first = deployments[0]
    cfg = plugin_config(first.doc, first.stage, first.stage_variables, stage_prefix, region, mapping, lam,
                        extra={**ids, **(extra or {})}, aws_urls=aws_urls)
    if len(deployments) > 1:
        # Deployment keys (`trace`: make run TRACE=1) go to every deployment.
        trace = cfg.pop("trace", None)
        for key in ("api", "stage", "stagePrefix", "stageVariables", "region", "apiId", "accountId"):
            cfg.pop(key, None)
        # The access log format is each stage's (README: "Access logs").
        access_log = {"accessLog": cfg.pop("accessLog")} if "accessLog" in cfg else {}
        cfg["apis"] = {d.name: d.doc for d in deployments}
        cfg["deployments"] = [dict({"name": d.name, "api": d.name, "stage": d.stage, "stagePrefix": stage_prefix,
                                    "stageVariables": d.stage_variables, "region": region}, **{
                                        k: v for k, v in ids.items() if k in ("apiId", "accountId")}, **access_log,
                                    **({"trace": trace} if trace is not None else {}))
                              for d in deployments]
    return cfg, clusters, before


def path_regex(path):
    """An RE2 pattern for the request paths an API Gateway resource path matches (`{x}` one
    segment, `{x+}` the rest; a trailing slash tolerated)."""
    parts = []
    for seg in path.strip("/").split("/"):
        if seg.startswith("{") and seg.endswith("+}"):
            parts.append(".+")
        elif seg.startswith("{") and seg.endswith("}"):
            parts.append("[^/]+")
        elif seg:
            parts.append(re.escape(seg))
    return "/" + "/".join(parts) + "/?" if parts else "/?"


def deployment_routes(deployments, stage_prefix):
    """Envoy routes choosing the deployment of several by the request path: each API's resource
    paths (with its stage prefix as `stage_prefix` allows), in order; whatever none matches goes to
    the first, which answers it as an unknown resource."""
    routes = []
    for d in deployments:
        paths = [p for p in (d.doc.get("paths") or {}) if isinstance(p, str)]
        if not paths:
            continue
        alternatives = "|".join(sorted({path_regex(p) for p in paths}))
        stage = re.escape(d.stage)
        prefix = {True: f"/{stage}", False: "", "optional": f"(?:/{stage})?"}[stage_prefix]
        route = gateway_routes()[0]
        route["match"] = {"safe_regex": {"regex": f"{prefix}(?:{alternatives})"}}
        route["metadata"] = {"filter_metadata": {FILTER_NAME: {"deployment": d.name}}}
        routes.append(route)
    last = gateway_routes()[0]
    last["metadata"] = {"filter_metadata": {FILTER_NAME: {"deployment": deployments[0].name}}}
    return routes + [last]
