"""Ethereum state-test conformance: the filled GeneralStateTests format of ethereum/tests, run through our
SQL state store and our transaction validation, with geth's state-test semantics (the fixtures' RUNNING.md).

Each case (one entry of ``post[fork]``) loads ``pre`` into a fresh store, commits it to SQL and reopens the
store, so execution reads its state back from the database. The transaction goes through
``validate_transaction`` and then py-evm's ``apply_transaction``; a rejection by either leaves the
pre-state. The post-state is committed, its whole trie is read back from SQL by yet another store, and its
root and logs hash are compared with the fixture. ``memory_backend()`` runs the same cases on py-evm's
``AtomicDB(MemoryDB)``, with or without our validation: the baseline (both backends: backends.py)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rlp
from eth.abc import AtomicDatabaseAPI
from eth.consensus.context import ConsensusContext
from eth.constants import BLANK_ROOT_HASH
from eth.db.chain import ChainDB
from eth.rlp.logs import Log
from eth.vm.chain_context import ChainContext
from eth.vm.forks.berlin import BerlinVM
from eth.vm.forks.cancun import CancunVM
from eth.vm.forks.london import LondonVM
from eth.vm.forks.paris import ParisVM
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.shanghai import ShanghaiVM
from eth_keys.datatypes import PrivateKey
from eth_utils.crypto import keccak
from eth_utils.hexadecimal import decode_hex

from app.evm.conformance.backends import Backend, SqlBackend, memory_backend, sql_backend
from app.evm.errors import InvalidTransaction
from app.evm.execution.pyevm import collides_eip7610
from app.evm.node.txvalidation import validate_transaction

# the backends are re-exported: the CLI and the tests import everything from here
__all__ = [
    "FORKS",
    "STATE_TEST_CHAIN_ID",
    "Backend",
    "Case",
    "CaseResult",
    "SqlBackend",
    "iter_cases",
    "memory_backend",
    "run_case",
    "run_directory",
    "sql_backend",
    "state_test_vm",
    "transaction_for",
]

STATE_TEST_CHAIN_ID = 1
FORKS: dict[str, Any] = {
    "Berlin": BerlinVM,
    "London": LondonVM,
    "Paris": ParisVM,
    "Merge": ParisVM,
    "Shanghai": ShanghaiVM,
    "Cancun": CancunVM,
    "Prague": PragueVM,
}
_HASH_FIELDS = ("mix_hash", "parent_beacon_block_root")


@dataclass(frozen=True, slots=True)
class Case:
    file: str  # relative to the directory that was run
    category: str
    test: str
    fork: str
    index: int  # position in post[fork]
    fixture: dict[str, Any]
    post: dict[str, Any]

    @property
    def label(self) -> str:
        i = self.post["indexes"]
        return f"d{i['data']}g{i['gas']}v{i['value']}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    category: str
    file: str
    test: str
    fork: str
    index: int
    label: str
    reason: str  # "" when passed; else wrongly accepted / wrongly rejected / root or logs mismatch / ...
    rejected_by: str | None  # "ours", "py-evm", "decode", or None when the transaction was applied

    @property
    def passed(self) -> bool:
        return not self.reason


def iter_cases(directory: Path, fork: str) -> Iterator[Case]:
    """Every post[fork] entry of every test of every JSON file under ``directory``, in a stable order."""
    for path in sorted(directory.rglob("*.json")):
        rel = path.relative_to(directory)
        category = "/".join(p for p in rel.parent.parts if p != "GeneralStateTests") or directory.name
        tests = json.loads(path.read_text())
        for test, fixture in tests.items() if isinstance(tests, dict) else ():
            if not isinstance(fixture, dict) or "pre" not in fixture:
                continue  # not a state test (a results file, say)
            for index, post in enumerate(fixture.get("post", {}).get(fork, ())):
                yield Case(rel.as_posix(), category, test, fork, index, fixture, post)


def run_directory(directory: Path, fork: str, backend: Backend, *, validate: bool = True) -> list[CaseResult]:
    if fork not in FORKS:
        raise ValueError(f"unknown fork {fork!r}; known: {', '.join(FORKS)}")
    return [_run_or_report(case, backend, validate) for case in iter_cases(directory, fork)]


def _run_or_report(case: Case, backend: Backend, validate: bool) -> CaseResult:
    """One broken case (a runner or validator bug) is reported as a failure; the run goes on."""
    try:
        return run_case(case, backend, validate=validate)
    except Exception as exc:
        reason = f"runner error: {type(exc).__name__}: {exc}"
        return CaseResult(
            case.category, case.file, case.test, case.fork, case.index, case.label, reason, None
        )


def run_case(case: Case, backend: Backend, *, validate: bool = True) -> CaseResult:
    vm_class = state_test_vm(case.fork, ours=validate)
    db = backend.fresh()
    pre_root = _load_pre(vm_class, db, case.fixture["pre"])
    db = backend.save_and_reopen(db)
    header = _header(vm_class, case.fixture["env"], pre_root)
    vm = vm_class(header, ChainDB(db), ChainContext(STATE_TEST_CHAIN_ID), ConsensusContext(db))
    rejected_by, failure, logs = _execute(case, vm, db, backend, validate)
    if rejected_by is None:
        state = vm.state
    else:  # whatever py-evm did before it raised is dropped: start again from the pre-state
        backend.discard(db)
        state = vm_class.build_state(db, header, ChainContext(STATE_TEST_CHAIN_ID))
    coinbase = header.coinbase
    if state.account_exists(coinbase) and state.account_is_empty(coinbase):
        state.delete_account(coinbase)  # geth adds a zero reward, touching it, then drops empty accounts
    state.persist()
    root = bytes(state.state_root)
    backend.save_and_reopen(db)
    reason = failure or _compare(case, root, logs, rejected_by) or backend.check_persisted(root)
    return CaseResult(
        case.category, case.file, case.test, case.fork, case.index, case.label, reason, rejected_by
    )


def _execute(
    case: Case, vm: Any, db: AtomicDatabaseAPI, backend: Backend, validate: bool
) -> tuple[str | None, str, tuple[Any, ...]]:
    """Returns (who rejected the transaction or None, why the case already failed or "", the logs)."""
    try:
        tx = transaction_for(vm, case.fixture["transaction"], case.post)
    except Exception as exc:  # rlp and typed-envelope decoding raise many kinds
        return "decode", _expect_rejection(case, f"decode: {exc}"), ()
    if validate:
        header, state = vm.get_header(), vm.state
        try:
            validate_transaction(
                state,
                tx,
                base_fee=getattr(header, "base_fee_per_gas", 0),
                block_gas_limit=header.gas_limit,
                chain_id=STATE_TEST_CHAIN_ID,
                blob_base_fee=_blob_base_fee(state),
            )
        except InvalidTransaction as exc:
            return "ours", _expect_rejection(case, f"ours: {exc}"), ()
        if backend.dirty(db):
            return None, "validation wrote to the state store", ()
    try:
        _, computation = vm.apply_transaction(vm.get_header(), tx)
    except Exception as exc:  # py-evm signals an invalid transaction with several exception types
        return "py-evm", _expect_rejection(case, f"py-evm: {type(exc).__name__}: {exc}"), ()
    return None, "", tuple(computation.get_log_entries())


def _blob_base_fee(state: Any) -> int | None:
    try:
        return int(state.blob_base_fee)
    except NotImplementedError:  # before Cancun
        return None


def _expect_rejection(case: Case, detail: str) -> str:
    return "" if "expectException" in case.post else f"wrongly rejected ({detail})"


def _compare(case: Case, root: bytes, logs: tuple[Any, ...], rejected_by: str | None) -> str:
    if "expectException" in case.post and rejected_by is None:
        return f"wrongly accepted (expected {case.post['expectException']})"
    if root != decode_hex(case.post["hash"]):
        return f"root mismatch: got 0x{root.hex()}, want {case.post['hash']}"
    logs_hash = keccak(rlp.encode([Log(*entry) for entry in logs]))
    if logs_hash != decode_hex(case.post["logs"]):
        return f"logs mismatch: got 0x{logs_hash.hex()}, want {case.post['logs']}"
    return ""


# -- the fork's VM, header, pre-state and transaction -------------------------------------------------
@cache
def state_test_vm(fork: str, ours: bool = True) -> Any:
    """The fork's VM with state-test BLOCKHASH: keccak of the decimal block number, no real ancestors.
    ``ours`` adds what our chain adds to py-evm (EIP-7610 collisions); without it, py-evm as shipped."""
    base = FORKS[fork]
    extra: dict[str, Any] = {"has_code_or_nonce": collides_eip7610} if ours else {}

    def get_ancestor_hash(state: Any, number: int) -> bytes:
        depth = state.block_number - number - 1
        return keccak(str(number).encode()) if 0 <= depth < 256 and number >= 0 else b""

    state_class = type(
        f"StateTest{base.get_state_class().__name__}",
        (base.get_state_class(),),
        {"get_ancestor_hash": get_ancestor_hash, **extra},
    )
    no_ancestors = property(lambda _vm: ())
    return type(
        f"StateTest{base.__name__}", (base,), {"_state_class": state_class, "previous_hashes": no_ancestors}
    )


def _header(vm_class: Any, env: dict[str, str], state_root: bytes) -> Any:
    fields: dict[str, Any] = {
        "coinbase": decode_hex(env["currentCoinbase"]),
        "difficulty": int(env["currentDifficulty"], 16),
        "block_number": int(env["currentNumber"], 16),
        "gas_limit": int(env["currentGasLimit"], 16),
        "timestamp": int(env["currentTimestamp"], 16),
        "state_root": state_root,
    }
    optional = {
        "mix_hash": "currentRandom",
        "base_fee_per_gas": "currentBaseFee",
        "excess_blob_gas": "currentExcessBlobGas",
        "parent_beacon_block_root": "currentBeaconRoot",
    }
    for field, key in optional.items():
        if key in env:
            value = env[key]
            fields[field] = (
                decode_hex(value) if field in ("mix_hash", "parent_beacon_block_root") else int(value, 16)
            )
    header_class = dict(vm_class.get_block_class()._meta.fields)["header"]  # rlp's record of the block
    accepted = inspect.signature(header_class.__init__).parameters
    return header_class(**{k: v for k, v in fields.items() if k in accepted})


def _load_pre(vm_class: Any, db: AtomicDatabaseAPI, pre: dict[str, Any]) -> bytes:
    accounts = vm_class.get_state_class().get_account_db_class()(db, BLANK_ROOT_HASH)
    for address_hex, account in pre.items():
        address = decode_hex(address_hex)
        accounts.set_balance(address, int(account["balance"], 16))
        accounts.set_nonce(address, int(account["nonce"], 16))
        accounts.set_code(address, decode_hex(account["code"]))
        for slot, value in account.get("storage", {}).items():
            accounts.set_storage(address, int(slot, 16), int(value, 16))
    accounts.persist()
    return bytes(accounts.state_root)


def transaction_for(vm: Any, fields: dict[str, Any], post: dict[str, Any]) -> Any:
    """The signed transaction of one case: ``txbytes`` when the fixture has it, else signed here from
    ``transaction`` and the data/gas/value indexes, as retesteth does (legacy without a chain id)."""
    builder = vm.get_transaction_builder()
    if "txbytes" in post:
        return builder.decode(decode_hex(post["txbytes"]))
    i = post["indexes"]
    key = PrivateKey(decode_hex(fields["secretKey"]))
    common = {
        "nonce": int(fields["nonce"], 16),
        "gas": int(fields["gasLimit"][i["gas"]], 16),
        "to": decode_hex(fields["to"]) if fields.get("to") else b"",
        "value": int(fields["value"][i["value"]], 16),
        "data": decode_hex(fields["data"][i["data"]]),
    }
    access_lists = fields.get("accessLists")
    access_list = tuple(
        (decode_hex(e["address"]), tuple(int(k, 16) for k in e["storageKeys"]))
        for e in ((access_lists[i["data"]] or []) if access_lists else [])
    )
    if "maxFeePerGas" in fields:
        fees = {
            "chain_id": STATE_TEST_CHAIN_ID,
            "max_priority_fee_per_gas": int(fields["maxPriorityFeePerGas"], 16),
            "max_fee_per_gas": int(fields["maxFeePerGas"], 16),
            "access_list": access_list,
        }
        if "blobVersionedHashes" in fields:
            unsigned = builder.new_unsigned_blob_transaction(
                **fees,
                **common,
                max_fee_per_blob_gas=int(fields["maxFeePerBlobGas"], 16),
                blob_versioned_hashes=[decode_hex(h) for h in fields["blobVersionedHashes"]],
            )
        else:
            unsigned = builder.new_unsigned_dynamic_fee_transaction(**fees, **common)
    elif access_lists and access_lists[i["data"]] is not None:
        unsigned = builder.new_unsigned_access_list_transaction(
            chain_id=STATE_TEST_CHAIN_ID,
            gas_price=int(fields["gasPrice"], 16),
            access_list=access_list,
            **common,
        )
    else:
        unsigned = builder.create_unsigned_transaction(gas_price=int(fields["gasPrice"], 16), **common)
    return unsigned.as_signed_transaction(key)
