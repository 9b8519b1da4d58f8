"""The token agent's actions, signed by the operator key (the agent of every token the platform deploys).
Each returns the mined transaction's receipt, or raises ``ChainTxReverted`` with the token's reason before
anything is sent; each is audited in its block's transaction (subject ``token:<address>``)."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from app.rwa.tokenization import artifacts
from app.rwa.tokenization.operator import Operator, Receipt, audit_hook


def _act(op: Operator, token: str, function: str, args: list[Any], payload: dict[str, Any]) -> Receipt:
    hook = audit_hook(op.actor, f"tokenization.{function}", f"token:{token}", payload)
    return op.transact(token, artifacts.abi("Token"), function, args, on_mined=hook)


def mint(op: Operator, token: str, to: str, amount: int) -> Receipt:
    return _act(op, token, "mint", [to, amount], {"to": to, "amount": str(amount)})


def burn(op: Operator, token: str, holder: str, amount: int) -> Receipt:
    return _act(op, token, "burn", [holder, amount], {"holder": holder, "amount": str(amount)})


def set_address_frozen(op: Operator, token: str, wallet: str, frozen: bool) -> Receipt:
    return _act(op, token, "setAddressFrozen", [wallet, frozen], {"wallet": wallet, "frozen": frozen})


def freeze_partial(op: Operator, token: str, wallet: str, amount: int) -> Receipt:
    return _act(op, token, "freezePartialTokens", [wallet, amount], {"wallet": wallet, "amount": str(amount)})


def unfreeze_partial(op: Operator, token: str, wallet: str, amount: int) -> Receipt:
    return _act(
        op, token, "unfreezePartialTokens", [wallet, amount], {"wallet": wallet, "amount": str(amount)}
    )


def forced_transfer(op: Operator, token: str, sender: str, to: str, amount: int) -> Receipt:
    payload = {"from": sender, "to": to, "amount": str(amount)}
    return _act(op, token, "forcedTransfer", [sender, to, amount], payload)


def recover(op: Operator, token: str, lost: str, new: str, identity: str) -> Receipt:
    """``recoveryAddress``: the lost wallet's balance, frozen amounts and freeze move to ``new``, which the
    token registers in its identity registry for the ONCHAINID ``identity`` (with the lost wallet's country)
    while removing the lost one. T-REX asks that ``new`` be a management key of ``identity``: the operator
    (its manager) adds it first. ``new`` must not be registered in the token's identity registry yet."""
    key = "0x" + keccak(encode(["address"], [new])).hex()
    oid = artifacts.abi("Identity")
    if not op.call(identity, oid, "keyHasPurpose", [key, 1]):
        op.transact(identity, oid, "addKey", [key, 1, 1])
    payload = {"lost": lost, "new": new, "identity": identity}
    return _act(op, token, "recoveryAddress", [lost, new, identity], payload)


def pause(op: Operator, token: str) -> Receipt:
    return _act(op, token, "pause", [], {})


def unpause(op: Operator, token: str) -> Receipt:
    return _act(op, token, "unpause", [], {})


def balance_of(op: Operator, token: str, wallet: str) -> int:
    return int(op.call(token, artifacts.abi("Token"), "balanceOf", [wallet]))


def frozen_tokens(op: Operator, token: str, wallet: str) -> int:
    return int(op.call(token, artifacts.abi("Token"), "getFrozenTokens", [wallet]))


def is_frozen(op: Operator, token: str, wallet: str) -> bool:
    return bool(op.call(token, artifacts.abi("Token"), "isFrozen", [wallet]))


def paused(op: Operator, token: str) -> bool:
    return bool(op.call(token, artifacts.abi("Token"), "paused"))
