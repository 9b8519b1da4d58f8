"""What an asset's agent may do beyond the rules (ERC-3643): freeze, forced transfer, wallet recovery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.audit import log as audit
from app.rwa.compliance import rules as compliance
from app.rwa.compliance.rules import restricted
from app.rwa.domain import AssetStatus, MovementKind, Restriction
from app.rwa.errors import InsufficientUnits, InvalidInput, NothingToRecover, WalletIdentityMismatch
from app.rwa.ledger.book import check_units, ensure_holding, load, lock_holdings
from app.rwa.ledger.movements import MovementView, record_movement
from app.rwa.models import Holding, Wallet
from app.rwa.registry.assets import Position
from app.rwa.repo import addr, asset_by_symbol, begin_write, utcnow, wallets_by_address

# A forced transfer overrides every rule except these: the receiver must be a verified identity (as
# ERC-3643's forcedTransfer requires) and a wound-down asset has no units to move.
_NOT_OVERRIDABLE = frozenset({Restriction.RECEIVER_NOT_VERIFIED, Restriction.RECEIVER_KYC_EXPIRED})


def set_frozen(
    session: Session, *, actor: str, symbol: str, wallet: str, frozen: bool, units: int | None = None
) -> Position:
    """Freeze or unfreeze a wallet for one asset: fully (`units` None) or `units` of its balance."""
    if units is not None:
        check_units(units)
    wallet = addr(wallet)
    begin_write(session)
    w = wallets_by_address(session, [wallet])[wallet]
    asset = asset_by_symbol(session, symbol)
    ensure_holding(session, asset.id, w)
    h = lock_holdings(session, asset.id, [w.id])[w.id]
    before = {"frozen": h.frozen, "frozen_units": str(h.frozen_units)}
    if units is None:
        h.frozen = frozen
    elif frozen:
        if h.frozen_units + units > h.balance:
            raise InsufficientUnits(wallet, h.balance - h.frozen_units, units)
        h.frozen_units += units
    else:
        if units > h.frozen_units:
            raise InsufficientUnits(wallet, h.frozen_units, units, what="frozen units")
        h.frozen_units -= units
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ledger.freeze" if frozen else "ledger.unfreeze",
        subject=f"asset:{asset.symbol}",
        payload={
            "wallet": w.address,
            "units": None if units is None else str(units),
            "before": before,
            "after": {"frozen": h.frozen, "frozen_units": str(h.frozen_units)},
        },
    )
    return Position(asset.symbol, w.address, w.identity_id, h.balance, h.frozen_units, h.frozen)


def forced_transfer(
    session: Session,
    *,
    actor: str,
    symbol: str,
    sender: str,
    receiver: str,
    units: int,
    reason: str,
    now: datetime | None = None,
) -> MovementView:
    """Move units regardless of the compliance rules; the rules overridden go into the movement and audit.

    Frozen units are unfrozen as needed when the free balance is short (as ERC-3643's forcedTransfer)."""
    now = now or utcnow()
    loaded = load(session, symbol, sender=sender, receiver=receiver, units=units, now=now, lock=True)
    if loaded.asset.status == AssetStatus.REDEEMED:
        raise restricted(Restriction.ASSET_NOT_ACTIVE)
    broken = compliance.violations(loaded.view)
    hard = [r for r in broken if r in _NOT_OVERRIDABLE]
    if hard:
        raise restricted(hard[0])
    src = loaded.row(loaded.sender)
    if src is None or units > src.balance:
        raise InsufficientUnits(sender, src.balance if src else 0, units)
    unfrozen = max(0, units - (src.balance - src.frozen_units))
    src.frozen_units -= unfrozen
    loaded.book.apply(loaded.sender, loaded.receiver, units)
    return record_movement(
        session,
        loaded.asset,
        MovementKind.FORCED,
        actor,
        now,
        units,
        loaded.wallet(loaded.sender),
        loaded.wallet(loaded.receiver),
        overridden=[r.name for r in broken],
        reason=reason,
        extra={"unfrozen": unfrozen},
    )


def recover(
    session: Session, *, actor: str, symbol: str, lost: str, new: str, now: datetime | None = None
) -> MovementView:
    """Move a lost wallet's balance, frozen units and freeze flag to a new wallet of the same identity.

    The new wallet is registered to that identity if unknown. The lost wallet is revoked: it no longer
    counts as verified for any asset (ERC-3643 removes it from the identity registry)."""
    now = now or utcnow()
    lost, new = addr(lost), addr(new)
    if lost == new:
        raise InvalidInput("the lost and the new wallet are the same")
    begin_write(session)
    lost_w = wallets_by_address(session, [lost])[lost]
    asset = asset_by_symbol(session, symbol)
    # refused before anything is written (ERC-3643 recoveryAddress: "no tokens to recover"); checked again
    # under the lock below, in case a concurrent movement emptied it meanwhile
    if not _balance(session, asset.id, lost_w.id):
        raise NothingToRecover(lost, symbol)
    new_w = session.scalars(select(Wallet).where(Wallet.address == new)).one_or_none()
    created = new_w is None
    if new_w is None:
        new_w = Wallet(address=new, identity_id=lost_w.identity_id, created_at=now)
        session.add(new_w)
        session.flush()
    elif new_w.identity_id != lost_w.identity_id:
        raise WalletIdentityMismatch(new, lost)
    elif new_w.revoked_at is not None:
        raise InvalidInput(f"wallet {new} was revoked and cannot receive a recovery")
    ensure_holding(session, asset.id, new_w)
    rows = lock_holdings(session, asset.id, [lost_w.id, new_w.id])
    src, dst = rows[lost_w.id], rows[new_w.id]
    if not src.balance:
        raise NothingToRecover(lost, symbol)
    units, frozen_units = src.balance, src.frozen_units
    dst.balance += units
    dst.frozen_units += frozen_units
    dst.frozen = dst.frozen or src.frozen
    src.balance, src.frozen_units, src.frozen = 0, 0, False
    if lost_w.revoked_at is None:
        lost_w.revoked_at = now
    return record_movement(
        session,
        asset,
        MovementKind.RECOVERY,
        actor,
        now,
        units,
        lost_w,
        new_w,
        frozen_moved=frozen_units,
        extra={"wallet_registered": created, "frozen": dst.frozen},
    )


def _balance(session: Session, asset_id: int, wallet_id: int) -> int:
    stmt = select(Holding.balance).where(Holding.asset_id == asset_id, Holding.wallet_id == wallet_id)
    return int(session.scalar(stmt) or 0)
