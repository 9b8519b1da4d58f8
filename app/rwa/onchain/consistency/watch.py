"""The periodic consistency check a server runs (started and stopped by the app's lifespan, as the webhook
and valuation workers): every ``interval_s`` it checks every tokenized asset and raises an alert for each
difference it did not see in its previous round, so a lasting difference is alerted once, and again only
after it has cleared and come back."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from app.evm.abc import ChainAPI
from app.rwa.onchain.consistency.check import Difference, Report, check, raise_alerts

log = logging.getLogger(__name__)


class ConsistencyWatch:
    def __init__(self, chain: ChainAPI, sessions: sessionmaker[Session], interval_s: float) -> None:
        if interval_s <= 0:
            raise ValueError("the consistency check interval must be positive")
        self._chain = chain
        self._sessions = sessions
        self._interval_s = interval_s
        self._seen: frozenset[Difference] = frozenset()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="consistency", daemon=True)
        self.last: Report | None = None

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> ConsistencyWatch:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def run_once(self) -> list[Difference]:
        """One round: check, alert the differences new since the last round; returns those."""
        report = check(self._chain)
        new = [d for d in report.differences if d not in self._seen]
        if new:
            with self._sessions.begin() as session:
                raise_alerts(session, new)
        self._seen = frozenset(report.differences)
        self.last = report
        return new

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.run_once()
            except Exception:  # a hiccup (database, a token's call) must not end the checks for good
                log.exception("consistency check failed; trying again next round")
