"""A real HTTP webhook receiver for tests: a threaded local server that checks each delivery's signature and
counts alerts by `Idempotency-Key`, as a careful receiver would (at-least-once delivery, deduplicated)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

from app.rwa.alerts.signing import verify


@dataclass
class Receiver:
    secret: str = ""
    fail_first: int = 0  # answer 503 to this many requests
    hang_first: int = 0  # hold this many requests open without answering until `release`
    requests: list[dict[str, object]] = field(default_factory=list)  # every attempt, as received
    seen: Counter[str] = field(default_factory=Counter)  # attempts per key
    accepted: dict[str, dict[str, object]] = field(default_factory=dict)  # alerts processed once, by key
    bad_signatures: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, bool]:
        """(status to answer, whether to hang first)."""
        key = headers.get("idempotency-key", "")
        with self.lock:
            n = len(self.requests)
            self.requests.append({"headers": headers, "body": body})
            self.seen[key] += 1
            ok = verify(
                self.secret,
                headers.get("x-aurigraph-timestamp", ""),
                body,
                headers.get("x-aurigraph-signature", ""),
            )
            if not ok:
                self.bad_signatures += 1
                return 401, False
            if n < self.hang_first:
                return 200, True
            if n < self.hang_first + self.fail_first:
                return 503, False
            self.accepted.setdefault(key, orjson.loads(body))  # dedup: a repeat is acknowledged, not redone
        self.arrived.set()
        return 200, False


def start_receiver(receiver: Receiver) -> Receiver:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            status, hang = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            if hang:
                receiver.release.wait(60)
                self.close_connection = True
                return  # never answered: the sender crashed meanwhile
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    receiver.release.set()
    if receiver.server is not None:
        receiver.server.shutdown()
        receiver.server.server_close()


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")
