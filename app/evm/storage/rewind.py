"""Rewinding the chain (evm_revert, and anvil_reset to genesis): what a rewind reports, and the contract
registry's part of it.

A rewind removes blocks above a kept block. Every row those blocks wrote must go with them, in the same
database transaction, or the registry keeps contracts that no longer exist (and a redeploy at the same
address fails). Rewind hooks (``ChainAPI.add_rewind_hook``) run in that transaction with the kept block's
number; each returns what it removed (or None), and rewind recorders (``add_rewind_recorder``) then see the
whole ``RewindReport`` (the audit trail, registered by the application, records the rewind as an entry of
its own: it is append-only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select, update

from app.evm.storage.models import ContractRow, ImplementationRow

# (conn, kept block number) -> what it removed, for the report (None: nothing to say)
RewindHook = Callable[[Connection, int], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class RewindReport:
    reason: str  # "evm_revert", "anvil_reset"...
    kept_block: int  # the new head
    old_head: int
    transactions: tuple[bytes, ...]  # removed with their blocks, in block order
    rewound: dict[str, Any] = field(default_factory=dict)  # what the hooks removed, merged

    def payload(self) -> dict[str, Any]:
        """Plain JSON values, for an audit entry."""
        return {
            "reason": self.reason,
            "kept_block": self.kept_block,
            "old_head": self.old_head,
            "blocks_removed": self.old_head - self.kept_block,
            "transactions": ["0x" + h.hex() for h in self.transactions],
            **self.rewound,
        }


RewindRecorder = Callable[[Connection, RewindReport], None]


def rewind_contracts(conn: Connection, kept: int) -> Mapping[str, Any] | None:
    """The contract registry as it stood at block ``kept``: deployments and upgrades recorded by later
    blocks are removed, and a proxy whose upgrade is removed points at its previous implementation again
    (with that version's ABI and build facts)."""
    gone = conn.execute(
        select(ContractRow.id, ContractRow.address).where(ContractRow.block_number > kept)
    ).all()
    upgrades = conn.execute(
        select(ImplementationRow.contract_id, ImplementationRow.version, ImplementationRow.implementation)
        .where(ImplementationRow.block_number > kept)
        .order_by(ImplementationRow.contract_id, ImplementationRow.version)
    ).all()
    if not gone and not upgrades:
        return None
    conn.execute(delete(ImplementationRow).where(ImplementationRow.block_number > kept))
    conn.execute(delete(ContractRow).where(ContractRow.block_number > kept))
    gone_ids = {r.id for r in gone}
    for contract_id in sorted({u.contract_id for u in upgrades} - gone_ids):
        _restore_latest_implementation(conn, contract_id)
    return {
        "contracts": ["0x" + bytes(r.address).hex() for r in gone],
        "upgrades": [
            {
                "contract_id": u.contract_id,
                "version": u.version,
                "implementation": "0x" + bytes(u.implementation).hex(),
            }
            for u in upgrades
            if u.contract_id not in gone_ids
        ],
    }


def _restore_latest_implementation(conn: Connection, contract_id: int) -> None:
    last = conn.execute(
        select(ImplementationRow.__table__)
        .where(ImplementationRow.contract_id == contract_id)
        .order_by(ImplementationRow.version.desc())
        .limit(1)
    ).first()
    if last is None:
        return
    values: dict[str, Any] = {"implementation": last.implementation, "abi": last.abi}
    if last.name is not None:  # build facts are kept with each version since migration 0004
        values.update(name=last.name, compiler_version=last.compiler_version, source_hash=last.source_hash)
    conn.execute(update(ContractRow).where(ContractRow.id == contract_id).values(**values))
