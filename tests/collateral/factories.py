"""Factories for collateral tests: a pledgeable holding, and valuation rows written through the valuation
engineer's model (what a round appends), for tests that drive the round listener directly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from app.rwa.ledger import transfers as ledger
from app.rwa.models import Asset
from app.rwa.valuation.models import Valuation
from tests.rwa.factories import ACTOR, address, make_asset, make_investor, unique


def make_holding(session: Session, units: int = 1000) -> tuple[Asset, str, int]:
    """An active asset and an investor's wallet holding `units` of it: (asset, wallet, identity id)."""
    asset = make_asset(session)
    wallet = address(unique("pledger"))
    identity = make_investor(session, wallet)
    ledger.issue(session, actor=ACTOR, symbol=asset.symbol, wallet=wallet, units=units)
    return asset, wallet, identity


def valuation(session: Session, asset: Asset, unit_value: str, *, block: int, currency: str = "USD") -> int:
    """Append one valuation of `asset` (a fixed appraisal, as a round stores it); returns its id."""
    row = Valuation(
        asset_id=asset.id,
        currency=currency,
        block_number=block,
        block_time=datetime.now(UTC),
        kind="appraisal",
        fx=[],
        source="primary",
        stale=False,
        failed=[],
        unit_value=Decimal(unit_value),
        issued_units=asset.issued_units,
        total_value=Decimal(unit_value) * asset.issued_units,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row.id
