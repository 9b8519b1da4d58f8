"""Webhooks, managed by admins (`/v1/webhooks`): every active one receives every alert raised after it
was added. Kept in a table, not in settings, so that adding one is audited and every API worker agrees."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.alerts.errors import InvalidWebhook, WebhookNotFound
from app.rwa.alerts.models import Webhook
from app.rwa.audit import log as audit
from app.rwa.repo import utcnow


def add_webhook(session: Session, *, actor: str, url: str) -> Webhook:
    """A new active webhook with a fresh signing secret (shown to the caller once, by the route)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhook(f"a webhook needs an absolute http(s) URL, got {url!r}")
    hook = Webhook(url=url, secret=f"whsec_{secrets.token_hex(32)}", active=True, created_at=utcnow())
    session.add(hook)
    session.flush()
    audit.record(
        session, actor=actor, action="webhook.added", subject=f"webhook:{hook.id}", payload={"url": url}
    )
    return hook


def list_webhooks(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).order_by(Webhook.id)))


def remove_webhook(session: Session, *, actor: str, webhook_id: int) -> Webhook:
    """Deactivate: no new alerts go to it; deliveries already in its outbox still complete."""
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise WebhookNotFound(webhook_id)
    if hook.active:
        hook.active = False
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="webhook.removed",
            subject=f"webhook:{hook.id}",
            payload={"url": hook.url},
        )
    return hook
