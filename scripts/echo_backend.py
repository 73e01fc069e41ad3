"""A threaded stdlib HTTP backend: the demo's (`make run`, docker-compose) and the one of the HTTP and
HTTP_PROXY end-to-end tests.

Every request is answered with JSON describing exactly what arrived:
    {"method": "POST", "path": "/a/b?x=1", "query": "x=1",
     "headers": [["Host", "127.0.0.1:9000"], ...],      # in arrival order, as sent
     "body": "...", "base64": false}                    # base64 true when the body is not UTF-8
and the header `X-Echo: 1`. Special paths (anywhere in the path, so a stage or base path may
precede them):
    /status/{code}   answers {code} with {"status": code, "path": ...}, and the headers
                     Set-Cookie (twice), Date, X-Backend, Server, WWW-Authenticate
    /slow/{ms}       sleeps {ms} milliseconds, then echoes
    /bytes/{n}       streams {n} bytes (`abcdefghij` repeated), content-type application/octet-stream
    /binary          answers the request body's bytes unchanged, content-type from `?type=`
                     (default image/png)
    /reply-headers   echoes, adding each `?set=Name:Value` as a response header (a Server or
                     Date given there replaces the backend's own)

Usage: python scripts/echo_backend.py --port N   (prints `ready` once listening)
"""

import argparse
import base64
import json
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

STATUS = re.compile(r"/status/(\d{3})(?:/|$|\?)")
SLOW = re.compile(r"/slow/(\d+)(?:/|$|\?)")
BYTES = re.compile(r"/bytes/(\d+)(?:/|$|\?)")
CHUNK = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EchoBackend/1"

    def log_message(self, *args):  # quiet
        pass

    def _body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline().strip()
                size = int(line.split(b";")[0] or b"0", 16)
                if size == 0:
                    # trailers until an empty line
                    while self.rfile.readline().strip():
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body, headers):
        # send_response_only: no automatic Server/Date, so each appears once, as listed here.
        self.send_response_only(status)
        names = {k.lower() for k, _ in headers}
        if "server" not in names:
            self.send_header("Server", self.version_string())
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _echo(self, body, extra=()):
        path = self.path
        query = path.split("?", 1)[1] if "?" in path else ""
        try:
            text, b64 = body.decode("utf-8"), False
        except UnicodeDecodeError:
            text, b64 = base64.b64encode(body).decode("ascii"), True
        doc = {
            "method": self.command,
            "path": path,
            "query": query,
            "headers": [[k, v] for k, v in self.headers.raw_items()],
            "body": text,
            "base64": b64,
        }
        out = json.dumps(doc).encode()
        self._send(200, out, [("Content-Type", "application/json"), ("X-Echo", "1"), *extra])

    def handle_any(self):
        body = self._body()
        path = self.path
        m = STATUS.search(path)
        if m:
            code = int(m.group(1))
            out = json.dumps({"status": code, "path": path}).encode()
            self._send(code, out, [
                ("Content-Type", "application/json"),
                ("Set-Cookie", "a=1; Path=/"),
                ("Set-Cookie", "b=2; Path=/"),
                ("Date", "Mon, 01 Jan 2024 00:00:00 GMT"),
                ("X-Backend", "echo"),
                ("WWW-Authenticate", "Basic realm=\"echo\""),
            ])
            return
        m = BYTES.search(path)
        if m:
            n = int(m.group(1))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            pattern = b"abcdefghij" * (CHUNK // 10 + 1)
            left = n
            while left > 0 and self.command != "HEAD":
                piece = pattern[: min(CHUNK, left)]
                self.wfile.write(piece)
                left -= len(piece)
            return
        if "/binary" in path.split("?", 1)[0]:
            q = path.split("?", 1)[1] if "?" in path else ""
            ctype = "image/png"
            for part in q.split("&"):
                if part.startswith("type="):
                    ctype = part[5:].replace("%2F", "/")
            self._send(200, body, [("Content-Type", ctype)])
            return
        if "/reply-headers" in path.split("?", 1)[0]:
            q = path.split("?", 1)[1] if "?" in path else ""
            extra = [tuple(v.split(":", 1)) for k, v in parse_qsl(q, keep_blank_values=True)
                     if k == "set" and ":" in v]
            self._echo(body, extra)
            return
        m = SLOW.search(path)
        if m:
            time.sleep(int(m.group(1)) / 1000.0)
        self._echo(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
