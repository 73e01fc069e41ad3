"""`make run` applies a changed input file to the running Envoy, without a restart (README: "Changes
while it serves"): the command the Makefile runs (`make -n run ...`), serving a definition in a
temporary directory that the tests rewrite as an editor would, in place or by rename.

One `make run` serves the whole module; each test brings the definition to the state it needs."""

import copy
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest
import requests
import yaml

from conftest import ROOT, apigw, free_port
from conftest_http import EchoBackend
from test_make_run import make_run_command, signed_get, stop, wait_serving

KEY1 = {"accessKeyId": "AKIARELOADEXAMPLE001", "secretAccessKey": "reload-secret-1",
        "arn": "arn:aws:iam::123456789012:user/one"}
KEY2 = {"accessKeyId": "AKIARELOADEXAMPLE002", "secretAccessKey": "reload-secret-2",
        "arn": "arn:aws:iam::123456789012:user/two"}


def mock(answer, content_type="application/json", request_template='{"statusCode": 200}'):
    return {"x-amazon-apigateway-integration": {
        "type": "mock", "requestTemplates": {content_type: request_template},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": answer}}}}}


def definition(answer, slow_origin, slow_template="old"):
    """/answer: a MOCK whose answer the tests change; /body: a MOCK that reads the request body
    (the filter holds the head until the body is in: allow_on_headers_stop_iteration); /greeting:
    a stage variable; /slow: an HTTP integration to a backend that answers after 3 s; /iam: AWS_IAM."""
    return {
        "openapi": "3.0.1", "info": {"title": "reload", "version": "1"},
        "paths": {
            "/answer": {"get": mock(answer)},
            "/body": {"post": {"x-amazon-apigateway-integration": {
                "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": $input.json('$.code')}"},
                "responses": {"default": {"statusCode": "200"},
                              "201": {"statusCode": "201", "responseTemplates": {"application/json": "created"}}}}}},
            "/greeting": {"get": mock('{"greeting": "$stageVariables.greeting"}')},
            "/slow": {"get": {"x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "GET", "uri": f"{slow_origin}/slow/3000",
                "responses": {"default": {"statusCode": "200",
                                          "responseTemplates": {"application/json": slow_template}}}}}},
            "/iam": {"get": dict(mock('{"caller": "$context.identity.userArn"}'),
                                 **{"x-amazon-apigateway-auth": {"type": "AWS_IAM"}})},
        },
    }


def save(path, text, how):
    """Saves as editors do: `in-place` rewrites the file (same inode), `rename` writes a new file
    beside it and renames it over the old one."""
    if how == "in-place":
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        tmp = f"{path}.swp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)


def output(log_path):
    with open(log_path, encoding="utf-8", errors="replace") as f:
        return f.read()


def make_run_lines(log_path):
    """make run's own lines (Envoy's log lines, which start with a date, left out)."""
    return [line for line in output(log_path).splitlines() if line and not line.startswith("[")]


def change(log_path, path, text, how="in-place", timeout=10):
    """Saves `text` to `path` and waits for the verdict of the make run logging to `log_path`: the
    lines it printed."""
    before = len(make_run_lines(log_path))
    save(path, text, how)
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = make_run_lines(log_path)[before:]
        if any(re.match(r"(reloaded|refused|unchanged): ", line) for line in lines):
            return lines
        time.sleep(0.02)
    raise AssertionError(f"no verdict on the change:\n{output(log_path)}")


