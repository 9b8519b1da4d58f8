"""eth_newFilter / eth_newBlockFilter / eth_getFilterChanges: polling filters kept in memory.

A filter remembers the last block it reported; changes are read from the committed blocks after it, so
nothing is pushed while mining and an unused filter costs nothing. Idle filters expire (geth: 5 min)."""

from __future__ import annotations

import secrets
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

    def add(self, f: Filter) -> str:
        self._expire()
        if len(self._filters) >= self.limit:
            raise InvalidParams(f"too many filters installed (limit {self.limit}); uninstall some first")
        fid = "0x" + secrets.token_hex(16)
        self._filters[fid] = f
        return fid

    def get(self, fid: object) -> Filter:
        self._expire()
        f = self._filters.get(fid) if isinstance(fid, str) else None
        if f is None:
            raise InvalidParams("filter not found")
        f.touched = time.monotonic()
        return f

    def remove(self, fid: object) -> bool:
        return self._filters.pop(fid, None) is not None if isinstance(fid, str) else False

    def reset_to(self, head: int) -> None:
        """After evm_revert: no filter may point past the new head."""
        for f in self._filters.values():
            f.last_block = min(f.last_block, head)

    def _expire(self) -> None:
        now = time.monotonic()
        for fid in [k for k, f in self._filters.items() if now - f.touched > IDLE_TIMEOUT_S]:
            del self._filters[fid]
