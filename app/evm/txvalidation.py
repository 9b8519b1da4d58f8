"""Transaction validation before execution: what geth and anvil reject at the door, with their messages.

The JSON-RPC runs it on every eth_sendRawTransaction / eth_sendTransaction; nothing that fails it touches
state. ``accounts`` is anything with get_nonce / get_balance / get_code (a py-evm state or AccountDB)."""

from __future__ import annotations

from typing import Any

from eth_utils import ValidationError

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
GAS_PER_BLOB = 2**17
MAX_BLOBS_PRAGUE = 9  # EIP-7691
MAX_BLOBS_CANCUN = 6
DELEGATION_PREFIX = b"\xef\x01\x00"  # EIP-7702
MAX_NONCE = 2**64 - 1
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TX_BASE_GAS = 21_000
FLOOR_PER_TOKEN = 10  # EIP-7623
BLOB_TX = 3
SET_CODE_TX = 4


def calldata_floor(data: bytes) -> int:
    """EIP-7623: the least gas a transaction pays for its calldata (Prague)."""
    zeros = data.count(0)
    tokens = zeros + (len(data) - zeros) * 4
    return TX_BASE_GAS + FLOOR_PER_TOKEN * tokens


def validate_transaction(
    accounts: Any,
    tx: Any,
    *,
    base_fee: int,
    block_gas_limit: int,
    chain_id: int | None,
    blob_base_fee: int | None = None,
    max_blobs: int = MAX_BLOBS_PRAGUE,
    calldata_floor_gas: bool = True,
    allow_future_nonce: bool = False,
) -> None:
    type_id = getattr(tx, "type_id", None) or 0
    _check_chain_id(tx, type_id, chain_id)
    r, s_ = int(tx.r), int(tx.s)
    if not (0 < r < SECP256K1_N and 0 < s_ <= SECP256K1_N // 2):
        raise InvalidSignature("invalid signature: r or s out of range (EIP-2 requires a low s)")
    try:
        tx.check_signature_validity()
        sender = tx.sender
    except (ValidationError, ValueError, Exception) as exc:  # eth-keys raises several kinds
        raise InvalidSignature(f"invalid signature: {exc}") from exc

    if tx.gas > block_gas_limit:
        raise GasLimitExceeded(f"exceeds block gas limit: tx gas {tx.gas}, block gas limit {block_gas_limit}")
    need = tx.intrinsic_gas
    if calldata_floor_gas:
        need = max(need, calldata_floor(tx.data))
    if tx.gas < need:
        raise IntrinsicGasTooLow(f"intrinsic gas too low: have {tx.gas}, want {need}")
    creates = not tx.to
    if creates and len(tx.data) > MAX_INITCODE_SIZE:
        raise InvalidTransaction(
            f"max initcode size exceeded: code size {len(tx.data)} limit {MAX_INITCODE_SIZE}"
        )

    max_fee = tx.max_fee_per_gas if type_id >= 2 else tx.gas_price
    if type_id >= 2 and tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
        raise TipAboveFeeCap(
            f"max priority fee per gas higher than max fee per gas: tip {tx.max_priority_fee_per_gas}, "
            f"max fee {tx.max_fee_per_gas}"
        )
    if max_fee < base_fee:
        raise FeeCapTooLow(
            f"max fee per gas less than block base fee: address 0x{sender.hex()}, "
            f"maxFeePerGas: {max_fee}, baseFee: {base_fee}"
        )

    blob_cost = _check_blobs(tx, type_id, creates, blob_base_fee, max_blobs)
    if type_id == SET_CODE_TX:
        if creates:
            raise InvalidTransaction("set-code transaction cannot create a contract")
        if not tx.authorization_list:
            raise InvalidTransaction("set-code transaction with an empty authorization list")

    if tx.nonce >= MAX_NONCE:
        raise InvalidTransaction("nonce has max value")
    expected = accounts.get_nonce(sender)
    if tx.nonce < expected:
        raise NonceTooLow(f"nonce too low: next nonce {expected}, tx nonce {tx.nonce}")
    if tx.nonce > expected and not allow_future_nonce:
        raise NonceTooHigh(f"nonce too high: next nonce {expected}, tx nonce {tx.nonce}")

    code = accounts.get_code(sender)
    if code and not code.startswith(DELEGATION_PREFIX):
        raise InvalidTransaction(f"sender not an eoa: address 0x{sender.hex()}, code size {len(code)}")

    balance = accounts.get_balance(sender)
    cost = tx.gas * max_fee + tx.value + blob_cost
    if balance < cost:
        raise InsufficientFunds(
            f"insufficient funds for gas * price + value: address 0x{sender.hex()} have {balance} want {cost}"
        )


def _check_chain_id(tx: Any, type_id: int, chain_id: int | None) -> None:
    if chain_id is None:
        return
    if type_id == 0:
        v = tx.v
        if v in (27, 28):
            return  # pre-EIP-155: no chain id in the signature; accepted as anvil does
        have = (v - 35) // 2
    else:
        have = tx.chain_id
    if have != chain_id:
        raise WrongChainId(f"invalid chain id for signer: have {have} want {chain_id}")


def _check_blobs(tx: Any, type_id: int, creates: bool, blob_base_fee: int | None, max_blobs: int) -> int:
    if type_id != BLOB_TX:
        return 0
    hashes = list(tx.blob_versioned_hashes)
    if creates:
        raise BlobTransactionInvalid("blob transaction cannot create a contract (it needs a 'to' address)")
    if not hashes:
        raise BlobTransactionInvalid("blob transaction without blob hashes")
    if len(hashes) > max_blobs:
        raise BlobTransactionInvalid(
            f"blob transaction has {len(hashes)} blobs, more than the {max_blobs} allowed"
        )
    for h in hashes:
        if bytes(h)[:1] != b"\x01":
            raise BlobTransactionInvalid(f"blob versioned hash 0x{bytes(h).hex()} has an unsupported version")
    if blob_base_fee is not None and tx.max_fee_per_blob_gas < blob_base_fee:
        raise BlobTransactionInvalid(
            "max fee per blob gas less than block blob gas fee: "
            f"have {tx.max_fee_per_blob_gas}, want {blob_base_fee}"
        )
    return int(len(hashes) * GAS_PER_BLOB * tx.max_fee_per_blob_gas)
