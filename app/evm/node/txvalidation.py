"""Transaction validation before execution: what geth and anvil reject at the door, with their messages.

The JSON-RPC runs it on every eth_sendRawTransaction / eth_sendTransaction, and the conformance runner on
every state test; nothing that fails it touches state. ``state`` is a py-evm state (its class says which
fork's rules apply) or any account view with get_nonce / get_balance / get_code (our chain's, on Prague).
py-evm itself checks some of these only when it imports a whole block (tip above fee cap, blob count,
blob contract creation, the up-front balance at the fee cap), so a single applied transaction needs us."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth.vm.forks.cancun.constants import MAX_BLOB_GAS_PER_BLOCK as CANCUN_BLOB_GAS
from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.prague.constants import MAX_BLOB_GAS_PER_BLOCK as PRAGUE_BLOB_GAS
from eth.vm.forks.prague.state import PragueState
from eth.vm.forks.shanghai.state import ShanghaiState
from eth.vm.state import BaseState

from app.evm.errors import (
    BlobTransactionInvalid,
    FeeCapTooLow,
    GasLimitExceeded,
    InsufficientFunds,
    IntrinsicGasTooLow,
    InvalidSignature,
    InvalidTransaction,
    NonceTooHigh,
    NonceTooLow,
    TipAboveFeeCap,
    WrongChainId,
)

MAX_INITCODE_SIZE = 49_152  # EIP-3860
INITCODE_WORD_GAS = 2  # EIP-3860: charged per 32-byte word of a create's init code, part of intrinsic gas
GAS_PER_BLOB = 2**17
DELEGATION_PREFIX = b"\xef\x01\x00"  # EIP-7702
MAX_NONCE = 2**64 - 1
UINT256_CEILING = 2**256
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TX_BASE_GAS = 21_000
FLOOR_PER_TOKEN = 10  # EIP-7623
BLOB_TX = 3
SET_CODE_TX = 4


@dataclass(frozen=True, slots=True)
class ForkRules:
    max_blobs: int  # per block, so per transaction too; 0 before Cancun
    calldata_floor: bool  # EIP-7623 (Prague)
    initcode_limit: bool  # EIP-3860 (Shanghai)


PRAGUE = ForkRules(PRAGUE_BLOB_GAS // GAS_PER_BLOB, calldata_floor=True, initcode_limit=True)
CANCUN = ForkRules(CANCUN_BLOB_GAS // GAS_PER_BLOB, calldata_floor=False, initcode_limit=True)
SHANGHAI = ForkRules(0, calldata_floor=False, initcode_limit=True)
EARLIER = ForkRules(0, calldata_floor=False, initcode_limit=False)


def fork_rules(state: Any) -> ForkRules:
    """The rules of ``state``'s fork; a bare account view is our own chain's, which runs Prague."""
    for state_class, rules in ((PragueState, PRAGUE), (CancunState, CANCUN), (ShanghaiState, SHANGHAI)):
        if isinstance(state, state_class):
            return rules
    return EARLIER if isinstance(state, BaseState) else PRAGUE


def calldata_floor(data: bytes) -> int:
    """EIP-7623: the least gas a transaction pays for its calldata (Prague)."""
    zeros = data.count(0)
    tokens = zeros + (len(data) - zeros) * 4
    return TX_BASE_GAS + FLOOR_PER_TOKEN * tokens


def validate_transaction(
    state: Any,
    tx: Any,
    *,
    base_fee: int,
    block_gas_limit: int,
    chain_id: int | None,
    blob_base_fee: int | None = None,
    rules: ForkRules | None = None,
    allow_future_nonce: bool = False,
) -> None:
    """Raise the matching ``InvalidTransaction`` if ``tx`` may not be included in the next block.

    ``chain_id=None`` skips the chain id check; ``blob_base_fee=None`` skips the blob fee check;
    ``allow_future_nonce`` accepts a nonce above the account's (a queued transaction)."""
    rules = fork_rules(state) if rules is None else rules
    type_id = getattr(tx, "type_id", None) or 0
    sender = _check_signature(tx, type_id, chain_id)
    _check_shape(tx, type_id, rules)
    _check_gas(tx, rules, block_gas_limit)
    max_fee = _check_fees(tx, type_id, base_fee, sender)
    blob_cost = _check_blob_fee(tx, blob_base_fee) if type_id == BLOB_TX else 0
    _check_account(state, tx, sender, tx.gas * max_fee + tx.value + blob_cost, allow_future_nonce)


