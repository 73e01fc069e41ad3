"""A bounded loopback load generator for the throttling tests: threads, each on its own keep-alive
HTTP/1.1 connection, send requests back to back for a fixed time and keep every answer.

Bounded twice: by time (`seconds`) and by the threads' own pace (each waits for its answer), so
the offered load is what one Python process can send on this machine (a few thousand per second
on two cores), well above the rates the tests configure."""

import http.client
import threading
import time


class Answer:
    __slots__ = ("status", "headers", "body", "path", "port")

    def __init__(self, port, path, response):
        self.port = port
        self.path = path
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.body = response.read()


def hammer(port, paths, seconds=3.0, connections=16):
    """Sends GET requests to each of `paths` (round robin per connection; an item may be a tuple
    (label, path, headers): the answers carry the label as their path) on `connections`
    connections to 127.0.0.1:`port` (a list of ports: the connections spread over them) for
    `seconds`; returns (elapsed seconds, answers)."""
    ports = port if isinstance(port, (list, tuple)) else [port]
    answers = []
    lock = threading.Lock()
    start = threading.Event()
    deadline = [0.0]

    def worker(n):
        port = ports[n % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        i = n
        start.wait()
        while time.monotonic() < deadline[0]:
            item = paths[i % len(paths)]
            label, path, headers = item if isinstance(item, tuple) else (item, item, {})
            i += 1
            try:
                conn.request("GET", path, headers=headers)
                mine.append(Answer(port, label, conn.getresponse()))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.close()
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.set()
    for t in threads:
        t.join()
    return time.monotonic() - began, answers
