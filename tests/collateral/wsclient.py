"""Reading a TestClient WebSocket with a deadline (its receive blocks for ever), for stream tests."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

_pool = ThreadPoolExecutor(4, thread_name_prefix="ws-read")


class Reader:
    """One read in flight at a time: a read that timed out stays pending and yields the next message."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: Future[Any] | None = None

    def recv(self, timeout: float = 10.0) -> Any:
        if self.pending is None:
            self.pending = _pool.submit(self.ws.receive_json)
        message = self.pending.result(timeout)
        self.pending = None
        return message

    def nothing_within(self, seconds: float) -> bool:
        try:
            self.recv(seconds)
        except FutureTimeout:
            return True
        return False


def recv(ws: Any, timeout: float = 10.0) -> Any:
    return Reader(ws).recv(timeout)
