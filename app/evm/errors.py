"""Errors of the chain. Each class sets, where it is defined, its `kind` and stable `code` (app/api/errors.py
maps the kind to an HTTP status) and its `rpc_code`: the JSON-RPC error code Ethereum clients branch on
(EIP-1474: -32602 invalid params, -32003 transaction rejected, 3 execution reverted). That number is part of
the Ethereum wire protocol, like an ERC-1404 code, and the JSON-RPC dispatcher answering with it (app/evm/rpc)
also runs without the web layer (the CLI, the benchmarks), so it stays on the error. A class without its own
kind, code or rpc_code takes its parent's.

EvmError                      rpc_code kind       the root (code CHAIN_ERROR)
  + InvalidParams             -32602  invalid    malformed hex, wrong arity, unknown block tag
  + BlockNotFound             -32001  not_found  an unknown block number/hash (as anvil: header not found)
  + InvalidTransaction        -32000  invalid    rejected before execution, state untouched
  |   + NonceTooLow           -32003  conflict   replayed or stale nonce (ethers: NONCE_EXPIRED)
  |   + NonceTooHigh          -32000  invalid
  |   + InsufficientFunds     -32003  conflict   balance below gas * fee + value
  |   + IntrinsicGasTooLow    -32000  invalid
  |   + GasLimitExceeded      -32000  invalid    gas above the block gas limit
  |   + FeeCapTooLow          -32000  invalid    max fee below the base fee
  |   + TipAboveFeeCap        -32000  invalid    priority fee above max fee
  |   + WrongChainId          -32000  invalid
  |   + InvalidSignature      -32000  invalid
  |   + BlobTransactionInvalid -32000 invalid
  + ExecutionReverted         3       invalid    eth_call / eth_estimateGas reverted; data = raw revert bytes
  + OutOfGas                  -32603  invalid    eth_call ran out of gas (as anvil)
  + ExecutionTimeout          -32603  invalid    a call ran past the per-call time limit
  + MethodDisabled            -32601  refused    e.g. eth_sendTransaction in production
  + UnknownAccount            -32000  invalid    eth_sendTransaction from an account we hold no key for
  + GenesisError              -32000  refused    (start-up) a genesis file that does not parse, or another
                                                 genesis than the database was created with: no start
Elsewhere: ContractNotFound, ArtifactInvalid, NotUpgradeable, NotProxyAdmin, ContractReverted
(app/evm/contracts/service.py), CompilationError (compiler.py), AbiError (abi.py), WriterLockHeld (node).
"""

from __future__ import annotations

from typing import Any

from app.errors import AppError, Kind


class EvmError(AppError):
    kind = Kind.REFUSED
    code = "CHAIN_ERROR"
    rpc_code: int = -32000
    data: str | None = None

    def __init__(self, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if data is not None:
            self.data = data

    def details(self) -> dict[str, Any]:
        return {"data": self.data} if self.data is not None else {}


class InvalidParams(EvmError, ValueError):
    kind = Kind.INVALID
    code = "INVALID_PARAMS"
    rpc_code = -32602


class BlockNotFound(EvmError, LookupError):
    kind = Kind.NOT_FOUND
    code = "BLOCK_NOT_FOUND"
    rpc_code = -32001


class InvalidTransaction(EvmError):
    kind = Kind.INVALID
    code = "INVALID_TRANSACTION"
    rpc_code = -32000


class NonceTooLow(InvalidTransaction):
    kind = Kind.CONFLICT
    code = "NONCE_TOO_LOW"
    rpc_code = -32003


class NonceTooHigh(InvalidTransaction):
    pass


class InsufficientFunds(InvalidTransaction):
    kind = Kind.CONFLICT
    code = "INSUFFICIENT_FUNDS"
    rpc_code = -32003


class IntrinsicGasTooLow(InvalidTransaction):
    pass


class GasLimitExceeded(InvalidTransaction):
    pass


class FeeCapTooLow(InvalidTransaction):
    pass


class TipAboveFeeCap(InvalidTransaction):
    pass


class WrongChainId(InvalidTransaction):
    pass


class InvalidSignature(InvalidTransaction):
    pass


class BlobTransactionInvalid(InvalidTransaction):
    pass


class ExecutionReverted(EvmError):
    kind = Kind.INVALID
    code = "EXECUTION_REVERTED"
    rpc_code = 3


class OutOfGas(EvmError):
    kind = Kind.INVALID
    code = "OUT_OF_GAS"
    rpc_code = -32603


class ExecutionTimeout(EvmError):
    kind = Kind.INVALID
    code = "EXECUTION_TIMEOUT"
    rpc_code = -32603


class MethodDisabled(EvmError):
    rpc_code = -32601


class UnknownAccount(EvmError):
    kind = Kind.INVALID
    code = "UNKNOWN_ACCOUNT"
    rpc_code = -32000


class GenesisError(EvmError, ValueError):
    """The chain cannot start from this genesis (bad file, or not the database's own)."""
