"""Compliance modules a token is deployed with: which platform module, and the calls that configure it for
the token's compliance (passed to ``TREXFactory.deployTREXSuite`` as ``complianceSettings``; the compliance
makes them through ``callModuleFunction``, as a module accepts configuration only from a bound compliance).

From the T-REX package: ``CountryAllow`` (receivers' countries allowed), ``CountryRestrict`` (receivers'
countries denied), ``MaxBalance`` (per identity). Ours (contracts/src/trex, on T-REX's ``AbstractModule``):
``MaxHolders`` (identities holding a balance), ``MinimumTransfer``, ``LockUp`` (no transfer between holders
before a time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.evm.contracts import abi as abimod
from app.rwa.errors import InvalidInput
from app.rwa.registry.iso import ALPHA2_BY_NUMERIC
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.errors import UnsupportedModule

UINT256_MAX = 2**256 - 1
MAX_COUNTRIES = 194  # CountryRestrictModule.batchRestrictCountries takes fewer than 195


@dataclass(frozen=True, slots=True)
class ModuleConfig:
    """One module of a token: the platform module (by contract name) and its configuring calls."""

    module: str
    function: str
    args: tuple[object, ...]

    def calldata(self) -> str:
        fn = abimod.find_function(artifacts.abi(self.module), self.function, list(self.args))
        return "0x" + fn.encode_call(list(self.args)).hex()


def country_allow(countries: Sequence[int]) -> ModuleConfig:
    return ModuleConfig("CountryAllowModule", "batchAllowCountries", (_countries(countries),))


def country_restrict(countries: Sequence[int]) -> ModuleConfig:
    return ModuleConfig("CountryRestrictModule", "batchRestrictCountries", (_countries(countries),))


def max_balance(units: int) -> ModuleConfig:
    return ModuleConfig("MaxBalanceModule", "setMaxBalance", (_units(units, "max balance"),))


def max_holders(count: int) -> ModuleConfig:
    return ModuleConfig("MaxHoldersModule", "setMaxHolders", (_units(count, "max holders"),))


def minimum_transfer(units: int) -> ModuleConfig:
    return ModuleConfig("MinimumTransferModule", "setMinimumTransfer", (_units(units, "minimum transfer"),))


def lock_up(until: datetime) -> ModuleConfig:
    if until.tzinfo is None:
        raise InvalidInput("the lock-up end must be a UTC-aware time")
    return ModuleConfig("LockUpModule", "setLockUp", (int(until.timestamp()),))


def settings(configs: Sequence[ModuleConfig], addresses: dict[str, str]) -> tuple[list[str], list[str]]:
    """``(complianceModules, complianceSettings)`` for ``deployTREXSuite``: each module once, in order."""
    names = [c.module for c in configs]
    if len(set(names)) != len(names):
        raise UnsupportedModule(f"a module appears twice: {', '.join(names)}")
    missing = [n for n in names if n not in addresses]
    if missing:
        raise UnsupportedModule(f"the platform has no module {', '.join(missing)}")
    if len(configs) > 30:
        raise UnsupportedModule("T-REX's factory takes at most 30 module actions")
    return [addresses[n] for n in names], [c.calldata() for c in configs]


def _countries(countries: Sequence[int]) -> list[int]:
    out = sorted(set(countries))
    unknown = [c for c in out if c not in ALPHA2_BY_NUMERIC]
    if unknown:
        raise InvalidInput(f"not ISO 3166-1 numeric country codes: {unknown}")
    if not out or len(out) > MAX_COUNTRIES:
        raise InvalidInput(f"a country module takes 1 to {MAX_COUNTRIES} countries, got {len(out)}")
    return out


def _units(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= UINT256_MAX:
        raise InvalidInput(f"{what} must be a positive integer of base units, got {value!r}")
    return value
