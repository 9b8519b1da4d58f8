"""eth_newFilter / eth_newBlockFilter / eth_getFilterChanges: polling filters kept in memory.

A filter remembers the last block it reported; changes are read from the committed blocks after it, so
nothing is pushed while mining and an unused filter costs nothing. Idle filters expire (geth: 5 min).
JSON-RPC runs on several threads: the registry takes its own lock, so two polls of one filter never
report the same blocks twice."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from app.evm.errors import InvalidParams

IDLE_TIMEOUT_S = 300.0


@dataclass(slots=True)
class Filter:
    kind: str  # "logs" | "blocks"
    last_block: int  # last block already reported
    criteria: object = None
    touched: float = field(default_factory=time.monotonic)


class FilterRegistry:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._filters: dict[str, Filter] = {}
        self._lock = threading.Lock()

    def add(self, f: Filter) -> str:
        with self._lock:
            self._expire()
            if len(self._filters) >= self.limit:
                raise InvalidParams(f"too many filters installed (limit {self.limit}); uninstall some first")
            fid = "0x" + secrets.token_hex(16)
            self._filters[fid] = f
            return fid

    def get(self, fid: object) -> Filter:
        with self._lock:
            return self._get(fid)

    def advance(self, fid: object, head: int) -> tuple[Filter, int]:
        """The filter and the first block it has not reported yet; it now counts as having seen ``head``."""
        with self._lock:
            f = self._get(fid)
            start, f.last_block = f.last_block + 1, head
            return f, start

    def remove(self, fid: object) -> bool:
        with self._lock:
            return self._filters.pop(fid, None) is not None if isinstance(fid, str) else False

    def reset_to(self, head: int) -> None:
        """After evm_revert: no filter may point past the new head."""
        with self._lock:
            for f in self._filters.values():
                f.last_block = min(f.last_block, head)

    def _get(self, fid: object) -> Filter:
        self._expire()
        f = self._filters.get(fid) if isinstance(fid, str) else None
        if f is None:
            raise InvalidParams("filter not found")
        f.touched = time.monotonic()
        return f

    def _expire(self) -> None:
        now = time.monotonic()
        for fid in [k for k, f in self._filters.items() if now - f.touched > IDLE_TIMEOUT_S]:
            del self._filters[fid]
