"""The contract service's errors (deploy, call, upgrade); each is an ``EvmError`` with its kind, code and
JSON-RPC code, so the JSON-RPC and the web layer answer it like the chain's own.

ContractNotFound (LookupError)   not_found  CONTRACT_NOT_FOUND   -32602
ArtifactInvalid (InvalidParams)  invalid    INVALID_ARTIFACT     -32602
NotUpgradeable (InvalidParams)   conflict   NOT_UPGRADEABLE      -32602
NotProxyAdmin (PermissionError)  forbidden  NOT_PROXY_ADMIN      -32000
ContractReverted                 invalid    EXECUTION_REVERTED   3       carries the decoded revert
"""

from __future__ import annotations

from typing import Any

from app.errors import Kind
from app.evm.errors import EvmError, InvalidParams


class ContractNotFound(EvmError, LookupError):
    kind = Kind.NOT_FOUND
    code = "CONTRACT_NOT_FOUND"
    rpc_code = -32602


class ArtifactInvalid(InvalidParams):
    code = "INVALID_ARTIFACT"


class NotUpgradeable(InvalidParams):
    kind = Kind.CONFLICT
    code = "NOT_UPGRADEABLE"


class NotProxyAdmin(EvmError, PermissionError):
    kind = Kind.FORBIDDEN
    code = "NOT_PROXY_ADMIN"
    rpc_code = -32000


class ContractReverted(EvmError):
    kind = Kind.INVALID
    code = "EXECUTION_REVERTED"
    rpc_code = 3

    def __init__(self, decoded: dict[str, Any], data: bytes) -> None:
        super().__init__("execution reverted", data="0x" + data.hex())
        self.decoded = decoded

    def details(self) -> dict[str, Any]:
        return {"revert": self.decoded, **super().details()}
