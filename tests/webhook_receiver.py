"""A real HTTP receiver on loopback for the webhook tests: it answers each POST with the next
status of its script (the last one repeats), can be slow, and keeps what it got."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, *statuses: int, delay: float = 0.0, location: str = ""):
        self.statuses = list(statuses) or [200]
        self.delay = delay
        self.location = location
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else (
                    receiver.statuses[0])  # fmt: skip
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, *statuses: int) -> None:
        self.statuses = list(statuses)

    def headers(self, index: int = -1) -> dict:
        return self.requests[index][0]

    def body(self, index: int = -1) -> dict:
        return json.loads(self.requests[index][1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature(secret: str, body: bytes) -> str:
    """What a receiver computes to check `X-Tracker-Signature`, written out independently."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
