"""Read-only queries over the audit log for the REST API (the log itself is `app/rwa/audit/log.py`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.audit.models import AuditEntry


def list_entries(
    session: Session, *, after: int = 0, limit: int = 100, asset: str | None = None
) -> list[AuditEntry]:
    """Entries with seq > `after`, oldest first (page with the last seq seen)."""
    if asset is not None and "\x00" in asset:
        return []  # no symbol holds a NUL (and PostgreSQL text cannot: it would be a server error)
    stmt = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(limit)
    if asset is not None:
        stmt = stmt.where(AuditEntry.asset == asset)
    return list(session.scalars(stmt))
