"""Transaction validation before execution, on real signed transactions and an in-memory py-evm state:
each rejection carries the error class (so the JSON-RPC code) and the message geth and anvil users know."""

from __future__ import annotations

import pytest
from eth.db.atomic import AtomicDB
from eth.db.backends.memory import MemoryDB
from eth.vm.chain_context import ChainContext
from eth.vm.forks.cancun import CancunVM
from eth.vm.forks.cancun.headers import CancunBlockHeader
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.headers import PragueBlockHeader
from eth.vm.forks.prague.transactions import PragueTypedTransaction
from eth_account import Account
from eth_keys.datatypes import PrivateKey

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
from app.evm.execution.pyevm import accounts_at
from app.evm.node.txvalidation import CANCUN, PRAGUE, SECP256K1_N, fork_rules, validate_transaction

CHAIN_ID = 31337
BASE_FEE = 7
GAS_LIMIT = 30_000_000
KEY = PrivateKey(b"\x11" * 32)
SENDER = KEY.public_key.to_canonical_address()
TO = b"\x22" * 20
FUNDS = 10**18
GWEI = 10**9
BLOB_HASH = b"\x01" + b"\xab" * 31


def make_state(vm_class=PragueVM, *, nonce=5, balance=FUNDS, code=b""):
    header_class = PragueBlockHeader if vm_class is PragueVM else CancunBlockHeader
    header = header_class(
        difficulty=0, block_number=1, gas_limit=GAS_LIMIT, timestamp=1, base_fee_per_gas=BASE_FEE
    )
    state = vm_class.build_state(AtomicDB(MemoryDB()), header, ChainContext(CHAIN_ID))
    state.set_balance(SENDER, balance)
    state.set_nonce(SENDER, nonce)
    state.set_code(SENDER, code)
    return state


def validate(state, tx, **overrides):
    kwargs = {
        "base_fee": BASE_FEE,
        "block_gas_limit": GAS_LIMIT,
        "chain_id": CHAIN_ID,
        "blob_base_fee": getattr(state, "blob_base_fee", None),
    }
    validate_transaction(state, tx, **(kwargs | overrides))


def dynamic(*, chain_id=CHAIN_ID, nonce=5, tip=GWEI, max_fee=2 * GWEI, gas=21_000, to=TO, value=0, data=b""):
    unsigned = PragueVM.get_transaction_builder().new_unsigned_dynamic_fee_transaction(
        chain_id, nonce, tip, max_fee, gas, to, value, data, ()
    )
    return unsigned.as_signed_transaction(KEY)


def legacy(*, chain_id=CHAIN_ID, nonce=5, gas_price=GWEI, gas=21_000):
    unsigned = PragueVM.get_transaction_builder().create_unsigned_transaction(
        nonce=nonce, gas_price=gas_price, gas=gas, to=TO, value=0, data=b""
    )
    return unsigned.as_signed_transaction(KEY, chain_id=chain_id)


def blob(*, to=TO, hashes=(BLOB_HASH,), max_fee_per_blob_gas=10, nonce=5):
    unsigned = PragueVM.get_transaction_builder().new_unsigned_blob_transaction(
        CHAIN_ID, nonce, GWEI, 2 * GWEI, 50_000, to, 0, b"", (), max_fee_per_blob_gas, list(hashes)
    )
    return unsigned.as_signed_transaction(KEY)


def set_code(*, to=TO, authorizations=()):
    unsigned = PragueVM.get_transaction_builder().new_unsigned_set_code_transaction(
        CHAIN_ID, 5, GWEI, 2 * GWEI, 100_000, to, 0, b"", (), list(authorizations)
    )
    return unsigned.as_signed_transaction(KEY)


# -- accepted -------------------------------------------------------------------------------------------
def test_accepts_a_valid_transfer_of_each_kind():
    state = make_state()
    root = state.make_state_root()
    for tx in (dynamic(value=10**17), legacy(), legacy(chain_id=None), blob()):
        validate(state, tx)
    assert state.make_state_root() == root  # validation only reads


