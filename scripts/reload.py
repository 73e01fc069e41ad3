"""`make run` while it serves: watches its input files and applies a change to the running Envoy
without a restart (README: "Changes while it serves").

The filter's configuration (and jwt_authn's, ahead of it, for Cognito user pools) reaches Envoy
through extension config discovery (ECDS) and the clusters through cluster discovery (CDS), all from
files in the run's directory (`scripts/apigw.py`: `watched_envoy_config`). A change is generated
again, checked by `apigw-check` (the code the filter runs in `on_configure`), and only then written,
clusters first, by rename. Envoy builds the new
filter configuration beside the old one: connections stay open, requests under way finish with the
configuration they started with, and a configuration the filter refuses leaves the old one serving."""

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

import apigw

# How often the inputs are looked at, and how long a change must hold still before it is read
# (an editor's save may be several writes, or a delete and a create).
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.05
SETTLE_ROUNDS = 10
# How long Envoy may take to take a written file up before make run says so.
APPLY_TIMEOUT_SECONDS = 10

CDS_STATS = "cluster_manager.cds"
# The ECDS names of the filters make run's Envoy discovers.
JWT_AUTHN = "cognito"
JWT_AUTHN_TYPE = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"


def ecds_stats(name):
    return f"extension_config_discovery.http_filter.{name}"


def signature(path):
    """What changes when a file is saved in place (size, mtime) or by rename (the inode); None
    when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Watcher:
    """Polls the files `make run` reads; `changes()` names those that changed since the last call."""

    def __init__(self, paths):
        self.paths = list(dict.fromkeys(paths))
        self.seen = {p: signature(p) for p in self.paths}

    def changes(self):
        now = {p: signature(p) for p in self.paths}
        if now == self.seen:
            return []
        for _ in range(SETTLE_ROUNDS):
            time.sleep(SETTLE_SECONDS)
            again = {p: signature(p) for p in self.paths}
            # Missing or empty is what a save in progress looks like (an editor's delete and
            # create, or a rewrite in place between its truncation and its write): wait it out.
            if again == now and all(sig and sig[1] for sig in again.values()):
                break
            now = again
        changed = [p for p in self.paths if now[p] != self.seen[p]]
        self.seen = now
        return changed

    def still(self):
        """Whether the files are as `changes()` last saw them (not saved again since)."""
        return all(signature(p) == self.seen[p] for p in self.paths)


class Files:
    """The generated files of one run (`build/run/<PORT>/` unless --out says otherwise)."""

    def __init__(self, out):
        self.out = os.path.abspath(out)
        self.plugin_config = os.path.join(self.out, "plugin-config.json")
        self.candidate = os.path.join(self.out, "plugin-config.next.json")
        self.envoy = os.path.join(self.out, "envoy.json")
        self.filter = os.path.join(self.out, "filter.json")
        self.jwt_authn = os.path.join(self.out, "jwt-authn.json")
        self.clusters = os.path.join(self.out, "clusters.json")


def check(checker, path):
    """Runs apigw-check on a plugin configuration file: (ok, the lines it printed)."""
    r = subprocess.run([checker, path], capture_output=True, text=True)
    return r.returncode == 0, [line for line in r.stderr.splitlines() if line.strip()]


def stats(admin_port, prefix):
    """Envoy's counters under `prefix` (admin `/stats`), {} when the admin does not answer."""
    url = f"http://127.0.0.1:{admin_port}/stats?filter=^{prefix}\\."
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(": ")
        if value.strip().isdigit():
            out[name[len(prefix) + 1:]] = int(value)
    return out


def wait_applied(admin_port, prefix, before):
    """Waits until Envoy took up a file its subscription `prefix` reads: "applied", "rejected" or
    "timeout"."""
    deadline = time.time() + APPLY_TIMEOUT_SECONDS
    while time.time() < deadline:
        now = stats(admin_port, prefix)
        if now.get("update_rejected", 0) > before.get("update_rejected", 0):
            return "rejected"
        if now.get("update_success", 0) > before.get("update_success", 0):
            return "applied"
        time.sleep(0.02)
    return "timeout"


def wait_warm(admin_port):
    """New clusters warm up (a DNS answer) before the filter names them."""
    deadline = time.time() + APPLY_TIMEOUT_SECONDS
    while time.time() < deadline and stats(admin_port, "cluster_manager").get("warming_clusters", 0):
        time.sleep(0.02)


def say(line, err=False):
    print(line, file=sys.stderr if err else sys.stdout, flush=True)


