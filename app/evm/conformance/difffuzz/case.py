"""A fuzz case: contracts (program fragments, an endowment, initial storage) deployed by one dev account, then
transactions sent by another, and how each becomes the same signed bytes on both nodes.

Deploys come first (the deployer's nonces 0..n-1 from genesis), so every address is known before any code
is assembled. A transaction is signed when it is sent, with the nonce its sender has then: a transaction
both nodes reject leaves no gap. Signing is deterministic (RFC 6979), so both nodes get the same bytes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import rlp
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from app.evm.conformance.difffuzz.program import HISTORY, Context, Fragment, assemble
from app.evm.conformance.difffuzz.templates import init_code
from app.evm.node.genesis.accounts import dev_accounts

CHAIN_ID = 31337
MNEMONIC = "test test test test test test test test test test test junk"
GWEI = 10**9
EOA = bytes.fromhex("5a" * 20)
PRECOMPILES = [(n).to_bytes(20, "big") for n in (1, 2, 4, 5, 0x0B, 0x0F, 0x11)]
# EIP-7702 authorities: fixed keys (never funded: a delegation needs no balance)
AUTHORITY_KEYS = [keccak(b"aurigraph difffuzz authority %d" % i) for i in range(3)]


@dataclass
class ContractSpec:
    code: list[Fragment]
    balance: int = 0
    storage: dict[int, int] = field(default_factory=dict)


@dataclass
class AuthSpec:
    signer: int  # an authority key, or -1: the transaction's sender itself
    target: int  # selects the delegate: a contract, a precompile, or 0 (clears the delegation)
    chain: int  # 0: chain id 0 (any chain), 1: ours, 2: another chain (invalid)
    nonce_delta: int = 0  # 0: the right nonce


@dataclass
class TxSpec:
    to: int  # -1 creates (``init`` selects the init code), else selects a target (see Case.tx_targets)
    data: str = ""  # hex, without 0x
    value: int = 0
    gas: int = 1_000_000
    kind: int = 2  # 0 legacy, 1 access list (EIP-2930), 2 EIP-1559, 4 set code (EIP-7702)
    tip: int = 1  # gwei
    init: int = 0
    access: list[int] = field(default_factory=list)  # target selectors; each with slots 0 and 1
    auths: list[AuthSpec] = field(default_factory=list)


@dataclass
class Case:
    contracts: list[ContractSpec]
    txs: list[TxSpec]
    seed: int = 0
    fund: bool = True  # send each authority 1 wei before the transactions (see fund_tx)

    @cached_property
    def deployer(self) -> Any:
        return dev_accounts(MNEMONIC, 10)[9].account

    @cached_property
    def sender(self) -> Any:
        return dev_accounts(MNEMONIC, 10)[8].account

    @cached_property
    def authorities(self) -> list[Any]:
        return [Account.from_key(k) for k in AUTHORITY_KEYS]

    @property
    def addresses(self) -> list[bytes]:
        me = bytes.fromhex(self.deployer.address[2:])
        return [create_address(me, n) for n in range(len(self.contracts))]

    def targets(self, index: int) -> list[bytes]:
        """What contract ``index`` may call: the contracts after it, the authorities, an EOA, some
        precompiles, the block-hash history, and itself."""
        auth = [bytes.fromhex(a.address[2:]) for a in self.authorities]
        return [*self.addresses[index + 1 :], *auth, EOA, *PRECOMPILES, HISTORY, self.addresses[index]]

    def tx_targets(self) -> list[bytes]:
        auth = [bytes.fromhex(a.address[2:]) for a in self.authorities]
        return [*self.addresses, *auth, EOA, *PRECOMPILES, HISTORY]

    def runtime(self, index: int) -> bytes:
        return assemble(self.contracts[index].code, Context(self.addresses[index], self.targets(index)))

    def deploy_code(self, index: int) -> bytes:
        spec, runtime = self.contracts[index], self.runtime(index)
        prefix = bytearray()
        for slot, value in sorted(spec.storage.items()):
            prefix += _push(value) + _push(slot) + b"\x55"
        n, start = len(runtime).to_bytes(2, "big"), (len(prefix) + 13).to_bytes(2, "big")
        return bytes(prefix) + b"\x61" + n + b"\x61" + start + b"\x5f\x39\x61" + n + b"\x5f\xf3" + runtime

    def deploy_tx(self, index: int) -> str:
        tx: dict[str, Any] = {"nonce": index, "gas": 5_000_000, "maxFeePerGas": 10 * GWEI}
        tx["maxPriorityFeePerGas"] = GWEI
        tx |= {"value": self.contracts[index].balance, "data": self.deploy_code(index), "chainId": CHAIN_ID}
        return _sign(self.deployer, {**tx, "type": 2})

    def fund_tx(self, index: int) -> str:
        """1 wei to an authority, after the deploys: every authority exists when the transactions run.
        (For an authority that does not exist anvil still refunds EIP-7702's 12,500 gas; geth and the
        execution specs refund only for one that exists, as ours does: docs/conformance.md.)"""
        to = to_checksum_address(self.authorities[index].address)
        tx = {"nonce": len(self.contracts) + index, "gas": 21_000, "to": to, "value": 1, "chainId": CHAIN_ID}
        tx |= {"maxFeePerGas": 10 * GWEI, "maxPriorityFeePerGas": GWEI, "type": 2}
        return _sign(self.deployer, tx)

    def tx(self, index: int, nonce: int) -> str:
        spec = self.txs[index]
        targets = self.tx_targets()
        tx: dict[str, Any] = {"nonce": nonce, "gas": spec.gas, "value": spec.value, "chainId": CHAIN_ID}
        data = bytes.fromhex(spec.data)
        if spec.to < 0:
            data = init_code(spec.init) + data
        else:
            tx["to"] = to_checksum_address(targets[spec.to % len(targets)])
        tx["data"] = data
        kind = spec.kind if spec.to >= 0 or spec.kind != 4 else 2  # a set-code transaction needs a `to`
        if kind in (0, 1):
            tx["gasPrice"] = 2 * GWEI + spec.tip * GWEI
        else:
            tx |= {"maxFeePerGas": 4 * GWEI, "maxPriorityFeePerGas": min(spec.tip, 3) * GWEI}
        if kind:
            tx["type"] = kind
        if kind in (1, 2, 4) and spec.access:
            slots = ["0x" + "00" * 32, "0x" + "00" * 31 + "01"]
            tx["accessList"] = [
                {"address": to_checksum_address(targets[t % len(targets)]), "storageKeys": slots}
                for t in spec.access
            ]
        if kind == 4:
            tx["authorizationList"] = [self._auth(a, nonce) for a in spec.auths]
        return _sign(self.sender, tx)

    def _auth(self, auth: AuthSpec, sender_nonce: int) -> Any:
        delegates = [*self.addresses, *PRECOMPILES[:2], b"\0" * 20]
        if auth.signer < 0:
            signer, nonce = self.sender, sender_nonce + 1  # the sender's nonce is bumped first
        else:
            signer, nonce = self.authorities[auth.signer % len(self.authorities)], 0
        chain = (0, CHAIN_ID, 1)[auth.chain % 3]
        target = to_checksum_address(delegates[auth.target % len(delegates)])
        body = {"chainId": chain, "address": target, "nonce": nonce + auth.nonce_delta}
        return Account.sign_authorization(body, signer.key)

    # -- JSON ---------------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for c in out["contracts"]:
            c["code"] = [list(f) for f in c["code"]]
            c["storage"] = {str(k): v for k, v in c["storage"].items()}
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        contracts = [
            ContractSpec(
                code=[tuple(f) for f in c["code"]],
                balance=int(c["balance"]),
                storage={int(k): int(v) for k, v in c["storage"].items()},
            )
            for c in data["contracts"]
        ]
        txs = [TxSpec(**{**t, "auths": [AuthSpec(**a) for a in t.get("auths", [])]}) for t in data["txs"]]
        return cls(contracts, txs, int(data.get("seed", 0)), bool(data.get("fund", True)))

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True)


def create_address(sender: bytes, nonce: int) -> bytes:
    return keccak(rlp.encode([sender, nonce]))[12:]


def _push(value: int) -> bytes:
    raw = value.to_bytes(32, "big").lstrip(b"\0")
    return bytes([0x5F + len(raw)]) + raw if raw else b"\x5f"


def _sign(account: Any, tx: dict[str, Any]) -> str:
    return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()


def min_gas(data: bytes, create: bool, access: int, auths: int) -> int:
    """The least gas a transaction needs: intrinsic gas, or EIP-7623's calldata floor if higher."""
    zeros = data.count(0)
    nonzero = len(data) - zeros
    intrinsic = 21_000 + 4 * zeros + 16 * nonzero + access * (2400 + 2 * 1900) + 25_000 * auths
    if create:
        intrinsic += 32_000 + 2 * ((len(data) + 31) // 32)
    return max(intrinsic, 21_000 + 10 * (zeros + 4 * nonzero))
