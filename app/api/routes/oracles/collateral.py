"""Collateral positions: open (pledge units of an asset against a debt), list, read, close.

Issuer keys see and open positions on their issuer's assets, agent keys on their named assets; the ratio and
state are those of the latest valuation round (see app/rwa/collateral/monitor.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.collateral import CollateralPositionOut, PositionIn
from app.api.schemas.registry import Id, IdCursor
from app.rwa.collateral import positions
from app.rwa.collateral.models import CollateralPosition
from app.rwa.domain import Role
from app.rwa.models import Asset, Wallet
from app.rwa.registry.access import Permission, Principal
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/collateral-positions", tags=["collateral"])
P = Permission


def view(session: Session, p: CollateralPosition) -> dict[str, Any]:
    asset, wallet = session.get(Asset, p.asset_id), session.get(Wallet, p.wallet_id)
    assert asset is not None and wallet is not None  # foreign keys
    fields = {c: getattr(p, c) for c in CollateralPositionOut.model_fields if hasattr(p, c)}
    return fields | {"asset": asset.symbol, "wallet": wallet.address}


def _visible(session: Session, who: Principal, p: CollateralPosition, permission: Permission) -> None:
    who.require(permission, session.get(Asset, p.asset_id))


@router.post(
    "", status_code=201, response_model=CollateralPositionOut, dependencies=allow(P.COLLATERAL_WRITE)
)
def open_position(body: PositionIn, session: SessionDep, who: PrincipalDep) -> object:
    asset = asset_by_symbol(session, body.asset)
    who.require(P.COLLATERAL_WRITE, asset)
    terms = positions.Terms(**body.model_dump(exclude={"asset"}))
    return view(session, positions.open_position(session, actor=who.actor, asset=asset, terms=terms))


@router.get("", response_model=list[CollateralPositionOut], dependencies=allow(P.COLLATERAL_READ))
def list_positions(
    session: SessionDep,
    who: PrincipalDep,
    asset: str | None = None,
    identity_id: Id | None = None,
    status: str | None = Query(None, pattern="^(open|closed)$"),
    after: IdCursor = 0,
    limit: int = Query(100, ge=1, le=1000),
) -> object:
    """Oldest first; page on with `after` = the last id seen."""
    asset_id = None
    if asset is not None:
        found = asset_by_symbol(session, asset)
        who.require(P.COLLATERAL_READ, found)
        asset_id = found.id
    rows = positions.list_positions(
        session,
        after=after,
        limit=limit,
        asset_id=asset_id,
        identity_id=identity_id,
        status=status,
        issuer_id=who.issuer_id if who.role is Role.ISSUER else None,
        asset_ids=who.asset_ids if who.role is Role.AGENT else None,
    )
    return [view(session, p) for p in rows]


@router.get("/{position_id}", response_model=CollateralPositionOut, dependencies=allow(P.COLLATERAL_READ))
def get_position(position_id: Id, session: SessionDep, who: PrincipalDep) -> object:
    p = positions.get_position(session, position_id)
    _visible(session, who, p, P.COLLATERAL_READ)
    return view(session, p)


@router.post(
    "/{position_id}/close", response_model=CollateralPositionOut, dependencies=allow(P.COLLATERAL_WRITE)
)
def close_position(position_id: Id, session: SessionDep, who: PrincipalDep) -> object:
    """The debt is settled: the position is no longer monitored (it stays readable)."""
    _visible(session, who, positions.get_position(session, position_id), P.COLLATERAL_WRITE)
    return view(session, positions.close_position(session, actor=who.actor, position_id=position_id))