class Served:
    """What the running Envoy serves, and how a change replaces it. `generate()` returns (plugin
    config, clusters, HTTP filters ahead of the wasm filter) from the inputs as they are now, or
    raises apigw.DefinitionError."""

    def __init__(self, files, generate, wasm, checker, admin_port):
        self.files, self.generate, self.wasm, self.checker = files, generate, wasm, checker
        self.admin_port = admin_port
        self.version = 1
        self.served = None
        # Whether Envoy's chain has jwt_authn (Cognito user pools at start): fixed while it runs.
        self.jwt_slot = False

    def wasm_filter(self, cfg):
        return apigw.wasm_filter(self.wasm, json.dumps(cfg))

    def write_initial(self, cfg, clusters, before):
        """The first configuration, before Envoy starts (already checked)."""
        self.served, self.jwt_slot = (cfg, clusters, before), bool(before)
        apigw.write_atomically(self.files.clusters, apigw.cluster_config(clusters, self.version))
        if before:
            apigw.write_atomically(self.files.jwt_authn, apigw.extension_config(JWT_AUTHN, before[0], self.version))
        apigw.write_atomically(self.files.filter,
                               apigw.extension_config(apigw.FILTER_NAME, self.wasm_filter(cfg), self.version))

    def filters(self):
        """The discovered HTTP filters of Envoy's chain, in order."""
        jwt = [apigw.discovered_filter(JWT_AUTHN, self.files.jwt_authn, JWT_AUTHN_TYPE)] if self.jwt_slot else []
        return jwt + [apigw.discovered_filter(apigw.FILTER_NAME, self.files.filter, apigw.WASM_TYPE)]

    def apply(self, changed, still=lambda: True):
        """Generates, checks and applies the configuration after `changed` files changed; says what
        happened in one line (`reloaded: ...`, or the error and `refused: ...`). When `still()` says
        the files were saved again while they were read, nothing is said: what was read may be
        half a save, and the next look applies the whole one."""
        names = ", ".join(changed)
        try:
            generated = self.generate()
        except Exception as e:  # noqa: BLE001 (a save the generator trips on must not stop the server)
            if still():
                say(f"error: {e}" if isinstance(e, apigw.DefinitionError) else
                    f"error: cannot generate a configuration from it: {type(e).__name__}: {e}", err=True)
                self.refused(names)
            return None
        if not still():
            return None
        if generated == self.served:
            return say(f"unchanged: {names}: the configuration is the same")
        cfg, clusters, before = generated
        if before and not self.jwt_slot:
            say("error: the definition now names Cognito user pools: Envoy's jwt_authn filter is only added "
                "at start (Ctrl-C and make run again)", err=True)
            return self.refused(names)
        apigw.write_atomically(self.files.candidate, cfg)
        ok, lines = check(self.checker, self.files.candidate)
        if not ok:
            for line in lines:
                say(line, err=True)
            os.remove(self.files.candidate)
            return self.refused(names)
        outcome = self.push(cfg, clusters, before)
        if outcome != "applied":
            os.remove(self.files.candidate)
            say(f"error: Envoy {'refused' if outcome == 'rejected' else 'did not confirm'} the change (see its log)",
                err=True)
            return self.refused(names)
        os.replace(self.files.candidate, self.files.plugin_config)
        self.served = generated
        for line in lines:
            if not line.startswith("ok: "):
                say(line)
        summary = "; ".join(line[len("ok: "):] for line in lines if line.startswith("ok: "))
        return say(f"reloaded: {names}: {summary}")

    def push(self, cfg, clusters, before):
        """Writes what changed, each once Envoy took up the one before: the clusters, jwt_authn (no
        user pools left: one with no provider, which lets every request through), the filter.
        "applied", "rejected" or "timeout"."""
        version = self.version + 1
        _, old_clusters, old_before = self.served
        steps = []
        if clusters != old_clusters:
            steps.append((CDS_STATS, self.files.clusters, apigw.cluster_config(clusters, version)))
        if self.jwt_slot and before != old_before:
            jwt = before[0] if before else apigw.jwt_authn([])[0]
            steps.append((ecds_stats(JWT_AUTHN), self.files.jwt_authn, apigw.extension_config(JWT_AUTHN, jwt, version)))
        steps.append((ecds_stats(apigw.FILTER_NAME), self.files.filter,
                      apigw.extension_config(apigw.FILTER_NAME, self.wasm_filter(cfg), version)))
        self.version = version
        for prefix, path, content in steps:
            before_stats = stats(self.admin_port, prefix)
            apigw.write_atomically(path, content)
            outcome = wait_applied(self.admin_port, prefix, before_stats)
            if outcome != "applied":
                return outcome
            if prefix == CDS_STATS:
                wait_warm(self.admin_port)
        return "applied"

    @staticmethod
    def refused(names):
        say(f"refused: {names}: still serving the previous configuration", err=True)


# An execution trace line in Envoy's log (README: "Execution trace"): Envoy's prefix, then the
# filter's line, which starts with the request id in parentheses.
TRACE_LINE = re.compile(r"\]\[info\]\[wasm\] \[[^\]]*\] wasm log [^:]*: (\([0-9a-f-]{36}\) .*)$")


def relay_trace(stream, out=sys.stdout, err=sys.stderr):
    """Envoy's log, line by line: the execution trace lines, without Envoy's prefix, to `out`;
    every other line unchanged to `err`, where Envoy writes it."""
    for line in iter(stream.readline, ""):
        m = TRACE_LINE.search(line.rstrip("\n"))
        if m:
            out.write(m.group(1) + "\n")
            out.flush()
        else:
            err.write(line)
            err.flush()


def serve(envoy_args, watcher, served, trace_to_stdout=False):
    """Runs Envoy in the foreground, applying changes of the watched files; returns Envoy's exit
    code, or 0 after Ctrl-C (Envoy, in the same process group, gets the SIGINT too). With
    `trace_to_stdout`, the execution trace goes to standard output ([`relay_trace`])."""
    if trace_to_stdout:
        envoy = subprocess.Popen(envoy_args, stderr=subprocess.PIPE, text=True, errors="replace")
        threading.Thread(target=relay_trace, args=(envoy.stderr,), daemon=True).start()
    else:
        envoy = subprocess.Popen(envoy_args)
    try:
        while True:
            try:
                return envoy.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
            changed = watcher.changes()
            if changed:
                served.apply(changed, watcher.still)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(envoy)


def stop(proc):
    """Waits for Envoy to exit (after Ctrl-C it got the SIGINT too), then terminates, then kills it."""
    for wait, then in ((2, proc.terminate), (10, proc.kill), (10, None)):
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            if then:
                then()
        except KeyboardInterrupt:
            if then:
                then()
