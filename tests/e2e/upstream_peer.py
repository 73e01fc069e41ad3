"""A small, deliberately misbehaving upstream for the end-to-end tests: a raw socket server that
stands in for an HTTP backend, an AWS service endpoint or the Lambda Invoke API, records every
request exactly as it arrived (head bytes and body), and answers according to the first keyword
found in the request path:

    peer-ok          200, `content-type: application/json`, body `{"statusCode": 200, "body": "ok"}`
                     (valid as an HTTP answer, an AWS answer and a Lambda proxy answer alike)
    peer-close       reads the request, closes the connection without a byte
    peer-reset       reads the request, resets the connection (RST: SO_LINGER 0)
    peer-sleep       sleeps 3 s, then answers like peer-ok
    peer-garbage     answers bytes that are not HTTP, then closes
    peer-badlength   answers `HTTP/1.1 200 OK` with `Content-Length: abc`
    peer-own502      a real 502 of its own whose body is Envoy's protocol-error text word for word,
                     with only `content-type` and `content-length` (what an Envoy-made answer has)

Test hooks (plain HTTP on the same port): `GET /_recorded` returns the requests so far as JSON
(`[{"head": "...", "body": "..."}]`, the head with its original casing and order), `DELETE
/_recorded` clears them. Usage: `python upstream_peer.py --port N` (prints `ready`)."""

import argparse
import json
import socket
import struct
import sys
import threading
import time

OK_BODY = b'{"statusCode": 200, "body": "ok"}'
ENVOY_PROTOCOL_ERROR = (b"upstream connect error or disconnect/reset before headers. "
                        b"reset reason: protocol error")
MODES = ("peer-ok", "peer-close", "peer-reset", "peer-sleep", "peer-garbage", "peer-badlength", "peer-own502")

recorded = []
lock = threading.Lock()


def read_request(conn):
    """The head (bytes, up to the blank line) and the body (Content-Length or chunked)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    headers = [line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line]
    fields = {k.strip().lower(): v.strip() for k, v in headers}
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
        body, buf = b"", rest
        while True:
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body, buf = body + buf[:size], buf[size + 2:]
        return head, body
    length = int(fields.get(b"content-length", b"0") or b"0")
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head, rest[:length]


def answer(conn, status, reason, body, content_type=b"application/json"):
    conn.sendall(b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n%s"
                 % (status, reason, content_type, len(body), body))


def serve(conn):
    with conn:
        while True:
            head, body = read_request(conn)
            if head is None:
                return
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1") if b" " in head else ""
            if target.startswith("/_recorded"):
                if head.startswith(b"DELETE"):
                    with lock:
                        recorded.clear()
                    answer(conn, 200, b"OK", b"[]")
                else:
                    with lock:
                        doc = json.dumps(recorded).encode()
                    answer(conn, 200, b"OK", doc)
                continue
            with lock:
                recorded.append({"head": head.decode("latin-1"), "body": body.decode("latin-1")})
            mode = next((m for m in MODES if m in target), "peer-ok")
            if mode == "peer-close":
                return
            if mode == "peer-reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if mode == "peer-garbage":
                conn.sendall(b"this is not HTTP at all\r\n\r\n")
                return
            if mode == "peer-badlength":
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: abc\r\n\r\n{}")
                return
            if mode == "peer-own502":
                answer(conn, 502, b"Bad Gateway", ENVOY_PROTOCOL_ERROR, b"text/plain")
                continue
            if mode == "peer-sleep":
                time.sleep(3)
            answer(conn, 200, b"OK", OK_BODY)


class UpstreamPeer:
    """This script on a free port, for a test module: `url`, `recorded()`, `clear()`, `stop()`."""

    def __init__(self):
        import subprocess  # noqa: PLC0415

        from conftest import free_port  # noqa: PLC0415

        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, __file__, "--port", str(self.port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"upstream peer did not start: {line!r}")
        self.url = f"http://127.0.0.1:{self.port}"
        self.authority = f"127.0.0.1:{self.port}"

    def recorded(self):
        """The requests so far, each as (head lines, body), and clears them."""
        import requests  # noqa: PLC0415

        out = [(r["head"].split("\r\n"), r["body"]) for r in requests.get(self.url + "/_recorded", timeout=5).json()]
        requests.delete(self.url + "/_recorded", timeout=5)
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    port = ap.parse_args().port
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
