"""Feed health as metrics: the age of each pair's answer, and its availability, the share of observed time
it had a fresh, guarded answer (primary or fallback), against the 99.99 % issuers ask for.

Between two observations of a pair, the time counts as fresh when the earlier one was fresh."""

from __future__ import annotations

import threading
from datetime import datetime

from app.metrics import FEED_ANSWER_AGE, FEED_AVAILABILITY
from app.oracles.base import PriceQuote


class Availability:
    def __init__(self) -> None:
        self._last: dict[str, tuple[datetime, bool]] = {}
        self._fresh_s: dict[str, float] = {}
        self._total_s: dict[str, float] = {}
        self._lock = threading.Lock()

    def observe(self, pair: str, quote: PriceQuote | None, at: datetime) -> None:
        fresh = quote is not None and not quote.stale
        if quote is not None:
            FEED_ANSWER_AGE.labels(pair=pair).set(max(0.0, (at - quote.updated_at).total_seconds()))
        with self._lock:
            last = self._last.get(pair)
            self._last[pair] = (at, fresh)
            if last is None:
                FEED_AVAILABILITY.labels(pair=pair).set(1.0 if fresh else 0.0)
                return
            span = max(0.0, (at - last[0]).total_seconds())
            self._total_s[pair] = self._total_s.get(pair, 0.0) + span
            self._fresh_s[pair] = self._fresh_s.get(pair, 0.0) + (span if last[1] else 0.0)
            if self._total_s[pair] > 0:
                FEED_AVAILABILITY.labels(pair=pair).set(self._fresh_s[pair] / self._total_s[pair])

    def ratio(self, pair: str) -> float | None:
        with self._lock:
            total = self._total_s.get(pair, 0.0)
            return None if total == 0 else self._fresh_s.get(pair, 0.0) / total
