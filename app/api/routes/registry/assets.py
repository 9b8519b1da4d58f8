"""Assets: registration, status (draft -> active <-> paused -> redeemed), compliance rules, the register."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.api.deps import OnchainDep, PrincipalDep, SessionDep, allow
from app.api.schemas.registry import (
    AssetIn,
    AssetOut,
    Id,
    IdCursor,
    MovementOut,
    PositionOut,
    RulesIn,
    StatusIn,
)
from app.rwa.domain import AssetStatus, Role
from app.rwa.errors import InvalidInput, PermissionDenied
from app.rwa.ledger import movements
from app.rwa.onchain import actions
from app.rwa.onchain.errors import AssetTokenized
from app.rwa.onchain.mode import tokenized
from app.rwa.registry import assets
from app.rwa.registry.access import Permission, status_permission
from app.rwa.registry.assets import RulesInput
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/assets", tags=["assets"])


def _rules(body: RulesIn | None) -> RulesInput | None:
    return None if body is None else RulesInput(**body.model_dump())


@router.post("", status_code=201, response_model=AssetOut, dependencies=allow(Permission.ASSET_CREATE))
def create_asset(body: AssetIn, session: SessionDep, who: PrincipalDep) -> object:
    if who.role is Role.ISSUER and body.issuer_id not in (None, who.issuer_id):
        raise PermissionDenied("an issuer key registers assets for its own issuer only")
    issuer_id = who.issuer_id if who.role is Role.ISSUER else body.issuer_id
    if issuer_id is None:
        raise InvalidInput("issuer_id is required")
    fields = body.model_dump(exclude={"issuer_id", "rules"})
    return assets.create_asset(
        session, actor=who.actor, issuer_id=issuer_id, rules=_rules(body.rules), **fields
    )


@router.get("", response_model=list[AssetOut], dependencies=allow(Permission.ASSET_READ))
def list_assets(session: SessionDep, who: PrincipalDep, issuer_id: Id | None = None) -> object:
    return assets.list_assets(session, issuer_id)


@router.get("/{symbol}", response_model=AssetOut, dependencies=allow(Permission.ASSET_READ))
def get_asset(symbol: str, session: SessionDep, who: PrincipalDep) -> object:
    return asset_by_symbol(session, symbol)


@router.post("/{symbol}/status", response_model=AssetOut, dependencies=allow(Permission.ASSET_PAUSE))
def set_status(
    symbol: str, body: StatusIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    """A tokenized asset pauses and resumes through its token (``pause`` / ``unpause``, signed by the
    operator; the registry follows the block); its other status changes are refused."""
    asset = asset_by_symbol(session, symbol)
    who.require(status_permission(asset.status, body.status), asset)
    if tokenized(session, asset):
        if {asset.status, body.status} != {AssetStatus.ACTIVE, AssetStatus.PAUSED}:
            raise AssetTokenized(asset.symbol, f"move it from {asset.status} to {body.status}")
        actions.set_paused(onchain, asset.symbol, body.status == AssetStatus.PAUSED)
        session.expire_all()
        return asset_by_symbol(session, symbol)
    return assets.set_status(session, actor=who.actor, symbol=symbol, status=body.status)


@router.put("/{symbol}/rules", response_model=AssetOut, dependencies=allow(Permission.ASSET_MANAGE))
def set_rules(symbol: str, body: RulesIn, session: SessionDep, who: PrincipalDep) -> object:
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.ASSET_MANAGE, asset)
    if tokenized(session, asset):  # its token's compliance modules would not follow
        raise AssetTokenized(asset.symbol, "change its rules off-chain")
    rules = _rules(body)
    assert rules is not None
    return assets.set_rules(session, actor=who.actor, symbol=symbol, rules=rules)


@router.get(
    "/{symbol}/holdings", response_model=list[PositionOut], dependencies=allow(Permission.LEDGER_READ)
)
def holdings(symbol: str, session: SessionDep, who: PrincipalDep) -> object:
    who.require(Permission.LEDGER_READ, asset_by_symbol(session, symbol))
    return assets.positions(session, symbol=symbol)


@router.get(
    "/{symbol}/movements", response_model=list[MovementOut], dependencies=allow(Permission.LEDGER_READ)
)
def list_movements(
    symbol: str,
    session: SessionDep,
    who: PrincipalDep,
    after: IdCursor = 0,
    limit: int = Query(100, ge=1, le=1000),
) -> object:
    who.require(Permission.LEDGER_READ, asset_by_symbol(session, symbol))
    return movements.list_movements(session, symbol, after=after, limit=limit)
