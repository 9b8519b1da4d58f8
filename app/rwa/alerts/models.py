"""Tables of alerts: the alerts themselves, the webhooks they go to, and the outbox of deliveries.

`rwa_alert.id` is the cursor of `GET /v1/alerts` and of the stream: ids are assigned after the audit log's
lock is taken (see `service.raise_alert`), which holds until commit, so alerts become visible in id order.
`uid` is the stable public id, also the webhooks' `Idempotency-Key`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.rwa.coltypes import UtcDateTime


class Alert(Base):
    __tablename__ = "rwa_alert"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    asset: Mapped[str | None] = mapped_column(String(16), index=True)  # symbol: scopes issuer/agent keys
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON (Decimals as strings)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class Webhook(Base):
    """A receiver of every alert; the secret signs its deliveries (kept in clear: HMAC needs it)."""

    __tablename__ = "rwa_webhook"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    secret: Mapped[str] = mapped_column(String(128), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class WebhookOutbox(Base):
    """One delivery of one alert to one webhook; `body` is frozen at raise time so every retry sends the
    same bytes. status: pending -> delivered (after a 2xx) or failed (after the last attempt)."""

    __tablename__ = "rwa_webhook_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("rwa_alert.id"), nullable=False, index=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("rwa_webhook.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    # when the next attempt is due; while an attempt is in flight, when its lease runs out
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_rwa_webhook_outbox_due", "status", "next_attempt_at"),)
