"""Agent actions on a tokenized asset, as transactions the operator signs (T-REX's agent functions): the
registry checks what it can first (the wallet is known, the registry's own rules for an issue, the cap),
the token refuses the rest with its reason (``ChainTxReverted``) before anything is sent, and the indexer
writes the registry's rows, movement and audit entry in the block's transaction. Each returns what the
registry holds after the block: the movement the transaction made, or the wallet's position."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.rwa.compliance import rules as compliance
from app.rwa.compliance.rules import restricted
from app.rwa.domain import Restriction
from app.rwa.errors import InvalidInput, NothingToRecover, SupplyCapExceeded, WalletIdentityMismatch
from app.rwa.ledger.book import check_units, load
from app.rwa.ledger.movements import MovementView, view
from app.rwa.models import Asset, Holding, Movement, Wallet
from app.rwa.onchain.identity_sync import sync_identity
from app.rwa.onchain.mode import Tokenized, require_tokenized
from app.rwa.onchain.models import OnchainChange
from app.rwa.onchain.service import OnchainService
from app.rwa.registry.assets import Position
from app.rwa.repo import addr, asset_by_symbol, utcnow, wallets_by_address
from app.rwa.tokenization import agent, artifacts, identities
from app.rwa.tokenization.operator import Receipt, audit_hook

# what a forced transfer may not override (as the registry's agent.forced_transfer and T-REX's own check)
_NOT_OVERRIDABLE = frozenset({Restriction.RECEIVER_NOT_VERIFIED, Restriction.RECEIVER_KYC_EXPIRED})


def _target(svc: OnchainService, symbol: str) -> Tokenized:
    with Session(svc.engine) as session:
        return require_tokenized(session, asset_by_symbol(session, symbol))


def _known(svc: OnchainService, *wallets: str) -> dict[str, Wallet]:
    with Session(svc.engine) as session:
        return wallets_by_address(session, [addr(w) for w in wallets])


def movement_of(svc: OnchainService, receipt: Receipt) -> MovementView:
    """The movement the indexer wrote for a mined transaction."""
    src, dst = aliased(Wallet), aliased(Wallet)
    with Session(svc.engine) as session:
        row = session.execute(
            select(Movement, Asset.symbol, src.address, dst.address)
            .join(OnchainChange, OnchainChange.movement_id == Movement.id)
            .join(Asset, Asset.id == Movement.asset_id)
            .outerjoin(src, src.id == Movement.from_wallet_id)
            .outerjoin(dst, dst.id == Movement.to_wallet_id)
            .where(OnchainChange.tx_hash == bytes.fromhex(receipt.tx_hash[2:]))
            .order_by(Movement.id.desc())
            .limit(1)
        ).one()
    return view(row[0], row[1], row[2], row[3])


def position(svc: OnchainService, symbol: str, wallet: str) -> Position:
    with Session(svc.engine) as session:
        asset = asset_by_symbol(session, symbol)
        w = wallets_by_address(session, [addr(wallet)])[addr(wallet)]
        h = session.scalars(
            select(Holding).where(Holding.asset_id == asset.id, Holding.wallet_id == w.id)
        ).one_or_none()
        if h is None:
            return Position(asset.symbol, w.address, w.identity_id, 0, 0, False)
        return Position(asset.symbol, w.address, w.identity_id, h.balance, h.frozen_units, h.frozen)


def freeze(svc: OnchainService, symbol: str, wallet: str, *, frozen: bool, units: int | None) -> Position:
    """``setAddressFrozen`` (no ``units``) or ``freezePartialTokens`` / ``unfreezePartialTokens``."""
    t = _target(svc, symbol)
    wallet = addr(wallet)
    _known(svc, wallet)
    op = svc.operator()
    if units is None:
        agent.set_address_frozen(op, t.token, wallet, frozen)
    elif frozen:
        agent.freeze_partial(op, t.token, wallet, check_units(units))
    else:
        agent.unfreeze_partial(op, t.token, wallet, check_units(units))
    return position(svc, symbol, wallet)


def forced_transfer(
    svc: OnchainService,
    symbol: str,
    sender: str,
    receiver: str,
    units: int,
    *,
    reason: str | None = None,
    requested_by: str | None = None,
) -> MovementView:
    """``forcedTransfer``; its audit entry (in the block's transaction) carries the reason and who asked."""
    t = _target(svc, symbol)
    check_units(units)
    sender, receiver = addr(sender), addr(receiver)
    known = _known(svc, sender, receiver)
    with Session(svc.engine) as session:
        loaded = load(
            session, symbol, sender=sender, receiver=receiver, units=units, now=utcnow(), lock=False
        )
        hard = [r for r in compliance.violations(loaded.view) if r in _NOT_OVERRIDABLE]
    if hard:
        raise restricted(hard[0])
    sync_identity(svc, known[receiver].identity_id)
    op = svc.operator()
    payload = {"from": sender, "to": receiver, "amount": str(units), "reason": reason}
    hook = audit_hook(requested_by or op.actor, "tokenization.forcedTransfer", f"token:{t.token}", payload)
    token_abi = artifacts.abi("Token")
    receipt = op.transact(t.token, token_abi, "forcedTransfer", [sender, receiver, units], on_mined=hook)
    return movement_of(svc, receipt)


def issue(svc: OnchainService, symbol: str, wallet: str, units: int) -> MovementView:
    """``mint``: the registry's rules for an issue and the asset's cap first, then the token's."""
    t = _target(svc, symbol)
    check_units(units)
    wallet = addr(wallet)
    known = _known(svc, wallet)
    with Session(svc.engine) as session:
        loaded = load(session, symbol, sender=None, receiver=wallet, units=units, now=utcnow(), lock=False)
        verdict = compliance.check(loaded.view)
        asset = loaded.asset
        if verdict is not Restriction.SUCCESS:
            raise restricted(verdict)
        if asset.max_units is not None and asset.issued_units + units > asset.max_units:
            raise SupplyCapExceeded(asset.symbol, asset.max_units - asset.issued_units)
    sync_identity(svc, known[wallet].identity_id)
    return movement_of(svc, agent.mint(svc.operator(), t.token, wallet, units))


def redeem(svc: OnchainService, symbol: str, wallet: str, units: int) -> MovementView:
    """``burn`` (frozen units are unfrozen as needed, as the token does)."""
    t = _target(svc, symbol)
    check_units(units)
    wallet = addr(wallet)
    _known(svc, wallet)
    return movement_of(svc, agent.burn(svc.operator(), t.token, wallet, units))


def recover(svc: OnchainService, symbol: str, lost: str, new: str) -> MovementView:
    """``recoveryAddress``: the lost wallet's units, frozen units and freeze move to ``new``, registered to
    the lost wallet's identity (on-chain by the token, in the registry by the indexer)."""
    t = _target(svc, symbol)
    lost, new = addr(lost), addr(new)
    if lost == new:
        raise InvalidInput("the lost and the new wallet are the same")
    owner = _known(svc, lost)[lost]
    with Session(svc.engine) as session:
        other = session.scalars(select(Wallet).where(Wallet.address == new)).one_or_none()
    if other is not None and other.identity_id != owner.identity_id:
        raise WalletIdentityMismatch(new, lost)
    op = svc.operator()
    if agent.balance_of(op, t.token, lost) == 0:
        raise NothingToRecover(lost, symbol)
    with svc.engine.connect() as conn:
        oid = identities.onchain_identity(conn, owner.identity_id)
    if oid is None:
        raise InvalidInput(f"the identity of {lost} has no ONCHAINID")
    ir_abi = artifacts.abi("IdentityRegistry")
    if op.call(t.identity_registry, ir_abi, "contains", [new]):  # a wallet of the same identity: the token
        op.transact(t.identity_registry, ir_abi, "deleteIdentity", [new])  # registers it again itself
    return movement_of(svc, agent.recover(op, t.token, lost, new, oid))


def set_paused(svc: OnchainService, symbol: str, paused: bool) -> Receipt:
    t = _target(svc, symbol)
    op = svc.operator()
    return agent.pause(op, t.token) if paused else agent.unpause(op, t.token)
