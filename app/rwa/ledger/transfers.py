"""The ledger's use cases, one movement each: issue (mint), redeem (burn), the `can-transfer` pre-check and
a transfer. Many transfers in one transaction (a batch, a group commit's group) are `settlement.py`.

Invariant: the balances of an asset's holdings always sum to its `issued_units`. Every change writes a
movement row and an audit entry in the caller's transaction (services flush, never commit); the audit
entry is written last, after every lock, so the audit log's own serialization never waits on a row lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.rwa.compliance import rules as compliance
from app.rwa.compliance.rules import restricted
from app.rwa.domain import AssetStatus, MovementKind, Restriction, Verdict
from app.rwa.errors import AssetNotActive, InsufficientUnits, SupplyCapExceeded
from app.rwa.ledger.book import check_units, load, lock_holdings
from app.rwa.ledger.movements import MovementView, record_movement
from app.rwa.repo import addr, asset_by_symbol, begin_write, utcnow, wallets_by_address


def can_transfer(
    session: Session, symbol: str, sender: str, receiver: str, units: int, now: datetime | None = None
) -> Verdict:
    """The pre-check: what `transfer` would decide now, without locking or writing anything."""
    loaded = load(
        session, symbol, sender=sender, receiver=receiver, units=units, now=now or utcnow(), lock=False
    )
    return Verdict(compliance.check(loaded.view))


def transfer(
    session: Session,
    *,
    actor: str,
    symbol: str,
    sender: str,
    receiver: str,
    units: int,
    now: datetime | None = None,
) -> MovementView:
    now = now or utcnow()
    loaded = load(session, symbol, sender=sender, receiver=receiver, units=units, now=now, lock=True)
    verdict = compliance.check(loaded.view)
    if verdict is not Restriction.SUCCESS:
        raise restricted(verdict)
    loaded.book.apply(loaded.sender, loaded.receiver, units)
    src, dst = loaded.wallet(loaded.sender), loaded.wallet(loaded.receiver)
    return record_movement(session, loaded.asset, MovementKind.TRANSFER, actor, now, units, src, dst)


def issue(
    session: Session, *, actor: str, symbol: str, wallet: str, units: int, now: datetime | None = None
) -> MovementView:
    """Mint units to a wallet; the receiver-side rules apply (verified, country, category, caps, frozen)."""
    now = now or utcnow()
    loaded = load(session, symbol, sender=None, receiver=wallet, units=units, now=now, lock=True)
    verdict = compliance.check(loaded.view)
    if verdict is not Restriction.SUCCESS:
        raise restricted(verdict)
    asset = loaded.asset
    if asset.max_units is not None and asset.issued_units + units > asset.max_units:
        raise SupplyCapExceeded(asset.symbol, asset.max_units - asset.issued_units)
    loaded.book.apply(None, loaded.receiver, units)
    asset.issued_units += units
    return record_movement(
        session, asset, MovementKind.ISSUE, actor, now, units, None, loaded.wallet(loaded.receiver)
    )


def redeem(
    session: Session, *, actor: str, symbol: str, wallet: str, units: int, now: datetime | None = None
) -> MovementView:
    """Burn units from a wallet (as ERC-3643's burn: frozen units are unfrozen if the free ones are short)."""
    now = now or utcnow()
    check_units(units)
    wallet = addr(wallet)
    begin_write(session)
    w = wallets_by_address(session, [wallet])[wallet]
    asset = asset_by_symbol(session, symbol, lock=True)
    if asset.status == AssetStatus.REDEEMED:
        raise AssetNotActive(Restriction.ASSET_NOT_ACTIVE)
    holding = lock_holdings(session, asset.id, [w.id]).get(w.id)
    balance = holding.balance if holding else 0
    if holding is None or units > balance:
        raise InsufficientUnits(wallet, balance, units)
    unfrozen = max(0, units - (holding.balance - holding.frozen_units))
    holding.frozen_units -= unfrozen
    holding.balance -= units
    asset.issued_units -= units
    return record_movement(
        session, asset, MovementKind.REDEEM, actor, now, units, w, None, extra={"unfrozen": unfrozen}
    )
