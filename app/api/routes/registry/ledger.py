"""The ledger of an asset: issue, redeem, the can-transfer pre-check, transfers, and the agent's tools."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends

from app.api.deps import CommitterDep, OnchainDep, PrincipalDep, RequireInGroup, SessionDep, allow
from app.api.schemas.registry import (
    BatchIn,
    ForcedTransferIn,
    FreezeIn,
    MovementOut,
    PositionOut,
    RecoveryIn,
    SupplyIn,
    TransferIn,
    VerdictOut,
)
from app.rwa.ledger import agent, settlement
from app.rwa.ledger import transfers as ledger
from app.rwa.ledger.group_commit import KeyedTransfer
from app.rwa.onchain import actions
from app.rwa.onchain.mode import tokenized
from app.rwa.registry import access, identities, identity_access
from app.rwa.registry.access import Permission
from app.rwa.repo import asset_by_symbol

router = APIRouter(prefix="/assets/{symbol}", tags=["ledger"])


@router.post("/issue", status_code=201, response_model=MovementOut, dependencies=allow(Permission.SUPPLY))
def issue(symbol: str, body: SupplyIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep) -> object:
    """A tokenized asset's issue is the token's ``mint``, signed by the operator (the registry's rules and
    cap checked first); the registry follows the block."""
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.SUPPLY, asset)
    if tokenized(session, asset):
        return actions.issue(onchain, asset.symbol, body.wallet, body.units)
    return ledger.issue(session, actor=who.actor, symbol=symbol, wallet=body.wallet, units=body.units)


@router.post("/redeem", status_code=201, response_model=MovementOut, dependencies=allow(Permission.SUPPLY))
def redeem(
    symbol: str, body: SupplyIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.SUPPLY, asset)
    if tokenized(session, asset):
        return actions.redeem(onchain, asset.symbol, body.wallet, body.units)
    return ledger.redeem(session, actor=who.actor, symbol=symbol, wallet=body.wallet, units=body.units)


@router.post("/can-transfer", response_model=VerdictOut, dependencies=allow(Permission.TRANSFER_CHECK))
def can_transfer(symbol: str, body: TransferIn, session: SessionDep, who: PrincipalDep) -> object:
    """ERC-1404 detectTransferRestriction: the code and message the transfer itself would give."""
    who.require(Permission.TRANSFER_CHECK, asset_by_symbol(session, symbol))
    access.require_own_wallet(session, who, body.sender)
    v = ledger.can_transfer(session, symbol, body.sender, body.receiver, body.units)
    return VerdictOut(allowed=v.allowed, code=v.code, reason=v.restriction.name, message=v.message)


# the key is authenticated and authorized in the group (app/rwa/ledger/settlement.py `_authorize`), not here
TransferKey = Annotated[str | None, Depends(RequireInGroup(Permission.TRANSFER))]


@router.post("/transfers", status_code=201, response_model=MovementOut)
async def transfer(symbol: str, body: TransferIn, token: TransferKey, committer: CommitterDep) -> object:
    """One transfer, group-committed with the others arriving at the same time: its key authenticated,
    the transfer authorized (a plain transfer moves only the key's own units), checked and written in the
    group's transaction, and answered after that
    commit with its own movement and audit entry, or its own error. The request holds no database
    connection, nor a worker thread, at any time."""
    request = KeyedTransfer(token, symbol, body.sender, body.receiver, body.units)
    return await asyncio.wrap_future(committer.submit(request))


@router.post(
    "/transfers/batch",
    status_code=201,
    response_model=list[MovementOut],
    dependencies=allow(Permission.TRANSFER),
)
def transfer_batch(symbol: str, body: BatchIn, session: SessionDep, who: PrincipalDep) -> object:
    """Settle up to 1,000 transfers all or nothing, each checked as if alone after the ones before it;
    a refusal names the transfer (`index`) and its restriction, and nothing is settled."""
    who.require(Permission.TRANSFER, asset_by_symbol(session, symbol))
    for sender in sorted({t.sender for t in body.transfers}):
        access.require_holder(session, who, sender)
    orders = [settlement.TransferOrder(t.sender, t.receiver, t.units) for t in body.transfers]
    return settlement.transfer_batch(session, actor=who.actor, symbol=symbol, orders=orders)


@router.post(
    "/forced-transfers", status_code=201, response_model=MovementOut, dependencies=allow(Permission.ENFORCE)
)
def forced_transfer(
    symbol: str, body: ForcedTransferIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.ENFORCE, asset)
    if tokenized(session, asset):  # the token's forcedTransfer, signed by the operator
        return actions.forced_transfer(onchain, asset.symbol, body.sender, body.receiver, body.units)
    return agent.forced_transfer(
        session,
        actor=who.actor,
        symbol=symbol,
        sender=body.sender,
        receiver=body.receiver,
        units=body.units,
        reason=body.reason,
    )


def _freeze(
    symbol: str, body: FreezeIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep, frozen: bool
) -> object:
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.ENFORCE, asset)
    if tokenized(session, asset):  # setAddressFrozen / (un)freezePartialTokens, signed by the operator
        return actions.freeze(onchain, asset.symbol, body.wallet, frozen=frozen, units=body.units)
    return agent.set_frozen(
        session, actor=who.actor, symbol=symbol, wallet=body.wallet, frozen=frozen, units=body.units
    )


@router.post("/freeze", response_model=PositionOut, dependencies=allow(Permission.ENFORCE))
def freeze(
    symbol: str, body: FreezeIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    """ERC-3643 setAddressFrozen (no `units`) or freezePartialTokens (`units`) for this asset."""
    return _freeze(symbol, body, session, who, onchain, True)


@router.post("/unfreeze", response_model=PositionOut, dependencies=allow(Permission.ENFORCE))
def unfreeze(
    symbol: str, body: FreezeIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    return _freeze(symbol, body, session, who, onchain, False)


@router.post("/recovery", status_code=201, response_model=MovementOut, dependencies=allow(Permission.ENFORCE))
def recovery(
    symbol: str, body: RecoveryIn, session: SessionDep, who: PrincipalDep, onchain: OnchainDep
) -> object:
    """ERC-3643 recoveryAddress: a lost wallet's units, frozen units and freeze move to a new wallet.

    A new wallet not yet registered is registered to the lost wallet's identity: that changes the identity
    (for every asset), so only its stewards may (the onboarding issuer, its assets' agents, an admin)."""
    asset = asset_by_symbol(session, symbol)
    who.require(Permission.ENFORCE, asset)
    owner = identities.identity_of_wallet(session, body.lost_wallet)
    if owner is not None and identities.identity_of_wallet(session, body.new_wallet) is None:
        identity_access.require_steward(session, who, owner)
    if tokenized(session, asset):  # the token's recoveryAddress, signed by the operator
        return actions.recover(onchain, asset.symbol, body.lost_wallet, body.new_wallet)
    return agent.recover(session, actor=who.actor, symbol=symbol, lost=body.lost_wallet, new=body.new_wallet)
