"""Errors of tokenization (each a registry error with its kind and code; app/api/errors.py maps the kind).

TokenizationError (RwaError)
  + OperatorKeyMissing          no operator key configured where one is required (production), or unreadable
  + PlatformNotDeployed (NotFound)   `aurigraph tokenization init` has not run on this database's chain
  + ChainNotMining              the chain accepted a transaction but did not mine it (automine off)
  + ChainTxReverted             a transaction the operator signed reverted: `reason` is the suite's reason
                                (e.g. "Transfer not possible"), `decoded` the full decoded revert
  + UnsupportedModule (InvalidInput) a compliance module the platform cannot configure
"""

from __future__ import annotations

from typing import Any

from app.errors import Kind
from app.rwa.errors import InvalidInput, NotFound, RwaError


class TokenizationError(RwaError):
    """Root of the tokenization errors."""


class OperatorKeyMissing(TokenizationError):
    kind = Kind.UNAVAILABLE
    code = "OPERATOR_KEY_MISSING"


class PlatformNotDeployed(TokenizationError, NotFound):
    code = "PLATFORM_NOT_DEPLOYED"

    def __init__(self) -> None:
        super().__init__("the tokenization platform is not deployed: run `aurigraph tokenization init`")


class ChainNotMining(TokenizationError):
    kind = Kind.CONFLICT
    code = "CHAIN_NOT_MINING"

    def __init__(self, tx_hash: str) -> None:
        super().__init__(f"transaction {tx_hash} was accepted but not mined (automine is off): mine a block")
        self.tx_hash = tx_hash


class ChainTxReverted(TokenizationError):
    kind = Kind.CONFLICT
    code = "CHAIN_REVERTED"

    def __init__(self, action: str, decoded: dict[str, Any], tx_hash: str | None = None) -> None:
        reason = decoded.get("reason") or decoded.get("name") or decoded.get("kind", "unknown")
        super().__init__(f"{action} reverted: {reason}")
        self.action = action
        self.reason = str(reason)
        self.decoded = decoded
        self.tx_hash = tx_hash


class UnsupportedModule(TokenizationError, InvalidInput):
    pass
