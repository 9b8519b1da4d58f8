"""The registry's record of what happens on our chain: every contract deployed by a raw transaction (JSON-RPC,
cast, Hardhat, the feeds our CLI deploys) is recorded and audited in its block's own transaction, and a rewind
(evm_revert, anvil_reset) is audited as an entry of its own. Every process that opens the chain attaches it:
the server and the CLI alike. May import app.evm (the chain, its contract service) and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.evm.abc import ChainAPI
from app.evm.contracts.service import ContractService
from app.evm.storage.rewind import RewindReport
from app.rwa.audit import log as audit


def deploy_audit(conn: Connection, action: str, payload: dict[str, Any]) -> None:
    """Audit a deploy made by a raw transaction, in the block's own transaction; the actor is the deployer."""
    with Session(bind=conn) as session:
        audit.record(
            session,
            actor=f"chain:{payload.get('deployer')}",
            action=action,
            subject=f"contract:{payload.get('address')}",
            payload=payload,
        )
        session.flush()


def rewind_audit(conn: Connection, report: RewindReport) -> None:
    """The audit trail is append-only: a rewind keeps the entries of what it removed and records itself,
    with what went, in the rewind's own transaction."""
    with Session(bind=conn) as session:
        audit.record(
            session,
            actor="chain",
            action="chain.rewind",
            subject=f"block:{report.kept_block}",
            payload=report.payload(),
        )
        session.flush()


def attach(chain: ChainAPI, contracts: ContractService | None = None) -> ContractService:
    """Record and audit the chain's deploys and rewinds; returns the contract service doing it."""
    contracts = contracts or ContractService(chain)
    chain.add_default_mined_hook(contracts.record_foreign_deploy(on_record=deploy_audit))
    chain.add_rewind_recorder(rewind_audit)
    return contracts
