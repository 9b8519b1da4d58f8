"""Revalue positions: after each valuation round (a ROUND_LISTENER) and when a position is opened.

A position's state changes only on a crossing, and only a change raises an alert: into warning
(`collateral_warning`), into liquidation (`collateral_liquidation`), back to healthy (`collateral_recovered`).
A first valuation that finds a position healthy is no news and raises nothing. No valuation in the debt's
currency (the asset's pricing rule does not list it, or no round ran yet) leaves the position as it was."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.alerts.models import Alert
from app.rwa.alerts.service import raise_alert
from app.rwa.collateral.models import CollateralPosition
from app.rwa.collateral.ratio import State, classify, collateral_ratio, collateral_value, round_value
from app.rwa.models import Asset, Wallet
from app.rwa.repo import utcnow
from app.rwa.valuation.listeners import ROUND_LISTENERS
from app.rwa.valuation.query import UnitValue, value_per_unit

ALERTS = {
    State.WARNING: ("collateral_warning", "warning"),
    State.LIQUIDATION: ("collateral_liquidation", "critical"),
    State.HEALTHY: ("collateral_recovered", "info"),
}
CHUNK = 500  # asset ids per IN list


def unit_value(session: Session, asset_id: int, currency: str) -> UnitValue | None:
    """The latest valuation of one base unit in the debt's currency (None: never valued in it)."""
    return value_per_unit(session, asset_id, currency)


def revalue(session: Session, position: CollateralPosition, value: UnitValue | None) -> Alert | None:
    """Store the position's new ratio and state; raise an alert when the state changed."""
    if value is None:
        return None
    state = classify(
        position.units,
        value.value,
        position.debt,
        warning=position.warning_ratio,
        liquidation=position.liquidation_ratio,
    )
    previous = State(position.state)
    position.ratio = collateral_ratio(position.units, value.value, position.debt)
    position.collateral_value = round_value(collateral_value(position.units, value.value))
    position.stale, position.valued_block = value.stale, value.block_number
    position.valuation_id, position.state = value.valuation_id, state.value
    position.updated_at = utcnow()  # written at the next flush (one per round, not one per position)
    if state is previous or (previous is State.UNPRICED and state is State.HEALTHY):
        return None
    kind, severity = ALERTS[state]
    payload = alert_payload(session, position) | {"previous_state": previous.value}
    return raise_alert(
        session,
        kind=kind,
        subject=f"collateral:{position.id}",
        severity=severity,
        payload=payload,
        asset=str(payload["asset"]),
    )


def alert_payload(session: Session, p: CollateralPosition) -> dict[str, object]:
    asset = session.get(Asset, p.asset_id)
    wallet = session.get(Wallet, p.wallet_id)
    return {
        "position": p.id,
        "reference": p.reference,
        "asset": asset.symbol if asset else None,
        "identity": p.identity_id,
        "wallet": wallet.address if wallet else None,
        "units": p.units,
        "debt": p.debt,
        "currency": p.currency,
        "collateral_value": p.collateral_value,
        "ratio": p.ratio,
        "warning_ratio": p.warning_ratio,
        "liquidation_ratio": p.liquidation_ratio,
        "state": p.state,
        "stale": p.stale,
        "block": p.valued_block,
        "valuation": p.valuation_id,
    }


def on_round(session: Session, asset_ids: Iterable[int], block: int) -> None:
    """The ROUND_LISTENER: revalue the open positions on the revalued assets, in the round's transaction."""
    # one cheap query first: a round over thousands of assets usually touches few (or no) pledged ones
    pledged = set(
        session.scalars(
            select(CollateralPosition.asset_id).where(CollateralPosition.status == "open").distinct()
        )
    )
    ids = sorted(pledged.intersection(asset_ids))
    values: dict[tuple[int, str], UnitValue | None] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = (
            select(CollateralPosition)
            .where(CollateralPosition.status == "open")
            .where(CollateralPosition.asset_id.in_(ids[start : start + CHUNK]))
            .order_by(CollateralPosition.id)
        )
        for position in session.scalars(stmt):
            key = (position.asset_id, position.currency)
            if key not in values:
                values[key] = unit_value(session, *key)
            revalue(session, position, values[key])


def install() -> None:
    """Register `on_round` with the valuation engine (once per process; called by the app's start-up).

    The engine imports nothing of collateral: this registration is the one link."""
    if on_round not in ROUND_LISTENERS:
        ROUND_LISTENERS.append(on_round)
