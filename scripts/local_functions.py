"""The functions of a SAM/CloudFormation template, run locally for scripts/local_lambda.py (README:
"From `sam local start-api`"): each in processes of its runtime (scripts/runtimes/: Python under
this interpreter, Node.js under `node`), with the template's environment variables and timeout.

`Functions(table_path, region)` reads the table `make run` writes (scripts/sam.py
`function_table`: name -> runtime, codeDir or inlineCode, handler, environment, timeout, memory,
problem) and reads it again when it changes. `invoke(name, event, arn, request_id)` returns
(payload bytes, function error?) as the Invoke API answers: a worker process runs one invocation at
a time (another starts when all are busy, as Lambda scales out); at the timeout it is killed and the
answer is Lambda's `Sandbox.Timedout` error. A worker whose code directory changed since it started
is replaced, so a saved handler is the one the next request runs."""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIMES = {"python": [sys.executable, os.path.join(HERE, "runtimes", "python_runtime.py")],
            "nodejs": ["node", os.path.join(HERE, "runtimes", "node_runtime.js")]}
SKIP_DIRS = {"node_modules", "__pycache__", ".git", ".aws-sam", ".venv"}
# How often a code directory is looked at for changes (each request at most this often).
CODE_CHECK_SECONDS = 0.3
# What a worker may see of make run's environment, besides what Lambda sets and the template's.
PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class Unavailable(Exception):
    """The function cannot run here (its runtime, its code): the Invoke API does not answer."""


def fingerprint(directory):
    """What changes when a file under `directory` is saved (dependencies' directories skipped)."""
    newest, count = 0, 0
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for f in files:
            try:
                newest = max(newest, os.stat(os.path.join(root, f)).st_mtime_ns)
                count += 1
            except OSError:
                pass
    return (newest, count)


class Worker:
    def __init__(self, spec, region, stamp):
        self.stamp = stamp
        runtime = next(k for k in RUNTIMES if spec["runtime"].startswith(k))
        root = spec.get("codeDir") or inline_dir(spec, runtime)
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update({k: v for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL")})
        env.update({
            "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "TZ": "UTC",
            "AWS_LAMBDA_FUNCTION_NAME": spec["name"], "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec["memory"]), "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec["timeout"]),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec['name']}", "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec['runtime']}", "LAMBDA_TASK_ROOT": root,
            "LAMBDA_RUNTIME_DIR": os.path.join(HERE, "runtimes"), "_HANDLER": spec["handler"],
        })
        env.update({k: str(v) for k, v in spec["environment"].items()})
        read, write = os.pipe()
        self.proc = subprocess.Popen(RUNTIMES[runtime], cwd=root, env=env, stdin=subprocess.PIPE,
                                     pass_fds=(write, 3) if write != 3 else (3,), start_new_session=True,
                                     preexec_fn=lambda: os.dup2(write, 3))
        os.close(write)
        self.out, self.buffer = read, b""

    def call(self, request, timeout):
        """The answer (a dict), or None at the timeout or when the process ended."""
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            return None
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.out], [], [], left)[0]:
                return None
            chunk = os.read(self.out, 1 << 16)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self):
        try:
            os.killpg(self.proc.pid, 9)
        except OSError:
            pass
        self.proc.wait()
        os.close(self.out)


INLINE_DIRS = {}


def inline_dir(spec, runtime):
    """A directory holding a function's InlineCode as its handler's file."""
    key = (spec["name"], spec["inlineCode"])
    if key not in INLINE_DIRS:
        d = tempfile.mkdtemp(prefix="inline-")
        module = spec["handler"].rpartition(".")[0]
        with open(os.path.join(d, module + (".py" if runtime == "python" else ".js")), "w", encoding="utf-8") as f:
            f.write(spec["inlineCode"])
        INLINE_DIRS[key] = d
    return INLINE_DIRS[key]


class Functions:
    def __init__(self, table_path, region):
        self.path, self.region = table_path, region or "us-east-1"
        self.lock = threading.Lock()
        self.table, self.table_sig = {}, None
        self.idle = {}  # name -> [Worker]
        self.stamps = {}  # name -> (spec, fingerprint, checked at)

    def spec(self, name):
        """The function's entry in the table (read again when the file changed), or None."""
        with self.lock:
            try:
                st = os.stat(self.path)
                sig = (st.st_ino, st.st_size, st.st_mtime_ns)
            except OSError:
                sig = None
            if sig != self.table_sig:
                try:
                    with open(self.path, encoding="utf-8") as f:
                        self.table = json.load(f)
                    self.table_sig = sig
                except (OSError, ValueError):
                    pass  # a save under way: the previous table until it is whole
            return self.table.get(name)

    def stamp(self, spec):
        """What a worker must have been started from to serve `spec` now."""
        key = json.dumps(spec, sort_keys=True)
        with self.lock:
            known = self.stamps.get(spec["name"])
            if known and known[0] == key and time.monotonic() - known[2] < CODE_CHECK_SECONDS:
                return known[0], known[1]
        prints = fingerprint(spec["codeDir"]) if spec.get("codeDir") else None
        with self.lock:
            self.stamps[spec["name"]] = (key, prints, time.monotonic())
        return key, prints

    def acquire(self, spec):
        stamp = self.stamp(spec)
        stale = []
        with self.lock:
            idle = self.idle.setdefault(spec["name"], [])
            worker = None
            while idle and worker is None:
                w = idle.pop()
                if w.stamp == stamp and w.proc.poll() is None:
                    worker = w
                else:
                    stale.append(w)
        for w in stale:
            w.stop()
        return worker or Worker(spec, self.region, stamp)

    def invoke(self, name, event, arn, request_id):
        """(payload, failed) for one invocation; raises Unavailable, or KeyError for an unknown name."""
        spec = self.spec(name)
        if spec is None:
            raise KeyError(name)
        if spec.get("problem"):
            raise Unavailable(spec["problem"])
        worker = self.acquire(spec)
        context = {"functionName": spec["name"], "functionVersion": "$LATEST", "invokedFunctionArn": arn,
                   "memoryLimitInMB": str(spec["memory"]), "awsRequestId": request_id,
                   "logGroupName": f"/aws/lambda/{spec['name']}", "logStreamName": "local",
                   "deadlineMs": time.time() * 1000 + spec["timeout"] * 1000}
        answer = worker.call({"event": event, "context": context}, spec["timeout"])
        if answer is None:
            timed_out = worker.proc.poll() is None
            worker.stop()
            if timed_out:
                return json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} "
                                   f"Error: Task timed out after {spec['timeout']:.2f} seconds"}).encode(), True
            return json.dumps({"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} "
                               f"Error: Runtime exited with error: exit status {worker.proc.returncode}"}).encode(), True
        with self.lock:
            self.idle.setdefault(spec["name"], []).append(worker)
        if "error" in answer:
            return json.dumps(answer["error"]).encode(), True
        return json.dumps(answer["result"]).encode(), False

    def close(self):
        with self.lock:
            workers = [w for ws in self.idle.values() for w in ws]
            self.idle.clear()
        for w in workers:
            w.stop()
        for d in INLINE_DIRS.values():
            shutil.rmtree(d, ignore_errors=True)
