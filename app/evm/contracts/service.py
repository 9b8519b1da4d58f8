"""The contract registry: deploy (bytecode + ABI, or a Hardhat/Foundry artifact), record every deployment,
call and transact by function name with ABI-checked JSON arguments, decoded results, logs and reverts.

A deployment's registry row is written by a mined hook, in the SQL transaction of the block that holds
the deploy, together with whatever ``on_record`` adds (the API layer writes the audit entry there)."""

from __future__ import annotations

import builtins  # ContractService.list shadows `list` in the annotations after it
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import Connection, insert, select

from app.evm.abc import ChainAPI
from app.evm.contracts import abi as abimod
from app.evm.contracts.artifacts import Buildable, parse_artifact, strip_metadata
from app.evm.contracts.errors import (
    ArtifactInvalid,
    ContractNotFound,
    ContractReverted,
    NotProxyAdmin,
    NotUpgradeable,
)
from app.evm.contracts.outcomes import RecordHook, TxOutcome
from app.evm.contracts.upgrades import UpgradeMethods
from app.evm.errors import ExecutionReverted
from app.evm.node.gas import raise_for
from app.evm.storage.models import ContractRow, ImplementationRow
from app.evm.storage.records import TxRecord
from app.evm.storage.rewind import rewind_contracts

# re-exported: the web layer, the registry and the tests import these from here
__all__ = [
    "ArtifactInvalid",
    "Buildable",
    "ContractNotFound",
    "ContractReverted",
    "ContractService",
    "NotProxyAdmin",
    "NotUpgradeable",
    "RecordHook",
    "TxOutcome",
    "parse_artifact",
]


def _hex(b: bytes | None) -> str | None:
    return None if b is None else "0x" + bytes(b).hex()


