"""Movement rows and their audit entries: the last statements of every ledger change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.rwa.audit import log as audit
from app.rwa.domain import MovementKind
from app.rwa.models import Asset, Movement, Wallet
from app.rwa.repo import asset_by_symbol


def new_movement(
    asset: Asset,
    kind: MovementKind,
    actor: str,
    now: datetime,
    units: int,
    src: Wallet | None,
    dst: Wallet | None,
    overridden: list[str] | None = None,
    reason: str | None = None,
    frozen_moved: int = 0,
) -> Movement:
    return Movement(
        asset_id=asset.id,
        kind=kind.value,
        from_wallet_id=src.id if src else None,
        to_wallet_id=dst.id if dst else None,
        units=units,
        frozen_units_moved=frozen_moved,
        overridden=overridden,
        reason=reason,
        actor=actor,
        created_at=now,
    )


def record_movement(
    session: Session,
    asset: Asset,
    kind: MovementKind,
    actor: str,
    now: datetime,
    units: int,
    src: Wallet | None,
    dst: Wallet | None,
    *,
    overridden: list[str] | None = None,
    reason: str | None = None,
    frozen_moved: int = 0,
    extra: dict[str, object] | None = None,
) -> MovementView:
    """Write the movement row and its audit entry (the last statements of every ledger change)."""
    movement = new_movement(asset, kind, actor, now, units, src, dst, overridden, reason, frozen_moved)
    session.add(movement)
    session.flush()
    payload: dict[str, object] = {
        "movement": movement.id,
        "from": src.address if src else None,
        "to": dst.address if dst else None,
        "units": str(units),  # a string: canonical JSON numbers are IEEE doubles, units may exceed 2**53
        "issued_units": str(asset.issued_units),
    }
    if overridden is not None:
        payload["overridden"] = overridden
    if reason is not None:
        payload["reason"] = reason
    if frozen_moved:
        payload["frozen_units_moved"] = str(frozen_moved)
    for key, value in (extra or {}).items():
        payload[key] = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    audit.record(
        session, actor=actor, action=f"ledger.{kind.value}", subject=f"asset:{asset.symbol}", payload=payload
    )
    return view(movement, asset.symbol, src.address if src else None, dst.address if dst else None)


@dataclass(frozen=True, slots=True)
class MovementView:
    id: int
    asset: str
    kind: str
    sender: str | None
    receiver: str | None
    units: int
    frozen_units_moved: int
    overridden: list[str] | None
    reason: str | None
    actor: str
    created_at: datetime


def list_movements(session: Session, symbol: str, *, after: int = 0, limit: int = 100) -> list[MovementView]:
    """An asset's movements with id > `after`, oldest first."""
    asset = asset_by_symbol(session, symbol)
    src, dst = aliased(Wallet), aliased(Wallet)
    stmt = (
        select(Movement, src.address, dst.address)
        .outerjoin(src, src.id == Movement.from_wallet_id)
        .outerjoin(dst, dst.id == Movement.to_wallet_id)
        .where(Movement.asset_id == asset.id, Movement.id > after)
        .order_by(Movement.id)
        .limit(limit)
    )
    return [view(m, symbol, a, b) for m, a, b in session.execute(stmt)]


def view(m: Movement, symbol: str, sender: str | None, receiver: str | None) -> MovementView:
    return MovementView(
        m.id,
        symbol,
        m.kind,
        sender,
        receiver,
        m.units,
        m.frozen_units_moved,
        m.overridden,
        m.reason,
        m.actor,
        m.created_at,
    )
