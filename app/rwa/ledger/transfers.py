"""The ownership ledger: issue (mint), redeem (burn), the `can-transfer` pre-check, transfers, and batches
of transfers settled in one transaction.

Invariant: the balances of an asset's holdings always sum to its `issued_units`. Every change writes a
movement row and an audit entry in the caller's transaction (services flush, never commit); the audit
entry is written last, after every lock, so the audit log's own serialization never waits on a row lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.rwa.audit import log as audit
from app.rwa.compliance import rules as compliance
from app.rwa.compliance.rules import restricted
from app.rwa.domain import AssetStatus, MovementKind, Restriction, Verdict
from app.rwa.errors import AssetNotActive, BatchRefused, InsufficientUnits, InvalidInput, SupplyCapExceeded
from app.rwa.ledger import settlement as settle
from app.rwa.ledger.book import check_units, load, lock_holdings, movement_addresses, open_book
from app.rwa.ledger.movements import MovementView, record_movement
from app.rwa.repo import addr, asset_by_symbol, begin_write, utcnow, wallets_by_address

MAX_BATCH = 1000


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


@dataclass(frozen=True, slots=True)
class TransferOrder:
    sender: str
    receiver: str
    units: int


def transfer_batch(
    session: Session,
    *,
    actor: str,
    symbol: str,
    orders: Sequence[TransferOrder],
    now: datetime | None = None,
) -> list[MovementView]:
    """Settle transfers all or nothing, in order, in the caller's transaction.

    Each transfer is checked by the same rules on the same book as if it ran alone after the ones
    before it; the first refusal refuses the batch (BatchRefused names its index and restriction). One
    audit entry records the whole settlement, listing every movement."""
    now = now or utcnow()
    if not 1 <= len(orders) <= MAX_BATCH:
        raise InvalidInput(f"a batch holds 1 to {MAX_BATCH} transfers")
    pairs = [movement_addresses(o.sender, o.receiver, o.units) for o in orders]
    book = open_book(
        session, symbol, {a for p in pairs for a in p if a}, receivers=[r for _, r in pairs], lock=True
    )
    for index, ((s, r), o) in enumerate(zip(pairs, orders, strict=True)):
        verdict = compliance.check(book.view(s, r, o.units, now))
        if verdict is not Restriction.SUCCESS:
            raise BatchRefused(index, restricted(verdict))
        book.apply(s, r, o.units)
    moves = [settle.Move(s, r, o.units, actor) for (s, r), o in zip(pairs, orders, strict=True) if s]
    views = settle.write_moves(session, book, moves, now)
    audit.record(
        session,
        actor=actor,
        action="ledger.transfer_batch",
        subject=f"asset:{book.asset.symbol}",
        payload={
            "count": len(views),
            "columns": ["movement", "from", "to", "units"],
            "transfers": [[v.id, v.sender, v.receiver, str(v.units)] for v in views],
        },
    )
    return views


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
