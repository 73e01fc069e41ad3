"""A small rate limit service speaking Envoy's RLS gRPC protocol
(`envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`, grpcio), for the filter's global
mode (README: "Throttling"). The proto (tests/e2e/rls/rls.proto) is compiled at start with
grpc_tools. Each descriptor names its counter and carries its limit, as the filter writes them:
`apigw_throttle` descriptors are token buckets (`rate`, `burst`), `apigw_quota` ones count up to
`limit` (per process lifetime here: the tests do not cross a period). One lock for all counters:
every replica's requests are decided in one place. Every request is recorded."""

import importlib
import os
import sys
import tempfile
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))


def compile_proto():
    """rls_pb2 and rls_pb2_grpc, generated from rls/rls.proto into a temporary directory."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="apigw-rls-proto-")
    status = protoc.main(["protoc", f"-I{os.path.join(HERE, 'rls')}", f"--python_out={out}",
                          f"--grpc_python_out={out}", os.path.join(HERE, "rls", "rls.proto")])
    if status != 0:
        raise RuntimeError(f"protoc failed with {status}")
    sys.path.insert(0, out)
    return importlib.import_module("rls_pb2"), importlib.import_module("rls_pb2_grpc")


class RateLimitService:
    """Starts serving on 127.0.0.1 (a free port) at once; `stop()` ends it."""

    def __init__(self):
        import grpc

        self.pb2, pb2_grpc = compile_proto()
        self.lock = threading.Lock()
        self.buckets = {}
        self.counts = {}
        self.requests = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        pb2_grpc.add_RateLimitServiceServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.address = f"127.0.0.1:{self.port}"

    def _take(self, entries, now):
        if "apigw_throttle" in entries:
            key, rate, burst = entries["apigw_throttle"], float(entries["rate"]), float(entries["burst"])
            tokens, at = self.buckets.get(key, (burst, now))
            tokens = min(burst, tokens + rate * (now - at))
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                return False
            self.buckets[key] = (tokens - 1, now)
            return True
        if "apigw_quota" in entries:
            key = entries["apigw_quota"]
            used = self.counts.get(key, 0)
            if used >= int(entries["limit"]):
                return False
            self.counts[key] = used + 1
            return True
        return True

    def ShouldRateLimit(self, request, context):  # noqa: N802 (the gRPC method's name)
        codes = []
        with self.lock:
            now = time.monotonic()
            self.requests.append(request)
            for d in request.descriptors:
                entries = {e.key: e.value for e in d.entries}
                codes.append(self.pb2.RateLimitResponse.OK if self._take(entries, now)
                             else self.pb2.RateLimitResponse.OVER_LIMIT)
        over = any(c == self.pb2.RateLimitResponse.OVER_LIMIT for c in codes)
        return self.pb2.RateLimitResponse(
            overall_code=self.pb2.RateLimitResponse.OVER_LIMIT if over else self.pb2.RateLimitResponse.OK,
            statuses=[self.pb2.RateLimitResponse.DescriptorStatus(code=c) for c in codes])

    def recorded(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.server.stop(grace=None)