def _check_signature(tx: Any, type_id: int, chain_id: int | None) -> bytes:
    if type_id == 0 and tx.v not in (27, 28) and tx.v < 35:
        raise InvalidSignature(f"invalid signature: v {tx.v} is neither 27/28 nor EIP-155")
    if chain_id is not None:
        # legacy v = 27/28 carries no chain id (pre-EIP-155): accepted, as anvil does
        have = tx.chain_id if type_id else (None if tx.v in (27, 28) else (tx.v - 35) // 2)
        if have is not None and have != chain_id:
            raise WrongChainId(f"invalid chain id for signer: have {have} want {chain_id}")
    r, s = int(tx.r), int(tx.s)
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_N // 2):
        raise InvalidSignature("invalid signature: r or s out of range (EIP-2 requires a low s)")
    try:
        tx.check_signature_validity()
        return bytes(tx.sender)
    except Exception as exc:  # eth-keys raises several kinds for an unrecoverable signature
        raise InvalidSignature(f"invalid signature: {exc}") from exc


def _check_gas(tx: Any, rules: ForkRules, block_gas_limit: int) -> None:
    if tx.gas > block_gas_limit:
        raise GasLimitExceeded(f"exceeds block gas limit: tx gas {tx.gas}, block gas limit {block_gas_limit}")
    creates = not tx.to
    if creates and rules.initcode_limit and len(tx.data) > MAX_INITCODE_SIZE:
        raise InvalidTransaction(
            f"max initcode size exceeded: code size {len(tx.data)} limit {MAX_INITCODE_SIZE}"
        )
    # py-evm charges the init code words when the create starts; geth counts them as intrinsic gas
    words = (len(tx.data) + 31) // 32 if creates and rules.initcode_limit else 0
    need = tx.intrinsic_gas + INITCODE_WORD_GAS * words
    if tx.gas < need:
        raise IntrinsicGasTooLow(f"intrinsic gas too low: have {tx.gas}, want {need}")
    if rules.calldata_floor and tx.gas < (floor := calldata_floor(tx.data)):
        raise IntrinsicGasTooLow(f"insufficient gas for floor data gas cost: have {tx.gas}, want {floor}")


def _check_fees(tx: Any, type_id: int, base_fee: int, sender: bytes) -> int:
    """Returns the fee cap per gas, which the up-front balance must cover."""
    if type_id >= 2:
        max_fee, tip = tx.max_fee_per_gas, tx.max_priority_fee_per_gas
        if max_fee >= UINT256_CEILING:
            raise InvalidTransaction("max fee per gas higher than 2^256-1")
        if tip >= UINT256_CEILING:
            raise InvalidTransaction("max priority fee per gas higher than 2^256-1")
        if tip > max_fee:
            raise TipAboveFeeCap(
                f"max priority fee per gas higher than max fee per gas: tip {tip}, max fee {max_fee}"
            )
    else:
        max_fee = tx.gas_price
    if max_fee < base_fee:
        raise FeeCapTooLow(
            f"max fee per gas less than block base fee: address 0x{sender.hex()}, "
            f"maxFeePerGas: {max_fee}, baseFee: {base_fee}"
        )
    return int(max_fee)


def _check_shape(tx: Any, type_id: int, rules: ForkRules) -> None:
    """What a blob or set-code transaction must look like, whatever the state."""
    if type_id == BLOB_TX:
        hashes = [bytes(h) for h in tx.blob_versioned_hashes]
        if not tx.to:
            raise BlobTransactionInvalid(
                "blob transaction cannot create a contract (it needs a 'to' address)"
            )
        if not hashes:
            raise BlobTransactionInvalid("blob transaction without blob hashes")
        if len(hashes) > rules.max_blobs:
            raise BlobTransactionInvalid(
                f"blob transaction has {len(hashes)} blobs, more than the {rules.max_blobs} allowed"
            )
        for h in hashes:
            if h[:1] != b"\x01":
                raise BlobTransactionInvalid(f"blob versioned hash 0x{h.hex()} has an unsupported version")
    elif type_id == SET_CODE_TX:
        if not tx.to:
            raise InvalidTransaction("set-code transaction cannot create a contract")
        if not tx.authorization_list:
            raise InvalidTransaction("set-code transaction with an empty authorization list")


def _check_blob_fee(tx: Any, blob_base_fee: int | None) -> int:
    """Returns the most the blobs may cost (blob gas * max fee per blob gas)."""
    if blob_base_fee is not None and tx.max_fee_per_blob_gas < blob_base_fee:
        raise BlobTransactionInvalid(
            "max fee per blob gas less than block blob gas fee: "
            f"have {tx.max_fee_per_blob_gas}, want {blob_base_fee}"
        )
    return int(len(tx.blob_versioned_hashes) * GAS_PER_BLOB * tx.max_fee_per_blob_gas)


def _check_account(state: Any, tx: Any, sender: bytes, cost: int, allow_future_nonce: bool) -> None:
    if tx.nonce >= MAX_NONCE:
        raise InvalidTransaction(f"nonce has max value: address 0x{sender.hex()}, nonce: {tx.nonce}")
    expected = state.get_nonce(sender)
    if tx.nonce < expected:
        raise NonceTooLow(f"nonce too low: next nonce {expected}, tx nonce {tx.nonce}")
    if tx.nonce > expected and not allow_future_nonce:
        raise NonceTooHigh(f"nonce too high: next nonce {expected}, tx nonce {tx.nonce}")
    code = state.get_code(sender)
    # EIP-3607, but a 7702 delegation may send, and so may an impersonated contract (dev only, as anvil)
    if code and not code.startswith(DELEGATION_PREFIX) and not getattr(tx, "impersonated", False):
        raise InvalidTransaction(f"sender not an eoa: address 0x{sender.hex()}, code size {len(code)}")
    balance = state.get_balance(sender)
    if balance < cost:
        raise InsufficientFunds(
            f"insufficient funds for gas * price + value: balance {balance}, tx cost {cost}, "
            f"overshot {cost - balance}"
        )
