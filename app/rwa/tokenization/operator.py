"""The platform operator: its key (a configured secret; a dev account only on a dev chain) and the one way
tokenization writes to the chain, as transactions the operator signs itself and submits raw, each mined
with a hook that writes its registry rows and audit entry in the block's own database transaction.

The key never reaches the chain's account list: ``eth_sendTransaction`` cannot use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.config import Settings
from app.evm.abc import ChainAPI
from app.evm.contracts import abi as abimod
from app.evm.contracts.service import Buildable, ContractService
from app.evm.node.genesis.accounts import dev_accounts
from app.evm.storage.records import TxRecord
from app.rwa.audit import log as audit
from app.rwa.tokenization.errors import ChainNotMining, ChainTxReverted, OperatorKeyMissing

MinedHook = Callable[[Connection, TxRecord], None]
TIP = 10**9  # priority fee, as the chain's own eth_sendTransaction
# gas for a transaction sent without estimating it (deploys: estimating would run each one many times)
DEPLOY_GAS = 25_000_000


def operator_account(settings: Settings, chain: ChainAPI | None) -> LocalAccount:
    """The configured operator key (AURIGRAPH_OPERATOR_KEY_FILE, else AURIGRAPH_OPERATOR_KEY); without one,
    the chain's first dev account, on a dev or test chain only. Production also refuses a dev account's
    key."""
    secret = settings.operator_key.get_secret_value().strip()
    if settings.operator_key_file is not None:
        try:
            secret = settings.operator_key_file.read_text().strip()
        except OSError as exc:
            raise OperatorKeyMissing(f"cannot read the operator key file: {exc.strerror}") from exc
    if secret:
        try:
            account: LocalAccount = Account.from_key(secret)
        except (ValueError, TypeError):
            raise OperatorKeyMissing("the operator key is not a 32-byte hex private key") from None
        if settings.production and account.address in {
            a.account.address for a in dev_accounts(settings.dev_mnemonic, settings.dev_accounts)
        }:
            raise OperatorKeyMissing("the operator key is a well-known dev account's: refused in production")
        return account
    if settings.production or chain is None or not chain.accounts:
        raise OperatorKeyMissing(
            "no operator key: set AURIGRAPH_OPERATOR_KEY_FILE (or AURIGRAPH_OPERATOR_KEY) to a private key"
        )
    return chain.accounts[0].account


def open_operator(chain: ChainAPI, contracts: ContractService, settings: Settings) -> Operator:
    """The operator on ``chain`` (its key from ``settings``); tokenization's rows follow the chain's
    rewinds."""
    from app.rwa.tokenization.models import rewind

    chain.add_rewind_hook(rewind)
    return Operator(chain, contracts, operator_account(settings, chain))


@dataclass(frozen=True, slots=True)
class Receipt:
    """A mined transaction the operator signed."""

    tx_hash: str
    block_number: int
    status: bool
    gas_used: int
    contract_address: str | None = None
    events: tuple[dict[str, Any], ...] = field(default=())

    def event(self, name: str) -> dict[str, Any]:
        """The arguments of the first event ``name`` the transaction emitted."""
        for e in self.events:
            if e.get("event") == name:
                return dict(e["args"])
        raise LookupError(f"transaction {self.tx_hash} emitted no {name} event")


def audit_hook(actor: str, action: str, subject: str, payload: dict[str, Any]) -> MinedHook:
    """An audit entry for a successful transaction, written in its block's transaction (with its hash)."""

    def write(conn: Connection, tx: TxRecord) -> None:
        if not tx.status:
            return
        body = {**payload, "tx_hash": "0x" + tx.hash.hex(), "block_number": tx.block_number}
        with Session(bind=conn) as session:
            audit.record(session, actor=actor, action=action, subject=subject, payload=body)
            session.flush()

    return write


def chain_hooks(*hooks: MinedHook) -> MinedHook:
    def run(conn: Connection, tx: TxRecord) -> None:
        for hook in hooks:
            hook(conn, tx)

    return run