class Run:
    """One `make run` with its API, stage variables and IAM keys in files of a temporary directory."""

    def __init__(self, tmp, echo):
        self.tmp, self.echo = tmp, echo
        self.api = os.path.join(tmp, "api.yaml")
        self.variables = os.path.join(tmp, "variables.txt")
        self.keys = os.path.join(tmp, "keys.json")
        self.doc = definition('{"v": 1}', echo.origin)
        save(self.api, yaml.safe_dump(self.doc), "in-place")
        save(self.variables, "# stage variables\ngreeting=hello, world\n", "in-place")
        save(self.keys, json.dumps([KEY1]), "in-place")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        command = make_run_command(API=self.api, PORT=self.port, STAGE_VARIABLES=self.variables,
                                   IAM_KEYS=self.keys, LOCAL_LAMBDA="no")
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"make-run-{self.port}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_serving(self.proc, self.url, self.log.name, path="/answer")
        self.admin = int(re.search(r"Envoy admin: http://127\.0\.0\.1:(\d+)", self.output()).group(1))

    def output(self):
        return output(self.log.name)

    def change(self, doc=None, how="in-place", path=None, text=None):
        """Saves a change and waits for make run's verdict on it: the lines it printed."""
        if doc is not None:
            text = yaml.safe_dump(doc)
        lines = change(self.log.name, path or self.api, text, how)
        if doc is not None and not lines[-1].startswith("refused: "):
            self.doc = doc
        return lines

    def cx_total(self):
        """Connections Envoy has accepted on the gateway's listener."""
        name = f"listener.0.0.0.0_{self.port}.downstream_cx_total"
        stats = requests.get(f"http://127.0.0.1:{self.admin}/stats?filter=^{re.escape(name)}$", timeout=5).text
        return int(stats.split(": ", 1)[1])

    def stop(self):
        stop(self.proc)
        self.log.close()
        os.unlink(self.log.name)
        shutil.rmtree(os.path.join(ROOT, "build", "run", str(self.port)), ignore_errors=True)


@pytest.fixture(scope="module")
def run():
    tmp = tempfile.mkdtemp(prefix="apigw-reload-")
    echo = EchoBackend()
    r = Run(tmp, echo)
    yield r
    r.stop()
    echo.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    assert r.proc.returncode == 0


def answer(run, path="/answer", **kw):
    r = requests.get(run.url + path, timeout=10, **kw)
    return r.status_code, r.content


def with_answer(doc, text):
    doc = copy.deepcopy(doc)
    integration = doc["paths"]["/answer"]["get"]["x-amazon-apigateway-integration"]
    integration["responses"]["default"]["responseTemplates"]["application/json"] = text
    return doc


# The banner names what is watched.
def test_banner_names_the_watched_files(run):
    assert f"Watching {run.api}, {run.variables}, {run.keys}: a saved change is applied without a restart." \
        in run.output()


# Four clients on keep-alive connections, each sending requests one after another for four
# seconds; one second in, the definition is saved in place with another answer. No request fails,
# no connection is dropped (Envoy accepted no connection beyond the clients' four), each client sees
# the old answer and then only the new one, and the new one is served within the second.
def test_change_under_load_drops_nothing(run):
    assert answer(run) == (200, b'{"v": 1}')
    results, errors, stop_at = [[] for _ in range(4)], [], time.time() + 4
    cx_before = run.cx_total()

    def client(out):
        with requests.Session() as s:
            while time.time() < stop_at:
                try:
                    r = s.get(run.url + "/answer", timeout=10)
                    out.append((time.time(), r.status_code, r.content))
                except requests.RequestException as e:
                    errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(out,)) for out in results]
    for t in threads:
        t.start()
    time.sleep(1)
    saved_at = time.time()
    lines = run.change(with_answer(run.doc, '{"v": 2}'))
    for t in threads:
        t.join()
    assert errors == []
    assert lines[-1] == f'reloaded: {run.api}: deployment "prod": 5 operations on 5 resources', lines
    for out in results:
        assert {status for _, status, _ in out} == {200}
        bodies = [body for _, _, body in out]
        first_new = bodies.index(b'{"v": 2}')
        assert set(bodies[:first_new]) == {b'{"v": 1}'} and set(bodies[first_new:]) == {b'{"v": 2}'}
        assert out[first_new][0] - saved_at < 1.0, out[first_new][0] - saved_at
    assert sum(len(out) for out in results) > 40
    assert run.cx_total() - cx_before == 4
    assert answer(run) == (200, b'{"v": 2}')


