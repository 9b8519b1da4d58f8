"""Raise alerts and read them back. Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.metrics import ALERTS_RAISED
from app.rwa.alerts.errors import AlertNotFound
from app.rwa.alerts.models import Alert, Webhook, WebhookOutbox
from app.rwa.audit import log as audit
from app.rwa.audit.canonical import canonical_json, format_time
from app.rwa.errors import InvalidInput
from app.rwa.repo import utcnow

SEVERITIES = ("info", "warning", "critical")
ACTOR = "system:alerts"


def raise_alert(
    session: Session,
    *,
    kind: str,
    subject: str,
    severity: str,
    payload: Mapping[str, Any],
    asset: str | None = None,
) -> Alert:
    """Write the alert, its audit entry and one outbox row per active webhook, in the caller's transaction.

    `asset` (a symbol) tags the alert and its audit entry, so keys scoped to assets see its alerts only.
    The audit entry goes first: it takes the audit log's lock (held until commit), so the alert's id is
    drawn under that lock and alerts commit in id order, which the list cursor and the stream rely on."""
    if severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    uid = str(uuid.uuid4())
    body = canonical_json(payload)  # refuses floats and naive datetimes before anything is written
    audit.record(
        session,
        actor=ACTOR,
        action="alert.raised",
        subject=subject,
        asset=asset,
        payload={"alert": uid, "kind": kind, "severity": severity, "payload": payload},
    )
    alert = Alert(uid=uid, kind=kind, subject=subject, asset=asset, severity=severity, payload=body)
    alert.created_at = utcnow()
    session.add(alert)
    session.flush()
    message = webhook_body(alert).encode()
    for webhook_id in session.scalars(select(Webhook.id).where(Webhook.active).order_by(Webhook.id)):
        session.add(
            WebhookOutbox(
                alert_id=alert.id,
                webhook_id=webhook_id,
                body=message.decode(),
                status="pending",
                attempts=0,
                next_attempt_at=alert.created_at,
            )
        )
    session.flush()
    ALERTS_RAISED.labels(kind=kind).inc()
    return alert


def alert_view(alert: Alert) -> dict[str, Any]:
    """What users see of an alert (REST, stream and webhook body alike)."""
    return {
        "id": alert.uid,
        "seq": alert.id,
        "kind": alert.kind,
        "subject": alert.subject,
        "asset": alert.asset,
        "severity": alert.severity,
        "payload": orjson.loads(alert.payload),
        "created_at": format_time(alert.created_at),
    }


def webhook_body(alert: Alert) -> str:
    return canonical_json(alert_view(alert))


def list_alerts(
    session: Session,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = 100,
    kind: str | None = None,
    subject: str | None = None,
    assets: Collection[str] | None = None,
) -> list[Alert]:
    """Oldest first after the cursor `after`; newest first when `before` is given (or neither: latest).
    `assets`: only alerts tagged with one of these symbols (what an asset-scoped key may see)."""
    stmt = select(Alert)
    if assets is not None:
        stmt = stmt.where(Alert.asset.in_(list(assets)))
    if kind is not None:
        stmt = stmt.where(Alert.kind == kind)
    if subject is not None:
        stmt = stmt.where(Alert.subject == subject)
    if after is not None:
        stmt = stmt.where(Alert.id > after).order_by(Alert.id)
    else:
        if before is not None:
            stmt = stmt.where(Alert.id < before)
        stmt = stmt.order_by(Alert.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def last_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(Alert.id), 0))).scalar_one())


def get_alert(session: Session, uid: str) -> Alert:
    alert = session.scalars(select(Alert).where(Alert.uid == uid)).one_or_none()
    if alert is None:
        raise AlertNotFound(uid)
    return alert


def deliveries(session: Session, alert: Alert) -> list[WebhookOutbox]:
    stmt = select(WebhookOutbox).where(WebhookOutbox.alert_id == alert.id).order_by(WebhookOutbox.id)
    return list(session.scalars(stmt))
