"""A tiny HTTP app for the cluster stand-in's tests.

`/` answers JSON {"version": $VERSION, "pod": hostname}; `/healthz` is 200, or 503 when
READY=0; `/metrics` is Prometheus text counting the requests served, by status.
"""

import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("VERSION", "v0")
READY = os.environ.get("READY", "1") != "0"
PORT = int(os.environ.get("PORT", "8080"))
COUNTS: dict[int, int] = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: str, ctype: str = "application/json") -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200 if READY else 503, "ok" if READY else "not ready", "text/plain")
            return
        if path == "/metrics":
            with LOCK:
                lines = [
                    "# HELP app_requests_total Requests served, by status.",
                    "# TYPE app_requests_total counter",
                    *(f'app_requests_total{{status="{s}"}} {n}' for s, n in sorted(COUNTS.items())),
                    f'app_info{{version="{VERSION}"}} 1',
                ]
            self._send(200, "\n".join(lines) + "\n", "text/plain; version=0.0.4")
            return
        code = 200 if path in ("/", "/predict") else 404
        with LOCK:
            COUNTS[code] = COUNTS.get(code, 0) + 1
        self._send(
            code, json.dumps({"version": VERSION, "pod": socket.gethostname(), "path": path})
        )


if __name__ == "__main__":
    # as PID 1 SIGTERM is ignored unless handled: exit at once, as a well-behaved server does
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
