"""The webhook delivery worker: a thread that posts due outbox rows and records each outcome.

At-least-once: a row is claimed by pushing its `next_attempt_at` one lease ahead (in its own short
transaction), posted, then marked delivered after a 2xx or rescheduled with capped exponential backoff. A
process killed mid-delivery leaves the row pending; when the lease runs out any worker (this one after a
restart, or another API process) posts it again with the same `Idempotency-Key`, which receivers dedup on.
PostgreSQL claims with SKIP LOCKED so several workers never post the same row at the same time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.metrics import WEBHOOK_DELIVERIES
from app.rwa.alerts.models import Alert, Webhook, WebhookOutbox
from app.rwa.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign


@dataclass(frozen=True, slots=True)
class Job:
    row_id: int
    url: str
    secret: str
    body: bytes
    key: str  # the alert's uid: the Idempotency-Key
    kind: str
    attempt: int  # 1 for the first


def backoff(settings: Settings, failures: int) -> timedelta:
    """Delay after the `failures`-th failed attempt: base, 2*base, 4*base, ... capped."""
    seconds = min(settings.webhook_backoff_cap_s, settings.webhook_backoff_s * 2 ** (failures - 1))
    return timedelta(seconds=seconds)


def lease(settings: Settings) -> timedelta:
    # longer than one attempt can take (httpx's timeout is per phase: connect, write, read)
    return timedelta(seconds=3 * settings.webhook_timeout_s + 1)


def claim(session: Session, settings: Settings, now: datetime, limit: int = 20) -> list[Job]:
    """Take up to `limit` due rows for one lease (the caller commits at once)."""
    stmt = (
        select(WebhookOutbox, Webhook, Alert)
        .join(Webhook, Webhook.id == WebhookOutbox.webhook_id)
        .join(Alert, Alert.id == WebhookOutbox.alert_id)
        .where(WebhookOutbox.status == "pending", WebhookOutbox.next_attempt_at <= now)
        .order_by(WebhookOutbox.next_attempt_at, WebhookOutbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=WebhookOutbox, skip_locked=True)
    jobs = []
    for row, hook, alert in session.execute(stmt).tuples():
        row.next_attempt_at = now + lease(settings)
        jobs.append(
            Job(row.id, hook.url, hook.secret, row.body.encode(), alert.uid, alert.kind, row.attempts + 1)
        )
    session.flush()
    return jobs


def post(client: httpx.Client, job: Job) -> str | None:
    """One attempt; None when the receiver answered 2xx, else what went wrong."""
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": job.key,
        "X-Aurigraph-Event": job.kind,
        "X-Aurigraph-Delivery-Attempt": str(job.attempt),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(job.secret, stamp, job.body),
    }
    try:
        response = client.post(job.url, content=job.body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def settle(session: Session, settings: Settings, job: Job, error: str | None, now: datetime) -> None:
    row = session.get(WebhookOutbox, job.row_id)
    if row is None or row.status != "pending":
        return
    row.attempts = job.attempt
    if error is None:
        row.status, row.delivered_at, row.last_error = "delivered", now, None
    elif job.attempt >= settings.webhook_max_attempts:
        row.status, row.last_error = "failed", error
    else:
        row.next_attempt_at, row.last_error = now + backoff(settings, job.attempt), error
    session.flush()
    WEBHOOK_DELIVERIES.labels(outcome="delivered" if error is None else "failed").inc()
