"""A small rate limit service speaking Envoy's RLS gRPC protocol
(`envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit`, grpcio), for the filter's global
mode (README: "Throttling"). The proto (tests/e2e/rls/rls.proto) is compiled at start with
grpc_tools. Each descriptor names its counter and carries its limit, as the filter writes them:
`apigw_throttle` descriptors are token buckets (`rate`, `burst`), `apigw_quota` ones count up to
`limit` (per process lifetime here: the tests do not cross a period). One lock for all counters:
every replica's requests are decided in one place. Every request is recorded."""

import importlib
import math
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

    # RateLimitResponse.RateLimit.Unit of a quota's period (WEEK is 7 in Envoy's newer protos).
    UNITS = {"DAY": 4, "WEEK": 7, "MONTH": 5}

    def _take(self, entries, now):
        """(admitted, requests per unit, unit, requests remaining) for one descriptor."""
        if "apigw_throttle" in entries:
            key, rate, burst = entries["apigw_throttle"], float(entries["rate"]), float(entries["burst"])
            tokens, at = self.buckets.get(key, (burst, now))
            tokens = min(burst, tokens + rate * (now - at))
            admitted = tokens >= 1
            self.buckets[key] = (tokens - 1 if admitted else tokens, now)
            return admitted, math.ceil(rate), 1, max(0, int(tokens - 1))
        if "apigw_quota" in entries:
            key, limit = entries["apigw_quota"], int(entries["limit"])
            used = self.counts.get(key, 0)
            admitted = used < limit
            if admitted:
                self.counts[key] = used = used + 1
            return admitted, limit, self.UNITS.get(entries.get("period"), 4), limit - used
        return True, 0, 0, 0

    def ShouldRateLimit(self, request, context):  # noqa: N802 (the gRPC method's name)
        """Each status carries its current limit and what remains, as Envoy's own ratelimit service
        does: Envoy's ratelimit filter writes x-ratelimit-limit from them."""
        Response = self.pb2.RateLimitResponse
        statuses = []
        with self.lock:
            now = time.monotonic()
            self.requests.append(request)
            for d in request.descriptors:
                entries = {e.key: e.value for e in d.entries}
                admitted, per_unit, unit, remaining = self._take(entries, now)
                statuses.append(Response.DescriptorStatus(
                    code=Response.OK if admitted else Response.OVER_LIMIT,
                    current_limit=Response.RateLimit(requests_per_unit=per_unit, unit=unit) if unit else None,
                    limit_remaining=remaining))
        over = any(s.code == Response.OVER_LIMIT for s in statuses)
        return Response(overall_code=Response.OVER_LIMIT if over else Response.OK, statuses=statuses)

    def recorded(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.server.stop(grace=None)