# A change the filter would refuse is refused before Envoy sees it: make run prints the checker's
# error (a bad field, a broken template, YAML that does not parse), and the previous configuration
# keeps serving.
@pytest.mark.parametrize("bad", ["field", "template", "yaml", "structure"])
def test_invalid_change_is_refused(run, bad):
    before = answer(run)
    assert before[0] == 200
    if bad == "field":
        doc = copy.deepcopy(run.doc)
        doc["paths"]["/answer"]["get"]["x-amazon-apigateway-integration"]["type"] = "htp"
        lines = run.change(doc)
        assert lines == ['error: invalid definition: GET /answer: field x-amazon-apigateway-integration.type: '
                         'unknown integration type "htp"',
                         f"refused: {run.api}: still serving the previous configuration"]
    elif bad == "template":
        lines = run.change(with_answer(run.doc, '#if($x) {"v": 9}'))
        assert lines == ['error: invalid definition: GET /answer: field x-amazon-apigateway-integration.responses.'
                         'default.responseTemplates.application/json: line 1, column 7: missing #end',
                         '#if($x) {"v": 9}', "      ^",
                         f"refused: {run.api}: still serving the previous configuration"]
    elif bad == "structure":
        lines = run.change(text='{"openapi": "3.0.1", "paths": [1]}')
        assert lines == ["error: invalid definition: definition: field paths: is required and must be an object",
                         f"refused: {run.api}: still serving the previous configuration"]
    else:
        lines = run.change(text="paths: [\n", how="rename")
        assert lines == [f"error: {run.api} is neither JSON nor YAML: expected the node content, "
                         "but found '<stream end>' (line 2, column 1)",
                         f"refused: {run.api}: still serving the previous configuration"]
    assert answer(run) == before
    # Saved back as it was: nothing to apply.
    assert run.change(run.doc) == [f"unchanged: {run.api}: the configuration is the same"]


# Saved by rename (a new file moved over the old one, as editors save): applied. The filter still
# reads request bodies before answering after the change (allow_on_headers_stop_iteration is part
# of the configuration Envoy swaps).
def test_rename_save_is_applied(run):
    lines = run.change(with_answer(run.doc, '{"v": 3}'), how="rename")
    assert lines[-1].startswith(f"reloaded: {run.api}: "), lines
    assert answer(run) == (200, b'{"v": 3}')
    r = requests.post(run.url + "/body", data=b'{"code": 201}', headers={"content-type": "application/json"},
                      timeout=10)
    assert (r.status_code, r.content) == (201, b"created")


# A request under way when the change is applied finishes with the configuration it started with:
# the backend answers after 3 s, the change (another response template) is applied within that
# time, and the answer still goes through the old template; the next request gets the new one.
def test_request_in_flight_finishes_on_the_old_configuration(run):
    done = {}

    def slow():
        r = requests.get(run.url + "/slow", timeout=20)
        done["answer"], done["at"] = (r.status_code, r.content), time.time()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    doc = copy.deepcopy(run.doc)
    doc["paths"]["/slow"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"][
        "responseTemplates"]["application/json"] = "new"
    lines = run.change(doc)
    applied_at = time.time()
    assert lines[-1].startswith("reloaded: "), lines
    t.join()
    assert applied_at < done["at"]
    assert done["answer"] == (200, b"old")
    assert answer(run, "/slow") == (200, b"new")


# A STAGE_VARIABLES file and the IAM_KEYS file are watched like the definition.
def test_stage_variables_and_iam_keys_files(run):
    assert answer(run, "/greeting") == (200, b'{"greeting": "hello, world"}')
    lines = run.change(path=run.variables, text="greeting=bonjour\n", how="rename")
    assert lines[-1].startswith(f"reloaded: {run.variables}: "), lines
    assert answer(run, "/greeting") == (200, b'{"greeting": "bonjour"}')

    assert signed_get(run.url + "/iam", KEY1["accessKeyId"], KEY1["secretAccessKey"]).content == \
        b'{"caller": "arn:aws:iam::123456789012:user/one"}'
    assert signed_get(run.url + "/iam", KEY2["accessKeyId"], KEY2["secretAccessKey"]).status_code == 403
    lines = run.change(path=run.keys, text=json.dumps([KEY1, KEY2]))
    assert lines[-1].startswith(f"reloaded: {run.keys}: "), lines
    r = signed_get(run.url + "/iam", KEY2["accessKeyId"], KEY2["secretAccessKey"])
    assert (r.status_code, r.content) == (200, b'{"caller": "arn:aws:iam::123456789012:user/two"}')
    lines = run.change(path=run.keys, text="[{", how="rename")
    assert lines[0].startswith(f"error: {run.keys} is not JSON: "), lines
    assert lines[-1] == f"refused: {run.keys}: still serving the previous configuration"
    assert signed_get(run.url + "/iam", KEY2["accessKeyId"], KEY2["secretAccessKey"]).status_code == 200
    run.change(path=run.keys, text=json.dumps([KEY1, KEY2]))


