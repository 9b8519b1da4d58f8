"""
EvmError                          JSON-RPC code
  + InvalidParams                 -32602  malformed hex, wrong arity, unknown block tag
  + BlockNotFound                 -32001  a block number/hash we do not have (as anvil: header not found)
  + InvalidTransaction            -32000  rejected before execution, state untouched
  |   + NonceTooLow               -32003  replayed or stale nonce (ethers: NONCE_EXPIRED)
  |   + NonceTooHigh              -32000
  |   + InsufficientFunds         -32003  balance below gas * fee + value
  |   + IntrinsicGasTooLow        -32000
  |   + GasLimitExceeded          -32000  gas above the block gas limit
  |   + FeeCapTooLow              -32000  max fee below the base fee
  |   + TipAboveFeeCap            -32000  priority fee above max fee
  |   + WrongChainId              -32000
  |   + InvalidSignature          -32000
  |   + BlobTransactionInvalid    -32000
  + ExecutionReverted             3       eth_call / eth_estimateGas reverted; data = raw revert bytes
  + OutOfGas                      -32603  eth_call ran out of gas (as anvil)
  + ExecutionTimeout              -32603  a call ran past the per-call time limit
  + MethodDisabled                -32601  e.g. eth_sendTransaction in production
  + UnknownAccount                -32000  eth_sendTransaction from an account we hold no key for
  + GenesisError                  (start-up) a genesis file that does not parse, or another genesis than
                                  the database was created with: the chain refuses to start
"""

from __future__ import annotations


class EvmError(Exception):
    code: int = -32000
    data: str | None = None

    def __init__(self, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if data is not None:
            self.data = data


class InvalidParams(EvmError, ValueError):
    code = -32602


class BlockNotFound(EvmError, LookupError):
    code = -32001


class InvalidTransaction(EvmError):
    code = -32000


class NonceTooLow(InvalidTransaction):
    code = -32003


class NonceTooHigh(InvalidTransaction):
    pass


class InsufficientFunds(InvalidTransaction):
    code = -32003


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
    code = 3


class OutOfGas(EvmError):
    code = -32603


class ExecutionTimeout(EvmError):
    code = -32603


class MethodDisabled(EvmError):
    code = -32601


class UnknownAccount(EvmError):
    code = -32000


class GenesisError(EvmError, ValueError):
    """The chain cannot start from this genesis (bad file, or not the database's own)."""
