"""10 MB bodies streamed through HTTP_PROXY: Envoy's RSS and the wasm linear memories before and
after."""

import http.client
import http.server
import json
import threading
import time

from .common import BenchError, Envoy, apigw, envoy_config, free_port, median
from .memory import wasm_memories
from .proxied import proxied_definition, proxied_gateway
STREAM_MB = 10
STREAM_POSTS = 20


class _Sink(http.server.BaseHTTPRequestHandler):
    """Reads the request body in 1 MiB pieces, discards it, answers {"received": n}."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_POST(self):  # noqa: N802 (http.server's naming)
        n = 0
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                n += self._discard(size)
                self.rfile.readline()
        else:
            n = self._discard(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"received": n}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _discard(self, size):
        got = 0
        while got < size:
            piece = self.rfile.read(min(1 << 20, size - got))
            if not piece:
                break
            got += len(piece)
        return got


def streaming(args, wasm):
    """POSTs STREAM_MB MB through HTTP_PROXY to a backend that discards it, STREAM_POSTS times;
    Envoy's RSS and the wasm linear memories before, after the first and after the last."""
    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    backend_url = f"http://127.0.0.1:{sink.server_address[1]}"
    try:
        doc = proxied_definition(backend_url)
        gateway, clusters = proxied_gateway(wasm, doc, f"http://127.0.0.1:{free_port()}")
        port = free_port()
        listeners = [apigw.listener("gateway", port, [gateway], apigw.gateway_routes(), "127.0.0.1")]
        envoy = Envoy(args.envoy, envoy_config(listeners, clusters), name="stream").wait_ready()
        try:
            body = b"abcdefghij" * (STREAM_MB * 1024 * 1024 // 10)
            size = len(body)

            def post(data):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    t0 = time.time()
                    conn.request("POST", "/proxy/sink", body=data,
                                 headers={"Content-Type": "application/octet-stream"})
                    r = conn.getresponse()
                    got = r.read()
                    if r.status != 200 or json.loads(got).get("received") != len(data):
                        raise BenchError(f"streaming: POST {len(data)} bytes gave {r.status}: {got[:300]!r}")
                    return time.time() - t0
                finally:
                    conn.close()

            def sample():
                time.sleep(0.2)
                return {"rss": envoy.rss_kib(), "wasm": wasm_memories(envoy.pid)}

            for _ in range(3):  # small proxied requests first: connection pool, the VM's first allocations
                post(b'{"warm": true}')
            out = {"bytes": size, "posts": STREAM_POSTS, "before": sample()}
            times = [post(body)]
            out["after_1"] = sample()
            times += [post(body) for _ in range(STREAM_POSTS - 1)]
            out["after_all"] = sample()
            out["seconds"] = median(times)
            return out
        finally:
            envoy.stop()
    except (BenchError, OSError) as e:
        return {"error": str(e).splitlines()[0]}
    finally:
        sink.shutdown()
        sink.server_close()