# An integration URI naming a backend Envoy has no cluster for yet: make run adds the cluster
# (cluster discovery from a file) before the filter's new configuration names it.
def test_new_backend_gets_its_cluster(run):
    other = EchoBackend()
    try:
        doc = copy.deepcopy(run.doc)
        integration = doc["paths"]["/slow"]["get"]["x-amazon-apigateway-integration"]
        integration["uri"] = f"{other.origin}/things"
        integration["responses"]["default"]["responseTemplates"]["application/json"] = "$input.json('$.path')"
        lines = run.change(doc)
        assert lines[-1].startswith("reloaded: "), lines
        assert answer(run, "/slow") == (200, b'"/things"')
        clusters = requests.get(f"http://127.0.0.1:{run.admin}/clusters", timeout=5).text
        assert f"integration_127_0_0_1_{other.port}::" in clusters
    finally:
        other.stop()


# --- Istio: a WasmPlugin update -----------------------------------------------------------------

def load_manifest(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return yaml.safe_load(f)


def wasm_stats(admin, prefix):
    text = requests.get(f"http://127.0.0.1:{admin}/stats?filter=^{re.escape(prefix)}\\.", timeout=5).text
    return {line.split(": ")[0][len(prefix) + 1:]: int(line.split(": ")[1]) for line in text.splitlines()
            if line.split(": ")[1].strip().isdigit()}


# envoy/istio/wasmplugin.yaml and envoyfilter.yaml as istiod pushes them to a sidecar
# (gen_deploy.istio_extension_config: ECDS), then the WasmPlugin applied again with another
# answer in its pluginConfig (a new resource version), under load: no request fails and the new
# answer is served. Istio's resource version is in the VM's environment, so the update starts new
# VMs; the old ones are freed. A pluginConfig the filter refuses is rejected by Envoy (as a NACK to
# istiod) and the previous one keeps serving.
def test_istio_wasmplugin_update(tmp_path):
    import gen_deploy
    from conftest import WASM, Envoy
    plugin, patches = load_manifest("envoy/istio/wasmplugin.yaml"), load_manifest("envoy/istio/envoyfilter.yaml")
    filter_path, clusters_path = str(tmp_path / "ecds.json"), str(tmp_path / "cds.json")
    name = "default.apigateway"

    def push(plugin, version):
        resource = gen_deploy.istio_extension_config(plugin, patches, WASM, version)
        apigw.write_atomically(filter_path, apigw.discovery_response(version, apigw.EXTENSION_CONFIG_TYPE,
                                                                     [resource]))

    push(plugin, 1)
    apigw.write_atomically(clusters_path, apigw.cluster_config([], 1))
    port, admin = free_port(), free_port()
    filters = [apigw.discovered_filter(name, filter_path, apigw.WASM_TYPE)]
    envoy = Envoy(apigw.watched_envoy_config(filters, clusters_path, port, admin, "sidecar", "127.0.0.1"),
                  "istio").wait_ready()
    url = f"http://127.0.0.1:{port}/pets/7"
    try:
        assert requests.get(url, timeout=10).content == b'{"id": "7", "type": "dog", "stage": "prod"}'
        vms = wasm_stats(admin, "wasm.envoy.wasm.runtime.v8")
        ecds = wasm_stats(admin, f"extension_config_discovery.http_filter.{name}")
        updated = copy.deepcopy(plugin)
        pets = updated["spec"]["pluginConfig"]["api"]["paths"]["/pets/{petId}"]["get"]
        pets["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"]["application/json"] = \
            '{"id": "$input.params(\'petId\')", "type": "cat"}'
        results, errors, stop_at = [], [], time.time() + 3

        def client():
            with requests.Session() as s:
                while time.time() < stop_at:
                    try:
                        r = s.get(url, timeout=10)
                        results.append((r.status_code, r.content))
                    except requests.RequestException as e:
                        errors.append(repr(e))

        threads = [threading.Thread(target=client) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(1)
        push(updated, 2)
        for t in threads:
            t.join()
        assert errors == []
        assert {status for status, _ in results} == {200}
        assert set(body for _, body in results) == {b'{"id": "7", "type": "dog", "stage": "prod"}',
                                                     b'{"id": "7", "type": "cat"}'}
        assert results[-1] == (200, b'{"id": "7", "type": "cat"}')
        after = wasm_stats(admin, "wasm.envoy.wasm.runtime.v8")
        assert after["created"] > vms["created"] and after["active"] == vms["active"]

        broken = copy.deepcopy(updated)
        broken["spec"]["pluginConfig"]["api"]["paths"]["/pets/{petId}"]["get"][
            "x-amazon-apigateway-integration"]["type"] = "htp"
        push(broken, 3)
        deadline = time.time() + 10
        while wasm_stats(admin, f"extension_config_discovery.http_filter.{name}").get("update_rejected", 0) \
                == ecds.get("update_rejected", 0):
            assert time.time() < deadline, envoy.logs()
            time.sleep(0.05)
        assert requests.get(url, timeout=10).content == b'{"id": "7", "type": "cat"}'
        assert ('invalid definition: GET /pets/{petId}: field x-amazon-apigateway-integration.type: '
                'unknown integration type "htp"') in envoy.logs()
    finally:
        envoy.stop()


# STAGE_VARIABLES naming a file: a JSON object of strings or `name=value` lines; anything else stops
# make run with exit code 2 and one line. Text with a `=` is read as before.
def test_stage_variables_file_forms(tmp_path):
    from test_make_run import generate
    as_json, as_lines, bad = tmp_path / "v.json", tmp_path / "v.txt", tmp_path / "bad.json"
    as_json.write_text('{"a": "1", "b": "x,y"}')
    as_lines.write_text("# comment\na=1\n\nb = x,y\n")
    bad.write_text('{"a": 1}')
    for path in (as_json, as_lines):
        cfg = generate(tmp_path, path.name + "-out", LOCAL_SERVICES="no", STAGE_VARIABLES=str(path))
        assert cfg["stageVariables"] == {"a": "1", "b": "x,y"}
    assert generate(tmp_path, "text", LOCAL_SERVICES="no", STAGE_VARIABLES="a=1,b=2")["stageVariables"] == \
        {"a": "1", "b": "2"}
    r = generate(tmp_path, "bad", LOCAL_SERVICES="no", STAGE_VARIABLES=str(bad))
    assert (r.returncode, r.stderr) == (2, f"make run: {bad}: stage variables must be a JSON object of strings\n")
    r = generate(tmp_path, "missing", LOCAL_SERVICES="no", STAGE_VARIABLES=str(tmp_path / "nope"))
    assert (r.returncode, r.stderr) == (2, f"make run: cannot read {tmp_path / 'nope'}: No such file or directory\n")


# The metrics (README: "Metrics") count on across changes: the new configuration defines the same
# names, so Envoy keeps the same counters, and what the old one had not yet handed to Envoy is
# handed over when it goes. Exact counts, whenever the change lands.
def test_metrics_count_on_across_a_change(run):
    count = re.compile(r'^apigateway_Count\{api="reload",stage="prod",resource="/answer",method="GET"\} (\d+)$', re.M)

    def counted():
        text = requests.get(f"http://127.0.0.1:{run.admin}/stats/prometheus", timeout=5).text
        m = count.search(text)
        return int(m.group(1)) if m else None

    time.sleep(1.2)  # what earlier tests sent has been handed over
    before = counted()
    for _ in range(5):
        assert answer(run)[0] == 200
    lines = run.change(with_answer(run.doc, '{"v": 5}'), how="rename")
    assert lines[-1].startswith("reloaded: "), lines
    for _ in range(3):
        assert answer(run) == (200, b'{"v": 5}')
    deadline = time.time() + 10
    while counted() != before + 8 and time.time() < deadline:
        time.sleep(0.1)
    assert counted() == before + 8


# The other files make run reads are watched too: COGNITO_JWKS (Envoy's jwt_authn, through its own
# ECDS file) and API_KEYS (the plugin configuration). A pool's key set replaced: tokens of the new
# key admitted, of the old one refused. A key added to the CSV: admitted.
def test_key_set_and_api_key_files(tmp_path):
    from joserfc import jwk
    from test_cognito import OFFLINE_ISS, OFFLINE_POOL, assert_refused, pool_scheme, sign
    keys = [jwk.RSAKey.generate_key(2048, parameters={"kid": f"k{i}", "alg": "RS256", "use": "sig"}, private=True)
            for i in (1, 2)]
    doc = {"openapi": "3.0.1", "info": {"title": "files", "version": "1"},
           "components": {"securitySchemes": {"pool": pool_scheme(OFFLINE_POOL),
                                              "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
           "paths": {"/claims": {"get": dict(mock('{"sub": "$context.authorizer.claims.sub"}'), security=[{"pool": []}])},
                     "/keyed": {"get": dict(mock('{"key": "$context.identity.apiKeyId"}'), security=[{"api_key": []}])}}}
    api, jwks, csv, plans = (tmp_path / n for n in ("api.json", "jwks.json", "keys.csv", "plans.json"))
    api.write_text(json.dumps(doc))
    jwks.write_text(json.dumps({"keys": [keys[0].as_dict(private=False)]}))
    csv.write_text("Name,Key,Enabled,UsagePlanIds\none,key-one-0123456789abcd,true,p\n")
    plans.write_text(json.dumps({"items": [{"id": "p", "name": "P", "apiStages": [{"apiId": "local", "stage": "prod"}]}]}))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    command = make_run_command(API=str(api), PORT=port, LOCAL_LAMBDA="no", LOCAL_SERVICES="no", COGNITO_JWKS=str(jwks),
                               API_KEYS=str(csv), USAGE_PLANS=str(plans))
    log = tempfile.NamedTemporaryFile("w+", prefix=f"make-run-{port}-", suffix=".log", delete=False)
    proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    claims = {"sub": "u-1", "iss": OFFLINE_ISS, "aud": "app", "token_use": "id", "iat": 1700000000, "exp": 4102444799}
    try:
        deadline = time.time() + 90
        while proc.poll() is None and time.time() < deadline:
            try:
                requests.get(url + "/claims", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)
        token = [sign(claims, k, f"k{i}") for i, k in enumerate(keys, 1)]
        get = lambda path, **h: requests.get(url + path, headers=h, timeout=10)  # noqa: E731
        assert get("/claims", Authorization=token[0]).content == b'{"sub": "u-1"}'
        assert_refused(get("/claims", Authorization=token[1]))
        lines = change(log.name, jwks, json.dumps({"keys": [keys[1].as_dict(private=False)]}), how="rename")
        assert lines[-1].startswith(f"reloaded: {jwks}: "), lines
        assert get("/claims", Authorization=token[1]).content == b'{"sub": "u-1"}'
        assert_refused(get("/claims", Authorization=token[0]))

        assert get("/keyed", **{"x-api-key": "key-one-0123456789abcd"}).status_code == 200
        assert get("/keyed", **{"x-api-key": "key-two-0123456789abcd"}).status_code == 403
        lines = change(log.name, csv, csv.read_text() + "two,key-two-0123456789abcd,true,p\n")
        assert lines[-1].startswith(f"reloaded: {csv}: "), lines
        assert get("/keyed", **{"x-api-key": "key-two-0123456789abcd"}).status_code == 200
    finally:
        stop(proc)
        log.close()
        os.unlink(log.name)
        shutil.rmtree(os.path.join(ROOT, "build", "run", str(port)), ignore_errors=True)
    assert proc.returncode == 0
