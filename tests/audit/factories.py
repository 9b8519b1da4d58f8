"""Plain factory functions for audit tests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.rwa.audit import log as audit
from app.rwa.audit.models import AuditEntry


def add_entries(
    sm: sessionmaker[Session], n: int, *, assets: tuple[str | None, ...] = ("A", "B", None)
) -> None:
    """n entries, each in its own transaction, cycling through `assets` (None: an identity subject)."""
    for i in range(n):
        asset = assets[i % len(assets)]
        with sm.begin() as s:
            audit.record(
                s,
                actor=f"key:{i % 3}",
                action="ledger.transfer",
                subject=f"asset:{asset}" if asset else f"identity:{i}",
                payload={"units": 10**18 + i, "note": f"n°{i}", "ok": True},
            )


def all_entries(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