def test_accepts_a_wallet_signed_transaction():
    signed = Account.sign_transaction(
        {
            "chainId": CHAIN_ID,
            "nonce": 5,
            "to": "0x" + TO.hex(),
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": 2 * GWEI,
            "maxPriorityFeePerGas": GWEI,
        },
        KEY.to_bytes(),
    )
    tx = PragueVM.get_transaction_builder().decode(bytes(signed.raw_transaction))
    validate(make_state(), tx)


def test_accepts_a_sender_delegated_by_eip7702():
    state = make_state(code=b"\xef\x01\x00" + b"\x33" * 20)
    validate(state, dynamic())


def test_chain_id_check_can_be_skipped_and_future_nonces_allowed():
    validate(make_state(), dynamic(chain_id=1, nonce=9), chain_id=None, allow_future_nonce=True)


# -- rejected -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tx", "message"),
    [
        (dynamic(chain_id=1), "invalid chain id for signer: have 1 want 31337"),
        (legacy(chain_id=1), "invalid chain id for signer: have 1 want 31337"),
    ],
    ids=["typed", "eip155-legacy"],
)
def test_rejects_another_chains_transaction(tx, message):
    with pytest.raises(WrongChainId, match=message) as exc:
        validate(make_state(), tx)
    assert exc.value.rpc_code == -32000


def test_rejects_a_high_s_signature():
    tx = legacy(chain_id=None)
    malleated = tx.copy(s=SECP256K1_N - tx.s, v=55 - tx.v)  # the same sender, the other s (EIP-2)
    with pytest.raises(InvalidSignature, match="invalid signature"):
        validate(make_state(), malleated)


@pytest.mark.parametrize("r", [0, SECP256K1_N, 5], ids=["zero", "out-of-range", "not-on-curve"])
def test_rejects_an_unrecoverable_signature(r):
    tx = dynamic()
    tampered = PragueTypedTransaction(tx.type_id, tx._inner.copy(r=r))
    with pytest.raises(InvalidSignature, match="invalid signature"):
        validate(make_state(), tampered)


def test_rejects_a_legacy_v_that_is_neither_pre_nor_post_eip155():
    with pytest.raises(InvalidSignature, match="v 30"):
        validate(make_state(), legacy(chain_id=None).copy(v=30))


@pytest.mark.parametrize(
    ("nonce", "error", "message", "code"),
    [
        (3, NonceTooLow, "nonce too low: next nonce 5, tx nonce 3", -32003),
        (6, NonceTooHigh, "nonce too high: next nonce 5, tx nonce 6", -32000),
        (2**64 - 1, InvalidTransaction, "nonce has max value", -32000),
    ],
)
def test_rejects_a_nonce_other_than_the_accounts(nonce, error, message, code):
    with pytest.raises(error, match=message) as exc:
        validate(make_state(), dynamic(nonce=nonce))
    assert exc.value.rpc_code == code


def test_rejects_gas_above_the_block_gas_limit():
    with pytest.raises(GasLimitExceeded, match="exceeds block gas limit"):
        validate(make_state(), dynamic(gas=GAS_LIMIT + 1))


def test_rejects_gas_below_intrinsic_gas():
    with pytest.raises(IntrinsicGasTooLow, match="intrinsic gas too low: have 20999, want 21000"):
        validate(make_state(), dynamic(gas=20_999))


def test_counts_init_code_words_as_intrinsic_gas_of_a_create():
    # 53,000 for a create + 64 non-zero bytes at 16 + 2 words of init code at 2 (EIP-3860)
    with pytest.raises(IntrinsicGasTooLow, match="have 54027, want 54028"):
        validate(make_state(), dynamic(to=b"", data=b"\x60" * 64, gas=54_027))
    validate(make_state(), dynamic(to=b"", data=b"\x60" * 64, gas=54_028))


def test_calldata_floor_applies_from_prague_only():
    # 1,000 non-zero bytes: intrinsic 37,000; EIP-7623 floor 21,000 + 10 * 4,000 = 61,000
    tx = dynamic(data=b"\x01" * 1000, gas=37_000)
    with pytest.raises(IntrinsicGasTooLow, match="floor data gas cost: have 37000, want 61000"):
        validate(make_state(PragueVM), tx)
    validate(make_state(CancunVM), tx)


