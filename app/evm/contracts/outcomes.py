"""What the contract service hands back: a transaction's ``TxOutcome`` (decoded events and revert), and the
``RecordHook`` through which a caller adds rows (an audit entry) to a deployment's SQL transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

RecordHook = Callable[[Connection, str, dict[str, Any]], None]  # (conn, action, payload)


@dataclass(frozen=True, slots=True)
class TxOutcome:
    tx_hash: str
    block_number: int
    status: bool
    gas_used: int
    effective_gas_price: int
    contract_address: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    revert: dict[str, Any] | None = None