class ContractService(UpgradeMethods):
    def __init__(self, chain: ChainAPI) -> None:
        self.chain = chain
        chain.add_rewind_hook(rewind_contracts)  # evm_revert removes what reverted blocks recorded

    # -- deploy ------------------------------------------------------------------------------------------
    def deploy(
        self,
        build: Buildable,
        args: list[Any],
        *,
        sender: bytes,
        value: int = 0,
        gas: int | None = None,
        on_record: RecordHook | None = None,
        deployer_key: str | None = None,
    ) -> TxOutcome:
        """`deployer_key`: the API key (prefix) deploying over REST, recorded on the row and in the audit."""
        data = build.bytecode + abimod.encode_args(abimod.constructor_inputs(build.abi), args, "constructor")
        params: dict[str, Any] = {"from": sender, "data": data, "value": value}
        if gas is not None:
            params["gas"] = gas
        record = self.deploy_hook(build, on_record, deployer_key)
        tx_hash = self.chain.send_transaction(params, on_mined=record)
        return self._outcome(tx_hash, build.abi)

    def deploy_hook(
        self, build: Buildable, on_record: RecordHook | None = None, deployer_key: str | None = None
    ) -> Callable[[Connection, TxRecord], None]:
        """The mined hook that records a deploy of ``build`` (and ``on_record``'s audit entry) in the block's
        transaction: for a deploy signed elsewhere (``Chain.send_raw_transaction(raw, on_mined=...)``)."""

        def record(conn: Connection, tx: TxRecord) -> None:
            if not tx.status or tx.contract_address is None:
                return
            code = self.chain.account_view(self.chain.head).get_code(
                tx.contract_address
            )  # the new head, not yet committed
            row = self._insert(conn, build, tx, code, deployer_key=deployer_key)
            if on_record is not None:
                summary = self._summary(build, tx, code, deployer_key)
                on_record(conn, "contract.deploy", {"contract_id": row, **summary})

        return record

    def _insert(
        self,
        conn: Connection,
        build: Buildable,
        tx: TxRecord,
        code: bytes,
        *,
        admin: bytes | None = None,
        implementation: bytes | None = None,
        deployer_key: str | None = None,
    ) -> int:
        now = datetime.now(UTC)
        result = conn.execute(
            insert(ContractRow).values(
                address=tx.contract_address,
                name=build.name,
                abi=json.dumps(build.abi),
                compiler_version=build.compiler_version,
                compiler_settings=json.dumps(build.compiler_settings) if build.compiler_settings else None,
                source_hash=build.source_hash,
                bytecode_hash=keccak(code),
                deployer=tx.sender,
                tx_hash=tx.hash,
                block_number=tx.block_number,
                created_at=now,
                proxy_admin=admin,
                implementation=implementation,
                deployer_key=deployer_key,
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row
        return int(key[0])

    @staticmethod
    def _summary(
        build: Buildable, tx: TxRecord, code: bytes, deployer_key: str | None = None
    ) -> dict[str, Any]:
        return {
            "deployer_key": deployer_key,
            "address": _hex(tx.contract_address),
            "name": build.name,
            "deployer": _hex(tx.sender),
            "tx_hash": _hex(tx.hash),
            "block_number": tx.block_number,
            "bytecode_hash": _hex(keccak(code)),
            "source_hash": _hex(build.source_hash),
            "compiler_version": build.compiler_version,
        }

    def record_foreign_deploy(
        self, on_record: RecordHook | None = None
    ) -> Callable[[Connection, TxRecord], None]:
        """A default mined hook: a contract created by a raw transaction (JSON-RPC, cast, Hardhat...) is
        recorded too, with what the chain knows (no ABI, no source) and, via ``on_record``, audited."""

        def record(conn: Connection, tx: TxRecord) -> None:
            if not tx.status or tx.contract_address is None:
                return
            code = self.chain.account_view(self.chain.head).get_code(tx.contract_address)
            build = Buildable("", [], b"")
            row = self._insert(conn, build, tx, code)
            if on_record is not None:
                on_record(
                    conn,
                    "contract.deploy",
                    {"contract_id": row, "via": "json-rpc", **self._summary(build, tx, code)},
                )

        return record

    def _deploy_plain(
        self,
        build: Buildable,
        args: list[Any],
        sender: bytes,
        on_record: RecordHook | None,
        deployer_key: str | None = None,
    ) -> str:
        """Deploy an implementation: recorded (and audited) as a contract of its own."""
        out = self.deploy(build, args, sender=sender, on_record=on_record, deployer_key=deployer_key)
        rec = self.chain.transaction(bytes.fromhex(out.tx_hash[2:])) if out.block_number >= 0 else None
        if rec is None or not rec.status or rec.contract_address is None:
            raise ContractReverted(
                abimod.decode_revert(build.abi, (rec.revert_data if rec else None) or b""),
                (rec.revert_data if rec else None) or b"",
            )
        return "0x" + rec.contract_address.hex()

    # -- verify (as Sourcify: recompile and compare the runtime code) --------------------------------------
    def verify(self, address: bytes, compiled: Any) -> dict[str, Any]:
        info = self.get(address)
        target = bytes.fromhex(info["implementation"][2:]) if info["implementation"] else address
        onchain = self.chain.account_view(self.chain.head).get_code(target)
        runtime = compiled.deployed_bytecode
        if runtime == onchain:
            match = "full"
        elif strip_metadata(runtime) == strip_metadata(onchain) and runtime:
            match = "partial"  # same code, different metadata (comments, paths or compiler settings)
        else:
            match = "none"
        return {
            "address": info["address"],
            "checked": "0x" + target.hex(),
            "match": match,
            "contract": compiled.name,
            "compiler_version": compiled.compiler_version,
        }

    # -- read --------------------------------------------------------------------------------------------
    def list(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        with self.chain.engine.connect() as conn:
            rows = conn.execute(
                select(ContractRow.__table__).order_by(ContractRow.id).limit(limit).offset(offset)
            ).all()
        return [self._row_json(r, with_abi=False) for r in rows]

    def get(self, address: bytes) -> dict[str, Any]:
        with self.chain.engine.connect() as conn:
            row = conn.execute(select(ContractRow.__table__).where(ContractRow.address == address)).first()
            if row is None:
                raise ContractNotFound(f"no contract recorded at 0x{address.hex()}")
            history = conn.execute(
                select(ImplementationRow.__table__)
                .where(ImplementationRow.contract_id == row.id)
                .order_by(ImplementationRow.version)
            ).all()
        out = self._row_json(row, with_abi=True)
        out["implementations"] = [
            {
                "version": h.version,
                "implementation": _hex(h.implementation),
                "tx_hash": _hex(h.tx_hash),
                "block_number": h.block_number,
            }
            for h in history
        ]
        return out

    def abi_of(self, address: bytes) -> builtins.list[dict[str, Any]]:
        return list(self.get(address)["abi"])

    @staticmethod
    def _row_json(r: Any, with_abi: bool) -> dict[str, Any]:
        out = {
            "id": r.id,
            "address": _hex(r.address),
            "name": r.name,
            "compiler_version": r.compiler_version,
            "source_hash": _hex(r.source_hash),
            "bytecode_hash": _hex(r.bytecode_hash),
            "deployer": _hex(r.deployer),
            "tx_hash": _hex(r.tx_hash),
            "block_number": r.block_number,
            "created_at": r.created_at.isoformat() if r.created_at else None,
            "proxy_admin": _hex(r.proxy_admin),
            "implementation": _hex(r.implementation),
            "deployer_key": r.deployer_key,
        }
        if with_abi:
            out["abi"] = json.loads(r.abi)
            out["compiler_settings"] = json.loads(r.compiler_settings) if r.compiler_settings else None
        return out

    # -- call and transact -------------------------------------------------------------------------------
    def call(
        self,
        address: bytes,
        function: str,
        args: builtins.list[Any],
        *,
        sender: bytes | None = None,
        value: int = 0,
    ) -> dict[str, Any]:
        abi = self.abi_of(address)
        fn = abimod.find_function(abi, function, args)
        params = {"to": address, "data": fn.encode_call(args), "value": value, "from": sender or b"\x00" * 20}
        outcome = self.chain.call(params, None)
        if not outcome.success:
            if outcome.halt is None:
                raise ContractReverted(abimod.decode_revert(abi, outcome.output), outcome.output)
            raise_for(outcome)
        return {
            "function": abimod.signature(fn.entry),
            "result": fn.decode_result(outcome.output),
            "gas_used": outcome.gas_used,
        }

    def transact(
        self,
        address: bytes,
        function: str,
        args: builtins.list[Any],
        *,
        sender: bytes,
        value: int = 0,
        gas: int | None = None,
        on_record: RecordHook | None = None,
    ) -> TxOutcome:
        """Send a call by function name; ``on_record`` (the API's audit entry) runs in the SQL transaction
        of the block that mines it, with the call's signature, calldata and outcome."""
        abi = self.abi_of(address)
        fn = abimod.find_function(abi, function, args)
        data = fn.encode_call(args)
        params: dict[str, Any] = {"from": sender, "to": address, "data": data, "value": value}
        if gas is not None:
            params["gas"] = gas

        def record(conn: Connection, tx: TxRecord) -> None:
            if on_record is not None:
                on_record(
                    conn,
                    "contract.transact",
                    {
                        "address": _hex(address),
                        "function": abimod.signature(fn.entry),
                        "data": _hex(data),
                        "value": str(value),
                        "sender": _hex(tx.sender),
                        "tx_hash": _hex(tx.hash),
                        "block_number": tx.block_number,
                        "status": tx.status,
                    },
                )

        try:
            tx_hash = self.chain.send_transaction(params, on_mined=record)
        except ExecutionReverted as exc:  # gas estimation reverted: nothing was sent
            data = bytes.fromhex((exc.data or "0x")[2:])
            raise ContractReverted(abimod.decode_revert(abi, data), data) from exc
        return self._outcome(tx_hash, abi)

    def _outcome(self, tx_hash: bytes, abi: builtins.list[dict[str, Any]]) -> TxOutcome:
        rec = self.chain.transaction(tx_hash)
        if rec is None:  # batch mode: accepted, not mined yet
            return TxOutcome(_hex(tx_hash) or "", -1, False, 0, 0)
        events = []
        for log_record in rec.logs:
            decoded = abimod.decode_log(abi, log_record.topics, log_record.data)
            events.append(
                {
                    "address": _hex(log_record.address),
                    "log_index": log_record.log_index,
                    **(
                        decoded
                        or {
                            "event": None,
                            "topics": [_hex(t) for t in log_record.topics],
                            "data": _hex(log_record.data),
                        }
                    ),
                }
            )
        return TxOutcome(
            tx_hash=_hex(rec.hash) or "",
            block_number=rec.block_number,
            status=rec.status,
            gas_used=rec.gas_used,
            effective_gas_price=rec.effective_gas_price,
            contract_address=_hex(rec.contract_address),
            events=events,
            revert=abimod.decode_revert(abi, rec.revert_data)
            if not rec.status and rec.revert_data is not None
            else None,
        )
