"""Look-ups shared by the services, the clock, and the write lock every mutating use case takes first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, contains_eager

from app.rwa.domain import normalize_address
from app.rwa.errors import AssetNotFound, IdentityNotFound, InvalidInput, IssuerNotFound, WalletNotFound
from app.rwa.models import Asset, Identity, Issuer, Wallet


def utcnow() -> datetime:
    return datetime.now(UTC)


def begin_write(session: Session) -> None:
    """Serialize writers where the database cannot lock rows.

    PostgreSQL: a no-op, the services lock the rows they change (SELECT ... FOR UPDATE).
    SQLite: FOR UPDATE does not exist and the driver opens a transaction lazily at the first write, so
    reads made before it could be stale by the time we write. A write that matches no row takes the
    database's write lock now; every read after it sees the latest committed state until we commit."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(text("UPDATE rwa_asset SET id = id WHERE 0"))


def addr(address: str) -> str:
    """A wallet address in its stored form (lower-case), or InvalidInput."""
    try:
        return normalize_address(address)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def asset_by_symbol(session: Session, symbol: str, *, lock: bool = False) -> Asset:
    stmt = select(Asset).where(Asset.symbol == symbol)
    if lock:
        stmt = stmt.with_for_update(of=Asset).execution_options(populate_existing=True)
    asset = session.scalars(stmt).unique().one_or_none()
    if asset is None:
        raise AssetNotFound(symbol)
    return asset


def issuer_by_id(session: Session, issuer_id: int) -> Issuer:
    issuer = session.get(Issuer, issuer_id)
    if issuer is None:
        raise IssuerNotFound(issuer_id)
    return issuer


def identity_by_id(session: Session, identity_id: int) -> Identity:
    identity = session.get(Identity, identity_id)
    if identity is None:
        raise IdentityNotFound(identity_id)
    return identity


def wallets_by_address(session: Session, addresses: Iterable[str]) -> dict[str, Wallet]:
    """The registered wallets (with their identities) for these addresses; any unknown one is a 404."""
    wanted = set(addresses)
    found = wallets_found(session, wanted)
    for address in sorted(wanted - found.keys()):
        raise WalletNotFound(address)
    return found


def wallets_found(session: Session, addresses: Iterable[str]) -> dict[str, Wallet]:
    """The registered wallets (with their identities) among these addresses; unknown ones are left out."""
    stmt = (
        select(Wallet)
        .join(Wallet.identity)
        .options(contains_eager(Wallet.identity))
        .where(Wallet.address.in_(set(addresses)))
    )
    return {w.address: w for w in session.scalars(stmt).all()}
