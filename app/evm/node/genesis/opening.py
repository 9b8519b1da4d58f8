"""The chain's genesis: the dev defaults (anvil's: funded dev accounts, EIP-2935's block-hash history
contract, time of creation), or a genesis file in geth's format (``AURIGRAPH_GENESIS_FILE``), so operators
reuse what they know:

    {"config": {"chainId": 4242}, "gasLimit": "0x1c9c380", "baseFeePerGas": "0x3b9aca00",
     "timestamp": "0x0", "extraData": "0x", "coinbase": "0x00..", "mixHash": "0x00..",
     "alloc": {"0xabc...": {"balance": "0x..", "nonce": "0x1", "code": "0x..", "storage": {"0x0": "0x1"}}}}

Numbers are JSON numbers, hex or decimal strings (as geth's). ``difficulty`` and ``nonce`` are ignored (the
chain is post-merge: both 0), and so are the fork fields of ``config``: the chain runs py-evm's newest fork
(Prague) from block 0. A missing ``baseFeePerGas`` is ``AURIGRAPH_INITIAL_BASE_FEE``.

The database remembers its genesis (``evm_meta``: block 0's hash, where it came from, the chain id); a start
with another genesis file, or without the file the database was created from, fails with ``GenesisError``.
A file's genesis is computed in memory first, so the check needs nothing but block 0's stored hash."""

from __future__ import annotations

import time
from typing import Any

from eth.vm.forks.prague.constants import HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE
from sqlalchemy import Connection, delete, insert, select

from app.config import Settings
from app.evm.errors import GenesisError
from app.evm.execution import pyevm
from app.evm.node.genesis.file import Genesis, account, load
from app.evm.storage.models import ChainMeta

__all__ = ["Genesis", "open_chain", "remember", "resolve", "verify"]


def open_chain(db: Any, genesis: Genesis) -> tuple[Any, bool]:
    """The chain stored in ``db``, created from ``genesis`` when empty. Returns (py-evm chain, created)."""
    return pyevm.open_genesis(
        db, chain_id=genesis.chain_id, params=genesis.header_params(), state=genesis.alloc
    )


_META = ("genesis_hash", "genesis_source", "chain_id")


def remember(conn: Connection, genesis: Genesis, block0_hash: bytes) -> None:
    """Record the database's genesis (in the transaction that stores block 0)."""
    values = {"genesis_hash": "0x" + block0_hash.hex(), "genesis_source": genesis.source}
    values["chain_id"] = str(genesis.chain_id)
    conn.execute(delete(ChainMeta).where(ChainMeta.name.in_(_META)))
    conn.execute(insert(ChainMeta), [{"name": k, "value": v} for k, v in values.items()])


def verify(conn: Connection, genesis: Genesis, block0_hash: bytes) -> None:
    """Refuse to go on with another genesis than the database's own (``GenesisError``); a database from
    before genesis facts were kept adopts them, once it passes the checks it can."""
    rows = conn.execute(select(ChainMeta.name, ChainMeta.value).where(ChainMeta.name.in_(_META)))
    stored: dict[str, str] = {r.name: r.value for r in rows}
    have = stored.get("genesis_hash", "0x" + block0_hash.hex())
    if genesis.source == "dev" and stored.get("genesis_source") == "file":
        raise GenesisError(
            f"the database was created from a genesis file (genesis block {have}): set "
            "AURIGRAPH_GENESIS_FILE to that file to start it"
        )
    if stored.get("chain_id", str(genesis.chain_id)) != str(genesis.chain_id):
        raise GenesisError(
            f"the database's chain was created with chain id {stored['chain_id']}, not {genesis.chain_id}: "
            "refusing to start (another database, or the settings it was created with)"
        )
    if genesis.source == "file":
        want = pyevm.genesis_hash(
            chain_id=genesis.chain_id, params=genesis.header_params(), state=genesis.alloc
        )
        if have != "0x" + want.hex():
            raise GenesisError(
                f"the database's genesis block is {have}, the genesis file {genesis.path} makes "
                f"0x{want.hex()}: refusing to start on a database created with another genesis"
            )
    if len(stored) < len(_META):
        remember(conn, genesis, block0_hash)


def resolve(settings: Settings, dev_addresses: tuple[bytes, ...]) -> Genesis:
    """The genesis the settings ask for: the file when one is set, else the dev defaults."""
    if settings.genesis_file is not None:
        genesis = load(settings.genesis_file, settings)
        if "chain_id" in settings.model_fields_set and settings.chain_id != genesis.chain_id:
            raise GenesisError(
                f"AURIGRAPH_CHAIN_ID={settings.chain_id} contradicts config.chainId={genesis.chain_id} of "
                f"the genesis file {settings.genesis_file}: leave AURIGRAPH_CHAIN_ID unset"
            )
        return genesis
    alloc = {a: account(settings.dev_balance_wei) for a in dev_addresses}
    # EIP-2935's block-hash history contract, as anvil's Prague genesis has it (without it the system
    # contract's address is empty: calls to it succeed with no data, and no block hash is kept)
    alloc[bytes(HISTORY_STORAGE_ADDRESS)] = account(0, code=HISTORY_STORAGE_CONTRACT_CODE)
    return Genesis(
        settings.chain_id, settings.block_gas_limit, settings.initial_base_fee, int(time.time()), alloc
    )
