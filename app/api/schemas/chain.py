"""Request bodies of the contract and chain REST endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.registry import UtcDatetime

_ADDRESS = r"^0x[0-9a-fA-F]{40}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceIn(Strict):
    sources: dict[str, str] = Field(
        description="Solidity files by name, e.g. {'Token.sol': '...'}", min_length=1
    )
    contract: str | None = Field(None, description="Which contract to use when the sources define several")
    optimize_runs: int = Field(200, ge=0, le=1_000_000)


class CompileIn(Strict):
    sources: dict[str, str] = Field(min_length=1)
    optimize_runs: int = Field(200, ge=0, le=1_000_000)


class CallSpec(Strict):
    function: str = Field(description="A name, or a full signature such as transfer(address,uint256)")
    args: list[Any] = Field(default_factory=list)


class DeployIn(Strict):
    """Exactly one of ``source``, ``artifact`` (Hardhat or Foundry JSON) or ``bytecode`` + ``abi``."""

    source: SourceIn | None = None
    artifact: dict[str, Any] | None = None
    bytecode: str | None = Field(None, pattern=r"^(0x)?[0-9a-fA-F]*$")
    abi: list[dict[str, Any]] | None = None
    name: str | None = Field(None, max_length=200)
    args: list[Any] = Field(default_factory=list, description="Constructor arguments")
    value: int = Field(0, ge=0)
    sender: str | None = Field(None, alias="from", pattern=_ADDRESS)
    gas: int | None = Field(None, gt=0)
    upgradeable: bool = False
    initializer: CallSpec | None = Field(None, description="Called through the proxy when it is deployed")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UpgradeIn(Strict):
    source: SourceIn | None = None
    artifact: dict[str, Any] | None = None
    bytecode: str | None = Field(None, pattern=r"^(0x)?[0-9a-fA-F]*$")
    abi: list[dict[str, Any]] | None = None
    name: str | None = Field(None, max_length=200)
    sender: str | None = Field(None, alias="from", pattern=_ADDRESS)
    call: CallSpec | None = Field(None, description="Called through the proxy right after the upgrade")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CallIn(Strict):
    function: str
    args: list[Any] = Field(default_factory=list)
    sender: str | None = Field(None, alias="from", pattern=_ADDRESS)
    value: int = Field(0, ge=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TransactIn(CallIn):
    gas: int | None = Field(None, gt=0)


class VerifyIn(Strict):
    source: SourceIn


# -- responses: the registry's rows as dicts (app.evm.contracts.service), timestamps made UTC-aware on the way
# out


class _Passthrough(BaseModel):
    model_config = ConfigDict(extra="allow")  # fields the chain side adds later pass through unchanged


class ContractOut(_Passthrough):
    id: int
    address: str
    name: str | None
    deployer: str | None
    tx_hash: str | None
    block_number: int | None
    created_at: UtcDatetime | None = Field(description="UTC (SQLite keeps no zone: it is added here)")


class DeployOut(_Passthrough):
    transaction: dict[str, Any]
    contract: ContractOut | None = None
