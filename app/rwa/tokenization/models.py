"""Tables of tokenization: the platform's contracts by role, and each registry identity's ONCHAINID.

Rows are written by mined hooks, in the database transaction of the block holding the deploy, and removed by
``rewind`` when an ``evm_revert`` removes that block (the chain is their book of record)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class PlatformContract(Base):
    """One contract of the platform (implementation authority, factories, registries, claim issuer,
    the shared compliance modules), by its role."""

    __tablename__ = "tokenization_contract"
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False, unique=True)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class OnchainIdentity(Base):
    """The ONCHAINID ``Identity`` (a proxy made by the platform's IdFactory) of a registry identity."""

    __tablename__ = "tokenization_identity"
    identity_id: Mapped[int] = mapped_column(Integer, ForeignKey("rwa_identity.id"), primary_key=True)
    address: Mapped[bytes] = mapped_column(LargeBinary(20), nullable=False, unique=True)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    block_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


def rewind(conn: Connection, kept: int) -> Mapping[str, Any] | None:
    """A rewind hook (``ChainAPI.add_rewind_hook``): forget what blocks above ``kept`` deployed."""
    roles = conn.execute(select(PlatformContract.role).where(PlatformContract.block_number > kept)).scalars()
    ids = conn.execute(
        select(OnchainIdentity.identity_id).where(OnchainIdentity.block_number > kept)
    ).scalars()
    gone_roles, gone_ids = sorted(roles), sorted(ids)
    if not gone_roles and not gone_ids:
        return None
    conn.execute(delete(PlatformContract).where(PlatformContract.block_number > kept))
    conn.execute(delete(OnchainIdentity).where(OnchainIdentity.block_number > kept))
    return {"tokenization_contracts": gone_roles, "tokenization_identities": gone_ids}
