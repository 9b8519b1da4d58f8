"""Which assets are in on-chain mode, and the guard every registry-side write of an asset passes: a
tokenized asset's holdings change only by its token's events (the indexer), never by a registry service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.rwa.models import Asset
from app.rwa.onchain.errors import AssetTokenized, NotTokenized
from app.rwa.onchain.models import OnchainAsset


@dataclass(frozen=True, slots=True)
class Tokenized:
    """A tokenized asset's suite (0x-hex, lower case)."""

    asset_id: int
    symbol: str
    token: str
    identity_registry: str
    compliance: str
    block_number: int


def _view(row: OnchainAsset, symbol: str) -> Tokenized:
    return Tokenized(
        row.asset_id,
        symbol,
        _hex(row.token),
        _hex(row.identity_registry),
        _hex(row.compliance),
        row.block_number,
    )


def tokenized(session: Session, asset: Asset) -> Tokenized | None:
    row = session.get(OnchainAsset, asset.id)
    return None if row is None else _view(row, asset.symbol)


def require_tokenized(session: Session, asset: Asset) -> Tokenized:
    found = tokenized(session, asset)
    if found is None:
        raise NotTokenized(asset.symbol)
    return found


def refuse_if_tokenized(session: Session, asset: Asset, action: str) -> None:
    """Raise ``AssetTokenized`` (409, pointing to the on-chain route) when ``asset`` is tokenized."""
    if session.get(OnchainAsset, asset.id) is not None:
        raise AssetTokenized(asset.symbol, action)


def tokenized_id(session: Session, asset_id: int) -> bool:
    return session.get(OnchainAsset, asset_id) is not None


def refuse_tokenized_id(session: Session, asset_id: int) -> None:
    """``refuse_if_tokenized`` by the asset's id (the ledger's row locks): a registry-side write of a
    tokenized asset's holdings is refused, whichever service attempts it."""
    if session.get(OnchainAsset, asset_id) is not None:
        symbol = session.scalar(select(Asset.symbol).where(Asset.id == asset_id))
        raise AssetTokenized(str(symbol), "move its units or change its freezes itself")


def all_tokenized(session: Session) -> list[Tokenized]:
    rows = session.execute(
        select(OnchainAsset, Asset.symbol).join(Asset, Asset.id == OnchainAsset.asset_id)
    ).all()
    return [_view(row, symbol) for row, symbol in rows]


def tokens_by_address(conn: Connection) -> dict[bytes, int]:
    """Token address (20 bytes) -> asset id, for every tokenized asset."""
    rows = conn.execute(select(OnchainAsset.token, OnchainAsset.asset_id)).all()
    return {bytes(r.token): r.asset_id for r in rows}


def _hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()
