"""The thread that runs webhook deliveries for one process (started and stopped by the app's lifespan)."""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.rwa.alerts.delivery import claim, post, settle
from app.rwa.repo import utcnow

log = logging.getLogger(__name__)


class WebhookWorker:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> WebhookWorker:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=3 * self._settings.webhook_timeout_s + 5)

    def run_once(self, client: httpx.Client) -> int:
        """Claim the due rows, post each, record each outcome; returns how many were attempted."""
        with self._sessions.begin() as session:
            jobs = claim(session, self._settings, utcnow())
        for job in jobs:
            if self._stop.is_set():
                break  # the claimed rest comes back when its lease runs out
            error = post(client, job)
            with self._sessions.begin() as session:
                settle(session, self._settings, job, error, utcnow())
        return len(jobs)

    def _run(self) -> None:
        with httpx.Client(timeout=self._settings.webhook_timeout_s, follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    busy = self.run_once(client)
                except Exception:  # a database hiccup must not end deliveries for the process's life
                    log.exception("webhook delivery round failed; retrying")
                    busy = 0
                if not busy:
                    self._wake.wait(self._settings.webhook_poll_s)
                    self._wake.clear()
