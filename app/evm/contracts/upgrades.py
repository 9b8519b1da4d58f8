"""Upgradeable deployments: an implementation behind a new EIP-1967 proxy (contracts/src/AuriProxy.sol)
whose admin is the deployer, and upgrades of it (only the recorded admin may), with each proxy's history
of implementations. ``ContractService`` gathers these methods (``UpgradeMethods``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, update

from app.evm.abc import ChainAPI
from app.evm.contracts import abi as abimod
from app.evm.contracts.artifacts import Buildable, proxy_build
from app.evm.contracts.errors import ContractReverted, NotProxyAdmin, NotUpgradeable
from app.evm.contracts.outcomes import RecordHook, TxOutcome
from app.evm.hexcodec import hex_data
from app.evm.storage.models import ContractRow, ImplementationRow
from app.evm.storage.records import TxRecord


class UpgradeMethods:
    chain: ChainAPI

    if TYPE_CHECKING:  # provided by ContractService

        def get(self, address: bytes) -> dict[str, Any]: ...

        def _deploy_plain(
            self,
            build: Buildable,
            args: list[Any],
            sender: bytes,
            on_record: RecordHook | None,
            deployer_key: str | None = None,
        ) -> str: ...

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
        ) -> int: ...

        @staticmethod
        def _summary(
            build: Buildable, tx: TxRecord, code: bytes, deployer_key: str | None = None
        ) -> dict[str, Any]: ...

        def _outcome(self, tx_hash: bytes, abi: list[dict[str, Any]]) -> TxOutcome: ...

    # -- upgradeable deployments (EIP-1967 proxy: contracts/src/AuriProxy.sol) -----------------------------
    def deploy_upgradeable(
        self,
        build: Buildable,
        initializer: tuple[str, list[Any]] | None,
        *,
        sender: bytes,
        on_record: RecordHook | None = None,
        deployer_key: str | None = None,
    ) -> TxOutcome:
        """Deploy ``build`` as an implementation behind a new proxy whose admin is ``sender``; the registry
        records the proxy (with the implementation's ABI) and version 1 of its implementation history."""
        impl = self._deploy_plain(build, [], sender, on_record, deployer_key)
        init = b""
        if initializer is not None:
            init = abimod.find_function(build.abi, initializer[0], initializer[1]).encode_call(initializer[1])
        proxy = proxy_build()
        args = ["0x" + bytes.fromhex(impl[2:]).hex(), "0x" + sender.hex(), "0x" + init.hex()]
        data = proxy.bytecode + abimod.encode_args(
            abimod.constructor_inputs(proxy.abi), args, "proxy constructor"
        )

        def record(conn: Connection, tx: TxRecord) -> None:
            if not tx.status or tx.contract_address is None:
                return
            impl_addr = bytes.fromhex(impl[2:])
            code = self.chain.account_view(self.chain.head).get_code(impl_addr)
            row = self._insert(
                conn, build, tx, code, admin=sender, implementation=impl_addr, deployer_key=deployer_key
            )
            record_implementation(conn, row, 1, impl_addr, build, tx)
            if on_record is not None:
                on_record(
                    conn,
                    "contract.deploy",
                    {
                        "contract_id": row,
                        "proxy": True,
                        "implementation": impl,
                        **self._summary(build, tx, code, deployer_key),
                    },
                )

        tx_hash = self.chain.send_transaction({"from": sender, "data": data}, on_mined=record)
        return self._outcome(
            tx_hash, build.abi + [e for e in proxy.abi if e.get("type") in ("event", "error")]
        )

    def upgrade(
        self,
        address: bytes,
        build: Buildable,
        call: tuple[str, list[Any]] | None,
        *,
        sender: bytes,
        on_record: RecordHook | None = None,
        deployer_key: str | None = None,
    ) -> TxOutcome:
        """Swap a proxy's implementation for a fresh deployment of ``build``; only the recorded admin may.
        (Which API key may ask for it is the API's decision: see ``deployer_key`` on the row.)"""
        info = self.get(address)
        if info["proxy_admin"] is None:
            raise NotUpgradeable(f"contract 0x{address.hex()} was not deployed as upgradeable")
        if info["proxy_admin"] != "0x" + sender.hex():
            raise NotProxyAdmin(f"only the proxy admin {info['proxy_admin']} may upgrade 0x{address.hex()}")
        impl = self._deploy_plain(build, [], sender, on_record, deployer_key)
        data = b""
        if call is not None:
            data = abimod.find_function(build.abi, call[0], call[1]).encode_call(call[1])
        proxy = proxy_build()
        fn = abimod.find_function(proxy.abi, "upgradeToAndCall", [impl, "0x"])
        payload = fn.encode_call([impl, "0x" + data.hex()])
        version = len(info["implementations"]) + 1

        def record(conn: Connection, tx: TxRecord) -> None:
            if not tx.status:
                return
            impl_addr = bytes.fromhex(impl[2:])
            conn.execute(
                update(ContractRow)
                .where(ContractRow.id == info["id"])
                .values(
                    implementation=impl_addr,
                    abi=json.dumps(build.abi),
                    name=build.name,
                    compiler_version=build.compiler_version,
                    source_hash=build.source_hash,
                )
            )
            record_implementation(conn, info["id"], version, impl_addr, build, tx)
            if on_record is not None:
                on_record(
                    conn,
                    "contract.upgrade",
                    {
                        "contract_id": info["id"],
                        "address": info["address"],
                        "implementation": impl,
                        "version": version,
                        "tx_hash": hex_data(tx.hash),
                        "name": build.name,
                    },
                )

        tx_hash = self.chain.send_transaction(
            {"from": sender, "to": address, "data": payload}, on_mined=record
        )
        out = self._outcome(tx_hash, proxy.abi)
        if not out.status and out.revert is None:
            raise ContractReverted({"kind": "unknown"}, b"")
        return out


def record_implementation(
    conn: Connection, contract_id: int, version: int, implementation: bytes, build: Buildable, tx: TxRecord
) -> None:
    conn.execute(
        insert(ImplementationRow).values(
            contract_id=contract_id,
            version=version,
            implementation=implementation,
            abi=json.dumps(build.abi),
            name=build.name,
            compiler_version=build.compiler_version,
            source_hash=build.source_hash,
            tx_hash=tx.hash,
            block_number=tx.block_number,
            created_at=datetime.now(UTC),
        )
    )
