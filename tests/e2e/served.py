"""A gateway started the way a person starts it (`make run ...` or scripts/run.py), its output in a
temporary file, stopped with Ctrl-C as in a terminal: the process helper the `make run` tests share."""

import os
import shutil
import signal
import subprocess
import tempfile

from conftest import ROOT


class Served:
    """`args` run in the repository in a session of their own (Ctrl-C reaches make, run.py, Envoy and
    the local services, never pytest); `port` names the run's generated files (build/run/<port>)."""

    def __init__(self, args, port, env=None, prefix="make-run-"):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix=prefix, suffix=".log", delete=False)
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def output(self):
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        """Ctrl-C, then SIGKILL after 20 s; the log and the generated files go."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()
        if os.path.exists(self.log.name):
            os.unlink(self.log.name)
        shutil.rmtree(os.path.join(ROOT, "build", "run", str(self.port)), ignore_errors=True)
