"""Tables of the on-chain mode: which assets are tokenized (and where their suite lies), and the journal of
what indexing a block changed in the registry, so that a rewind (evm_revert, anvil_reset) restores the
registry exactly as it stood at the kept block."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.rwa.coltypes import UtcDateTime


class OnchainAsset(Base):
    """An asset in on-chain mode: its T-REX token is the book of record from block ``block_number`` on
    (the registry's holdings equal ``balanceOf`` at that block). No row: the registry keeps the book."""

    __tablename__ = "onchain_asset"
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False, unique=True)
    identity_registry: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False)
    compliance: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class OnchainChange(Base):
    """One registry row as it stood before a block's event changed it: ``kind`` is ``holding`` (balance,
    frozen units, freeze of ``wallet_id``), ``asset`` (status, issued units), ``wallet`` (revocation, or
    the wallet created by a recovery) or ``movement`` (the movement row the event wrote)."""

    __tablename__ = "onchain_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("rwa_asset.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    wallet_id: Mapped[int | None] = mapped_column(Integer)
    movement_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
