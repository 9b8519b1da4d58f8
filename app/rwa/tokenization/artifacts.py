"""The contracts tokenization deploys, as `Buildable`s from our artifact import (`parse_artifact`):
T-REX's Hardhat artifacts from the npm package @tokenysolutions/t-rex, ONCHAINID's (IdFactory, Identity,
ImplementationAuthority) from @onchain-id/solidity, and our own compliance modules from contracts/build/trex
(built from contracts/src/trex by scripts/build-contracts with solc 0.8.17, as T-REX pins it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from app.evm.contracts.compiler import BUILD_DIR, NODE_MODULES
from app.evm.contracts.service import Buildable, parse_artifact
from app.rwa.tokenization.errors import TokenizationError

TREX = NODE_MODULES / "@tokenysolutions" / "t-rex" / "artifacts" / "contracts"
ONCHAINID = NODE_MODULES / "@onchain-id" / "solidity" / "artifacts" / "contracts"
OURS = BUILD_DIR / "trex"

# where each contract's artifact lies (relative to its package's artifacts/contracts)
_PLACES: dict[str, tuple[Path, str]] = {
    "Token": (TREX, "token/Token.sol"),
    "ClaimTopicsRegistry": (TREX, "registry/implementation/ClaimTopicsRegistry.sol"),
    "TrustedIssuersRegistry": (TREX, "registry/implementation/TrustedIssuersRegistry.sol"),
    "IdentityRegistry": (TREX, "registry/implementation/IdentityRegistry.sol"),
    "IdentityRegistryStorage": (TREX, "registry/implementation/IdentityRegistryStorage.sol"),
    "ModularCompliance": (TREX, "compliance/modular/ModularCompliance.sol"),
    "TREXImplementationAuthority": (TREX, "proxy/authority/TREXImplementationAuthority.sol"),
    "TREXFactory": (TREX, "factory/TREXFactory.sol"),
    "ClaimTopicsRegistryProxy": (TREX, "proxy/ClaimTopicsRegistryProxy.sol"),
    "ModuleProxy": (TREX, "compliance/modular/modules/ModuleProxy.sol"),
    "CountryAllowModule": (TREX, "compliance/modular/modules/CountryAllowModule.sol"),
    "CountryRestrictModule": (TREX, "compliance/modular/modules/CountryRestrictModule.sol"),
    "MaxBalanceModule": (TREX, "compliance/modular/modules/MaxBalanceModule.sol"),
    "ClaimIssuer": (ONCHAINID, "ClaimIssuer.sol"),
    "Identity": (ONCHAINID, "Identity.sol"),
    "ImplementationAuthority": (ONCHAINID, "proxy/ImplementationAuthority.sol"),
    "IdFactory": (ONCHAINID, "factory/IdFactory.sol"),
}
OUR_MODULES = ("MaxHoldersModule", "MinimumTransferModule", "LockUpModule")


@cache
def build(name: str) -> Buildable:
    """The deployable contract ``name`` (a T-REX, ONCHAINID or our module's artifact)."""
    if name in OUR_MODULES:
        path = OURS / f"{name}.json"
    elif name in _PLACES:
        root, source = _PLACES[name]
        path = root / source / f"{name}.json"
    else:
        raise TokenizationError(f"no tokenization artifact {name!r}")
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise TokenizationError(
            f"artifact {name} is missing ({path.name}): run scripts/setup (npm @tokenysolutions/t-rex, "
            "@onchain-id/solidity) and scripts/build-contracts"
        ) from exc
    return parse_artifact(raw)


def abi(name: str) -> list[dict[str, Any]]:
    return build(name).abi