class Operator:
    """Signs, sends and decodes the operator's transactions on ``chain``; reads with ``call``."""

    def __init__(self, chain: ChainAPI, contracts: ContractService, account: LocalAccount) -> None:
        self.chain = chain
        self.contracts = contracts
        self.account = account
        self.address = account.address.lower()
        self.actor = f"tokenization:{self.address}"

    def audit(self, action: str, subject: str, payload: dict[str, Any]) -> None:
        """An audit entry of the operator's own, in a transaction of its own (e.g. a summary of several)."""
        with self.chain.engine.begin() as conn, Session(bind=conn) as session:
            audit.record(session, actor=self.actor, action=action, subject=subject, payload=payload)
            session.flush()

    # -- reads ---------------------------------------------------------------------------------------------
    def call(self, to: str, abi: list[dict[str, Any]], function: str, args: Sequence[Any] = ()) -> Any:
        """A read-only call; returns the single result (or the list of results)."""
        fn = abimod.find_function(abi, function, list(args))
        params = {"from": _b(self.address), "to": _b(to), "data": fn.encode_call(list(args))}
        out = self.chain.call(params, None)
        if not out.success:
            raise ChainTxReverted(function, abimod.decode_revert(abi, out.output))
        values = fn.decode_result(out.output)
        return values[0] if len(values) == 1 else values

    # -- writes --------------------------------------------------------------------------------------------
    def transact(
        self,
        to: str,
        abi: list[dict[str, Any]],
        function: str,
        args: Sequence[Any],
        *,
        on_mined: MinedHook | None = None,
        events_abi: list[dict[str, Any]] | None = None,
    ) -> Receipt:
        """Call ``function`` as the operator. A call that would revert raises ``ChainTxReverted`` with the
        contract's reason before anything is sent (the pre-run also sizes the gas limit)."""
        data = abimod.find_function(abi, function, list(args)).encode_call(list(args))
        probe = self.chain.call({"from": _b(self.address), "to": _b(to), "data": data}, None)
        if not probe.success:
            raise ChainTxReverted(function, abimod.decode_revert(abi, probe.output))
        gas = min(probe.gas_consumed * 3 // 2 + 50_000, self.chain.settings.block_gas_limit)
        return self.send(_b(to), data, events_abi or abi, gas=gas, action=function, on_mined=on_mined)

    def deploy(
        self,
        build: Buildable,
        args: Sequence[Any] = (),
        *,
        payload: dict[str, Any] | None = None,
        on_mined: MinedHook | None = None,
    ) -> Receipt:
        """Deploy ``build``: recorded in the contract registry with its audit entry, in the block's
        transaction."""
        data = build.bytecode + abimod.encode_args(
            abimod.constructor_inputs(build.abi), list(args), build.name
        )
        extra = payload or {}

        def audited(conn: Connection, action: str, body: dict[str, Any]) -> None:
            with Session(bind=conn) as session:
                subject = f"contract:{body.get('address')}"
                audit.record(
                    session, actor=self.actor, action=action, subject=subject, payload={**body, **extra}
                )
                session.flush()

        hooks = [self.contracts.deploy_hook(build, on_record=audited)] + ([on_mined] if on_mined else [])
        gas = min(DEPLOY_GAS, self.chain.settings.block_gas_limit)
        return self.send(
            None, data, build.abi, gas=gas, action=f"deploy {build.name}", on_mined=chain_hooks(*hooks)
        )

    def send(
        self,
        to: bytes | None,
        data: bytes,
        abi: list[dict[str, Any]],
        *,
        gas: int,
        action: str,
        on_mined: MinedHook | None = None,
    ) -> Receipt:
        """Sign and submit one transaction (nonce, fees and signature under the chain's lock, so no other
        sender's transaction can take the nonce between them); it must be mined (automine)."""
        with self.chain.lock:
            sender = _b(self.address)
            tx: dict[str, Any] = {
                "chainId": self.chain.chain_id,
                "nonce": self.chain.pending_nonce(sender),
                "value": 0,
                "data": data,
                "gas": gas,
                "maxPriorityFeePerGas": TIP,
                "maxFeePerGas": 2 * self.chain.next_base_fee() + TIP,
            }
            if to is not None:
                tx["to"] = to
            raw = bytes(self.account.sign_transaction(tx).raw_transaction)
            tx_hash = self.chain.send_raw_transaction(raw, on_mined=on_mined)
        rec = self.chain.transaction(tx_hash)
        if rec is None:
            raise ChainNotMining("0x" + tx_hash.hex())
        receipt = _receipt(rec, abi)
        if not rec.status:
            raise ChainTxReverted(action, abimod.decode_revert(abi, rec.revert_data or b""), receipt.tx_hash)
        return receipt


def _receipt(rec: TxRecord, abi: list[dict[str, Any]]) -> Receipt:
    events = []
    for lg in rec.logs:
        decoded = abimod.decode_log(abi, lg.topics, lg.data)
        events.append({"address": "0x" + lg.address.hex(), **(decoded or {"event": None})})
    return Receipt(
        tx_hash="0x" + rec.hash.hex(),
        block_number=rec.block_number,
        status=rec.status,
        gas_used=rec.gas_used,
        contract_address=None if rec.contract_address is None else "0x" + rec.contract_address.hex(),
        events=tuple(events),
    )


def _b(address: str) -> bytes:
    return bytes.fromhex(address[2:])