def test_rejects_init_code_above_the_eip3860_limit():
    tx = dynamic(to=b"", data=b"\x00" * 49_153, gas=GAS_LIMIT)
    with pytest.raises(InvalidTransaction, match="max initcode size exceeded: code size 49153 limit 49152"):
        validate(make_state(), tx)


def test_rejects_a_tip_above_the_fee_cap():
    with pytest.raises(TipAboveFeeCap, match="max priority fee per gas higher than max fee per gas"):
        validate(make_state(), dynamic(tip=3 * GWEI, max_fee=2 * GWEI))


@pytest.mark.parametrize("tx", [dynamic(tip=1, max_fee=6), legacy(gas_price=6)], ids=["dynamic", "legacy"])
def test_rejects_a_fee_cap_below_the_base_fee(tx):
    with pytest.raises(
        FeeCapTooLow, match="max fee per gas less than block base fee: .*maxFeePerGas: 6, baseFee: 7"
    ):
        validate(make_state(), tx)


def test_rejects_a_sender_that_cannot_pay_gas_at_the_fee_cap_plus_value():
    cost = 21_000 * 2 * GWEI + 1
    state = make_state(balance=cost - 1)
    with pytest.raises(InsufficientFunds, match=f"balance {cost - 1}, tx cost {cost}, overshot 1") as exc:
        validate(state, dynamic(value=1))
    assert exc.value.rpc_code == -32003
    validate(make_state(balance=cost), dynamic(value=1))


def test_up_front_cost_includes_blob_gas_at_its_fee_cap():
    gas_cost = 50_000 * 2 * GWEI
    blob_cost = 2**17 * 10
    with pytest.raises(InsufficientFunds, match=f"tx cost {gas_cost + blob_cost}"):
        validate(make_state(balance=gas_cost + blob_cost - 1), blob())
    validate(make_state(balance=gas_cost + blob_cost), blob())


def test_rejects_a_sender_with_code_eip3607():
    with pytest.raises(InvalidTransaction, match="sender not an eoa"):
        validate(make_state(code=b"\x60\x00"), dynamic())


@pytest.mark.parametrize(
    ("tx", "message"),
    [
        (blob(to=b""), "cannot create a contract"),
        (blob(hashes=()), "without blob hashes"),
        (blob(hashes=(b"\x02" + b"\xab" * 31,)), "unsupported version"),
        (blob(hashes=(BLOB_HASH,) * 10), "10 blobs, more than the 9 allowed"),
        (blob(max_fee_per_blob_gas=0), "max fee per blob gas less than block blob gas fee: have 0, want 1"),
    ],
    ids=["create", "no-blobs", "version", "too-many", "blob-fee"],
)
def test_rejects_an_invalid_blob_transaction(tx, message):
    with pytest.raises(BlobTransactionInvalid, match=message):
        validate(make_state(), tx)


def test_blob_count_follows_the_states_fork():
    seven = blob(hashes=(BLOB_HASH,) * 7)
    validate(make_state(PragueVM), seven)
    with pytest.raises(BlobTransactionInvalid, match="7 blobs, more than the 6 allowed"):
        validate(make_state(CancunVM), seven)


@pytest.mark.parametrize(
    ("tx", "message"), [(set_code(), "empty authorization list"), (set_code(to=b""), "cannot create")]
)
def test_rejects_an_invalid_set_code_transaction(tx, message):
    with pytest.raises(InvalidTransaction, match=message):
        validate(make_state(), tx)


def test_fork_rules_come_from_the_state_and_an_account_view_means_our_chain():
    assert fork_rules(make_state(PragueVM)) == PRAGUE
    assert fork_rules(make_state(CancunVM)) == CANCUN
    state = make_state()
    state.persist()
    view = accounts_at(state._db, state.state_root)
    assert fork_rules(view) == PRAGUE
    validate(view, dynamic())  # the chain validates against a bare account view
