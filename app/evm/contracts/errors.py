"""The contract service's errors (deploy, call, upgrade); each is an ``EvmError``, so the JSON-RPC and the
web layer answer it like the chain's own."""

from __future__ import annotations

from typing import Any

from app.evm.errors import EvmError, InvalidParams


class ContractNotFound(EvmError, LookupError):
    code = -32602


class ArtifactInvalid(InvalidParams):
    pass


class NotUpgradeable(InvalidParams):
    pass


class NotProxyAdmin(EvmError, PermissionError):
    code = -32000


class ContractReverted(EvmError):
    code = 3

    def __init__(self, decoded: dict[str, Any], data: bytes) -> None:
        super().__init__("execution reverted", data="0x" + data.hex())
        self.decoded = decoded
