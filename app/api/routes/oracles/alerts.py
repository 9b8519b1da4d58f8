"""Alerts (read; the live stream is alerts_ws.py beside it) and the webhooks they are delivered to (admins).

Issuer and agent keys see the alerts of the assets they act for; auditors and admins see all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.collateral import AlertOut, DeliveryOut, WebhookCreatedOut, WebhookIn, WebhookOut
from app.api.schemas.registry import Id, IdCursor
from app.rwa.alerts import service, webhooks
from app.rwa.alerts.errors import AlertNotFound
from app.rwa.domain import Role
from app.rwa.models import Asset
from app.rwa.registry.access import Permission, Principal

router = APIRouter(tags=["alerts"])
P = Permission


def scoped_assets(session: Session, who: Principal) -> list[str] | None:
    """The symbols whose alerts an asset-scoped key may see (None: every alert)."""
    if who.role is Role.ISSUER:
        return list(session.scalars(select(Asset.symbol).where(Asset.issuer_id == who.issuer_id)))
    if who.role is Role.AGENT:
        return list(session.scalars(select(Asset.symbol).where(Asset.id.in_(list(who.asset_ids)))))
    return None


@router.get("/alerts", response_model=list[AlertOut], dependencies=allow(P.ALERT_READ))
def list_alerts(
    session: SessionDep,
    who: PrincipalDep,
    after: Annotated[IdCursor | None, Query(description="oldest first, those with seq > after")] = None,
    before: Annotated[IdCursor | None, Query(description="newest first, those with seq < before")] = None,
    limit: int = Query(100, ge=1, le=1000),
    kind: str | None = None,
    subject: str | None = None,
) -> object:
    """Without a cursor: the latest first. To follow: `after` = the last seq seen (or use the stream)."""
    rows = service.list_alerts(
        session,
        after=after,
        before=before,
        limit=limit,
        kind=kind,
        subject=subject,
        assets=scoped_assets(session, who),
    )
    return [service.alert_view(a) for a in rows]


def _alert(session: Session, who: Principal, alert_id: str) -> Any:
    alert = service.get_alert(session, alert_id)
    allowed = scoped_assets(session, who)
    if allowed is not None and alert.asset not in allowed:
        raise AlertNotFound(alert_id)  # as if absent: its existence is not the key's business
    return alert


@router.get("/alerts/{alert_id}", response_model=AlertOut, dependencies=allow(P.ALERT_READ))
def get_alert(alert_id: str, session: SessionDep, who: PrincipalDep) -> object:
    return service.alert_view(_alert(session, who, alert_id))


@router.get(
    "/alerts/{alert_id}/deliveries", response_model=list[DeliveryOut], dependencies=allow(P.ALERT_READ)
)
def deliveries(alert_id: str, session: SessionDep, who: PrincipalDep) -> object:
    """Where the alert's webhook deliveries stand: pending (with the next attempt), delivered or failed."""
    return service.deliveries(session, _alert(session, who, alert_id))


@router.post(
    "/webhooks", status_code=201, response_model=WebhookCreatedOut, dependencies=allow(P.ALERT_WRITE)
)
def add_webhook(body: WebhookIn, session: SessionDep, who: PrincipalDep) -> object:
    """Every alert raised from now on is posted to `url`, signed with the returned secret (shown once)."""
    return webhooks.add_webhook(session, actor=who.actor, url=body.url)


@router.get("/webhooks", response_model=list[WebhookOut], dependencies=allow(P.ALERT_WRITE))
def list_webhooks(session: SessionDep) -> object:
    return webhooks.list_webhooks(session)


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut, dependencies=allow(P.ALERT_WRITE))
def remove_webhook(webhook_id: Id, session: SessionDep, who: PrincipalDep) -> object:
    """Stops new alerts going to it; deliveries already queued still complete."""
    return webhooks.remove_webhook(session, actor=who.actor, webhook_id=webhook_id)
