"""Open, read and close collateral positions. Services flush, never commit: the caller owns the transaction.

A position records a pledge; it does not lock the units in the ledger (freezing is the agents' tool). Opening
checks that the wallet holds that many free units, then values the pledge at once when a valuation in the
debt's currency exists (so a position opened under water alerts immediately)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.audit import log as audit
from app.rwa.collateral import monitor
from app.rwa.collateral.errors import InvalidPosition, PositionClosed, PositionNotFound
from app.rwa.collateral.models import CollateralPosition
from app.rwa.collateral.ratio import State
from app.rwa.errors import InsufficientUnits, InvalidUnits
from app.rwa.models import Asset, Holding
from app.rwa.registry.iso import CURRENCIES
from app.rwa.repo import addr, utcnow, wallets_by_address

MAX_DEBT = Decimal(10) ** 30


@dataclass(frozen=True, slots=True)
class Terms:
    """What a position pledges and owes; checked by `check_terms`."""

    wallet: str
    units: int
    debt: Decimal
    currency: str
    warning_ratio: Decimal
    liquidation_ratio: Decimal
    reference: str | None = None


def check_terms(t: Terms) -> None:
    if isinstance(t.units, bool) or not isinstance(t.units, int) or t.units <= 0:
        raise InvalidUnits(t.units)
    if not t.debt.is_finite() or not 0 < t.debt < MAX_DEBT:
        raise InvalidPosition(f"debt must be a positive amount below 10^30, got {t.debt}")
    if t.currency not in CURRENCIES:
        raise InvalidPosition(f"unknown ISO-4217 currency {t.currency!r}")
    for name in ("warning_ratio", "liquidation_ratio"):
        value: Decimal = getattr(t, name)
        if not value.is_finite() or not 0 < value < 1000:
            raise InvalidPosition(f"{name} must be a positive ratio below 1000, got {value}")
    if t.warning_ratio < t.liquidation_ratio:
        raise InvalidPosition("warning_ratio must be at least liquidation_ratio")


def open_position(session: Session, *, actor: str, asset: Asset, terms: Terms) -> CollateralPosition:
    check_terms(terms)
    address = addr(terms.wallet)
    wallet = wallets_by_address(session, [address])[address]
    if wallet.revoked_at is not None:
        raise InvalidPosition(f"wallet {address} was revoked (recovered to another wallet)")
    holding = session.get(Holding, (asset.id, wallet.id))
    free = 0 if holding is None or holding.frozen else holding.balance - holding.frozen_units
    if free < terms.units:
        raise InsufficientUnits(address, free, terms.units, what="free units")
    now = utcnow()
    position = CollateralPosition(
        reference=terms.reference,
        asset_id=asset.id,
        wallet_id=wallet.id,
        identity_id=wallet.identity_id,
        units=terms.units,
        debt=terms.debt,
        currency=terms.currency,
        warning_ratio=terms.warning_ratio,
        liquidation_ratio=terms.liquidation_ratio,
        status="open",
        state=State.UNPRICED.value,
        created_at=now,
        updated_at=now,
    )
    session.add(position)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="collateral.opened",
        subject=f"collateral:{position.id}",
        asset=asset.symbol,
        payload=monitor.alert_payload(session, position),
    )
    monitor.revalue(session, position, monitor.unit_value(session, asset.id, terms.currency))
    return position


def close_position(session: Session, *, actor: str, position_id: int) -> CollateralPosition:
    position = get_position(session, position_id, lock=True)
    if position.status == "closed":
        raise PositionClosed(position_id)
    position.status, position.closed_at = "closed", utcnow()
    position.updated_at = position.closed_at
    session.flush()
    asset = session.get(Asset, position.asset_id)
    audit.record(
        session,
        actor=actor,
        action="collateral.closed",
        subject=f"collateral:{position.id}",
        asset=asset.symbol if asset else None,
        payload={"position": position.id, "state": position.state, "ratio": position.ratio},
    )
    return position


def get_position(session: Session, position_id: int, *, lock: bool = False) -> CollateralPosition:
    stmt = select(CollateralPosition).where(CollateralPosition.id == position_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    position = session.scalars(stmt).one_or_none()
    if position is None:
        raise PositionNotFound(position_id)
    return position


def list_positions(
    session: Session,
    *,
    after: int = 0,
    limit: int = 100,
    asset_id: int | None = None,
    identity_id: int | None = None,
    status: str | None = None,
    issuer_id: int | None = None,
    asset_ids: Collection[int] | None = None,
) -> list[CollateralPosition]:
    """Oldest first after the cursor; `issuer_id` / `asset_ids` narrow to what a scoped key may see."""
    stmt = select(CollateralPosition).where(CollateralPosition.id > after)
    if asset_id is not None:
        stmt = stmt.where(CollateralPosition.asset_id == asset_id)
    if identity_id is not None:
        stmt = stmt.where(CollateralPosition.identity_id == identity_id)
    if status is not None:
        stmt = stmt.where(CollateralPosition.status == status)
    if issuer_id is not None:
        stmt = stmt.join(Asset, Asset.id == CollateralPosition.asset_id).where(Asset.issuer_id == issuer_id)
    if asset_ids is not None:
        stmt = stmt.where(CollateralPosition.asset_id.in_(list(asset_ids)))
    return list(session.scalars(stmt.order_by(CollateralPosition.id).limit(limit)))
