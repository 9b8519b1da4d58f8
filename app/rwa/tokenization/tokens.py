"""A token's ERC-3643 suite, deployed through the platform's ``TREXFactory.deployTREXSuite``: token, identity
registry (with its storage), trusted issuers registry (the platform's ClaimIssuer, trusted for KYC), claim
topics registry (KYC) and modular compliance with its modules. The operator owns all of them and is the
agent of the token and of its identity registry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.rwa.errors import InvalidInput
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.errors import UnsupportedModule
from app.rwa.tokenization.modules import ModuleConfig, settings
from app.rwa.tokenization.operator import Operator, Receipt, audit_hook
from app.rwa.tokenization.platform import KYC_TOPIC, Platform

ZERO = "0x" + "00" * 20


@dataclass(frozen=True, slots=True)
class TokenSpec:
    name: str
    symbol: str
    decimals: int

    @classmethod
    def of(cls, asset: Any) -> TokenSpec:
        """From a registry ``Asset`` row."""
        return cls(asset.name, asset.symbol, asset.decimals)


@dataclass(frozen=True, slots=True)
class TokenSuite:
    """A deployed token's contracts (0x-hex, lower case) and the receipt of ``deployTREXSuite``."""

    salt: str
    token: str
    identity_registry: str
    identity_registry_storage: str
    trusted_issuers_registry: str
    claim_topics_registry: str
    compliance: str
    modules: dict[str, str]
    receipt: Receipt


def token_salt(symbol: str) -> str:
    return f"aurigraph:{symbol}"


def deploy_token(
    op: Operator,
    platform: Platform,
    spec: TokenSpec,
    modules: Sequence[ModuleConfig] = (),
    *,
    unpause: bool = True,
) -> TokenSuite:
    """Deploy ``spec``'s suite with ``modules`` configured for it (the factory refuses a symbol's second
    suite: "token already deployed"). T-REX tokens start paused: ``unpause`` lets them move at once."""
    if not spec.name or not spec.symbol:
        raise InvalidInput("a token needs a name and a symbol")
    if not 0 <= spec.decimals <= 18:
        raise InvalidInput(f"T-REX takes 0 to 18 decimals, got {spec.decimals}")
    module_addresses, module_settings = settings(modules, platform.modules)
    salt = token_salt(spec.symbol)
    details = {
        "owner": op.address,
        "name": spec.name,
        "symbol": spec.symbol,
        "decimals": spec.decimals,
        "irs": ZERO,
        "ONCHAINID": ZERO,
        "irAgents": [op.address],
        "tokenAgents": [op.address],
        "complianceModules": module_addresses,
        "complianceSettings": module_settings,
    }
    claims = {"claimTopics": [KYC_TOPIC], "issuers": [platform.claim_issuer], "issuerClaims": [[KYC_TOPIC]]}
    factory = artifacts.abi("TREXFactory")
    payload = {
        "salt": salt,
        "name": spec.name,
        "symbol": spec.symbol,
        "decimals": spec.decimals,
        "modules": {c.module: [c.function, *map(str, c.args)] for c in modules},
    }
    hook = audit_hook(op.actor, "tokenization.token_deployed", f"token:{spec.symbol}", payload)
    receipt = op.transact(
        platform.trex_factory, factory, "deployTREXSuite", [salt, details, claims], on_mined=hook
    )
    ev = receipt.event("TREXSuiteDeployed")
    suite = TokenSuite(
        salt=salt,
        token=_a(ev["_token"]),
        identity_registry=_a(ev["_ir"]),
        identity_registry_storage=_a(ev["_irs"]),
        trusted_issuers_registry=_a(ev["_tir"]),
        claim_topics_registry=_a(ev["_ctr"]),
        compliance=_a(ev["_mc"]),
        modules={c.module: platform.modules[c.module] for c in modules},
        receipt=receipt,
    )
    if unpause:
        op.transact(suite.token, artifacts.abi("Token"), "unpause", [])
    return suite


def find_token(op: Operator, platform: Platform, symbol: str) -> str | None:
    """The token the factory deployed for ``symbol`` (None if none)."""
    out = str(op.call(platform.trex_factory, artifacts.abi("TREXFactory"), "getToken", [token_salt(symbol)]))
    return None if int(out, 16) == 0 else out.lower()


def _a(value: Any) -> str:
    return str(value).lower()


def configure_module(op: Operator, compliance: str, platform: Platform, config: ModuleConfig) -> Receipt:
    """Change a token's module configuration later (e.g. lift a lock-up): bind the platform's module to the
    compliance if it is not yet, then make the configuring call through it (the operator owns it)."""
    mc = artifacts.abi("ModularCompliance")
    module = platform.modules.get(config.module)
    if module is None:
        raise UnsupportedModule(f"the platform has no module {config.module}")
    if not op.call(compliance, mc, "isModuleBound", [module]):
        op.transact(compliance, mc, "addModule", [module])
    payload = {
        "compliance": compliance,
        "module": config.module,
        "call": [config.function, *map(str, config.args)],
    }
    hook = audit_hook(op.actor, "tokenization.module_configured", f"contract:{compliance}", payload)
    return op.transact(compliance, mc, "callModuleFunction", [config.calldata(), module], on_mined=hook)


def remove_module(op: Operator, compliance: str, platform: Platform, module: str) -> Receipt | None:
    """Unbind the platform's ``module`` (a contract name) from a token's compliance (None if not bound)."""
    mc = artifacts.abi("ModularCompliance")
    address = platform.modules.get(module)
    if address is None:
        raise UnsupportedModule(f"the platform has no module {module}")
    if not op.call(compliance, mc, "isModuleBound", [address]):
        return None
    payload = {"compliance": compliance, "module": module}
    hook = audit_hook(op.actor, "tokenization.module_removed", f"contract:{compliance}", payload)
    return op.transact(compliance, mc, "removeModule", [address], on_mined=hook)
